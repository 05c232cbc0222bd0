package sinks

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
)

func supplierSeed() *erptest.Seed {
	s := baseSeed()
	s.Suppliers = []erptest.Supplier{{Id: 1, Name: "Würth", SupplierNo: "L1"}, {Id: 2, Name: "Hahn Großhandel", SupplierNo: "L2"}}
	s.ItemSuppliers = []erptest.ItemSupplier{
		{ItemId: 1, SupplierId: 1, Sku: "W-100", IsStandard: true, PurchasePriceNet: erptest.D("5.00"), DeliveryTime: 2,
			ScalePrices: []erptest.SupplierItemScalePrice{{FromQuantity: 100, PurchasePriceNet: erptest.D("4.50")}}},
		{ItemId: 2, SupplierId: 2, Sku: "H-2", IsStandard: true, PurchasePriceNet: erptest.D("1.10")},
	}
	return s
}

// Supplier data through the generic planner: the item by SKU, the record
// by supplier within it; the scale prices are one list, sent whole when a
// part differs; nothing is written for an unchanged record.
func TestERPItemSuppliersUpsert(t *testing.T) {
	e := newERPEnv(t, supplierSeed())
	tg := erpTargets("Item.SKU:string:Artikelnummer", "SupplierId:int:Lieferant", "Sku:string:Lief.-Art.-Nr.",
		"PurchasePriceNet:decimal:EK", "DeliveryTime:int", "ScalePrices[0].FromQuantity:int", "ScalePrices[0].PurchasePriceNet:decimal")
	s := e.open(pipeline.SinkSpec{Resource: "items/suppliers"}, tg)
	rows := [][]any{
		{"A-1", int64(1), "W-100", erpDec("5.00"), int64(2), int64(100), erpDec("4.50")}, // unchanged
		{"A-1", int64(2), "H-1", erpDec("4.80"), int64(3), int64(50), erpDec("4.60")},    // a second supplier
		{"A-2", int64(2), "H-2", erpDec("1.10"), int64(1), int64(100), erpDec("0.95")},   // scale price changed
	}
	plans := planAll(t, s, tg, 1, rows)
	if got := fmt.Sprint(outcomes(plans)); got != "[unchanged created updated]" {
		t.Fatalf("outcomes %s (%v)", got, plans)
	}
	if e.writes() != 0 {
		t.Fatal("planning wrote")
	}
	noErrors(t, applyAll(t, s, plans, 1))
	posts := e.rec.sent("POST", "/items/")
	if len(posts) != 1 || posts[0].Path != "/items/1/suppliers" ||
		posts[0].Body != `{"DeliveryTime":3,"PurchasePriceNet":4.8,"ScalePrices":[{"FromQuantity":50,"PurchasePriceNet":4.6}],"Sku":"H-1","SupplierId":2}` {
		t.Errorf("POST %+v", posts)
	}
	patches := e.rec.sent("PATCH", "/items/")
	if len(patches) != 1 || patches[0].Path != "/items/2/suppliers/2" ||
		patches[0].Body != `{"DeliveryTime":1,"ScalePrices":[{"FromQuantity":100,"PurchasePriceNet":0.95}]}` {
		t.Errorf("PATCH %+v", patches)
	}
	again := e.open(pipeline.SinkSpec{Resource: "items/suppliers"}, tg)
	w := e.writes()
	plans = planAll(t, again, tg, 1, rows)
	if got := fmt.Sprint(outcomes(plans)); got != "[unchanged unchanged unchanged]" || e.writes() != w {
		t.Fatalf("second run %s, %d writes", got, e.writes()-w)
	}
}

// IsStandard: an item keeps one standard supplier. A file that makes two
// suppliers of one item standard fails the second; after the write that
// makes a supplier standard the Wawi cleared it on the other, and a later
// row that says so plans no write.
func TestERPItemSuppliersOneStandard(t *testing.T) {
	e := newERPEnv(t, supplierSeed())
	tg := erpTargets("Item.SKU:string", "SupplierId:int", "IsStandard:bool:Standard")
	s := e.open(pipeline.SinkSpec{Resource: "items/suppliers"}, tg)
	rows := [][]any{
		{"A-1", int64(2), true},  // the new standard supplier of A-1 ...
		{"A-1", int64(1), false}, // ... so the old one is not
		{"A-2", int64(1), true},
		{"A-2", int64(2), true}, // a second standard supplier for A-2
	}
	plans, errs := runRows(t, s, tg, 1, rows)
	noErrors(t, errs)
	if got := fmt.Sprint(outcomes(plans)); got != "[created unchanged created failed]" {
		t.Fatalf("outcomes %s", got)
	}
	var fe *FieldError
	if !asFieldError(plans[3].Err, &fe) || fe.Column != "Standard" || !strings.Contains(fe.Error(), "item A-2: row 4 sets IsStandard for SupplierId 1 already; only one record of an item can have it") {
		t.Errorf("two standards: %v", plans[3].Err)
	}
	// one write per supplier that became standard, none for the one the Wawi cleared
	if n := len(e.rec.sent("PATCH", "/items/")); n != 0 {
		t.Errorf("%d PATCHes", n)
	}
	std := map[string]bool{}
	for _, s := range e.srv.ItemSuppliers() {
		std[fmt.Sprintf("%d/%d", s.ItemId, s.SupplierId)] = s.IsStandard
	}
	if fmt.Sprint(std) != "map[1/1:false 1/2:true 2/1:true 2/2:false]" {
		// 2/2, standard in the seed, lost it to 2/1; the failed row wrote nothing
		t.Errorf("standard %v", std)
	}
}

func asFieldError(err error, fe **FieldError) bool { return errors.As(err, fe) }
