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
// ETL_BENCH_SUPPLIER_ROWS, ETL_BENCH_LATENCY_MS and ETL_BENCH_CONCURRENCY
// change the scenario.

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
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
	for _, c := range []struct {
		name, job string
		writes    int64
	}{
		{"supplier data (update)", fmt.Sprintf(benchSupplierJob, hahn), int64(n)},
		{"group prices (2 per item)", fmt.Sprintf(benchPricesJob, prices), 2 * int64(n)},
	} {
		work := filepath.Join(dir, strings.Fields(c.name)[0])
		if err := os.MkdirAll(work, 0o755); err != nil {
			t.Fatal(err)
		}
		job := filepath.Join(work, "job.yaml")
		if err := os.WriteFile(job, []byte(c.job), 0o644); err != nil {
			t.Fatal(err)
		}
		r := runImport(t, bin, emu, job, work, conc, false)
		ideal := time.Duration(float64(pages+int64(n)+c.writes) * float64(latency) / float64(conc))
		fmt.Fprintf(&out, "%-26s %6d records: wall %6.1fs, ideal %6.1fs (%.2fx); plan %.1fs; %d requests (%.2f per item), %d writes, updated %d unchanged %d failed %d\n",
			c.name, r.summary.RecordsRead, r.wall.Seconds(), ideal.Seconds(), r.wall.Seconds()/ideal.Seconds(), r.firstWrite.Seconds(),
			r.requests, float64(r.requests)/float64(n), r.writes, r.summary.Updated, r.summary.Unchanged, r.summary.Failed)
		fmt.Fprintf(&out, "    by route: %s\n", routes(r.byRoute))
		if r.writes != c.writes || r.summary.Failed != 0 {
			t.Errorf("%s: %d writes, %d failed; want %d writes", c.name, r.writes, r.summary.Failed, c.writes)
		}
		if math.IsNaN(ideal.Seconds()) {
			t.Fatal("no ideal")
		}
	}
	t.Logf("items %d, latency %s, concurrency %d, page size %d\n%s", n, latency, conc, pageSize, out.String())
}
