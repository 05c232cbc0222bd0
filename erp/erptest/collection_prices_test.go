package erptest

import (
	"testing"
)

func priceSeed() *Seed {
	return &Seed{Items: []Item{{Id: 1, SKU: "A-1", Name: "Schraube"}, {Id: 2, SKU: "A-2", Name: "Mutter"}},
		Suppliers:      []Supplier{{Id: 1, Name: "Würth", SupplierNo: "L1"}, {Id: 2, Name: "Hahn", SupplierNo: "L2"}},
		CustomerGroups: []CustomerGroup{{Id: 1, Name: "Endkunden", IsDefault: true}, {Id: 2, Name: "Händler"}},
		Customers: []Customer{{Id: 5, Number: "K5", CustomerGroupId: 1, LanguageIso: "DE", InternalCompanyId: 1,
			BillingAddress: Address{Company: "Eins", City: "Köln", CountryIso: "DE"}}},
		ItemSuppliers: []ItemSupplier{{ItemId: 1, SupplierId: 1, Sku: "W-100", IsStandard: true, PurchasePriceNet: D("0.10")}}}
}

// An item keeps one standard supplier: setting it on another clears it on
// the first, on create and on update; unknown suppliers are refused.
func TestItemSuppliersOneStandard(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: priceSeed()})
	var s ItemSupplier
	must(t, ts.call("POST", "/items/1/suppliers", `{"SupplierId":2,"Sku":"H-7","IsStandard":true,"PurchasePriceNet":0.09,"AmountPackagingUnit":100,
		"ScalePrices":[{"FromQuantity":1000,"PurchasePriceNet":0.08}]}`), 201).decode(t, &s)
	if s.ItemId != 1 || !s.IsStandard || s.PackagingUnitPurchasePriceNet.String() != "9" || len(s.ScalePrices) != 1 {
		t.Fatalf("created %+v", s)
	}
	all := ts.ItemSuppliers()
	if len(all) != 2 || all[0].IsStandard || !all[1].IsStandard {
		t.Fatalf("standard suppliers %+v", all)
	}
	must(t, ts.call("PATCH", "/items/1/suppliers/1", `{"IsStandard":true}`), 204)
	if all = ts.ItemSuppliers(); !all[0].IsStandard || all[1].IsStandard {
		t.Fatalf("after PATCH %+v", all)
	}
	wantValidation(t, ts.call("POST", "/items/1/suppliers", `{"SupplierId":9}`), "SupplierId")
	wantValidation(t, ts.call("POST", "/items/1/suppliers", `{"SupplierId":2}`), "supplierId") // exists already
	var list []ItemSupplier
	must(t, ts.call("GET", "/items/2/suppliers", nil), 200).decode(t, &list)
	if len(list) != 0 {
		t.Errorf("item 2 %+v", list)
	}
	var sups []Supplier
	must(t, ts.call("GET", "/suppliers", nil), 200).decode(t, &sups)
	if len(sups) != 2 || sups[1].SupplierNo != "L2" {
		t.Errorf("suppliers %+v", sups)
	}
	must(t, ts.call("DELETE", "/items/1/suppliers/2", nil), 204)
	if n := len(ts.ItemSuppliers()); n != 1 {
		t.Errorf("%d left", n)
	}
}

func TestItemPricesChildren(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: priceSeed()})
	must(t, ts.call("POST", "/items/1/salesChannelPrices", `{"SalesChannelId":"1-1-1","CustomerGroupId":2,"FromQuantity":10,"NetPrice":0.15}`), 201)
	must(t, ts.call("PATCH", "/items/1/salesChannelPrices/1-1-1/2/10", `{"NetPrice":0.14}`), 204)
	must(t, ts.call("PATCH", "/items/1/salesChannelPrices/1-1-1/2/20", `{"NetPrice":0.14}`), 404)
	wantValidation(t, ts.call("POST", "/items/1/salesChannelPrices", `{"SalesChannelId":"9-9-9","CustomerGroupId":2,"NetPrice":1}`), "SalesChannelId")
	wantValidation(t, ts.call("POST", "/items/1/salesChannelPrices", `{"SalesChannelId":"1-1-1","CustomerGroupId":7,"NetPrice":1}`), "CustomerGroupId")
	wantValidation(t, ts.call("POST", "/items/1/salesChannelPrices", `{"SalesChannelId":"1-1-1","NetPrice":1,"ReduceStandardPriceByPercent":5}`), "NetPrice")
	if ps := ts.SalesChannelPrices(); len(ps) != 1 || ps[0].NetPrice.String() != "0.14" || ps[0].FromQuantity != 10 {
		t.Errorf("sales channel prices %+v", ps)
	}
	must(t, ts.call("POST", "/items/2/customerPrices", `{"CustomerId":5,"FromQuantity":0,"NetPrice":0.11}`), 201)
	wantValidation(t, ts.call("POST", "/items/2/customerPrices", `{"CustomerId":6,"NetPrice":0.11}`), "CustomerId")
	must(t, ts.call("DELETE", "/items/2/customerPrices/5/0", nil), 204)
	if ps := ts.CustomerPrices(); len(ps) != 0 {
		t.Errorf("customer prices %+v", ps)
	}
	var chans []SalesChannel
	must(t, ts.call("GET", "/salesChannels", nil), 200).decode(t, &chans)
	var tax []TaxClass
	must(t, ts.call("GET", "/taxClasses", nil), 200).decode(t, &tax)
	if len(chans) != 2 || chans[0].Id != "1-1-1" || len(tax) != 2 || tax[0].Type != 4 {
		t.Errorf("defaults %+v %+v", chans, tax)
	}
}
