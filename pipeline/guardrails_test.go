package pipeline

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/record"
)

// A record whose purchase and sales price both jump counts once and is
// listed once, with both fields in its detail: the summary says how many
// records broke the rule.
func TestGuardrailPriceCountsRecords(t *testing.T) {
	g, err := newGuardrails(Guardrails{})
	if err != nil {
		t.Fatal(err)
	}
	d := decimal.RequireFromString
	for i, ch := range [][]Change{
		{{Field: "ItemPriceData.PurchasePriceNet", Old: d("10"), New: d("100")}, {Field: "ItemPriceData.SalesPriceNet", Old: d("16"), New: d("160")}},
		{{Field: "ItemPriceData.SalesPriceNet", Old: d("10"), New: d("11")}},
		{{Field: "ItemPriceData.SalesPriceNet", Old: d("10"), New: d("30")}, {Field: "Name", Old: "a", New: "b"}},
	} {
		g.observe(&result{rec: &record.Record{Row: i + 2}, outcome: Updated, plan: &Plan{Key: "K" + string(rune('1'+i)), Changes: ch}})
	}
	trips := g.trips()
	if len(trips) != 1 || trips[0].Rule != "max_price_change" {
		t.Fatalf("trips %+v", trips)
	}
	tr := trips[0]
	if !strings.HasPrefix(tr.Found, "2 records ") || len(tr.Records) != 2 || tr.Records[0].Key != "K1" || tr.Records[1].Key != "K3" {
		t.Fatalf("found %q, records %+v", tr.Found, tr.Records)
	}
	if det := tr.Records[0].Detail; !strings.Contains(det, "PurchasePriceNet: 10 -> 100 (900%)") || !strings.Contains(det, "SalesPriceNet: 16 -> 160 (900%)") {
		t.Fatalf("detail %q", det)
	}
}
