package pipeline

import (
	"strings"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/record"
	"github.com/wawi-etl/etl/report"
)

// The reports of a run live in package report, which knows nothing of the
// pipeline; this file hands them what they need.

// Summary accounts for a run (see report.Summary).
type Summary = report.Summary

// ColumnError is implemented by sink errors that know which field (and thus
// which source column) they concern, e.g. an API validation error on SKU.
type ColumnError = report.ColumnError

// Report file names in the report folder.
const (
	DiffWorkbookName = report.DiffWorkbookName
	DiffHTMLName     = report.DiffHTMLName
)

// Outcomes are numbered alike in both packages (see TestOutcomesMatchReport).
func reportOutcome(o Outcome) report.Outcome { return report.Outcome(o) }

// countOutcome adds a record that ended in o to the summary.
func countOutcome(s *Summary, o Outcome) { s.Count(reportOutcome(o)) }

// reportTrips converts the guardrails that tripped for the summary and the
// diff report.
func reportTrips(trips []GuardrailTrip) []report.GuardrailTrip {
	if trips == nil {
		return nil
	}
	out := make([]report.GuardrailTrip, len(trips))
	for i, t := range trips {
		out[i] = report.GuardrailTrip{Rule: t.Rule, Limit: t.Limit, Found: t.Found}
		for _, r := range t.Records {
			out[i].Records = append(out[i].Records, report.TripRecord{Row: r.Row, Key: r.Key, Detail: r.Detail})
		}
	}
	return out
}

// resolveReportDir is the run's report folder (see report.Dir).
func resolveReportDir(o RunOptions, job *Job, name string) (string, error) {
	dir := o.ReportDir
	if dir == "" {
		dir = job.Options.ReportDir
	}
	return report.Dir(dir, name)
}

// DiffReport is the diff report of an import (see report.Diff), fed with
// the pipeline's plans.
type DiffReport struct {
	*report.Diff
}

// NewDiffReport starts a diff report in dir.
func NewDiffReport(dir string, dryRun bool) (*DiffReport, error) {
	d, err := report.NewDiff(dir, dryRun)
	if err != nil {
		return nil, err
	}
	return &DiffReport{d}, nil
}

// Add records one record's plan (nil when it failed before planning) and
// final outcome; err is the failure reason when outcome is Failed.
func (d *DiffReport) Add(rec *record.Record, plan *Plan, outcome Outcome, err error) error {
	e := report.Entry{Planned: report.NoPlan, Outcome: reportOutcome(outcome)}
	if rec != nil {
		e.Row = rec.Row
	}
	if plan != nil {
		e.Key, e.Planned = plan.Key, reportOutcome(plan.Outcome)
		if len(plan.Changes) > 0 {
			e.Changes = make([]report.Change, len(plan.Changes))
			for i, c := range plan.Changes {
				e.Changes[i] = report.Change{Field: c.Field, Old: c.Old, New: c.New}
			}
		}
		if plan.Item != nil {
			e.Targets, e.Values = plan.Item.Targets, plan.Item.Values
		}
	}
	if outcome == Failed {
		if err == nil && plan != nil {
			err = plan.Err
		}
		if err == nil && rec != nil {
			err = rec.Err
		}
		e.Err = err
	}
	return d.Diff.Add(&e)
}

// Close writes diff.xlsx and diff.html (see report.Diff.Close).
func (d *DiffReport) Close(sum *Summary, trips []GuardrailTrip, applied bool) (xlsxPath, htmlPath string, err error) {
	return d.Diff.Close(sum, reportTrips(trips), applied)
}

// errorBook is the run's error workbook (see report.ErrorBook).
type errorBook struct {
	*report.ErrorBook
}

func newErrorBook(path string, h *record.Header) *errorBook {
	return &errorBook{report.NewErrorBook(path, h)}
}

func (b *errorBook) add(rec *record.Record, reason error) error { return b.Add(rec, reason) }
func (b *errorBook) reset()                                     { b.Reset() }
func (b *errorBook) close() (string, error)                     { return b.Close() }

// fieldErrors is every field problem of one record.
type fieldErrors []*mappings.FieldError

func (fe fieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, e := range fe {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// FieldErrors implements report.FieldErrors: the error workbook points at
// the first.
func (fe fieldErrors) FieldErrors() []*mappings.FieldError { return fe }
