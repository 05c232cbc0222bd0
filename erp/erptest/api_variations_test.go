package erptest

import (
	"slices"
	"strconv"
	"testing"
)

func variationSeed() *Seed {
	return &Seed{Items: []Item{
		{Id: 1, SKU: "SHIRT-1", Name: "Shirt"},
		{Id: 2, SKU: "SHIRT-1-R-M", Name: "Shirt Rot M"},
		{Id: 3, SKU: "SHIRT-1-B-M", Name: "Shirt Blau M"},
		{Id: 4, SKU: "HOSE-1", Name: "Hose"},
	}}
}

// Every variation route as the spec has it, with contract validation.
func TestVariationsRoutes(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: variationSeed()})
	var farbe ItemVariation
	must(t, ts.call("POST", "/items/1/variations", `{"Name":"Farbe","Type":0,"Translations":[{"LanguageIso":"en","Name":"Color"}]}`), 201).decode(t, &farbe)
	if farbe.Id == 0 || farbe.ItemId != 1 || farbe.Name != "Farbe" || len(farbe.Translations) != 1 {
		t.Fatalf("created %+v", farbe)
	}
	var groesse ItemVariation
	must(t, ts.call("POST", "/items/1/variations", `{"Name":"Größe","Type":1}`), 201).decode(t, &groesse)
	if groesse.Translations == nil {
		t.Error("Translations nil: the spec requires the array")
	}
	// names are unique within the item, ignoring case
	wantValidation(t, ts.call("POST", "/items/1/variations", `{"Name":"farbe","Type":0}`), "Name")
	if n := ts.Counters().DuplicatesPrevented; n != 1 {
		t.Errorf("duplicates prevented %d", n)
	}
	wantValidation(t, ts.call("POST", "/items/99/variations", `{"Name":"x","Type":0}`), "itemId")

	var rot, blau, m ItemVariationValue
	must(t, ts.call("POST", "/items/1/variations/1/values", `{"Name":"Rot","Translations":[{"LanguageIso":"en","Name":"Red"}]}`), 201).decode(t, &rot)
	must(t, ts.call("POST", "/items/1/variations/1/values", `{"Name":"Blau"}`), 201).decode(t, &blau)
	must(t, ts.call("POST", "/items/1/variations/2/values", `{"Name":"M"}`), 201).decode(t, &m)
	wantValidation(t, ts.call("POST", "/items/1/variations/1/values", `{"Name":"ROT"}`), "Name")
	wantValidation(t, ts.call("POST", "/items/1/variations/7/values", `{"Name":"x"}`), "variationId")
	must(t, ts.call("PATCH", "/items/1/variations/1/values/"+itoa(blau.Id), `{"Translations":[{"LanguageIso":"en","Name":"Blue"}]}`), 204)
	must(t, ts.call("PATCH", "/items/1/variations/1", `{"Translations":[{"LanguageIso":"en","Name":"Colour"}]}`), 204)

	var vars []ItemVariation
	must(t, ts.call("GET", "/items/1/variations", nil), 200).decode(t, &vars)
	if len(vars) != 2 || vars[0].Translations[0].Name != "Colour" || vars[0].Type != 0 || vars[1].Type != 1 {
		t.Errorf("variations %+v", vars)
	}
	var vals []ItemVariationValue
	must(t, ts.call("GET", "/items/1/variations/1/values", nil), 200).decode(t, &vals)
	if len(vals) != 2 || vals[1].Name != "Blau" || vals[1].Translations[0].Name != "Blue" || vals[0].Translations[0].Name != "Red" {
		t.Errorf("values %+v", vals)
	}

	// a child gives one value of every variation of its parent
	wantValidation(t, ts.call("POST", "/items/1/children/2", []int{rot.Id}), "$")
	wantValidation(t, ts.call("POST", "/items/1/children/2", []int{rot.Id, blau.Id, m.Id}), "$")
	wantValidation(t, ts.call("POST", "/items/1/children/2", []int{rot.Id, m.Id, 999}), "$")
	wantValidation(t, ts.call("POST", "/items/4/children/2", []int{rot.Id, m.Id}), "itemId") // HOSE-1 has no variations
	must(t, ts.call("POST", "/items/1/children/2", []int{m.Id, rot.Id}), 204)
	must(t, ts.call("POST", "/items/1/children/9", []int{m.Id, rot.Id}), 404)
	// no two children with the same values
	wantValidation(t, ts.call("POST", "/items/1/children/3", []int{rot.Id, m.Id}), "$")
	must(t, ts.call("POST", "/items/1/children/3", []int{blau.Id, m.Id}), 204)
	// assigning again to the same parent is fine
	must(t, ts.call("POST", "/items/1/children/3", []int{blau.Id, m.Id}), 204)

	parent, _ := ts.Item(1)
	child, _ := ts.Item(2)
	if !slices.Equal(parent.ChildItems, []int{2, 3}) || child.ParentItemId != 1 {
		t.Errorf("parent %v, child's parent %d", parent.ChildItems, child.ParentItemId)
	}
	if got := ts.ChildVariationValues(2); !slices.Equal(got, []int{rot.Id, m.Id}) {
		t.Errorf("child values %v", got)
	}
	var read Item
	must(t, ts.call("GET", "/items/2", nil), 200).decode(t, &read)
	if read.ParentItemId != 1 {
		t.Errorf("read %+v", read)
	}
	// a child has no variations and no children; a parent is no child
	wantValidation(t, ts.call("POST", "/items/2/variations", `{"Name":"x","Type":0}`), "itemId")
	wantValidation(t, ts.call("POST", "/items/4/children/1", []int{}), "childItemId")
	wantValidation(t, ts.call("POST", "/items/2/children/4", []int{}), "itemId")

	// used values and variations cannot be deleted; unused ones can
	wantValidation(t, ts.call("DELETE", "/items/1/variations/1/values/"+itoa(rot.Id), nil), "variationValueId")
	wantValidation(t, ts.call("DELETE", "/items/1/variations/2", nil), "variationId")
	var gruen ItemVariationValue
	must(t, ts.call("POST", "/items/1/variations/1/values", `{"Name":"Grün"}`), 201).decode(t, &gruen)
	must(t, ts.call("DELETE", "/items/1/variations/1/values/"+itoa(gruen.Id), nil), 204)
	must(t, ts.call("DELETE", "/items/1/variations/1/values/"+itoa(gruen.Id), nil), 404)
	var extra ItemVariation
	must(t, ts.call("POST", "/items/4/variations", `{"Name":"Länge","Type":0}`), 201).decode(t, &extra)
	must(t, ts.call("DELETE", "/items/4/variations/"+itoa(extra.Id), nil), 204)
	must(t, ts.call("GET", "/items/4/variations/"+itoa(extra.Id)+"/values", nil), 404)
	if vs := ts.ItemVariations(1); len(vs) != 2 || len(vs[0].Values) != 2 || len(vs[1].Values) != 1 {
		t.Errorf("state %+v", vs)
	}
}

// A lost answer: the value was created, the answer is a 5xx.
func TestVariationValueLostWrite(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: variationSeed()})
	must(t, ts.call("POST", "/items/1/variations", `{"Name":"Farbe","Type":0}`), 201)
	ts.SetFaults(Faults{LostWriteRate: 1})
	r := ts.call("POST", "/items/1/variations/1/values", `{"Name":"Rot"}`)
	if r.status < 500 {
		t.Fatalf("want a lost answer, got %s", r)
	}
	ts.SetFaults(Faults{})
	if vs := ts.ItemVariations(1); len(vs[0].Values) != 1 || ts.Counters().LostWrites() != 1 {
		t.Errorf("values %+v, lost %d", vs, ts.Counters().LostWrites())
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
