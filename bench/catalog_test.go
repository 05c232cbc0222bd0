package bench

// The catalog benchmark (issue 13, item 10): N products (10,000), each one
// record of an items import with its parts, imported by the CLI into the
// emulator at 20 ms per request, three runs against one emulator:
//
//	create    every product new: the item's POST, then each part's writes
//	update    every product's English text changed: one PATCH per product
//	again     the same file with --force: nothing changes, nothing written
//
// Each run's wall time is set against the latency-bound ideal
//
//	(reads + writes) × latency / concurrency
//
// counting what a run cannot do without: the pages of the items index
// (plus its one-record probe), one GET /salesChannels, one GET of an
// existing product's texts per product (the planning pass reads it, the
// writing pass plans against what it read), and the writes (one per item
// created or changed, one per text created or changed). The index pages are
// counted like every other request, although the client fetches them
// several at a time. Also printed: requests per product (the emulator's
// count, which includes retries and lookups), the routes, and the peak RSS
// of `etl run` (bench/maxrss), and the CPU time of etl and of the emulator
// (on a loaded machine, what they wait for their share of it shows in the
// wall time).
//
//	ETL_BENCH=1 go test -run TestCatalogBenchmark -v -timeout 30m ./bench/
//
// ETL_BENCH_CATALOG_ROWS, ETL_BENCH_LATENCY_MS, ETL_BENCH_CONCURRENCY and
// ETL_BENCH_CATALOG_PARTS (texts; a comma list, for the parts this branch
// knows, see catalogParts) change the scenario.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp"
)

// catalogPart is a part of the product the benchmark can add: its columns,
// its mapping lines and what it costs per product.
type catalogPart struct {
	columns []string
	cells   func(i int, changed bool) []string
	fields  string // mapping lines, indented for the job
	// per product: writes when it is new, writes when the update run
	// changes it, and reads when the product exists
	createWrites, updateWrites, reads int64
}

// catalogParts are the parts by name. Images and variants are added here
// as they land (their columns, mapping and per-product costs).
var catalogParts = map[string]catalogPart{
	// German and English texts: name, short description, HTML description.
	"texts": {
		columns: []string{"Name_de", "Kurz_de", "Beschreibung_de", "Name_en", "Kurz_en", "Beschreibung_en"},
		cells: func(i int, changed bool) []string {
			en := fmt.Sprintf("<p>Combination pliers %d mm by Knipex – chrome-plated.</p><ul><li>chrome-plated</li><li>multi-component grips</li><li>induction-hardened cutting edges</li><li>for soft and hard wire up to %d mm</li></ul>", 100+i%200, 1+i%4)
			if changed {
				en += "<p>New: now with a lifetime warranty.</p>"
			}
			return []string{fmt.Sprintf("Kombizange %d", i), "verchromt, Mehrkomponenten-Griffe",
				fmt.Sprintf("<p>Kombizange %d mm von Knipex – verchromt.</p><ul><li>verchromt</li><li>Mehrkomponenten-Griffe</li><li>induktiv gehärtete Schneiden</li><li>für weiche und harte Drähte bis %d mm</li></ul>", 100+i%200, 1+i%4),
				fmt.Sprintf("Combination pliers %d", i), "chrome-plated, multi-component grips", en}
		},
		fields: `    - {target: Descriptions.de.Name, column: Name_de}
    - {target: Descriptions.de.ShortDescription, column: Kurz_de}
    - {target: Descriptions.de.Description, column: Beschreibung_de}
    - {target: Descriptions.en.Name, column: Name_en}
    - {target: Descriptions.en.ShortDescription, column: Kurz_en}
    - {target: Descriptions.en.Description, column: Beschreibung_en}
`,
		createWrites: 2, updateWrites: 1, reads: 1,
	},
}

const benchCatalogJob = `name: bench-catalog
source: {type: csv, path: %s, delimiter: ";"}
mapping:
  decimal: comma
  fields:
    - {target: SKU, column: Artikelnummer}
    - {target: Name, column: Artikelname}
    - {target: "Categories[0].CategoryId", value: "1", type: int}
    - {target: ItemPriceData.SalesPriceNet, column: Preis, type: decimal}
%ssink: {type: erp, resource: items, operation: upsert}
`

// writeCatalogFiles writes the seed (an empty Wawi with one category) and
// the product file; changed alters what the update run changes.
func writeCatalogFiles(t *testing.T, dir string, n int, parts []string, changed bool) (seed, csvPath string) {
	t.Helper()
	seed, csvPath = filepath.Join(dir, "seed.json"), filepath.Join(dir, fmt.Sprintf("catalog-%v.csv", changed))
	if err := os.WriteFile(seed, []byte(`{"categories":[{"Id":1,"Name":"Werkzeug"}]}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	header := []string{"Artikelnummer", "Artikelname", "Preis"}
	for _, p := range parts {
		header = append(header, catalogParts[p].columns...)
	}
	w.WriteString(strings.Join(header, ";") + "\n")
	for i := range n {
		cells := []string{fmt.Sprintf("P-%06d", i), fmt.Sprintf("Kombizange %d", i), cents(int64(990+i%5000), ',')}
		for _, p := range parts {
			cells = append(cells, catalogParts[p].cells(i, changed)...)
		}
		w.WriteString(strings.Join(cells, ";") + "\n")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return seed, csvPath
}

func TestCatalogBenchmark(t *testing.T) {
	if os.Getenv("ETL_BENCH") == "" {
		t.Skip("set ETL_BENCH=1; takes a few minutes")
	}
	n := envInt("ETL_BENCH_CATALOG_ROWS", 10_000)
	latency := time.Duration(envInt("ETL_BENCH_LATENCY_MS", 20)) * time.Millisecond
	conc := envInt("ETL_BENCH_CONCURRENCY", 16)
	parts := strings.Split(orDefault(os.Getenv("ETL_BENCH_CATALOG_PARTS"), "texts"), ",")
	var fields string
	var per catalogPart
	for _, p := range parts {
		cp, ok := catalogParts[p]
		if !ok {
			t.Fatalf("ETL_BENCH_CATALOG_PARTS: no part %q here (known: %s)", p, strings.Join(slices.Sorted(maps.Keys(catalogParts)), ", "))
		}
		fields += cp.fields
		per.createWrites += cp.createWrites
		per.updateWrites += cp.updateWrites
		per.reads += cp.reads
	}
	dir := t.TempDir()
	bin := impBuild(t, dir)
	seed, first := writeCatalogFiles(t, dir, n, parts, false)
	_, second := writeCatalogFiles(t, dir, n, parts, true)
	emu := startEmulator(t, bin, seed, latency)
	load0 := loadAvg()

	pages := (int64(n) + int64(erp.DefaultPageSize) - 1) / int64(erp.DefaultPageSize)
	var out strings.Builder
	for _, c := range []struct {
		name         string
		file         string
		force        bool
		reads        int64 // beyond the index and the sales channels
		writes       int64
		created, upd int64
	}{
		// new products: the index is empty (its probe), no part has
		// anything to read
		{"create", first, false, 0, int64(n) * (1 + per.createWrites), int64(n), 0},
		{"update", second, false, int64(n) * per.reads, int64(n) * per.updateWrites, 0, int64(n)},
		{"again", second, true, int64(n) * per.reads, 0, 0, 0},
	} {
		work := filepath.Join(dir, c.name)
		if err := os.MkdirAll(work, 0o755); err != nil {
			t.Fatal(err)
		}
		job := filepath.Join(work, "job.yaml")
		if err := os.WriteFile(job, []byte(fmt.Sprintf(benchCatalogJob, c.file, fields)), 0o644); err != nil {
			t.Fatal(err)
		}
		r := runImport(t, bin, emu, job, work, conc, c.force)
		created := readCreated(t, filepath.Join(work, "reports", "summary.json"))
		index := 1 + pages // the probe and the pages
		if c.name == "create" {
			index = 1 // an empty Wawi: its probe
		}
		reads := index + 1 + c.reads // + GET /salesChannels
		ideal := time.Duration(float64(reads+c.writes) * float64(latency) / float64(conc))
		fmt.Fprintf(&out, "%-7s %6d products: wall %6.1fs, ideal %6.1fs (%.2fx) [%d reads + %d writes]; plan %.1fs; %d requests (%.2f per product), %d writes; created %d updated %d unchanged %d failed %d; peak RSS %.0f MB\n",
			c.name, r.summary.RecordsRead, r.wall.Seconds(), ideal.Seconds(), r.wall.Seconds()/ideal.Seconds(), reads, c.writes, r.firstWrite.Seconds(),
			r.requests, float64(r.requests)/float64(n), r.writes, created, r.summary.Updated, r.summary.Unchanged, r.summary.Failed, r.rssMB)
		fmt.Fprintf(&out, "        CPU: etl %.1fs, emulator %.1fs; by route: %s\n", r.cpu.Seconds(), r.emuCPU.Seconds(), allRoutes(r.byRoute))
		if r.writes != c.writes || r.summary.Failed != 0 || created != c.created || r.summary.Updated != c.upd {
			t.Errorf("%s: %d writes, created %d, updated %d, %d failed; want %d writes, created %d, updated %d",
				c.name, r.writes, created, r.summary.Updated, r.summary.Failed, c.writes, c.created, c.upd)
		}
	}
	t.Logf("products %d with %s, latency %s, concurrency %d, page size %d; load average %s before, %s after; %d CPUs\n%s",
		n, strings.Join(parts, "+"), latency, conc, erp.DefaultPageSize, load0, loadAvg(), runtime.NumCPU(), out.String())
}

func readCreated(t *testing.T, path string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Created int64 `json:"created"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s.Created
}
