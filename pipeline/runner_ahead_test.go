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

var aheadSinks = registerStoredSinks("aheadtest-wawi") // sink path -> *aheadSink

// registerStoredSinks registers sink type kind, whose sink is the one a
// test stored under the job's sink.path in the map returned.
func registerStoredSinks(kind string) *sync.Map {
	var m sync.Map
	RegisterSink(kind, func(ctx context.Context, spec *SinkSpec, env *Env) (Sink, error) {
		s, _ := m.Load(spec.Path)
		return s.(Sink), nil
	})
	return &m
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

// countSink plans every record unchanged, or changed when changed says so,
// and counts its plans and writes.
type countSink struct {
	mu             sync.Mutex
	changed        bool
	plans, applies int
}

func (s *countSink) PlansBeforeWriting() bool { return true }

func (s *countSink) Plan(ctx context.Context, it *Item) (*Plan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plans++
	o := Unchanged
	if s.changed {
		o = Updated
	}
	return &Plan{Item: it, Key: it.Rec.Fields[0], Outcome: o}, nil
}

func (s *countSink) Apply(ctx context.Context, p *Plan) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.applies++
	return nil
}

func (s *countSink) Close(ctx context.Context, commit bool) error { return nil }

var countSinks = registerStoredSinks("counttest-wawi") // sink path -> *countSink

// An import whose plan finds nothing to write ends after the planning
// pass: the writing pass would plan every record again for nothing. One
// with changes plans twice and writes them.
func TestImportNothingToWritePlansOnce(t *testing.T) {
	for _, changed := range []bool{false, true} {
		s := &countSink{changed: changed}
		name := fmt.Sprintf("%s-%v", t.Name(), changed)
		countSinks.Store(name, s)
		memInputs.Store(name, memRowsOf(30))
		dir := t.TempDir()
		job := &Job{Name: "count", Dir: dir,
			Source: SourceSpec{Type: "journaltest-rows", Path: name},
			Mapping: mappings.Spec{Fields: []mappings.FieldSpec{
				{Target: "Key", Column: "key", Type: mappings.String},
			}},
			Sink:    SinkSpec{Type: "counttest-wawi", Path: name},
			Options: Options{Concurrency: 2},
		}
		sum, err := Run(context.Background(), job, RunOptions{ReportDir: filepath.Join(dir, "reports"), StateDir: filepath.Join(dir, "state")})
		if err != nil {
			t.Fatal(err)
		}
		wantPlans, wantApplies, wantSum := 30, 0, Summary{RecordsRead: 30, Unchanged: 30}
		if changed {
			wantPlans, wantApplies, wantSum = 60, 30, Summary{RecordsRead: 30, Updated: 30}
		}
		if s.plans != wantPlans || s.applies != wantApplies {
			t.Errorf("changed %v: %d plans, %d writes; want %d, %d", changed, s.plans, s.applies, wantPlans, wantApplies)
		}
		if sum.RecordsRead != wantSum.RecordsRead || sum.Unchanged != wantSum.Unchanged || sum.Updated != wantSum.Updated || sum.PlanOnly {
			t.Errorf("changed %v: summary %+v", changed, *sum)
		}
		if sum.DiffWorkbook == "" {
			t.Errorf("changed %v: no diff report", changed)
		}
	}
}
