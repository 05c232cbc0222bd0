package erp

import (
	"context"
	"fmt"
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
var refTables = map[string][]string{
	"suppliers":      {"Name", "SupplierNo"},
	"customerGroups": {"Name"},
	"salesChannels":  {"Name", "Id"},
	"taxClasses":     {"Name"},
	"productGroups":  {"Name"},
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
	t, err := l.list(ctx, def)
	if err != nil {
		return nil, false, true, err
	}
	for _, f := range fields {
		if i, hit := t.byText(key, f); hit {
			return t.id(i), true, true, nil
		}
	}
	if def.Name == "taxClasses" {
		if i, hit := t.taxByRate(key); hit {
			return t.id(i), true, true, nil
		}
	}
	return nil, false, true, nil
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

// taxByRate finds the tax class of a rate: the one class whose name
// carries that rate ("Normaler Steuersatz 19 %"), else, for the German
// rates 19 and 7, the one class of type NormalerSatz or ErmaessigterSatz.
// Several candidates are no answer: the rate is ambiguous.
func (t *listTable) taxByRate(key string) (int, bool) {
	m := rateKey.FindStringSubmatch(key)
	if m == nil {
		return -1, false
	}
	rate, err := decimal.NewFromString(strings.Replace(m[1], ",", ".", 1))
	if err != nil {
		return -1, false
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	hit, n := -1, 0
	for i, r := range t.recs {
		name, _ := r["Name"].(string)
		for _, nm := range rateInName.FindAllStringSubmatch(name, -1) {
			if d, err := decimal.NewFromString(strings.Replace(nm[1], ",", ".", 1)); err == nil && d.Equal(rate) {
				hit, n = i, n+1
				break
			}
		}
	}
	if n > 0 {
		return hit, n == 1
	}
	typ, ok := germanRates[rate.String()]
	if !ok {
		return -1, false
	}
	for i, r := range t.recs {
		if ty, _ := idValue(r["Type"]).(int64); ty == int64(typ) {
			hit, n = i, n+1
		}
	}
	return hit, n == 1
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
	if !ref && !isNameTable(def.Name) {
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
