package sinks

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// DefaultSheet is the sheet name of the XLSX sink.
const DefaultSheet = "Data"

// XLSXSink writes mapped records to one sheet of a new workbook through a
// Table: bold frozen header, autofilter, typed cells, columns sized from the
// first 1000 rows. Records are formatted in Plan (in parallel) and streamed
// in input order by Apply; the workbook is saved at Close.
//
// A value Excel cannot hold exactly (a decimal or integer with more than 15
// significant digits, a date before 1900) fails its record with a reason
// naming the field; it is never rounded. Mapping such a field as string
// writes it as text. Going past Excel's 1,048,576 rows stops the run.
type XLSXSink struct {
	path    string
	tmp     *os.File // nil in a dry run
	f       *excelize.File
	tab     *Table
	targets []mappings.Target
	closed  bool
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
	f := excelize.NewFile()
	tab, err := NewTable(f, sheet, cols, TableOptions{
		DateFormat: spec.DateFormat, DateTimeFormat: spec.DateTimeFormat, DecimalFormat: spec.DecimalFormat,
		Neutralize: neutral, AutoFilter: true, FreezeHeader: true,
	})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sink: %w", err)
	}
	s := &XLSXSink{path: path, f: f, tab: tab, targets: env.Targets}
	if env.DryRun {
		return s, nil
	}
	if s.tmp, err = createTemp(path); err != nil {
		f.Close()
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
	row, err := s.tab.Format(it.Values)
	var ce *CellError
	switch {
	case errors.As(err, &ce):
		t := s.targets[ce.Col]
		p.Outcome, p.Err = pipeline.Failed, &FieldError{Field: t.Path, Column: t.Column, Err: errors.New(ce.Reason)}
	case err != nil:
		return nil, err
	default:
		p.State = row
	}
	return p, nil
}

// Apply streams the planned row. Every error is fatal: the sheet is full or
// the stream's spill file failed, and the workbook cannot be trusted.
func (s *XLSXSink) Apply(ctx context.Context, p *pipeline.Plan) error {
	row, ok := p.State.(*Row)
	if !ok {
		return pipeline.Fatal(errors.New("internal: XLSX sink got a plan it did not make"))
	}
	if _, err := s.tab.AppendRow(row); err != nil {
		if errors.Is(err, ErrRowLimit) {
			return pipeline.Fatal(fmt.Errorf("%s: more than %d records: an Excel sheet holds %d rows including the header; "+
				"write CSV or split the export (e.g. with mapping.when)", s.path, s.tab.maxRows-1, s.tab.maxRows))
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
	defer s.f.Close()
	if !commit {
		return discardTemp(s.tmp)
	}
	if s.tmp == nil {
		return errors.New("xlsx sink: a dry run cannot commit")
	}
	if err := s.tab.Flush(); err != nil {
		discardTemp(s.tmp)
		return err
	}
	if err := writeWorkbook(s.f, s.tmp); err != nil {
		discardTemp(s.tmp)
		return err
	}
	return commitTemp(s.tmp, s.path)
}
