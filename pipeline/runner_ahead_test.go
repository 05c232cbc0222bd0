package pipeline

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/wawi-etl/etl/mappings"
)

// aheadSink counts the plans in progress at once. A plan waits until want
// of them are (or, so that a run without them still ends, a while).
type aheadSink struct {
	mu             sync.Mutex
	inflight, peak int
	planned        int
	want           int
	gate           chan struct{}
	open           sync.Once
}

func (s *aheadSink) PlansBeforeWriting() bool { return true }

func (s *aheadSink) Plan(ctx context.Context, it *Item) (*Plan, error) {
	s.mu.Lock()
	if s.planned == 0 {
		// the first record, planned while the pool is still narrow: it
		// widens the pool
		s.planned++
		s.peak = max(s.peak, 1)
		s.mu.Unlock()
		return &Plan{Item: it, Key: it.Rec.Fields[0], Outcome: Unchanged}, nil
	}
	s.planned++
	s.inflight++
	s.peak = max(s.peak, s.inflight)
	if s.inflight >= s.want {
		s.open.Do(func() { close(s.gate) })
	}
	s.mu.Unlock()
	select {
	case <-s.gate:
	case <-time.After(3 * time.Second): // never reached with the pool this test wants
		s.open.Do(func() { close(s.gate) })
	}
	s.mu.Lock()
	s.inflight--
	s.mu.Unlock()
	return &Plan{Item: it, Key: it.Rec.Fields[0], Outcome: Unchanged}, nil
}

func (s *aheadSink) Apply(ctx context.Context, p *Plan) error     { return nil }
func (s *aheadSink) Close(ctx context.Context, commit bool) error { return nil }

var aheadSinks sync.Map // sink path -> *aheadSink

func init() {
	RegisterSink("aheadtest-wawi", func(ctx context.Context, spec *SinkSpec, env *Env) (Sink, error) {
		s, _ := aheadSinks.Load(spec.Path)
		return s.(*aheadSink), nil
	})
}

// An import plans importAhead records per request in flight once a record
// was planned: its Wawi client bounds the requests, and records that wait
// (on a read another record started, on the journal) do not leave the
// client's slots empty. Concurrency 1 still plans one record at a time.
func TestImportPlansAheadOfConcurrency(t *testing.T) {
	for _, c := range []struct{ conc, want int }{{2, 2 * importAhead}, {1, 1}} {
		s := &aheadSink{want: c.want, gate: make(chan struct{})}
		name := t.Name() + string(rune('0'+c.conc))
		aheadSinks.Store(name, s)
		memInputs.Store(name, memRowsOf(40))
		dir := t.TempDir()
		job := &Job{Name: "ahead", Dir: dir,
			Source: SourceSpec{Type: "journaltest-rows", Path: name},
			Mapping: mappings.Spec{Fields: []mappings.FieldSpec{
				{Target: "Key", Column: "key", Type: mappings.String},
			}},
			Sink:    SinkSpec{Type: "aheadtest-wawi", Path: name},
			Options: Options{Concurrency: c.conc},
		}
		sum, err := Run(context.Background(), job, RunOptions{DryRun: true, ReportDir: filepath.Join(dir, "reports")})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Unchanged != 40 {
			t.Errorf("concurrency %d: %d unchanged, want 40", c.conc, sum.Unchanged)
		}
		if s.peak != c.want {
			t.Errorf("concurrency %d: %d records planned at once, want %d", c.conc, s.peak, c.want)
		}
	}
}
