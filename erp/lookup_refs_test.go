package erp

import (
	"context"
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
		{"taxClasses", "19", nil, false},       // two classes of type NormalerSatz: ambiguous
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
