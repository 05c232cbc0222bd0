package sources

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp"
)

// TotalsKey is where the ERP source puts a document's sums of its embedded
// lines (erp.Totals): Totals.TotalNetAmount, Totals.ByRate.19.VatAmount, ...
const TotalsKey = "Totals"

// embeddedLines are the records of an embedded sub-resource: the objects of
// the array v (anything else in it is dropped; a missing array is no line).
func embeddedLines(v any) []map[string]any {
	arr, _ := v.([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, x := range arr {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// addTotals adds doc[TotalsKey]: each Sums field added up over the lines,
// in all and per rate, exactly, negated when the document's sign field says
// so. A line amount that is not a number is an error: a sum that skipped it
// would be wrong without a sign of it.
func addTotals(doc map[string]any, t *erp.Totals) error {
	neg := slices.Contains(t.Negative, keyText(doc[t.SignField]))
	all := make([]decimal.Decimal, len(t.Sums))
	byRate := map[string][]decimal.Decimal{}
	for i, l := range embeddedLines(doc[t.Lines]) {
		rate, err := docDecimal(l[t.Rate])
		if err != nil {
			return fmt.Errorf("%s[%d].%s: %w", t.Lines, i, t.Rate, err)
		}
		key := strings.ReplaceAll(rate.String(), ".", "_")
		sums := byRate[key]
		if sums == nil {
			sums = make([]decimal.Decimal, len(t.Sums))
			byRate[key] = sums
		}
		for j, f := range t.Sums {
			v, err := docDecimal(l[f])
			if err != nil {
				return fmt.Errorf("%s[%d].%s: %w", t.Lines, i, f, err)
			}
			sums[j] = sums[j].Add(v)
			all[j] = all[j].Add(v)
		}
	}
	out := func(sums []decimal.Decimal) map[string]any {
		m := make(map[string]any, len(sums))
		for j, f := range t.Sums {
			v := sums[j]
			if neg {
				v = v.Neg()
			}
			m[f] = json.Number(v.StringFixed(max(2, -v.Exponent())))
		}
		return m
	}
	rates := make(map[string]any, len(byRate))
	for k, sums := range byRate {
		rates[k] = out(sums)
	}
	tot := out(all)
	tot["ByRate"] = rates
	doc[TotalsKey] = tot
	return nil
}

// docDecimal reads a number of a document (json.Number, or a numeric string).
func docDecimal(v any) (decimal.Decimal, error) {
	switch v := v.(type) {
	case json.Number:
		return decimal.NewFromString(string(v))
	case string:
		return decimal.NewFromString(v)
	case nil:
		return decimal.Zero, nil
	}
	return decimal.Decimal{}, fmt.Errorf("%v is not a number", v)
}
