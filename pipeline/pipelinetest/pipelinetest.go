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
	srcName := name + "-src"
	pipeline.AddSourceType(pipeline.SourceType{Name: srcName, Open: func(ctx context.Context, spec *pipeline.SourceSpec, env *pipeline.Env) (pipeline.Source, error) {
		return feeds[spec.Path].open(), nil
	}})
	run := func(t *testing.T, dir string, f *feed, dry bool, ctx context.Context) (*pipeline.Summary, error) {
		t.Helper()
		feeds[dir] = f
		spec := s.Spec(dir)
		spec.Type = name
		job := &pipeline.Job{Name: "conformance", Dir: dir, File: filepath.Join(dir, "job.yaml"),
			Source:  pipeline.SourceSpec{Type: srcName, Path: dir},
			Mapping: s.Mapping, Sink: spec,
			Options: pipeline.Options{Concurrency: 4, Guardrails: pipeline.Guardrails{MaxFailed: "off", MaxPriceChange: "off", MaxZeroedStock: "off"}}}
		state := filepath.Join(t.TempDir(), "state")
		if s.StateDir != nil {
			state = s.StateDir()
		}
		return pipeline.Run(ctx, job, pipeline.RunOptions{DryRun: dry, Conn: s.Conn, Resolver: s.Resolver,
			ReportDir: filepath.Join(t.TempDir(), "reports"), StateDir: state})
	}
	writes := func() int64 {
		if s.Writes == nil {
			return 0
		}
		return s.Writes()
	}
	runs := 0
	rows := func(bad int) *feed {
		runs++
		f := &feed{header: record.NewHeader(s.Columns)}
		for i, r := range s.Rows {
			if i == bad && s.BadRow != nil {
				f.rows = append(f.rows, s.BadRow)
			}
			if s.Vary != nil {
				r = s.Vary(runs, append([]string(nil), r...))
			}
			f.rows = append(f.rows, r)
		}
		return f
	}
	// passes is how often a run opens its source: once for a file sink,
	// twice for a sink that plans before writing; the interrupt comes in
	// the last (writing) pass.
	passes := 1

	t.Run("every record ends in one outcome", func(t *testing.T) {
		dir := t.TempDir()
		f := rows(len(s.Rows) / 2)
		sum, err := run(t, dir, f, false, context.Background())
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if sum.RecordsRead != int64(len(f.rows)) || !sum.Balanced() {
			t.Fatalf("read %d of %d rows, balanced %v: %+v", sum.RecordsRead, len(f.rows), sum.Balanced(), sum)
		}
		if s.BadRow != nil && sum.Failed != 1 {
			t.Errorf("failed %d, want the one bad row", sum.Failed)
		}
		if sum.Failed > 0 && sum.ErrorWorkbook == "" {
			t.Error("failed records but no error workbook")
		}
		passes = f.opens
	})

	t.Run("a dry run only reads", func(t *testing.T) {
		dir := t.TempDir()
		w := writes()
		sum, err := run(t, dir, rows(-1), true, context.Background())
		if err != nil {
			t.Fatalf("dry run: %v", err)
		}
		if n := writes() - w; n != 0 {
			t.Errorf("the dry run wrote %d times", n)
		}
		if sum.Output != "" {
			t.Errorf("the dry run names an output: %s", sum.Output)
		}
		if left := filesIn(t, dir); len(left) > 0 {
			t.Errorf("the dry run left %v", left)
		}
	})

	t.Run("a failed run leaves nothing behind", func(t *testing.T) {
		dir := t.TempDir()
		f := rows(-1)
		f.failAt = len(f.rows) / 2
		w := writes()
		sum, err := run(t, dir, f, false, context.Background())
		if err == nil {
			t.Fatal("the run succeeded although its source broke")
		}
		if !sum.Balanced() {
			t.Errorf("unbalanced: %+v", sum)
		}
		if sum.Output != "" {
			t.Errorf("a failed run names an output: %s", sum.Output)
		}
		if left := filesIn(t, dir); len(left) > 0 {
			t.Errorf("Close(false) left %v", left)
		}
		if n := writes() - w; s.Writes != nil && n != written(sum) {
			t.Errorf("%d writes for %d records counted as written", n, written(sum))
		}
	})

	t.Run("an interrupt leaves a consistent state", func(t *testing.T) {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		f := rows(-1)
		f.cancelAt, f.cancelOpen, f.cancel = len(f.rows)/2, passes, cancel
		w := writes()
		sum, err := run(t, dir, f, false, ctx)
		if !errors.Is(err, pipeline.ErrInterrupted) {
			t.Fatalf("err = %v, want interrupted", err)
		}
		if !sum.Balanced() || !sum.Interrupted {
			t.Errorf("summary after the interrupt: %+v", sum)
		}
		if sum.RecordsRead > int64(f.cancelAt)+1 {
			t.Errorf("read %d records after the interrupt at %d", sum.RecordsRead, f.cancelAt)
		}
		if sum.Output != "" {
			t.Errorf("an interrupted run names an output: %s", sum.Output)
		}
		if left := filesIn(t, dir); len(left) > 0 {
			t.Errorf("the interrupted run left %v", left)
		}
		if n := writes() - w; s.Writes != nil && n != written(sum) {
			t.Errorf("%d writes for %d records counted as written", n, written(sum))
		}
	})
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
