package bench

// The supplier import benchmark: N items (20,000), each with Hahn's supplier
// data (every purchase price changed) and two new customer group prices
// from a wide list (unpivoted), imported into the emulator at 20 ms per
// request by the CLI, against the latency-bound ideal
//
//	(index pages + one list GET per item + writes) × latency / concurrency
//
// per job (pass 1 reads every item's list once; pass 2 plans against what
// pass 1 read and writes). It runs only with ETL_BENCH=1:
//
//	ETL_BENCH=1 go test -run TestSupplierImportBenchmark -v -timeout 30m ./bench/
//
// Each job runs twice against the same emulator: every record changed,
// then again with --force when nothing changes (reads only). Per run it
// prints wall time against the ideal (target ≤ 1.15×), peak RSS (`etl run`
// through bench/maxrss, target ≤ 250 MB), CPU, and requests per record
// against (reads + writes + ε) / records; a bare erp.Client sending the
// same requests shows what the machine makes of the ideal.
//
// ETL_BENCH_SUPPLIER_ROWS, ETL_BENCH_SUPPLIER_JOBS (data,prices),
// ETL_BENCH_LATENCY_MS and ETL_BENCH_CONCURRENCY change the scenario;
// ETL_BENCH_STRICT=1 fails the test when a target is missed.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp"
)

func writeSupplierFiles(t *testing.T, dir string, n int) (seed, supplierCSV, pricesCSV string) {
	t.Helper()
	seed, supplierCSV, pricesCSV = filepath.Join(dir, "seed.json"), filepath.Join(dir, "hahn.csv"), filepath.Join(dir, "preise.csv")
	files := make([]*os.File, 3)
	ws := make([]*bufio.Writer, 3)
	for i, p := range []string{seed, supplierCSV, pricesCSV} {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		files[i], ws[i] = f, bufio.NewWriterSize(f, 1<<16)
	}
	sw, hw, pw := ws[0], ws[1], ws[2]
	sw.WriteString(`{"suppliers":[{"Id":1,"Name":"Hahn","SupplierNo":"L-1"}],` +
		`"customerGroups":[{"Id":1,"Name":"Endkunden","IsDefault":true},{"Id":2,"Name":"Händler"},{"Id":3,"Name":"Großkunden"}],` + "\n" + `"items":[` + "\n")
	for i := range n {
		if i > 0 {
			sw.WriteString(",\n")
		}
		fmt.Fprintf(sw, `{"Id":%d,"SKU":"S-%06d","Name":"Artikel %d"}`, i+1, i, i)
	}
	sw.WriteString("],\n" + `"itemSuppliers":[` + "\n")
	hw.WriteString("Artikelnummer;Lief.-Art.-Nr.;EK netto\n")
	pw.WriteString("Artikelnummer;Händler ab 1;Großkunden ab 10\n")
	for i := range n {
		if i > 0 {
			sw.WriteString(",\n")
		}
		ek := int64(100 + i%5000)
		fmt.Fprintf(sw, `{"ItemId":%d,"SupplierId":1,"Sku":"HW-%06d","PurchasePriceNet":%s}`, i+1, i, cents(ek, '.'))
		fmt.Fprintf(hw, "S-%06d;HW-%06d;%s\n", i, i, cents(ek*103/100, ','))
		fmt.Fprintf(pw, "S-%06d;%s;%s\n", i, cents(ek*2, ','), cents(ek*18/10, ','))
	}
	sw.WriteString("]}\n")
	for i := range ws {
		if err := ws[i].Flush(); err != nil {
			t.Fatal(err)
		}
		if err := files[i].Close(); err != nil {
			t.Fatal(err)
		}
	}
	return seed, supplierCSV, pricesCSV
}

const benchSupplierJob = `name: bench-supplier-data
source: {type: csv, path: %s, delimiter: ";"}
mapping:
  decimal: comma
  lookups:
    lieferant: {erp: suppliers}
  fields:
    - {target: Item.SKU, column: Artikelnummer}
    - {target: SupplierId, value: Hahn, lookup: lieferant, type: int}
    - {target: Sku, column: Lief.-Art.-Nr.}
    - {target: PurchasePriceNet, column: EK netto, type: decimal}
sink: {type: erp, resource: items/suppliers, operation: update}
`

const benchPricesJob = `name: bench-group-prices
source:
  type: csv
  path: %s
  delimiter: ";"
  unpivot: {columns: '^(?P<Gruppe>.+) ab (?P<Menge>\d+)$', value: Preis}
mapping:
  decimal: comma
  lookups:
    gruppe: {erp: customerGroups}
  fields:
    - {target: Item.SKU, column: Artikelnummer}
    - {target: SalesChannelId, value: "1-1-1"}
    - {target: CustomerGroupId, column: Gruppe, lookup: gruppe, type: int}
    - {target: FromQuantity, column: Menge, type: int}
    - {target: NetPrice, column: Preis, type: decimal}
sink: {type: erp, resource: items/salesChannelPrices}
`

func TestSupplierImportBenchmark(t *testing.T) {
	if os.Getenv("ETL_BENCH") == "" {
		t.Skip("set ETL_BENCH=1; takes a few minutes")
	}
	n := envInt("ETL_BENCH_SUPPLIER_ROWS", 20_000)
	latency := time.Duration(envInt("ETL_BENCH_LATENCY_MS", 20)) * time.Millisecond
	conc := envInt("ETL_BENCH_CONCURRENCY", 16)
	dir := t.TempDir()
	bin := impBuild(t, dir)
	seed, hahn, prices := writeSupplierFiles(t, dir, n)
	emu := startEmulator(t, bin, seed, latency)
	pageSize := int64(erp.DefaultPageSize)
	pages := (int64(n) + pageSize - 1) / pageSize
	var out strings.Builder
	pr := func(format string, a ...any) { fmt.Fprintf(&out, format, a...) }
	pr("\nsupplier import: %d items, %v per request, concurrency %d, pages of %d, %d cores\n", n, latency, conc, pageSize, runtime.NumCPU())
	pr("%-52s %8s %8s %8s %6s %-7s %7s %8s %7s  %-17s\n", "", "wall", "planning", "ideal", "ratio", "≤ 1.15", "RSS", "≤ 250MB", "CPU", "req/rec ≤ bound")
	missed := false
	eps := float64(impFixed)
	jobs := orDefault(os.Getenv("ETL_BENCH_SUPPLIER_JOBS"), "data,prices")
	for _, c := range []struct {
		kind, name, job string
		records         int64 // per run: the prices are unpivoted, two records per item
		writes          int64 // all changed
	}{
		{"data", "supplier data (update)", fmt.Sprintf(benchSupplierJob, hahn), int64(n), int64(n)},
		{"prices", "group prices (2 per item)", fmt.Sprintf(benchPricesJob, prices), 2 * int64(n), 2 * int64(n)},
	} {
		if !slices.Contains(strings.Split(jobs, ","), c.kind) {
			continue
		}
		work := filepath.Join(dir, strings.Fields(c.name)[0])
		if err := os.MkdirAll(work, 0o755); err != nil {
			t.Fatal(err)
		}
		job := filepath.Join(work, "job.yaml")
		if err := os.WriteFile(job, []byte(c.job), 0o644); err != nil {
			t.Fatal(err)
		}
		changed := runImport(t, bin, emu, job, work, conc, false)
		same := runImport(t, bin, emu, job, work, conc, true)
		floor := measureSupplierFloor(t, bin, seed, latency, conc, c.kind == "prices")
		if changed.writes != c.writes || changed.summary.Failed != 0 || changed.summary.Created+changed.summary.Updated != c.records {
			t.Errorf("%s: %d writes, %d created, %d updated, %d failed; want %d writes", c.name, changed.writes,
				changed.summary.Created, changed.summary.Updated, changed.summary.Failed, c.writes)
		}
		if same.writes != 0 || same.summary.Unchanged != c.records {
			t.Errorf("%s again: %d writes, %d unchanged; want 0 writes, %d unchanged", c.name, same.writes, same.summary.Unchanged, c.records)
		}
		// reads the data requires: the item index's pages and one list
		// GET per item (its suppliers or its prices); writes: one per
		// record that changed
		reads := pages + int64(n)
		for _, r := range []struct {
			what   string
			run    impRun
			writes int64
		}{{"every record changed", changed, c.writes}, {"nothing changed (--force)", same, 0}} {
			ideal := time.Duration(float64(reads+r.writes) * float64(latency) / float64(conc))
			ratio := r.run.wall.Seconds() / ideal.Seconds()
			perRec := float64(r.run.requests) / float64(c.records)
			bound := (float64(reads+r.writes) + eps) / float64(c.records)
			okT, okM, okR := ratio <= 1.15, r.run.rssMB <= 250, perRec <= bound
			missed = missed || !okT || !okM || !okR
			pr("%-52s %7.2fs %7.2fs %7.2fs %6.2f %-7s %4.0f MB %-8s %6.2fs  %6.4f ≤ %6.4f %s\n", c.name+", "+r.what,
				r.run.wall.Seconds(), r.run.firstWrite.Seconds(), ideal.Seconds(), ratio, mark(okT), r.run.rssMB, mark(okM),
				r.run.cpu.Seconds(), perRec, bound, mark(okR))
			pr("    requests %d (%.2f per item), writes %d; by route: %s; emulator CPU %.2fs\n", r.run.requests,
				float64(r.run.requests)/float64(n), r.run.writes, allRoutes(r.run.byRoute), r.run.emuCPU.Seconds())
			if r.what == "every record changed" {
				pr("    bare client, the same requests: %.2fs (%.2f× the ideal; the import %.2f× that), CPU %.2fs (the import %.2f× that)\n",
					floor.wall.Seconds(), floor.wall.Seconds()/ideal.Seconds(), r.run.wall.Seconds()/floor.wall.Seconds(),
					floor.cpu.Seconds(), r.run.cpu.Seconds()/math.Max(floor.cpu.Seconds(), 0.01))
				headline(t, "import %-16s %6.2f× its ideal (≤ 1.15 %s), %d items at %v; %.0f MB (≤ 250 MB %s); %.4f requests per record",
					strings.Fields(c.name)[0]+" "+strings.Fields(c.name)[1], ratio, mark(okT), n, latency, r.run.rssMB, mark(okM), perRec)
			}
		}
	}
	pr("  ideal: (reads + writes) × %v / %d, reads = the %d pages of the item index + one list GET per item\n"+
		"    (GET /items/{id}/suppliers or /salesChannelPrices, read once per run and shared by the item's records),\n"+
		"    writes = one PATCH or POST per changed record; the lookups (/suppliers, /customerGroups) and the size\n"+
		"    probe are the ε of the bound (%d requests per run)\n", latency, conc, pages, impFixed)
	pr("  planning: until the emulator saw the first write (±50 ms); a run with nothing changed writes nothing, so it has none\n")
	pr("  RSS: peak of `etl run` (bench/maxrss); CPU: its user + system time\n")
	pr("  bare client: an erp.Client in this process against a fresh emulator: the item pages %d at a time, then one\n"+
		"    list GET per item and the writes, %d in flight each; what this machine makes of the ideal\n", conc, conc)
	fmt.Print(out.String())
	if missed && os.Getenv("ETL_BENCH_STRICT") != "" {
		t.Errorf("a target was missed")
	}
}

// supplierFloor is a bare client's run of the same requests.
type supplierFloor struct{ wall, cpu time.Duration }

// measureSupplierFloor sends what the supplier data (or, with prices, the
// group prices) import sends, from a bare erp.Client against a fresh
// emulator: the item pages conc at a time, one list GET per item (its
// records decoded, as a client must to compare them), then the writes; conc
// in flight. cpu is this process's user + system time meanwhile.
func measureSupplierFloor(t *testing.T, bin, seed string, latency time.Duration, conc int, prices bool) supplierFloor {
	t.Helper()
	emu := startEmulator(t, bin, seed, latency)
	defer emu.stop()
	c, err := erp.New(erp.Config{BaseURL: emu.base, APIKey: impDemoKey, Concurrency: conc})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	cpu0, start := selfCPU(), time.Now()
	var ids []int64
	for rec, err := range c.List(ctx, "/items", nil, erp.PageOptions{Parallel: conc}) {
		if err != nil {
			t.Fatal(err)
		}
		id, _ := rec["Id"].(json.Number).Int64()
		ids = append(ids, id)
	}
	each := func(f func(id int64) error) {
		work := make(chan int64)
		var wg sync.WaitGroup
		var once sync.Once
		var ferr error
		for range conc {
			wg.Go(func() {
				for id := range work {
					if err := f(id); err != nil {
						once.Do(func() { ferr = err })
					}
				}
			})
		}
		for _, id := range ids {
			work <- id
		}
		close(work)
		wg.Wait()
		if ferr != nil {
			t.Fatal(ferr)
		}
	}
	list := "/items/%d/suppliers"
	if prices {
		list = "/items/%d/salesChannelPrices"
	}
	each(func(id int64) error {
		for _, err := range c.List(ctx, fmt.Sprintf(list, id), nil, erp.PageOptions{}) {
			if err != nil {
				return err
			}
		}
		return nil
	})
	q := url.Values{erp.QueryDisableWorkflows: {"true"}}
	each(func(id int64) error {
		ek := int64(100 + (id-1)%5000) // writeSupplierFiles' price of item id
		if !prices {
			body := fmt.Sprintf(`{"PurchasePriceNet":%s}`, cents(ek*103/100, '.'))
			return c.Patch(ctx, fmt.Sprintf("/items/%d/suppliers/1", id), q, []byte(body), nil)
		}
		for _, b := range []string{
			fmt.Sprintf(`{"SalesChannelId":"1-1-1","CustomerGroupId":2,"FromQuantity":1,"NetPrice":%s}`, cents(ek*2, '.')),
			fmt.Sprintf(`{"SalesChannelId":"1-1-1","CustomerGroupId":3,"FromQuantity":10,"NetPrice":%s}`, cents(ek*18/10, '.')),
		} {
			if err := c.Post(ctx, fmt.Sprintf("/items/%d/salesChannelPrices", id), q, []byte(b), nil, nil); err != nil {
				return err
			}
		}
		return nil
	})
	return supplierFloor{wall: time.Since(start), cpu: selfCPU() - cpu0}
}
