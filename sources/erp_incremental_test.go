package sources

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
)

// createOrder adds an order through the API, as a shop would.
func createOrder(t *testing.T, c *erp.Client, at time.Time, company string) string {
	t.Helper()
	body := map[string]any{"CompanyId": 1, "CustomerId": 1, "SalesOrderDate": at.Format(time.RFC3339Nano),
		"BillingAddress": map[string]any{"Company": company, "LastName": "Muster", "City": "Köln", "CountryIso": "DE"}}
	var out struct {
		Id     int
		Number string
	}
	if err := c.Post(context.Background(), "/salesOrders", nil, body, &out, nil); err != nil {
		t.Fatal(err)
	}
	lines := []map[string]any{{"SKU": "SKU-000001", "Quantity": 2, "SalesPriceGross": 5.95}}
	if err := c.Post(context.Background(), "/salesOrders/"+strconv.Itoa(out.Id)+"/lineitems", nil, lines, nil, nil); err != nil {
		t.Fatal(err)
	}
	return out.Number
}

type incRun struct {
	numbers []string
	rows    int
	params  map[string]string
}

// runInc reads the whole source and commits, as the runner does after the
// sink committed; commit=false plays a run whose sink failed.
func runInc(t *testing.T, env *pipeline.Env, spec pipeline.SourceSpec, commit bool) incRun {
	t.Helper()
	src := openSource(t, spec, env)
	defer src.Close()
	var r incRun
	seen := map[string]bool{}
	for _, rec := range drain(t, src) {
		r.rows++
		if n := get(t, rec, "Number"); !seen[n] {
			seen[n] = true
			r.numbers = append(r.numbers, n)
		}
	}
	r.params = params(src.Parameters())
	if commit {
		if err := src.Commit(); err != nil {
			t.Fatal(err)
		}
		if err := src.Commit(); err != nil { // idempotent
			t.Fatal(err)
		}
	}
	return r
}

func readWM(t *testing.T, env *pipeline.Env) *Watermark {
	t.Helper()
	w, err := ReadWatermark(WatermarkPath(env.StateDir, env.JobName))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestERPSourceIncremental(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: testSeed(120)})
	defer srv.Close()
	c := newClient(t, srv.URL)
	env := testEnv(t, c)
	spec := pipeline.SourceSpec{Resource: "salesOrders", Include: "lineitems", PageSize: 10,
		Incremental: &pipeline.IncrementalSpec{Field: "createdSince", Key: "Id"}}

	// run 1: everything; the watermark is the newest order and its id
	r1 := runInc(t, env, spec, true)
	all := srv.Orders()
	if len(r1.numbers) != len(all) {
		t.Fatalf("first run: %d orders, want %d", len(r1.numbers), len(all))
	}
	if r1.params["Incremental since"] != "none (first run)" {
		t.Errorf("parameters: %v", r1.params)
	}
	newest := all[0]
	for _, o := range all {
		if o.SalesOrderDate.After(newest.SalesOrderDate.Time) {
			newest = o
		}
	}
	w := readWM(t, env)
	if w == nil || !w.Last.Equal(newest.SalesOrderDate.Time) || !slices.Equal(w.IDs, []string{strconv.Itoa(newest.Id)}) ||
		w.Field != "createdSince" || w.DateField != "SalesOrderDate" || w.Key != "Id" || w.Documents != len(all) {
		t.Fatalf("watermark %+v, want %v and id %d", w, newest.SalesOrderDate, newest.Id)
	}

	// new orders: one in the very instant of the watermark (created after the
	// first run), two later, and one back-dated before the watermark
	boundary := createOrder(t, c, newest.SalesOrderDate.Time, "Same instant")
	later1 := createOrder(t, c, newest.SalesOrderDate.Add(time.Minute), "Later")
	later2 := createOrder(t, c, newest.SalesOrderDate.Add(time.Minute), "Later too")
	createOrder(t, c, newest.SalesOrderDate.Add(-time.Hour), "Back-dated")

	// run 2: exactly the new ones at or after the watermark, none twice
	r2 := runInc(t, env, spec, true)
	if want := []string{boundary, later1, later2}; !slices.Equal(r2.numbers, want) {
		t.Fatalf("second run exported %v, want %v", r2.numbers, want)
	}
	if r2.rows != 3 {
		t.Errorf("%d rows for three orders of one line each", r2.rows)
	}
	if !strings.Contains(r2.params["Incremental since"], "(1 already exported at that instant)") {
		t.Errorf("parameters: %v", r2.params)
	}
	w2 := readWM(t, env)
	if !w2.Last.Equal(newest.SalesOrderDate.Add(time.Minute)) || len(w2.IDs) != 2 {
		t.Errorf("watermark after run 2: %+v", w2)
	}

	// run 3: nothing new; the watermark stays
	if r3 := runInc(t, env, spec, true); len(r3.numbers) != 0 {
		t.Errorf("third run exported %v", r3.numbers)
	}
	if w3 := readWM(t, env); !w3.Last.Equal(w2.Last) || !slices.Equal(w3.IDs, w2.IDs) || !w3.Committed.Equal(w2.Committed) {
		t.Errorf("an empty run moved the watermark: %+v → %+v", w2, w3)
	}

	// another order in the same instant as the last ones: exported, and the
	// ids at that instant accumulate
	same := createOrder(t, c, w2.Last, "Same instant again")
	if r4 := runInc(t, env, spec, true); !slices.Equal(r4.numbers, []string{same}) {
		t.Errorf("fourth run exported %v, want %s", r4.numbers, same)
	}
	if w4 := readWM(t, env); !w4.Last.Equal(w2.Last) || len(w4.IDs) != 3 {
		t.Errorf("watermark after run 4: %+v", w4)
	}

	// a failed run (no Commit) leaves the watermark: the next run exports
	// the same orders again
	lost := createOrder(t, c, w2.Last.Add(time.Hour), "Failed run")
	if r := runInc(t, env, spec, false); !slices.Equal(r.numbers, []string{lost}) {
		t.Fatalf("run exported %v", r.numbers)
	}
	if r := runInc(t, env, spec, true); !slices.Equal(r.numbers, []string{lost}) {
		t.Errorf("after a failed run the next exported %v, want %s again", r.numbers, lost)
	}

	// --full ignores the watermark and exports everything, and never moves
	// it backwards
	full := *env
	full.Full = true
	rf := runInc(t, &full, spec, true)
	if len(rf.numbers) != len(srv.Orders()) || !strings.HasPrefix(rf.params["Incremental since"], "ignored (--full)") {
		t.Errorf("--full exported %d of %d orders; %v", len(rf.numbers), len(srv.Orders()), rf.params)
	}
	if wf := readWM(t, env); !wf.Last.Equal(w2.Last.Add(time.Hour)) {
		t.Errorf("watermark after --full: %+v", wf)
	}
	// a --full run of an older period leaves it too
	old := pipeline.SourceSpec{Resource: "salesOrders", Filters: lastMonth(), Incremental: spec.Incremental}
	runInc(t, &full, old, true)
	if wf := readWM(t, env); !wf.Last.Equal(w2.Last.Add(time.Hour)) {
		t.Errorf("watermark after --full of May: %+v", wf)
	}

	// a dry run never writes it
	dry := *env
	dry.DryRun = true
	createOrder(t, c, w2.Last.Add(2*time.Hour), "Dry")
	before, _ := os.ReadFile(WatermarkPath(env.StateDir, env.JobName))
	runInc(t, &dry, spec, true)
	if after, _ := os.ReadFile(WatermarkPath(env.StateDir, env.JobName)); string(after) != string(before) {
		t.Error("a dry run moved the watermark")
	}
}

// The period filter and the watermark combine: the later of the two wins.
func TestERPSourceIncrementalWithPeriod(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: testSeed(200)})
	defer srv.Close()
	c := newClient(t, srv.URL)
	env := testEnv(t, c)
	spec := pipeline.SourceSpec{Resource: "salesOrders", Filters: lastMonth(), Incremental: &pipeline.IncrementalSpec{Field: "createdSince"}}
	r1 := runInc(t, env, spec, true)
	if len(r1.numbers) != len(inMay(srv)) {
		t.Fatalf("%d orders, want %d", len(r1.numbers), len(inMay(srv)))
	}
	w := readWM(t, env)
	if !w.Last.Equal(juneFrom.Add(-100 * time.Nanosecond)) {
		t.Errorf("watermark %v, want the last order of May", w.Last)
	}
	// an order of late May that arrived after the export, and one of June
	late := createOrder(t, c, juneFrom.Add(-time.Hour), "Late May")
	createOrder(t, c, juneFrom.Add(time.Hour), "June")
	if r2 := runInc(t, env, spec, true); len(r2.numbers) != 0 {
		// late May is before the watermark (31 May 23:59:59.9999999): an
		// order inserted with an older date is not exported again; see
		// Watermark
		t.Errorf("second run exported %v (late %s)", r2.numbers, late)
	}
}

func TestERPSourceIncrementalStateErrors(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1/api")
	env := testEnv(t, c)
	spec := pipeline.SourceSpec{Resource: "salesOrders", Incremental: &pipeline.IncrementalSpec{Field: "createdSince"}}
	path := WatermarkPath(env.StateDir, env.JobName)
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenERP(context.Background(), &spec, env); err == nil || !strings.Contains(err.Error(), "--full") {
		t.Errorf("broken watermark: %v", err)
	}
	if err := writeWatermark(path, &Watermark{Resource: "items", DateField: "Changed", Key: "Id"}); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenERP(context.Background(), &spec, env); err == nil || !strings.Contains(err.Error(), "written for items") {
		t.Errorf("foreign watermark: %v", err)
	}
	noName := *env
	noName.JobName = ""
	if _, err := OpenERP(context.Background(), &spec, &noName); err == nil || !strings.Contains(err.Error(), "job name") {
		t.Errorf("no job name: %v", err)
	}
	// etl validate checks the spec without a job name or a connection
	check := pipeline.Env{DryRun: true}
	if _, err := OpenERP(context.Background(), &spec, &check); err != nil {
		t.Errorf("checking an incremental job: %v", err)
	}
	// items: changedSince on Changed is known; customers need a date field
	items := pipeline.SourceSpec{Resource: "items", Incremental: &pipeline.IncrementalSpec{Field: "changedSince"}}
	fresh := testEnv(t, c)
	src := openSource(t, items, fresh)
	if src.inc.date != "Changed" || src.inc.key != "Id" {
		t.Errorf("items incremental: %+v", src.inc)
	}
	if WatermarkPath("/s", "a/b:c") != "/s/a_b_c.watermark.json" {
		t.Error(WatermarkPath("/s", "a/b:c"))
	}
}
