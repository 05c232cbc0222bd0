package pipeline

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/report"
)

// GuardrailTrip names a rule that stopped a run before its first write, its
// limit, what the plan would have done, and the records that broke it; the
// summary and the diff report carry it as it is.
type GuardrailTrip = report.GuardrailTrip

// TripRecord is one record that broke a guardrail.
type TripRecord = report.TripRecord

// tripFound is the message of each rule's finding. summary.json keeps the
// English text; TripText reads its numbers back to say it in another
// language.
var tripFound = map[string]i18n.Msg{
	"max_failed":       "guard.max_failed",
	"max_changes":      "guard.max_changes",
	"max_price_change": "guard.max_price",
	"max_zeroed_stock": "guard.max_zeroed",
}

// TripText says that a guardrail tripped, in l: the rule, its limit and
// what the plan would have done (found, as the run wrote it in English).
func TripText(l i18n.Lang, rule, limit, found string) string {
	if id, ok := tripFound[rule]; ok && l != i18n.English {
		var a, b int64
		if rule == "max_price_change" {
			var lim string
			if n, _ := fmt.Sscanf(found, i18n.English.T(id), &a, &lim); n == 2 {
				found = l.T(id, a, lim)
			}
		} else if n, _ := fmt.Sscanf(found, i18n.English.T(id), &a, &b); n == 2 {
			found = l.T(id, a, b)
		}
	}
	return l.T("guardrail", rule, limit, found)
}

// germanFields are the words a German merchant uses for the fields the
// guardrails watch.
var germanFields = map[string]string{
	"PurchasePriceNet":     "Einkaufspreis netto",
	"SalesPriceNet":        "Verkaufspreis netto",
	"SuggestedRetailPrice": "UVP",
	"AmazonPrice":          "Amazon-Preis",
	"EbayPrice":            "eBay-Preis",
	"Quantity":             "Bestand",
	"stock":                "Bestand",
}

var tripChange = regexp.MustCompile(`^(.+?): (\S+) -> (\S+)(?: \((\S+)%\))?$`)

// TripDetail says what one record would have done, in l: for German the
// field by its German name and the numbers with a decimal comma
// ("Einkaufspreis netto: 54,09 → 56,94 (5,3 %)"). Failure reasons stay as
// the run wrote them.
func TripDetail(l i18n.Lang, rule, detail string) string {
	if l != i18n.German {
		return detail
	}
	switch rule {
	case "max_changes":
		if de, ok := map[string]string{"created": "angelegt", "updated": "geändert"}[detail]; ok {
			return de
		}
		return detail
	case "max_price_change", "max_zeroed_stock":
	default:
		return detail
	}
	comma := func(n string) string { return strings.Replace(n, ".", ",", 1) }
	parts := strings.Split(detail, "; ")
	for i, part := range parts {
		m := tripChange.FindStringSubmatch(part)
		if m == nil {
			continue
		}
		field := m[1]
		if de, ok := germanFields[field[strings.LastIndexByte(field, '.')+1:]]; ok {
			field = de
		}
		parts[i] = field + ": " + comma(m[2]) + " → " + comma(m[3])
		if m[4] != "" {
			parts[i] += " (" + comma(m[4]) + " %)"
		}
	}
	return strings.Join(parts, "; ")
}

// Defaults are safe: a broken supplier file must not reach the shop.
const (
	defaultMaxFailed      = "10%"
	defaultMaxChanges     = "off"
	defaultMaxPriceChange = "50%"
	defaultMaxZeroedStock = "10%"
	defaultMaxDeletes     = "0"
)

// maxTripRecords bounds the records listed per rule; the count says the rest.
const maxTripRecords = 100

// limit is a parsed guardrail value: a count, a percentage, or off.
type limit struct {
	off     bool
	percent bool
	value   decimal.Decimal
	text    string
}

func parseLimit(name, s, def string) (limit, error) {
	if s == "" {
		s = def
	}
	l := limit{text: s}
	t := strings.TrimSpace(strings.ToLower(s))
	if t == "off" || t == "none" {
		l.off = true
		return l, nil
	}
	if strings.HasSuffix(t, "%") {
		l.percent = true
		t = strings.TrimSpace(strings.TrimSuffix(t, "%"))
	}
	v, err := decimal.NewFromString(strings.ReplaceAll(t, ",", "."))
	if err != nil || v.IsNegative() {
		return l, i18n.English.Errorf("guard.limit.invalid", name, s)
	}
	l.value = v
	return l, nil
}

// exceeded reports whether n of total breaks the limit.
func (l limit) exceeded(n, total int64) bool {
	if l.off || n == 0 {
		return false
	}
	if l.percent {
		if total == 0 {
			return false
		}
		pct := decimal.NewFromInt(n).Mul(decimal.NewFromInt(100)).Div(decimal.NewFromInt(total))
		return pct.GreaterThan(l.value)
	}
	return decimal.NewFromInt(n).GreaterThan(l.value)
}

// guardrails watch the plan of an import, record by record, in input order.
type guardrails struct {
	maxFailed, maxChanges, maxPrice, maxZeroed, maxDeletes limit
	deletes                                                int64
	deleteRecs                                             []TripRecord

	planned, failed, changes, stockRecords int64
	priceTrips, zeroed                     []TripRecord
	failedRecs, changeRecs                 []TripRecord
	priceCount, zeroedCount                int64
}

func newGuardrails(g Guardrails) (*guardrails, error) {
	var gr guardrails
	var err error
	if gr.maxFailed, err = parseLimit("max_failed", g.MaxFailed, defaultMaxFailed); err != nil {
		return nil, err
	}
	if gr.maxChanges, err = parseLimit("max_changes", g.MaxChanges, defaultMaxChanges); err != nil {
		return nil, err
	}
	if gr.maxPrice, err = parseLimit("max_price_change", g.MaxPriceChange, defaultMaxPriceChange); err != nil {
		return nil, err
	}
	if gr.maxZeroed, err = parseLimit("max_zeroed_stock", g.MaxZeroedStock, defaultMaxZeroedStock); err != nil {
		return nil, err
	}
	if gr.maxDeletes, err = parseLimit("max_deletes", g.MaxDeletes, defaultMaxDeletes); err != nil {
		return nil, err
	}
	return &gr, nil
}

func addTrip(list []TripRecord, r TripRecord) []TripRecord {
	if len(list) < maxTripRecords {
		list = append(list, r)
	}
	return list
}

// observe takes one planned record.
func (g *guardrails) observe(res *result) {
	if res.outcome == Skipped {
		return
	}
	g.planned++
	row := 0
	if res.rec != nil {
		row = res.rec.Row
	}
	key := ""
	if res.plan != nil {
		key = res.plan.Key
	}
	switch res.outcome {
	case Failed:
		g.failed++
		reason := ""
		if res.err != nil {
			reason = res.err.Error()
		}
		g.failedRecs = addTrip(g.failedRecs, TripRecord{Row: row, Key: key, Detail: reason, Err: res.err})
	case Created, Updated:
		g.changes++
		g.changeRecs = addTrip(g.changeRecs, TripRecord{Row: row, Key: key, Detail: res.outcome.String()})
	}
	if res.plan == nil {
		return
	}
	// Rules count records, not fields: a record whose purchase and sales
	// price both jump is one record, listed once with both fields.
	var stock bool
	var zeroed, prices []string
	for _, c := range res.plan.Changes {
		if isStockField(c.Field) {
			stock = true
			old, okOld := toDecimal(c.Old)
			nw, okNew := toDecimal(c.New)
			if okOld && okNew && old.IsPositive() && nw.IsZero() {
				zeroed = append(zeroed, fmt.Sprintf("%s: %s -> 0", c.Field, old))
			}
			continue
		}
		if !isPriceField(c.Field) || g.maxPrice.off {
			continue
		}
		old, okOld := toDecimal(c.Old)
		nw, okNew := toDecimal(c.New)
		if !okOld || !okNew || old.IsZero() {
			continue
		}
		if g.withinPrice(old, nw) {
			continue
		}
		pct := nw.Sub(old).Abs().Mul(decimal.NewFromInt(100)).Div(old.Abs())
		if pct.GreaterThan(g.maxPrice.value) {
			prices = append(prices, fmt.Sprintf("%s: %s -> %s (%s%%)", c.Field, old, nw, pct.Round(1)))
		}
	}
	if stock {
		g.stockRecords++
	}
	if len(zeroed) > 0 {
		g.zeroedCount++
		g.zeroed = addTrip(g.zeroed, TripRecord{Row: row, Key: key, Detail: strings.Join(zeroed, "; ")})
	}
	if len(prices) > 0 {
		g.priceCount++
		g.priceTrips = addTrip(g.priceTrips, TripRecord{Row: row, Key: key, Detail: strings.Join(prices, "; ")})
	}
}

// observeDelete takes one deletion a prune plans.
// withinPrice reports, without dividing, that a price moving from old (not
// 0) to nw moves by no more than max_price_change: |nw-old|·100 ≤
// max·|old| means the exact percentage is at most max, and so is the one
// observe computes (rounded to DivisionPrecision places, on which grid
// max lies). Every record of a price file is checked, on the one
// goroutine that accounts for them all, and a division costs more than
// the products.
func (g *guardrails) withinPrice(old, nw decimal.Decimal) bool {
	limit := g.maxPrice.value
	if limit.Exponent() < -int32(decimal.DivisionPrecision) {
		return false // not on the grid: let observe decide
	}
	return nw.Sub(old).Abs().Mul(decimal.NewFromInt(100)).Cmp(limit.Mul(old.Abs())) <= 0
}

func (g *guardrails) observeDelete(p *Plan) {
	g.deletes++
	g.deleteRecs = addTrip(g.deleteRecs, TripRecord{Key: p.Key, Detail: "deleted: no longer in the input"})
}

// trips evaluates the rules over the whole plan.
func (g *guardrails) trips() []GuardrailTrip {
	var out []GuardrailTrip
	if g.maxFailed.exceeded(g.failed, g.planned) {
		out = append(out, GuardrailTrip{Rule: "max_failed", Limit: g.maxFailed.text,
			Found: i18n.English.T("guard.max_failed", g.failed, g.planned), Count: g.failed, Of: g.planned, Records: g.failedRecs})
	}
	if g.maxChanges.exceeded(g.changes, g.planned) {
		out = append(out, GuardrailTrip{Rule: "max_changes", Limit: g.maxChanges.text,
			Found: i18n.English.T("guard.max_changes", g.changes, g.planned), Count: g.changes, Of: g.planned, Records: g.changeRecs})
	}
	if g.priceCount > 0 {
		out = append(out, GuardrailTrip{Rule: "max_price_change", Limit: g.maxPrice.text,
			Found: i18n.English.T("guard.max_price", g.priceCount, g.maxPrice.text), Count: g.priceCount, Records: g.priceTrips})
	}
	if g.maxZeroed.exceeded(g.zeroedCount, max(g.stockRecords, g.planned)) {
		out = append(out, GuardrailTrip{Rule: "max_zeroed_stock", Limit: g.maxZeroed.text,
			Found: i18n.English.T("guard.max_zeroed", g.zeroedCount, max(g.stockRecords, g.planned)),
			Count: g.zeroedCount, Of: max(g.stockRecords, g.planned), Records: g.zeroed})
	}
	if g.maxDeletes.exceeded(g.deletes, max(g.planned, g.deletes)) {
		out = append(out, GuardrailTrip{Rule: "max_deletes", Limit: g.maxDeletes.text,
			Found: fmt.Sprintf("%d records would be deleted (prune: true)", g.deletes), Count: g.deletes, Records: g.deleteRecs})
	}
	return out
}

// isPriceField: the field's own name (the last segment) is a price:
// ScalePrices[1].PurchasePriceNet is, ScalePrices[1].FromQuantity, the
// length of a list (ScalePrices[]) and ReduceStandardPriceByPercent are not.
func isPriceField(f string) bool {
	if strings.HasSuffix(f, "[]") {
		return false
	}
	last := strings.ToLower(f[strings.LastIndexByte(f, '.')+1:])
	return strings.Contains(last, "price") && !strings.Contains(last, "percent")
}

func isStockField(f string) bool {
	return f == "Quantity" || strings.HasSuffix(f, ".Quantity") || strings.EqualFold(f, "stock")
}

// toDecimal reads the numbers plans carry: decimals from mappings,
// json.Number from the API, and the odd int or float.
func toDecimal(v any) (decimal.Decimal, bool) {
	switch x := v.(type) {
	case decimal.Decimal:
		return x, true
	case *decimal.Decimal:
		if x == nil {
			return decimal.Decimal{}, false
		}
		return *x, true
	case json.Number:
		d, err := decimal.NewFromString(x.String())
		return d, err == nil
	case int64:
		return decimal.NewFromInt(x), true
	case int:
		return decimal.NewFromInt(int64(x)), true
	case float64:
		return decimal.NewFromFloat(x), true
	case string:
		d, err := decimal.NewFromString(x)
		return d, err == nil
	case fmt.Stringer:
		d, err := decimal.NewFromString(x.String())
		return d, err == nil
	}
	return decimal.Decimal{}, false
}
