package sinks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
)

var stockTargetsByName = erpTargets("SKU:string:Artikelnummer", "Warehouse:string:Lager", "Quantity:decimal:Bestand")

func TestERPStockSet(t *testing.T) {
	for _, mode := range []string{"index", "search"} {
		t.Run(mode, func(t *testing.T) {
			e := newERPEnv(t, baseSeed())
			s := e.open(pipeline.SinkSpec{Resource: "stocks", Operation: "set", Lookup: mode}, stockTargetsByName)
			rows := [][]any{
				{"A-1", "Hauptlager", erpDec("12")},    // 10 -> 12
				{"A-1", "Außenlager", erpDec("3.000")}, // unchanged
				{"A-2", "Hauptlager", erpDec("0")},     // 7.5 -> 0
				{"A-10", "hauptlager", erpDec("5.25")}, // no stock yet; name in other case
				{"NOPE", "Hauptlager", erpDec("1")},    // no such item
				{"A-1", "Keller", erpDec("1")},         // no such warehouse
				{"A-2", "Außenlager", nil},             // no quantity
			}
			plans, errs := runRows(t, s, stockTargetsByName, 4, rows)
			noErrors(t, errs)
			if got := fmt.Sprint(outcomes(plans)); got != "[updated unchanged updated updated failed failed failed]" {
				t.Fatalf("outcomes %s", got)
			}
			if got := fmt.Sprint(plans[0].Changes, plans[2].Changes, plans[3].Changes); got != "[{Quantity 10 12}] [{Quantity 7.5 0}] [{Quantity 0 5.25}]" {
				t.Errorf("changes %s", got)
			}
			if plans[0].Key != "A-1 @ Hauptlager" {
				t.Errorf("key %q", plans[0].Key)
			}
			for i, col := range map[int]string{4: "Artikelnummer", 5: "Lager", 6: "Bestand"} {
				var fe *FieldError
				if !errors.As(plans[i].Err, &fe) || fe.Column != col {
					t.Errorf("row %d: %v, want a FieldError on %s", i+2, plans[i].Err, col)
				}
			}
			a1, _ := e.srv.ItemBySKU("A-1")
			a2, _ := e.srv.ItemBySKU("A-2")
			a10, _ := e.srv.ItemBySKU("A-10")
			for _, c := range []struct {
				item, wh int
				want     string
			}{{a1.Id, 1, "12"}, {a1.Id, 2, "3"}, {a2.Id, 1, "0"}, {a10.Id, 1, "5.25"}} {
				if got := e.srv.Stock(c.item, c.wh); !got.Equal(erpDec(c.want)) {
					t.Errorf("stock of %d in %d: %s, want %s", c.item, c.wh, got, c.want)
				}
			}
			posts := e.rec.sent("POST", "/stocks")
			if len(posts) != 3 {
				t.Fatalf("%d POST /stocks, want 3", len(posts))
			}
			for _, p := range posts {
				if !strings.Contains(p.Query, "disableAutomaticWorkflows=true") {
					t.Errorf("POST /stocks without disableAutomaticWorkflows: %s", p.Query)
				}
				if strings.Contains(p.Body, `"Quantity":"`) {
					t.Errorf("quantity sent as text: %s", p.Body)
				}
			}

			// the same file again, by the same sink and by a fresh one: nothing to do
			for i, s := range []*ERPSink{s, e.open(pipeline.SinkSpec{Resource: "stocks", Lookup: mode}, stockTargetsByName)} {
				plans, errs = runRows(t, s, stockTargetsByName, 4, rows[:4])
				noErrors(t, errs)
				if got := fmt.Sprint(outcomes(plans)); got != "[unchanged unchanged unchanged unchanged]" {
					t.Fatalf("rerun %d: %s", i, got)
				}
			}
			if n := len(e.rec.sent("POST", "/stocks")); n != 3 {
				t.Fatalf("reruns posted: %d POST /stocks", n)
			}
		})
	}
}

func TestERPStockFixedWarehouseAndIDs(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	tg := erpTargets("ItemId:int", "Quantity:decimal", "Comment:string")
	s := e.open(pipeline.SinkSpec{Resource: "stocks", Warehouse: "Außenlager", Lookup: "index"}, tg)
	a1, _ := e.srv.ItemBySKU("A-1")
	a2, _ := e.srv.ItemBySKU("A-2")
	plans, errs := runRows(t, s, tg, 1, [][]any{{int64(a1.Id), erpDec("4"), "Inventur"}, {int64(a2.Id), erpDec("2"), nil}})
	noErrors(t, errs)
	if got := fmt.Sprint(outcomes(plans)); got != "[updated updated]" || plans[0].Key != fmt.Sprintf("item %d @ Außenlager", a1.Id) {
		t.Fatalf("%s %q", got, plans[0].Key)
	}
	if !e.srv.Stock(a1.Id, 2).Equal(erpDec("4")) || !e.srv.Stock(a2.Id, 2).Equal(erpDec("2")) || !e.srv.Stock(a1.Id, 1).Equal(erpDec("10")) {
		t.Fatal("stock not set in the fixed warehouse only")
	}
	// the index read only that warehouse's stock
	for _, r := range e.rec.sent("GET", "/stocks") {
		if !strings.Contains(r.Query, "warehouseId=2") {
			t.Errorf("GET /stocks?%s: not filtered by the warehouse", r.Query)
		}
	}
	changes := e.srv.StockChanges()
	if len(changes) != 2 || changes[0].Comment != "Inventur" {
		t.Fatalf("stock changes %+v", changes)
	}
	// a record for another warehouse than the fixed one fails
	tg2 := erpTargets("SKU:string", "WarehouseId:int", "Quantity:decimal")
	s2 := e.open(pipeline.SinkSpec{Resource: "stocks", Warehouse: "2"}, tg2)
	p := planAll(t, s2, tg2, 1, [][]any{{"A-1", int64(1), erpDec("1")}})
	if p[0].Outcome != pipeline.Failed {
		t.Fatalf("other warehouse: %v", p[0].Outcome)
	}
	s3 := e.open(pipeline.SinkSpec{Resource: "stocks", Warehouse: "Keller"}, tg)
	if _, err := s3.Plan(t.Context(), erpItem(tg, 2, []any{int64(a1.Id), erpDec("1"), nil})); err == nil || !strings.Contains(err.Error(), "Keller") {
		t.Fatalf("unknown sink.warehouse: %v", err)
	}
}

func TestERPStockAdjust(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	s := e.open(pipeline.SinkSpec{Resource: "stocks", Operation: "adjust"}, stockTargetsByName)
	plans, errs := runRows(t, s, stockTargetsByName, 1, [][]any{
		{"A-1", "Hauptlager", erpDec("5")},
		{"A-1", "Hauptlager", erpDec("-2")},
		{"A-2", "Hauptlager", erpDec("0")},
		{"A-2", "Hauptlager", erpDec("-100")}, // below zero: the Wawi refuses
	})
	if got := fmt.Sprint(outcomes(plans)); got != "[updated updated unchanged updated]" {
		t.Fatalf("outcomes %s", got)
	}
	if got := fmt.Sprint(plans[0].Changes, plans[1].Changes); got != "[{Quantity 10 15}] [{Quantity 15 13}]" {
		t.Errorf("changes %s", got)
	}
	noErrors(t, errs[:3])
	a1, _ := e.srv.ItemBySKU("A-1")
	if got := e.srv.Stock(a1.Id, 1); !got.Equal(erpDec("13")) {
		t.Fatalf("stock %s, want 13", got)
	}
	var fe *FieldError
	if !errors.As(errs[3], &fe) || fe.Column != "Bestand" || !strings.Contains(errs[3].Error(), "negative") {
		t.Fatalf("negative stock: %v", errs[3])
	}
}

// Lost answers of POST /stocks: the landed check reads the stock back, so
// nothing is posted twice and the stock ends exactly at the file's value.
func TestERPStockLostWrites(t *testing.T) {
	seed := erptest.Generate(erptest.GenConfig{Items: 60, Seed: 4})
	e := newERPEnvWith(t, seed, erpEnvOpts{validate: true, opts: erptest.Options{LostWriteRate: 0.4, FailRate: 0.1}})
	tg := erpTargets("SKU:string", "WarehouseId:int", "Quantity:decimal")
	var rows [][]any
	for i, it := range seed.Items {
		rows = append(rows, []any{it.SKU, int64(1 + i%2), erpDec(fmt.Sprintf("%d.5", 100+i))})
	}
	for run := 0; run < 2; run++ {
		s := e.open(pipeline.SinkSpec{Resource: "stocks"}, tg)
		posts := e.route("POST /stocks")
		plans, errs := runRows(t, s, tg, 8, rows)
		noErrors(t, errs)
		if run == 1 {
			if n := e.route("POST /stocks") - posts; n != 0 {
				t.Fatalf("second run posted %d times", n)
			}
			for _, p := range plans {
				if p.Outcome != pipeline.Unchanged {
					t.Fatalf("second run: %s %v %v", p.Key, p.Outcome, p.Changes)
				}
			}
		}
	}
	c := e.srv.Counters()
	if c.LostWrites() == 0 {
		t.Fatal("no write was lost: the test tests nothing")
	}
	items := map[string]int{}
	for _, it := range e.srv.Items() {
		items[it.SKU] = it.Id
	}
	for _, r := range rows {
		id := items[r[0].(string)]
		if got := e.srv.Stock(id, int(r[1].(int64))); !got.Equal(r[2].(decimal.Decimal)) {
			t.Errorf("%v: stock %s", r, got)
		}
	}
}

// A nightly stock file over the whole range: reads are a share of the index
// pages (items and stock), writes one POST per changed level.
func TestERPStockRequestsPerRecord(t *testing.T) {
	const n, pageSize = 500, 50
	seed := erptest.Generate(erptest.GenConfig{Items: n, Seed: 2})
	e := newERPEnvWith(t, seed, erpEnvOpts{validate: false, pageSize: pageSize})
	tg := erpTargets("SKU:string", "Quantity:decimal")
	var changed [][]any
	for _, it := range e.srv.Items() {
		cur := e.srv.Stock(it.Id, 1)
		changed = append(changed, []any{it.SKU, cur.Add(erpDec("1"))})
	}
	for _, c := range []struct {
		name   string
		rows   [][]any
		perRec float64
	}{
		{"changed", changed, 1 + 2.0/pageSize + 0.005},
		{"unchanged", changed, 2.0/pageSize + 0.005}, // the Wawi now holds the changed levels
	} {
		t.Run(c.name, func(t *testing.T) {
			s := e.open(pipeline.SinkSpec{Resource: "stocks", Warehouse: "1"}, tg)
			s.SizeHint(int64(len(c.rows)))
			st0 := e.c.Stats()
			_, errs := runRows(t, s, tg, 8, c.rows)
			noErrors(t, errs)
			st := e.c.Stats()
			req := st.Requests - st0.Requests
			per := float64(req) / float64(len(c.rows))
			t.Logf("%s: %d requests for %d records = %.4f per record (GET %d, POST %d)", c.name, req, len(c.rows), per,
				st.ByMethod["GET"]-st0.ByMethod["GET"], st.ByMethod["POST"]-st0.ByMethod["POST"])
			if per > c.perRec {
				t.Fatalf("%.4f requests per record, want <= %.4f", per, c.perRec)
			}
		})
	}
	for _, r := range changed {
		it, _ := e.srv.ItemBySKU(r[0].(string))
		if got := e.srv.Stock(it.Id, 1); !got.Equal(r[1].(decimal.Decimal)) {
			t.Fatalf("%s: %s, want %s", it.SKU, got, r[1])
		}
	}
}

// With a StorageLocationId target the level of that location is set; without
// one, the warehouse's level (summed over its locations).
func TestERPStockSetByLocation(t *testing.T) {
	seed := baseSeed()
	seed.Stock = append(seed.Stock, erptest.SeedStock{SKU: "A-1", WarehouseId: 1, StorageLocationId: 105, Quantity: erptest.D("4")})
	byLoc := erpTargets("SKU:string", "WarehouseId:int", "StorageLocationId:int", "Quantity:decimal")
	byWh := erpTargets("SKU:string", "WarehouseId:int", "Quantity:decimal")
	for _, mode := range []string{"index", "search"} {
		t.Run(mode, func(t *testing.T) {
			e := newERPEnv(t, seed)
			s := e.open(pipeline.SinkSpec{Resource: "stocks", Operation: "set", Lookup: mode}, byLoc)
			plans, errs := runRows(t, s, byLoc, 2, [][]any{
				{"A-1", int64(1), int64(105), erpDec("6")},  // 4 -> 6 in location 105
				{"A-1", int64(1), int64(100), erpDec("10")}, // the default location: unchanged
			})
			noErrors(t, errs)
			if got := fmt.Sprint(outcomes(plans), plans[0].Changes); got != "[updated unchanged] [{Quantity 4 6}]" {
				t.Fatalf("by location: %s", got)
			}
			a1, _ := e.srv.ItemBySKU("A-1")
			if got := e.srv.Stock(a1.Id, 1); !got.Equal(erpDec("16")) {
				t.Errorf("stock of A-1 in warehouse 1: %s, want 16", got)
			}
			s = e.open(pipeline.SinkSpec{Resource: "stocks", Operation: "set", Lookup: mode}, byWh)
			// one at a time: two rows for the same level, in file order
			plans, errs = runRows(t, s, byWh, 1, [][]any{{"A-1", int64(1), erpDec("16")}, {"A-1", int64(1), erpDec("20")}})
			noErrors(t, errs)
			if got := fmt.Sprint(outcomes(plans), plans[1].Changes); got != "[unchanged updated] [{Quantity 16 20}]" {
				t.Fatalf("by warehouse: %s", got)
			}
		})
	}
}

// A stock set needs two lists for its first record, the items by SKU and
// the stock levels: they load at once, not one after the other, and a
// stock list that cannot be read fails the records with its error.
func TestERPStockListsLoadTogether(t *testing.T) {
	const n, pageSize = 400, 20
	seed := erptest.Generate(erptest.GenConfig{Items: n, Seed: 3})
	tg := erpTargets("SKU:string", "Quantity:decimal")
	rowsOf := func(e *erpEnv) [][]any {
		var rows [][]any
		for _, it := range e.srv.Items() {
			rows = append(rows, []any{it.SKU, e.srv.Stock(it.Id, 1).Add(erpDec("1"))})
		}
		return rows
	}
	// listPage: a request for a page of the list at path (the probe, which
	// asks for one record to count them, is not one)
	listPage := func(r sentRequest, path string) bool {
		q, _ := url.ParseQuery(r.Query)
		return r.Method == "GET" && r.Path == path && q.Get("pageSize") != "1"
	}

	e := newERPEnvWith(t, seed, erpEnvOpts{validate: false, pageSize: pageSize, opts: erptest.Options{Latency: 5 * time.Millisecond}})
	rows := rowsOf(e)
	s := e.open(pipeline.SinkSpec{Resource: "stocks", Warehouse: "1"}, tg)
	s.SizeHint(int64(len(rows)))
	plans := planAll(t, s, tg, 8, rows)
	if got := fmt.Sprint(outcomes(plans)[:3]); got != "[updated updated updated]" {
		t.Fatalf("outcomes %s", got)
	}
	firstStocks, lastItems, items, stocks := -1, -1, 0, 0
	e.rec.mu.Lock()
	for i, r := range e.rec.reqs {
		switch {
		case listPage(r, "/items"):
			lastItems = i
			items++
		case listPage(r, "/stocks"):
			if firstStocks < 0 {
				firstStocks = i
			}
			stocks++
		}
	}
	e.rec.mu.Unlock()
	if items != n/pageSize || stocks < n/pageSize {
		t.Fatalf("%d item pages and %d stock pages, want %d of each", items, stocks, n/pageSize)
	}
	if firstStocks < 0 || firstStocks > lastItems {
		t.Errorf("the stock list was read after the item list (its first page request %d, the items' last %d): the lists load one after the other", firstStocks, lastItems)
	}

	// the stock list answers 403 from its second page on
	e = newERPEnvWith(t, seed, erpEnvOpts{validate: false, pageSize: pageSize})
	e.rec.next = failingPages{next: e.rec.next, path: erptest.BasePath + "/stocks"}
	s = e.open(pipeline.SinkSpec{Resource: "stocks", Warehouse: "1"}, tg)
	s.SizeHint(int64(len(rows)))
	for i, row := range rows[:5] {
		p, err := s.Plan(context.Background(), erpItem(tg, i+2, row))
		if err == nil && p != nil {
			err = p.Err
		}
		if err == nil || !strings.Contains(err.Error(), "403") || errors.Is(err, context.Canceled) {
			t.Fatalf("row %d: %v, want the stock list's 403", i+2, err)
		}
	}
}

// failingPages answers GET path from page 2 on 403 Forbidden.
type failingPages struct {
	next http.RoundTripper
	path string
}

func (f failingPages) RoundTrip(r *http.Request) (*http.Response, error) {
	if n, _ := strconv.Atoi(r.URL.Query().Get("pageNumber")); r.Method == "GET" && r.URL.Path == f.path && n > 1 {
		return &http.Response{StatusCode: http.StatusForbidden, Status: "403 Forbidden", Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(`{"Message":"forbidden"}`)), Request: r}, nil
	}
	return f.next.RoundTrip(r)
}
