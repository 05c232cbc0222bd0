package pipeline

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wawi-etl/etl/mappings"
)

// rowSink is an ordered file-like sink that takes typed rows and checks
// that a batch is released only after each of its records was applied,
// and that no row is used after its batch was released.
type rowSink struct {
	mu       sync.Mutex
	batches  int
	releases int
	applied  int
	problems []string
}

type rowBatch struct {
	s        *rowSink
	id       int
	handed   int // rows handed out
	applied  int
	released bool
}

type testRow struct {
	b   *rowBatch
	key string
}

func (r *testRow) Null(int)                   {}
func (r *testRow) Text(i int, s string)       { r.key = s }
func (r *testRow) Int(int, int64)             {}
func (r *testRow) Decimal(int, int64, int32)  {}
func (r *testRow) Bool(int, bool)             {}
func (r *testRow) Time(int, time.Time)        {}
func (r *testRow) Value(int, any)             {}
func (s *rowSink) problem(f string, a ...any) { s.problems = append(s.problems, fmt.Sprintf(f, a...)) }

func (r *testRow) Plan(ctx context.Context, it *Item) (*Plan, error) {
	s := r.b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.b.released {
		s.problem("batch %d: row %s planned after its release", r.b.id, r.key)
	}
	return &Plan{Item: it, Outcome: Created, State: r}, nil
}

func (b *rowBatch) Row() RowPlan {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if b.released {
		b.s.problem("batch %d: a row handed out after its release", b.id)
	}
	b.handed++
	return &testRow{b: b}
}

func (b *rowBatch) Release() {
	s := b.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.released {
		s.problem("batch %d released twice", b.id)
	}
	if b.applied != b.handed {
		s.problem("batch %d released with %d of its %d rows applied", b.id, b.applied, b.handed)
	}
	b.released = true
	s.releases++
}

func (s *rowSink) NewRows(n int) RowBatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches++
	return &rowBatch{s: s, id: s.batches}
}

func (s *rowSink) Ordered() bool { return true }

func (s *rowSink) Plan(ctx context.Context, it *Item) (*Plan, error) {
	return nil, fmt.Errorf("internal: rowSink takes rows")
}

func (s *rowSink) Apply(ctx context.Context, p *Plan) error {
	r := p.State.(*testRow)
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.b.released {
		s.problem("batch %d: row %s applied after its release", r.b.id, r.key)
	}
	r.b.applied++
	s.applied++
	return nil
}

func (s *rowSink) Close(ctx context.Context, commit bool) error { return nil }

var rowSinks = registerStoredSinks("rowtest-file") // sink path -> *rowSink

// A sink whose row batches can be used again gets each batch back once
// every record of it was applied and counted, and never one of its rows
// after that.
func TestRowBatchesReleasedAfterTheirRecords(t *testing.T) {
	const n = 3000
	s := &rowSink{}
	name := t.Name()
	rowSinks.Store(name, s)
	memInputs.Store(name, memRowsOf(n))
	dir := t.TempDir()
	job := &Job{Name: "rows", Dir: dir,
		Source:  SourceSpec{Type: "journaltest-rows", Path: name},
		Mapping: mappings.Spec{Fields: []mappings.FieldSpec{{Target: "Key", Column: "key", Type: mappings.String}}},
		Sink:    SinkSpec{Type: "rowtest-file", Path: name},
		Options: Options{Concurrency: 4},
	}
	sum, err := Run(context.Background(), job, RunOptions{ReportDir: filepath.Join(dir, "reports")})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != n || s.applied != n {
		t.Errorf("%d created, %d applied, want %d", sum.Created, s.applied, n)
	}
	if s.batches < 2 || s.releases != s.batches {
		t.Errorf("%d batches, %d released", s.batches, s.releases)
	}
	for _, p := range s.problems {
		t.Error(p)
	}
}
