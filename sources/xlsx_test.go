package sources

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/pipeline"
)

// saveBook builds a workbook with build and saves it as in.xlsx in a fresh
// folder, which it returns.
func saveBook(t *testing.T, build func(f *excelize.File)) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	build(f)
	dir := t.TempDir()
	if err := f.SaveAs(filepath.Join(dir, "in.xlsx")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func openXLSXDir(t *testing.T, dir string, spec pipeline.SourceSpec) (*XLSXSource, error) {
	t.Helper()
	spec.Type, spec.Path = "xlsx", "in.xlsx"
	src, err := OpenXLSX(context.Background(), &spec, &pipeline.Env{JobDir: dir})
	if err != nil {
		return nil, err
	}
	xs := src.(*XLSXSource)
	t.Cleanup(func() { xs.Close() })
	return xs, nil
}

// setRows writes rows from A<first> on; nil cells stay empty.
func setRows(t *testing.T, f *excelize.File, sheet string, first int, rows ...[]any) {
	t.Helper()
	for i, r := range rows {
		for j, v := range r {
			if v == nil {
				continue
			}
			if err := f.SetCellValue(sheet, cellName(j, first+i), v); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestXLSXRawValues(t *testing.T) {
	day := time.Date(2023, 7, 16, 0, 0, 0, 0, time.UTC)
	dir := saveBook(t, func(f *excelize.File) {
		setRows(t, f, "Sheet1", 1,
			[]any{"SKU", " Name ", "Price", "Date", "Active", "Qty", "Code"},
			[]any{"A1", "Käse „Gouda“", 1234.5, day, true, 1, "00123"},
			[]any{"A2", "x", nil, 45123.75, false, 0, "1E3"},
			[]any{"A3"}, // short row: padded
		)
		// Stored as Excel stores =0.1+0.2; read as Excel shows it.
		if err := f.SetCellDefault("Sheet1", "C3", "0.30000000000000004"); err != nil {
			t.Fatal(err)
		}
	})
	src, err := openXLSXDir(t, dir, pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	h := src.Header()
	if want := []string{"SKU", "Name", "Price", "Date", "Active", "Qty", "Code"}; !reflect.DeepEqual(h.Names, want) {
		t.Errorf("header = %q, want %q", h.Names, want)
	}
	if !h.SerialDates || h.Date1904 {
		t.Errorf("SerialDates = %v, Date1904 = %v", h.SerialDates, h.Date1904)
	}
	checkRows(t, readAll(t, src), []row{
		{Line: 2, Fields: []string{"A1", "Käse „Gouda“", "1234.5", "45123", "TRUE", "1", "00123"}},
		{Line: 3, Fields: []string{"A2", "x", "0.3", "45123.75", "FALSE", "0", "1E3"}},
		{Line: 4, Fields: []string{"A3", "", "", "", "", "", ""}},
	})
	if src.Sheet() != "Sheet1" {
		t.Errorf("sheet = %q", src.Sheet())
	}
}

func TestXLSXDate1904(t *testing.T) {
	yes := true
	dir := saveBook(t, func(f *excelize.File) {
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
			t.Fatal(err)
		}
		setRows(t, f, "Sheet1", 1, []any{"SKU", "Date"}, []any{"A1", 43465.25})
	})
	src, err := openXLSXDir(t, dir, pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if h := src.Header(); !h.SerialDates || !h.Date1904 {
		t.Fatalf("SerialDates = %v, Date1904 = %v", h.SerialDates, h.Date1904)
	}
	recs := readAll(t, src)
	checkRows(t, recs, []row{{Line: 2, Fields: []string{"A1", "43465.25"}}})
	got, err := SerialToTime(43465.25, src.Header().Date1904)
	if want := time.Date(2023, 1, 1, 6, 0, 0, 0, time.UTC); err != nil || !got.Equal(want) {
		t.Errorf("date = %v %v, want %v", got, err, want)
	}
}

func TestXLSXRows(t *testing.T) {
	dir := saveBook(t, func(f *excelize.File) {
		setRows(t, f, "Sheet1", 1,
			[]any{"Preisliste 2024"},
			[]any{},
			[]any{"SKU", "Name", "Qty"},
			[]any{"Stk", "Text", "Anzahl"},
			[]any{"A1", "x", 1},
			[]any{}, // empty row in the middle
			[]any{"A2", nil, 2, nil, "extra"},
			[]any{"A3", "y", 3},
		)
		// A styled but empty cell right of the header and trailing rows
		// with nothing but formatting are not data.
		style, _ := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Color: []string{"FFFF00"}, Pattern: 1}})
		f.SetCellStyle("Sheet1", "D8", "D8", style)
		f.SetCellStyle("Sheet1", "A20", "C30", style)
		f.SetCellValue("Sheet1", "B40", "")
	})
	src, err := openXLSXDir(t, dir, pipeline.SourceSpec{HeaderRow: 3, Skip: 1})
	if err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, src)
	checkRows(t, recs, []row{
		{Line: 5, Fields: []string{"A1", "x", "1"}},
		{Line: 7, Fields: []string{"A2", "", "2"}, Err: `in.xlsx: sheet "Sheet1": row 7: cell E7 holds "extra", right of the last header column C`},
		{Line: 8, Fields: []string{"A3", "y", "3"}},
	})
	if !errors.Is(recs[1].Err, ErrFieldCount) {
		t.Errorf("error kind: %v", recs[1].Err)
	}
}

// An error workbook written by a run (the original columns, then _row,
// _field, _error) reads back like any other sheet. It is built the way the
// pipeline builds it: stream writer (text stored inline, not as shared
// strings), styled header, frozen pane, a comment on the bad cell, a table.
func TestXLSXErrorWorkbook(t *testing.T) {
	dir := saveBook(t, func(f *excelize.File) {
		f.SetSheetName("Sheet1", "Errors")
		sw, err := f.NewStreamWriter("Errors")
		if err != nil {
			t.Fatal(err)
		}
		bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
		sw.SetColWidth(5, 5, 60)
		sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
		hdr := []any{}
		for _, n := range []string{"SKU", "Preis", "_row", "_field", "_error"} {
			hdr = append(hdr, excelize.Cell{StyleID: bold, Value: n})
		}
		sw.SetRow("A1", hdr)
		sw.SetRow("A2", []any{"A1", "12,5x", "17", "Preis", "not a number: 12,5x"})
		sw.SetRow("A3", []any{"A2", "", "18", "SKU", "required"})
		if err := f.AddComment("Errors", excelize.Comment{Cell: "B2", Author: "etl", Text: "not a number"}); err != nil {
			t.Fatal(err)
		}
		if err := sw.AddTable(&excelize.Table{Range: "A1:E3", Name: "Errors", StyleName: "TableStyleLight1"}); err != nil {
			t.Fatal(err)
		}
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
	})
	src, err := openXLSXDir(t, dir, pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"SKU", "Preis", "_row", "_field", "_error"}; !reflect.DeepEqual(src.Header().Names, want) {
		t.Errorf("header = %q", src.Header().Names)
	}
	checkRows(t, readAll(t, src), []row{
		{Line: 2, Fields: []string{"A1", "12,5x", "17", "Preis", "not a number: 12,5x"}},
		{Line: 3, Fields: []string{"A2", "", "18", "SKU", "required"}},
	})
}

func TestXLSXSheets(t *testing.T) {
	dir := saveBook(t, func(f *excelize.File) {
		f.SetSheetName("Sheet1", "Artikel")
		f.NewSheet("Preise")
		f.NewSheet("2")
		setRows(t, f, "Artikel", 1, []any{"SKU"}, []any{"from Artikel"})
		setRows(t, f, "Preise", 1, []any{"SKU"}, []any{"from Preise"})
		setRows(t, f, "2", 1, []any{"SKU"}, []any{"from sheet named 2"})
	})
	for _, tt := range []struct{ sheet, want string }{
		{"", "from Artikel"},
		{"Preise", "from Preise"},
		{"preise", "from Preise"},
		{"1", "from Artikel"},
		{"3", "from sheet named 2"},
		{"2", "from sheet named 2"}, // a name wins over a position
	} {
		src, err := openXLSXDir(t, dir, pipeline.SourceSpec{Sheet: tt.sheet})
		if err != nil {
			t.Fatalf("sheet %q: %v", tt.sheet, err)
		}
		recs := readAll(t, src)
		if len(recs) != 1 || recs[0].Fields[0] != tt.want {
			t.Errorf("sheet %q: got %v", tt.sheet, recs)
		}
	}
	for _, tt := range []struct{ sheet, want string }{
		{"Bestand", `in.xlsx: source.sheet "Bestand" not found; the workbook has: 1 "Artikel", 2 "Preise", 3 "2"`},
		{"7", `source.sheet 7: there is no sheet 7; the workbook has: 1 "Artikel"`},
	} {
		_, err := openXLSXDir(t, dir, pipeline.SourceSpec{Sheet: tt.sheet})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("sheet %q: error %v, want %q", tt.sheet, err, tt.want)
		}
	}
}

// Without source.sheet the first sheet Excel shows is read: a hidden
// sheet before it (a supplier's settings) is skipped, as the merchant does
// not see it. Asked for by name or position it is read.
func TestXLSXHiddenFirstSheet(t *testing.T) {
	dir := saveBook(t, func(f *excelize.File) {
		f.SetSheetName("Sheet1", "Konfig")
		idx, _ := f.NewSheet("Artikel")
		f.SetActiveSheet(idx)
		setRows(t, f, "Konfig", 1, []any{"Schlüssel"}, []any{"from Konfig"})
		setRows(t, f, "Artikel", 1, []any{"SKU"}, []any{"from Artikel"})
		if err := f.SetSheetVisible("Konfig", false); err != nil {
			t.Fatal(err)
		}
	})
	for _, tt := range []struct{ sheet, want string }{{"", "from Artikel"}, {"Konfig", "from Konfig"}, {"1", "from Konfig"}} {
		src, err := openXLSXDir(t, dir, pipeline.SourceSpec{Sheet: tt.sheet})
		if err != nil {
			t.Fatalf("sheet %q: %v", tt.sheet, err)
		}
		if recs := readAll(t, src); len(recs) != 1 || recs[0].Fields[0] != tt.want {
			t.Errorf("sheet %q: got %v", tt.sheet, recs)
		}
	}
}

func TestXLSXHeaderErrors(t *testing.T) {
	tests := []struct {
		name  string
		build func(f *excelize.File)
		spec  pipeline.SourceSpec
		want  string
		kind  error
	}{{
		name: "blank header cell",
		build: func(f *excelize.File) {
			setRows(t, f, "Sheet1", 1, []any{"SKU", "Name", nil, "Qty"}, []any{"A", "b", "c", 1})
		},
		want: `in.xlsx: sheet "Sheet1": header row 1, cell C1 is empty`,
		kind: ErrHeader,
	}, {
		name: "header cell of spaces",
		build: func(f *excelize.File) {
			setRows(t, f, "Sheet1", 1, []any{"SKU", "  "})
		},
		want: "header row 1, cell B1 is empty",
		kind: ErrHeader,
	}, {
		name: "merged header in the middle",
		build: func(f *excelize.File) {
			setRows(t, f, "Sheet1", 1, []any{"SKU", "Preis", nil, "Qty"}, []any{"A", "1", "2", 3})
			f.MergeCell("Sheet1", "B1", "C1")
		},
		want: `in.xlsx: sheet "Sheet1": header row 1 has merged cells B1:C1`,
		kind: ErrHeader,
	}, {
		name: "merged header at the end leaves no blank cell",
		build: func(f *excelize.File) {
			setRows(t, f, "Sheet1", 1, []any{"SKU", "Preis"}, []any{"A", "1", "2"})
			f.MergeCell("Sheet1", "B1", "C1")
		},
		want: "header row 1 has merged cells B1:C1",
		kind: ErrHeader,
	}, {
		name: "merge from the row above",
		build: func(f *excelize.File) {
			setRows(t, f, "Sheet1", 1, []any{"SKU", "Preis"}, []any{nil, "netto"}, []any{"A", "1"})
			f.MergeCell("Sheet1", "A1", "A2")
		},
		spec: pipeline.SourceSpec{HeaderRow: 2},
		want: "header row 2 has merged cells A1:A2",
		kind: ErrHeader,
	}, {
		name: "duplicate names",
		build: func(f *excelize.File) {
			setRows(t, f, "Sheet1", 1, []any{"SKU", "Name", "SKU"})
		},
		want: `header row 1, cell C1 repeats the name "SKU" of cell A1`,
		kind: ErrHeader,
	}, {
		name:  "empty sheet",
		build: func(f *excelize.File) {},
		want:  `in.xlsx: sheet "Sheet1" is empty, no header row`,
	}, {
		name: "header row past the end",
		build: func(f *excelize.File) {
			setRows(t, f, "Sheet1", 1, []any{"SKU"}, []any{"A"})
		},
		spec: pipeline.SourceSpec{HeaderRow: 5},
		want: "header row 5 is past the last row of the sheet (2)",
	}, {
		name: "empty header row",
		build: func(f *excelize.File) {
			setRows(t, f, "Sheet1", 1, []any{}, []any{"A"})
		},
		want: "header row 1 is empty",
		kind: ErrHeader,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openXLSXDir(t, saveBook(t, tt.build), tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("error %v is not %v", err, tt.kind)
			}
		})
	}
}

// A header of two rows, names read from the first, with merges that span
// both rows of one column: nothing is lost, so it is allowed.
func TestXLSXTwoRowHeader(t *testing.T) {
	dir := saveBook(t, func(f *excelize.File) {
		setRows(t, f, "Sheet1", 1,
			[]any{"SKU", "Preis netto", "Preis brutto"},
			[]any{nil, "EUR", "EUR"},
			[]any{"A1", 10, 11.9},
		)
		f.MergeCell("Sheet1", "A1", "A2")
		f.MergeCell("Sheet1", "A5", "C5") // below the header, not our business
	})
	src, err := openXLSXDir(t, dir, pipeline.SourceSpec{Skip: 1})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, readAll(t, src), []row{{Line: 3, Fields: []string{"A1", "10", "11.9"}}})
}

func TestXLSXOpenErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := OpenXLSX(context.Background(), &pipeline.SourceSpec{Path: "missing.xlsx"}, &pipeline.Env{JobDir: dir})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), filepath.Join(dir, "missing.xlsx")) {
		t.Errorf("missing file: %v", err)
	}
	for name, tt := range map[string]struct {
		data []byte
		want string
	}{
		"csv.xlsx":   {[]byte("SKU;Name\n"), "in.xlsx is not an Excel workbook (.xlsx); if it is a CSV file, use source.type: csv"},
		"old.xlsx":   {[]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), "old Excel .xls file or a password-protected workbook"},
		"empty.xlsx": {nil, "in.xlsx: file is empty"},
		"zip.xlsx":   {[]byte("PK\x03\x04garbage"), "in.xlsx: cannot open the workbook"},
	} {
		if err := os.WriteFile(filepath.Join(dir, "in.xlsx"), tt.data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := openXLSXDir(t, dir, pipeline.SourceSpec{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", name, err, tt.want)
		}
	}
}

func TestScanMergeRefs(t *testing.T) {
	pad := strings.Repeat(`<row r="1"><c r="A1" t="inlineStr"><is><t>mergeCells &lt;mergeCells</t></is></c></row>`, 3000)
	for name, tt := range map[string]struct {
		xml  string
		want []string
	}{
		"plain":    {`<worksheet><sheetData>` + pad + `</sheetData><mergeCells count="2"><mergeCell ref="A1:B1"/><mergeCell ref="C3:C4"/></mergeCells></worksheet>`, []string{"A1:B1", "C3:C4"}},
		"prefixed": {`<x:worksheet><x:sheetData>` + pad + `</x:sheetData><x:mergeCells><x:mergeCell ref="A1:D1"/></x:mergeCells></x:worksheet>`, []string{"A1:D1"}},
		"none":     {`<worksheet><sheetData>` + pad + `</sheetData></worksheet>`, nil},
	} {
		got, err := scanMergeRefs(strings.NewReader(tt.xml))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q %v, want %q", name, got, err, tt.want)
		}
	}
	// The tag at every position across the edge of the first read (one
	// chunk plus the carry-over), with a prefix so the walk back to '<'
	// crosses it too.
	const firstRead = 64<<10 + 128
	for shift := range 40 {
		doc := strings.Repeat("x", firstRead-30+shift) + `<x:mergeCells><x:mergeCell ref="B2:C2"/></x:mergeCells>`
		got, err := scanMergeRefs(strings.NewReader(doc))
		if err != nil || len(got) != 1 || got[0] != "B2:C2" {
			t.Fatalf("shift %d: %q %v", shift, got, err)
		}
	}
}

// TestXLSXSizeEstimate: the sheet's dimension tells how many records to
// expect before any is read; a sheet whose writer could not know it (a
// streaming writer writes A1) is estimated from the size of its part.
func TestXLSXSizeEstimate(t *testing.T) {
	rows := make([][]any, 3000)
	for i := range rows {
		rows[i] = []any{fmt.Sprintf("A-%05d", i), "Schraube M4", 1.25}
	}
	dir := saveBook(t, func(f *excelize.File) {
		setRows(t, f, "Sheet1", 1, append([][]any{{"SKU", "Name", "Preis"}}, rows...)...)
	})
	// excelize writes the dimension A1; Excel and LibreOffice the range
	in := filepath.Join(dir, "in.xlsx")
	rewriteZipPart(t, in, "xl/worksheets/sheet1.xml", func(b []byte) []byte {
		return bytes.Replace(b, []byte(`<dimension ref="A1">`), []byte(`<dimension ref="A1:C3001">`), 1)
	})
	src, err := openXLSXDir(t, dir, pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if got := src.SizeEstimate(); got != 3000 {
		t.Errorf("estimate %d, want the 3000 records the dimension A1:C3001 gives", got)
	}
	src.Close()
	src, err = openXLSXDir(t, dir, pipeline.SourceSpec{HeaderRow: 1, Skip: 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := src.SizeEstimate(); got != 2990 {
		t.Errorf("estimate with 10 rows skipped %d, want 2990", got)
	}
	src.Close()

	dir = saveBook(t, func(f *excelize.File) {
		sw, err := f.NewStreamWriter("Sheet1")
		if err != nil {
			t.Fatal(err)
		}
		_ = sw.SetRow("A1", []any{"SKU", "Name", "Preis"})
		for i := 2; i <= 5001; i++ {
			_ = sw.SetRow(cellName(0, i), []any{fmt.Sprintf("A-%05d", i), "Schraube M4", 1.25})
		}
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
	})
	src, err = openXLSXDir(t, dir, pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if got := src.SizeEstimate(); got < 4750 || got > 5250 {
		t.Errorf("estimate of a streamed sheet %d, want 5000 ± 5%%", got)
	}
	n := 0
	for {
		if _, err := src.Next(context.Background()); err != nil {
			break
		}
		n++
	}
	if n != 5000 {
		t.Errorf("read %d records", n)
	}
}

// rewriteZipPart rewrites the zip at path with one part changed by edit.
func rewriteZipPart(t *testing.T, path, name string, edit func([]byte) []byte) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if f.Name == name {
			nb := edit(b)
			found = !bytes.Equal(nb, b)
			b = nb
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	zr.Close()
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatalf("%s: part %s missing or unchanged", path, name)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestXLSXNumbersAsShown: numbers read at the 15 significant digits Excel
// and LibreOffice show, so float noise never reaches a decimal; integers
// and long IDs stored as numbers stay exact.
func TestXLSXNumbersAsShown(t *testing.T) {
	stored := []string{"70.84999999999999", "0.30000000000000004", "4006381333931", "12345678901234567",
		"-0.30000000000000004", "1.5E-7", "4.006381333931E12", "19.989999999999998", "2.5", "1E+25", "45123.520833333336"}
	want := []string{"70.85", "0.3", "4006381333931", "12345678901234567",
		"-0.3", "0.00000015", "4006381333931", "19.99", "2.5", "10000000000000000000000000", "45123.5208333333"}
	dir := saveBook(t, func(f *excelize.File) {
		setRows(t, f, "Sheet1", 1, []any{"SKU", "Value"})
		for i, v := range stored {
			setRows(t, f, "Sheet1", i+2, []any{fmt.Sprint(i)})
			if err := f.SetCellDefault("Sheet1", cellName(1, i+2), v); err != nil {
				t.Fatal(err)
			}
		}
	})
	src, err := openXLSXDir(t, dir, pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range readAll(t, src) {
		if rec.Fields[1] != want[i] || rec.Err != nil {
			t.Errorf("stored %s: read %q (%v), want %q", stored[i], rec.Fields[1], rec.Err, want[i])
		}
	}
}

// A number shown as TRUE by its format stays a number, and a boolean cell
// reads TRUE or FALSE whatever its format: the cell type decides, in the
// same pass.
func TestXLSXBooleansByType(t *testing.T) {
	dir := saveBook(t, func(f *excelize.File) {
		setRows(t, f, "Sheet1", 1, []any{"SKU", "Flag", "Num"}, []any{"A1", true, 1}, []any{"A2", false, 0})
		custom := `"TRUE";"TRUE";"FALSE"`
		style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &custom})
		if err != nil {
			t.Fatal(err)
		}
		f.SetCellStyle("Sheet1", "C2", "C3", style)
	})
	src, err := openXLSXDir(t, dir, pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, readAll(t, src), []row{
		{Line: 2, Fields: []string{"A1", "TRUE", "1"}},
		{Line: 3, Fields: []string{"A2", "FALSE", "0"}},
	})
}

func TestAppendNumber(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "-0": "0", "000": "0", "007": "007", "1.50": "1.5", "1.": "1", "0.0": "0", "-0.0": "0",
		"123456789012345678901234567890":       "123456789012345678901234567890",
		"0.1000000000000000055511151231257827": "0.1", "1e-40": "1E-40", "+5": "5",
		" 12 ": "12", "1.7976931348623157e308": "1.79769313486232E+308",
	} {
		got, ok := appendNumber(nil, []byte(in))
		if !ok || string(got) != want {
			t.Errorf("%q: %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "abc", "1,5", "NaN", "Inf", "-", "1e999"} {
		if got, ok := appendNumber(nil, []byte(in)); ok {
			t.Errorf("%q: %q, want not a number", in, got)
		}
	}
}
