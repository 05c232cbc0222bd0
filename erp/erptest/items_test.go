package erptest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp/contract"
)

func TestRoutesMatchSpec(t *testing.T) {
	t.Parallel()
	for _, rt := range apiRoutes {
		op := contract.Operation(rt.opID)
		if op == nil {
			t.Errorf("%s: operation %s not in spec", rt.key(), rt.opID)
			continue
		}
		item := contract.Spec().Paths.Value(rt.path)
		if item == nil || item.GetOperation(rt.method) != op {
			t.Errorf("%s: spec has %s elsewhere", rt.key(), rt.opID)
		}
		if rt.write != (rt.method == "POST" || rt.method == "PATCH" || rt.method == "DELETE") && !rt.public {
			t.Errorf("%s: write flag", rt.key())
		}
	}
}

func TestItemCreate(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{})
	r := must(t, ts.call("POST", "/items?disableAutomaticWorkflows=true",
		`{"Name":"Schraube","Categories":[{"CategoryId":2}],"ItemPriceData":{"SalesPriceNet":19.99,"PurchasePriceNet":1234567.8912},"Identifiers":{"Gtin":"4006381333931"}}`), 201)
	var it Item
	r.decode(t, &it)
	if !strings.HasPrefix(it.SKU, "ART") || it.Id == 0 || it.Name != "Schraube" || !it.IsActive {
		t.Errorf("created %+v", it)
	}
	if len(it.Categories) != 1 || it.Categories[0].Name != "Beschläge" {
		t.Errorf("categories %+v", it.Categories)
	}
	// Money is exact on the wire and in the state.
	for _, lit := range []string{`"SalesPriceNet":19.99`, `"PurchasePriceNet":1234567.8912`} {
		if !strings.Contains(string(r.body), lit) {
			t.Errorf("body lacks %s: %s", lit, r.body)
		}
	}
	got, ok := ts.ItemBySKU(strings.ToLower(it.SKU))
	if !ok || !got.ItemPriceData.PurchasePriceNet.Equal(D("1234567.8912")) {
		t.Errorf("state %+v", got.ItemPriceData)
	}
	c := ts.Counters()
	if c.Writes != 1 || c.WorkflowsDisabled != 1 || c.Route("POST /items") != 1 {
		t.Errorf("counters %+v", c)
	}

	// Given SKU; duplicate (case-insensitive) refused.
	must(t, ts.call("POST", "/items", `{"SKU":"A-1","Name":"x","Categories":[{"CategoryId":1}]}`), 201)
	e := wantValidation(t, ts.call("POST", "/items", `{"SKU":"a-1","Name":"y","Categories":[{"CategoryId":1}]}`), "SKU")
	if !strings.Contains(e.ValidationErrors["SKU"], "already exists") {
		t.Errorf("message %q", e.ValidationErrors["SKU"])
	}
	if n := ts.Counters().DuplicatesPrevented; n != 1 {
		t.Errorf("duplicates prevented %d", n)
	}
	if len(ts.Items()) != 2 {
		t.Errorf("%d items", len(ts.Items()))
	}
}

func TestItemCreateValidation(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{})
	ts.badRequests = true
	wantValidation(t, ts.call("POST", "/items", `{}`), "Name", "Categories")
	wantValidation(t, ts.call("POST", "/items", `{"Name":"","Categories":[]}`), "Name")
	wantValidation(t, ts.call("POST", "/items", `{"Name":"x","Categories":[{}]}`), "Categories[0].CategoryId")
	wantValidation(t, ts.call("POST", "/items", `{"Name":5,"Categories":[{"CategoryId":1}]}`), "Name")
	wantValidation(t, ts.call("POST", "/items", `{"Name":"x","Categories":[{"CategoryId":1}],"ItemPriceData":{"SalesPriceNet":"abc"}}`), "ItemPriceData.SalesPriceNet")
	wantValidation(t, ts.call("POST", "/items", `{"Name":"x","Categories":[{"CategoryId":1}],"SortNumber":3000000000}`), "SortNumber")
	wantValidation(t, ts.call("POST", "/items", `{"Name":"x","Categories":[{"CategoryId":1}],"ReleasedOnDate":"yesterday"}`), "ReleasedOnDate")
	wantValidation(t, ts.call("POST", "/items", `{"Name":"x","Categories":[{"CategoryId":999}]}`), "Categories[0].CategoryId")
	wantValidation(t, ts.call("POST", "/items", `{"Name":"x","Categories":[{"CategoryId":1}],"ManufacturerId":999}`), "ManufacturerId")
	wantValidation(t, ts.call("POST", "/items", `{"Name":"x"`), "$")
	wantValidation(t, ts.call("POST", "/items", ``), "$")
	must(t, ts.call("POST", "/items", `{"Name":"x","Categories":[{"CategoryId":1}]}`, "Content-Type", "text/plain"), 415)
	if len(ts.Items()) != 0 || ts.Counters().Writes != 0 {
		t.Error("a refused write changed the state")
	}
	// The contract flagged the bad requests too.
	if v := ts.ContractViolations(); len(v) < 8 {
		t.Errorf("only %d request violations recorded", len(v))
	}
}

func TestItemGetPatch(t *testing.T) {
	t.Parallel()
	clock := newClock()
	ts := newServer(t, Options{Now: clock.Now, Seed: Generate(GenConfig{Items: 3})})
	must(t, ts.call("GET", "/items/999", nil), 404)
	var before Item
	must(t, ts.call("GET", "/items/2", nil), 200).decode(t, &before)
	clock.Add(time.Hour)

	// Only the given fields change, nested objects are merged.
	r := must(t, ts.call("PATCH", "/items/2?disableAutomaticWorkflows=true", `{"ItemPriceData":{"SalesPriceNet":7.50},"Identifiers":{"Gtin":"123"},"StorageOptions":{"Buffer":4}}`), 201)
	var after Item
	r.decode(t, &after)
	if !strings.Contains(string(r.body), `"SalesPriceNet":7.50`) {
		t.Errorf("price literal: %s", r.body)
	}
	if after.Name != before.Name || after.SKU != before.SKU || !after.ItemPriceData.PurchasePriceNet.Equal(before.ItemPriceData.PurchasePriceNet) ||
		!after.ItemPriceData.SuggestedRetailPrice.Equal(before.ItemPriceData.SuggestedRetailPrice) ||
		after.Identifiers.ManufacturerNumber != before.Identifiers.ManufacturerNumber || after.Identifiers.Gtin != "123" ||
		after.StorageOptions.Buffer != 4 || after.StorageOptions.InventoryManagementActive != before.StorageOptions.InventoryManagementActive ||
		len(after.Categories) != 1 || after.Categories[0] != before.Categories[0] {
		t.Errorf("merge:\nbefore %+v\nafter  %+v", before, after)
	}
	if !after.Changed.Equal(clock.Now()) || !after.Added.Equal(before.Added.Time) {
		t.Errorf("Changed %v Added %v", after.Changed, after.Added)
	}
	// Fields UpdateItem does not declare are ignored (IsActive, Id).
	must(t, ts.call("PATCH", "/items/2", `{"IsActive":false,"Id":77,"Name":"Neu"}`), 201).decode(t, &after)
	if after.Id != 2 || after.IsActive != before.IsActive || after.Name != "Neu" {
		t.Errorf("after %+v", after)
	}
	// Categories are replaced as a whole; names resolved.
	must(t, ts.call("PATCH", "/items/2", `{"Categories":[{"CategoryId":3},{"CategoryId":1}]}`), 201).decode(t, &after)
	if len(after.Categories) != 2 || after.Categories[0].Name != "Werkzeug" || after.Categories[1].Name != "Befestigungstechnik" {
		t.Errorf("categories %+v", after.Categories)
	}
	// SKU: to a free one works and reindexes; to a taken one is refused.
	must(t, ts.call("PATCH", "/items/2", `{"SKU":"NEW-2"}`), 201)
	if _, ok := ts.ItemBySKU("SKU-000002"); ok {
		t.Error("old SKU still indexed")
	}
	if it, ok := ts.ItemBySKU("new-2"); !ok || it.Id != 2 {
		t.Error("new SKU not indexed")
	}
	ts.badRequests = true
	wantValidation(t, ts.call("PATCH", "/items/2", `{"SKU":"sku-000001"}`), "SKU")
	wantValidation(t, ts.call("PATCH", "/items/2", `{"SKU":""}`), "SKU")
	wantValidation(t, ts.call("PATCH", "/items/2", `{"Categories":[{"CategoryId":99}]}`), "Categories[0].CategoryId")
	must(t, ts.call("PATCH", "/items/999", `{"Name":"x"}`), 404)
	if it, _ := ts.Item(2); it.SKU != "NEW-2" {
		t.Errorf("refused PATCH changed the item: %+v", it)
	}
}

func TestItemSearchAndFilters(t *testing.T) {
	t.Parallel()
	seed := Generate(GenConfig{Items: 400, Seed: 3})
	ts := newServer(t, Options{Seed: seed})
	all := ts.Items()
	list := func(query string) []int {
		t.Helper()
		var ids []int
		for page := 1; ; page++ {
			var p PagedList[Item]
			must(t, ts.call("GET", fmt.Sprintf("/items?%s&pageSize=40&pageNumber=%d", query, page), nil), 200).decode(t, &p)
			for _, it := range p.Items {
				ids = append(ids, it.Id)
			}
			if !p.HasNextPage {
				return ids
			}
		}
	}
	want := func(pred func(Item) bool) []int {
		var ids []int
		for _, it := range all {
			if pred(it) {
				ids = append(ids, it.Id)
			}
		}
		return ids
	}
	contains := func(s, sub string) bool { return strings.Contains(strings.ToLower(s), strings.ToLower(sub)) }
	gtin := all[41].Identifiers.Gtin
	word := strings.Fields(all[7].Name)[1]
	since := all[100].Changed.Time
	cases := []struct {
		query string
		pred  func(Item) bool
	}{
		{"searchKeyWord=sku-00001", func(it Item) bool { return contains(it.SKU, "sku-00001") }},
		{"searchKeyWord=SKU-000123", func(it Item) bool { return it.SKU == "SKU-000123" }},
		{"searchKeyWord=" + gtin, func(it Item) bool { return it.Identifiers.Gtin == gtin }},
		{"searchKeyWord=" + gtin[3:10], func(it Item) bool { return contains(it.Identifiers.Gtin, gtin[3:10]) }},
		{"searchKeyWord=" + strings.ToUpper(word), func(it Item) bool { return contains(it.Name, word) || contains(it.SKU, word) }},
		{"searchKeyWord=12", func(it Item) bool {
			id := it.Identifiers
			return contains(it.SKU, "12") || contains(it.Name, "12") || contains(id.Gtin, "12") || contains(id.ManufacturerNumber, "12")
		}},
		{"categoryId=3", func(it Item) bool { return it.Categories[0].CategoryId == 3 }},
		{"manufacturerId=2&categoryId=1", func(it Item) bool { return it.ManufacturerId == 2 && it.Categories[0].CategoryId == 1 }},
		{"changedSince=" + since.Format(time.RFC3339), func(it Item) bool { return !it.Changed.Before(since) }},
		{"searchKeyWord=nothing-like-this", func(Item) bool { return false }},
	}
	for _, c := range cases {
		got, exp := list(c.query), want(c.pred)
		if !slices.Equal(got, exp) {
			t.Errorf("%s: got %d ids %v, want %d %v", c.query, len(got), head(got), len(exp), head(exp))
		}
		if len(exp) == 0 && !strings.Contains(c.query, "nothing") {
			t.Errorf("%s: test expects nothing", c.query)
		}
	}
	// A write between pages is seen (no stale cache).
	n := len(list("searchKeyWord=sku-00001"))
	must(t, ts.call("POST", "/items", `{"SKU":"X-SKU-00001-b","Name":"x","Categories":[{"CategoryId":1}]}`), 201)
	if m := len(list("searchKeyWord=sku-00001")); m != n+1 {
		t.Errorf("after create: %d results, want %d", m, n+1)
	}
	ts.badRequests = true
	wantValidation(t, ts.call("GET", "/items?categoryId=abc", nil), "categoryId")
}

func head(ids []int) []int { return ids[:min(len(ids), 12)] }

func TestPagingEnvelope(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: Generate(GenConfig{Items: 250}), MaxPageSize: 120})
	var p PagedList[Item]
	must(t, ts.call("GET", "/items", nil), 200).decode(t, &p)
	if p.PageNumber != 1 || p.PageSize != 100 || p.TotalItems != 250 || p.TotalPages != 3 || len(p.Items) != 100 ||
		p.HasPreviousPage || !p.HasNextPage || p.NextPageNumber != 2 || p.PreviousPageNumber != 1 {
		t.Errorf("page 1: %+v", envelope(p))
	}
	must(t, ts.call("GET", "/items?pageNumber=3&pageSize=100", nil), 200).decode(t, &p)
	if p.PageNumber != 3 || len(p.Items) != 50 || !p.HasPreviousPage || p.HasNextPage || p.NextPageNumber != 3 || p.PreviousPageNumber != 2 || p.Items[0].Id != 201 {
		t.Errorf("page 3: %+v", envelope(p))
	}
	must(t, ts.call("GET", "/items?pageNumber=9", nil), 200).decode(t, &p)
	if len(p.Items) != 0 || p.TotalItems != 250 || p.HasNextPage || p.PageNumber != 9 {
		t.Errorf("page 9: %+v", envelope(p))
	}
	if r := ts.call("GET", "/items?pageNumber=9", nil); !strings.Contains(string(r.body), `"Items":[]`) {
		t.Errorf("empty page must have Items [] not null: %.100s", r.body)
	}
	// The cap: the answer's PageSize is what was used.
	must(t, ts.call("GET", "/items?pageSize=5000", nil), 200).decode(t, &p)
	if p.PageSize != 120 || len(p.Items) != 120 || p.TotalPages != 3 {
		t.Errorf("capped: %+v", envelope(p))
	}
	must(t, ts.call("GET", "/items?pageNumber=0&pageSize=0", nil), 200).decode(t, &p)
	if p.PageNumber != 1 || p.PageSize != 100 {
		t.Errorf("defaults: %+v", envelope(p))
	}
	// Pages partition the items in Id order.
	var ids []int
	for page := 1; page <= 3; page++ {
		must(t, ts.call("GET", fmt.Sprintf("/items?pageNumber=%d&pageSize=100", page), nil), 200).decode(t, &p)
		for _, it := range p.Items {
			ids = append(ids, it.Id)
		}
	}
	if len(ids) != 250 || !slices.IsSorted(ids) || ids[0] != 1 || ids[249] != 250 {
		t.Errorf("ids %v…", head(ids))
	}
	// Empty lists.
	ts2 := newServer(t, Options{})
	must(t, ts2.call("GET", "/items", nil), 200).decode(t, &p)
	if p.TotalItems != 0 || p.TotalPages != 0 || p.HasNextPage || p.NextPageNumber != 0 || p.PreviousPageNumber != 1 {
		t.Errorf("empty: %+v", envelope(p))
	}
}

func envelope[T any](p PagedList[T]) PagedList[T] {
	p.Items = nil
	return p
}

func TestCategoriesAndLookups(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{})
	var cats PagedList[Category]
	must(t, ts.call("GET", "/categories", nil), 200).decode(t, &cats)
	if cats.TotalItems != 12 {
		t.Errorf("categories %d", cats.TotalItems)
	}
	var c Category
	must(t, ts.call("POST", "/categories", `{"Name":"Schrauben","ParentCategoryId":1}`), 201).decode(t, &c)
	if c.Id != 13 || c.Level != 2 {
		t.Errorf("created %+v", c)
	}
	must(t, ts.call("GET", "/categories/13", nil), 200)
	must(t, ts.call("GET", "/categories/99", nil), 404)
	var wh PagedList[Warehouse]
	must(t, ts.call("GET", "/warehouses?isActive=true", nil), 200).decode(t, &wh)
	if wh.TotalItems != 2 || wh.Items[0].Name != "Hauptlager" {
		t.Errorf("warehouses %+v", wh)
	}
	for path, n := range map[string]int{"/companies": 1, "/paymentMethods": 4, "/shippingMethods": 3, "/manufacturers": 8} {
		var list []map[string]any
		must(t, ts.call("GET", path, nil), 200).decode(t, &list)
		if len(list) != n {
			t.Errorf("%s: %d", path, len(list))
		}
	}
	if r := ts.call("GET", "/shippingMethods", nil); !strings.Contains(string(r.body), `"GrossPrice":4.90`) {
		t.Errorf("shipping price literal: %s", r.body)
	}
	var st Status
	must(t, ts.call("GET", "/info", nil, "x-appid", "", "x-appversion", ""), 200).decode(t, &st)
	if st.Type != "OnPremise" || st.Version == "" || st.Timestamp.IsZero() {
		t.Errorf("info %+v", st)
	}
	ts.badRequests = true
	wantValidation(t, ts.call("POST", "/categories", `{"Description":"x"}`), "Name")
	wantValidation(t, ts.call("POST", "/categories", `{"Name":"x","ParentCategoryId":99}`), "ParentCategoryId")
}

func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{})
	ts.badRequests = true
	r := must(t, ts.call("GET", "/nope", nil), 404)
	if r.errResp(t).ErrorCode != "NotFound" {
		t.Errorf("%s", r)
	}
	must(t, ts.call("DELETE", "/items/1", nil), 404)
	must(t, doRequest(t, "GET", ts.RootURL+"/items", nil), 404)
	v := ts.ContractViolations()
	if len(v) != 2 || !strings.Contains(v[0], "(no operation)") || !strings.Contains(v[0], "request") {
		t.Errorf("violations %q", v)
	}
	if n := ts.Counters().Route("unknown route"); n != 2 {
		t.Errorf("unknown route count %d", n)
	}
	_ = http.StatusOK
}
