package pipeline

import "context"

// Capabilities: the optional powers of a source or sink, each a small
// interface the runner finds by type assertion. A source or sink
// implements what it can do and asserts it (var _ X = (*T)(nil)); the
// runner never asks for a type name.

// Committer is a source that keeps state between runs (an export's
// watermark). Commit is called once, after the run succeeded and its output
// was committed; an error fails the run, since the next run would start
// from the wrong place.
type Committer interface {
	Commit() error
}

// ParameterSource says what a source selected (period, filters, counts),
// for a workbook's parameters sheet. Parameters is called after the last
// record was read.
type ParameterSource interface {
	Parameters() [][2]string
}

// ParameterSink shows a source's parameters in its output.
type ParameterSink interface {
	SetParameters(func() [][2]string)
}

// RequestCounter counts the API requests a source or sink made, for the
// summary. Called once, after the run.
type RequestCounter interface {
	Requests() int64
}

// SizeEstimator guesses, before reading, how many records a source holds
// (from the file's size or the sheet's dimension); 0 when it cannot say.
type SizeEstimator interface {
	SizeEstimate() int64
}

// SizeHinter is a sink that chooses its strategy by the number of records
// (an index of the Wawi for many, searches for few). Called before planning
// with an estimate, and before writing with the exact count.
type SizeHinter interface {
	SizeHint(records int64)
}

// InputIdentifier names a source's input by its content, so the journal
// recognises a file imported before and resumes an interrupted one. Sources
// registered with ReadsFile get this from the file's hash without
// implementing it; a source whose input is not a local file (downloaded,
// generated) implements it.
type InputIdentifier interface {
	// InputID returns a stable identity of the input's content; "" when
	// it has none.
	InputID() (string, error)
}

// FileOutput is a sink that writes one file, named in the summary once the
// run committed it.
type FileOutput interface {
	OutputPath() string
}

// Planner is a sink that compares each record with what its target holds
// before anything is written (an import into the Wawi). The runner then
// runs two passes: the first plans every record with reads only, writes the
// diff report, checks the guardrails and opens the journal; the second, only
// when the guardrails hold and the run is not a dry run, plans again and
// writes. Lookups create nothing in the first pass.
type Planner interface {
	PlansBeforeWriting() bool
}

// Ordered is implemented by sinks whose output must follow input order.
type Ordered interface {
	Ordered() bool
}

// Reconciler is implemented by sinks whose writes cannot all be repeated
// safely (stock adjustments). ApplyNoted calls note with what a later run
// needs to check the write, right before sending it; after a crash, Landed
// says whether a write noted but never answered reached the Wawi. A note
// with a detail is on disk when note returns (it alone can settle the write
// after a power cut); a note without one is committed with the next batch
// of the journal, since the record's fresh plan settles that write.
type Reconciler interface {
	ApplyNoted(ctx context.Context, p *Plan, note func(detail string) error) error
	Landed(ctx context.Context, p *Plan, detail string) (bool, error)
}

// RowPlanner is implemented by sinks that take a record's values typed, as
// the mapper makes them, rather than boxed in Item.Values: file sinks, whose
// whole work per record is formatting those values.
type RowPlanner interface {
	// NewRows returns the rows for a batch of about n records that one
	// worker maps one after the other; rows of a batch may share memory.
	NewRows(n int) RowBatch
}

// RowReleaser is implemented by row batches that can be used again: the
// runner calls Release once every record of the batch is accounted for
// (applied, counted, in the reports), and no row of it is used after.
type RowReleaser interface {
	Release()
}

// dryRunner is implemented by resolvers that can create what they do not
// find (the Wawi's lookups): SetDryRun(true) makes them create nothing.
type dryRunner interface{ SetDryRun(bool) }

// placeholderNamer names what a dry run's lookups would create (a new
// category's path), for the diff report.
type placeholderNamer interface {
	PlaceholderName(int64) (string, bool)
}

// ColumnProjector is a source of documents that can decode only the parts
// of each document a job reads, which saves most of an export's decoding.
// ProjectColumns is called at most once, before the first record is read;
// a source never told reads everything.
type ColumnProjector interface {
	ProjectColumns(p Projection)
}

// Projection says what a job reads of a document source's records.
type Projection struct {
	// Columns are the paths the mapping reads (BillingAddress.Company,
	// LineItem.VatRate, Items[0].SKU); a path's whole value is read.
	Columns []string
	// Identity are the paths by which the error workbook names a failed
	// record (the first it has that is set and not an object); a record
	// with none of them is shown whole, so it must come whole.
	Identity []string
}
