package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The next step matches the case: re-importing errors.xlsx only for the
// records of a file; documents of the Wawi are fixed there; a run that
// stopped is run again after checking the connection.
func TestSummaryNextStep(t *testing.T) {
	for _, c := range []struct {
		name      string
		sum       Summary
		want, not string
	}{
		{"file records", Summary{Source: "csv", Sink: "erp", JobFile: "jobs/prices.yaml", ErrorWorkbook: "reports/prices/errors.xlsx"},
			"etl run --source reports/prices/errors.xlsx jobs/prices.yaml", "etl ping"},
		{"wawi documents", Summary{Source: "erp", Sink: "xlsx", ErrorWorkbook: "reports/orders/errors.xlsx"},
			"fix them in the Wawi", "--source"},
		{"run stopped", Summary{Source: "csv", Sink: "erp", ErrorWorkbook: "reports/prices/errors.xlsx", Fatal: "connection refused"},
			"etl ping", "--source"},
		{"import stopped", Summary{Source: "csv", Sink: "erp", Fatal: "connection refused"}, "--resume", "--source"},
		{"all well", Summary{Source: "csv", Sink: "erp"}, "", "etl"},
	} {
		got := c.sum.NextStep()
		if !strings.Contains(got, c.want) || (c.not != "" && strings.Contains(got, c.not)) {
			t.Errorf("%s: %q, want %q without %q", c.name, got, c.want, c.not)
		}
	}
}

// summary.json gives times in the job's zone with its offset, and the
// advice; the printed list of a guardrail says how many records are not
// shown, counted from all that broke it, not from the listed ones.
func TestSummaryZoneAndGuardrailCount(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	start := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	trip := GuardrailTrip{Rule: "max_failed", Limit: "10%", Found: "1200 of 1500 records would fail", Count: 1200, Of: 1500}
	for i := range 100 {
		trip.Records = append(trip.Records, TripRecord{Row: i + 2, Detail: "x"})
	}
	s := &Summary{Job: "j", Source: "csv", Sink: "erp", StartedAt: start, FinishedAt: start.Add(time.Minute),
		Location: berlin, Guardrails: []GuardrailTrip{trip}}
	dir := t.TempDir()
	if err := s.WriteJSON(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["started_at"] != "2024-05-06T08:08:09+01:00" || got["finished_at"] != "2024-05-06T08:09:09+01:00" {
		t.Errorf("times %v %v, want the job's zone", got["started_at"], got["finished_at"])
	}
}
