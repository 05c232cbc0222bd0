package sources

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp"
)

// addTotalsByDecimal is addTotals as it was before it added plain amounts
// as integers: the reference the faster one must agree with.
func addTotalsByDecimal(doc map[string]any, t *erp.Totals) error {
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

// TestAddTotalsAsByDecimal: the totals are the decimal sums to the digit
// (places, rates keyed by value, signs, overflow, odd numbers, errors).
func TestAddTotalsAsByDecimal(t *testing.T) {
	tot := &erp.Totals{Lines: "Lines", Rate: "VatRate", Sums: []string{"Net", "Vat"}, SignField: "Type", Negative: []string{"1"}}
	line := func(rate, net, vat any) any { return map[string]any{"VatRate": rate, "Net": net, "Vat": vat} }
	n := func(s string) json.Number { return json.Number(s) }
	for name, lines := range map[string][]any{
		"plain":         {line(n("19"), n("48.62"), n("9.24")), line(n("19"), n("4.96"), n("0.94")), line(n("7"), n("10"), n("0.70"))},
		"rate by value": {line(n("19"), n("1.5"), n("0.285")), line(n("19.0"), n("2.25"), n("0.4275")), line(n("19.00"), n("-1"), n("0"))},
		"places":        {line(n("5.5"), n("0.1234567"), n("1")), line(n("5.5"), n("0.000001"), n("2.10"))},
		"strings":       {line("19", "48.62", n("9.24")), line(n("19"), nil, n("1.1"))},
		"exponent":      {line(n("19"), n("1E3"), n("1.9e2")), line(n("19"), n("0.5"), n("0.05"))},
		"overflow":      {line(n("0"), n("999999999999.999999"), n("0")), line(n("0"), n("999999999999.999999"), n("0")), line(n("0"), n("-1"), n("0"))},
		"large":         {line(n("0"), n("12345678901234567890.12"), n("0")), line(n("0"), n("1.01"), n("0"))},
		"none":          {},
		"bad amount":    {line(n("19"), true, n("1"))},
		"bad rate":      {line("x", n("1"), n("1"))},
	} {
		for _, typ := range []any{n("0"), n("1")} {
			got := map[string]any{"Type": typ, "Lines": lines}
			want := map[string]any{"Type": typ, "Lines": lines}
			err, wantErr := addTotals(got, tot), addTotalsByDecimal(want, tot)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Errorf("%s: error %v, want %v", name, err, wantErr)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s type %v:\n got %v\nwant %v", name, typ, got[TotalsKey], want[TotalsKey])
			}
		}
	}
}
