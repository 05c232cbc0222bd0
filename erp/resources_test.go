package erp

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestResourcesTable(t *testing.T) {
	want := []string{"accountingData", "availabilities", "categories", "companies", "conditions", "customerGroups", "customers", "invoices", "items", "manufacturers", "paymentMethods", "productGroups", "salesChannels", "salesOrders", "shippingClasses", "shippingMethods", "stocks", "suppliers", "taxClasses", "warehouses"}
	if got := Resources(); !slices.Equal(got, want) {
		t.Fatalf("Resources() = %v", got)
	}
	items, ok := Resource("items")
	if !ok || items.ItemURL(42) != "/items/42" || items.IDField != "Id" || items.NaturalKeys[0].Field != "SKU" {
		t.Fatalf("items %+v", items)
	}
	if r, ok := Resource("SALESORDERS"); !ok || r.Name != "salesOrders" {
		t.Error("lookup is not case-insensitive")
	}
	li, ok := Resource("salesOrders/lineitems")
	if !ok || li.ListURL(7) != "/salesOrders/7/lineitems" || li.Paged {
		t.Fatalf("lineitems %+v", li)
	}
	so, _ := Resource("salesOrders")
	if k, ok := so.NaturalKey("ExternalNumber"); !ok || k.Lookup != "externalOrderNumber" {
		t.Errorf("key %+v", k)
	}
	if k, ok := items.NaturalKey("gtin"); !ok || k.Field != "Identifiers.Gtin" {
		t.Errorf("gtin %+v", k)
	}
	if p, ok := so.Filter("createdsince"); !ok || p.Name != "createdSince" || p.Type != "date-time" {
		t.Errorf("filter %+v", p)
	}
	if err := so.ValidateFilters(map[string]string{"createdSince": "x", "isCancelled": "false"}); err != nil {
		t.Error(err)
	}
	if err := so.ValidateFilters(map[string]string{"createdAfter": "x"}); err == nil || !strings.Contains(err.Error(), "createdSince") {
		t.Errorf("err %v", err)
	}
	ps, _ := so.Filter("paymentStatus")
	for v, ok := range map[string]bool{"2": true, "3": false, "x": false} {
		if err := ps.Check(v); (err == nil) != ok {
			t.Errorf("paymentStatus %q: %v", v, err)
		}
	}
	cs, _ := so.Filter("createdSince")
	if cs.Check("2025-01-01T00:00:00Z") != nil || cs.Check("-7d") == nil {
		t.Error("date-time check")
	}
	if v, ok := Lookup(map[string]any{"Identifiers": map[string]any{"Gtin": "400"}}, "Identifiers.Gtin"); !ok || v != "400" {
		t.Error("Lookup")
	}
	if r := resourceForListPath("/salesOrders/12/lineitems"); r == nil || r.Name != "lineitems" {
		t.Error("resourceForListPath")
	}
	if r := resourceForListPath("/items/12"); r != nil {
		t.Error("an item path matched a list")
	}
}

// TestResourcesMatchSpec checks the table against the official spec: paths,
// methods, query parameter names and types, schemas, required fields, and
// whether the list is paged.
func TestResourcesMatchSpec(t *testing.T) {
	b, err := os.ReadFile("contract/openapi-cloud-1.0.json")
	if err != nil {
		b, err = os.ReadFile("/work/shared/jtl-wawi-api/openapi-cloud-1.0.json")
	}
	if err != nil {
		t.Skip("spec not available:", err)
	}
	type param struct {
		Name, In string
		Schema   struct {
			Type, Format string
			Enum         []any
		}
	}
	type schemaRef struct {
		Ref   string `json:"$ref"`
		Type  string
		Items *schemaRef
	}
	type op struct {
		Security    []map[string][]string
		Parameters  []param
		RequestBody *struct {
			Content map[string]struct{ Schema schemaRef }
		}
		Responses map[string]struct {
			Content map[string]struct{ Schema schemaRef }
		}
	}
	var spec struct {
		Paths      map[string]map[string]op
		Components struct {
			Schemas map[string]struct{ Required []string }
		}
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	query := func(o op) []Param {
		var ps []Param
		for _, p := range o.Parameters {
			if p.In != "query" || p.Name == QueryPageNumber || p.Name == QueryPageSize {
				continue
			}
			ty := p.Schema.Type
			if p.Schema.Format == "date-time" {
				ty = "date-time"
			}
			var enum []string
			for _, e := range p.Schema.Enum {
				enum = append(enum, fmt.Sprint(e))
			}
			ps = append(ps, Param{Name: p.Name, Type: ty, Enum: enum})
		}
		return ps
	}
	ref := func(s schemaRef) string {
		if s.Items != nil {
			s = *s.Items
		}
		return strings.TrimPrefix(s.Ref, "#/components/schemas/")
	}
	scope := func(o op) string {
		for _, sec := range o.Security {
			for _, s := range sec["Wawi"] {
				if s != "all.read" {
					return s
				}
			}
		}
		return ""
	}
	checkDef := func(r *ResourceDef) {
		list, ok := spec.Paths[r.ListPath]["get"]
		if !ok {
			t.Errorf("%s: no GET %s", r.Name, r.ListPath)
			return
		}
		if got := query(list); !reflect.DeepEqual(got, r.ListQuery) {
			t.Errorf("%s list query\n got %v\nwant %v", r.Name, r.ListQuery, got)
		}
		if got := scope(list); got != r.ListScope {
			t.Errorf("%s list scope %q, spec %q", r.Name, r.ListScope, got)
		}
		resp := list.Responses["200"].Content["application/json"].Schema
		paged := strings.HasPrefix(ref(resp), "PagedListOf")
		if paged != r.Paged {
			t.Errorf("%s: Paged %v, spec answers %s", r.Name, r.Paged, ref(resp))
		}
		if got := ref(resp); got != "PagedListOf"+r.Schema && got != r.Schema {
			t.Errorf("%s: list answers %s, table says %s", r.Name, got, r.Schema)
		}
		if r.ItemPath != "" && r.Parent == nil {
			// sub-resources are read through their parent's list
			if _, ok := spec.Paths[r.ItemPath]["get"]; !ok {
				t.Errorf("%s: no GET %s", r.Name, r.ItemPath)
			}
			if r.Key == nil && !strings.Contains(r.ItemPath, "{"+r.PathParam+"}") {
				t.Errorf("%s: param %s not in %s", r.Name, r.PathParam, r.ItemPath)
			}
		}
		if r.ItemPath != "" {
			// every parameter of ItemPath is filled: by the parent or the key
			var own []string
			for _, k := range r.KeyParams() {
				own = append(own, k.Param)
			}
			if r.Parent != nil {
				own = append([]string{r.Parent.Param}, own...)
			}
			if got := PathParams(r.ItemPath); !slices.Equal(got, own) {
				t.Errorf("%s: ItemPath params %v, parent and key fill %v", r.Name, got, own)
			}
		}
		if _, hasDelete := spec.Paths[r.ItemPath]["delete"]; hasDelete != r.Deletable {
			t.Errorf("%s: Deletable %v", r.Name, r.Deletable)
		}
		if r.Import != nil && r.Import.Prune && (!r.Deletable || r.Parent == nil) {
			t.Errorf("%s: Prune without DELETE or parent", r.Name)
		}
		if r.Import != nil && r.Import.Planner == PlannerKeyed {
			if len(r.Operations()) == 0 || len(r.Import.MatchBy) == 0 && r.Parent == nil {
				t.Errorf("%s: import without operations or match_by", r.Name)
			}
			for _, f := range r.Import.MatchBy {
				if _, ok := r.NaturalKey(f); !ok {
					t.Errorf("%s: match_by %s is not a natural key", r.Name, f)
				}
			}
		}
		patch, hasPatch := spec.Paths[r.ItemPath]["patch"]
		if hasPatch != r.Patchable {
			t.Errorf("%s: Patchable %v", r.Name, r.Patchable)
		}
		if hasPatch {
			if got := scope(patch); got != r.UpdateScope {
				t.Errorf("%s update scope %q, spec %q", r.Name, r.UpdateScope, got)
			}
			if got := query(patch); !reflect.DeepEqual(got, r.UpdateQuery) {
				t.Errorf("%s update query %v, spec %v", r.Name, r.UpdateQuery, got)
			}
			if got := ref(patch.RequestBody.Content["application/json"].Schema); got != r.UpdateSchema {
				t.Errorf("%s update schema %s, spec %s", r.Name, r.UpdateSchema, got)
			}
		}
		post, hasPost := spec.Paths[r.CreatePath]["post"]
		if hasPost != (r.CreatePath != "") {
			t.Errorf("%s: CreatePath %q, spec POST %v", r.Name, r.CreatePath, hasPost)
		}
		if hasPost {
			if got := scope(post); got != r.CreateScope {
				t.Errorf("%s create scope %q, spec %q", r.Name, r.CreateScope, got)
			}
			if got := query(post); !reflect.DeepEqual(got, r.CreateQuery) {
				t.Errorf("%s create query %v, spec %v", r.Name, r.CreateQuery, got)
			}
			if got := ref(post.RequestBody.Content["application/json"].Schema); got != r.CreateSchema {
				t.Errorf("%s create schema %s, spec %s", r.Name, r.CreateSchema, got)
			}
			if got := spec.Components.Schemas[r.CreateSchema].Required; !slices.Equal(got, r.CreateRequired) {
				t.Errorf("%s create required %v, spec %v", r.Name, r.CreateRequired, got)
			}
		}
	}
	for _, name := range Resources() {
		r, _ := Resource(name)
		checkDef(r)
		for _, s := range r.Sub {
			if s.Embedded != "" {
				continue // no path of its own (TestEmbeddedAndLocalFilters)
			}
			checkDef(s)
		}
	}
}

func TestFillPath(t *testing.T) {
	tmpl := "/items/{itemId}/salesChannelPrices/{salesChannelId}/{customerGroupId}/{fromQuantity}"
	got, err := FillPath(tmpl, map[string]string{"itemId": "7", "salesChannelId": "1-1/x", "customerGroupId": "3", "fromQuantity": "2.5"})
	if err != nil || got != "/items/7/salesChannelPrices/1-1%2Fx/3/2.5" {
		t.Fatalf("FillPath = %q, %v", got, err)
	}
	if _, err := FillPath(tmpl, map[string]string{"itemId": "7", "salesChannelId": "1"}); err == nil || !strings.Contains(err.Error(), "customerGroupId") {
		t.Errorf("missing param: %v", err)
	}
	if _, err := FillPath("/items/{itemId}", map[string]string{"itemId": ""}); err == nil {
		t.Error("an empty value filled a path")
	}
	if got := PathParams(tmpl); !slices.Equal(got, []string{"itemId", "salesChannelId", "customerGroupId", "fromQuantity"}) {
		t.Errorf("PathParams = %v", got)
	}
}

func TestImportTable(t *testing.T) {
	if got := ImportTargets(); !slices.Equal(got, []string{"categories", "customerGroups", "customers", "items", "items/customerPrices", "items/descriptions",
		"items/salesChannelPrices", "items/specialprices", "items/suppliers", "salesOrders", "stocks"}) {
		t.Fatalf("ImportTargets = %v", got)
	}
	for _, c := range []struct{ res, op, want string }{
		{"items", "", ""}, {"items", "set", "items take upsert, update, create"},
		{"categories", "upsert", ""}, {"customerGroups", "update", ""}, {"stocks", "adjust", ""},
		{"salesOrders", "upsert", "salesOrders take create"},
		{"warehouses", "", "the erp sink writes categories, customerGroups, customers, items, items/customerPrices, items/descriptions, items/salesChannelPrices, items/specialprices, items/suppliers, salesOrders or stocks"},
		{"", "", "the erp sink writes"},
	} {
		r, err := ImportResource(c.res)
		if err == nil {
			_, err = r.Operation(c.op)
		}
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("CheckImport(%q, %q) = %v, want %q", c.res, c.op, err, c.want)
		}
	}
	items, _ := Resource("items")
	for by, want := range map[string]string{"": "SKU", "ean": "Identifiers.Gtin", "GTIN": "Identifiers.Gtin", "isbn": "Identifiers.ISBN"} {
		if k, err := items.MatchKey(by); err != nil || k.Field != want {
			t.Errorf("MatchKey(%q) = %v, %v", by, k, err)
		}
	}
	if _, err := items.MatchKey("Color"); err == nil || !strings.Contains(err.Error(), "items match by SKU, EAN/GTIN (Identifiers.Gtin)") {
		t.Errorf("MatchKey(Color): %v", err)
	}
}
