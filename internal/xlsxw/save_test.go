package xlsxw

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/atomicfile"
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
