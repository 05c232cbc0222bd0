package report

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/xlsxcell"
	"github.com/wawi-etl/etl/internal/xlsxw"
)

// summarySheet writes the Summary sheet of diff.xlsx row by row.
type summarySheet struct {
	f  *excelize.File
	sh string
	st *diffStyles
	r  int // the row being written
	d  *Diff
}

func (s *summarySheet) t(x string) string { return s.d.t(x) }

func (s *summarySheet) set(col string, v any, style int) error {
	cell := col + strconv.Itoa(s.r)
	if err := s.f.SetCellValue(s.sh, cell, v); err != nil {
		return err
	}
	if style != 0 {
		return s.f.SetCellStyle(s.sh, cell, cell, style)
	}
	return nil
}

// row writes a bold label and its value, and moves on.
func (s *summarySheet) row(label string, v any, style int) error {
	if err := s.set("A", label, s.st.bold); err != nil {
		return err
	}
	if err := s.set("B", v, style); err != nil {
		return err
	}
	s.r++
	return nil
}

// pair writes two cells of the row, and moves on.
func (s *summarySheet) pair(a, b any, styleA, styleB int) error {
	if err := s.set("A", a, styleA); err != nil {
		return err
	}
	if err := s.set("B", b, styleB); err != nil {
		return err
	}
	s.r++
	return nil
}

// writeSummary fills the Summary sheet: mode, run facts, guardrails, counts
// with a chart, changed fields, notes.
func (d *Diff) writeSummary(in *diffInfo) error {
	s := &summarySheet{f: d.f, sh: d.t(diffSummarySheet), st: &d.st, r: 1, d: d}
	for _, section := range []func(*diffInfo) error{s.heading, s.facts, s.trips, s.counts} {
		if err := section(in); err != nil {
			return err
		}
	}
	for _, x := range []struct {
		label string
		n     int64
	}{{"Field changes (Changes sheet)", d.nChanges}, {"Records to create (Creates sheet)", d.nCreates}, {"Errors (Errors sheet)", d.nErrors}} {
		if err := s.row(s.t(x.label), x.n, s.st.int); err != nil {
			return err
		}
	}
	s.r++
	if err := s.fields(in); err != nil {
		return err
	}
	for _, n := range in.Notes {
		if err := s.set("A", xlsxcell.Neutralize(n), s.st.bold); err != nil {
			return err
		}
		s.r++
	}
	for _, w := range []struct {
		col   string
		width float64
	}{{"A", 34}, {"B", 20}, {"C", 50}} {
		if err := d.f.SetColWidth(s.sh, w.col, w.col, w.width); err != nil {
			return err
		}
	}
	return xlsxw.PrintSetup(d.f, s.sh, 0)
}

// heading writes the title and what the run did.
func (s *summarySheet) heading(in *diffInfo) error {
	title := s.t("Import diff report")
	if in.Job != "" {
		title += ": " + in.Job
	}
	if err := s.set("A", title, s.st.title); err != nil {
		return err
	}
	s.r++
	modeStyle := s.st.note
	if in.ModeClass == "stop" {
		modeStyle = s.st.warn
	}
	// long lines overflow into the empty cells beside them; merged cells
	// would cut them off
	if err := s.set("A", in.Mode, modeStyle); err != nil {
		return err
	}
	s.r += 2
	return nil
}

// facts writes job, source, sink, mode, times and counts of the run.
func (s *summarySheet) facts(in *diffInfo) error {
	mode := s.t("dry run")
	switch {
	case len(in.Trips) > 0:
		mode = s.t("stopped by a guardrail")
	case in.Applied:
		mode = s.t("applied")
	case !in.DryRun:
		mode = s.t("not applied")
	}
	type fact struct {
		label string
		v     any
		style int
	}
	facts := []fact{{"Job", in.Job, 0}, {"Job file", in.JobFile, 0}, {"Source", in.Source, 0}, {"Sink", in.Sink, 0}, {"Mode", mode, 0}}
	if !in.Started.IsZero() {
		facts = append(facts, fact{"Started", xlsxw.TimeText(in.Started.Truncate(time.Second)), 0},
			fact{"Finished", xlsxw.TimeText(in.Finished.Truncate(time.Second)), 0})
	}
	facts = append(facts, fact{"Duration (s)", math.Round(in.Duration*10) / 10, s.st.dur},
		fact{"API requests", in.Requests, s.st.int}, fact{"Records read", in.Read, s.st.int})
	if in.Resumed > 0 {
		facts = append(facts, fact{"Resumed (written by the interrupted run)", in.Resumed, s.st.int})
	}
	for _, x := range facts {
		if v, ok := x.v.(string); ok && v == "" {
			continue
		}
		if err := s.row(s.t(x.label), x.v, x.style); err != nil {
			return err
		}
	}
	s.r++
	return nil
}

// trips writes each guardrail that stopped the run, with its records.
func (s *summarySheet) trips(in *diffInfo) error {
	for _, t := range in.Trips {
		msg := fmt.Sprintf(s.t("Nothing was written: guardrail %s (limit %s) tripped: %s"), t.Rule, t.Limit, tripFound(s.d.opts.Lang, t))
		if err := s.set("A", msg, s.st.warn); err != nil {
			return err
		}
		s.r++
		if len(t.Records) == 0 {
			continue
		}
		for i, h := range []string{"Row", "Key", "Detail"} {
			if err := s.set(string(rune('A'+i)), s.t(h), s.st.header); err != nil {
				return err
			}
		}
		s.r++
		for _, rec := range t.Records {
			if err := s.set("A", int64(rec.Row), s.st.int); err != nil {
				return err
			}
			if err := s.set("B", xlsxcell.Neutralize(rec.Key), 0); err != nil {
				return err
			}
			if err := s.set("C", xlsxcell.Neutralize(rec.Detail), 0); err != nil {
				return err
			}
			s.r++
		}
		if more := t.Count - int64(len(t.Records)); more > 0 {
			if err := s.set("A", fmt.Sprintf(s.t("… %s more in diff.xlsx"), diffGroup(more)), 0); err != nil {
				return err
			}
			s.r++
		}
		s.r++
	}
	return nil
}

// counts writes the records by outcome and a chart of them.
func (s *summarySheet) counts(in *diffInfo) error {
	if err := s.pair(s.t("Outcome"), s.t("Records"), s.st.header, s.st.header); err != nil {
		return err
	}
	first := s.r
	for o, n := range in.Counts {
		if err := s.pair(s.d.outcome(Outcome(o)), n, 0, s.st.int); err != nil {
			return err
		}
	}
	last := s.r - 1
	if err := s.pair(s.t("total"), in.Read, s.st.bold, s.st.int); err != nil {
		return err
	}
	s.r++
	cats := fmt.Sprintf("'%s'!$A$%d:$A$%d", s.sh, first, last)
	vals := fmt.Sprintf("'%s'!$B$%d:$B$%d", s.sh, first, last)
	if err := s.f.AddChart(s.sh, "E4", &excelize.Chart{
		Type:      excelize.Col,
		Series:    []excelize.ChartSeries{{Name: s.t("Records"), Categories: cats, Values: vals, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"4472C4"}}}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: s.t("Records by outcome")}}},
		Legend:    excelize.ChartLegend{Position: "none"},
		PlotArea:  excelize.ChartPlotArea{ShowVal: true},
		XAxis:     excelize.ChartAxis{Font: excelize.Font{Color: "404040"}},
		YAxis:     excelize.ChartAxis{Font: excelize.Font{Color: "404040"}, MajorGridLines: true},
		Dimension: excelize.ChartDimension{Width: 480, Height: 290},
	}); err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	return nil
}

// fields writes how often each field changes.
func (s *summarySheet) fields(in *diffInfo) error {
	if len(in.Fields) == 0 {
		return nil
	}
	if err := s.pair(s.t("Field"), s.t("Changes"), s.st.header, s.st.header); err != nil {
		return err
	}
	for _, fc := range in.Fields {
		name := s.d.label(fc.Field)
		switch fc.Field {
		case "", "(other fields)":
			name = s.t(fc.Field)
			if fc.Field == "" {
				name = s.t("(not itemised by the sink)")
			}
		}
		if err := s.pair(xlsxcell.Neutralize(name), fc.N, 0, s.st.int); err != nil {
			return err
		}
	}
	s.r++
	return nil
}
