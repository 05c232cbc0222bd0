package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/testkit"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/record"
)

// colErr is a sink error that names its field and source column.
type colErr struct{ field, column string }

func (e colErr) Error() string                       { return "the Wawi refuses " + e.field }
func (e colErr) ErrorColumn() (field, column string) { return e.field, e.column }

func TestErrorBook(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reports", "job", ErrorBookName)
	h := record.NewHeader([]string{"Artikel", "Preis", "_row", "_error"})
	b := NewErrorBook(path, h)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.Add(&record.Record{Row: 7, Header: h, Fields: []string{"A-1", "zwölf", "", "old"}},
		fieldErrors{{Target: "Price", Column: "Preis", Value: "zwölf", Reason: "not a number"}}))
	must(b.Add(&record.Record{Row: 9, Header: h, Fields: []string{"=A-2", "1,00", "3", ""}}, colErr{"SKU", "Artikel"}))
	got, err := b.Close()
	must(err)
	if got != path {
		t.Fatalf("path %q", got)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v: want 0600", fi.Mode(), err)
	}
	f, err := excelize.OpenFile(path)
	must(err)
	testkit.CheckDimensions(t, path)
	defer f.Close()
	rows, err := f.GetRows(errorSheet)
	must(err)
	want := [][]string{
		{"Artikel", "Preis", "_row", "_field", "_error"},
		{"A-1", "zwölf", "7", "Price", `[Price (column "Preis"): value "zwölf": not a number]`},
		{"=A-2", "1,00", "3", "SKU", "the Wawi refuses SKU"}, // as read, and pointing at the first file's row
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %q", rows)
	}
	for i := range want {
		for j := range want[i] {
			if j >= len(rows[i]) || rows[i][j] != want[i][j] {
				t.Errorf("row %d: %q, want %q", i+1, rows[i], want[i])
				break
			}
		}
	}
	if typ, _ := f.GetCellType(errorSheet, "C3"); typ != excelize.CellTypeUnset {
		t.Errorf("_row is %v, want a number", typ)
	}
	if st, _ := f.GetCellStyle(errorSheet, "C2"); st != 0 {
		t.Errorf("_row has style %d, want General", st)
	}
	comments, err := f.GetComments(errorSheet)
	must(err)
	if len(comments) != 2 || comments[0].Cell != "B2" || comments[1].Cell != "A3" {
		t.Errorf("comments %+v, want B2 (Preis) and A3 (Artikel)", comments)
	}

	// a run without failures removes the last run's workbook
	b.Reset()
	if got, err := b.Close(); err != nil || got != "" {
		t.Fatalf("close: %q, %v", got, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale workbook left: %v", err)
	}
}

// A source without columns (Wawi documents) shows each document's
// identifying fields as columns of their own, under their names; a
// document with none of them is kept as JSON.
func TestErrorBookDocuments(t *testing.T) {
	path := filepath.Join(t.TempDir(), ErrorBookName)
	b := NewErrorBook(path, nil)
	doc := func(number, ext string, id int) map[string]any {
		return map[string]any{"Number": number, "ExternalNumber": ext, "Id": json.Number(strconv.Itoa(id)),
			"CustomerId": json.Number("4711"), "BillingAddress": map[string]any{"City": "Köln"}}
	}
	ferr := &mappings.FieldError{Target: "Total", Column: "Number", Reason: "missing"}
	for i, d := range []map[string]any{doc("AU-1", "EB-9", 17), doc("AU-2", "", 18)} {
		if err := b.Add(&record.Record{Row: i + 1, Doc: d}, ferr); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	testkit.CheckDimensions(t, path)
	defer f.Close()
	rows, _ := f.GetRows(errorSheet)
	want := [][]string{
		{"Number", "ExternalNumber", "Id", "CustomerId", "_row", "_field", "_error"},
		{"AU-1", "EB-9", "17", "4711", "1", "Total", `Total (column "Number"): missing`},
		{"AU-2", "", "18", "4711", "2", "Total", `Total (column "Number"): missing`},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("rows\n%q\nwant\n%q", rows, want)
	}
	if typ, _ := f.GetCellType(errorSheet, "C2"); typ != excelize.CellTypeUnset {
		t.Errorf("Id is %v, want a number", typ)
	}

	// no identifying field: the document as JSON, never a Go map dump
	path = filepath.Join(t.TempDir(), ErrorBookName)
	b = NewErrorBook(path, nil)
	if err := b.Add(&record.Record{Row: 3, Doc: map[string]any{"id": "7"}}, ferr); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Close(); err != nil {
		t.Fatal(err)
	}
	g, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	rows, _ = g.GetRows(errorSheet)
	if len(rows) != 2 || rows[0][0] != "_record" || rows[1][0] != `{"id":"7"}` || rows[1][1] != "3" {
		t.Fatalf("rows %q", rows)
	}
}

// A booking line of the Wawi's accounting data that failed is named by its
// document's number, where an accountant finds it, and its line's name.
func TestErrorBookNamesAccountingDocuments(t *testing.T) {
	doc := map[string]any{"DocumentNumber": "RE200100", "DocumentId": json.Number("100"), "Type": json.Number("0"),
		"BillingAddress": map[string]any{"LastName": "Koch"}}
	line := map[string]any{"Name": "Kunststoff Winkel M4", "VatRate": json.Number("19")}
	rows, _ := errorBookOf(t, &record.Record{Row: 1, Doc: doc, LineItem: line, Document: 1, Line: 1}).GetRows(errorSheet)
	if want := `[[DocumentNumber LineItem.Name _row _field _error] [RE200100 Kunststoff Winkel M4 1  the Wawi refuses it]]`; fmt.Sprint(rows) != want {
		t.Errorf("rows %q, want %s", rows, want)
	}
}

// A stock, which has no id of its own, is named by its item and warehouse.
func TestErrorBookNamesStocks(t *testing.T) {
	doc := map[string]any{"ItemId": json.Number("87"), "WarehouseId": json.Number("1"), "QuantityTotal": json.Number("5")}
	rows, _ := errorBookOf(t, &record.Record{Row: 4, Doc: doc}).GetRows(errorSheet)
	if want := `[[ItemId WarehouseId _row _field _error] [87 1 4  the Wawi refuses it]]`; fmt.Sprint(rows) != want {
		t.Errorf("rows %q, want %s", rows, want)
	}
}

// errorBookOf writes an error workbook of rec, failed, and opens it (its
// used range checked); it is closed with the test.
func errorBookOf(t *testing.T, rec *record.Record) *excelize.File {
	t.Helper()
	path := filepath.Join(t.TempDir(), ErrorBookName)
	b := NewErrorBook(path, rec.Header)
	if err := b.Add(rec, errors.New("the Wawi refuses it")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	testkit.CheckDimensions(t, path)
	t.Cleanup(func() { f.Close() })
	return f
}

// Cells go back with the type they had: a number cell of an XLSX source
// is a number in errors.xlsx (so Excel edits it as one and a typed 13.45
// stays a number), text stays text even when it looks like a number.
func TestErrorBookKeepsCellTypes(t *testing.T) {
	h := record.NewHeader([]string{"SKU", "Preis", "EAN", "Formel"})
	f := errorBookOf(t, &record.Record{Row: 4, Header: h, Fields: []string{"A-1", "13.45", "0401234567890", "=1+1"}, Numeric: []bool{false, true, false, false}})
	for cell, want := range map[string]struct {
		typ excelize.CellType
		raw string
	}{"B2": {excelize.CellTypeUnset, "13.45"}, "C2": {excelize.CellTypeInlineString, "0401234567890"}, "D2": {excelize.CellTypeInlineString, "=1+1"}} {
		typ, _ := f.GetCellType(errorSheet, cell)
		raw, _ := f.GetCellValue(errorSheet, cell, excelize.Options{RawCellValue: true})
		if typ != want.typ || raw != want.raw {
			t.Errorf("%s: %v %q, want %v %q", cell, typ, raw, want.typ, want.raw)
		}
	}
	if !quotePrefixed(t, f, errorSheet, "D2") {
		t.Error("formula-like text without the quote prefix")
	}
	if fm, _ := f.GetCellFormula(errorSheet, "D2"); fm != "" {
		t.Errorf("D2 is a formula %q", fm)
	}
}

// A cell that showed other than its stored number (record.Record.Shown: a
// zero-padded SKU, a date, a time) is the same number with a format that
// shows it so again: Excel shows what the merchant saw, and a re-import
// reads both the shown text and the stored value as the original did.
func TestErrorBookKeepsShownCells(t *testing.T) {
	h := record.NewHeader([]string{"SKU", "PLZ", "Datum", "Zeitpunkt", "Uhrzeit", "Preis", "Name"})
	f := errorBookOf(t, &record.Record{Row: 2, Header: h,
		Fields:  []string{"1234", "1067", "46082", "46082.6041666667", "0.604166666666667", "12.5", "x"},
		Numeric: []bool{false, false, false, true, true, true, false},
		Shown:   []string{"01234", "01067", "2026-03-01", "2026-03-01T14:30:00", "14:30:00", "", ""}})
	for cell, want := range map[string]struct{ raw, format string }{
		"A2": {"1234", "00000"},
		"B2": {"1067", "00000"},
		"C2": {"46082", "yyyy-mm-dd"},
		"D2": {"46082.6041666667", "yyyy-mm-dd hh:mm:ss"},
		"E2": {"0.604166666666667", "hh:mm:ss"},
	} {
		typ, _ := f.GetCellType(errorSheet, cell)
		raw, _ := f.GetCellValue(errorSheet, cell, excelize.Options{RawCellValue: true})
		if typ != excelize.CellTypeUnset || raw != want.raw {
			t.Errorf("%s: %v %q, want a number %q", cell, typ, raw, want.raw)
		}
		id, _ := f.GetCellStyle(errorSheet, cell)
		st, err := f.GetStyle(id)
		if err != nil || st.CustomNumFmt == nil || *st.CustomNumFmt != want.format {
			t.Errorf("%s: style %+v %v, want format %q", cell, st, err, want.format)
		}
	}
	if v, _ := f.GetCellValue(errorSheet, "A2"); v != "01234" {
		t.Errorf("A2 shows %q", v)
	}
	if v, _ := f.GetCellValue(errorSheet, "G2"); v != "x" {
		t.Errorf("G2 %q", v)
	}
}

func TestShownFormat(t *testing.T) {
	for shown, want := range map[string]string{
		"01234": "00000", "0": "0", "2026-03-01": "yyyy-mm-dd", "2026-03-01T14:30:00": "yyyy-mm-dd hh:mm:ss",
		"14:30:00": "hh:mm:ss", "": "", "1,5": "", "-0123": "", "2026-03-01 14:30": "",
	} {
		if got, ok := shownFormat(shown); got != want || ok != (want != "") {
			t.Errorf("shownFormat(%q) = %q %v, want %q", shown, got, ok, want)
		}
	}
}
