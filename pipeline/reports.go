package pipeline

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wawi-etl/etl/internal/i18n"
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

// resolveReportDir is the run's report folder (see report.Dir).
func resolveReportDir(o RunOptions, job *Job, name string) (string, error) {
	dir := o.ReportDir
	if dir == "" {
		dir = job.Options.ReportDir
	}
	return report.Dir(dir, name)
}

// reportLang is the language of the reports: RunOptions.Lang, else English.
func reportLang(o RunOptions) i18n.Lang {
	if l, ok := i18n.Parse(o.Lang); ok {
		return l
	}
	return i18n.English
}

// reportLocation is the job's time zone, in which reports give times:
// source.time_zone when set, else the machine's.
func reportLocation(job *Job) *time.Location {
	if job != nil && job.Source.TimeZone != "" {
		if loc, err := time.LoadLocation(job.Source.TimeZone); err == nil {
			return loc
		}
	}
	return time.Local
}

// DiffReport is the diff report of an import (see report.Diff), fed with
// the pipeline's plans.
type DiffReport struct {
	*report.Diff
	// keyColumn is the source column of the record's key (SKU, Number),
	// which names a record that failed before a plan gave its key.
	keyColumn string
}

// NewDiffReport starts a diff report in dir.
func NewDiffReport(dir string, dryRun bool) (*DiffReport, error) {
	d, err := report.NewDiff(dir, dryRun)
	if err != nil {
		return nil, err
	}
	return &DiffReport{Diff: d}, nil
}

// newDiffReport starts the run's diff report in dir, in the run's language
// and the job's time zone; planned: of a plan that is not carried out (a
// dry run, or the planning pass of an import).
func (r *runner) newDiffReport(dir string, dryRun, planned bool) (*DiffReport, error) {
	d, err := report.NewDiffWith(dir, dryRun, report.DiffOptions{Lang: reportLang(r.opts), Location: reportLocation(r.job), Planned: planned})
	if err != nil {
		return nil, err
	}
	dr := &DiffReport{Diff: d}
	if r.mapper != nil {
		for _, key := range []string{"SKU", "Number", "ExternalNumber"} {
			for _, t := range r.mapper.Targets() {
				if t.Path == key && t.Column != "" && dr.keyColumn == "" {
					dr.keyColumn = t.Column
				}
			}
		}
	}
	return dr, nil
}

// closeDiff writes the diff report. The request count is read now, from
// what the sink counted so far (an import's source is a file): the summary
// gets its count only after the sink is closed, too late for the report.
func (r *runner) closeDiff(trips []GuardrailTrip, applied bool) {
	sum := *r.sum
	if rq, ok := r.sink.(RequestCounter); ok {
		sum.Requests = rq.Requests()
	}
	sum.Resumed = r.resumed.Load()
	x, h, err := r.diff.Close(&sum, trips, applied)
	if err != nil {
		r.log.Error("cannot write the diff report", "err", err)
		return
	}
	r.sum.DiffWorkbook, r.sum.DiffHTML = x, h
}

// sourceRow is the row a user finds the record at: the _row column of a
// re-imported error workbook points at the original file's row.
func sourceRow(rec *record.Record) int {
	if i, ok := rec.Header.Index(report.ErrorRowColumn); ok && i < len(rec.Fields) {
		if n, err := strconv.Atoi(strings.TrimSpace(rec.Fields[i])); err == nil && n > 0 {
			return n
		}
	}
	return rec.Row
}

// Add records one record's plan (nil when it failed before planning) and
// final outcome; err is the failure reason when outcome is Failed.
func (d *DiffReport) Add(rec *record.Record, plan *Plan, outcome Outcome, err error) error {
	e := report.Entry{Planned: report.NoPlan, Outcome: reportOutcome(outcome)}
	if rec != nil {
		e.Row = sourceRow(rec)
		if plan == nil && d.keyColumn != "" {
			if v, ok := rec.Get(d.keyColumn); ok && v != nil {
				e.Key = strings.TrimSpace(fmt.Sprint(v))
			}
		}
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
	return d.Diff.Close(sum, trips, applied)
}

// errorBook is the run's error workbook (see report.ErrorBook).
type errorBook struct {
	*report.ErrorBook
}

func newErrorBook(path string, h *record.Header, lang i18n.Lang) *errorBook {
	b := report.NewErrorBook(path, h)
	b.Lang = lang
	return &errorBook{b}
}

// add writes a failed record; a grouped record (source.group_by) is all
// its rows, so the order can be fixed and imported again as it was.
func (b *errorBook) add(rec *record.Record, reason error) error {
	if len(rec.Lines) == 0 {
		return b.Add(rec, reason)
	}
	for _, l := range rec.Lines {
		if err := b.Add(l, reason); err != nil {
			return err
		}
	}
	return nil
}
func (b *errorBook) reset()                 { b.Reset() }
func (b *errorBook) close() (string, error) { return b.Close() }

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
