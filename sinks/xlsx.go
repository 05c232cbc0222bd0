package sinks

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/internal/xlsxcell"
	"github.com/wawi-etl/etl/internal/xlsxw"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// DefaultSheet is the sheet name of the XLSX sink.
const DefaultSheet = "Data"

// XLSXSink writes mapped records to one sheet of a new workbook through a
// Table: bold frozen header, autofilter, typed cells, columns sized from the
// first 1000 rows. Records are formatted in Plan (in parallel) and written
// in input order by Apply to a temporary file (xlsxw.TableOptions.Spool),
// which the workbook takes in when it is saved at Close.
//
// A value Excel cannot hold exactly (a decimal or integer with more than 15
// significant digits, a date before 1900) fails its record with a reason
// naming the field; it is never rounded. Mapping such a field as string
// writes it as text. Going past Excel's 1,048,576 rows stops the run.
//
// For accountants: currency gives the amount columns a currency format,
// totals a bold row of SUM formulas under the data, parameters_sheet a sheet
// "Parameter" saying what the export holds (see writeParameters).
//
// lines_sheet writes orders and their line items as two sheets, from a
// source that emits one record per line item (record.Record Document and
// Line set): see splitTargets for which column goes where. The orders sheet
// gets a row for the first record of each order that is written, so an order
// whose first line failed still appears; a record whose order columns cannot
// be written fails, so no line is left without its order. Every record still
// ends in one outcome: records count line items, not orders.
type XLSXSink struct {
	path    string
	tmp     *atomicfile.File // nil in a dry run
	f       *excelize.File
	tab     *Table
	targets []mappings.Target
	closed  bool

	// Two-sheet mode (lines_sheet): tab has one row per order, lines one per
	// line item. orderCols and lineCols are the targets of each sheet's
	// columns; lineCols[0] is the order key.
	lines       *Table
	orderCols   []int
	lineCols    []int
	linesTotals []int
	lastDoc     int // record.Document of the last order row written

	totals     []int // column indexes summed in the totals row
	paramSheet bool
	params     func() [][2]string
	job        string
	now        func() time.Time
}

var (
	_ pipeline.Sink    = (*XLSXSink)(nil)
	_ pipeline.Ordered = (*XLSXSink)(nil)
)

// OpenXLSX opens an XLSX sink. Outside a dry run it creates the parent
// folders and the temporary file right away, so an unwritable path fails the
// job before any record is read.
func OpenXLSX(ctx context.Context, spec *pipeline.SinkSpec, env *pipeline.Env) (pipeline.Sink, error) {
	path, err := outputPath(spec.Path, env)
	if err != nil {
		return nil, err
	}
	sheet := spec.Sheet
	if sheet == "" {
		sheet = DefaultSheet
	}
	if err := CheckSheetName(sheet); err != nil {
		return nil, fmt.Errorf("sink.sheet: %w", err)
	}
	neutral := spec.NeutralizeFormulas == nil || *spec.NeutralizeFormulas
	cols := make([]Column, len(env.Targets))
	for i, t := range env.Targets {
		cols[i] = Column{Name: t.Path, Type: t.Type}
	}
	totals, err := accountingColumns(spec, env.Targets, cols)
	if err != nil {
		return nil, err
	}
	s := &XLSXSink{path: path, targets: env.Targets, totals: totals,
		paramSheet: spec.ParametersSheet, job: env.JobName, now: env.Now}
	opts := TableOptions{
		DateFormat: spec.DateFormat, DateTimeFormat: spec.DateTimeFormat, DecimalFormat: spec.DecimalFormat,
		Neutralize: neutral, AutoFilter: true, FreezeHeader: true,
		// rows go to a temporary file, not excelize's stream buffer (up to
		// 32 MB a sheet): memory stays that of a bare StreamWriter or less
		Spool: true,
	}
	var lineCols []Column
	if spec.LinesSheet != "" {
		if err := s.checkLinesSheet(spec, sheet); err != nil {
			return nil, err
		}
		if s.orderCols, s.lineCols, err = splitTargets(spec, env.Targets); err != nil {
			return nil, err
		}
		// each sheet sums the totals columns it has; the key repeated on the
		// lines sheet is the orders', summing it there would count it twice
		s.totals, s.linesTotals = sheetTotals(totals, s.orderCols, 0), sheetTotals(totals, s.lineCols, 1)
		cols, lineCols = pickColumns(cols, s.orderCols), pickColumns(cols, s.lineCols)
	}
	s.f = excelize.NewFile()
	if s.tab, err = NewTable(s.f, sheet, cols, opts); err == nil && lineCols != nil {
		s.lines, err = NewTable(s.f, spec.LinesSheet, lineCols, opts)
	}
	if err != nil {
		s.release()
		return nil, fmt.Errorf("sink: %w", err)
	}
	if env.DryRun {
		return s, nil
	}
	if s.tmp, err = createTemp(path); err != nil {
		s.release()
		return nil, err
	}
	return s, nil
}

// Ordered implements pipeline.Ordered: rows follow input order.
func (s *XLSXSink) Ordered() bool { return true }

// Plan formats the record's row; a value that cannot be written fails it.
func (s *XLSXSink) Plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
	if err := checkValues(it, s.targets); err != nil {
		return nil, err
	}
	p := &pipeline.Plan{Item: it, Outcome: pipeline.Created, Key: itemKey(it)}
	if s.lines != nil {
		return s.planSplit(it, p)
	}
	row, err := s.tab.Format(it.Values)
	if err != nil {
		return s.cellFailed(p, err, nil)
	}
	p.State = row
	return p, nil
}

// cellFailed fails the plan for a *CellError (idx maps the table's columns
// to targets; nil: one to one) and passes any other error on.
func (s *XLSXSink) cellFailed(p *pipeline.Plan, err error, idx []int) (*pipeline.Plan, error) {
	var ce *CellError
	if !errors.As(err, &ce) {
		return nil, err
	}
	ti := ce.Col
	if idx != nil {
		ti = idx[ce.Col]
	}
	t := s.targets[ti]
	p.Outcome, p.Err = pipeline.Failed, &FieldError{Field: t.Path, Column: t.Column, Err: errors.New(ce.Reason)}
	return p, nil
}

// splitRow is a planned record of the two-sheet mode: its order's row and
// its line's row (nil for an order without line items).
type splitRow struct {
	doc         int
	order, line *Row
}

// planSplit formats both rows of a record. The order row is formatted for
// every line, though at most one is written: a value of the order that
// cannot be written must fail each of its lines, not only the first.
func (s *XLSXSink) planSplit(it *pipeline.Item, p *pipeline.Plan) (*pipeline.Plan, error) {
	if it.Rec == nil || it.Rec.Document == 0 {
		return nil, pipeline.Fatal(errors.New("sink.lines_sheet: the source emits no line items (set source include: lineitems)"))
	}
	order, err := s.tab.Format(pickValues(it.Values, s.orderCols))
	if err != nil {
		return s.cellFailed(p, err, s.orderCols)
	}
	st := &splitRow{doc: it.Rec.Document, order: order}
	if it.Rec.Line > 0 {
		if st.line, err = s.lines.Format(pickValues(it.Values, s.lineCols)); err != nil {
			return s.cellFailed(p, err, s.lineCols)
		}
	}
	p.State = st
	return p, nil
}

// Apply streams the planned row. Every error is fatal: the sheet is full or
// the stream's spill file failed, and the workbook cannot be trusted.
func (s *XLSXSink) Apply(ctx context.Context, p *pipeline.Plan) error {
	switch st := p.State.(type) {
	case *Row:
		return s.append(s.tab, st, "records")
	case *splitRow:
		// records come in source order, an order's lines one after another
		if st.doc != s.lastDoc {
			if err := s.append(s.tab, st.order, "orders"); err != nil {
				return err
			}
			s.lastDoc = st.doc
		}
		if st.line != nil {
			return s.append(s.lines, st.line, "line items")
		}
		return nil
	}
	return pipeline.Fatal(errors.New("internal: XLSX sink got a plan it did not make"))
}

func (s *XLSXSink) append(tab *Table, row *Row, what string) error {
	if _, err := tab.AppendRow(row); err != nil {
		if errors.Is(err, ErrRowLimit) {
			return pipeline.Fatal(fmt.Errorf("%s: sheet %q: more than %d %s: an Excel sheet holds %d rows including the header; "+
				"write CSV or split the export (e.g. with mapping.when)", s.path, tab.Sheet(), tab.MaxRows()-1, what, tab.MaxRows()))
		}
		return pipeline.Fatal(fmt.Errorf("%s: %w", s.path, err))
	}
	return nil
}

// Close saves the workbook and renames it into place (commit), or discards
// it, leaving any file at the path as it was.
func (s *XLSXSink) Close(ctx context.Context, commit bool) error {
	if s.closed {
		return nil
	}
	s.closed = true
	defer s.release()
	if !commit {
		return discardTemp(s.tmp)
	}
	if s.tmp == nil {
		return errors.New("xlsx sink: a dry run cannot commit")
	}
	if err := s.finish(); err != nil {
		discardTemp(s.tmp)
		return fmt.Errorf("%s: %w", s.path, err)
	}
	if err := s.tab.Flush(); err != nil {
		discardTemp(s.tmp)
		return err
	}
	if s.lines != nil {
		if err := s.lines.Flush(); err != nil {
			discardTemp(s.tmp)
			return err
		}
	}
	var lines *xlsxw.Spool
	if s.lines != nil {
		lines = s.lines.Spool()
	}
	if err := xlsxw.Write(s.f, s.tmp, s.tab.Spool(), lines); err != nil {
		discardTemp(s.tmp)
		return fmt.Errorf("writing %s: %w", s.path, err)
	}
	return commitTemp(s.tmp)
}

// release removes the tables' row files and closes the workbook.
func (s *XLSXSink) release() {
	for _, t := range []*Table{s.tab, s.lines} {
		if t != nil {
			t.Close()
		}
	}
	s.f.Close()
}

// currencyFormats are Excel number formats of the currencies accountants
// here meet most; the locale tag ([$€-407]: German) makes Excel and
// LibreOffice show the symbol where a German user expects it.
var currencyFormats = map[string]string{
	"EUR": `#,##0.00 [$€-407]`,
	"CHF": `#,##0.00 [$CHF-807]`,
	"USD": `[$$-409]#,##0.00`,
	"GBP": `[$£-809]#,##0.00`,
}

// CurrencyFormat is the Excel number format of amounts in an ISO currency:
// a symbol format for EUR, CHF, USD and GBP, else the code after the number.
func CurrencyFormat(code string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(code))
	if len(c) != 3 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return "", fmt.Errorf("sink.currency %q: use an ISO 4217 code such as EUR", code)
	}
	if f, ok := currencyFormats[c]; ok {
		return f, nil
	}
	return `#,##0.00 "` + c + `"`, nil
}

// accountingColumns applies currency to the amount columns (cols[i].NumFmt)
// and returns the indexes of the totals columns.
func accountingColumns(spec *pipeline.SinkSpec, targets []mappings.Target, cols []Column) ([]int, error) {
	index := func(key string, names []string) ([]int, error) {
		var out []int
		for _, n := range names {
			i := slices.IndexFunc(targets, func(t mappings.Target) bool { return t.Path == n })
			if i < 0 {
				all := make([]string, len(targets))
				for j, t := range targets {
					all[j] = t.Path
				}
				return nil, fmt.Errorf("sink.%s: no column %q (columns: %s)", key, n, strings.Join(all, ", "))
			}
			if !slices.Contains(out, i) {
				out = append(out, i)
			}
		}
		return out, nil
	}
	decimals := func() []int {
		var out []int
		for i, t := range targets {
			if t.Type == mappings.Decimal {
				out = append(out, i)
			}
		}
		return out
	}
	if spec.Currency != "" {
		numFmt, err := CurrencyFormat(spec.Currency)
		if err != nil {
			return nil, err
		}
		amounts := decimals()
		if len(spec.Amounts) > 0 {
			if amounts, err = index("amounts", spec.Amounts); err != nil {
				return nil, err
			}
		}
		for _, i := range amounts {
			cols[i].NumFmt = numFmt
		}
	} else if len(spec.Amounts) > 0 {
		return nil, errors.New("sink.amounts: set sink.currency too; amounts names the columns it formats")
	}
	switch {
	case len(spec.Totals.Columns) > 0:
		return index("totals", spec.Totals.Columns)
	case spec.Totals.All:
		t := decimals()
		if len(t) == 0 {
			return nil, errors.New("sink.totals: true sums the decimal columns, and the mapping has none (type: decimal)")
		}
		return t, nil
	}
	return nil, nil
}

// SetParameters hands the sink the source's parameters (a
// sources.Parameterizer's Parameters), read when the workbook is saved, so
// the counts are final. The runner wires it:
//
//	if p, ok := src.(interface{ Parameters() [][2]string }); ok {
//		if ps, ok := sink.(interface{ SetParameters(func() [][2]string) }); ok {
//			ps.SetParameters(p.Parameters)
//		}
//	}
func (s *XLSXSink) SetParameters(f func() [][2]string) { s.params = f }

// finish writes what follows the data: the totals rows and the parameters
// sheet.
func (s *XLSXSink) finish() error {
	if err := appendTotals(s.tab, s.totals); err != nil {
		return err
	}
	if s.lines != nil {
		if err := appendTotals(s.lines, s.linesTotals); err != nil {
			return err
		}
	}
	if s.paramSheet {
		return s.writeParameters()
	}
	return nil
}

func appendTotals(tab *Table, cols []int) error {
	if len(cols) == 0 {
		return nil
	}
	label := "Total"
	if slices.Contains(cols, 0) {
		label = ""
	}
	if err := tab.AppendTotals(label, cols); err != nil {
		return fmt.Errorf("totals on sheet %q: %w", tab.Sheet(), err)
	}
	return nil
}

// ParametersSheet is the name of the sheet parameters_sheet adds.
const ParametersSheet = "Parameter"

// writeParameters adds the sheet "Parameter": job, time of the run, output
// file, data rows, then what the source resolved (filters as absolute dates,
// period, watermark, counts). Counts are numbers, everything else text, so
// nothing is reinterpreted. The time is the job's (the source's time zone
// when it names one), with its offset.
func (s *XLSXSink) writeParameters() error {
	now := time.Now()
	if s.now != nil {
		now = s.now()
	}
	var params [][2]string
	if s.params != nil {
		params = s.params()
	}
	for _, p := range params {
		if p[0] == "Time zone" {
			if loc, err := time.LoadLocation(p[1]); err == nil {
				now = now.In(loc)
			}
		}
	}
	rows := [][2]string{
		{"Job", s.job},
		{"Generated at", now.Format("02.01.2006 15:04:05 -07:00")},
		{"File", filepath.Base(s.path)},
		{"Rows", strconv.Itoa(s.tab.Rows())},
	}
	if s.lines != nil {
		rows[3] = [2]string{"Rows (" + s.tab.Sheet() + ")", strconv.Itoa(s.tab.Rows())}
		rows = append(rows, [2]string{"Rows (" + s.lines.Sheet() + ")", strconv.Itoa(s.lines.Rows())})
	}
	if s.job == "" {
		rows = rows[1:]
	}
	rows = append(rows, params...)
	if _, err := s.f.NewSheet(ParametersSheet); err != nil {
		return err
	}
	bold, err := s.f.NewStyle(&excelize.Style{Font: xlsxw.BoldFont(), Alignment: &excelize.Alignment{Vertical: "top"}})
	if err != nil {
		return err
	}
	wrap, err := s.f.NewStyle(&excelize.Style{Font: xlsxw.Font(), Alignment: &excelize.Alignment{WrapText: true, Vertical: "top", Horizontal: "left"}})
	if err != nil {
		return err
	}
	_, quote, _, err := xlsxw.TextStyles(s.f)
	if err != nil {
		return err
	}
	w0, w1 := 10.0, 20.0
	last := strconv.Itoa(max(1, len(rows)))
	if err := s.f.SetCellStyle(ParametersSheet, "A1", "A"+last, bold); err != nil {
		return err
	}
	if err := s.f.SetCellStyle(ParametersSheet, "B1", "B"+last, wrap); err != nil {
		return err
	}
	for i, r := range rows {
		n := strconv.Itoa(i + 1)
		if err := s.f.SetCellStr(ParametersSheet, "A"+n, r[0]); err != nil {
			return err
		}
		var err error
		switch v, isInt := paramInt(r[1]); {
		case isInt:
			err = s.f.SetCellInt(ParametersSheet, "B"+n, v)
		case xlsxcell.FormulaLike(r[1]):
			if err = s.f.SetCellStr(ParametersSheet, "B"+n, r[1]); err == nil {
				err = s.f.SetCellStyle(ParametersSheet, "B"+n, "B"+n, quote)
			}
		default:
			err = s.f.SetCellStr(ParametersSheet, "B"+n, r[1])
		}
		if err != nil {
			return err
		}
		w0, w1 = max(w0, float64(xlsxcell.TextWidth(r[0], maxDisplayWidth))+2), max(w1, float64(xlsxcell.TextWidth(r[1], maxDisplayWidth))+2)
	}
	if err := s.f.SetColWidth(ParametersSheet, "A", "A", min(w0, 40)); err != nil {
		return err
	}
	if err := s.f.SetColWidth(ParametersSheet, "B", "B", min(w1, maxDisplayWidth)); err != nil {
		return err
	}
	return xlsxw.PrintSetup(s.f, ParametersSheet, 0)
}

// paramInt reads a count: digits without a leading zero (an order number
// such as 00123 stays text), at most 15 of them.
func paramInt(s string) (int64, bool) {
	if s == "" || len(s) > 15 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}
