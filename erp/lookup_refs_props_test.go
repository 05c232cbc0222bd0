package erp

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wawi-etl/etl/erp/erptest"
)

func propLookupSeed() *erptest.Seed {
	seed := lookupSeed()
	seed.Properties = []erptest.SeedProperty{{Property: erptest.Property{Id: 1, Name: "Material"},
		Values: []erptest.PropertyValue{{Id: 1, Name: "Baumwolle"}, {Id: 2, Name: "Leinen"}}}}
	seed.ItemCustomFields = []erptest.CustomField{{CustomFieldId: 3, GroupName: "Technik", Name: "Gewicht", Type: erptest.FieldDecimal}}
	return seed
}

func TestLookupsProperties(t *testing.T) {
	srv, l := newLookupServer(t, erptest.Options{Validate: true, Seed: propLookupSeed()})
	ctx := context.Background()
	for _, c := range []struct {
		prop, value string
		want        string
	}{
		{"Material", "Leinen", "{1 Material} {2 Leinen} true"},
		{" material", "baumwolle ", "{1 Material} {1 Baumwolle} true"},
		{"Material", "Seide", "{1 Material} {0 } false"},
	} {
		p, ok, err := l.Property(ctx, c.prop, false)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", c.prop, ok, err)
		}
		v, found, err := l.PropertyValue(ctx, p.ID, c.value, false)
		if got := fmt.Sprint(p, " ", v, " ", found); err != nil || got != c.want {
			t.Errorf("%s %s: %s %v", c.prop, c.value, got, err)
		}
	}
	if _, ok, err := l.Property(ctx, "Farbe", false); ok || err != nil {
		t.Errorf("Farbe: %v %v", ok, err)
	}
	if names, err := l.PropertyNames(ctx); err != nil || fmt.Sprint(names) != "[Material]" {
		t.Errorf("names %v %v", names, err)
	}
	fields, err := l.ItemCustomFields(ctx)
	if err != nil || fmt.Sprint(fields) != "[{3 Gewicht Technik 2 []}]" {
		t.Errorf("fields %v %v", fields, err)
	}
	l.ItemCustomFields(ctx)
	for route, want := range map[string]int64{"GET /properties": 1, "GET /properties/{propertyId}/values": 1, "GET /items/customfields": 1} {
		if n := srv.Counters().Route(route); n != want {
			t.Errorf("%s %d times", route, n)
		}
	}
	if srv.Counters().Writes != 0 {
		t.Error("lookups without create wrote")
	}
}

// Every answer of a write is lost: the property and its value are still
// created once each, found by reading back.
func TestLookupsPropertiesCreateLostAnswer(t *testing.T) {
	srv, l := newLookupServer(t, erptest.Options{Validate: true, Seed: propLookupSeed(), LostWriteRate: 1})
	ctx := context.Background()
	p, ok, err := l.Property(ctx, "Farbe", true)
	if err != nil || !ok || p.Name != "Farbe" || p.ID != 2 {
		t.Fatalf("property %v %v %v", p, ok, err)
	}
	for range 3 {
		v, ok, err := l.PropertyValue(ctx, p.ID, "Rot", true)
		if err != nil || !ok || v.ID != 3 {
			t.Fatalf("value %v %v %v", v, ok, err)
		}
	}
	props := srv.Properties()
	if len(props) != 2 || fmt.Sprint(props[1].Values) != "[{3 Rot }]" {
		t.Errorf("state %+v", props)
	}
	if n := srv.Counters().Writes; n != 2 {
		t.Errorf("%d writes", n)
	}
	if srv.Counters().LostWrites() != 2 {
		t.Errorf("lost %d", srv.Counters().LostWrites())
	}
}

// A Wawi that pages GET /properties although the spec declares no paging
// parameters: the pages it announces are read too.
func TestLookupsPropertiesPaged(t *testing.T) {
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Query().Get("pageNumber") {
		case "":
			fmt.Fprint(w, `{"TotalItems":3,"PageNumber":1,"PageSize":2,"TotalPages":2,"HasNextPage":true,"Items":[{"Id":1,"Name":"A","Translations":[],"PropertyGroups":[]},{"Id":2,"Name":"B","Translations":[],"PropertyGroups":[]}]}`)
		default:
			fmt.Fprint(w, `{"TotalItems":3,"PageNumber":2,"PageSize":2,"TotalPages":2,"HasNextPage":false,"Items":[{"Id":3,"Name":"C","Translations":[],"PropertyGroups":[]}]}`)
		}
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	p, ok, err := NewLookups(c).Property(context.Background(), "c", false)
	if err != nil || !ok || p.ID != 3 {
		t.Fatalf("%v %v %v", p, ok, err)
	}
	if fmt.Sprint(asked) != "[ pageNumber=2&pageSize=2]" {
		t.Errorf("asked %q", asked)
	}
}

// A value another run created after this one read the list: the create is
// refused as a duplicate and the value read back.
func TestLookupsPropertyValueMadeMeanwhile(t *testing.T) {
	srv, l := newLookupServer(t, erptest.Options{Validate: true, Seed: propLookupSeed()})
	ctx := context.Background()
	if _, ok, _ := l.PropertyValue(ctx, 1, "Seide", false); ok {
		t.Fatal("Seide exists")
	}
	other, _ := newLookupsFor(t, srv)
	made, ok, err := other.PropertyValue(ctx, 1, "Seide", true)
	if err != nil || !ok {
		t.Fatal(err)
	}
	v, ok, err := l.PropertyValue(ctx, 1, "seide", true)
	if err != nil || !ok || v.ID != made.ID {
		t.Errorf("%v %v %v, want %v", v, ok, err, made)
	}
	if n := len(srv.Properties()[0].Values); n != 3 {
		t.Errorf("%d values", n)
	}
}

// newLookupsFor is a second run's lookups against srv.
func newLookupsFor(t *testing.T, srv *erptest.Server) (*Lookups, *Client) {
	t.Helper()
	c, err := New(Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return NewLookups(c), c
}
