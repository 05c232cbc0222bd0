package erp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/erp/erptest"
)

func TestLookupsRefTables(t *testing.T) {
	seed := lookupSeed()
	seed.Suppliers = []erptest.Supplier{{Id: 1, Name: "Würth", SupplierNo: "L1"}, {Id: 2, Name: "Hahn Großhandel", SupplierNo: "L2"}}
	seed.CustomerGroups = []erptest.CustomerGroup{{Id: 1, Name: "Endkunden", IsDefault: true}, {Id: 2, Name: "Händler"}, {Id: 3, Name: "Großkunden"}}
	seed.TaxClasses = []erptest.TaxClass{{Id: 1, Name: "Normaler Steuersatz", IsDefault: true, Type: 4}, {Id: 2, Name: "Ermäßigter Steuersatz", Type: 3},
		{Id: 3, Name: "Österreich 20 %", Type: 4}}
	seed.ProductGroups = []erptest.ProductGroup{{Id: 1, Name: "Standard"}, {Id: 2, Name: "Kleinteile"}}
	srv, l := newLookupServer(t, erptest.Options{Validate: true, Seed: seed})
	ctx := context.Background()
	for _, c := range []struct {
		table, key string
		want       any
		found      bool
	}{
		{"suppliers", "Würth", int64(1), true},
		{"suppliers", "hahn großhandel", int64(2), true},
		{"suppliers", "L2", int64(2), true}, // by number
		{"suppliers", "Nobody", nil, false},
		{"customerGroups", "Händler", int64(2), true},
		{"customerGroups", "Großkunden", int64(3), true},
		{"salesChannels", "Onlineshop", "2-1-1", true},
		{"salesChannels", "1-1-1", "1-1-1", true}, // the id itself
		{"salesChannels", "eBay", nil, false},
		{"taxClasses", "Ermäßigter Steuersatz", int64(2), true},
		{"taxClasses", "7", int64(2), true},    // by the German reduced rate: one class of that type
		{"taxClasses", "20 %", int64(3), true}, // by the rate in its name
		{"taxClasses", "19", int64(1), true},   // of type NormalerSatz; Österreich 20 % is not 19
		{"productGroups", "kleinteile", int64(2), true},
		{"suppliers.Name", "2", "Hahn Großhandel", true},
	} {
		v, found, err := l.Resolve(ctx, c.table, c.key, false)
		if err != nil || found != c.found || fmt.Sprint(v) != fmt.Sprint(c.want) {
			t.Errorf("%s %q: %v %v %v, want %v %v", c.table, c.key, v, found, err, c.want, c.found)
		}
	}
	// each list read once for the run
	for _, r := range []string{"GET /suppliers", "GET /customerGroups", "GET /salesChannels", "GET /taxClasses", "GET /productGroups"} {
		if n := srv.Counters().Route(r); n != 1 {
			t.Errorf("%s %d times", r, n)
		}
	}
	known, ok := l.Known(ctx, "suppliers")
	if !ok || strings.Join(known, ", ") != "Würth (L1), Hahn Großhandel (L2)" {
		t.Errorf("known %v %v", known, ok)
	}
	if _, ok := l.Known(ctx, "customers"); ok {
		t.Error("customers are asked key by key; Known lists none")
	}
	if !strings.Contains(strings.Join(LookupTables(), ","), "suppliers") {
		t.Errorf("tables %v", LookupTables())
	}
}

// Two tax classes fit the rate 19: the record fails with a message that
// says to name the class; the names still resolve.
func TestLookupsTaxRateAmbiguous(t *testing.T) {
	seed := lookupSeed()
	seed.TaxClasses = []erptest.TaxClass{{Id: 1, Name: "Normaler Steuersatz", IsDefault: true, Type: 4},
		{Id: 2, Name: "Ermäßigter Steuersatz", Type: 3}, {Id: 3, Name: "Sonderklasse 19 %", Type: 4}}
	_, l := newLookupServer(t, erptest.Options{Validate: true, Seed: seed})
	ctx := context.Background()
	_, found, err := l.Resolve(ctx, "taxClasses", "19", false)
	var ae *AmbiguousError
	if found || !errors.As(err, &ae) || !strings.Contains(err.Error(), "name the tax class") ||
		!strings.Contains(err.Error(), "Normaler Steuersatz, Sonderklasse 19 %") {
		t.Fatalf("19: %v %v", found, err)
	}
	if v, found, err := l.Resolve(ctx, "taxClasses", "Normaler Steuersatz", false); !found || err != nil || v != int64(1) {
		t.Errorf("by name: %v %v %v", v, found, err)
	}
	// a name the Wawi has twice cannot be told apart either
	seed.ProductGroups = []erptest.ProductGroup{{Id: 1, Name: "Textil"}, {Id: 2, Name: "textil"}, {Id: 3, Name: "Technik"}}
	_, l = newLookupServer(t, erptest.Options{Seed: seed})
	if _, _, err := l.Resolve(ctx, "productGroups", "TEXTIL", false); !errors.As(err, &ae) {
		t.Errorf("TEXTIL: %v", err)
	}
	if v, found, err := l.Resolve(ctx, "productGroups", "Textil", false); !found || err != nil || v != int64(1) {
		t.Errorf("Textil (exact): %v %v %v", v, found, err)
	}
}

// Shipping classes, availabilities, conditions (by any language's name)
// and items by SKU, each list read once for the run.
func TestLookupsItemRefs(t *testing.T) {
	seed := lookupSeed()
	seed.ShippingClasses = []erptest.ShippingClass{{Id: 1, Name: "Standard"}, {Id: 2, Name: "Sperrgut"}}
	seed.Availabilities = []erptest.Availability{{Id: 4, Name: "sofort lieferbar"}, {Id: 5, Name: "2-3 Tage"}}
	seed.Conditions = []erptest.Condition{{Id: 1, Names: []erptest.ConditionName{{Name: "Neu", LanguageIso: "de"}, {Name: "New", LanguageIso: "en"}}},
		{Id: 2, Names: []erptest.ConditionName{{Name: "B-Ware", LanguageIso: "de"}, {Name: "Refurbished", LanguageIso: "en"}}}}
	seed.Manufacturers = []erptest.Manufacturer{{Id: 7, Name: "Knipex"}, {Id: 8, Name: "Wera"}}
	seed.Items = append(seed.Items, erptest.Item{SKU: "A-10", Name: "Mutter", Categories: []erptest.CategoryReference{{CategoryId: 1}}},
		erptest.Item{SKU: "a-100", Name: "Scheibe", Categories: []erptest.CategoryReference{{CategoryId: 1}}})
	srv, l := newLookupServer(t, erptest.Options{Validate: true, Seed: seed})
	ctx := context.Background()
	for _, c := range []struct {
		table, key string
		want       any
		found      bool
	}{
		{"shippingClasses", "sperrgut", int64(2), true},
		{"shippingClasses", "Express", nil, false},
		{"availabilities", "2-3 Tage", int64(5), true},
		{"conditions", "Neu", int64(1), true},
		{"conditions", "refurbished", int64(2), true}, // the English name
		{"conditions", "Gebraucht", nil, false},
		{"manufacturers", "wera", int64(8), true},
		{"items", "A-10", int64(2), true},  // not A-1 or a-100, which the search also finds
		{"items", "A-100", int64(3), true}, // the SKU ignoring case
		{"items", "A-10", int64(2), true},  // cached
		{"items", "B-1", nil, false},
	} {
		v, found, err := l.Resolve(ctx, c.table, c.key, false)
		if err != nil || found != c.found || fmt.Sprint(v) != fmt.Sprint(c.want) {
			t.Errorf("%s %q: %v %v %v, want %v %v", c.table, c.key, v, found, err, c.want, c.found)
		}
	}
	for r, want := range map[string]int64{"GET /shippingClasses": 1, "GET /availabilities": 1, "GET /conditions": 1, "GET /manufacturers": 1, "GET /items": 3} {
		if n := srv.Counters().Route(r); n != want {
			t.Errorf("%s %d times, want %d", r, n, want)
		}
	}
	known, ok := l.Known(ctx, "conditions")
	if !ok || strings.Join(known, "; ") != "Neu / New; B-Ware / Refurbished" {
		t.Errorf("known conditions %q", known)
	}
	// an unknown manufacturer is reported with the known ones (the API
	// cannot create manufacturers)
	if known, ok := l.Known(ctx, "manufacturers"); !ok || strings.Join(known, ", ") != "Knipex, Wera" {
		t.Errorf("known manufacturers %q", known)
	}
	if _, ok := l.Known(ctx, "items"); ok {
		t.Error("items are asked key by key")
	}
	if _, _, err := l.Resolve(ctx, "shippingClasses", "Standard", true); err == nil {
		t.Error("create on shippingClasses")
	}
}
