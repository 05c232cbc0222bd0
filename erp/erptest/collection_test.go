package erptest

import (
	"maps"
	"slices"
	"testing"

	"github.com/wawi-etl/etl/erp"
)

func TestCustomerGroupsCollection(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: &Seed{CustomerGroups: []CustomerGroup{{Id: 1, Name: "Endkunden", IsDefault: true}},
		Customers: []Customer{{Number: "K1", CustomerGroupId: 1, LanguageIso: "DE", InternalCompanyId: 1,
			BillingAddress: Address{Company: "Eins", City: "Köln", CountryIso: "DE"}}}}})
	var groups []CustomerGroup
	must(t, ts.call("GET", "/customerGroups", nil), 200).decode(t, &groups)
	if len(groups) != 1 || groups[0].Name != "Endkunden" {
		t.Fatalf("list %+v", groups)
	}
	var g CustomerGroup
	must(t, ts.call("POST", "/customerGroups", `{"Name":"Händler","Discount":7.5,"IsDefault":true}`), 201).decode(t, &g)
	if g.Id != 2 || g.Discount.String() != "7.5" || !g.IsDefault {
		t.Fatalf("created %+v", g)
	}
	// one default group: the new default takes it from the old one
	if old := ts.CustomerGroups()[0]; old.IsDefault {
		t.Error("two default groups")
	}
	must(t, ts.call("PATCH", "/customerGroups/2", `{"IsNetPrice":true}`), 201).decode(t, &g)
	if !g.IsNetPrice || g.Name != "Händler" || g.Discount.String() != "7.5" {
		t.Errorf("patched %+v", g)
	}
	wantValidation(t, ts.call("PATCH", "/customerGroups/2", `{"Name":""}`), "Name")
	// a group a customer is in stays; another one goes
	wantValidation(t, ts.call("DELETE", "/customerGroups/1", nil), "customergroupId")
	must(t, ts.call("DELETE", "/customerGroups/2", nil), 204)
	must(t, ts.call("GET", "/customerGroups/2", nil), 404)
	must(t, ts.call("PATCH", "/customerGroups/2", `{"Name":"x"}`), 404)
	if n := len(ts.CustomerGroups()); n != 1 {
		t.Errorf("%d groups left", n)
	}
	if w := ts.Counters().Writes; w != 3 {
		t.Errorf("writes %d, want 3", w)
	}
}

func TestCategoriesCollection(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: &Seed{Categories: []Category{{Id: 1, Name: "Werkzeug"}, {Id: 2, Name: "Zangen", ParentCategoryId: 1}}}})
	var c Category
	must(t, ts.call("POST", "/categories", `{"Name":"Seitenschneider","ParentCategoryId":2}`), 201).decode(t, &c)
	if c.Id != 3 || c.Level != 3 {
		t.Fatalf("created %+v", c)
	}
	// moved to the root: Level follows the parent
	must(t, ts.call("PATCH", "/categories/3", `{"ParentCategoryId":0,"Description":"lose"}`), 201).decode(t, &c)
	if c.Level != 1 || c.Name != "Seitenschneider" || c.Description != "lose" {
		t.Errorf("patched %+v", c)
	}
	// a category cannot move below itself
	wantValidation(t, ts.call("PATCH", "/categories/1", `{"ParentCategoryId":2}`), "ParentCategoryId")
	wantValidation(t, ts.call("POST", "/categories", `{"Name":"x","ParentCategoryId":99}`), "ParentCategoryId")
	var page PagedList[Category]
	must(t, ts.call("GET", "/categories?pageSize=2", nil), 200).decode(t, &page)
	if page.TotalItems != 3 || len(page.Items) != 2 || !page.HasNextPage {
		t.Errorf("page %+v", page)
	}
	if cs := ts.Categories(); cs[2].Name != "Seitenschneider" || cs[2].Level != 1 {
		t.Errorf("stored %+v", cs)
	}
}

// The emulator's collections serve what the resource table of package erp
// describes: the same paths, parameter, paging and methods.
func TestCollectionsMatchResourceTable(t *testing.T) {
	for _, c := range collections {
		list, item, param, paged := c.paths()
		var def *erp.ResourceDef
		for _, name := range erp.Resources() {
			r, _ := erp.Resource(name)
			if r.ListPath == list {
				def = r
			}
			for _, sub := range r.Sub {
				if sub.ListPath == list {
					def = sub
				}
			}
		}
		if def == nil {
			t.Errorf("%s: no resource in package erp", list)
			continue
		}
		if def.ItemPath != item || def.Key == nil && def.PathParam != param || def.Paged != paged {
			t.Errorf("%s: emulator %s {%s} paged %v, table %s {%s} paged %v", def.Name, item, param, paged, def.ItemPath, def.PathParam, def.Paged)
		}
		methods := map[string]bool{}
		for _, rt := range c.routes() {
			methods[rt.method+" "+rt.path] = true
		}
		want := map[string]bool{"GET " + list: true}
		if def.Parent == nil && def.ItemPath != "" {
			want["GET "+item] = true
		}
		if def.CreatePath != "" {
			want["POST "+def.CreatePath] = true
		}
		if def.Patchable {
			want["PATCH "+item] = true
		}
		if def.Deletable {
			want["DELETE "+item] = true
		}
		if !maps.Equal(methods, want) {
			t.Errorf("%s: emulator serves %v, table has %v", def.Name, slices.Sorted(maps.Keys(methods)), slices.Sorted(maps.Keys(want)))
		}
	}
}

func TestItemDescriptionsChildren(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: &Seed{Items: []Item{{Id: 1, SKU: "A-1", Name: "Schraube"}, {Id: 2, SKU: "A-2", Name: "Mutter"}},
		ItemDescriptions: []ItemDescription{{ItemId: 1, SalesChannelId: "1-1-1", LanguageIso: "de", Name: "Schraube"}}}})
	var d ItemDescription
	must(t, ts.call("POST", "/items/1/descriptions", `{"Name":"Screw","LanguageIso":"en","SalesChannelId":"1-1-1"}`), 201).decode(t, &d)
	if d.ItemId != 1 || d.Name != "Screw" {
		t.Fatalf("created %+v", d)
	}
	// the key is unique within the item, ignoring case; another item may have it
	wantValidation(t, ts.call("POST", "/items/1/descriptions", `{"Name":"x","LanguageIso":"EN","SalesChannelId":"1-1-1"}`), "salesChannelId")
	must(t, ts.call("POST", "/items/2/descriptions", `{"Name":"Nut","LanguageIso":"en","SalesChannelId":"1-1-1"}`), 201)
	must(t, ts.call("PATCH", "/items/1/descriptions/1-1-1/de", `{"ShortDescription":"verzinkt"}`), 204)
	must(t, ts.call("PATCH", "/items/1/descriptions/1-1-1/fr", `{"Name":"x"}`), 404)
	must(t, ts.call("GET", "/items/9/descriptions", nil), 404)
	must(t, ts.call("DELETE", "/items/2/descriptions/1-1-1/en", nil), 204)
	var list []ItemDescription
	must(t, ts.call("GET", "/items/1/descriptions", nil), 200).decode(t, &list)
	if len(list) != 2 || list[0].ShortDescription != "verzinkt" || list[0].Name != "Schraube" || list[0].LanguageIso != "de" {
		t.Errorf("list %+v", list)
	}
	if all := ts.ItemDescriptions(); len(all) != 2 {
		t.Errorf("stored %+v", all)
	}
}
