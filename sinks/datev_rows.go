package sinks

import (
	"context"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/datev"
	"github.com/wawi-etl/etl/pipeline"
)

var _ pipeline.RowPlanner = (*DATEVSink)(nil)

// NewRows implements pipeline.RowPlanner. In document mode the mapper
// writes a record's text, amounts and date straight into its line, typed:
// boxing them in Item.Values for Plan to unbox was a good part of what a
// booking line cost. Otherwise the values are boxed for Plan.
func (s *DATEVSink) NewRows(n int) pipeline.RowBatch {
	if b, ok := datevBatches.Get().(*datevBatch); ok && cap(b.all) >= n && b.s == s {
		b.rows = b.all[:n]
		return b
	}
	all := make([]datevRow, n)
	return &datevBatch{s: s, all: all, rows: all}
}

// datevBatches are batches released by the runner (Release): a row is
// ~800 bytes, pointers most of it, and a fresh batch for every 256 records
// was a quarter of what an export allocated, zeroed and had the collector
// scan.
var datevBatches sync.Pool // of *datevBatch

// Release implements pipeline.RowReleaser.
func (b *datevBatch) Release() {
	clear(b.all) // nothing of the records kept alive in the pool
	b.rows = nil
	datevBatches.Put(b)
}

type datevBatch struct {
	s    *DATEVSink
	all  []datevRow // the rows handed out come from here
	rows []datevRow
	// rates are the last VatRates written: most lines have one of a few
	// rates (a document's lines alternate between 19 and 7 %), and a
	// decimal is immutable, so lines may share it
	rates [4]struct {
		unscaled int64
		exp      int32
		d        decimal.Decimal
		ok       bool
	}
	nextRate int
}

// rate is unscaled × 10^exp, shared with the lines before of that rate.
func (b *datevBatch) rate(unscaled int64, exp int32) decimal.Decimal {
	for i := range b.rates {
		if c := &b.rates[i]; c.ok && c.unscaled == unscaled && c.exp == exp {
			return c.d
		}
	}
	c := &b.rates[b.nextRate%len(b.rates)]
	b.nextRate++
	c.unscaled, c.exp, c.d, c.ok = unscaled, exp, decimal.New(unscaled, exp), true
	return c.d
}

func (b *datevBatch) Row() pipeline.RowPlan {
	if len(b.rows) == 0 {
		b.rows = make([]datevRow, 16) // more rows than announced
	}
	r := &b.rows[0]
	b.rows = b.rows[1:]
	r.s, r.batch = b.s, b
	if b.s.docs == nil {
		r.vals = make([]any, len(b.s.targets))
	}
	return r
}

// datevRow is one record: its line in document mode, else its values.
type datevRow struct {
	s     *DATEVSink
	batch *datevBatch
	vals  []any // outside document mode
	line  docLine
	// bad is the first target whose value the line cannot take, err why;
	// lineBad and lineErr the same of a line's target (a document
	// without lines has none of their values)
	bad, lineBad int
	err, lineErr error
	plan         pipeline.Plan
}

// value sets target i from a value as Item.Values would hold it.
func (r *datevRow) value(i int, v any) {
	if r.vals != nil {
		r.vals[i] = v
		return
	}
	f := r.s.docs.fields[i]
	if err := r.line.set(f, v); err != nil {
		switch {
		case f.ofLine():
			if r.lineErr == nil {
				r.lineBad, r.lineErr = i, err
			}
		case r.err == nil:
			r.bad, r.err = i, err
		}
	}
}

func (r *datevRow) Null(i int)         { r.value(i, nil) }
func (r *datevRow) Int(i int, v int64) { r.value(i, v) }
func (r *datevRow) Bool(i int, b bool) { r.value(i, b) }
func (r *datevRow) Value(i int, v any) { r.value(i, v) }

func (r *datevRow) Text(i int, s string) {
	if r.vals == nil {
		if f := r.s.docs.fields[i]; r.line.text(f) != nil {
			r.line.setText(f, s)
			return
		}
	}
	r.value(i, s)
}

func (r *datevRow) Decimal(i int, unscaled int64, exp int32) {
	if r.vals == nil {
		f := r.s.docs.fields[i]
		if f == dfRate {
			r.line.line.Rate = r.batch.rate(unscaled, exp)
			return
		}
		if a := r.line.amount(f); a != nil {
			*a = datev.NewMoney(unscaled, exp)
			return
		}
	}
	r.value(i, decimal.New(unscaled, exp))
}

func (r *datevRow) Time(i int, t time.Time) {
	if r.vals == nil && r.s.docs.fields[i] == dfDate {
		r.line.date = t
		return
	}
	r.value(i, t)
}

// Plan is DATEVSink.Plan for the values written.
func (r *datevRow) Plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
	s := r.s
	if r.vals != nil {
		it.Values = r.vals
		return s.Plan(ctx, it)
	}
	p := &r.plan
	p.Item, p.Outcome = it, pipeline.Created
	s.docs.planned(it.Rec.Seq)
	r.line.noLine = it.Rec.Document > 0 && it.Rec.Line == 0
	if r.lineErr != nil && !r.line.noLine && (r.err == nil || r.lineBad < r.bad) {
		r.bad, r.err = r.lineBad, r.lineErr
	}
	if r.err != nil {
		s.docs.failed(it, r.line.number, s.targets[r.bad].Path, r.err)
		return s.failPlan(p, s.targets[r.bad].Path, r.err)
	}
	if target, err := s.finishLine(it, &r.line, p); err != nil {
		s.docs.failed(it, r.line.number, target, err)
		return s.failPlan(p, target, err)
	}
	return p, nil
}
