// Package pipeline runs a job: it reads records from a Source, maps them and
// hands them to a Sink, accounting for every record.
//
// A record is read, mapped, planned, then applied or not. Plan only reads;
// Apply writes. A dry run stops after Plan, so the dry-run report and a real
// run share every step up to the write.
package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/record"
)

// Source yields the records of one input.
//
// Next returns the next record, or io.EOF after the last one. A malformed
// row is not an error: it comes back as a record with Err set, so the run can
// count it as failed and go on. A non-nil error from Next is fatal (the file
// became unreadable, the connection is gone) and stops the run.
type Source interface {
	// Header is the column layout, known once the source is open; nil for
	// document sources.
	Header() *record.Header
	Next(ctx context.Context) (*record.Record, error)
	Close() error
}

// Item is a mapped record on its way to a sink.
type Item struct {
	Rec *record.Record
	// Targets describes Values; shared by all items of a run.
	Targets []mappings.Target
	Values  []any
}

// Outcome is what became of a record. Every record ends in exactly one.
type Outcome int

const (
	Created Outcome = iota // created in the ERP, or written to a file
	Updated
	Unchanged
	Skipped // filtered out by the mapping's when
	Failed
)

func (o Outcome) String() string {
	switch o {
	case Created:
		return "created"
	case Updated:
		return "updated"
	case Unchanged:
		return "unchanged"
	case Skipped:
		return "skipped"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// Change is one field a write would change.
type Change struct {
	Field string
	Old   any
	New   any
}

// Plan says what applying an item would do.
type Plan struct {
	Item    *Item
	Outcome Outcome
	// Key names the record in reports (SKU, order number, row number).
	Key     string
	Changes []Change
	// Err is the reason for Outcome == Failed.
	Err error
	// State is private to the sink that made the plan.
	State any
}

// Sink receives mapped records.
//
// Plan is called concurrently and must only read. It returns a plan whose
// Outcome is Failed with Err set for a record-level problem; a non-nil error
// return is fatal to the run.
//
// Apply performs a plan whose outcome is Created or Updated. A returned error
// fails that record; wrap it with Fatal to stop the run. Sinks that implement
// Ordered get Apply calls from one goroutine in input order.
//
// Close ends the output. With commit=false (the run failed or was a dry run
// of a file sink) nothing that looks complete may be left behind.
type Sink interface {
	Plan(ctx context.Context, it *Item) (*Plan, error)
	Apply(ctx context.Context, p *Plan) error
	Close(ctx context.Context, commit bool) error
}

// RowBatch hands out the rows of one batch in input order.
type RowBatch interface {
	// Row returns an empty row for the next record. The runner hands it to
	// Mapper.ApplyTo and, when the record mapped cleanly, calls its Plan,
	// before it asks for the next row.
	Row() RowPlan
}

// RowPlan is one record's row being filled by the mapper.
type RowPlan interface {
	mappings.RowWriter
	// Plan is Sink.Plan for the values written; it.Values is nil.
	Plan(ctx context.Context, it *Item) (*Plan, error)
}

// Env is what factories get besides their spec.
type Env struct {
	// JobDir is the folder of the job file; relative paths resolve against it.
	JobDir string
	DryRun bool
	Logger *slog.Logger
	// Targets of the compiled mapping; file sinks take their columns from it.
	Targets []mappings.Target
	// Concurrency is the run's worker bound.
	Concurrency int
	// Conn is the connection to the Wawi, set when the job's source, sink or
	// lookups use it; shared by all of them so they share one rate limit.
	// The runner needs nothing of it: sources and sinks that talk to the
	// Wawi assert the client type they work with.
	Conn any
	// JobName names the job in state files; StateDir holds them (journal,
	// export watermarks).
	JobName  string
	StateDir string
	// Full ignores export watermarks (etl run --full).
	Full bool
	// Now is the clock; tests fix it.
	Now func() time.Time

	// SourcePath is the source file (absolute; a URL for a remote one):
	// paths in the data (image files) are relative to its folder.
	SourcePath string
}
