package report

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

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

// A source without columns (Wawi documents) keeps the record in a column
// of its own, and the row, field and reason stay under their headers.
func TestErrorBookDocuments(t *testing.T) {
	path := filepath.Join(t.TempDir(), ErrorBookName)
	b := NewErrorBook(path, nil)
	err := &mappings.FieldError{Target: "Total", Column: "", Reason: "missing"}
	if err := b.Add(&record.Record{Row: 3, Doc: map[string]any{"id": "7"}}, err); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Close(); err != nil {
		t.Fatal(err)
	}
	f, ferr := excelize.OpenFile(path)
	if ferr != nil {
		t.Fatal(ferr)
	}
	defer f.Close()
	rows, _ := f.GetRows(errorSheet)
	if len(rows) != 2 || len(rows[1]) != 4 || rows[0][0] != "_record" || rows[1][0] != "map[id:7]" || rows[1][1] != "3" || rows[1][2] != "Total" {
		t.Fatalf("rows %q", rows)
	}
}
