package sinks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// A file with a row per line item, grouped (source.group_by): the per-line
// targets LineItems[].X carry a value per row, ShippingLine.X one more line.
func TestERPOrdersPerLineTargets(t *testing.T) {
	targets := erpTargets("ExternalNumber:string:Bestellnummer", "LineItems[].SKU:string:Artikel", "CustomerId:int:Kunde", "CompanyId:int",
		"LineItems[].Quantity:decimal:Menge", "LineItems[].SalesPriceGross:decimal:Preis",
		"ShippingLine.Name:string", "ShippingLine.SalesPriceGross:decimal:Versand", "ShippingLine.Quantity:decimal")
	lv := func(v ...any) mappings.LineValues { return v }
	rows := [][]any{
		{"SHOP-1", lv("A-1", "A-2", "A-10"), int64(1), int64(1), lv(erpDec("2"), erpDec("1"), erpDec("3")), lv(erpDec("11.90"), erpDec("2.98"), nil), "Versand", erpDec("4.90"), erpDec("1")},
		{"SHOP-2", lv("A-1"), int64(2), int64(1), lv(erpDec("1")), lv(erpDec("11.90")), "Versand", nil, erpDec("1")},      // no shipping cost: no shipping line
		{"SHOP-3", lv("A-1", "A-2"), int64(1), int64(1), lv(erpDec("1"), nil), lv(nil, nil), "Versand", nil, erpDec("1")}, // second line has no quantity
	}
	e := newERPEnv(t, baseSeed())
	s := e.open(pipeline.SinkSpec{Resource: "salesOrders"}, targets)
	plans := planAll(t, s, targets, 1, rows)
	if got := fmt.Sprint(outcomes(plans)); got != "[created created failed]" {
		t.Fatalf("outcomes %s (%v)", got, plans[2].Err)
	}
	noErrors(t, applyAll(t, s, plans, 2))
	o1, ok := findOrder(e.srv, "SHOP-1")
	if !ok {
		t.Fatal("SHOP-1 not created")
	}
	lines := e.srv.LineItems(o1.Id)
	if len(lines) != 4 {
		t.Fatalf("SHOP-1: %d lines, want 3 and the shipping line: %+v", len(lines), lines)
	}
	for i, want := range []string{"A-1", "A-2", "A-10"} {
		if lines[i].SKU != want {
			t.Errorf("line %d: SKU %q, want %q", i, lines[i].SKU, want)
		}
	}
	if !lines[2].Quantity.Equal(erptest.D("3")) || lines[3].Name != "Versand" || !lines[3].SalesPriceGross.Equal(erptest.D("4.90")) {
		t.Errorf("SHOP-1 lines: %+v", lines)
	}
	o2, _ := findOrder(e.srv, "SHOP-2")
	if l := e.srv.LineItems(o2.Id); len(l) != 1 {
		t.Errorf("SHOP-2: %d lines, want 1 (no shipping cost)", len(l))
	}
	// again: nothing written
	w := e.writes()
	s2 := e.open(pipeline.SinkSpec{Resource: "salesOrders"}, targets)
	plans, errs := runRows(t, s2, targets, 2, rows[:2])
	noErrors(t, errs)
	if got := fmt.Sprint(outcomes(plans)); got != "[unchanged unchanged]" || e.writes() != w {
		t.Fatalf("rerun: %s, %d writes", got, e.writes()-w)
	}
}

// Line items name their item by GTIN or by a supplier's article number:
// they are sent with its ItemId; a key that finds no item, or several,
// fails the order naming the line.
func TestERPOrdersLineItemsByItemKey(t *testing.T) {
	targets := erpTargets("ExternalNumber:string:Bestellnummer", "CustomerId:int:Kunde", "CompanyId:int",
		"LineItems[].Item.GTIN:string:EAN", "LineItems[].Item.SupplierSku:string:LiefNr", "LineItems[].Item.SupplierId:int",
		"LineItems[].Quantity:decimal:Menge")
	lv := func(v ...any) mappings.LineValues { return v }
	rows := [][]any{
		{"SHOP-1", int64(1), int64(1), lv("4006381000002", nil), lv(nil, "W-100"), lv(nil, int64(1)), lv(erpDec("2"), erpDec("1"))},
		{"SHOP-2", int64(1), int64(1), lv("4006381000099"), lv(nil), lv(nil), lv(erpDec("1"))},                                    // B-1 and B-2 share it
		{"SHOP-3", int64(1), int64(1), lv(nil, "4000000000000"), lv("H-9", nil), lv(int64(2), nil), lv(erpDec("1"), erpDec("1"))}, // neither exists
	}
	e := newERPEnv(t, supplierSeed())
	s := e.open(pipeline.SinkSpec{Resource: "salesOrders"}, targets)
	plans := planAll(t, s, targets, 1, rows)
	if got := fmt.Sprint(outcomes(plans)); got != "[created failed failed]" {
		t.Fatalf("outcomes %s (%v, %v)", got, plans[1].Err, plans[2].Err)
	}
	if err := plans[1].Err.Error(); !strings.Contains(err, "line 1: 2 items have GTIN") && !strings.Contains(err, "line 1: 2 items have Identifiers.Gtin") {
		t.Errorf("SHOP-2: %s", err)
	}
	if err := plans[2].Err.Error(); !strings.Contains(err, `line 1: no item has supplier 2's article number "H-9"`) || !strings.Contains(err, `line 2: no item with`) {
		t.Errorf("SHOP-3: %s", err)
	}
	noErrors(t, applyAll(t, s, plans, 2))
	o1, _ := findOrder(e.srv, "SHOP-1")
	lines := e.srv.LineItems(o1.Id)
	if len(lines) != 2 || lines[0].ItemId != 2 || lines[1].ItemId != 1 {
		t.Fatalf("SHOP-1 lines: %+v", lines)
	}
}
