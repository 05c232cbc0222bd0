package report

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/internal/xlsxcell"
	"github.com/wawi-etl/etl/internal/xlsxw"
)

type diffStyles struct {
	header, title, bold, warn, note, int, dur int
}

// Close writes diff.xlsx and diff.html, each through a temp file renamed
// into place, and returns their paths. trips lists the guardrails that
// stopped the run (nothing was written then); applied says whether writes
// were performed (false for a dry run or a tripped guardrail). sum may be
// nil; its counts, when given, are the run's.
func (d *Diff) Close(sum *Summary, trips []GuardrailTrip, applied bool) (xlsxPath, htmlPath string, err error) {
	if d.done {
		return "", "", errDiffDone
	}
	defer d.Abort()
	d.done = true
	for _, t := range d.tables() {
		if err := t.Flush(); err != nil {
			return "", "", err
		}
	}
	info := d.info(sum, trips, applied)

	// both files are complete before either replaces the last run's
	xlsxPath, htmlPath = filepath.Join(d.dir, DiffWorkbookName), filepath.Join(d.dir, DiffHTMLName)
	xf, err := atomicfile.Create(xlsxPath, fileOptions)
	if err != nil {
		return "", "", err
	}
	defer xf.Discard()
	if err := d.writeWorkbook(xf, info); err != nil {
		return "", "", fmt.Errorf("%s: %w", DiffWorkbookName, err)
	}
	hf, err := atomicfile.Create(htmlPath, fileOptions)
	if err != nil {
		return "", "", err
	}
	defer hf.Discard()
	if err := d.writeHTML(hf, info); err != nil {
		return "", "", fmt.Errorf("%s: %w", DiffHTMLName, err)
	}
	if err := xf.Commit(); err != nil {
		return "", "", err
	}
	if err := hf.Commit(); err != nil {
		return "", "", err
	}
	return xlsxPath, htmlPath, nil
}

// Abort removes the temporary files without writing anything. It may be
// called after Close, and more than once.
func (d *Diff) Abort() {
	d.done = true
	for _, t := range d.tables() {
		if t != nil {
			t.Close()
		}
	}
	if d.f != nil {
		d.f.Close()
		d.f = nil
	}
	if d.spool != "" {
		os.RemoveAll(d.spool)
		d.spool = ""
	}
}

// diffInfo is what both files show besides the tables.
type diffInfo struct {
	Job, JobFile, Source, Sink string
	Mode, ModeClass            string
	DryRun, Applied            bool
	Started, Finished          time.Time
	Duration                   float64
	Requests, Resumed          int64
	Counts                     [nOutcomes]int64
	Read                       int64
	Trips                      []GuardrailTrip
	Fields                     []diffFieldCount
	Notes                      []string
}

type diffFieldCount struct {
	Field string
	N     int64
}

func (d *Diff) info(sum *Summary, trips []GuardrailTrip, applied bool) *diffInfo {
	in := &diffInfo{DryRun: d.dryRun, Applied: applied, Trips: trips, Counts: d.counts}
	if sum != nil {
		in.Job, in.JobFile, in.Source, in.Sink = sum.Job, sum.JobFile, sum.Source, sum.Sink
		in.Started, in.Finished, in.Requests, in.Resumed = sum.StartedAt, sum.FinishedAt, sum.Requests, sum.Resumed
		in.Duration = sum.DurationSeconds
		in.Counts = [nOutcomes]int64{sum.Created, sum.Updated, sum.Unchanged, sum.Skipped, sum.Failed}
		if in.Finished.IsZero() && !in.Started.IsZero() {
			in.Finished = time.Now() // the runner closes the report before it stops the clock
		}
		if in.Duration == 0 && !in.Started.IsZero() {
			in.Duration = in.Finished.Sub(in.Started).Seconds()
		}
		if sum.Interrupted {
			in.Notes = append(in.Notes, d.t("The run was interrupted: records after the last one counted were not read."))
		}
		if sum.Fatal != "" {
			in.Notes = append(in.Notes, d.t("The run stopped early: ")+sum.Fatal)
		}
		if sum.Resumed > 0 {
			in.Notes = append(in.Notes, fmt.Sprintf(d.t("%d of these records had been written by the interrupted run; this run did not write them again."), sum.Resumed))
		}
	}
	// times in the job's zone, with its offset
	if !in.Started.IsZero() {
		in.Started = in.Started.In(d.opts.Location)
	}
	if !in.Finished.IsZero() {
		in.Finished = in.Finished.In(d.opts.Location)
	}
	for _, n := range in.Counts {
		in.Read += n
	}
	switch {
	case len(trips) > 0:
		in.Mode, in.ModeClass = d.t("Stopped by a guardrail: nothing was written to the Wawi. This is what the import would have changed."), "stop"
	case applied:
		in.Mode, in.ModeClass = d.t("Applied: these changes were written to the Wawi."), "applied"
		if in.Counts[Failed] > 0 {
			in.Notes = append(in.Notes, d.t("Rows with the outcome failed were not written; the reason is on the Errors sheet."))
		}
	case d.dryRun:
		in.Mode, in.ModeClass = d.t("Dry run: nothing was written. This is what the import would change."), "dry"
	default:
		in.Mode, in.ModeClass = d.t("Not applied: nothing was written. This is what the import would change."), "dry"
	}
	for f, n := range d.fields {
		in.Fields = append(in.Fields, diffFieldCount{f, n})
	}
	sort.Slice(in.Fields, func(i, j int) bool {
		a, b := in.Fields[i], in.Fields[j]
		if a.N != b.N {
			return a.N > b.N
		}
		return a.Field < b.Field
	})
	for _, t := range d.tables() {
		if t.Parts() > 1 {
			in.Notes = append(in.Notes, fmt.Sprintf(d.t("%s has %d rows, more than an Excel sheet holds: it goes on over %d sheets."), t.Name(), t.Rows(), t.Parts()))
		}
	}
	return in
}

func (d *Diff) makeStyles() error {
	f := d.f
	num := func(format string) (int, error) {
		return f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	}
	var err error
	s := &d.st
	if s.header, err = f.NewStyle(&excelize.Style{Font: xlsxw.BoldFont(),
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}},
		Border: []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}}); err != nil {
		return err
	}
	if s.title, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14, Family: xlsxw.FontName}}); err != nil {
		return err
	}
	if s.bold, err = f.NewStyle(&excelize.Style{Font: xlsxw.BoldFont()}); err != nil {
		return err
	}
	if s.warn, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000", Family: xlsxw.FontName, Size: 11},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FCE4E4"}}}); err != nil {
		return err
	}
	if s.note, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "1F4E79", Family: xlsxw.FontName, Size: 11},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}); err != nil {
		return err
	}
	if d.cells, err = xlsxw.NewSpoolStyles(f); err != nil {
		return err
	}
	s.int = d.cells.IntStyle()
	s.dur, err = num("0.0")
	return err
}

// writeWorkbook writes diff.xlsx to w: the summary sheet, then the data
// sheets, whose header, widths, panes and autofilter excelize makes and
// whose rows xlsxw splices in while the zip is written.
func (d *Diff) writeWorkbook(w io.Writer, in *diffInfo) error {
	f := d.f
	if err := f.SetSheetName("Sheet1", d.t(diffSummarySheet)); err != nil {
		return err
	}
	if err := d.writeSummary(in); err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	for _, t := range d.tables() {
		cols := d.ts(diffChangeCols)
		switch t {
		case d.creates:
			cols = append(d.ts(diffCreateCols), make([]string, len(d.createCols))...)
			for i, c := range d.createCols {
				cols[len(diffCreateCols)+i] = d.label(c.Path)
			}
		case d.errs:
			cols = d.ts(diffErrorCols)
		}
		for _, sh := range t.Sheets(len(cols)) {
			if err := d.sheetShell(sh.Name, cols, t.Widths(), sh.Ref); err != nil {
				return fmt.Errorf("sheet %s: %w", sh.Name, err)
			}
		}
	}
	return xlsxw.Write(f, w, d.tables()...)
}

// ts translates each of ss.
func (d *Diff) ts(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = d.t(s)
	}
	return out
}

// sheetShell makes a data sheet with its header row; ref is the range the
// data rows spliced in later will fill.
func (d *Diff) sheetShell(sheet string, cols []string, widths []float64, ref string) error {
	f := d.f
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	hdr := make([]any, len(cols))
	for i, c := range cols {
		hdr[i] = c
	}
	if err := f.SetSheetRow(sheet, "A1", &hdr); err != nil {
		return err
	}
	last := colName(len(cols) - 1)
	if err := f.SetCellStyle(sheet, "A1", last+"1", d.st.header); err != nil {
		return err
	}
	for i, c := range cols {
		w := float64(xlsxcell.TextWidth(c, diffMaxWidth))*1.1 + 4 // bold, filter button
		if i < len(widths) {
			w = max(w, widths[i]*1.1+2)
		}
		w = min(max(math.Ceil(w), 6), diffMaxWidth+4)
		if err := f.SetColWidth(sheet, colName(i), colName(i), w); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	if err := f.AutoFilter(sheet, ref, nil); err != nil {
		return err
	}
	// the header on every printed page; after AutoFilter, which replaces
	// the sheet properties
	return xlsxw.PrintSetup(f, sheet, 1)
}

// colName is the letter of a 0-based column.
func colName(col int) string {
	name, _ := excelize.ColumnNumberToName(col + 1)
	return name
}
