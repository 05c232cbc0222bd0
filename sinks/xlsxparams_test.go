package sinks

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// The parameter sheet gives counts as numbers (an order number with a
// leading zero stays text) and the time of the run in the job's zone with
// its offset.
func TestXLSXParametersTyped(t *testing.T) {
	dir := t.TempDir()
	tg := []mappings.Target{{Path: "SKU", Type: mappings.String}}
	e := env(dir, tg)
	e.JobName = "export"
	e.Now = func() time.Time { return time.Date(2025, 6, 30, 22, 30, 0, 0, time.UTC) }
	s := openXLSXSink(t, &pipeline.SinkSpec{Path: "out.xlsx", ParametersSheet: true}, e)
	s.SetParameters(func() [][2]string {
		return [][2]string{{"Time zone", "Europe/Berlin"}, {"Documents", "102"}, {"First order", "00123"}, {"Note", "=1+1"}}
	})
	run(t, s, tg, []any{"A-1"}, []any{"A-2"})
	if err := s.Close(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	f := openBook(t, filepath.Join(dir, "out.xlsx"))
	checkCells(t, f, ParametersSheet, []cellCheck{
		{Cell: "B4", Type: tNum, Raw: "2"},                              // Rows
		{Cell: "B6", Type: tNum, Raw: "102"},                            // Documents
		{Cell: "B7", Type: excelize.CellTypeSharedString, Raw: "00123"}, // not a count
		{Cell: "B8", Type: excelize.CellTypeSharedString, Raw: "=1+1"},
	})
	if got, _ := f.GetCellValue(ParametersSheet, "B2"); got != "01.07.2025 00:30:00 +02:00" {
		t.Errorf("generated at %q, want Berlin time with its offset", got)
	}
	if fm, _ := f.GetCellFormula(ParametersSheet, "B8"); fm != "" {
		t.Errorf("B8 is a formula %q", fm)
	}
}
