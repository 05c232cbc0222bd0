package erp

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/shopspring/decimal"
)

// Reference tables of Lookups: the small lists supplier data and prices
// point at, read once per run and answered from memory like the name
// tables.
//
//	suppliers       key: the Name, else the SupplierNo; result: the Id.
//	customerGroups  key: the Name; result: the Id.
//	salesChannels   key: the Name, or the Id itself ("1-1-1"); result: the Id (text).
//	taxClasses      key: the Name, or a rate ("19", "7 %") when one class
//	                fits it (see taxByRate); result: the Id.
//	productGroups   key: the Name; result: the Id.
//	shippingClasses key: the Name; result: the Id.
//	availabilities  key: the Name; result: the Id.
//	conditions      key: the name in any language (Neu, New); result: the Id.
//	items           key: the SKU; result: the Id (bundle components,
//	                Components[0].ItemId). Asked key by key (GET
//	                /items?searchKeyWord=…, the SKU compared exactly) and cached.
//
// A tax rate that several classes fit, or a name several records share, is
// an *AmbiguousError: the record fails with a message that says to name the
// one meant.
var refTables = map[string][]string{
	"suppliers":       {"Name", "SupplierNo"},
	"customerGroups":  {"Name"},
	"salesChannels":   {"Name", "Id"},
	"taxClasses":      {"Name"},
	"productGroups":   {"Name"},
	"shippingClasses": {"Name"},
	"availabilities":  {"Name"},
	"conditions":      {"Names"},
	"items":           {"SKU"},
}

// AmbiguousError is a key that fits several records of a reference table.
type AmbiguousError struct {
	Table, Key string
	Matches    []string // what the key fits, as the Wawi names it
	Hint       string   // what to write instead
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%q fits several %s (%s): %s", e.Key, e.Table, strings.Join(e.Matches, ", "), e.Hint)
}

func refTableNames() []string {
	out := make([]string, 0, len(refTables))
	for k := range refTables {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// resolveRef answers a reference table; ok is false when table is none.
func (l *Lookups) resolveRef(ctx context.Context, def *ResourceDef, key string) (val any, found, ok bool, err error) {
	fields, ok := refTables[def.Name]
	if !ok {
		return nil, false, false, nil
	}
	if def.Name == "items" {
		v, found, err := l.itemBySKU(ctx, def, key)
		return v, found, true, err
	}
	t, err := l.list(ctx, def)
	if err != nil {
		return nil, false, true, err
	}
	if def.Name == "conditions" {
		v, found, err := t.condition(key)
		return v, found, true, err
	}
	for _, f := range fields {
		if i, hit := t.byText(key, f); hit {
			return t.id(i), true, true, nil
		}
	}
	if n := t.sameName(key); len(n) > 1 {
		return nil, false, true, &AmbiguousError{Table: def.Name, Key: key, Matches: n, Hint: "the Wawi has that name more than once; rename one there"}
	}
	if def.Name == "taxClasses" {
		if i, hit := t.taxByRate(key); hit {
			return t.id(i[0]), true, true, nil
		} else if len(i) > 1 {
			return nil, false, true, &AmbiguousError{Table: def.Name, Key: key, Matches: t.names(i),
				Hint: "name the tax class instead of its rate"}
		}
	}
	return nil, false, true, nil
}

// sameName lists the records whose Name equals key ignoring case and
// space, when there are several.
func (t *listTable) sameName(key string) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []string
	for _, r := range t.recs {
		if s, _ := r["Name"].(string); strings.EqualFold(strings.TrimSpace(s), key) {
			out = append(out, s)
		}
	}
	return out
}

// names are the Names of the records at the positions.
func (t *listTable) names(pos []int) []string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]string, len(pos))
	for i, p := range pos {
		out[i], _ = t.recs[p]["Name"].(string)
	}
	return out
}

// conditionNames are a condition's names in every language.
func conditionNames(r map[string]any) []string {
	list, _ := r["Names"].([]any)
	var out []string
	for _, n := range list {
		if m, ok := n.(map[string]any); ok {
			if s, _ := m["Name"].(string); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// condition finds the one condition that carries key as its name in some
// language (exactly, else ignoring case).
func (t *listTable) condition(key string) (any, bool, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, fold := range []bool{false, true} {
		var hits []int
		for i, r := range t.recs {
			for _, n := range conditionNames(r) {
				if n == key || fold && strings.EqualFold(strings.TrimSpace(n), key) {
					hits = append(hits, i)
					break
				}
			}
		}
		switch len(hits) {
		case 0:
			continue
		case 1:
			return idValue(t.recs[hits[0]]["Id"]), true, nil
		}
		var names []string
		for _, i := range hits {
			names = append(names, strings.Join(conditionNames(t.recs[i]), " / "))
		}
		return nil, false, &AmbiguousError{Table: "conditions", Key: key, Matches: names, Hint: "name the condition in another language"}
	}
	return nil, false, nil
}

// itemBySKU finds an item's Id by its SKU: a search, then the SKU compared
// (exactly, else ignoring case as the Wawi's collation does).
func (l *Lookups) itemBySKU(ctx context.Context, def *ResourceDef, sku string) (any, bool, error) {
	return l.cache("items").get(ctx, strings.ToLower(sku), func(ctx context.Context) (any, bool, error) {
		nk, _ := def.NaturalKey("SKU")
		q := url.Values{nk.Lookup: {sku}}
		var exact, fold []any
		for rec, err := range l.c.List(ctx, def.ListPath, q, PageOptions{}) {
			if err != nil {
				return nil, false, fmt.Errorf("ERP lookup items: %w", err)
			}
			s, _ := rec["SKU"].(string)
			switch {
			case s == sku:
				exact = append(exact, idValue(rec["Id"]))
			case strings.EqualFold(s, sku):
				fold = append(fold, idValue(rec["Id"]))
			}
		}
		switch {
		case len(exact) == 1:
			return exact[0], true, nil
		case len(exact) == 0 && len(fold) == 1:
			return fold[0], true, nil
		}
		return nil, false, nil
	})
}

// byText is byName for fields that are not always text (a sales channel's
// Id is, a supplier's number may be missing).
func (t *listTable) byText(key, field string) (int, bool) {
	if field == "Name" {
		return t.byName(key, field)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	hit, n := -1, 0
	for i, r := range t.recs {
		if s := strings.TrimSpace(fmt.Sprint(r[field])); r[field] != nil && strings.EqualFold(s, key) {
			hit, n = i, n+1
		}
	}
	return hit, n == 1
}

var (
	rateKey     = regexp.MustCompile(`^\s*(\d+(?:[.,]\d+)?)\s*%?\s*$`)
	rateInName  = regexp.MustCompile(`(\d+(?:[.,]\d+)?)\s*%`)
	germanRates = map[string]int{"19": 4, "7": 3} // TaxClass.Type: NormalerSatz, ErmaessigterSatz
)

// taxByRate finds the tax class of a rate ("19", "7 %"): a class whose
// name carries that rate ("Normaler Steuersatz 19 %") or, for the German
// rates 19 and 7, a class of type NormalerSatz or ErmaessigterSatz whose
// name carries no rate. It returns the candidates: one is the answer,
// several an ambiguity (name the class instead).
func (t *listTable) taxByRate(key string) ([]int, bool) {
	m := rateKey.FindStringSubmatch(key)
	if m == nil {
		return nil, false
	}
	rate, err := decimal.NewFromString(strings.Replace(m[1], ",", ".", 1))
	if err != nil {
		return nil, false
	}
	typ, german := germanRates[rate.String()]
	t.mu.RLock()
	defer t.mu.RUnlock()
	var hits []int
	for i, r := range t.recs {
		name, _ := r["Name"].(string)
		rates := rateInName.FindAllStringSubmatch(name, -1)
		for _, nm := range rates {
			if d, err := decimal.NewFromString(strings.Replace(nm[1], ",", ".", 1)); err == nil && d.Equal(rate) {
				hits = append(hits, i)
				break
			}
		}
		if ty, _ := idValue(r["Type"]).(int64); german && len(rates) == 0 && ty == int64(typ) {
			hits = append(hits, i)
		}
	}
	return hits, len(hits) == 1
}

// Known lists the keys a list table knows (names, and a supplier's number
// beside its name), at most max, for the message of a key that is not
// there; ok is false for tables asked key by key.
func (l *Lookups) Known(ctx context.Context, table string) ([]string, bool) {
	def, ok := Resource(table)
	if !ok || strings.Contains(table, ".") {
		return nil, false
	}
	_, ref := refTables[def.Name]
	if !ref && !isNameTable(def.Name) || def.Name == "items" {
		return nil, false
	}
	t, err := l.list(ctx, def)
	if err != nil {
		return nil, false
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	const max = 20
	var out []string
	for _, r := range t.recs {
		name, _ := r["Name"].(string)
		if def.Name == "conditions" {
			name = strings.Join(conditionNames(r), " / ")
		}
		if no, _ := r["SupplierNo"].(string); no != "" {
			name += " (" + no + ")"
		}
		if len(out) == max {
			out = append(out, fmt.Sprintf("… (%d in all)", len(t.recs)))
			break
		}
		out = append(out, name)
	}
	return out, true
}
