package sinks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/internal/testkit"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

func openXLSXSink(t *testing.T, spec *pipeline.SinkSpec, e *pipeline.Env) *XLSXSink {
	t.Helper()
	spec.Type = "xlsx"
	s, err := OpenXLSX(context.Background(), spec, e)
	if err != nil {
		t.Fatal(err)
	}
	return s.(*XLSXSink)
}

// writeXLSX runs rows through an XLSX sink, commits and returns the path and
// the plans.
func writeXLSX(t *testing.T, spec pipeline.SinkSpec, tg []mappings.Target, rows ...[]any) (string, []*pipeline.Plan) {
	t.Helper()
	dir := t.TempDir()
	if spec.Path == "" {
		spec.Path = "out.xlsx"
	}
	s := openXLSXSink(t, &spec, env(dir, tg))
	plans := run(t, s, tg, rows...)
	if err := s.Close(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	noTemp(t, dir)
	return filepath.Join(dir, spec.Path), plans
}

const (
	tNum  = excelize.CellTypeUnset // a number cell has no t attribute (t="n" is the default)
	tStr  = excelize.CellTypeInlineString
	tBool = excelize.CellTypeBool
)

func sinkTargets() []mappings.Target {
	return targets("SKU:string", "Name:string:Bezeichnung", "Qty:int", "Price:decimal:Preis",
		"Active:bool", "Since:date", "At:datetime", "Tags:list")
}

func sinkRows() [][]any {
	return [][]any{
		{"A-1", "=HYPERLINK(\"http://evil\")", int64(42), dec("1234.56"), true,
			time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 15, 13, 45, 30, 0, berlin), []string{"a", "b"}},
		{"B-2", "-minus", int64(-7), dec("-0.1"), false,
			time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), nil, nil},
		{"C-3", "A rather long product name that widens its column", int64(123456789012345), dec("19.99"), nil,
			time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), []string{"@x"}},
		// these fail: 20 digits, 16-digit integer, a date Excel cannot show, a control character
		{"X-1", "", nil, dec("12345678901234567890"), nil, nil, nil, nil},
		{"X-2", "", int64(1234567890123456), nil, nil, nil, nil, nil},
		{"X-3", "", nil, nil, nil, time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC), nil, nil},
		{"X-4", "bell\x07", nil, nil, nil, nil, nil, nil},
		{"D-4", nil, nil, dec("0.0000001"), nil, nil, nil, nil},
	}
}

func TestXLSXSinkCells(t *testing.T) {
	tg := sinkTargets()
	path, plans := writeXLSX(t, pipeline.SinkSpec{}, tg, sinkRows()...)
	for i, want := range []pipeline.Outcome{0, 0, 0, 4, 4, 4, 4, 0} {
		if plans[i].Outcome != want {
			t.Errorf("row %d: outcome %v (%v), want %v", i, plans[i].Outcome, plans[i].Err, want)
		}
	}
	for i, want := range map[int][]string{
		3: {`"Price"`, `"Preis"`, "12345678901234567890", "15 significant digits"},
		4: {`"Qty"`, "1234567890123456"},
		5: {`"Since"`, "1899-12-31", "1900-01-01"},
		6: {`"Name"`, "U+0007"},
	} {
		msg := plans[i].Err.Error()
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("row %d: reason %q lacks %q", i, msg, w)
			}
		}
		var ce pipeline.ColumnError
		if !errors.As(plans[i].Err, &ce) {
			t.Errorf("row %d: reason is no pipeline.ColumnError", i)
		}
	}
	if plans[0].Key != "2" || plans[7].Key != "9" {
		t.Errorf("keys %q %q, want source rows", plans[0].Key, plans[7].Key)
	}

	f := openBook(t, path)
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "Data" {
		t.Fatalf("sheets %v", got)
	}
	const sh = "Data"
	checkCells(t, f, sh, []cellCheck{
		{Cell: "A1", Type: tStr, Raw: "SKU"},
		{Cell: "H1", Type: tStr, Raw: "Tags"},
		{Cell: "A2", Type: tStr, Raw: "A-1"},
		{Cell: "B2", Type: tStr, Raw: `=HYPERLINK("http://evil")`},
		{Cell: "C2", Type: tNum, Raw: "42", Shown: "42", NumFmt: "0"},
		{Cell: "D2", Type: tNum, Raw: "1234.56", Shown: "1,234.56", NumFmt: "#,##0.00"},
		{Cell: "E2", Type: tBool, Raw: "1", Shown: "TRUE"},
		{Cell: "F2", Type: tNum, Raw: "45351", Shown: "29.02.2024", NumFmt: "dd.mm.yyyy"},
		{Cell: "G2", Type: tNum, Raw: "45366.5732638889", Shown: "15.03.2024 13:45", NumFmt: "dd.mm.yyyy hh:mm"},
		{Cell: "H2", Type: tStr, Raw: "a|b"},
		{Cell: "B3", Type: tStr, Raw: "-minus"},
		{Cell: "C3", Type: tNum, Raw: "-7"},
		{Cell: "D3", Type: tNum, Raw: "-0.1", Shown: "-0.10"},
		{Cell: "E3", Type: tBool, Raw: "0", Shown: "FALSE"},
		{Cell: "F3", Type: tNum, Raw: "1", Shown: "01.01.1900"},
		{Cell: "G3", Type: excelize.CellTypeUnset, Raw: ""},
		{Cell: "C4", Type: tNum, Raw: "123456789012345", Shown: "123456789012345"},
		{Cell: "D4", Type: tNum, Raw: "19.99"},
		{Cell: "F4", Type: tNum, Raw: "61", Shown: "01.03.1900"},
		{Cell: "G4", Type: tNum, Raw: "45292", Shown: "01.01.2024 00:00"},
		{Cell: "H4", Type: tStr, Raw: "@x"},
		{Cell: "A5", Type: tStr, Raw: "D-4"}, // failed rows take no sheet row
		{Cell: "D5", Type: tNum, Raw: "0.0000001"},
		{Cell: "A6", Type: excelize.CellTypeUnset, Raw: ""},
	})

	// the XML holds the decimals' own text, no float noise
	xml := zipPart(t, path, "xl/worksheets/sheet1.xml")
	for _, want := range []string{`<v>1234.56</v>`, `<v>-0.1</v>`, `<v>19.99</v>`, `<v>0.0000001</v>`} {
		if !strings.Contains(xml, want) {
			t.Errorf("sheet XML lacks %s", want)
		}
	}
	if !strings.Contains(xml, `<autoFilter ref="$A$1:$H$5">`) {
		t.Errorf("autofilter over A1:H5 missing: %s", regexp.MustCompile(`<autoFilter[^>]*>`).FindString(xml))
	}
	if strings.Contains(xml, "<f>") {
		t.Error("the sink wrote a formula")
	}

	panes, err := f.GetPanes(sh)
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.XSplit != 0 || panes.TopLeftCell != "A2" {
		t.Errorf("panes %+v, want header frozen", panes)
	}
	hs, _ := f.GetCellStyle(sh, "A1")
	if st, _ := f.GetStyle(hs); st.Font == nil || !st.Font.Bold {
		t.Error("header not bold")
	}
	var filterName bool
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" && strings.Contains(dn.RefersTo, "$A$1:$H$5") {
			filterName = true
		}
	}
	if !filterName {
		t.Errorf("no _FilterDatabase name: %+v", f.GetDefinedName())
	}

	width := func(col string) float64 {
		w, err := f.GetColWidth(sh, col)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	if w := width("B"); w < 50 || w > maxDisplayWidth {
		t.Errorf("Name width %v, want its 50-char content to fit", w)
	}
	if a, b := width("A"), width("B"); a >= b || a < 6 {
		t.Errorf("SKU width %v vs Name %v", a, b)
	}
	if w := width("F"); w < 10 {
		t.Errorf("date width %v < dd.mm.yyyy", w)
	}
	if w := width("G"); w < 16 {
		t.Errorf("datetime width %v < dd.mm.yyyy hh:mm", w)
	}
}

func TestXLSXDecimalsExact(t *testing.T) {
	exact := []string{"1234.56", "0.1", "0.2", "0.3", "19.99", "1e-7", "0.000000123456789012345",
		"123456789012345", "99999999999999.9", "-1234.5", "1234.50", "1e300", "2.5e-300", "0", "-0.000001"}
	inexact := []string{"12345678901234567890", "0.1234567890123456", "1e-400", "1e309", "1234567890123456"}
	tg := targets("v:decimal")
	var rows [][]any
	for _, s := range append(append([]string{}, exact...), inexact...) {
		rows = append(rows, []any{dec(s)})
	}
	path, plans := writeXLSX(t, pipeline.SinkSpec{}, tg, rows...)
	f := openBook(t, path)
	for i, s := range exact {
		if plans[i].Outcome != pipeline.Created {
			t.Errorf("%s: %v", s, plans[i].Err)
			continue
		}
		cell := "A" + itoa(i+2)
		raw, _ := f.GetCellValue("Data", cell, excelize.Options{RawCellValue: true})
		got, err := decimal.NewFromString(raw)
		if err != nil || !got.Equal(dec(s)) {
			t.Errorf("%s written as %q", s, raw)
		}
		if typ, _ := f.GetCellType("Data", cell); typ != tNum {
			t.Errorf("%s: cell type %v", s, typ)
		}
	}
	for i, s := range inexact {
		p := plans[len(exact)+i]
		if p.Outcome != pipeline.Failed {
			t.Errorf("%s: outcome %v, want failed", s, p.Outcome)
			continue
		}
		if !strings.Contains(p.Err.Error(), "string") {
			t.Errorf("%s: reason %q does not tell how to write it as text", s, p.Err)
		}
	}
}

func TestXLSXNeutralizeOff(t *testing.T) {
	tg := targets("a:string", "n:decimal")
	path, _ := writeXLSX(t, pipeline.SinkSpec{NeutralizeFormulas: ptr(false)}, tg, []any{"=1+1", dec("-3")})
	f := openBook(t, path)
	checkCells(t, f, "Data", []cellCheck{
		{Cell: "A2", Type: tStr, Raw: "=1+1"}, // text, never a formula
		{Cell: "B2", Type: tNum, Raw: "-3"},
	})
	if strings.Contains(zipPart(t, path, "xl/worksheets/sheet1.xml"), "<f>") {
		t.Error("text became a formula")
	}
}

func TestXLSXOptions(t *testing.T) {
	tg := targets("d:date", "p:decimal")
	path, _ := writeXLSX(t, pipeline.SinkSpec{Sheet: "Artikel 2024", DateFormat: "yyyy-mm-dd", DecimalFormat: "0.000"}, tg,
		[]any{time.Date(2024, 12, 24, 0, 0, 0, 0, time.UTC), dec("2.5")})
	f := openBook(t, path)
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "Artikel 2024" {
		t.Fatalf("sheets %v", got)
	}
	checkCells(t, f, "Artikel 2024", []cellCheck{
		{Cell: "A2", Type: tNum, Raw: "45650", Shown: "2024-12-24", NumFmt: "yyyy-mm-dd"},
		{Cell: "B2", Type: tNum, Raw: "2.5", Shown: "2.500", NumFmt: "0.000"},
	})

	for _, c := range []struct {
		spec pipeline.SinkSpec
		want string
	}{
		{pipeline.SinkSpec{Path: "x.xlsx", Sheet: "a/b"}, "sheet"},
		{pipeline.SinkSpec{Path: "x.xlsx", Sheet: strings.Repeat("x", 32)}, "31"},
		{pipeline.SinkSpec{Path: "x.xlsx", Sheet: "'quoted'"}, "sheet"},
		{pipeline.SinkSpec{Path: "x.xlsx", Sheet: "history"}, "reserved"},
		{pipeline.SinkSpec{Path: "x.xlsx", DateFormat: "02.01.2006"}, "date format"},
		{pipeline.SinkSpec{}, "path"},
	} {
		_, err := OpenXLSX(context.Background(), &c.spec, env(t.TempDir(), tg))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want mention of %q", c.spec, err, c.want)
		}
	}
}

func TestXLSXRowLimitIsFatal(t *testing.T) {
	dir := t.TempDir()
	tg := targets("a:int")
	s := openXLSXSink(t, &pipeline.SinkSpec{Path: "out.xlsx"}, env(dir, tg))
	s.tab.SetMaxRows(4) // header + 3 rows; the real limit is 1,048,576
	ctx := context.Background()
	for i := range 4 {
		p, err := s.Plan(ctx, &pipeline.Item{Values: []any{int64(i)}})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Apply(ctx, p)
		if i < 3 {
			if err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
			continue
		}
		if err == nil || !pipeline.IsFatal(err) || !errors.Is(err, ErrRowLimit) && !strings.Contains(err.Error(), "Excel sheet holds 4 rows") {
			t.Fatalf("row beyond the limit: %v (fatal %v)", err, pipeline.IsFatal(err))
		}
		t.Log(err)
	}
	if err := s.Close(ctx, false); err != nil { // the runner does not commit a failed run
		t.Fatal(err)
	}
	if n := dirNames(t, dir); len(n) != 0 {
		t.Fatalf("left %v", n)
	}
}

func TestXLSXCloseFalseKeepsExistingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.xlsx")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	tg := targets("a:string")
	s := openXLSXSink(t, &pipeline.SinkSpec{Path: "out.xlsx"}, env(dir, tg))
	run(t, s, tg, []any{"x"})
	if err := s.Close(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if string(readFile(t, path)) != "old" {
		t.Fatal("existing file changed")
	}
	noTemp(t, dir)
}

func TestXLSXCrashLeavesNoFileAtPath(t *testing.T) {
	dir := t.TempDir()
	tg := targets("a:string")
	s := openXLSXSink(t, &pipeline.SinkSpec{Path: "sub/out.xlsx"}, env(dir, tg))
	rows := make([][]any, 3000)
	for i := range rows {
		rows[i] = []any{"row"}
	}
	run(t, s, tg, rows...)
	mustNotExist(t, filepath.Join(dir, "sub/out.xlsx"))
	s.release()
	s.tmp.Discard()
}

// The rows go through a temporary file of their own (not excelize's
// in-memory stream), which the sink removes whether it commits or not.
func TestXLSXRowFileRemoved(t *testing.T) {
	for _, commit := range []bool{true, false} {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		dir := t.TempDir()
		tg := targets("a:string", "n:int")
		s := openXLSXSink(t, &pipeline.SinkSpec{Path: "out.xlsx"}, env(dir, tg))
		rows := make([][]any, 2500) // past the rows held back for the widths
		for i := range rows {
			rows[i] = []any{"row " + itoa(i), int64(i)}
		}
		run(t, s, tg, rows...)
		if s.tab.Spool() == nil || s.tab.Spool().Rows() != 2500 {
			t.Fatalf("rows not spooled: %+v", s.tab.Spool())
		}
		if n := dirNames(t, tmp); len(n) != 1 {
			t.Fatalf("temporary files %v, want the row file", n)
		}
		if err := s.Close(context.Background(), commit); err != nil {
			t.Fatal(err)
		}
		if n := dirNames(t, tmp); len(n) != 0 {
			t.Errorf("commit %v: left %v", commit, n)
		}
		if !commit {
			continue
		}
		g := openBook(t, filepath.Join(dir, "out.xlsx"))
		checkCells(t, g, DefaultSheet, []cellCheck{
			{Cell: "A2501", Type: tStr, Raw: "row 2499"},
			{Cell: "B2501", Type: tNum, Raw: "2499", NumFmt: IntFormat},
		})
		if rows, err := g.GetRows(DefaultSheet); err != nil || len(rows) != 2501 {
			t.Errorf("%d rows (%v)", len(rows), err)
		}
	}
}

func TestXLSXDryRunCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	tg := targets("a:decimal")
	e := env(dir, tg)
	e.DryRun = true
	s := openXLSXSink(t, &pipeline.SinkSpec{Path: "new/out.xlsx"}, e)
	p, err := s.Plan(context.Background(), &pipeline.Item{Values: []any{dec("12345678901234567890")}})
	if err != nil || p.Outcome != pipeline.Failed {
		t.Fatalf("dry run must still fail inexact values: %v %v", p.Outcome, err)
	}
	if err := s.Close(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if n := dirNames(t, dir); len(n) != 0 {
		t.Fatalf("dry run created %v", n)
	}
}

func itoa(i int) string { return decimal.NewFromInt(int64(i)).String() }

// Shared with other packages' tests (internal/testkit).
func openBook(t *testing.T, path string) *excelize.File { return testkit.OpenBook(t, path) }

type cellCheck = testkit.Cell

func checkCells(t *testing.T, f *excelize.File, sheet string, checks []cellCheck) {
	t.Helper()
	testkit.CheckCells(t, f, sheet, checks)
}
