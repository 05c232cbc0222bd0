package sinks

import (
	"context"
	"fmt"
	"testing"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
)

func priceSeed() *erptest.Seed {
	s := groupSeed()
	s.CustomerGroups = append(s.CustomerGroups, erptest.CustomerGroup{Id: 3, Name: "Großkunden"})
	s.SalesChannelPrices = []erptest.ItemSalesChannelPrice{
		{ItemId: 1, SalesChannelId: "1-1-1", CustomerGroupId: 2, FromQuantity: 1, NetPrice: erptest.D("8.50")},
		{ItemId: 1, SalesChannelId: "1-1-1", CustomerGroupId: 2, FromQuantity: 10, NetPrice: erptest.D("8.00")},
		{ItemId: 1, SalesChannelId: "1-1-1", CustomerGroupId: 3, FromQuantity: 50, NetPrice: erptest.D("7.00")},
	}
	s.CustomerPrices = []erptest.ItemCustomerPrice{{ItemId: 2, CustomerId: 1, FromQuantity: 0, NetPrice: erptest.D("2.00")}}
	return s
}

// Group and scale prices: keyed by sales channel, customer group and
// from-quantity within the item (all three fill the PATCH path); prices
// the file does not name stay, unless prune: true.
func TestERPSalesChannelPrices(t *testing.T) {
	e := newERPEnv(t, priceSeed())
	tg := erpTargets("Item.SKU:string", "SalesChannelId:string", "CustomerGroupId:int:Gruppe", "FromQuantity:int:Menge", "NetPrice:decimal:Preis")
	rows := [][]any{
		{"A-1", "1-1-1", int64(2), int64(1), erpDec("8.50")},  // unchanged
		{"A-1", "1-1-1", int64(2), int64(10), erpDec("7.90")}, // cheaper
		{"A-1", "1-1-1", int64(2), int64(50), erpDec("7.50")}, // a new scale
		{"A-2", "1-1-1", int64(1), int64(1), erpDec("2.40")},  // new
	}
	s := e.open(pipeline.SinkSpec{Resource: "items/salesChannelPrices"}, tg)
	plans, errs := runRows(t, s, tg, 2, rows)
	noErrors(t, errs)
	if got := fmt.Sprint(outcomes(plans)); got != "[unchanged updated created created]" {
		t.Fatalf("outcomes %s", got)
	}
	// the diff names the sales channel and the group beside their ids
	if plans[1].Key != "A-1 / JTL-Wawi (1-1-1) / Händler (2) / 10" {
		t.Errorf("key %q", plans[1].Key)
	}
	if p := e.rec.sent("PATCH", "/items/"); len(p) != 1 || p[0].Path != "/items/1/salesChannelPrices/1-1-1/2/10" || p[0].Body != `{"NetPrice":7.9}` {
		t.Errorf("PATCH %+v", p)
	}
	if p := e.rec.sent("POST", "/items/"); len(p) != 2 {
		t.Errorf("POST %+v", p)
	}
	if n := len(e.srv.SalesChannelPrices()); n != 5 {
		t.Errorf("%d prices, the group 3 price stays", n)
	}
	// prune: the prices of A-1 the file does not name go (the group 3 scale)
	pr := e.open(pipeline.SinkSpec{Resource: "items/salesChannelPrices", Prune: true}, tg)
	plans = planAll(t, pr, tg, 1, rows)
	if got := fmt.Sprint(outcomes(plans)); got != "[unchanged unchanged unchanged unchanged]" {
		t.Fatalf("second run %s", got)
	}
	dels, err := pr.PrunePlans(context.Background())
	if err != nil || len(dels) != 1 || dels[0].Key != "A-1 / JTL-Wawi (1-1-1) / Großkunden (3) / 50" {
		t.Fatalf("prune %v %v", dels, err)
	}
	noErrors(t, applyAll(t, pr, dels, 1))
	if d := e.rec.sent("DELETE", "/items/"); len(d) != 1 || d[0].Path != "/items/1/salesChannelPrices/1-1-1/3/50" {
		t.Errorf("DELETE %+v", d)
	}
}

func TestERPCustomerPrices(t *testing.T) {
	e := newERPEnv(t, priceSeed())
	tg := erpTargets("Item.SKU:string", "CustomerId:int", "FromQuantity:int", "NetPrice:decimal")
	s := e.open(pipeline.SinkSpec{Resource: "items/customerPrices"}, tg)
	plans, errs := runRows(t, s, tg, 1, [][]any{
		{"A-2", int64(1), int64(0), erpDec("1.95")},
		{"A-2", int64(2), int64(0), erpDec("2.10")},
		{"A-2", int64(99), int64(0), erpDec("2.10")}, // no such customer: the Wawi refuses
	})
	if got := fmt.Sprint(outcomes(plans)); got != "[updated created created]" {
		t.Fatalf("outcomes %s", got)
	}
	if errs[0] != nil || errs[1] != nil || errs[2] == nil {
		t.Errorf("errors %v", errs)
	}
	if p := e.rec.sent("PATCH", "/items/"); len(p) != 1 || p[0].Path != "/items/2/customerPrices/1/0" {
		t.Errorf("PATCH %+v", p)
	}
	if cp := e.srv.CustomerPrices(); len(cp) != 2 || cp[0].NetPrice.String() != "1.95" || cp[1].CustomerId != 2 {
		t.Errorf("stored %+v", cp)
	}
}
