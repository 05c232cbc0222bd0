package pipeline

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// GuardrailTrip names a rule that stopped a run before its first write, its
// limit, what the plan would have done, and the records that broke it.
type GuardrailTrip struct {
	Rule  string `json:"rule"`
	Limit string `json:"limit"`
	Found string `json:"found"`
	// Count is how many records broke the rule (Records lists the first
	// ones), Of how many it was counted against (0: none).
	Count   int64        `json:"count"`
	Of      int64        `json:"of,omitempty"`
	Records []TripRecord `json:"records,omitempty"`
}

// TripRecord is one record that broke a guardrail.
type TripRecord struct {
	Row    int    `json:"row"`
	Key    string `json:"key"`
	Detail string `json:"detail"`
}

func (t GuardrailTrip) String() string {
	return fmt.Sprintf("guardrail %s (limit %s) tripped: %s", t.Rule, t.Limit, t.Found)
}

// Defaults are safe: a broken supplier file must not reach the shop.
const (
	defaultMaxFailed      = "10%"
	defaultMaxChanges     = "off"
	defaultMaxPriceChange = "50%"
	defaultMaxZeroedStock = "10%"
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
		return l, fmt.Errorf("options.guardrails.%s: %q is not a count, a percentage like 5%% or off", name, s)
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
	maxFailed, maxChanges, maxPrice, maxZeroed limit

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
		g.failedRecs = addTrip(g.failedRecs, TripRecord{Row: row, Key: key, Detail: reason})
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

// trips evaluates the rules over the whole plan.
func (g *guardrails) trips() []GuardrailTrip {
	var out []GuardrailTrip
	if g.maxFailed.exceeded(g.failed, g.planned) {
		out = append(out, GuardrailTrip{Rule: "max_failed", Limit: g.maxFailed.text,
			Found: fmt.Sprintf("%d of %d records would fail", g.failed, g.planned), Count: g.failed, Of: g.planned, Records: g.failedRecs})
	}
	if g.maxChanges.exceeded(g.changes, g.planned) {
		out = append(out, GuardrailTrip{Rule: "max_changes", Limit: g.maxChanges.text,
			Found: fmt.Sprintf("%d of %d records would change", g.changes, g.planned), Count: g.changes, Of: g.planned, Records: g.changeRecs})
	}
	if g.priceCount > 0 {
		out = append(out, GuardrailTrip{Rule: "max_price_change", Limit: g.maxPrice.text,
			Found: fmt.Sprintf("%d records would change a price by more than %s", g.priceCount, g.maxPrice.text), Count: g.priceCount, Records: g.priceTrips})
	}
	if g.maxZeroed.exceeded(g.zeroedCount, max(g.stockRecords, g.planned)) {
		out = append(out, GuardrailTrip{Rule: "max_zeroed_stock", Limit: g.maxZeroed.text,
			Found: fmt.Sprintf("%d of %d stock levels would drop to zero", g.zeroedCount, max(g.stockRecords, g.planned)),
			Count: g.zeroedCount, Of: max(g.stockRecords, g.planned), Records: g.zeroed})
	}
	return out
}

func isPriceField(f string) bool { return strings.Contains(strings.ToLower(f), "price") }

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
