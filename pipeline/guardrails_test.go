package pipeline

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/internal/i18n"
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

func TestTripTextInGerman(t *testing.T) {
	for _, c := range []struct{ rule, limit, found, want string }{
		{"max_failed", "10%", "3 of 12 records would fail",
			"Schutzregel max_failed (Grenze 10%) ausgelöst: 3 von 12 Datensätzen würden fehlschlagen"},
		{"max_price_change", "50%", "2 records would change a price by more than 50%",
			"Schutzregel max_price_change (Grenze 50%) ausgelöst: 2 Datensätze würden einen Preis (Einkaufs- oder Verkaufspreis) um mehr als 50% ändern"},
		{"max_zeroed_stock", "10%", "4 of 9 stock levels would drop to zero",
			"Schutzregel max_zeroed_stock (Grenze 10%) ausgelöst: 4 von 9 Lagerbeständen würden auf null fallen"},
	} {
		if got := TripText(i18n.German, c.rule, c.limit, c.found); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.rule, got, c.want)
		}
		if got := TripText(i18n.English, c.rule, c.limit, c.found); got != "guardrail "+c.rule+" (limit "+c.limit+") tripped: "+c.found {
			t.Errorf("English: %s", got)
		}
	}
}

func TestTripDetailInGerman(t *testing.T) {
	for _, c := range []struct{ rule, detail, want string }{
		{"max_price_change", "ItemPriceData.PurchasePriceNet: 54.09 -> 156.94 (190.1%); ItemPriceData.SalesPriceNet: 10 -> 30 (200%)",
			"Einkaufspreis netto: 54,09 → 156,94 (190,1 %); Verkaufspreis netto: 10 → 30 (200 %)"},
		{"max_zeroed_stock", "Quantity: 12.5 -> 0", "Bestand: 12,5 → 0"},
		{"max_changes", "updated", "geändert"},
		{"max_failed", "SKU: required, but empty", "SKU: required, but empty"},
	} {
		if got := TripDetail(i18n.German, c.rule, c.detail); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.rule, got, c.want)
		}
		if got := TripDetail(i18n.English, c.rule, c.detail); got != c.detail {
			t.Errorf("English changed: %s", got)
		}
	}
}
