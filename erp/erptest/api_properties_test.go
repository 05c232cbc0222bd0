package erptest

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
)

func catalogSeed() *Seed {
	return &Seed{
		Items: []Item{{SKU: "A-1", Name: "Hemd", Categories: []CategoryReference{{CategoryId: 1}}}, {SKU: "A-2", Name: "Hose", Categories: []CategoryReference{{CategoryId: 1}}}},
		CatalogSeed: CatalogSeed{
			PropertyGroups: []PropertyGroup{{Id: 1, Name: "Textil"}},
			Properties: []SeedProperty{{Property: Property{Id: 1, Name: "Material", PropertyGroups: []int{1}},
				Values: []PropertyValue{{Id: 1, Name: "Baumwolle"}, {Id: 2, Name: "Leinen"}}}},
			ItemProperties: []ItemPropertySeed{{ItemId: 1, PropertyValueId: 2}},
			ItemCustomFields: []CustomField{{CustomFieldId: 1, GroupName: "Technik", Name: "Gewicht", Type: FieldDecimal},
				{CustomFieldId: 2, GroupName: "Shop", Name: "Topseller", Type: FieldCheckbox},
				{CustomFieldId: 3, GroupName: "Shop", Name: "Größe", Type: FieldList, PossibleValues: []string{"S", "M"}},
				{CustomFieldId: 4, GroupName: "Shop", Name: "Ab", Type: FieldDate},
				{CustomFieldId: 5, GroupName: "Shop", Name: "Stück", Type: FieldInteger}},
			CustomFieldValues: []ItemCustomFieldValue{{ItemId: 1, CustomFieldId: 1, Value: json.Number("1.5")}},
		},
	}
}

func TestProperties(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: catalogSeed()})
	var page PagedList[Property]
	must(t, ts.call("GET", "/properties", nil), 200).decode(t, &page)
	if page.TotalItems != 1 || page.Items[0].Name != "Material" || page.Items[0].Translations == nil {
		t.Fatalf("properties %+v", page)
	}
	var p Property
	must(t, ts.call("POST", "/properties", `{"Name":"Farbe","Translations":[{"LanguageIso":"en","Name":"Colour"}]}`), 201).decode(t, &p)
	if p.Id != 2 || p.Translations[0].Name != "Colour" || p.PropertyGroups == nil {
		t.Errorf("created %+v", p)
	}
	wantValidation(t, ts.call("POST", "/properties", `{"Name":"farbe"}`), "Name")                                   // the name is taken
	wantValidation(t, ts.call("POST", "/properties", `{"Name":"Größe","PropertyGroups":[9]}`), "PropertyGroups[0]") // no group 9
	var g PropertyGroup
	must(t, ts.call("POST", "/properties/groups", `{"Name":"Schuhe"}`), 201).decode(t, &g)
	var groups PagedList[PropertyGroup]
	must(t, ts.call("GET", "/properties/groups", nil), 200).decode(t, &groups)
	if g.Id != 2 || groups.TotalItems != 2 {
		t.Errorf("groups %+v %+v", g, groups)
	}

	var v PropertyValue
	must(t, ts.call("POST", "/properties/2/values", `{"Name":"Rot","Description":"kräftig"}`), 201).decode(t, &v)
	if v.Id != 3 || v.Name != "Rot" {
		t.Errorf("value %+v", v)
	}
	wantValidation(t, ts.call("POST", "/properties/2/values", `{"Name":"rot"}`), "Name")
	wantValidation(t, ts.call("POST", "/properties/9/values", `{"Name":"Blau"}`), "propertyId")
	var vals []PropertyValue
	must(t, ts.call("GET", "/properties/1/values", nil), 200).decode(t, &vals)
	if len(vals) != 2 || vals[1].Name != "Leinen" {
		t.Errorf("values %+v", vals)
	}
	must(t, ts.call("GET", "/properties/9/values", nil), 404)
	must(t, ts.call("PATCH", "/properties/2/values/3", `{"Name":"Dunkelrot"}`), 204)
	wantValidation(t, ts.call("PATCH", "/properties/1/values/1", `{"Name":"Leinen"}`), "Name")
	must(t, ts.call("PATCH", "/properties/1/values/3", `{"Name":"X"}`), 404) // value 3 is Farbe's

	// assignments
	var a ItemPropertyValue
	must(t, ts.call("POST", "/items/1/properties", `{"PropertyValueId":3}`), 201).decode(t, &a)
	if a.PropertyId != 2 || a.PropertyValueId != 3 {
		t.Errorf("assigned %+v", a)
	}
	wantValidation(t, ts.call("POST", "/items/1/properties", `{"PropertyValueId":3}`), "PropertyValueId") // already
	wantValidation(t, ts.call("POST", "/items/1/properties", `{"PropertyValueId":99}`), "PropertyValueId")
	wantValidation(t, ts.call("POST", "/items/99/properties", `{"PropertyValueId":1}`), "itemId")
	var ip ItemProperties
	must(t, ts.call("GET", "/items/1/properties", nil), 200).decode(t, &ip)
	if ip.ItemId != 1 || len(ip.Properties) != 2 || ip.Properties[0].PropertyValueId != 2 {
		t.Errorf("item properties %+v", ip)
	}
	must(t, ts.call("GET", "/items/2/properties", nil), 200).decode(t, &ip)
	if ip.Properties == nil || len(ip.Properties) != 0 {
		t.Errorf("item 2 %s", ts.call("GET", "/items/2/properties", nil).body)
	}
	must(t, ts.call("GET", "/items/99/properties", nil), 404)
	wantValidation(t, ts.call("DELETE", "/properties/2/values/3", nil), "propertyValueId") // in use
	must(t, ts.call("DELETE", "/items/1/properties/3", nil), 204)
	must(t, ts.call("DELETE", "/items/1/properties/3", nil), 404)
	must(t, ts.call("DELETE", "/properties/2/values/3", nil), 204)
	if got := ts.ItemPropertyValues(1); len(got) != 1 || got[0].PropertyValueId != 2 {
		t.Errorf("state %+v", got)
	}
	if n := ts.Counters().DuplicatesPrevented; n != 3 {
		t.Errorf("%d duplicates", n)
	}
	// the state survives a snapshot as a seed
	snap := ts.Snapshot()
	e2, err := New(Options{Seed: &snap.Seed})
	if err != nil {
		t.Fatal(err)
	}
	if got := e2.Properties(); len(got) != 2 || len(got[1].Values) != 0 || e2.ItemPropertyValues(1)[0].PropertyValueId != 2 {
		t.Errorf("reloaded %+v", got)
	}
}

func TestItemCustomFields(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: catalogSeed()})
	var defs []CustomField
	must(t, ts.call("GET", "/items/customfields", nil), 200).decode(t, &defs)
	if len(defs) != 5 || defs[2].PossibleValues[1] != "M" || defs[0].PossibleValues == nil {
		t.Fatalf("definitions %+v", defs)
	}
	for _, c := range []struct {
		path, body string
		status     int
	}{
		{"/items/1/customfields/1", `{"Value":2.75}`, 204},
		{"/items/1/customfields/1", `{"Value":"2,75"}`, 400},
		{"/items/1/customfields/2", `{"Value":true}`, 204},
		{"/items/1/customfields/2", `{"Value":"ja"}`, 400},
		{"/items/1/customfields/3", `{"Value":"M"}`, 204},
		{"/items/1/customfields/3", `{"Value":"XL"}`, 400},
		{"/items/1/customfields/4", `{"Value":"2024-05-01T00:00:00"}`, 204},
		{"/items/1/customfields/4", `{"Value":"01.05.2024"}`, 400},
		{"/items/1/customfields/5", `{"Value":3.5}`, 400},
		{"/items/1/customfields/9", `{"Value":1}`, 404},
		{"/items/99/customfields/1", `{"Value":1}`, 404},
	} {
		if r := ts.call("PATCH", c.path, c.body); r.status != c.status {
			t.Errorf("%s %s: %s", c.path, c.body, r)
		}
	}
	r := must(t, ts.call("GET", "/items/1/customfields", nil), 200)
	if want := `[{"CustomFieldId":1,"Value":2.75},{"CustomFieldId":2,"Value":true},{"CustomFieldId":3,"Value":"M"},{"CustomFieldId":4,"Value":"2024-05-01T00:00:00"}]`; string(r.body) != want {
		t.Errorf("values %s", r.body)
	}
	must(t, ts.call("DELETE", "/items/1/customfields/2", nil), 204)
	must(t, ts.call("DELETE", "/items/1/customfields/2", nil), 404)
	if got := ts.ItemCustomFieldValues(1); len(got) != 3 {
		t.Errorf("state %+v", got)
	}
	must(t, ts.call("GET", "/items/2/customfields", nil), 200)
	must(t, ts.call("GET", "/items/99/customfields", nil), 404)
	if _, err := New(Options{Seed: &Seed{CatalogSeed: CatalogSeed{ItemCustomFields: []CustomField{{Name: "ohne Id"}}}}}); err == nil {
		t.Error("a custom field without Id was seeded")
	}
}

func TestItemReferenceLists(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{})
	for path, want := range map[string]string{
		"/shippingClasses": `[{"Id":1,"Name":"Standard"},{"Id":2,"Name":"Sperrgut"}]`,
		"/availabilities":  `"Name":"sofort lieferbar"`,
		"/conditions":      `{"Id":1,"Names":[{"Name":"Neu","LanguageIso":"de"},{"Name":"New","LanguageIso":"en"}]}`,
	} {
		if r := must(t, ts.call("GET", path, nil), 200); !strings.Contains(string(r.body), want) {
			t.Errorf("%s: %s", path, r.body)
		}
	}
	ts = newServer(t, Options{Seed: &Seed{CatalogSeed: CatalogSeed{ShippingClasses: []ShippingClass{{Id: 5, Name: "Brief"}}}}})
	if r := must(t, ts.call("GET", "/shippingClasses", nil), 200); string(r.body) != `[{"Id":5,"Name":"Brief"}]` {
		t.Errorf("seeded: %s", r.body)
	}
}

// Faults apply to the new routes like to every other: a lost write acts,
// a failed request does not.
func TestCatalogFaults(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: catalogSeed(), LostWriteRate: 1, Rand: rand.New(rand.NewPCG(3, 4))})
	if r := ts.call("POST", "/properties/1/values", `{"Name":"Seide"}`); r.status != 500 && r.status != 504 {
		t.Fatalf("lost write answered %s", r)
	}
	if vals := ts.Properties()[0].Values; len(vals) != 3 || vals[2].Name != "Seide" {
		t.Errorf("the lost write did not act: %+v", vals)
	}
	ts.SetFaults(Faults{FailRate: 1})
	if r := ts.call("PATCH", "/items/1/customfields/1", `{"Value":9}`); r.status != http.StatusServiceUnavailable && r.status != http.StatusBadGateway {
		t.Fatalf("failed request answered %s", r)
	}
	if got := ts.ItemCustomFieldValues(1); string(mustJSON(t, got)) != `[{"CustomFieldId":1,"Value":1.5}]` {
		t.Errorf("the failed request acted: %s", mustJSON(t, got))
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPropertyValueDescriptions(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: catalogSeed()})
	const path = "/properties/1/values/1/descriptions"
	var d PropertyValueDescription
	must(t, ts.call("POST", path, `{"PropertyValueId":1,"Name":"Cotton","LanguageIso":"en","SeoPath":"cotton"}`), 201).decode(t, &d)
	if d.Name != "Cotton" || d.SeoPath != "cotton" {
		t.Errorf("created %+v", d)
	}
	wantValidation(t, ts.call("POST", path, `{"PropertyValueId":1,"Name":"Coton","LanguageIso":"EN"}`), "LanguageIso")
	wantValidation(t, ts.call("POST", path, `{"PropertyValueId":2,"Name":"Coton","LanguageIso":"fr"}`), "PropertyValueId")
	wantValidation(t, ts.call("POST", "/properties/1/values/9/descriptions", `{"PropertyValueId":9,"Name":"x","LanguageIso":"fr"}`), "propertyValueId")
	must(t, ts.call("PATCH", path+"/en", `{"Description":"soft"}`), 204)
	must(t, ts.call("PATCH", path+"/fr", `{"Description":"doux"}`), 404)
	var list []PropertyValueDescription
	must(t, ts.call("GET", path, nil), 200).decode(t, &list)
	if len(list) != 1 || list[0].Description != "soft" || list[0].Name != "Cotton" {
		t.Errorf("list %+v", list)
	}
	must(t, ts.call("DELETE", path+"/en", nil), 204)
	must(t, ts.call("DELETE", path+"/en", nil), 404)
	must(t, ts.call("GET", "/properties/1/values/9/descriptions", nil), 404)
}
