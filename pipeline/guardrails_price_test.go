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
