package sinks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

func erpBool(b bool) *bool { return &b }

func erpDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// erpTargets builds targets from "Path:type[:Column]".
func erpTargets(spec ...string) []mappings.Target {
	out := make([]mappings.Target, len(spec))
	for i, s := range spec {
		parts := strings.Split(s, ":")
		out[i] = mappings.Target{Path: parts[0], Type: mappings.Type(parts[1])}
		if len(parts) > 2 {
			out[i].Column = parts[2]
		}
	}
	return out
}

var itemTargets = erpTargets("SKU:string:Artikelnummer", "Name:string:Bezeichnung", "Categories[0].CategoryId:int:Kategorie",
	"ItemPriceData.SalesPriceNet:decimal:VK", "ItemPriceData.PurchasePriceNet:decimal:EK")

func TestERPItemsPlan(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	s := e.open(pipeline.SinkSpec{Resource: "items", Operation: "upsert"}, itemTargets)
	rows := [][]any{
		{"A-1", "Schraube", int64(1), erpDec("10.0"), erpDec("5")},                // same values, other scale
		{"a-2", "Mutter", int64(1), erpDec("2.75"), erpDec("1.10")},               // price changed; SKU in other case
		{"A-3", "Neu", int64(3), erpDec("1.99"), nil},                             // new
		{"A-4", "Neu ohne Kategorie", nil, erpDec("1"), nil},                      // new, cannot be created
		{"A-1", nil, nil, nil, erpDec("5.5")},                                     // partial: only the purchase price
		{"A-", "Teil eines SKU", int64(1), nil, nil},                              // searchKeyWord would match
		{"", "ohne SKU", int64(1), nil, nil},                                      // no key
		{"A-10", "Dübel", int64(2), erpDec("0.99"), erpDec("0.40")},               // category changed
		{"A-1", "Schraube", "1", erpDec("10"), erpDec("5")},                       // id as text: coerced
		{"A-1", "Schraube", "x", erpDec("10"), erpDec("5")},                       // not an id
		{"A-2", "Mutter", int64(1), erpDec("2.50"), erpDec("1.1")},                // unchanged
		{"A-3", "Neu", int64(3), erpDec("2.49"), nil},                             // the same new SKU again
		{"A-1", "Schraube", int64(1), erpDec("10.00"), erpDec("5.00"), "surplus"}, // more values than targets: ignored
	}
	// one at a time: which of two rows with the same new SKU plans the
	// create is decided by who comes first
	plans := planAll(t, s, itemTargets, 1, rows)
	want := []string{"unchanged", "updated", "created", "failed", "updated", "created", "failed", "updated", "unchanged", "failed", "unchanged", "updated", "unchanged"}
	if got := outcomes(plans); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("outcomes\n got %v\nwant %v", got, want)
	}
	if e.writes() != 0 {
		t.Fatalf("Plan wrote %d times", e.writes())
	}
	wantChanges := map[int]string{
		1:  `[{ItemPriceData.SalesPriceNet 2.5 2.75}]`, // the SKU's case is no change
		4:  `[{ItemPriceData.PurchasePriceNet 5 5.5}]`,
		7:  `[{Categories[0].CategoryId 1 2}]`,
		11: `[{ItemPriceData.SalesPriceNet 1.99 2.49}]`,
	}
	for i, w := range wantChanges {
		if got := fmt.Sprint(plans[i].Changes); got != w {
			t.Errorf("row %d changes: got %s, want %s", i+2, got, w)
		}
	}
	if c := plans[2].Changes; len(c) != 4 || c[0].Old != nil {
		t.Errorf("create changes: %v", c)
	}
	// the reasons name the fields, and the error workbook's cell
	var fe *FieldError
	if err := plans[3].Err; !errors.As(err, &fe) || fe.Column != "Kategorie" || !strings.Contains(err.Error(), "Categories") || !strings.Contains(err.Error(), "Name") {
		t.Errorf("create without category: %v", err)
	}
	if err := plans[6].Err; !errors.As(err, &fe) || fe.Column != "Artikelnummer" {
		t.Errorf("empty SKU: %v", err)
	}
	if err := plans[9].Err; !errors.As(err, &fe) || fe.Column != "Kategorie" || !strings.Contains(err.Error(), "whole number") {
		t.Errorf("bad id: %v", err)
	}
	var ce pipeline.ColumnError
	if !errors.As(plans[3].Err, &ce) {
		t.Error("plan errors must implement pipeline.ColumnError")
	}
}

func TestERPItemsPlanUpdateAndCreateOnly(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	tg := erpTargets("SKU:string", "ItemPriceData.SalesPriceNet:decimal")
	upd := e.open(pipeline.SinkSpec{Resource: "items", Operation: "update"}, tg)
	plans := planAll(t, upd, tg, 1, [][]any{{"A-1", erpDec("11")}, {"NOPE", erpDec("1")}})
	if got := outcomes(plans); fmt.Sprint(got) != "[updated failed]" || !strings.Contains(plans[1].Err.Error(), `no item with SKU "NOPE"`) {
		t.Fatalf("update: %v %v", got, plans[1].Err)
	}
	skip := e.open(pipeline.SinkSpec{Resource: "items", Operation: "update", OnMissing: "skip"}, tg)
	if p := planAll(t, skip, tg, 1, [][]any{{"NOPE", erpDec("1")}}); p[0].Outcome != pipeline.Skipped {
		t.Fatalf("on_missing skip: %v", p[0].Outcome)
	}
	cre := e.open(pipeline.SinkSpec{Resource: "items", Operation: "create"}, itemTargets)
	plans = planAll(t, cre, itemTargets, 1, [][]any{{"A-1", "x", int64(1), nil, nil}})
	if plans[0].Outcome != pipeline.Failed || !strings.Contains(plans[0].Err.Error(), "exists already") {
		t.Fatalf("create of an existing SKU: %v %v", plans[0].Outcome, plans[0].Err)
	}
	// GTIN: B-1 and B-2 share one
	g := erpTargets("Identifiers.Gtin:string:EAN", "ItemPriceData.SalesPriceNet:decimal")
	byGTIN := e.open(pipeline.SinkSpec{Resource: "items", Operation: "update", MatchBy: "GTIN"}, g)
	plans = planAll(t, byGTIN, g, 1, [][]any{{"4006381000099", erpDec("1")}, {"4006381000002", erpDec("2.5")}})
	if plans[0].Outcome != pipeline.Failed || !strings.Contains(plans[0].Err.Error(), "2 items have Identifiers.Gtin") || plans[1].Outcome != pipeline.Unchanged {
		t.Fatalf("GTIN: %v %v / %v", plans[0].Outcome, plans[0].Err, plans[1].Outcome)
	}
	if e.writes() != 0 {
		t.Fatal("plans wrote")
	}
}

func TestERPOpenErrors(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	for _, c := range []struct {
		spec pipeline.SinkSpec
		tg   []mappings.Target
		want string
	}{
		{pipeline.SinkSpec{Resource: "items"}, erpTargets("SKU:string", "ItemPriceData.SalesPrize:decimal"), `"SalesPrize" is not a field of ItemPriceData`},
		{pipeline.SinkSpec{Resource: "items"}, erpTargets("Name:string"), "no target SKU"},
		{pipeline.SinkSpec{Resource: "items", Operation: "set"}, erpTargets("SKU:string"), "items take upsert, update, create"},
		{pipeline.SinkSpec{Resource: "items", MatchBy: "Color"}, erpTargets("SKU:string"), "match by SKU, EAN/GTIN (Identifiers.Gtin)"},
		{pipeline.SinkSpec{Resource: "items", Lookup: "magic"}, erpTargets("SKU:string"), "lookup must be auto, index or search"},
		{pipeline.SinkSpec{Resource: "widgets"}, erpTargets("SKU:string"), "the erp sink writes categories, customerGroups, customers, items, items/customerPrices, items/descriptions, items/salesChannelPrices, items/specialprices, items/suppliers, salesOrders or stocks"},
		{pipeline.SinkSpec{Resource: "warehouses"}, erpTargets("Name:string"), "the erp sink writes categories"},
		{pipeline.SinkSpec{Resource: "categories", Operation: "set"}, erpTargets("Name:string"), "categories take upsert, update, create"},
		{pipeline.SinkSpec{Resource: "stocks"}, erpTargets("SKU:string", "Quantity:decimal"), "WarehouseId or Warehouse"},
		{pipeline.SinkSpec{Resource: "stocks", Warehouse: "Hauptlager"}, erpTargets("SKU:string", "Menge:decimal"), "stocks take the targets"},
		{pipeline.SinkSpec{Resource: "salesOrders"}, erpTargets("ExternalNumber:string", "LineItems.SKU:string"), "LineItems[0].SKU"},
		{pipeline.SinkSpec{Resource: "salesOrders"}, erpTargets("ExternalNumber:string", "LineItems[0].Colour:string"), `"Colour" is not a field`},
		{pipeline.SinkSpec{Resource: "customers", MatchBy: "Email"}, erpTargets("Number:string"), "match by Number"},
	} {
		_, err := e.openErr(c.spec, c.tg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v %v: got %v, want %q", c.spec, c.tg, err, c.want)
		}
	}
	if _, err := OpenERP(context.Background(), &pipeline.SinkSpec{Type: "erp", Resource: "items"}, &pipeline.Env{Targets: itemTargets}); err == nil {
		t.Error("no client: want an error")
	}
	// paths are taken in the spec's spelling
	s := e.open(pipeline.SinkSpec{Resource: "items"}, erpTargets("sku:string", "itempricedata.salespricenet:decimal"))
	p := planAll(t, s, nil, 1, [][]any{{"A-1", erpDec("10.5")}})
	if fmt.Sprint(p[0].Changes) != "[{ItemPriceData.SalesPriceNet 10 10.5}]" {
		t.Errorf("case-insensitive targets: %v", p[0].Changes)
	}
}

func TestERPItemsApplyMinimalPatch(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	tg := erpTargets("SKU:string", "Name:string", "ItemPriceData.SalesPriceNet:decimal", "ItemPriceData.PurchasePriceNet:decimal",
		"Identifiers.Gtin:string", "ReleasedOnDate:date", "Categories[0].CategoryId:int")
	s := e.open(pipeline.SinkSpec{Resource: "items"}, tg)
	before, _ := e.srv.ItemBySKU("A-2")
	plans, errs := runRows(t, s, tg, 1, [][]any{
		{"A-2", "Mutter", erpDec("2.50"), erpDec("1.25"), "4006381000002", nil, int64(1)},
		{"A-10", "Dübel 6 mm", nil, nil, nil, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), int64(1)},
		{"A-1", "Schraube", erpDec("10"), erpDec("5"), "4006381000001", nil, int64(2)},
	})
	noErrors(t, errs)
	if got := outcomes(plans); fmt.Sprint(got) != "[updated updated updated]" {
		t.Fatalf("outcomes %v", got)
	}
	patches := e.rec.sent("PATCH", "/items/")
	var bodies []string
	for _, p := range patches {
		bodies = append(bodies, p.Body)
		if !strings.Contains(p.Query, "disableAutomaticWorkflows=true") {
			t.Errorf("PATCH without disableAutomaticWorkflows: %s", p.Query)
		}
	}
	want := []string{
		`{"ItemPriceData":{"PurchasePriceNet":1.25}}`,
		`{"Name":"Dübel 6 mm","ReleasedOnDate":"2026-03-01T00:00:00Z"}`,
		`{"Categories":[{"CategoryId":2}]}`,
	}
	if strings.Join(bodies, "\n") != strings.Join(want, "\n") {
		t.Fatalf("PATCH bodies\n got %s\nwant %s", strings.Join(bodies, "\n"), strings.Join(want, "\n"))
	}
	after, _ := e.srv.ItemBySKU("A-2")
	if !after.ItemPriceData.PurchasePriceNet.Equal(erptest.D("1.25")) || !after.ItemPriceData.SalesPriceNet.Equal(before.ItemPriceData.SalesPriceNet) || after.Name != before.Name {
		t.Errorf("A-2 after the PATCH: %+v", after.ItemPriceData)
	}
	if c := e.srv.Counters(); c.WorkflowsDisabled != c.Writes {
		t.Errorf("writes %d, with workflows disabled %d", c.Writes, c.WorkflowsDisabled)
	}

	// the same file again writes nothing
	w := e.writes()
	plans, errs = runRows(t, s, tg, 4, [][]any{
		{"A-2", "Mutter", erpDec("2.5"), erpDec("1.250"), "4006381000002", nil, int64(1)},
		{"A-10", "Dübel 6 mm", nil, nil, nil, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), int64(1)},
		{"A-1", "Schraube", erpDec("10"), erpDec("5"), "4006381000001", nil, int64(2)},
	})
	noErrors(t, errs)
	if got := outcomes(plans); fmt.Sprint(got) != "[unchanged unchanged unchanged]" || e.writes() != w {
		t.Fatalf("second run: %v, %d writes", got, e.writes()-w)
	}
	// and a fresh sink (next night) sees the same from the Wawi
	s2 := e.open(pipeline.SinkSpec{Resource: "items", Lookup: "search"}, tg)
	plans = planAll(t, s2, tg, 4, [][]any{{"A-10", "Dübel 6 mm", nil, nil, nil, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), int64(1)}})
	if plans[0].Outcome != pipeline.Unchanged {
		t.Fatalf("fresh sink: %v %v", plans[0].Outcome, plans[0].Changes)
	}
}

func TestERPItemsWorkflowsOptional(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	tg := erpTargets("SKU:string", "ItemPriceData.SalesPriceNet:decimal")
	s := e.open(pipeline.SinkSpec{Resource: "items", DisableWorkflows: erpBool(false)}, tg)
	_, errs := runRows(t, s, tg, 1, [][]any{{"A-1", erpDec("12")}})
	noErrors(t, errs)
	if c := e.srv.Counters(); c.Writes != 1 || c.WorkflowsDisabled != 0 {
		t.Fatalf("writes %d, workflows disabled %d", c.Writes, c.WorkflowsDisabled)
	}
}

func TestERPItemsCreateSameSKUTwice(t *testing.T) {
	for _, mode := range []string{"index", "search"} {
		t.Run(mode, func(t *testing.T) {
			e := newERPEnv(t, baseSeed())
			tg := erpTargets("SKU:string", "Name:string", "Categories[0].CategoryId:int", "ItemPriceData.SalesPriceNet:decimal")
			s := e.open(pipeline.SinkSpec{Resource: "items", Lookup: mode}, tg)
			rows := [][]any{
				{"N-1", "Neu", int64(1), erpDec("5")},
				{"N-1", "Neu", int64(1), erpDec("6")},
				{"N-2", "Neu 2", int64(1), erpDec("5")},
				{"n-1", "Neu", int64(1), erpDec("6")},
			}
			// plan everything first (like a two-pass runner), then apply concurrently
			plans := planAll(t, s, tg, 4, rows)
			created := 0
			for _, p := range plans {
				if p.Outcome == pipeline.Created {
					created++
				}
			}
			if created != 2 {
				t.Errorf("planned creates: %v", outcomes(plans))
			}
			noErrors(t, applyAll(t, s, plans, 4))
			if n := e.route("POST /items"); n != 2 {
				t.Fatalf("POST /items %d times, want 2", n)
			}
			if c := e.srv.Counters(); c.DuplicatesPrevented != 0 {
				t.Fatalf("duplicates refused: %d", c.DuplicatesPrevented)
			}
			// the plans again, applied concurrently by the same sink: nothing is created twice
			noErrors(t, applyAll(t, s, planAll(t, s, tg, 4, rows), 4))
			if n := e.route("POST /items"); n != 2 {
				t.Fatalf("POST /items %d times after the second pass", n)
			}
			// the item holds one of the two prices of N-1
			it, ok := e.srv.ItemBySKU("N-1")
			if !ok || !(it.ItemPriceData.SalesPriceNet.Equal(erptest.D("6")) || it.ItemPriceData.SalesPriceNet.Equal(erptest.D("5"))) {
				t.Fatalf("N-1: %+v", it)
			}
		})
	}
}

// Rows planned and applied one by one by concurrent workers (the runner's
// way): many rows with the same new SKU make exactly one item.
func TestERPItemsConcurrentSameNewSKU(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	tg := erpTargets("SKU:string", "Name:string", "Categories[0].CategoryId:int")
	s := e.open(pipeline.SinkSpec{Resource: "items"}, tg)
	var rows [][]any
	for i := 0; i < 24; i++ {
		rows = append(rows, []any{fmt.Sprintf("C-%d", i%3), "Neu", int64(1)})
	}
	_, errs := runRows(t, s, tg, 8, rows)
	noErrors(t, errs)
	if n := e.route("POST /items"); n != 3 {
		t.Fatalf("POST /items %d times, want 3", n)
	}
}

func TestERPItemsAPIErrorPointsAtColumn(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	// matched by GTIN, the row renames A-2 to A-1's SKU: the Wawi refuses
	tg := erpTargets("Identifiers.Gtin:string:EAN", "SKU:string:Artikelnummer")
	s := e.open(pipeline.SinkSpec{Resource: "items", Operation: "update", MatchBy: "gtin"}, tg)
	plans, errs := runRows(t, s, tg, 1, [][]any{{"4006381000002", "A-1"}})
	if plans[0].Outcome != pipeline.Updated || errs[0] == nil {
		t.Fatalf("%v %v", plans[0].Outcome, errs[0])
	}
	var ce pipeline.ColumnError
	if !errors.As(errs[0], &ce) {
		t.Fatalf("not a ColumnError: %v", errs[0])
	}
	if f, c := ce.ErrorColumn(); f != "SKU" || c != "Artikelnummer" {
		t.Fatalf("ErrorColumn %q %q", f, c)
	}
	if erp.StatusOf(errs[0]) != 400 {
		t.Fatalf("status %d", erp.StatusOf(errs[0]))
	}
}

// Lost answers (the write happened, the response did not arrive) never make
// a second item.
func TestERPItemsLostWrites(t *testing.T) {
	e := newERPEnvWith(t, baseSeed(), erpEnvOpts{validate: true, opts: erptest.Options{LostWriteRate: 0.5}})
	tg := erpTargets("SKU:string", "Name:string", "Categories[0].CategoryId:int", "ItemPriceData.SalesPriceNet:decimal")
	s := e.open(pipeline.SinkSpec{Resource: "items"}, tg)
	var rows [][]any
	for i := 0; i < 40; i++ {
		rows = append(rows, []any{fmt.Sprintf("L-%d", i%20), "Neu", int64(1), erpDec(fmt.Sprint(i%20 + 1))})
	}
	rows = append(rows, []any{"A-1", "Schraube", int64(1), erpDec("99")})
	_, errs := runRows(t, s, tg, 8, rows)
	noErrors(t, errs)
	c := e.srv.Counters()
	if c.LostWrites() == 0 {
		t.Fatal("no write was lost: the test tests nothing")
	}
	if c.DuplicatesPrevented != 0 {
		t.Fatalf("%d duplicate creates were refused by the Wawi", c.DuplicatesPrevented)
	}
	n := 0
	for _, it := range e.srv.Items() {
		if strings.HasPrefix(it.SKU, "L-") {
			n++
		}
	}
	if n != 20 {
		t.Fatalf("%d items L-*, want 20", n)
	}
	if it, _ := e.srv.ItemBySKU("A-1"); !it.ItemPriceData.SalesPriceNet.Equal(erptest.D("99")) {
		t.Fatalf("A-1 price %s", it.ItemPriceData.SalesPriceNet)
	}
	t.Logf("lost writes %d, POST /items %d", c.LostWrites(), c.Route("POST /items"))
}

// A PATCH whose answer is lost (performed, answered 500 or 504) is read
// back: the record holds the values sent, so the update succeeded. Every
// write's answer is lost here, so each PATCH ends in doubt.
func TestERPItemsLostPatchAnswer(t *testing.T) {
	e := newERPEnvWith(t, baseSeed(), erpEnvOpts{validate: true, opts: erptest.Options{LostWriteRate: 1}})
	tg := erpTargets("SKU:string", "Name:string", "ItemPriceData.SalesPriceNet:decimal")
	s := e.open(pipeline.SinkSpec{Resource: "items", Operation: "update"}, tg)
	plans, errs := runRows(t, s, tg, 2, [][]any{{"A-1", "Schraube", erpDec("12.50")}, {"A-2", "Mutter M8", erpDec("2.50")}})
	if got := fmt.Sprint(outcomes(plans)); got != "[updated updated]" {
		t.Fatalf("outcomes %s", got)
	}
	noErrors(t, errs)
	if c := e.srv.Counters(); c.LostWrites() < 2 || c.Route("GET /items/{itemId}") < 2 {
		t.Fatalf("%d lost writes, %d read back", c.LostWrites(), c.Route("GET /items/{itemId}"))
	}
	a1, _ := e.srv.ItemBySKU("A-1")
	a2, _ := e.srv.ItemBySKU("A-2")
	if !a1.ItemPriceData.SalesPriceNet.Equal(erptest.D("12.50")) || a2.Name != "Mutter M8" {
		t.Fatalf("A-1 %s, A-2 %q", a1.ItemPriceData.SalesPriceNet, a2.Name)
	}
}

// Index and search find the same records and so make the same plans.
func TestERPItemsIndexAndSearchAgree(t *testing.T) {
	seed := erptest.Generate(erptest.GenConfig{Items: 300, Seed: 3})
	e := newERPEnvWith(t, seed, erpEnvOpts{validate: false})
	tg := erpTargets("SKU:string", "Name:string", "ItemPriceData.SalesPriceNet:decimal", "Identifiers.Gtin:string", "Categories[0].CategoryId:int")
	var rows [][]any
	for i, it := range seed.Items {
		if i%3 == 0 {
			continue
		}
		price := it.ItemPriceData.SalesPriceNet.Decimal
		if i%4 == 0 {
			price = price.Add(erpDec("1.00"))
		}
		sku := it.SKU
		if i%7 == 0 {
			sku = strings.ToLower(sku)
		}
		rows = append(rows, []any{sku, it.Name, price, it.Identifiers.Gtin, int64(it.Categories[0].CategoryId)})
	}
	rows = append(rows, []any{"SKU-00", "kein Treffer", erpDec("1"), nil, int64(1)}, []any{"NEW-1", "Neu", erpDec("1"), nil, int64(1)})
	var got [3]string
	for i, mode := range []string{"index", "search", "auto"} {
		s := e.open(pipeline.SinkSpec{Resource: "items", Lookup: mode}, tg)
		plans := planAll(t, s, tg, 4, rows)
		var b strings.Builder
		for _, p := range plans {
			fmt.Fprintf(&b, "%s %s %v %v\n", p.Key, p.Outcome, p.Changes, p.Err)
		}
		got[i] = b.String()
	}
	if got[0] != got[1] || got[0] != got[2] {
		t.Fatalf("index and search differ:\n%s\n---\n%s\n---\n%s", got[0], got[1], got[2])
	}
	if !strings.Contains(got[0], "NEW-1 created") || !strings.Contains(got[0], "SKU-00 created") || !strings.Contains(got[0], "updated") {
		t.Fatalf("plans:\n%s", got[0])
	}
}

func TestERPLookupModeAuto(t *testing.T) {
	seed := erptest.Generate(erptest.GenConfig{Items: 400, Seed: 5})
	tg := erpTargets("SKU:string", "ItemPriceData.SalesPriceNet:decimal")
	row := func(i int) []any {
		return []any{seed.Items[i].SKU, seed.Items[i].ItemPriceData.SalesPriceNet.Decimal}
	}
	cases := []struct {
		name       string
		rows, hint int
		wantIndex  bool
	}{
		{"few records search", 5, 0, false},  // 5×20 < 400
		{"many records switch", 60, 0, true}, // after 20 searches the index pays
		{"hint small", 10, 10, false},        // 400 > 20×10
		{"hint large", 10, 100, true},        // 400 <= 20×100
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newERPEnvWith(t, seed, erpEnvOpts{validate: false})
			s := e.open(pipeline.SinkSpec{Resource: "items"}, tg)
			if c.hint > 0 {
				s.SizeHint(int64(c.hint))
			}
			var rows [][]any
			for i := 0; i < c.rows; i++ {
				rows = append(rows, row(i))
			}
			plans := planAll(t, s, tg, 8, rows)
			for _, p := range plans {
				if p.Outcome != pipeline.Unchanged {
					t.Fatalf("%s: %v %v %v", p.Key, p.Outcome, p.Changes, p.Err)
				}
			}
			idx := s.res.(*keyedSink).idx
			if loaded := idx.loads.Load() > 0; loaded != c.wantIndex {
				t.Fatalf("index loaded %v (loads %d, searches %d)", loaded, idx.loads.Load(), idx.searchCalls.Load())
			}
			if idx.loads.Load() > 1 {
				t.Fatalf("index loaded %d times", idx.loads.Load())
			}
			t.Logf("%d records: %d requests (%d searches, index %v)", c.rows, s.Requests(), idx.searchCalls.Load(), idx.loads.Load() > 0)
		})
	}
}

// requests per record: changed records cost their write plus a share of
// the index pages; unchanged ones only the share.
func TestERPItemsRequestsPerRecord(t *testing.T) {
	const n, pageSize = 500, 50
	seed := erptest.Generate(erptest.GenConfig{Items: n, Seed: 9})
	e := newERPEnvWith(t, seed, erpEnvOpts{validate: false, pageSize: pageSize})
	tg := erpTargets("SKU:string", "ItemPriceData.PurchasePriceNet:decimal")
	var same, changed [][]any
	for _, it := range seed.Items {
		same = append(same, []any{it.SKU, it.ItemPriceData.PurchasePriceNet.Decimal})
		changed = append(changed, []any{it.SKU, it.ItemPriceData.PurchasePriceNet.Decimal.Add(erpDec("0.01"))})
	}
	for _, c := range []struct {
		name   string
		rows   [][]any
		hint   bool
		perRec float64 // allowed requests per record
	}{
		{"unchanged, size hint", same, true, 1.0/pageSize + 0.005},
		{"changed, size hint", changed, true, 1 + 1.0/pageSize + 0.005},
		{"unchanged, no hint", changed, false, 1.0/pageSize + 0.06}, // the Wawi now holds the changed values
	} {
		t.Run(c.name, func(t *testing.T) {
			s := e.open(pipeline.SinkSpec{Resource: "items"}, tg)
			if c.hint {
				s.SizeHint(int64(len(c.rows)))
			}
			st0 := e.c.Stats()
			_, errs := runRows(t, s, tg, 8, c.rows)
			noErrors(t, errs)
			st := e.c.Stats()
			req := st.Requests - st0.Requests
			per := float64(req) / float64(len(c.rows))
			t.Logf("%s: %d requests for %d records = %.4f per record (GET %d, PATCH %d)", c.name, req, len(c.rows), per,
				st.ByMethod["GET"]-st0.ByMethod["GET"], st.ByMethod["PATCH"]-st0.ByMethod["PATCH"])
			if per > c.perRec {
				t.Fatalf("%.4f requests per record, want <= %.4f", per, c.perRec)
			}
			if s.Requests() != req {
				t.Fatalf("Requests() %d, client %d", s.Requests(), req)
			}
		})
	}
}

// The index keeps only id, key and the mapped fields, so a big Wawi fits.
func TestERPItemIndexMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10,000 item index")
	}
	const n = 10000
	sh := newDocShape([]string{"SKU", "Name", "ItemPriceData.SalesPriceNet", "ItemPriceData.PurchasePriceNet", "Categories[0].CategoryId"})
	docs := make([]map[string]any, n)
	for i := range docs {
		var m map[string]any
		b := fmt.Sprintf(`{"Id":%d,"SKU":"SKU-%06d","Name":"Artikel Nummer %d mit einem längeren Namen","ItemPriceData":{"SalesPriceNet":%d.99,"PurchasePriceNet":%d.49,"EbayPrice":0},"Categories":[{"CategoryId":3,"Name":""}],"Description":"%s"}`,
			i+1, i, i, i%100, i%50, strings.Repeat("x", 500))
		d := json.NewDecoder(strings.NewReader(b))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		docs[i] = m
	}
	def, _ := erp.Resource("items")
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	h0 := heap()
	idx := newEntries[*docEntry]()
	for i := range docs {
		e, k, ok := newDocEntry(docs[i], def, "SKU", sh)
		if !ok {
			t.Fatal("no entry")
		}
		idx.add(k, e)
	}
	per := float64(heap()-h0) / n
	runtime.KeepAlive(docs)
	t.Logf("index: %.0f bytes per item, %.0f MB for 200,000", per, per*200000/1e6)
	if per*200000 > 150e6 {
		t.Fatalf("%.0f bytes per item: 200,000 items would need %.0f MB", per, per*200000/1e6)
	}
	runtime.KeepAlive(idx)
}

// Auto mode switches from searches to the index in the middle of a run
// that creates items: what was created before the switch is neither lost
// nor created again.
func TestERPItemsAutoSwitchWhileWriting(t *testing.T) {
	seed := erptest.Generate(erptest.GenConfig{Items: 200, Seed: 6})
	e := newERPEnvWith(t, seed, erpEnvOpts{validate: false, pageSize: 50})
	tg := erpTargets("SKU:string", "Name:string", "Categories[0].CategoryId:int", "ItemPriceData.SalesPriceNet:decimal")
	var rows [][]any
	for i := 0; i < 8; i++ {
		rows = append(rows, []any{fmt.Sprintf("NEW-%d", i), "Neu", int64(1), erpDec("1")})
	}
	for _, it := range seed.Items[:40] {
		rows = append(rows, []any{it.SKU, it.Name, int64(it.Categories[0].CategoryId), it.ItemPriceData.SalesPriceNet.Add(erpDec("0.10"))})
	}
	for i := 0; i < 8; i++ {
		rows = append(rows, []any{fmt.Sprintf("NEW-%d", i), "Neu", int64(1), erpDec("1.00")})
	}
	s := e.open(pipeline.SinkSpec{Resource: "items"}, tg)
	plans, errs := runRows(t, s, tg, 4, rows)
	noErrors(t, errs)
	idx := s.res.(*keyedSink).idx
	if idx.loads.Load() != 1 {
		t.Fatalf("index loads %d, want 1 (switched in the middle)", idx.loads.Load())
	}
	if n := e.route("POST /items"); n != 8 {
		t.Fatalf("POST /items %d times, want 8", n)
	}
	for _, p := range plans {
		if p.Outcome == pipeline.Failed {
			t.Fatalf("%s: %v", p.Key, p.Err)
		}
	}
	for i := 0; i < 8; i++ {
		it, _ := e.srv.ItemBySKU(fmt.Sprintf("NEW-%d", i))
		if !it.ItemPriceData.SalesPriceNet.Equal(erptest.D("1")) {
			t.Fatalf("NEW-%d price %s", i, it.ItemPriceData.SalesPriceNet)
		}
	}
	// the same file again: nothing to do
	plans, errs = runRows(t, e.open(pipeline.SinkSpec{Resource: "items"}, tg), tg, 1, rows[8:])
	noErrors(t, errs)
	for _, p := range plans {
		if p.Outcome != pipeline.Unchanged {
			t.Fatalf("rerun %s: %v %v", p.Key, p.Outcome, p.Changes)
		}
	}
}
