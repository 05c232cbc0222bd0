package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/internal/testkit"
	"github.com/wawi-etl/etl/pipeline"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.txt from this run's outputs")

// Golden tests run the example jobs in jobs/ on samples/ (the ERP ones
// against the emulator seeded from samples/wawi-seed.json) and compare what
// they produce — the outcome counts, every cell of the workbooks with its
// type and number format, and the Wawi's state after the run — with
// testdata/golden/<job>.txt. After an intended change:
//
//	go test ./cmd/etl -run TestGolden -update
//
// and review the diff of testdata/golden like any other change.
func TestGoldenJobs(t *testing.T) {
	for _, c := range []struct {
		job  string
		erp  bool
		set  []string
		wawi func(*strings.Builder, *erptest.Server) // what the Wawi holds after; default goldenWawi
	}{
		{job: "supplier-normalize"},
		{job: "supplier-prices", erp: true},
		{job: "supplier-stock", erp: true},
		{job: "catalog-migration", erp: true},
		{job: "supplier-data", erp: true, wawi: goldenSupplierData},
		{job: "customer-group-prices", erp: true, wawi: goldenGroupPrices},
		// a fixed period of the generated shop (its clock is 2025-06-30)
		{job: "orders-to-excel", erp: true, set: []string{"source.filters.createdSince=2025-05-01", "source.filters.createdUntil=2025-05-31"}},
		{job: "orders-two-sheets", erp: true, set: []string{"source.filters.createdSince=2025-05-01", "source.filters.createdUntil=2025-05-31"}},
	} {
		t.Run(c.job, func(t *testing.T) {
			dir := t.TempDir()
			reports, out := filepath.Join(dir, "reports"), filepath.Join(dir, "out.xlsx")
			var srv *erptest.Server
			if c.erp {
				var seed *erptest.Seed
				if strings.HasPrefix(c.job, "orders") {
					seed = erptest.Generate(erptest.GenConfig{Items: 60, Orders: 300})
				} else {
					s, err := erptest.LoadSeed("../../samples/wawi-seed.json")
					if err != nil {
						t.Fatal(err)
					}
					seed = s
				}
				srv = erptest.NewServer(erptest.Options{Seed: seed, Now: func() time.Time { return erptest.DefaultNow }})
				defer srv.Close()
				t.Setenv("WAWI_URL", srv.URL)
				t.Setenv("WAWI_API_KEY", "k")
			}
			// one worker: a dry run numbers the categories it would create
			// (-1, -2, ...) in the order it meets them; the diff shows their
			// names, and the requests come in a fixed order
			args := []string{"run", "--no-progress", "--concurrency", "1", "--report-dir", reports, "--state-dir", filepath.Join(dir, "state")}
			for _, s := range c.set {
				args = append(args, "--set", s)
			}
			job := "../../jobs/" + c.job + ".yaml"
			var b strings.Builder
			hasFileSink := c.job == "supplier-normalize" || strings.HasPrefix(c.job, "orders")
			if hasFileSink {
				args = append(args, "--set", "sink.path="+out)
			}
			// imports: the dry run's diff, then the real run and what the Wawi holds
			if c.erp && !hasFileSink {
				code, _, stderr := etl(t, append(slices.Clone(args), "--dry-run", job)...)
				fmt.Fprintf(&b, "== dry run: exit %d\n", code)
				goldenSummary(t, &b, reports)
				goldenWorkbook(t, &b, filepath.Join(reports, "diff.xlsx"), "Changes", "Creates", "Errors")
				if code > 1 {
					t.Fatalf("dry run: exit %d: %s", code, stderr)
				}
			}
			code, _, stderr := etl(t, append(args, job)...)
			fmt.Fprintf(&b, "== run: exit %d\n", code)
			if code > 1 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			goldenSummary(t, &b, reports)
			if hasFileSink {
				goldenWorkbook(t, &b, out)
			}
			goldenWorkbook(t, &b, filepath.Join(reports, "errors.xlsx"))
			if c.erp && !hasFileSink {
				if c.wawi == nil {
					c.wawi = goldenWawi
				}
				c.wawi(&b, srv)
			}
			compareGolden(t, filepath.Join("testdata", "golden", c.job+".txt"), b.String())
		})
	}
}

func goldenSummary(t *testing.T, b *strings.Builder, reports string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(reports, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s pipeline.Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(b, "summary: read %d created %d updated %d unchanged %d skipped %d failed %d, guardrails %d\n",
		s.RecordsRead, s.Created, s.Updated, s.Unchanged, s.Skipped, s.Failed, len(s.Guardrails))
}

// generatedAt is the one cell of a workbook that changes from run to run.
var generatedAt = regexp.MustCompile(`^\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d`)

// goldenWorkbook writes every cell of the named sheets (all when none) with
// its type, raw value and number format.
func goldenWorkbook(t *testing.T, b *strings.Builder, path string, sheets ...string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if os.IsNotExist(err) {
		fmt.Fprintf(b, "-- %s: none\n", filepath.Base(path))
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	testkit.CheckDimensions(t, path)
	if len(sheets) == 0 {
		sheets = f.GetSheetList()
	}
	for _, sh := range sheets {
		rows, err := f.GetRows(sh, excelize.Options{RawCellValue: true})
		if err != nil {
			fmt.Fprintf(b, "-- %s!%s: none\n", filepath.Base(path), sh)
			continue
		}
		panes, _ := f.GetPanes(sh)
		fmt.Fprintf(b, "-- %s!%s: %d rows, frozen %v\n", filepath.Base(path), sh, len(rows), panes.Freeze)
		for r, row := range rows {
			cells := make([]string, len(row))
			for c, v := range row {
				ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
				typ, _ := f.GetCellType(sh, ref)
				if formula, _ := f.GetCellFormula(sh, ref); formula != "" {
					v = "=" + formula
				}
				if generatedAt.MatchString(v) {
					v = "<time of the run>"
				}
				format := ""
				if style, err := f.GetCellStyle(sh, ref); err == nil && style != 0 {
					if st, err := f.GetStyle(style); err == nil {
						if st.CustomNumFmt != nil {
							format = " fmt " + *st.CustomNumFmt
						} else if st.NumFmt != 0 {
							format = fmt.Sprintf(" fmt %d", st.NumFmt)
						}
					}
				}
				cells[c] = fmt.Sprintf("%s %q%s", cellType(typ, v), v, format)
			}
			fmt.Fprintf(b, "%d: %s\n", r+1, strings.Join(cells, " | "))
		}
	}
}

// cellType is a short name of a cell's type; numbers carry no type
// attribute in the file.
func cellType(t excelize.CellType, v string) string {
	switch t {
	case excelize.CellTypeUnset:
		if v != "" {
			return "n"
		}
	case excelize.CellTypeNumber:
		return "n"
	case excelize.CellTypeBool:
		return "b"
	case excelize.CellTypeDate:
		return "d"
	case excelize.CellTypeFormula:
		return "f"
	case excelize.CellTypeSharedString, excelize.CellTypeInlineString:
		return "s"
	case excelize.CellTypeError:
		return "e"
	}
	return "-"
}

// goldenWawi writes the items (SKU, prices, categories) and stock levels
// the Wawi holds.
func goldenWawi(b *strings.Builder, srv *erptest.Server) {
	items := srv.Items()
	slices.SortFunc(items, func(a, b erptest.Item) int { return strings.Compare(a.SKU, b.SKU) })
	fmt.Fprintf(b, "-- Wawi: %d items, %d writes\n", len(items), srv.Counters().Writes)
	for _, it := range items {
		var cats []string
		for _, c := range it.Categories {
			cats = append(cats, fmt.Sprint(c.CategoryId))
		}
		fmt.Fprintf(b, "%s %q purchase %s sales %s categories [%s] stock %s/%s\n", it.SKU, it.Name,
			it.ItemPriceData.PurchasePriceNet, it.ItemPriceData.SalesPriceNet, strings.Join(cats, " "),
			srv.Stock(it.Id, 1), srv.Stock(it.Id, 2))
	}
}

func compareGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) == got {
		return
	}
	wl, gl := strings.Split(string(want), "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			t.Fatalf("%s differs from line %d:\nwant: %s\ngot:  %s\n(go test ./cmd/etl -run TestGolden -update rewrites it after an intended change)", path, i+1, w, g)
		}
	}
}
