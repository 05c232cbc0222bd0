package sinks

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/datev"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/pipeline/pipelinetest"
)

func datevSpec(dir string) *pipeline.SinkSpec {
	return &pipeline.SinkSpec{Type: "datev", Path: filepath.Join(dir, "out", "EXTF_Buchungsstapel.csv"),
		DATEV: &pipeline.DATEVSpec{Consultant: 29098, Client: 55003, FiscalYearStart: "2025-07-01", Chart: "SKR03", Description: "Rechnungen", Dictation: "WD"}}
}

var datevTargets = targets("Belegfeld1:string", "Belegdatum:date", "Umsatz:decimal", "Konto:string", "Gegenkonto:string", "BUSchluessel:string", "Buchungstext:string")

func booking(nr string, d time.Time, amount, text string) []any {
	return []any{nr, d, decimal.RequireFromString(amount), "10000", "8400", "3", text}
}

func openDATEV(t *testing.T, spec *pipeline.SinkSpec, tg []mappings.Target) *DATEVSink {
	t.Helper()
	s, err := OpenDATEV(context.Background(), spec, env(filepath.Dir(spec.Path), tg))
	if err != nil {
		t.Fatal(err)
	}
	return s.(*DATEVSink)
}

// datevLines reads a file and returns its lines, checked by datev.Check.
func datevLines(t *testing.T, path string) []string {
	t.Helper()
	data := readFile(t, path)
	if vs := datev.Check(data); len(vs) > 0 {
		t.Errorf("%s: %v", filepath.Base(path), vs)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
}

func TestDATEVSplitsByMonth(t *testing.T) {
	dir := t.TempDir()
	spec := datevSpec(dir)
	s := openDATEV(t, spec, datevTargets)
	plans := run(t, s, datevTargets,
		booking("RE-1", day(2026, 1, 5), "119.00", "Rechnung 1"),
		booking("RE 2", day(2026, 2, 1), "-23.80", "Gutschrift\nzu RE-1"),
		booking("RE-3", day(2026, 1, 31), "0", "nichts"),
		booking("RE-4", day(2026, 1, 31), "50.5", "Rechnung 4"),
	)
	if err := s.Close(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if plans[2].Outcome != pipeline.Failed || !strings.Contains(plans[2].Err.Error(), "Umsatz") {
		t.Errorf("a zero amount: %v %v", plans[2].Outcome, plans[2].Err)
	}
	if got := len(plans[1].Changes); got != 2 {
		t.Errorf("RE 2: %d changes reported (Belegfeld 1, line break), want 2: %+v", got, plans[1].Changes)
	}
	out := filepath.Join(dir, "out")
	if got, want := dirNames(t, out), []string{"EXTF_Buchungsstapel_202601_1.csv", "EXTF_Buchungsstapel_202602_1.csv"}; !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	jan := datevLines(t, filepath.Join(out, "EXTF_Buchungsstapel_202601_1.csv"))
	if len(jan) != 4 {
		t.Fatalf("January: %d lines, want header, names and 2 bookings", len(jan))
	}
	h := strings.Split(jan[0], ";")
	// WJ-Beginn 20250701 (the fiscal year starting in July), period the month
	if h[10] != "29098" || h[11] != "55003" || h[12] != "20250701" || h[14] != "20260101" || h[15] != "20260131" || h[20] != "0" || h[26] != `"03"` {
		t.Errorf("header %s", jan[0])
	}
	if !strings.HasPrefix(jan[2], `119,00;"S";;;;;10000;8400;"3";0501;"RE-1";`) || !strings.HasPrefix(jan[3], `50,50;"S";`) {
		t.Errorf("bookings\n%s\n%s", jan[2], jan[3])
	}
	feb := datevLines(t, filepath.Join(out, "EXTF_Buchungsstapel_202602_1.csv"))
	if !strings.HasPrefix(feb[2], `23,80;"H";;;;;10000;8400;"3";0102;"RE-2";;;"Gutschrift zu RE-1";`) {
		t.Errorf("February booking %s", feb[2])
	}
	if got := s.OutputPath(); !strings.Contains(got, "202601_1") || !strings.Contains(got, "202602_1") {
		t.Errorf("OutputPath %q", got)
	}
	noTemp(t, out)
}

func TestDATEVSplitsByCount(t *testing.T) {
	dir := t.TempDir()
	s := openDATEV(t, datevSpec(dir), datevTargets)
	s.maxPerFile = 2
	var rows [][]any
	for i := range 5 {
		rows = append(rows, booking(fmt.Sprintf("RE-%d", i), day(2026, 3, 1+i), "10.00", "x"))
	}
	run(t, s, datevTargets, rows...)
	// a full file is written out and its check ends before Close
	for i, f := range s.all {
		if full := i < len(s.all)-1; f.chk.closed != full || full && f.chk.written.Load() == 0 {
			t.Errorf("file %d: check completed %v, %d bytes written", i+1, f.chk.closed, f.chk.written.Load())
		}
	}
	if err := s.Close(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	want := []string{"EXTF_Buchungsstapel_202603_1.csv", "EXTF_Buchungsstapel_202603_2.csv", "EXTF_Buchungsstapel_202603_3.csv"}
	if got := dirNames(t, out); !slices.Equal(got, want) {
		t.Fatalf("files %v, want %v", got, want)
	}
	for i, n := range []int{2, 2, 1} {
		if got := len(datevLines(t, filepath.Join(out, want[i]))) - 2; got != n {
			t.Errorf("%s: %d bookings, want %d", want[i], got, n)
		}
	}
}

// The sink checks its files before it commits them: a line that breaks a
// rule (here one the writer would never make) keeps every file out.
func TestDATEVCheckBeforeCommit(t *testing.T) {
	dir := t.TempDir()
	s := openDATEV(t, datevSpec(dir), datevTargets)
	run(t, s, datevTargets, booking("RE-1", day(2026, 1, 5), "1.00", "ok"))
	bad := strings.Repeat(";", datev.Columns-1)
	p := &pipeline.Plan{Outcome: pipeline.Created, State: &datevLine{month: 202602, line: []byte("1.00" + bad)}}
	if err := s.Apply(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	err := s.Close(context.Background(), true)
	if err == nil || !strings.Contains(err.Error(), "EXTF_Buchungsstapel_202602_1.csv:3:1: Umsatz") {
		t.Fatalf("err = %v", err)
	}
	if names := dirNames(t, filepath.Join(dir, "out")); len(names) != 0 {
		t.Errorf("left %v", names)
	}
}

func TestDATEVOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct {
		mod  func(*pipeline.SinkSpec)
		tg   []mappings.Target
		want string
	}{
		"file name":                       {func(s *pipeline.SinkSpec) { s.Path = filepath.Join(dir, "bookings.csv") }, datevTargets, "EXTF_"},
		"no datev section":                {func(s *pipeline.SinkSpec) { s.DATEV = nil }, datevTargets, "sink.datev"},
		"fiscal year start":               {func(s *pipeline.SinkSpec) { s.DATEV.FiscalYearStart = "2025-07-15" }, datevTargets, "fiscal_year_start"},
		"consultant range":                {func(s *pipeline.SinkSpec) { s.DATEV.Consultant = 12 }, datevTargets, "Beraternummer"},
		"description not in Windows-1252": {func(s *pipeline.SinkSpec) { s.DATEV.Description = "Рахунки" }, datevTargets, "Windows-1252"},
		"chart":                           {func(s *pipeline.SinkSpec) { s.DATEV.Chart = "SKR99" }, datevTargets, "chart"},
		"unknown target":                  {func(*pipeline.SinkSpec) {}, targets("Umsatz:decimal", "Konto:string", "Gegenkonto:string", "Belegdatum:date", "Price:decimal"), `"Price"`},
		"missing Gegenkonto":              {func(*pipeline.SinkSpec) {}, targets("Umsatz:decimal", "Konto:string", "Belegdatum:date"), "Gegenkonto"},
	} {
		t.Run(name, func(t *testing.T) {
			spec := datevSpec(dir)
			c.mod(spec)
			_, err := OpenDATEV(context.Background(), spec, env(dir, c.tg))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func TestDATEVConformance(t *testing.T) {
	rows := make([][]string, 300)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("S%04d", i), fmt.Sprintf("%d.%02d", i+1, i%100), "Artikel"}
	}
	v := func(s string) *string { return &s }
	pipelinetest.RunSinkSuite(t, pipelinetest.SinkSuite{
		Open:    OpenDATEV,
		Spec:    func(dir string) pipeline.SinkSpec { return *datevSpec(dir) },
		Columns: []string{"sku", "price", "name"}, Rows: rows, BadRow: []string{"BAD", "zwölf", "x"},
		Mapping: mappings.Spec{Fields: []mappings.FieldSpec{
			{Target: "Belegfeld1", Column: "sku"},
			{Target: "Umsatz", Column: "price", Type: mappings.Decimal, Decimal: "point"},
			{Target: "Buchungstext", Column: "name"},
			{Target: "Konto", Value: v("1200")},
			{Target: "Gegenkonto", Value: v("8400")},
			{Target: "Belegdatum", Value: v("2026-01-15"), Type: mappings.Date},
		}},
	})
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// The job check names what a run would refuse, before it starts.
func TestLoadJobChecksDATEVSink(t *testing.T) {
	pipeline.AddSinkType(DATEV)
	header := "\n  datev: {consultant: 29098, client: 55003, fiscal_year_start: \"2026-01-01\"}"
	for _, c := range []struct{ target, sink, want string }{
		{"Umsatz", "path: EXTF_Buchungsstapel.csv" + header, ""},
		{"Umsatz", "path: bookings.csv" + header, "a DATEV file is named EXTF_"},
		{"Price", "path: EXTF_Buchungsstapel.csv" + header, `"Price" is not a DATEV column`},
		{"Umsatz", "path: EXTF_Buchungsstapel.csv", "sink.datev is missing"},
	} {
		body := "source:\n  type: sinkstest-mem\n  path: a\nmapping:\n  fields:\n    - target: " + c.target + "\n      column: Name\nsink:\n  type: datev\n  " + c.sink + "\n"
		p := filepath.Join(t.TempDir(), "job.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := pipeline.LoadJob(p, pipeline.LoadOptions{})
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q %q: got %v, want %q", c.target, c.sink, err, c.want)
		}
	}
}
