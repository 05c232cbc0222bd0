package sinks

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// memSource serves rows from memory; registered for these tests only (the
// real registrations live in cmd/etl).
type memSource struct {
	h    *record.Header
	rows [][]string
	i    int
}

func (s *memSource) Header() *record.Header { return s.h }
func (s *memSource) Close() error           { return nil }
func (s *memSource) Next(ctx context.Context) (*record.Record, error) {
	if s.i >= len(s.rows) {
		return nil, io.EOF
	}
	r := &record.Record{Seq: int64(s.i), Row: s.i + 2, Header: s.h, Fields: s.rows[s.i]}
	s.i++
	return r, nil
}

var (
	memRows    = map[string][][]string{}
	memHeaders = map[string][]string{} // default sku, price, name
)

func memOpen(ctx context.Context, spec *pipeline.SourceSpec, env *pipeline.Env) (pipeline.Source, error) {
	h := memHeaders[spec.Path]
	if h == nil {
		h = []string{"sku", "price", "name"}
	}
	return &memSource{h: record.NewHeader(h), rows: memRows[spec.Path]}, nil
}

func init() {
	pipeline.RegisterSource("sinkstest-mem", memOpen)
	pipeline.RegisterSink("sinkstest-csv", OpenCSV)
	pipeline.RegisterSink("sinkstest-xlsx", OpenXLSX)
	// an XLSX sink whose sheet is full after 100 rows, to hit the limit
	pipeline.RegisterSink("sinkstest-xlsxsmall", func(ctx context.Context, spec *pipeline.SinkSpec, env *pipeline.Env) (pipeline.Sink, error) {
		s, err := OpenXLSX(ctx, spec, env)
		if err == nil {
			s.(*XLSXSink).tab.SetMaxRows(101)
		}
		return s, err
	})
}

func runJob(t *testing.T, sinkType, rowsKey string, dry bool) (string, *pipeline.Summary, error) {
	t.Helper()
	dir := t.TempDir()
	ext := strings.TrimSuffix(strings.TrimPrefix(sinkType, "sinkstest-"), "small")
	job := &pipeline.Job{
		Name:   "t",
		Dir:    dir,
		Source: pipeline.SourceSpec{Type: "sinkstest-mem", Path: rowsKey},
		Mapping: mappings.Spec{Fields: []mappings.FieldSpec{
			{Target: "SKU", Column: "sku", Type: mappings.String},
			{Target: "Price", Column: "price", Type: mappings.Decimal, Decimal: "point"},
			{Target: "Name", Column: "name", Type: mappings.String},
		}},
		Sink:    pipeline.SinkSpec{Type: sinkType, Path: "out/out." + ext, Encoding: map[bool]string{true: "iso-8859-1"}[ext == "csv"]},
		Options: pipeline.Options{Concurrency: 4, ReportDir: filepath.Join(dir, "reports")},
	}
	sum, err := pipeline.Run(context.Background(), job, pipeline.RunOptions{DryRun: dry, ReportDir: filepath.Join(dir, "reports")})
	return filepath.Join(dir, "out", "out."+ext), sum, err
}

func TestRunThroughPipeline(t *testing.T) {
	const n = 3000
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("S%05d", i), fmt.Sprintf("%d.%02d", i, i%100), "Artikel"}
	}
	rows[17][2] = "Preis in €"             // not in iso-8859-1: fails this record in the CSV run
	rows[18][1] = "12345678901234567890.5" // too precise for Excel: fails this record in the XLSX run
	memRows["ok"] = rows

	t.Run("csv", func(t *testing.T) {
		path, sum, err := runJob(t, "sinkstest-csv", "ok", false)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(readFile(t, path)), "\n"), "\n")
		if sum.Failed != 1 || len(lines) != n { // header + n-1 rows
			t.Fatalf("failed %d, %d lines", sum.Failed, len(lines))
		}
		for i, l := range lines[1:] { // input order despite 4 workers
			j := i
			if i >= 17 {
				j++
			}
			if !strings.HasPrefix(l, rows[j][0]+",") {
				t.Fatalf("line %d = %q, want %s", i+1, l, rows[j][0])
			}
		}
		if sum.ErrorWorkbook == "" {
			t.Error("the failed record should be in the error workbook")
		}
	})
	t.Run("xlsx", func(t *testing.T) {
		path, sum, err := runJob(t, "sinkstest-xlsx", "ok", false)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Failed != 1 {
			t.Fatalf("failed %d", sum.Failed)
		}
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		got, _ := f.GetRows("Data", excelize.Options{RawCellValue: true})
		if len(got) != n {
			t.Fatalf("%d rows", len(got))
		}
		for i, r := range got[1:] {
			j := i
			if i >= 18 {
				j++
			}
			if r[0] != rows[j][0] {
				t.Fatalf("row %d = %v, want %s", i+2, r, rows[j][0])
			}
		}
	})
	t.Run("row limit stops the run and leaves no file", func(t *testing.T) {
		path, _, err := runJob(t, "sinkstest-xlsxsmall", "ok", false)
		if err == nil || !strings.Contains(err.Error(), "Excel sheet holds 101 rows") {
			t.Fatalf("err %v", err)
		}
		mustNotExist(t, path)
		noTemp(t, filepath.Dir(path))
	})
	t.Run("dry run writes nothing", func(t *testing.T) {
		for _, typ := range []string{"sinkstest-csv", "sinkstest-xlsx"} {
			path, _, err := runJob(t, typ, "ok", true)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
				t.Errorf("%s dry run created %s", typ, filepath.Dir(path))
			}
		}
	})
}
