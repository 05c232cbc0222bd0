package xlsxw

import (
	"archive/zip"
	"bytes"
	"fmt"
	"hash/crc32"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/internal/testkit"
)

func TestWriteRoundTrip(t *testing.T) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for r := 1; r <= 1000; r++ {
		cell, _ := excelize.CoordinatesToCellName(1, r)
		if err := sw.SetRow(cell, []any{r, fmt.Sprintf("Zeile %d", r)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(f, &buf); err != nil {
		t.Fatal(err)
	}
	back, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := back.GetCellValue("Sheet1", "B1000"); v != "Zeile 1000" {
		t.Errorf("B1000 = %q", v)
	}
	if v, _ := back.GetCellValue("Sheet1", "A500"); v != "500" {
		t.Errorf("A500 = %q", v)
	}
}

// A workbook can hold a streamed Table and a spooled table that goes on
// over a second sheet; Save splices the spooled rows into their sheets.
func TestSpoolAndTableInOneWorkbook(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	tab, err := NewTable(f, "Data", []Column{{Name: "n"}}, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Append([]any{int64(1)}); err != nil {
		t.Fatal(err)
	}
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	st, err := NewSpoolStyles(f)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sp := NewSpool(dir, "Rows", st, SpoolOptions{SheetRows: 2})
	defer sp.Close()
	for i := range 3 {
		if !sp.StartRow() {
			t.Fatal(sp.Err())
		}
		sp.Int(0, int64(i))
		sp.Text(1, fmt.Sprintf("=row %d", i))
		sp.Decimal(2, dec("19.90"), false)
		sp.EndRow()
	}
	sheets := sp.Sheets(3)
	if len(sheets) != 2 || sheets[0].Name != "Rows" || sheets[1].Name != "Rows (2)" || sheets[0].Ref != "A1:C3" || sheets[1].Ref != "A1:C2" {
		t.Fatalf("sheets %+v", sheets)
	}
	for _, sh := range sheets {
		if _, err := f.NewSheet(sh.Name); err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow(sh.Name, "A1", &[]any{"n", "text", "price"}); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "out", "book.xlsx")
	if err := Save(f, path, atomicfile.Private, sp); err != nil {
		t.Fatal(err)
	}
	g := openBook(t, path)
	checkCells(t, g, "Rows", []cellCheck{
		{Cell: "A1", Type: excelize.CellTypeSharedString, Raw: "n"},
		{Cell: "A3", Type: tNum, Raw: "1", NumFmt: "0"},
		{Cell: "B2", Type: tStr, Raw: "=row 0"},
		{Cell: "C2", Type: tNum, Raw: "19.90", NumFmt: "#,##0.00"},
	})
	checkCells(t, g, "Rows (2)", []cellCheck{{Cell: "A2", Type: tNum, Raw: "2"}})
	checkCells(t, g, "Data", []cellCheck{{Cell: "A2", Type: tNum, Raw: "1"}})
	noTemp(t, filepath.Dir(path))
}

// crc32Combine gives the CRC-32 of two parts one after the other, for
// every split of texts of several lengths.
func TestCRC32Combine(t *testing.T) {
	data := make([]byte, 3000)
	for i := range data {
		data[i] = byte(i*7 + i/13)
	}
	for _, n := range []int{0, 1, 2, 7, 64, 999, 3000} {
		b := data[:n]
		for cut := 0; cut <= n; cut += max(1, n/17) {
			got := crc32Combine(crc32.ChecksumIEEE(b[:cut]), crc32.ChecksumIEEE(b[cut:]), int64(n-cut))
			if want := crc32.ChecksumIEEE(b); got != want {
				t.Fatalf("%d bytes cut at %d: %08x, want %08x", n, cut, got, want)
			}
		}
	}
}

// A spooled sheet's entry (rows compressed as they were spooled, flushed
// more than once, between the compressed head and tail) reads back whole
// through archive/zip, which checks its CRC-32 and size, and holds every
// row in order.
func TestSpooledSheetEntryReadsBack(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	st, err := NewSpoolStyles(f)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sp := NewSpool(dir, "Rows", st, SpoolOptions{})
	defer sp.Close()
	const rows = 5000
	for i := range rows {
		if !sp.StartRow() {
			t.Fatal(sp.Err())
		}
		sp.Int(0, int64(i))
		sp.Text(1, fmt.Sprintf("Zeile %d – Größe %d", i, i*i))
		sp.EndRow()
		if i == rows/2 {
			if err := sp.Flush(); err != nil { // a flush in the middle: the stream goes on
				t.Fatal(err)
			}
		}
	}
	sh := sp.Sheets(2)
	if _, err := f.NewSheet(sh[0].Name); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "book.xlsx")
	if err := Save(f, path, atomicfile.Private, sp); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	found := false
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc) // a wrong CRC-32 or size is an error here
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", zf.Name, err)
		}
		if strings.Contains(string(b), "Zeile 0 ") {
			found = true
			if n := strings.Count(string(b), "<row "); n != rows {
				t.Errorf("%s: %d rows, want %d", zf.Name, n, rows)
			}
			if !strings.Contains(string(b), fmt.Sprintf("Zeile %d – Größe %d", rows-1, (rows-1)*(rows-1))) || !strings.HasSuffix(string(b), "</worksheet>") {
				t.Errorf("%s: the last row or the sheet's end is missing", zf.Name)
			}
		}
	}
	if !found {
		t.Fatal("no sheet with the rows")
	}
	g := openBook(t, path)
	checkCells(t, g, "Rows", []cellCheck{{Cell: "B5001", Type: tStr, Raw: fmt.Sprintf("Zeile %d – Größe %d", rows-1, (rows-1)*(rows-1))}})
}

// Every sheet states the range its cells span, however it was written:
// cell by cell (with styled empty cells past the values), by excelize's
// StreamWriter (a Table without Spool), spooled, or not at all. openpyxl's
// read-only mode reads only that range.
func TestSheetsStateTheirUsedRange(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 12; i++ {
		must(f.SetCellValue("Sheet1", "A"+itoa(i), fmt.Sprintf("Angabe %d", i)))
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	must(err)
	must(f.SetCellStyle("Sheet1", "C1", "C3", bold)) // styled, empty: Excel counts them
	streamed := newTable(t, f, "Streamed", []Column{{Name: "a"}, {Name: "b"}, {Name: "c"}}, TableOptions{})
	spooled := newTable(t, f, "Spooled", []Column{{Name: "a"}, {Name: "b"}}, TableOptions{Spool: true})
	defer spooled.Close()
	for i := range 1500 { // past the rows held back to size the columns
		_, err := streamed.Append([]any{int64(i), "x", "y"})
		must(err)
		_, err = spooled.Append([]any{int64(i), "z"})
		must(err)
	}
	must(streamed.Flush())
	must(spooled.Flush())
	_, err = f.NewSheet("Empty")
	must(err)
	path := saveBook(t, f, spooled.Spool())
	testkit.CheckDimensions(t, path)
	for part, want := range map[string]string{"xl/worksheets/sheet1.xml": "A1:C12", "xl/worksheets/sheet2.xml": "A1:C1501",
		"xl/worksheets/sheet3.xml": "A1:B1501", "xl/worksheets/sheet4.xml": "A1"} {
		if xml := zipPart(t, path, part); !strings.Contains(xml, `<dimension ref="`+want+`"`) {
			t.Errorf("%s: want <dimension ref=%q>", part, want)
		}
	}

	py := testkit.OpenpyxlPython(t)
	out, err := exec.Command(py, "-c", `import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
for ws in wb.worksheets:
    rows = list(ws.iter_rows(values_only=True))
    print(ws.title, len(rows), max((len(r) for r in rows), default=0))
`, path).CombinedOutput()
	if err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, out)
	}
	if got, want := string(out), "Sheet1 12 3\nStreamed 1501 3\nSpooled 1501 2\nEmpty 0 0\n"; got != want {
		t.Errorf("openpyxl read-only reads (sheet, rows, columns):\n%s\nwant\n%s", got, want)
	}
}

// smallWorkbook is a workbook of a few rows, its cells saying which it is.
func smallWorkbook(t *testing.T, id int) *excelize.File {
	t.Helper()
	f := excelize.NewFile()
	for r := 1; r <= 20; r++ {
		cell, _ := excelize.CoordinatesToCellName(1, r)
		if err := f.SetCellValue("Sheet1", cell, fmt.Sprintf("Mappe %d Zeile %d", id, r)); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// The compressors of zip entries are recycled: workbooks written at the same
// time must each get whole entries of their own, and a small workbook must
// not cost a fresh compressor (about 1 MB each) per part.
func TestWriteRecyclesCompressors(t *testing.T) {
	const n = 8
	bufs := make([]bytes.Buffer, n)
	errs := make(chan error, n)
	for i := range n {
		f := smallWorkbook(t, i)
		go func() { errs <- Write(f, &bufs[i]) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		back, err := excelize.OpenReader(bytes.NewReader(bufs[i].Bytes()))
		if err != nil {
			t.Fatalf("workbook %d: %v", i, err)
		}
		if v, _ := back.GetCellValue("Sheet1", "A20"); v != fmt.Sprintf("Mappe %d Zeile 20", i) {
			t.Errorf("workbook %d: A20 = %q", i, v)
		}
	}
	if raceEnabled {
		return // the race detector makes its own allocations
	}
	f := smallWorkbook(t, 0)
	var sink bytes.Buffer
	Write(f, &sink) // warm the pool
	entries := 0
	if z, err := zip.NewReader(bytes.NewReader(sink.Bytes()), int64(sink.Len())); err == nil {
		entries = len(z.File)
	}
	// the median of single writes: a collection in between empties the
	// pool, and the write after it allocates its compressors afresh
	const writes = 7
	allocs := make([]uint64, writes)
	for i := range allocs {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		sink.Reset()
		if err := Write(f, &sink); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		allocs[i] = after.TotalAlloc - before.TotalAlloc
	}
	slices.Sort(allocs)
	perWrite := allocs[writes/2]
	// a fresh flate.Writer per entry was ~1 MB × entries
	if entries < 8 || perWrite > 2<<20 {
		t.Errorf("writing a small workbook of %d parts allocates %d KB (want < 2 MB: the compressors are recycled)", entries, perWrite>>10)
	}
}
