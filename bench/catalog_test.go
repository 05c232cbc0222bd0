package bench

// The catalog benchmark (issue 13, item 10): N products (10,000), each one
// record of an items import with its parts, imported by the CLI into the
// emulator at 20 ms per request, three runs against one emulator:
//
//	create    every product new: the items' POSTs, then each part's writes
//	update    every row's English text changed: one PATCH per row
//	again     the same file with --force: nothing changes, nothing written
//
// With the variants part a product is four rows: a parent and three
// children (Größe S, M, L), so N products are 4N items; with the images
// part each product (the parent) has two pictures of its own, small PNGs
// the benchmark draws (a few KB each). Texts are on every row.
//
// Each run's wall time is set against the latency-bound ideal
//
//	(reads + writes) × latency / concurrency
//
// counting what a run cannot do without: the pages of the items index
// (plus its one-record probe), one GET /salesChannels per part that needs
// the sales channel (texts, images), and per product: one GET of each
// existing row's texts; the item's image list and each of its pictures
// (images are compared by content); the parent's lookup by SKU (also when
// it is new), and for an existing parent its variations and their values.
// Writes: one per item created or changed, one per text created or
// changed, one per picture uploaded, and per new product one variation,
// three values and three assignments. The index pages are counted like
// every other request, although the client fetches them several at a
// time. Also printed: requests per product (the emulator's count, which
// includes retries, lookups and the variants' waits for their parent), the
// routes, the pictures uploaded (their bytes, from the files, times the
// uploads the emulator counted; the bodies carry them base64, 4/3 of that),
// the peak RSS of `etl run` (bench/maxrss), and the CPU time of etl and of
// the emulator (on a loaded machine, what they wait for their share of it
// shows in the wall time).
//
//	ETL_BENCH=1 go test -run TestCatalogBenchmark -v -timeout 60m ./bench/
//
// ETL_BENCH_CATALOG_ROWS (products), ETL_BENCH_LATENCY_MS,
// ETL_BENCH_CONCURRENCY and ETL_BENCH_CATALOG_PARTS (default
// texts,images,variants; a comma list, see catalogParts) change the
// scenario.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
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
// its mapping lines and what it costs.
type catalogPart struct {
	columns []string
	// cells are the row's: product i, child -1 for the product's own row
	// (the parent with variants), else the child's number (0..2).
	cells  func(dir string, i, child int, changed bool) []string
	fields string // mapping lines, indented for the job
	// cost per product, whose rows are 1 or (with variants) 4
	cost func(rows int64) catalogCost
	// salesChannel: the part reads the sales channels once per run
	salesChannel bool
	// prepare writes what the rows name (the pictures) before the runs
	prepare func(t *testing.T, dir string, n int) (bytesPerProduct func(i int) int64)
}

// catalogCost is what one product costs: writes when it is new, writes
// when the update run changes it, reads when it is new and when it exists.
type catalogCost struct {
	createWrites, updateWrites, createReads, reads int64
}

// catalogVariantSizes are the children of a product with variants.
var catalogVariantSizes = []string{"S", "M", "L"}

// catalogParts are the parts by name.
var catalogParts = map[string]catalogPart{
	// German and English texts on every row: name, short description, HTML
	// description; the update run changes the English description.
	"texts": {
		columns: []string{"Name_de", "Kurz_de", "Beschreibung_de", "Name_en", "Kurz_en", "Beschreibung_en"},
		cells: func(_ string, i, child int, changed bool) []string {
			en := fmt.Sprintf("<p>Combination pliers %d mm by Knipex – chrome-plated.</p><ul><li>chrome-plated</li><li>multi-component grips</li><li>induction-hardened cutting edges</li><li>for soft and hard wire up to %d mm</li></ul>", 100+i%200, 1+i%4)
			if changed {
				en += "<p>New: now with a lifetime warranty.</p>"
			}
			suffix := ""
			if child >= 0 {
				suffix = " " + catalogVariantSizes[child]
			}
			return []string{fmt.Sprintf("Kombizange %d%s", i, suffix), "verchromt, Mehrkomponenten-Griffe",
				fmt.Sprintf("<p>Kombizange %d mm von Knipex – verchromt.</p><ul><li>verchromt</li><li>Mehrkomponenten-Griffe</li><li>induktiv gehärtete Schneiden</li><li>für weiche und harte Drähte bis %d mm</li></ul>", 100+i%200, 1+i%4),
				fmt.Sprintf("Combination pliers %d%s", i, suffix), "chrome-plated, multi-component grips", en}
		},
		fields: `    - {target: Descriptions.de.Name, column: Name_de}
    - {target: Descriptions.de.ShortDescription, column: Kurz_de}
    - {target: Descriptions.de.Description, column: Beschreibung_de}
    - {target: Descriptions.en.Name, column: Name_en}
    - {target: Descriptions.en.ShortDescription, column: Kurz_en}
    - {target: Descriptions.en.Description, column: Beschreibung_en}
`,
		cost: func(rows int64) catalogCost {
			return catalogCost{createWrites: 2 * rows, updateWrites: rows, reads: rows}
		},
		salesChannel: true,
	},
	// Two pictures per product, on its own row (the parent's), paths
	// relative to the file; unchanged by the update run.
	"images": {
		columns: []string{"Bilder"},
		cells: func(_ string, i, child int, _ bool) []string {
			if child >= 0 {
				return []string{""}
			}
			return []string{fmt.Sprintf("img/%06d-1.png|img/%06d-2.png", i, i)}
		},
		fields: "    - {target: Images, column: Bilder}\n",
		cost: func(int64) catalogCost {
			// existing: the item's image list and its two pictures
			return catalogCost{createWrites: 2, reads: 3}
		},
		salesChannel: true,
		prepare:      writeCatalogPictures,
	},
	// A parent and three children (Größe S, M, L): the parent gets the
	// variation and its values, each child is assigned with its value.
	"variants": {
		columns: []string{"Vaterartikel", "Größe"},
		cells: func(_ string, i, child int, _ bool) []string {
			if child < 0 {
				return []string{"", ""}
			}
			return []string{fmt.Sprintf("P-%06d", i), catalogVariantSizes[child]}
		},
		fields: `    - {target: Variant.ParentSKU, column: Vaterartikel}
    - {target: "Variant.Values.Größe", column: "Größe"}
`,
		cost: func(int64) catalogCost {
			// new: the variation, three values, three assignments, and the
			// parent's lookup; existing: the lookup, the variations and the
			// values of the one variation
			return catalogCost{createWrites: 1 + 3 + 3, createReads: 1, reads: 3}
		},
	},
}

// writeCatalogPictures draws the products' pictures into dir/img: two
// PNGs per product, 24×24, each of its own (a pattern from the product's
// number), and returns their bytes per product.
func writeCatalogPictures(t *testing.T, dir string, n int) func(i int) int64 {
	t.Helper()
	img := filepath.Join(dir, "img")
	if err := os.MkdirAll(img, 0o755); err != nil {
		t.Fatal(err)
	}
	sizes := make([]int64, n)
	var buf bytes.Buffer
	for i := range n {
		for k := 1; k <= 2; k++ {
			m := image.NewRGBA(image.Rect(0, 0, 24, 24))
			for x := range 24 {
				for y := range 24 {
					v := uint32(i*7919+k*104729) ^ uint32(x*31+y*17)*2654435761
					m.Set(x, y, color.RGBA{uint8(v), uint8(v >> 8), uint8(k * 90), 255})
				}
			}
			buf.Reset()
			if err := png.Encode(&buf, m); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(img, fmt.Sprintf("%06d-%d.png", i, k)), buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			sizes[i] += int64(buf.Len())
		}
	}
	return func(i int) int64 { return sizes[i] }
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
	children := 0
	if slices.Contains(parts, "variants") {
		children = len(catalogVariantSizes)
	}
	for i := range n {
		for child := -1; child < children; child++ {
			sku, name := fmt.Sprintf("P-%06d", i), fmt.Sprintf("Kombizange %d", i)
			if child >= 0 {
				sku += "-" + catalogVariantSizes[child]
				name += " " + catalogVariantSizes[child]
			}
			cells := []string{sku, name, cents(int64(990+i%5000), ',')}
			for _, p := range parts {
				cells = append(cells, catalogParts[p].cells(dir, i, child, changed)...)
			}
			w.WriteString(strings.Join(cells, ";") + "\n")
		}
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
	parts := strings.Split(orDefault(os.Getenv("ETL_BENCH_CATALOG_PARTS"), "texts,images,variants"), ",")
	rows := int64(1) // per product
	if slices.Contains(parts, "variants") {
		rows += int64(len(catalogVariantSizes))
	}
	var fields string
	var per catalogCost
	var channels int64
	for _, p := range parts {
		cp, ok := catalogParts[p]
		if !ok {
			t.Fatalf("ETL_BENCH_CATALOG_PARTS: no part %q here (known: %s)", p, strings.Join(slices.Sorted(maps.Keys(catalogParts)), ", "))
		}
		fields += cp.fields
		c := cp.cost(rows)
		per.createWrites += c.createWrites
		per.updateWrites += c.updateWrites
		per.createReads += c.createReads
		per.reads += c.reads
		if cp.salesChannel {
			channels++
		}
	}
	dir := t.TempDir()
	bin := impBuild(t, dir)
	seed, first := writeCatalogFiles(t, dir, n, parts, false)
	_, second := writeCatalogFiles(t, dir, n, parts, true)
	var pictureBytes int64 // of every product's pictures
	if slices.Contains(parts, "images") {
		size := catalogParts["images"].prepare(t, dir, n)
		for i := range n {
			pictureBytes += size(i)
		}
	}
	emu := startEmulator(t, bin, seed, latency)
	load0 := loadAvg()

	items := int64(n) * rows
	pages := (items + int64(erp.DefaultPageSize) - 1) / int64(erp.DefaultPageSize)
	updated := int64(0)
	if per.updateWrites > 0 {
		updated = items
	}
	var out strings.Builder
	for _, c := range []struct {
		name         string
		file         string
		force        bool
		reads        int64 // beyond the index and the sales channels
		writes       int64
		created, upd int64
	}{
		// new products: the index is empty (its probe)
		{"create", first, false, int64(n) * per.createReads, items + int64(n)*per.createWrites, items, 0},
		{"update", second, false, int64(n) * per.reads, int64(n) * per.updateWrites, 0, updated},
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
		reads := index + channels + c.reads
		ideal := time.Duration(float64(reads+c.writes) * float64(latency) / float64(conc))
		fmt.Fprintf(&out, "%-7s %6d products (%d rows): wall %6.1fs, ideal %6.1fs (%.2fx) [%d reads + %d writes]; plan %.1fs; %d requests (%.2f per product), %d writes; created %d updated %d unchanged %d failed %d; peak RSS %.0f MB\n",
			c.name, n, r.summary.RecordsRead, r.wall.Seconds(), ideal.Seconds(), r.wall.Seconds()/ideal.Seconds(), reads, c.writes, r.firstWrite.Seconds(),
			r.requests, float64(r.requests)/float64(n), r.writes, created, r.summary.Updated, r.summary.Unchanged, r.summary.Failed, r.rssMB)
		if up := r.byRoute["POST /items/{itemId}/images"]; up > 0 {
			// every product's pictures once: their bytes from the files
			fmt.Fprintf(&out, "        pictures uploaded: %d, %.1f MB (%.1f MB base64 in the bodies)\n", up,
				float64(pictureBytes)/(1<<20), float64(pictureBytes)*4/3/(1<<20))
		}
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
