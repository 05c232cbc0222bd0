// Package pipelinetest holds the conformance suites every source and sink
// runs, as restic's backends run one test suite: whatever a source reads or
// a sink writes, the runner's promises hold. A new source or sink passes
// them before it is registered.
//
// The sink suite checks that planning only reads (a dry run writes nothing
// and leaves no file), that Close(false) leaves nothing behind, that every
// record ends in exactly one outcome, and that an interrupt leaves a
// consistent state: what was counted as written was written, nothing
// half-written looks complete. The source suite checks that a source yields
// each record once, in order, with its place, ends with io.EOF and leaves no
// temporary file when closed early.
package pipelinetest

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// SinkSuite describes a sink under test.
type SinkSuite struct {
	// Open opens the sink; the suite registers it under a name of its own.
	Open pipeline.SinkFactory
	// Spec is the sink's spec for a run whose outputs belong in dir.
	Spec func(dir string) pipeline.SinkSpec
	// Columns and Rows are the input; BadRow is a row the mapping refuses
	// (a record that fails). Mapping maps Columns to the sink's targets.
	Columns []string
	Rows    [][]string
	BadRow  []string
	Mapping mappings.Spec
	// Conn and Resolver are handed to the runner (a Wawi client, lookups).
	Conn     any
	Resolver mappings.Resolver
	// Writes counts the write requests the target received so far; nil
	// for file sinks, whose writes are the files in dir.
	Writes func() int64
	// StateDir for sinks that journal; a fresh one per run when empty.
	StateDir func() string
	// Vary changes a row for the suite's n-th run, so that a sink that
	// writes only changes has something to write each time; nil keeps rows.
	Vary func(run int, row []string) []string
}

// RunSinkSuite runs the sink conformance tests.
func RunSinkSuite(t *testing.T, s SinkSuite) {
	t.Helper()
	name := "conformance-sink-" + strings.ReplaceAll(t.Name(), "/", "-")
	pipeline.AddSinkType(pipeline.SinkType{Name: name, Open: s.Open})
	pipeline.AddSourceType(pipeline.SourceType{Name: name + "-src", Open: func(ctx context.Context, spec *pipeline.SourceSpec, env *pipeline.Env) (pipeline.Source, error) {
		return feeds[spec.Path].open(), nil
	}})
	h := &sinkHarness{s: s, name: name, passes: 1}
	t.Run("every record ends in one outcome", h.everyRecordOneOutcome)
	t.Run("a dry run only reads", h.dryRunOnlyReads)
	t.Run("a failed run leaves nothing behind", h.failedRunLeavesNothing)
	t.Run("an interrupt leaves a consistent state", h.interruptIsConsistent)
}

type sinkHarness struct {
	s    SinkSuite
	name string
	runs int
	// passes is how often a run opens its source: once for a file sink,
	// twice for a sink that plans before writing; the interrupt comes in
	// the last (writing) pass.
	passes int
}

func (h *sinkHarness) run(t *testing.T, dir string, f *feed, dry bool, ctx context.Context) (*pipeline.Summary, error) {
	t.Helper()
	feeds[dir] = f
	spec := h.s.Spec(dir)
	spec.Type = h.name
	job := &pipeline.Job{Name: "conformance", Dir: dir, File: filepath.Join(dir, "job.yaml"),
		Source:  pipeline.SourceSpec{Type: h.name + "-src", Path: dir},
		Mapping: h.s.Mapping, Sink: spec,
		Options: pipeline.Options{Concurrency: 4, Guardrails: pipeline.Guardrails{MaxFailed: "off", MaxPriceChange: "off", MaxZeroedStock: "off"}}}
	state := filepath.Join(t.TempDir(), "state")
	if h.s.StateDir != nil {
		state = h.s.StateDir()
	}
	return pipeline.Run(ctx, job, pipeline.RunOptions{DryRun: dry, Conn: h.s.Conn, Resolver: h.s.Resolver,
		ReportDir: filepath.Join(t.TempDir(), "reports"), StateDir: state})
}

func (h *sinkHarness) writes() int64 {
	if h.s.Writes == nil {
		return 0
	}
	return h.s.Writes()
}

// rows is the input of the next run, with the bad row at index bad (-1:
// none).
func (h *sinkHarness) rows(bad int) *feed {
	h.runs++
	f := &feed{header: record.NewHeader(h.s.Columns)}
	for i, r := range h.s.Rows {
		if i == bad && h.s.BadRow != nil {
			f.rows = append(f.rows, h.s.BadRow)
		}
		if h.s.Vary != nil {
			r = h.s.Vary(h.runs, append([]string(nil), r...))
		}
		f.rows = append(f.rows, r)
	}
	return f
}

func (h *sinkHarness) everyRecordOneOutcome(t *testing.T) {
	dir := t.TempDir()
	f := h.rows(len(h.s.Rows) / 2)
	sum, err := h.run(t, dir, f, false, context.Background())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if sum.RecordsRead != int64(len(f.rows)) || !sum.Balanced() {
		t.Fatalf("read %d of %d rows, balanced %v: %+v", sum.RecordsRead, len(f.rows), sum.Balanced(), sum)
	}
	if h.s.BadRow != nil && sum.Failed != 1 {
		t.Errorf("failed %d, want the one bad row", sum.Failed)
	}
	if sum.Failed > 0 && sum.ErrorWorkbook == "" {
		t.Error("failed records but no error workbook")
	}
	h.passes = f.opens
}

func (h *sinkHarness) dryRunOnlyReads(t *testing.T) {
	dir := t.TempDir()
	w := h.writes()
	sum, err := h.run(t, dir, h.rows(-1), true, context.Background())
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if n := h.writes() - w; n != 0 {
		t.Errorf("the dry run wrote %d times", n)
	}
	if sum.Output != "" {
		t.Errorf("the dry run names an output: %s", sum.Output)
	}
	if left := filesIn(t, dir); len(left) > 0 {
		t.Errorf("the dry run left %v", left)
	}
}

func (h *sinkHarness) failedRunLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	f := h.rows(-1)
	f.failAt = len(f.rows) / 2
	w := h.writes()
	sum, err := h.run(t, dir, f, false, context.Background())
	if err == nil {
		t.Fatal("the run succeeded although its source broke")
	}
	h.checkConsistent(t, dir, sum, w)
}

func (h *sinkHarness) interruptIsConsistent(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := h.rows(-1)
	f.cancelAt, f.cancelOpen, f.cancel = len(f.rows)/2, h.passes, cancel
	w := h.writes()
	sum, err := h.run(t, dir, f, false, ctx)
	if !errors.Is(err, pipeline.ErrInterrupted) {
		t.Fatalf("err = %v, want interrupted", err)
	}
	if !sum.Interrupted {
		t.Errorf("the summary does not say interrupted: %+v", sum)
	}
	if sum.RecordsRead > int64(f.cancelAt)+1 {
		t.Errorf("read %d records after the interrupt at %d", sum.RecordsRead, f.cancelAt)
	}
	h.checkConsistent(t, dir, sum, w)
}

// checkConsistent: a run that did not succeed balances its counts, names
// no output, leaves no file, and wrote exactly what it counts as written.
func (h *sinkHarness) checkConsistent(t *testing.T, dir string, sum *pipeline.Summary, writesBefore int64) {
	t.Helper()
	if !sum.Balanced() {
		t.Errorf("unbalanced: %+v", sum)
	}
	if sum.Output != "" {
		t.Errorf("the run names an output: %s", sum.Output)
	}
	if left := filesIn(t, dir); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	if n := h.writes() - writesBefore; h.s.Writes != nil && n != written(sum) {
		t.Errorf("%d writes for %d records counted as written", n, written(sum))
	}
}

// written is how many records a summary says were written.
func written(sum *pipeline.Summary) int64 {
	if sum.DryRun || sum.PlanOnly {
		return 0
	}
	return sum.Created + sum.Updated
}

// feeds are the inputs of the suites' runs, by the spec's path.
var feeds = map[string]*feed{}

// feed serves rows; it breaks (a fatal read error) at failAt, or cancels
// the run's context at cancelAt, when set.
type feed struct {
	header           *record.Header
	rows             [][]string
	failAt, cancelAt int
	cancelOpen       int // the open (1-based) in which to cancel
	cancel           func()
	opens            int
}

func (f *feed) open() *feedSource {
	f.opens++
	return &feedSource{f: f, open: f.opens}
}

type feedSource struct {
	f    *feed
	i    int
	open int
}

func (s *feedSource) Header() *record.Header { return s.f.header }
func (s *feedSource) Close() error           { return nil }
func (s *feedSource) Next(ctx context.Context) (*record.Record, error) {
	f := s.f
	if f.failAt > 0 && s.i == f.failAt {
		return nil, errors.New("the input broke off")
	}
	if f.cancel != nil && s.i == f.cancelAt && s.open == max(f.cancelOpen, 1) {
		f.cancel()
	}
	if s.i >= len(f.rows) {
		return nil, io.EOF
	}
	r := &record.Record{Seq: int64(s.i), Row: s.i + 2, Header: f.header, Fields: f.rows[s.i]}
	s.i++
	return r, nil
}

// filesIn lists the files under dir (the sink's outputs and anything a
// sink left beside them).
func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// SourceSuite describes a source under test.
type SourceSuite struct {
	Open pipeline.SourceFactory
	// Input writes an input of n records into dir (for a Wawi source:
	// seeds the server) and returns the spec that reads it.
	Input func(t *testing.T, dir string, n int) pipeline.SourceSpec
	// Env is handed to Open; JobDir is set.
	Env pipeline.Env
	// Conn, when set, makes the connection after Input (a client of the
	// server Input seeded) for Env.Conn.
	Conn func(t *testing.T) any
}

// RunSourceSuite runs the source conformance tests.
func RunSourceSuite(t *testing.T, s SourceSuite) {
	t.Helper()
	open := func(t *testing.T, n int) (pipeline.Source, string) {
		dir := t.TempDir()
		spec := s.Input(t, dir, n)
		env := s.Env
		env.JobDir = dir
		if s.Conn != nil {
			env.Conn = s.Conn(t)
		}
		if env.Concurrency == 0 {
			env.Concurrency = 4
		}
		if env.StateDir == "" {
			env.StateDir = filepath.Join(dir, ".state")
		}
		if env.JobName == "" {
			env.JobName = "conformance"
		}
		src, err := s.Open(context.Background(), &spec, &env)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		return src, dir
	}
	t.Run("each record once, in order, then EOF", func(t *testing.T) {
		const n = 250
		src, _ := open(t, n)
		defer src.Close()
		lastRow := 0
		for i := range n {
			rec, err := src.Next(context.Background())
			if err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			if rec.Seq != int64(i) {
				t.Fatalf("record %d has Seq %d", i, rec.Seq)
			}
			if rec.Row <= lastRow && rec.Document == 0 {
				t.Fatalf("record %d: row %d after row %d", i, rec.Row, lastRow)
			}
			lastRow = rec.Row
			if rec.Err != nil {
				t.Fatalf("record %d: %v", i, rec.Err)
			}
			if h := src.Header(); h != nil && len(rec.Fields) == 0 {
				t.Fatalf("record %d of a tabular source has no fields", i)
			}
		}
		for range 2 {
			if _, err := src.Next(context.Background()); err != io.EOF {
				t.Fatalf("after the last record: %v, want io.EOF", err)
			}
		}
	})
	t.Run("closed early, nothing left behind", func(t *testing.T) {
		tmp := t.TempDir()
		t.Setenv("TMPDIR", tmp)
		src, dir := open(t, 50)
		before := filesIn(t, dir)
		for range 10 {
			if _, err := src.Next(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if err := src.Close(); err != nil {
			t.Fatalf("close: %v", err)
		}
		if left := filesIn(t, tmp); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
		if after := filesIn(t, dir); len(after) != len(before) {
			t.Errorf("files in the input's folder: %v before, %v after", before, after)
		}
	})
}
