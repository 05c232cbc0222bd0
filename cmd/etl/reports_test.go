package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/testkit"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
)

// The diff report counts the API requests of the run it reports on: the
// count is read when the report is written, not left at 0 until the sink
// closes; and a dry run's outcomes read as what would happen.
func TestDiffReportCountsRequests(t *testing.T) {
	seed, err := erptest.LoadSeed("../../samples/wawi-seed.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := erptest.NewServer(erptest.Options{Seed: seed, Now: func() time.Time { return erptest.DefaultNow }})
	defer srv.Close()
	t.Setenv("WAWI_URL", srv.URL)
	t.Setenv("WAWI_API_KEY", "k")
	dir := t.TempDir()
	reports := filepath.Join(dir, "reports")
	code, _, stderr := etl(t, "run", "--no-progress", "--concurrency", "1", "--dry-run", "--report-dir", reports,
		"--state-dir", filepath.Join(dir, "state"), "../../jobs/supplier-prices.yaml")
	if code > 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	raw, err := os.ReadFile(filepath.Join(reports, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s pipeline.Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	if s.Requests == 0 {
		t.Fatal("summary.json counts no requests")
	}
	f, err := excelize.OpenFile(filepath.Join(reports, "diff.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	testkit.CheckDimensions(t, filepath.Join(reports, "diff.xlsx"))
	defer f.Close()
	rows, _ := f.GetRows("Summary", excelize.Options{RawCellValue: true})
	got := ""
	for _, r := range rows {
		if len(r) > 1 && r[0] == "API requests" {
			got = r[1]
		}
	}
	if got != strconv.FormatInt(s.Requests, 10) {
		t.Errorf("diff.xlsx: API requests %q, summary.json %d", got, s.Requests)
	}
	html, err := os.ReadFile(filepath.Join(reports, "diff.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "<th>API requests</th><td>"+strconv.FormatInt(s.Requests, 10)+"</td>") {
		t.Errorf("diff.html does not show %d API requests", s.Requests)
	}
	if !strings.Contains(string(html), "would be updated") {
		t.Error("diff.html of a dry run lacks 'would be updated'")
	}
}
