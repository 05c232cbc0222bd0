package sinks

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
)

var orderTargets = erpTargets("ExternalNumber:string:Bestellnummer", "CustomerId:int:Kunde", "CompanyId:int", "SalesOrderDate:date:Datum",
	"LineItems[0].SKU:string:SKU1", "LineItems[0].Quantity:decimal:Menge1", "LineItems[0].SalesPriceGross:decimal:Preis1",
	"LineItems[1].SKU:string:SKU2", "LineItems[1].Quantity:decimal:Menge2", "LineItems[1].SalesPriceGross:decimal:Preis2")

func orderRows() [][]any {
	d := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	return [][]any{
		{"SHOP-1", int64(1), int64(1), d, "A-1", erpDec("2"), erpDec("11.90"), "A-2", erpDec("10"), erpDec("2.98")},
		{"SHOP-2", int64(2), int64(1), d, "A-10", erpDec("1.5"), erpDec("1.18"), nil, nil, nil},
		{"SHOP-1", int64(1), int64(1), d, "A-1", erpDec("2"), erpDec("11.90"), nil, nil, nil}, // the same order again
		{"SHOP-3", nil, int64(1), d, "A-1", erpDec("1"), nil, nil, nil, nil},                  // no customer
		{"SHOP-4", int64(1), int64(1), d, "A-1", nil, nil, nil, nil, nil},                     // line without quantity
		{"", int64(1), int64(1), d, "A-1", erpDec("1"), nil, nil, nil, nil},                   // no key
	}
}

func TestERPOrdersCreateIdempotent(t *testing.T) {
	seed := baseSeed()
	seed.Orders = []erptest.SeedOrder{{SalesOrder: erptest.SalesOrder{Number: "AU-1", ExternalNumber: "OLD-1", CustomerId: 1, CompanyId: 1},
		LineItems: []erptest.SalesOrderLineItem{{SKU: "A-1", Quantity: erptest.D("1")}}}}
	e := newERPEnv(t, seed)
	s := e.open(pipeline.SinkSpec{Resource: "salesOrders"}, orderTargets)
	rows := append(orderRows(), []any{"old-1", int64(1), int64(1), nil, "A-2", erpDec("1"), nil, nil, nil, nil})
	plans := planAll(t, s, orderTargets, 1, rows)
	if got := fmt.Sprint(outcomes(plans)); got != "[created created unchanged failed failed failed unchanged]" {
		t.Fatalf("outcomes %s", got)
	}
	var fe *FieldError
	if !errors.As(plans[3].Err, &fe) || fe.Column != "Kunde" || !strings.Contains(plans[3].Err.Error(), "CustomerId") {
		t.Errorf("no customer: %v", plans[3].Err)
	}
	if !errors.As(plans[4].Err, &fe) || fe.Column != "Menge1" {
		t.Errorf("no quantity: %v", plans[4].Err)
	}
	if !errors.As(plans[5].Err, &fe) || fe.Column != "Bestellnummer" {
		t.Errorf("no key: %v", plans[5].Err)
	}
	noErrors(t, applyAll(t, s, plans, 4))
	o1, ok := findOrder(e.srv, "SHOP-1")
	if !ok || o1.CustomerId != 1 || o1.SalesOrderDate.Format("2006-01-02") != "2025-06-01" {
		t.Fatalf("SHOP-1: %+v", o1)
	}
	lines := e.srv.LineItems(o1.Id)
	if len(lines) != 2 || lines[0].SKU != "A-1" || !lines[0].Quantity.Equal(erptest.D("2")) || !lines[1].SalesPriceGross.Equal(erptest.D("2.98")) {
		t.Fatalf("SHOP-1 lines: %+v", lines)
	}
	o2, _ := findOrder(e.srv, "SHOP-2")
	if l := e.srv.LineItems(o2.Id); len(l) != 1 || !l[0].Quantity.Equal(erptest.D("1.5")) {
		t.Fatalf("SHOP-2 lines: %+v", l)
	}
	// the whole file again, with a fresh sink: nothing is written
	w := e.writes()
	s2 := e.open(pipeline.SinkSpec{Resource: "salesOrders"}, orderTargets)
	plans, errs := runRows(t, s2, orderTargets, 4, rows[:3])
	noErrors(t, errs)
	if got := fmt.Sprint(outcomes(plans)); got != "[unchanged unchanged unchanged]" || e.writes() != w {
		t.Fatalf("rerun: %s, %d writes", got, e.writes()-w)
	}
	if n := len(e.srv.Orders()); n != 3 {
		t.Fatalf("%d orders, want 3", n)
	}
	if c := e.srv.Counters(); c.DuplicatesPrevented != 0 {
		t.Fatalf("duplicates refused: %d", c.DuplicatesPrevented)
	}
	for _, r := range e.rec.sent("POST", "/salesOrders") {
		if strings.HasSuffix(r.Path, "/salesOrders") && !strings.Contains(r.Query, "disableAutomaticWorkflows=true") {
			t.Errorf("POST %s?%s", r.Path, r.Query)
		}
	}
}

func findOrder(srv *erptest.Server, ext string) (erptest.SalesOrder, bool) {
	for _, o := range srv.Orders() {
		if o.ExternalNumber == ext {
			return o, true
		}
	}
	return erptest.SalesOrder{}, false
}

// An order that an earlier run created without its line items (the second
// request failed) gets them on the rerun.
func TestERPOrdersAddsMissingLines(t *testing.T) {
	seed := baseSeed()
	seed.Orders = []erptest.SeedOrder{{SalesOrder: erptest.SalesOrder{Number: "AU-7", ExternalNumber: "SHOP-1", CustomerId: 1, CompanyId: 1}}}
	e := newERPEnv(t, seed)
	s := e.open(pipeline.SinkSpec{Resource: "salesOrders"}, orderTargets)
	plans, errs := runRows(t, s, orderTargets, 1, orderRows()[:1])
	noErrors(t, errs)
	if plans[0].Outcome != pipeline.Updated || fmt.Sprint(plans[0].Changes) != "[{LineItems[] 0 2}]" {
		t.Fatalf("%v %v", plans[0].Outcome, plans[0].Changes)
	}
	o, _ := findOrder(e.srv, "SHOP-1")
	if n := len(e.srv.LineItems(o.Id)); n != 2 || len(e.srv.Orders()) != 1 {
		t.Fatalf("%d lines, %d orders", n, len(e.srv.Orders()))
	}
	// now complete: unchanged
	plans, _ = runRows(t, s, orderTargets, 1, orderRows()[:1])
	if plans[0].Outcome != pipeline.Unchanged {
		t.Fatalf("rerun: %v", plans[0].Outcome)
	}
}

func TestERPOrdersLineErrorPointsAtColumn(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	tg := erpTargets("ExternalNumber:string", "CustomerId:int", "CompanyId:int", "LineItems[0].ItemId:int:Artikel-ID", "LineItems[0].Quantity:decimal")
	s := e.open(pipeline.SinkSpec{Resource: "salesOrders"}, tg)
	_, errs := runRows(t, s, tg, 1, [][]any{{"X-1", int64(1), int64(1), int64(999), erpDec("1")}})
	var ce pipeline.ColumnError
	if !errors.As(errs[0], &ce) {
		t.Fatalf("not a ColumnError: %v", errs[0])
	}
	if f, c := ce.ErrorColumn(); f != "LineItems[0].ItemId" || c != "Artikel-ID" || !strings.Contains(errs[0].Error(), "rerunning the file adds them") {
		t.Fatalf("%q %q %v", f, c, errs[0])
	}
}

func TestERPOrdersLostWrites(t *testing.T) {
	e := newERPEnvWith(t, baseSeed(), erpEnvOpts{validate: true, opts: erptest.Options{LostWriteRate: 0.5}})
	s := e.open(pipeline.SinkSpec{Resource: "salesOrders"}, orderTargets)
	d := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	var rows [][]any
	for i := 0; i < 30; i++ {
		rows = append(rows, []any{fmt.Sprintf("L-%d", i), int64(1 + i%2), int64(1), d, "A-1", erpDec("1"), erpDec("11.90"), "A-2", erpDec("2"), nil})
	}
	_, errs := runRows(t, s, orderTargets, 8, rows)
	noErrors(t, errs)
	c := e.srv.Counters()
	if c.LostWrites() == 0 {
		t.Fatal("no write was lost")
	}
	orders := e.srv.Orders()
	if len(orders) != 30 {
		t.Fatalf("%d orders, want 30", len(orders))
	}
	for _, o := range orders {
		if n := len(e.srv.LineItems(o.Id)); n != 2 {
			t.Fatalf("order %s: %d lines", o.ExternalNumber, n)
		}
	}
	t.Logf("lost writes %d", c.LostWrites())
}

func TestERPCustomersUpsert(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	tg := erpTargets("Number:string:Kundennr", "BillingAddress.Company:string", "BillingAddress.City:string:Ort", "BillingAddress.CountryIso:string",
		"CustomerGroupId:int", "LanguageIso:string", "InternalCompanyId:int", "PaymentSettings.PaymentMethodId:int")
	for _, mode := range []string{"search", "index"} {
		s := e.open(pipeline.SinkSpec{Resource: "customers", Lookup: mode}, tg)
		plans := planAll(t, s, tg, 1, [][]any{
			{"K1000", "Kunde Eins", "Berlin", "DE", int64(1), "DE", int64(1), nil},
			{"k1001", "Kunde Zwei", "Bonn", "DE", int64(1), "DE", int64(1), nil},
			{"K2000", "Neukunde", "Hamburg", "DE", int64(1), "DE", int64(1), int64(2)},
			{"K2001", "Ohne Ort", nil, "DE", int64(1), "DE", int64(1), nil},
		})
		if got := fmt.Sprint(outcomes(plans)); got != "[updated unchanged created failed]" {
			t.Fatalf("%s: %s %v", mode, got, plans[3].Err)
		}
		if got := fmt.Sprint(plans[0].Changes); got != "[{BillingAddress.City Köln Berlin}]" {
			t.Errorf("changes %s", got)
		}
		var fe *FieldError
		if !errors.As(plans[3].Err, &fe) || fe.Column != "Ort" || !strings.Contains(plans[3].Err.Error(), "BillingAddress.City") {
			t.Errorf("create without city: %v", plans[3].Err)
		}
	}
	s := e.open(pipeline.SinkSpec{Resource: "customers"}, tg)
	_, errs := runRows(t, s, tg, 2, [][]any{
		{"K1000", "Kunde Eins", "Berlin", "DE", int64(1), "DE", int64(1), nil},
		{"K2000", "Neukunde", "Hamburg", "DE", int64(1), "DE", int64(1), int64(2)},
	})
	noErrors(t, errs)
	patches := e.rec.sent("PATCH", "/customers/")
	if len(patches) != 1 || patches[0].Body != `{"BillingAddress":{"City":"Berlin"}}` {
		t.Fatalf("PATCH %+v", patches)
	}
	var k1000, k2000 *erptest.Customer
	for _, c := range e.srv.Customers() {
		switch c.Number {
		case "K1000":
			k1000 = &c
		case "K2000":
			k2000 = &c
		}
	}
	if k1000 == nil || k1000.BillingAddress.City != "Berlin" || k1000.BillingAddress.Company != "Kunde Eins" || k1000.BillingAddress.PostalCode != "50667" {
		t.Fatalf("K1000 %+v", k1000)
	}
	if k2000 == nil || k2000.PaymentSettings.PaymentMethodId != 2 {
		t.Fatalf("K2000 %+v", k2000)
	}
}
