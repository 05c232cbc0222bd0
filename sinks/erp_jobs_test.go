package sinks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/sources"
	"github.com/xuri/excelize/v2"
)

var registerERPJobTypes = sync.OnceFunc(func() {
	pipeline.AddSourceType(sources.CSV)
	pipeline.AddSourceType(sources.XLSX)
	pipeline.AddSinkType(ERP)
})

// jobServer is the emulator with the sample seed, as `etl emulator --seed
// samples/wawi-seed.json` serves it.
func erpJobServer(t *testing.T) (*erptest.Server, *erp.Client) {
	t.Helper()
	seed, err := erptest.LoadSeed("../samples/wawi-seed.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := erptest.NewServer(erptest.Options{Seed: seed, Validate: true, Rand: rand.New(rand.NewPCG(3, 4))})
	t.Cleanup(func() {
		srv.Close()
		for _, v := range srv.ContractViolations() {
			t.Errorf("contract violation: %s", v)
		}
	})
	c, err := erp.New(erp.Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client(), BackoffInitial: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func runERPJob(t *testing.T, c *erp.Client, file string, dry, force bool, state string) *pipeline.Summary {
	t.Helper()
	registerERPJobTypes()
	job, err := pipeline.LoadJob(file, pipeline.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lookups := erp.NewLookups(c)
	lookups.SetDryRun(dry) // categories the migration needs are not created by a dry run
	sum, err := pipeline.Run(context.Background(), job, pipeline.RunOptions{DryRun: dry, Force: force, Conn: c,
		Resolver: lookups, ReportDir: t.TempDir(), StateDir: state})
	if err != nil {
		t.Fatalf("%s: %v (%+v)", file, err, sum)
	}
	t.Logf("%s dry=%v: read %d created %d updated %d unchanged %d skipped %d failed %d, %d requests",
		file, dry, sum.RecordsRead, sum.Created, sum.Updated, sum.Unchanged, sum.Skipped, sum.Failed, sum.Requests)
	return sum
}

type erpCounts struct{ read, created, updated, unchanged, skipped, failed int64 }

func erpCountsOf(s *pipeline.Summary) erpCounts {
	return erpCounts{s.RecordsRead, s.Created, s.Updated, s.Unchanged, s.Skipped, s.Failed}
}

// The example jobs run against the emulator with the sample seed: a dry run
// writes nothing, the run writes what the dry run showed, and a second run
// finds nothing left to do.
func TestERPExampleJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the example jobs")
	}
	for _, c := range []struct {
		file        string
		first, next erpCounts
	}{
		// 36 records: the 11 SKUs the Wawi lacks are skipped, 2 rows fail
		// (a garbage purchase price, no SKU); 9 items have other prices in
		// the seed.
		{"../jobs/supplier-prices.yaml", erpCounts{36, 0, 9, 14, 11, 2}, erpCounts{36, 0, 0, 23, 11, 2}},
		// stock only fails the row without SKU; 7 levels differ (2 drop to 0).
		{"../jobs/supplier-stock.yaml", erpCounts{36, 0, 7, 17, 11, 1}, erpCounts{36, 0, 0, 24, 11, 1}},
		// 51 products: 2 rows refused (no name; price as text), 5 exist
		// already and get their descriptions, prices, categories.
		{"../jobs/catalog-migration.yaml", erpCounts{51, 44, 5, 0, 0, 2}, erpCounts{51, 0, 0, 49, 0, 2}},
		// 18 rows, 11 orders: MP-24006 has a row without quantity, MP-24007
		// an unknown customer and no e-mail to create one by, MP-24011 two
		// customers in its rows.
		{"../jobs/orders-lines.yaml", erpCounts{11, 8, 0, 0, 0, 3}, erpCounts{11, 0, 0, 8, 0, 3}},
	} {
		t.Run(c.file, func(t *testing.T) {
			srv, cl := erpJobServer(t)
			state := t.TempDir()
			dry := runERPJob(t, cl, c.file, true, false, state)
			if srv.Counters().Writes != 0 {
				t.Fatalf("the dry run wrote %d times", srv.Counters().Writes)
			}
			run := runERPJob(t, cl, c.file, false, false, state)
			if got := erpCountsOf(run); got != erpCountsOf(dry) || got != c.first {
				t.Errorf("run %+v, dry run %+v, want %+v", got, erpCountsOf(dry), c.first)
			}
			w := srv.Counters().Writes
			again := runERPJob(t, cl, c.file, false, true, state)
			if got := erpCountsOf(again); got != c.next {
				t.Errorf("second run %+v, want %+v", got, c.next)
			}
			if n := srv.Counters().Writes - w; n != 0 {
				t.Errorf("second run wrote %d times", n)
			}
			if d := srv.Counters().DuplicatesPrevented; d != 0 {
				t.Errorf("%d duplicates refused", d)
			}
		})
	}
}

// A file that names the same stock level (or item) more than once. With
// options.duplicates: last the last row wins however many run at once and
// however the answers are delayed; by default the conflicting rows fail
// together, each naming the others; identical rows are written once; and a
// second run of the same file writes nothing, with or without the journal.
func TestERPSameKeyTwice(t *testing.T) {
	registerERPJobTypes()
	seed, err := erptest.LoadSeed("../samples/wawi-seed.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("SKU;Lager;Menge;VK\n")
	// ACME-1001 @ Hauptlager three times, ACME-1002's price twice, others
	// between; ACME-1010 twice with the same values
	for i, sku := range []string{"ACME-1001", "ACME-1007", "ACME-1002", "ACME-1001", "ACME-1004", "ACME-1005", "ACME-1002", "ACME-1008", "ACME-1001"} {
		fmt.Fprintf(&csv, "%s;Hauptlager;%d;%d,50\n", sku, 10+i, 20+i)
	}
	csv.WriteString("ACME-1010;Hauptlager;77;99,50\nACME-1010;Hauptlager;77;99,50\n")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "in.csv"), []byte(csv.String()), 0o644))
	jobs := []struct{ name, body string }{
		{"stock", "mapping:\n  fields:\n    - {target: SKU, column: SKU}\n    - {target: Warehouse, column: Lager}\n    - {target: Quantity, column: Menge, type: decimal}\nsink: {type: erp, resource: stocks, operation: set}\n"},
		{"prices", "mapping:\n  decimal: comma\n  fields:\n    - {target: SKU, column: SKU}\n    - {target: ItemPriceData.SalesPriceNet, column: VK, type: decimal}\nsink: {type: erp, resource: items, operation: update}\n"},
	}
	for _, job := range jobs {
		must(os.WriteFile(filepath.Join(dir, job.name+".yaml"), []byte("source: {path: in.csv, delimiter: ';'}\noptions: {guardrails: {max_price_change: 'off', max_failed: 'off'}}\n"+job.body), 0o644))
	}
	run := func(c *erp.Client, name, mode, state string) *pipeline.Summary {
		t.Helper()
		var sets []string
		if mode != "" {
			sets = []string{"options.duplicates=" + mode}
		}
		job, err := pipeline.LoadJob(filepath.Join(dir, name+".yaml"), pipeline.LoadOptions{Sets: sets})
		must(err)
		sum, err := pipeline.Run(context.Background(), job, pipeline.RunOptions{Conn: c, Resolver: erp.NewLookups(c),
			ReportDir: filepath.Join(t.TempDir(), "r"), StateDir: state, Concurrency: 8})
		if err != nil {
			t.Fatalf("%s: %v %+v", name, err, sum)
		}
		return sum
	}
	for round := range 3 {
		srv := erptest.NewServer(erptest.Options{Seed: seed, Latency: 2 * time.Millisecond, Jitter: 2 * time.Millisecond, Rand: rand.New(rand.NewPCG(uint64(round), 9))})
		c, err := erp.New(erp.Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client(), Concurrency: 8})
		must(err)
		it1, _ := srv.ItemBySKU("ACME-1001")
		stock0 := srv.Stock(it1.Id, 1)
		for _, name := range []string{"stock", "prices"} {
			// by default: 5 rows of two keys fail, naming each other
			sum := run(c, name, "", t.TempDir())
			if sum.Failed != 5 || sum.Duplicates != 1 {
				t.Fatalf("%s, duplicates: error: %+v", name, sum)
			}
			book := readWorkbookRows(t, sum.ErrorWorkbook)
			if !strings.Contains(fmt.Sprint(book), "rows 5, 10 have the same key") {
				t.Errorf("%s: errors.xlsx does not name the other rows: %v", name, book)
			}
			sum = run(c, name, "last", t.TempDir())
			if sum.Failed != 0 || sum.Skipped != 3 || sum.Duplicates != 1 {
				t.Fatalf("%s, duplicates: last: %+v", name, sum)
			}
			// again, with a fresh journal: nothing left to write
			w := srv.Counters().Writes
			sum = run(c, name, "last", t.TempDir())
			if n := srv.Counters().Writes - w; n != 0 || sum.Created+sum.Updated != 0 {
				t.Errorf("%s: second run wrote %d times: %+v", name, n, sum)
			}
		}
		it1, _ = srv.ItemBySKU("ACME-1001")
		it2, _ := srv.ItemBySKU("ACME-1002")
		it3, _ := srv.ItemBySKU("ACME-1010")
		if got := srv.Stock(it1.Id, 1); !got.Equal(erptest.D("18").Decimal) {
			t.Errorf("round %d: ACME-1001 in Hauptlager: %s (was %s), want 18 (the last row)", round, got, stock0)
		}
		if got := it2.ItemPriceData.SalesPriceNet; !got.Equal(erptest.D("26.5")) {
			t.Errorf("round %d: ACME-1002 sales price %s, want 26.50 (the last row)", round, got)
		}
		if got := srv.Stock(it3.Id, 1); !got.Equal(erptest.D("77").Decimal) {
			t.Errorf("round %d: ACME-1010 in Hauptlager: %s, want 77", round, got)
		}
		srv.Close()
	}
}

// readWorkbookRows reads the first sheet of a workbook as text.
func readWorkbookRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
