package pipeline

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/record"
)

// Supplier purchase prices, their scale prices and group prices are
// prices; a scale's quantity, a list's length and a percentage are not.
func TestGuardrailPriceFieldsOfSupplierData(t *testing.T) {
	d := decimal.RequireFromString
	for _, c := range []struct {
		ch   Change
		trip bool
	}{
		{Change{Field: "PurchasePriceNet", Old: d("10"), New: d("20")}, true},
		{Change{Field: "ScalePrices[1].PurchasePriceNet", Old: d("10"), New: d("20")}, true},
		{Change{Field: "NetPrice", Old: d("10"), New: d("20")}, true},
		{Change{Field: "ScalePrices[1].FromQuantity", Old: int64(10), New: int64(50)}, false},
		{Change{Field: "ScalePrices[]", Old: int64(1), New: int64(2)}, false},
		{Change{Field: "ReduceStandardPriceByPercent", Old: d("5"), New: d("10")}, false},
	} {
		g, err := newGuardrails(Guardrails{})
		if err != nil {
			t.Fatal(err)
		}
		g.observe(&result{rec: &record.Record{Row: 2}, outcome: Updated, plan: &Plan{Key: "K", Changes: []Change{c.ch}}})
		if got := len(g.trips()) == 1; got != c.trip {
			t.Errorf("%s: tripped %v, want %v", c.ch.Field, got, c.trip)
		}
	}
}

// The check without a division decides as the percentage does, at the
// limit and around it, and leaves to the percentage a limit finer than it
// is computed.
func TestGuardrailPriceWithoutDivision(t *testing.T) {
	d := decimal.RequireFromString
	for _, max := range []string{"3", "50", "0", "33.3", "0.0000000000000001", "33.33333333333333333"} {
		g, err := newGuardrails(Guardrails{MaxPriceChange: max + "%"})
		if err != nil {
			t.Fatal(err)
		}
		within := 0
		for _, c := range [][2]string{{"3", "3.09"}, {"3", "3.0900000000000001"}, {"3", "2.91"}, {"3", "4.5"}, {"3", "4.5000000000000001"},
			{"3", "1.5"}, {"-3", "-3.09"}, {"1", "1"}, {"3", "3.999"}, {"3", "4"}, {"0.03", "0.0309"}, {"9.99", "13.32"}, {"3", "0"}} {
			old, nw := d(c[0]), d(c[1])
			pct := nw.Sub(old).Abs().Mul(decimal.NewFromInt(100)).Div(old.Abs())
			trips := pct.GreaterThan(g.maxPrice.value)
			exact := nw.Sub(old).Abs().Mul(decimal.NewFromInt(100)).Cmp(g.maxPrice.value.Mul(old.Abs())) <= 0
			want := exact && g.maxPrice.value.Exponent() >= -16
			got := g.withinPrice(old, nw)
			if got && trips {
				t.Errorf("limit %s%%, %s -> %s (%s%%): within, but the percentage trips", max, c[0], c[1], pct)
			}
			if got != want {
				t.Errorf("limit %s%%, %s -> %s: within %v, want %v", max, c[0], c[1], got, want)
			}
			if got {
				within++
			}
		}
		if max == "50" && within < 10 {
			t.Errorf("limit 50%%: only %d changes within", within)
		}
	}
}
