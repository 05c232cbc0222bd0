package pipeline_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/testkit"

	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/sinks"
	"github.com/wawi-etl/etl/sources"
)

func init() {
	pipeline.AddSourceType(sources.CSV)
	pipeline.AddSourceType(sources.XLSX)
	pipeline.AddSinkType(sinks.CSV)
	pipeline.AddSinkType(sinks.XLSX)
	pipeline.AddSourceType(sources.ERP)
	pipeline.AddSinkType(sinks.ERP)
}

const priceJob = `name: prices
source:
  path: in.csv
  delimiter: ";"
mapping:
  decimal: comma
  when: 'Status != "skip"'
  fields:
    - target: SKU
      column: Artikel
      required: true
    - target: Price
      column: Preis
      type: decimal
    - target: Qty
      column: Menge
      type: int
sink:
  path: out/out.csv
`

// setup writes a job and an input of n rows; rows listed in bad get a
// garbage price, rows in skip a Status that the when filter drops.
func setup(t *testing.T, n int, bad, skip map[int]bool) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("Artikel;Preis;Menge;Status\n")
	for i := range n {
		price := fmt.Sprintf("%d,%02d", i, i%100)
		if bad[i] {
			price = "zwölf"
		}
		status := "ok"
		if skip[i] {
			status = "skip"
		}
		fmt.Fprintf(&b, "A-%05d;%s;%d;%s\n", i, price, i%7, status)
	}
	must(t, os.WriteFile(filepath.Join(dir, "in.csv"), []byte(b.String()), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "job.yaml"), []byte(priceJob), 0o644))
	return dir
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func load(t *testing.T, dir string, sets ...string) *pipeline.Job {
	t.Helper()
	job, err := pipeline.LoadJob(filepath.Join(dir, "job.yaml"), pipeline.LoadOptions{Sets: sets})
	must(t, err)
	return job
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	must(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	must(t, err)
	return rows
}

func TestRunAccountsForEveryRecordInOrder(t *testing.T) {
	bad := map[int]bool{3: true, 500: true, 999: true}
	skip := map[int]bool{10: true, 11: true}
	dir := setup(t, 1000, bad, skip)
	job := load(t, dir)
	reports := filepath.Join(dir, "reports")
	sum, err := pipeline.Run(context.Background(), job, pipeline.RunOptions{ReportDir: reports, Concurrency: 8})
	must(t, err)
	if sum.RecordsRead != 1000 || sum.Created != 995 || sum.Skipped != 2 || sum.Failed != 3 || !sum.Balanced() {
		t.Fatalf("summary = %+v", sum)
	}
	rows := readCSV(t, filepath.Join(dir, "out", "out.csv"))
	if len(rows) != 996 || strings.Join(rows[0], ",") != "SKU,Price,Qty" {
		t.Fatalf("output has %d rows, header %v", len(rows), rows[0])
	}
	// input order survives the worker pool
	prev := ""
	for _, r := range rows[1:] {
		if r[0] <= prev {
			t.Fatalf("output out of order: %s after %s", r[0], prev)
		}
		prev = r[0]
	}
	if rows[2][1] != "1.01" {
		t.Errorf("decimal comma not converted exactly: %q", rows[2][1])
	}

	var js map[string]any
	b, err := os.ReadFile(filepath.Join(reports, "summary.json"))
	must(t, err)
	must(t, json.Unmarshal(b, &js))
	for _, k := range []string{"job", "dry_run", "records_read", "created", "updated", "unchanged", "skipped", "failed", "requests", "duration_seconds"} {
		if _, ok := js[k]; !ok {
			t.Errorf("summary.json lacks %q", k)
		}
	}
	if js["records_read"].(float64) != 1000 || js["failed"].(float64) != 3 {
		t.Errorf("summary.json = %s", b)
	}

	// the error workbook: original columns in order, then _row, _field, _error
	f, err := excelize.OpenFile(filepath.Join(reports, "errors.xlsx"))
	must(t, err)
	testkit.CheckDimensions(t, filepath.Join(reports, "errors.xlsx"))
	defer f.Close()
	got, err := f.GetRows("Errors")
	must(t, err)
	if len(got) != 4 {
		t.Fatalf("errors.xlsx has %d rows, want header + 3", len(got))
	}
	if h := strings.Join(got[0], ","); h != "Artikel,Preis,Menge,Status,_row,_field,_error" {
		t.Errorf("errors.xlsx header = %s", h)
	}
	if got[1][0] != "A-00003" || got[1][1] != "zwölf" || got[1][4] != "5" || got[1][5] != "Price" || !strings.Contains(got[1][6], "Preis") {
		t.Errorf("errors.xlsx first row = %q", got[1])
	}
	comments, err := f.GetComments("Errors")
	must(t, err)
	if len(comments) != 3 || comments[0].Cell != "B2" {
		t.Errorf("want a comment on each offending cell (B2 first), got %+v", comments)
	}
}

func TestErrorWorkbookReimportLoop(t *testing.T) {
	dir := setup(t, 50, map[int]bool{7: true, 21: true}, nil)
	reports := filepath.Join(dir, "reports")
	sum, err := pipeline.Run(context.Background(), load(t, dir), pipeline.RunOptions{ReportDir: reports})
	must(t, err)
	if sum.Failed != 2 {
		t.Fatalf("summary = %+v", sum)
	}
	// the user fixes the prices in the workbook and feeds it back
	book := filepath.Join(reports, "errors.xlsx")
	f, err := excelize.OpenFile(book)
	must(t, err)
	must(t, f.SetCellValue("Errors", "B2", "7,50"))
	must(t, f.SetCellValue("Errors", "B3", "21,00"))
	must(t, f.Save())
	f.Close()

	fixed := load(t, dir, "source.path="+book, "source.type=xlsx", "sink.path="+filepath.Join(dir, "out", "fixed.csv"))
	sum2, err := pipeline.Run(context.Background(), fixed, pipeline.RunOptions{ReportDir: filepath.Join(dir, "reports2")})
	must(t, err)
	if sum2.RecordsRead != 2 || sum2.Created != 2 || sum2.Failed != 0 {
		t.Fatalf("re-import summary = %+v", sum2)
	}
	rows := readCSV(t, filepath.Join(dir, "out", "fixed.csv"))
	if len(rows) != 3 || rows[1][0] != "A-00007" || rows[1][1] != "7.50" || rows[2][1] != "21.00" {
		t.Errorf("re-imported rows = %q", rows)
	}
	if _, err := os.Stat(filepath.Join(dir, "reports2", "errors.xlsx")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a clean re-import must not leave an errors.xlsx: %v", err)
	}

	// a fix that fails again: the new workbook still points at the row of
	// the first file, as a number
	f, err = excelize.OpenFile(book)
	must(t, err)
	must(t, f.SetCellValue("Errors", "B3", "einundzwanzig"))
	must(t, f.Save())
	f.Close()
	_, err = pipeline.Run(context.Background(), fixed, pipeline.RunOptions{ReportDir: filepath.Join(dir, "reports3")})
	must(t, err)
	f, err = excelize.OpenFile(filepath.Join(dir, "reports3", "errors.xlsx"))
	must(t, err)
	defer f.Close()
	rows, err = f.GetRows("Errors")
	must(t, err)
	if len(rows) != 2 || rows[1][0] != "A-00021" || rows[1][4] != "23" {
		t.Fatalf("second errors.xlsx = %q", rows)
	}
	if typ, _ := f.GetCellType("Errors", "E2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("_row is stored as text (%v), want a number", typ)
	}
}

func TestDryRunWritesNoOutput(t *testing.T) {
	dir := setup(t, 20, nil, nil)
	sum, err := pipeline.Run(context.Background(), load(t, dir), pipeline.RunOptions{DryRun: true, ReportDir: filepath.Join(dir, "r")})
	must(t, err)
	if !sum.DryRun || sum.Created != 20 {
		t.Fatalf("summary = %+v", sum)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "out.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("dry run wrote the output: %v", err)
	}
}

func TestMalformedLineFailsAndRunGoesOn(t *testing.T) {
	dir := setup(t, 0, nil, nil)
	in := "Artikel;Preis;Menge;Status\nA-1;1,00;1;ok\nA-2;2,00;2\nA-3;3,00;3;ok\n"
	must(t, os.WriteFile(filepath.Join(dir, "in.csv"), []byte(in), 0o644))
	sum, err := pipeline.Run(context.Background(), load(t, dir), pipeline.RunOptions{ReportDir: filepath.Join(dir, "r")})
	must(t, err)
	if sum.Created != 2 || sum.Failed != 1 || sum.RecordsRead != 3 {
		t.Fatalf("summary = %+v", sum)
	}
	f, err := excelize.OpenFile(filepath.Join(dir, "r", "errors.xlsx"))
	must(t, err)
	defer f.Close()
	rows, _ := f.GetRows("Errors")
	if len(rows) != 2 || rows[1][4] != "3" || !strings.Contains(rows[1][6], "line 3") {
		t.Errorf("errors.xlsx rows = %q", rows)
	}
}

func TestInterruptLeavesNoOutputAndBalancedReport(t *testing.T) {
	dir := setup(t, 200000, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	progress := &cancelAfter{n: 1000, cancel: cancel}
	sum, err := pipeline.Run(ctx, load(t, dir), pipeline.RunOptions{ReportDir: filepath.Join(dir, "r"), Progress: progress})
	if !errors.Is(err, pipeline.ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if !sum.Interrupted || !sum.Balanced() || sum.RecordsRead >= 200000 || sum.RecordsRead < 1000 {
		t.Fatalf("summary = %+v", sum)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "out.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an interrupted run left an output that looks complete: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "out"))
	for _, e := range entries {
		t.Errorf("leftover file in output folder: %s", e.Name())
	}
	if _, err := os.Stat(filepath.Join(dir, "r", "summary.json")); err != nil {
		t.Errorf("summary.json not written after interrupt: %v", err)
	}
}

type cancelAfter struct {
	n      int64
	cancel func()
}

func (c *cancelAfter) Update(s *pipeline.Summary) {
	if s.RecordsRead >= c.n { // updates come every few records
		c.cancel()
	}
}
func (c *cancelAfter) Finish()             {}
func (c *cancelAfter) Phase(string, int64) {}

func TestStartErrors(t *testing.T) {
	dir := setup(t, 1, nil, nil)
	job := load(t, dir, "source.path="+filepath.Join(dir, "missing.csv"))
	_, err := pipeline.Run(context.Background(), job, pipeline.RunOptions{ReportDir: filepath.Join(dir, "r")})
	var se *pipeline.StartError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing source: err = %v, want a StartError naming the file", err)
	}
	job = load(t, dir, "mapping.fields[0].column=Artikelnr")
	_, err = pipeline.Run(context.Background(), job, pipeline.RunOptions{ReportDir: filepath.Join(dir, "r")})
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "Artikelnr") {
		t.Errorf("unknown column: err = %v", err)
	}
}
