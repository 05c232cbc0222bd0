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
	"sort"
	"sync"
	"time"

	"github.com/wawi-etl/etl/erp"

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

// RowPlanner is implemented by sinks that take a record's values typed, as
// the mapper makes them, rather than boxed in Item.Values: file sinks, whose
// whole work per record is formatting those values.
type RowPlanner interface {
	// NewRows returns the rows for a batch of about n records that one
	// worker maps one after the other; rows of a batch may share memory.
	NewRows(n int) RowBatch
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

// Ordered is implemented by sinks whose output must follow input order.
type Ordered interface {
	Ordered() bool
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
	// ERP is the Wawi client, set when the job's source, sink or lookups use
	// the ERP; shared by all of them so they share one rate limit.
	ERP *erp.Client
	// JobName names the job in state files; StateDir holds them (journal,
	// export watermarks).
	JobName  string
	StateDir string
	// Full ignores export watermarks (etl run --full).
	Full bool
	// Now is the clock; tests fix it.
	Now func() time.Time
}

// SourceFactory opens a source from its spec.
type SourceFactory func(ctx context.Context, spec *SourceSpec, env *Env) (Source, error)

// SinkFactory opens a sink from its spec.
type SinkFactory func(ctx context.Context, spec *SinkSpec, env *Env) (Sink, error)

var (
	regMu   sync.RWMutex
	sources = map[string]SourceFactory{}
	sinks   = map[string]SinkFactory{}
)

// RegisterSource makes a source type available to job files.
func RegisterSource(kind string, f SourceFactory) {
	regMu.Lock()
	defer regMu.Unlock()
	sources[kind] = f
}

// RegisterSink makes a sink type available to job files.
func RegisterSink(kind string, f SinkFactory) {
	regMu.Lock()
	defer regMu.Unlock()
	sinks[kind] = f
}

// SourceTypes lists the registered source types.
func SourceTypes() []string { return keys(sources) }

// SinkTypes lists the registered sink types.
func SinkTypes() []string { return keys(sinks) }

func keys[V any](m map[string]V) []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// OpenSource opens the source a spec names.
func OpenSource(ctx context.Context, spec *SourceSpec, env *Env) (Source, error) {
	regMu.RLock()
	f := sources[spec.Type]
	regMu.RUnlock()
	if f == nil {
		return nil, fmt.Errorf("source.type %q is unknown (known: %v)", spec.Type, SourceTypes())
	}
	return f(ctx, spec, env)
}

// OpenSink opens the sink a spec names.
func OpenSink(ctx context.Context, spec *SinkSpec, env *Env) (Sink, error) {
	regMu.RLock()
	f := sinks[spec.Type]
	regMu.RUnlock()
	if f == nil {
		return nil, fmt.Errorf("sink.type %q is unknown (known: %v)", spec.Type, SinkTypes())
	}
	return f(ctx, spec, env)
}

// fatalError marks an error that stops the whole run.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

// Fatal wraps err so that the runner stops the run instead of failing one record.
func Fatal(err error) error {
	if err == nil {
		return nil
	}
	return &fatalError{err}
}

// IsFatal reports whether err was wrapped by Fatal.
func IsFatal(err error) bool {
	var f *fatalError
	return asFatal(err, &f)
}
