package erptest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	cfg := GenConfig{Items: 300, Orders: 500, Seed: 7}
	a, b := Generate(cfg), Generate(cfg)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatal("same config, different seeds")
	}
	jc, _ := json.Marshal(Generate(GenConfig{Items: 300, Orders: 500, Seed: 8}))
	if string(ja) == string(jc) {
		t.Error("different PRNG seed, same data")
	}
	if len(a.Items) != 300 || len(a.Orders) != 500 || len(a.Customers) != 25 || len(a.Warehouses) != 2 || len(a.Stock) < 300 {
		t.Errorf("sizes: %d items %d orders %d customers %d stock", len(a.Items), len(a.Orders), len(a.Customers), len(a.Stock))
	}
	from, to := DefaultNow.AddDate(0, 0, -90), DefaultNow
	skus := map[string]bool{}
	for _, it := range a.Items {
		if skus[it.SKU] || len(it.Identifiers.Gtin) != 13 || it.ItemPriceData.SalesPriceNet.Exponent() != -2 || it.Changed.Before(it.Added.Time) || it.Changed.After(to) {
			t.Fatalf("item %+v", it)
		}
		skus[it.SKU] = true
	}
	prev := time.Time{}
	for _, o := range a.Orders {
		d := o.SalesOrderDate.Time
		if d.Before(from) || d.After(to) || d.Before(prev) {
			t.Fatalf("order %s date %v outside [%v, %v] or out of order", o.Number, d, from, to)
		}
		prev = d
		if len(o.LineItems) == 0 {
			t.Fatalf("order %s has no lines", o.Number)
		}
		sum := D("0")
		for i := range o.LineItems {
			l := &o.LineItems[i]
			if l.Type == LineItem && !skus[l.SKU] {
				t.Fatalf("line with unknown SKU %q", l.SKU)
			}
			sum = Dec{sum.Add(lineGross(l))}
		}
		if !sum.Equal(o.SalesOrderPaymentDetails.TotalGrossAmount) || o.SalesOrderPaymentDetails.TotalGrossAmount.Exponent() < -2 {
			t.Fatalf("order %s total %s, lines sum %s", o.Number, o.SalesOrderPaymentDetails.TotalGrossAmount.Decimal, sum.Decimal)
		}
	}
	// It loads.
	if _, err := New(Options{Seed: a}); err != nil {
		t.Fatal(err)
	}
}

func TestSeedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "seed.json")
	os.WriteFile(path, []byte(`{
	  "items": [{"SKU": "A-1", "Name": "Schraube", "Categories": [{"CategoryId": 1}], "ItemPriceData": {"SalesPriceNet": 0.19}},
	            {"Id": 10, "SKU": "A-2", "Name": "Mutter", "Categories": [{"CategoryId": 2}]}],
	  "categories": [{"Id": 1, "Name": "Eisenwaren"}, {"Id": 2, "Name": "Muttern", "ParentCategoryId": 1}],
	  "stock": [{"SKU": "A-1", "WarehouseId": 1, "Quantity": 250.5}, {"ItemId": 10, "WarehouseId": 1, "StorageLocationId": 7, "Quantity": 3}],
	  "orders": [{"Number": "AU1", "CustomerId": 1, "CompanyId": 1, "SalesOrderDate": "2025-05-01T10:00:00Z",
	              "LineItems": [{"SKU": "A-1", "Quantity": 3, "SalesPriceGross": 0.23}, {"Name": "Versand", "Quantity": 1, "SalesPriceGross": 4.90}]}]
	}`), 0o644)
	seed, err := LoadSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	ts := newServer(t, Options{Seed: seed})
	it, ok := ts.ItemBySKU("A-1")
	if !ok || it.Id != 11 || it.Categories[0].Name != "Eisenwaren" || it.Added.IsZero() {
		t.Errorf("item %+v", it)
	}
	if cats := ts.Categories(); cats[1].Level != 2 {
		t.Errorf("category level %+v", cats[1])
	}
	if q := ts.Stock(11, 1); !q.Equal(D("250.5").Decimal) {
		t.Errorf("stock %s", q)
	}
	if rows := ts.StockRows(); len(rows) != 2 || rows[0].StorageLocationId != 7 || rows[0].StorageLocationName != "Lagerplatz 7" {
		t.Errorf("rows %+v", rows)
	}
	o, ok := ts.OrderByNumber("AU1")
	lines := ts.LineItems(o.Id)
	if !ok || !o.SalesOrderPaymentDetails.TotalGrossAmount.Equal(D("5.59")) || len(lines) != 2 || lines[0].ItemId != 11 || lines[0].Name != "Schraube" {
		t.Errorf("order %+v lines %+v", o.SalesOrderPaymentDetails, lines)
	}
	// Defaults fill the kinds the seed leaves empty.
	if len(ts.Customers()) != 10 {
		t.Errorf("%d default customers", len(ts.Customers()))
	}
	// New ids continue after the seed's.
	var created Item
	must(t, ts.call("POST", "/items", `{"Name":"x","Categories":[{"CategoryId":1}]}`), 201).decode(t, &created)
	if created.Id != 12 {
		t.Errorf("new id %d", created.Id)
	}

	// WriteSeed / LoadSeed round trip.
	gen := Generate(GenConfig{Items: 20, Orders: 10})
	out := filepath.Join(dir, "gen.json")
	if err := WriteSeed(out, gen); err != nil {
		t.Fatal(err)
	}
	back, err := LoadSeed(out)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(gen)
	b, _ := json.Marshal(back)
	if string(a) != string(b) {
		t.Error("seed changed in the round trip")
	}

	// Bad seeds.
	os.WriteFile(path, []byte(`{"itmes": []}`), 0o644)
	if _, err := LoadSeed(path); err == nil || !strings.Contains(err.Error(), "itmes") {
		t.Errorf("unknown field: %v", err)
	}
	for name, s := range map[string]*Seed{
		"duplicate SKU":     {Items: []Item{{SKU: "X", Name: "a"}, {SKU: "x", Name: "b"}}},
		"duplicate id":      {Items: []Item{{Id: 1, Name: "a"}, {Id: 1, Name: "b"}}},
		"stock unknown SKU": {Stock: []SeedStock{{SKU: "nope", WarehouseId: 1, Quantity: D("1")}}},
		"unknown warehouse": {Items: []Item{{SKU: "X"}}, Stock: []SeedStock{{SKU: "X", WarehouseId: 9, Quantity: D("1")}}},
		"line unknown item": {Orders: []SeedOrder{{SalesOrder: SalesOrder{CustomerId: 1, CompanyId: 1}, LineItems: []SalesOrderLineItem{{ItemId: 5}}}}},
		"unknown customer":  {Orders: []SeedOrder{{SalesOrder: SalesOrder{CustomerId: 99, CompanyId: 1}}}},
	} {
		if _, err := New(Options{Seed: s}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestDecJSON(t *testing.T) {
	t.Parallel()
	var v struct{ A, B, C, D Dec }
	if err := json.Unmarshal([]byte(`{"A":0.1,"B":"12345678901234567890.123456789","C":4.90,"D":null}`), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"A":0.1,"B":12345678901234567890.123456789,"C":4.90,"D":0}` {
		t.Errorf("%s", b)
	}
	if !Cents(1999).Equal(D("19.99")) {
		t.Error("Cents")
	}
	if err := json.Unmarshal([]byte(`{"A":"abc"}`), &v); err == nil {
		t.Error("accepted abc")
	}
	var tm struct{ T Time }
	for _, s := range []string{`"2023-01-15T13:00:00.0000000+01:00"`, `"2023-01-15T12:00:00Z"`, `"2023-01-15T12:00:00"`} {
		if err := json.Unmarshal([]byte(`{"T":`+s+`}`), &tm); err != nil || tm.T.UTC().Hour() != 12 {
			t.Errorf("%s: %v %v", s, tm.T, err)
		}
	}
	b, _ = json.Marshal(tm)
	if string(b) != `{"T":"2023-01-15T12:00:00.0000000+00:00"}` {
		t.Errorf("%s", b)
	}
	b, _ = json.Marshal(struct{ T Time }{})
	if string(b) != `{"T":"0001-01-01T00:00:00.0000000+00:00"}` {
		t.Errorf("zero: %s", b)
	}
	if !reflect.DeepEqual(D("1.50").Decimal.String(), "1.5") {
		t.Error("decimal")
	}
}
