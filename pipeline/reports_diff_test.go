package pipeline_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// A re-import of errors.xlsx reports each record at its row in the first
// file (the _row column), where the merchant looks for it.
func TestDiffReportShowsOriginalRow(t *testing.T) {
	dir := t.TempDir()
	d, err := pipeline.NewDiffReport(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	h := record.NewHeader([]string{"SKU", "Preis", "_row", "_field", "_error"})
	rec := &record.Record{Row: 2, Header: h, Fields: []string{"A-1", "x", "1187", "Preis", "not a number"}}
	if err := d.Add(rec, nil, pipeline.Failed, errors.New("not a number")); err != nil {
		t.Fatal(err)
	}
	x, _, err := d.Close(nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(filepath.Join(dir, filepath.Base(x)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("Errors")
	if len(rows) != 2 || rows[1][0] != "1187" {
		t.Errorf("errors %q, want the original row 1187", rows)
	}
}
