package erp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp/erptest"
)

func lookupSeed() *erptest.Seed {
	return &erptest.Seed{
		Warehouses: []erptest.Warehouse{{Id: 1, Name: "Hauptlager", Code: "HL", IsActive: true}, {Id: 2, Name: "Außenlager", Code: "AL", IsActive: true}},
		Categories: []erptest.Category{{Id: 1, Name: "Werkzeug"}, {Id: 2, Name: "Zangen", ParentCategoryId: 1},
			{Id: 3, Name: "Befestigung"}, {Id: 4, Name: "Zangen", ParentCategoryId: 3}},
		Companies:      []erptest.Company{{Id: 1, Name: "Muster GmbH"}},
		PaymentMethods: []erptest.PaymentMethod{{Id: 1, Name: "Rechnung", IsActive: true}, {Id: 2, Name: "PayPal", IsActive: true}},
		Customers: []erptest.Customer{{Number: "K1000", CustomerGroupId: 1, LanguageIso: "DE", InternalCompanyId: 1,
			BillingAddress: erptest.Address{Company: "Kunde Eins", City: "Köln", CountryIso: "DE", EmailAddress: "einkauf@kunde-eins.example"}},
			{Number: "K1001", CustomerGroupId: 1, LanguageIso: "DE", InternalCompanyId: 1,
				BillingAddress: erptest.Address{Company: "Kunde Zwei", City: "Bonn", CountryIso: "DE", EmailAddress: "x-einkauf@kunde-eins.example"}}},
		Items: []erptest.Item{{SKU: "A-1", Name: "Schraube", Categories: []erptest.CategoryReference{{CategoryId: 1}}}},
	}
}

func newLookupServer(t *testing.T, opts erptest.Options) (*erptest.Server, *Lookups) {
	t.Helper()
	if opts.Seed == nil {
		opts.Seed = lookupSeed()
	}
	opts.Rand = rand.New(rand.NewPCG(1, 2))
	srv := erptest.NewServer(opts)
	t.Cleanup(func() {
		srv.Close()
		for _, v := range srv.ContractViolations() {
			t.Errorf("contract violation: %s", v)
		}
	})
	c, err := New(Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client(), BackoffInitial: time.Millisecond, BackoffMax: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return srv, NewLookups(c)
}

func TestLookupsResolve(t *testing.T) {
	srv, l := newLookupServer(t, erptest.Options{Validate: true})
	ctx := context.Background()
	for _, c := range []struct {
		table, key string
		want       any
		found      bool
	}{
		{"categories", "Werkzeug", int64(1), true},
		{"categories", " befestigung ", int64(3), true}, // trimmed, case-insensitive when unique
		{"categories", "Zangen", nil, false},            // two categories of that name
		{"categories", "Werkzeug > Zangen", int64(2), true},
		{"categories", "Befestigung>Zangen", int64(4), true},
		{"categories", "Werkzeug > Sägen", nil, false},
		{"categories", "", nil, false},
		{"warehouses", "Außenlager", int64(2), true},
		{"warehouses", "HL", int64(1), true}, // by Code
		{"warehouses", "Keller", nil, false},
		{"companies", "Muster GmbH", int64(1), true},
		{"paymentMethods", "PayPal", int64(2), true},
		{"PaymentMethods", "rechnung", int64(1), true},
		{"manufacturers", "nobody", nil, false},
		{"customers", "K1000", int64(1), true},
		{"customers", "k1000", int64(1), true},
		{"customers", "K9999", nil, false},
		// by e-mail: exactly, not the other customer whose address contains it
		{"customers", "Einkauf@Kunde-Eins.example", int64(1), true},
		{"customers", "einkauf@nobody.example", nil, false},
		{"paymentMethods.Name", "2", "PayPal", true},
		{"paymentMethods.Name", "2.0", "PayPal", true},
		{"paymentMethods.Name", "7", nil, false},
		{"warehouses.Code", "2", "AL", true},
		{"customers.BillingAddress.City", "1", "Köln", true},
		{"customers.Number", "99", nil, false},
		{"customers.Number", "abc", nil, false},
		{"items.SKU", "1", "A-1", true},
	} {
		v, found, err := l.Resolve(ctx, c.table, c.key, false)
		if err != nil || found != c.found || fmt.Sprint(v) != fmt.Sprint(c.want) {
			t.Errorf("%s %q: got %v %v %v, want %v %v", c.table, c.key, v, found, err, c.want, c.found)
		}
		if c.want != nil && found {
			if _, isNum := c.want.(int64); isNum {
				if _, ok := v.(int64); !ok {
					t.Errorf("%s %q: %T, want int64", c.table, c.key, v)
				}
			}
		}
	}
	// each list was read once
	for _, r := range []string{"GET /categories", "GET /warehouses", "GET /paymentMethods"} {
		if n := srv.Counters().Route(r); n != 1 {
			t.Errorf("%s: %d requests, want 1", r, n)
		}
	}
	if n := srv.Counters().Writes; n != 0 {
		t.Errorf("%d writes without create", n)
	}
}

func TestLookupsErrors(t *testing.T) {
	_, l := newLookupServer(t, erptest.Options{})
	ctx := context.Background()
	_, _, err := l.Resolve(ctx, "colours", "x", false)
	if err == nil || !strings.Contains(err.Error(), "categories, companies, customers, manufacturers, paymentMethods, shippingMethods, warehouses") {
		t.Errorf("unknown table: %v", err)
	}
	if _, _, err := l.Resolve(ctx, "salesOrders", "x", false); err == nil {
		t.Error("salesOrders by name: want an error")
	}
	if _, _, err := l.Resolve(ctx, "warehouses", "Neu", true); err == nil || !strings.Contains(err.Error(), "only possible for categories") {
		t.Errorf("create warehouse: %v", err)
	}
	if _, _, err := l.Resolve(ctx, "categories.", "1", false); err == nil {
		t.Error("empty field: want an error")
	}
}

// Many goroutines asking for the same missing category create it once.
func TestLookupsCreateCategoryOnce(t *testing.T) {
	srv, l := newLookupServer(t, erptest.Options{Validate: true})
	ctx := context.Background()
	var wg sync.WaitGroup
	ids := make([]any, 64)
	errs := make([]error, 64)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "Gartenbedarf"
			if i%2 == 1 {
				key = "Garten > Schläuche"
			}
			var found bool
			ids[i], found, errs[i] = l.Resolve(ctx, "categories", key, true)
			if !found && errs[i] == nil {
				errs[i] = fmt.Errorf("not found")
			}
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[i%2] {
			t.Fatalf("%d: %v %v (first %v)", i, ids[i], errs[i], ids[i%2])
		}
	}
	if n := srv.Counters().Route("POST /categories"); n != 3 {
		t.Fatalf("POST /categories %d times, want 3 (Gartenbedarf, Garten, Schläuche)", n)
	}
	cats := map[string]erptest.Category{}
	for _, c := range srv.Categories() {
		cats[c.Name] = c
	}
	if cats["Schläuche"].ParentCategoryId != cats["Garten"].Id || cats["Garten"].ParentCategoryId != 0 {
		t.Fatalf("path not nested: %+v", cats)
	}
	// an ambiguous name is never created
	if _, found, err := l.Resolve(ctx, "categories", "Zangen", true); found || err != nil {
		t.Fatalf("ambiguous: %v %v", found, err)
	}
	if n := srv.Counters().Route("POST /categories"); n != 3 {
		t.Fatalf("ambiguous name created: %d POSTs", n)
	}
	// a path below an existing category creates only the missing part
	id, found, err := l.Resolve(ctx, "categories", "Werkzeug > Sägen", true)
	if err != nil || !found {
		t.Fatal(found, err)
	}
	var saw erptest.Category
	for _, c := range srv.Categories() {
		if c.Name == "Sägen" {
			saw = c
		}
	}
	if int64(saw.Id) != id || saw.ParentCategoryId != 1 {
		t.Fatalf("Sägen %+v, id %v", saw, id)
	}
}

// A lost answer to POST /categories is settled by reading the categories:
// the category is not created twice.
func TestLookupsCreateCategoryLostAnswer(t *testing.T) {
	srv, l := newLookupServer(t, erptest.Options{LostWriteRate: 1})
	id, found, err := l.Resolve(context.Background(), "categories", "Neu", true)
	if err != nil || !found {
		t.Fatal(found, err)
	}
	n := 0
	for _, c := range srv.Categories() {
		if c.Name == "Neu" {
			n++
			if int64(c.Id) != id {
				t.Fatalf("id %v, category %d", id, c.Id)
			}
		}
	}
	if n != 1 || srv.Counters().LostWrites() != 1 {
		t.Fatalf("%d categories Neu, %d lost writes", n, srv.Counters().LostWrites())
	}
}

// A dry run creates nothing: missing categories get placeholder ids.
func TestLookupsDryRun(t *testing.T) {
	srv, l := newLookupServer(t, erptest.Options{})
	l.SetDryRun(true)
	ctx := context.Background()
	a, found, err := l.Resolve(ctx, "categories", "Garten > Bewässerung", true)
	if err != nil || !found || a != int64(-1) {
		t.Fatalf("%v %v %v", a, found, err)
	}
	b, _, _ := l.Resolve(ctx, "categories", "garten>bewässerung", true)
	c, _, _ := l.Resolve(ctx, "categories", "Sonstiges", true)
	w, _, _ := l.Resolve(ctx, "categories", "Werkzeug", true)
	if b != a || c != int64(-2) || w != int64(1) {
		t.Fatalf("%v %v %v", b, c, w)
	}
	if n := srv.Counters().Writes; n != 0 {
		t.Fatalf("dry run wrote %d times", n)
	}
	l.SetDryRun(false)
	if id, found, err := l.Resolve(ctx, "categories", "Sonstiges", true); err != nil || !found || id.(int64) <= 0 {
		t.Fatalf("after the dry run: %v %v %v", id, found, err)
	}
}
