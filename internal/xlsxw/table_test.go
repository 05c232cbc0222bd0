package xlsxw

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/mappings"
)

func newTable(t *testing.T, f *excelize.File, sheet string, cols []Column, opts TableOptions) *Table {
	t.Helper()
	tab, err := NewTable(f, sheet, cols, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func saveBook(t *testing.T, f *excelize.File, spools ...*Spool) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "reports", "book.xlsx")
	if err := Save(f, path, atomicfile.Options{KeepMode: true}, spools...); err != nil {
		t.Fatal(err)
	}
	noTemp(t, filepath.Dir(path))
	return path
}

func TestTableTotals(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	cols := []Column{{Name: "Order", Type: mappings.String}, {Name: "Qty", Type: mappings.Int},
		{Name: "Net", Type: mappings.Decimal}, {Name: "Gross", Type: mappings.Decimal, NumFmt: "#,##0.00 €"}}
	tab := newTable(t, f, "Orders", cols, TableOptions{AutoFilter: true, FreezeHeader: true})
	for _, r := range [][]any{
		{"A-1", int64(2), dec("0.1"), dec("1000.10")},
		{"A-2", int64(3), dec("0.2"), nil},
		{"A-3", nil, dec("19.99"), dec("-0.10")},
	} {
		if _, err := tab.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := tab.AppendTotals("Total", []int{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if tab.Rows() != 3 || len(tab.Columns()) != 4 {
		t.Errorf("Rows %d Columns %d", tab.Rows(), len(tab.Columns()))
	}
	if tab.TotalsRow() != 5 {
		t.Fatalf("totals row %d", tab.TotalsRow())
	}
	if _, err := tab.Append([]any{"late"}); err == nil {
		t.Error("a row after the totals must fail")
	}
	if err := tab.AppendTotals("again", nil); err == nil {
		t.Error("a second totals row must fail")
	}
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := tab.Flush(); err != nil {
		t.Errorf("second Flush: %v", err)
	}
	if list := f.GetSheetList(); len(list) != 1 || list[0] != "Orders" {
		t.Errorf("the default Sheet1 should have been renamed: %v", list)
	}
	path := saveBook(t, f)

	g := openBook(t, path)
	for cell, want := range map[string]string{"B5": "SUM(B2:B4)", "C5": "SUM(C2:C4)", "D5": "SUM(D2:D4)"} {
		got, err := g.GetCellFormula("Orders", cell)
		if err != nil || got != want {
			t.Errorf("%s formula %q, want %q (%v)", cell, got, want, err)
		}
	}
	// cached results, for readers that do not calculate; 0.1+0.2+19.99 shows no float noise
	checkCells(t, g, "Orders", []cellCheck{
		{Cell: "A5", Type: tStr, Raw: "Total"},
		{Cell: "B5", Type: tNum, Raw: "5", NumFmt: "0"},
		{Cell: "C5", Type: tNum, Raw: "20.29", Shown: "20.29", NumFmt: "#,##0.00"},
		{Cell: "D5", Type: tNum, Raw: "1000", NumFmt: "#,##0.00 €"},
		{Cell: "D2", Type: tNum, Raw: "1000.1", NumFmt: "#,##0.00 €"},
	})
	for _, cell := range []string{"A5", "C5"} {
		id, _ := g.GetCellStyle("Orders", cell)
		if st, _ := g.GetStyle(id); st.Font == nil || !st.Font.Bold {
			t.Errorf("%s not bold", cell)
		}
	}
	// the autofilter covers the data, not the totals
	if xml := zipPart(t, path, "xl/worksheets/sheet1.xml"); !strings.Contains(xml, `<autoFilter ref="$A$1:$D$4">`) {
		t.Error("autofilter must end at the last data row")
	}
	if wb := zipPart(t, path, "xl/workbook.xml"); !strings.Contains(wb, `fullCalcOnLoad="true"`) {
		t.Error("totals should make Excel recalculate on open")
	}
}

func TestTableTotalsWithoutRows(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	tab := newTable(t, f, "Empty", []Column{{Name: "L"}, {Name: "N", Type: mappings.Decimal}}, TableOptions{AutoFilter: true})
	if err := tab.AppendTotals("Total", []int{1}); err != nil {
		t.Fatal(err)
	}
	if err := tab.AppendTotals("x", nil); err == nil {
		t.Error("second totals")
	}
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	g := openBook(t, saveBook(t, f))
	if fm, _ := g.GetCellFormula("Empty", "B2"); fm != "" {
		t.Errorf("no data rows: formula %q would point at itself", fm)
	}
	checkCells(t, g, "Empty", []cellCheck{{Cell: "B2", Type: tNum, Raw: "0"}, {Cell: "A1", Type: tStr, Raw: "L"}})

	f2 := excelize.NewFile()
	defer f2.Close()
	tab2 := newTable(t, f2, "S", []Column{{Name: "L"}, {Name: "N"}}, TableOptions{})
	for _, bad := range [][]int{{0}, {2}, {-1}} {
		if err := tab2.AppendTotals("Total", bad); err == nil {
			t.Errorf("sumCols %v must fail", bad)
		}
	}
}

func TestTableComments(t *testing.T) {
	for _, spool := range []bool{false, true} {
		t.Run(fmt.Sprintf("spool=%v", spool), func(t *testing.T) { testTableComments(t, spool) })
	}
}

func testTableComments(t *testing.T, spool bool) {
	f := excelize.NewFile()
	defer f.Close()
	tab := newTable(t, f, "Errors", []Column{{Name: "SKU"}, {Name: "Price", Type: mappings.Decimal}}, TableOptions{Spool: spool})
	defer tab.Close()
	row, err := tab.Append([]any{"A-1", dec("1")})
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.CellName(row, 1); got != "B2" {
		t.Fatalf("CellName = %s", got)
	}
	if got := tab.CellName(17, 2); got != "C17" {
		t.Fatalf("CellName(17, 2) = %s", got)
	}
	// the row is still held back for column sizing: comments may point at it anyway
	if err := tab.AddComment(row, 1, "etl", "price must be positive"); err != nil {
		t.Fatal(err)
	}
	if err := tab.AddComment(row, 5, "etl", "x"); err == nil {
		t.Error("comment on a column the table lacks")
	}
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := tab.AddComment(row, 0, "etl", "too late"); !errors.Is(err, ErrFlushed) {
		t.Errorf("comment after Flush: %v, want ErrFlushed", err)
	}
	path := saveBook(t, f, tab.Spool())
	// Excel needs the sheet's legacyDrawing link to show the note
	if xml := zipPart(t, path, "xl/worksheets/sheet1.xml"); !strings.Contains(xml, "legacyDrawing") {
		t.Error("sheet XML lacks <legacyDrawing>: Excel would not show the comment")
	}
	g := openBook(t, path)
	cm, err := g.GetComments("Errors")
	if err != nil || len(cm) != 1 || cm[0].Cell != "B2" || !strings.Contains(cm[0].Paragraph[0].Text, "positive") {
		t.Fatalf("comments %+v %v", cm, err)
	}
}

// Documents the excelize behaviour behind "comments before Flush": a comment
// added after StreamWriter.Flush is found by GetComments but the streamed
// sheet XML never gets its <legacyDrawing>. If this test starts failing after
// an excelize upgrade, the restriction in Table.AddComment can go.
func TestExcelizeCommentAfterStreamFlushLosesLink(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A1", []any{"h"}); err != nil {
		t.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.AddComment("Sheet1", excelize.Comment{Cell: "A1", Author: "x", Text: "late"}); err != nil {
		t.Fatal(err)
	}
	path := saveBook(t, f)
	g := openBook(t, path)
	if cm, _ := g.GetComments("Sheet1"); len(cm) != 1 {
		t.Fatalf("GetComments: %+v", cm)
	}
	if strings.Contains(zipPart(t, path, "xl/worksheets/sheet1.xml"), "legacyDrawing") {
		t.Fatal("excelize now links comments added after Flush; Table.AddComment could allow them")
	}
}

func TestTableColumnWidths(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	cols := []Column{{Name: "Auto"}, {Name: "Fixed", Width: 33}, {Name: "Sampled"}, {Name: "N", Type: mappings.Decimal},
		{Name: "Multi"}}
	tab := newTable(t, f, "W", cols, TableOptions{SampleRows: 2})
	rows := [][]any{
		{"short", "x", "abc", dec("1234567.89"), "one\ntwo"},
		{strings.Repeat("w", 30), "x", "abc", dec("1"), "a line of 20 chars..\nb"},
		{"x", "x", strings.Repeat("z", 70), dec("1"), nil}, // after the sample: must not widen
	}
	for _, r := range rows {
		if _, err := tab.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	g := openBook(t, saveBook(t, f))
	w := map[string]float64{}
	for _, c := range []string{"A", "B", "C", "D", "E"} {
		w[c], _ = g.GetColWidth("W", c)
	}
	if w["A"] < 30 || w["A"] > 40 {
		t.Errorf("Auto %v: want room for 30 chars", w["A"])
	}
	if w["B"] != 33 {
		t.Errorf("Fixed %v", w["B"])
	}
	if w["C"] > 15 {
		t.Errorf("Sampled %v: widened by a row after the sample", w["C"])
	}
	if w["D"] < 12 || w["D"] > 20 { // 1,234,567.89
		t.Errorf("N %v", w["D"])
	}
	if w["E"] < 20 || w["E"] > 28 {
		t.Errorf("Multi %v: want the longest line", w["E"])
	}
	rowsBack, _ := g.GetRows("W")
	if len(rowsBack) != 4 || rowsBack[3][2] != strings.Repeat("z", 70) {
		t.Errorf("rows %d", len(rowsBack))
	}
}

func TestTableStrictAndLenient(t *testing.T) {
	long := strings.Repeat("ä", MaxCellChars+5)
	vals := []any{dec("12345678901234567890"), int64(-1234567890123456789), "ctl\x01char\xff",
		long, time.Date(1850, 1, 1, 0, 0, 0, 0, time.UTC), 0.1 + 0.2, "=x"}
	cols := []Column{{Name: "d", Type: mappings.Decimal}, {Name: "i", Type: mappings.Int}, {Name: "s"},
		{Name: "long"}, {Name: "date", Type: mappings.Date}, {Name: "f", Type: mappings.Decimal}, {Name: "neutral"}}

	f := excelize.NewFile()
	defer f.Close()
	strict := newTable(t, f, "Strict", cols, TableOptions{})
	for i := range 5 {
		row := make([]any, len(cols))
		row[i] = vals[i]
		_, err := strict.Format(row)
		var ce *CellError
		if !errors.As(err, &ce) || ce.Col != i || ce.Column != cols[i].Name {
			t.Errorf("strict %s: %v", cols[i].Name, err)
		}
	}
	if _, err := strict.Format(make([]any, len(cols)+1)); err == nil {
		t.Error("too many values must fail")
	}

	lenient := newTable(t, f, "Lenient", cols, TableOptions{Lenient: true})
	if _, err := lenient.Append(vals); err != nil {
		t.Fatal(err)
	}
	if err := strict.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := lenient.Flush(); err != nil {
		t.Fatal(err)
	}
	g := openBook(t, saveBook(t, f))
	checkCells(t, g, "Lenient", []cellCheck{
		{Cell: "A2", Type: tStr, Raw: "12345678901234567890"},
		{Cell: "B2", Type: tStr, Raw: "-1234567890123456789"},
		{Cell: "C2", Type: tStr, Raw: "ctl\uFFFDchar\uFFFD"},
		{Cell: "E2", Type: tStr, Raw: "1850-01-01T00:00:00Z"},
		{Cell: "F2", Type: tNum, Raw: "0.3"}, // a float64 is rounded to 15 digits, as Excel would
		{Cell: "G2", Type: tStr, Raw: "=x"},  // Neutralize is off
	})
	got, _ := g.GetCellValue("Lenient", "D2")
	if n := len([]rune(got)); n != MaxCellChars {
		t.Errorf("long text kept %d characters, want %d", n, MaxCellChars)
	}
}

func TestTableDateSerials(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	cases := []struct {
		v      time.Time
		serial string
	}{
		{day(1900, 1, 1), "1"},
		{day(1900, 2, 28), "59"},
		{day(1900, 3, 1), "61"}, // Excel's phantom 1900-02-29 is 60
		{day(1970, 1, 1), "25569"},
		{day(2024, 2, 29), "45351"},
		{day(9999, 12, 31), "2958465"},
		{time.Date(2024, 2, 29, 23, 59, 59, 0, berlin), "45351"}, // a date column drops the time
	}
	f := excelize.NewFile()
	defer f.Close()
	tab := newTable(t, f, "D", []Column{{Name: "d", Type: mappings.Date}, {Name: "dt", Type: mappings.DateTime}, {Name: "any"}}, TableOptions{})
	for _, c := range cases {
		if _, err := tab.Append([]any{c.v, c.v, c.v}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tab.Format([]any{day(10000, 1, 1)}); err == nil {
		t.Error("year 10000 must fail")
	}
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	g := openBook(t, saveBook(t, f))
	for i, c := range cases {
		row := itoa(i + 2)
		raw, _ := g.GetCellValue("D", "A"+row, excelize.Options{RawCellValue: true})
		if raw != c.serial {
			t.Errorf("%v: serial %s, want %s", c.v, raw, c.serial)
		}
		// the date-time column shows the wall clock of the value's location
		shown, _ := g.GetCellValue("D", "B"+row)
		if want := c.v.Format("02.01.2006 15:04"); shown != want {
			t.Errorf("%v: date-time shows %q, want %q", c.v, shown, want)
		}
	}
	// an untyped column: midnight is a date, anything else a date-time
	if s, _ := g.GetCellValue("D", "C2"); s != "01.01.1900" {
		t.Errorf("untyped midnight shows %q", s)
	}
	if s, _ := g.GetCellValue("D", "C8"); s != "29.02.2024 23:59" {
		t.Errorf("untyped date-time shows %q", s)
	}
	// seconds survive the 15-digit rounding
	f2 := excelize.NewFile()
	defer f2.Close()
	tab2 := newTable(t, f2, "T", []Column{{Name: "dt", Type: mappings.DateTime, NumFmt: "yyyy-mm-dd hh:mm:ss"}}, TableOptions{})
	var want []string
	for s := range 86400 / 997 {
		v := time.Date(9999, 12, 31, 0, 0, s*997, 0, time.UTC)
		want = append(want, v.Format("2006-01-02 15:04:05"))
		if _, err := tab2.Append([]any{v}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tab2.Flush(); err != nil {
		t.Fatal(err)
	}
	g2 := openBook(t, saveBook(t, f2))
	rows, _ := g2.GetRows("T")
	for i, w := range want {
		if rows[i+1][0] != w {
			t.Errorf("%s shows %s", w, rows[i+1][0])
		}
	}
}

func TestTableDate1904(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	on := true
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &on}); err != nil {
		t.Fatal(err)
	}
	tab := newTable(t, f, "S", []Column{{Name: "d", Type: mappings.Date}}, TableOptions{})
	for _, v := range []time.Time{time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1904, 1, 2, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)} {
		if _, err := tab.Append([]any{v}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tab.Format([]any{time.Date(1903, 12, 31, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Error("1903 does not exist in the 1904 date system")
	}
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	g := openBook(t, saveBook(t, f))
	checkCells(t, g, "S", []cellCheck{
		// excelize's formatter applies 1900 quirks to serials below 61 in
		// either system, so only the raw serials are checked there
		{Cell: "A2", Type: tNum, Raw: "0"},
		{Cell: "A3", Type: tNum, Raw: "1"},
		{Cell: "A4", Type: tNum, Raw: "43889", Shown: "29.02.2024"},
	})
}

func TestTableSheetsAndLimits(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	a := newTable(t, f, "First", []Column{{Name: "x"}}, TableOptions{})
	b := newTable(t, f, "Second", []Column{{Name: "y"}}, TableOptions{})
	b.maxRows = 3
	for i := range 2 {
		if _, err := b.Append([]any{"v"}); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	if _, err := b.Append([]any{"v"}); !errors.Is(err, ErrRowLimit) {
		t.Fatalf("past the limit: %v", err)
	}
	if err := b.AppendTotals("T", nil); !errors.Is(err, ErrRowLimit) {
		t.Fatalf("totals past the limit: %v", err)
	}
	if _, err := a.Append([]any{"w"}); err != nil {
		t.Fatal(err)
	}
	for _, tab := range []*Table{a, b} {
		if err := tab.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Append([]any{"late"}); !errors.Is(err, ErrFlushed) {
		t.Errorf("append after Flush: %v", err)
	}
	g := openBook(t, saveBook(t, f))
	if list := g.GetSheetList(); strings.Join(list, ",") != "First,Second" {
		t.Errorf("sheets %v", list)
	}
	if rows, _ := g.GetRows("Second"); len(rows) != 3 {
		t.Errorf("Second has %d rows", len(rows))
	}

	for _, bad := range []string{"", "a:b", "x[1]", strings.Repeat("ä", 32), "History", "'q"} {
		if _, err := NewTable(f, bad, []Column{{Name: "x"}}, TableOptions{}); err == nil {
			t.Errorf("sheet name %q accepted", bad)
		}
	}
	if _, err := NewTable(f, "NoCols", nil, TableOptions{}); err == nil {
		t.Error("no columns accepted")
	}
	if _, err := NewTable(f, "BadFmt", []Column{{Name: "x"}}, TableOptions{DateTimeFormat: "2006-01-02"}); err == nil {
		t.Error("a Go layout as Excel date format accepted")
	}
}

func TestTableFormatConcurrent(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	tab := newTable(t, f, "C", []Column{{Name: "s"}, {Name: "d", Type: mappings.Decimal}, {Name: "t", Type: mappings.DateTime}}, TableOptions{Neutralize: true})
	rows := make([]*Row, 400)
	var wg sync.WaitGroup
	for i := range rows {
		wg.Go(func() {
			r, err := tab.Format([]any{"=" + itoa(i), dec(itoa(i) + ".5"), time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC)})
			if err != nil {
				t.Error(err)
			}
			rows[i] = r
		})
	}
	wg.Wait()
	for _, r := range rows {
		if _, err := tab.AppendRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	g := openBook(t, saveBook(t, f))
	checkCells(t, g, "C", []cellCheck{
		{Cell: "A2", Type: tStr, Raw: "=0"},
		{Cell: "B401", Type: tNum, Raw: "399.5"},
		{Cell: "C401", Type: tNum, Raw: "45292.0046180556", Shown: "01.01.2024 00:06"},
	})
}

func TestSaveReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a", "b.xlsx")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := excelize.NewFile()
	defer f.Close()
	tab := newTable(t, f, "S", []Column{{Name: "x"}}, TableOptions{})
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := Save(f, path, atomicfile.Options{KeepMode: true}); err != nil {
		t.Fatal(err)
	}
	g := openBook(t, path)
	if v, _ := g.GetCellValue("S", "A1"); v != "x" {
		t.Fatalf("A1 = %q", v)
	}
	noTemp(t, filepath.Dir(path))
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want the replaced file's", fi.Mode().Perm())
	}
	if err := Save(f, filepath.Join(dir, "a"), atomicfile.Options{}); err == nil {
		t.Error("saving over a folder must fail")
	}
	noTemp(t, dir)
}

// A Formatted value is its number with its own format, streamed or
// spooled: the cell holds the number and shows it padded or as a date;
// text that is no number stays text.
func TestTableFormatted(t *testing.T) {
	for _, spool := range []bool{false, true} {
		f := excelize.NewFile()
		tab := newTable(t, f, "F", []Column{{Name: "a"}, {Name: "b"}}, TableOptions{Spool: spool, SampleRows: 1})
		rows := [][]any{
			{Formatted{Number: "1067", Format: "00000"}, Formatted{Number: "46082.5", Format: "yyyy-mm-dd hh:mm:ss"}},
			{Formatted{Number: "7", Format: "00000"}, Formatted{Number: "x", Format: "00000"}},
		}
		for _, r := range rows {
			if _, err := tab.Append(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := tab.Flush(); err != nil {
			t.Fatal(err)
		}
		path := saveBook(t, f, tab.Spool())
		tab.Close()
		f.Close()
		g := openBook(t, path)
		for cell, want := range map[string][3]string{
			"A2": {"1067", "01067", ""}, "B2": {"46082.5", "2026-03-01 12:00:00", ""},
			"A3": {"7", "00007", ""}, "B3": {"x", "x", "text"},
		} {
			raw, _ := g.GetCellValue("F", cell, excelize.Options{RawCellValue: true})
			shown, _ := g.GetCellValue("F", cell)
			typ, _ := g.GetCellType("F", cell)
			if raw != want[0] || shown != want[1] || (typ == tNum) != (want[2] == "") {
				t.Errorf("spool %v, %s: %q shows %q (type %v), want %q %q", spool, cell, raw, shown, typ, want[0], want[1])
			}
		}
	}
}
