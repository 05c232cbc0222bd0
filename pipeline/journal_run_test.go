package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/record"
)

// memWawi is a target that plans against what it holds, as the ERP sink
// does: values set by key (items by SKU: a write a fresh plan settles) or
// stock levels changed by a delta (a write only the journal can settle).
type memWawi struct {
	mu     sync.Mutex
	adjust bool
	vals   map[string]string
	stock  map[string]int64
	writes map[string]int
	sent   int
	// crashAt: the sent-th write lands, then the process "dies": the
	// journal commits nothing more and the next writes fail.
	crashAt int
	// noteKey's write is noted with a detail, as a write only the journal
	// can settle is: the journal syncs it and all before it at once.
	noteKey string
}

func newMemWawi(adjust bool, crashAt int) *memWawi {
	return &memWawi{adjust: adjust, crashAt: crashAt, vals: map[string]string{}, stock: map[string]int64{}, writes: map[string]int{}}
}

type memWawiSink struct{ w *memWawi }

type memPlan struct {
	key, val string
	delta    int64
}

func (s *memWawiSink) PlansBeforeWriting() bool { return true }

func (s *memWawiSink) Plan(ctx context.Context, it *Item) (*Plan, error) {
	key, val := fmt.Sprint(it.Values[0]), fmt.Sprint(it.Values[1])
	p := &Plan{Item: it, Key: key, State: &memPlan{key: key, val: val}}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	if s.w.adjust {
		d, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return nil, err
		}
		p.State.(*memPlan).delta = d
		p.Outcome = Updated // a receipt always books
		return p, nil
	}
	switch old, ok := s.w.vals[key]; {
	case !ok:
		p.Outcome = Created
	case old == val:
		p.Outcome = Unchanged
	default:
		p.Outcome = Updated
	}
	return p, nil
}

func (s *memWawiSink) Apply(ctx context.Context, p *Plan) error {
	return s.ApplyNoted(ctx, p, func(string) error { return nil })
}

func (s *memWawiSink) ApplyNoted(ctx context.Context, p *Plan, note func(string) error) error {
	mp := p.State.(*memPlan)
	w := s.w
	w.mu.Lock()
	before := w.stock[mp.key]
	w.mu.Unlock()
	detail := ""
	switch {
	case w.adjust:
		detail = fmt.Sprintf("%d %d", before, mp.delta)
	case mp.key == w.noteKey:
		detail = "-" // a durable entry amid settle-able ones
	}
	if err := note(detail); err != nil {
		return Fatal(err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.crashAt > 0 && w.sent >= w.crashAt {
		return Fatal(errors.New("the process died"))
	}
	// the request is on its way: it lands
	w.sent++
	w.writes[mp.key]++
	if w.adjust {
		w.stock[mp.key] += mp.delta
	} else {
		w.vals[mp.key] = mp.val
	}
	if w.sent == w.crashAt {
		// the answer never arrives: nothing after this reaches the journal
		journalsCrashed.Store(true)
		return Fatal(errors.New("the process died"))
	}
	return nil
}

func (s *memWawiSink) Landed(ctx context.Context, p *Plan, detail string) (bool, error) {
	if !s.w.adjust {
		return false, nil
	}
	var before, delta int64
	if _, err := fmt.Sscanf(detail, "%d %d", &before, &delta); err != nil {
		return false, err
	}
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.w.stock[p.Key] == before+delta, nil
}

func (s *memWawiSink) Close(ctx context.Context, commit bool) error { return nil }

type memRows struct {
	h    *record.Header
	rows [][]string
	i    int
}

func (s *memRows) Header() *record.Header   { return s.h }
func (s *memRows) Close() error             { return nil }
func (s *memRows) InputID() (string, error) { return "memrows", nil }
func (s *memRows) Next(ctx context.Context) (*record.Record, error) {
	if s.i >= len(s.rows) {
		return nil, io.EOF
	}
	r := &record.Record{Seq: int64(s.i), Row: s.i + 2, Header: s.h, Fields: s.rows[s.i]}
	s.i++
	return r, nil
}

var (
	memWawis  sync.Map // sink path -> *memWawi
	memInputs sync.Map // source path -> [][]string
)

func init() {
	RegisterSource("journaltest-rows", func(ctx context.Context, spec *SourceSpec, env *Env) (Source, error) {
		rows, _ := memInputs.Load(spec.Path)
		return &memRows{h: record.NewHeader([]string{"key", "val"}), rows: rows.([][]string)}, nil
	})
	RegisterSink("journaltest-wawi", func(ctx context.Context, spec *SinkSpec, env *Env) (Sink, error) {
		w, _ := memWawis.Load(spec.Path)
		return &memWawiSink{w: w.(*memWawi)}, nil
	})
}

// runMemImport imports rows into w through a journal in stateDir, one
// record at a time.
func runMemImport(t *testing.T, dir string, w *memWawi, rows [][]string, resume bool) (*Summary, error) {
	t.Helper()
	memInputs.Store(t.Name(), rows)
	memWawis.Store(t.Name(), w)
	job := &Job{Name: "mem", Dir: dir,
		Source: SourceSpec{Type: "journaltest-rows", Path: t.Name()},
		Mapping: mappings.Spec{Fields: []mappings.FieldSpec{
			{Target: "Key", Column: "key", Type: mappings.String},
			{Target: "Val", Column: "val", Type: mappings.String},
		}},
		Sink:    SinkSpec{Type: "journaltest-wawi", Path: t.Name()},
		Options: Options{Concurrency: 1},
	}
	return Run(context.Background(), job, RunOptions{ReportDir: filepath.Join(dir, "reports"), StateDir: filepath.Join(dir, "state"), Resume: resume})
}

// holdBatches makes journals commit only every n entries (or when an entry
// must be durable), never by the clock, so a test knows what is queued.
func holdBatches(t *testing.T, n int) {
	size, delay := journalBatchSize, journalDelay
	journalBatchSize, journalDelay = n, 1<<62
	t.Cleanup(func() {
		journalBatchSize, journalDelay = size, delay
		journalsCrashed.Store(false)
	})
}

// journalStates counts the entries the journal of runMemImport holds.
func journalStates(t *testing.T, dir string, n int) map[JournalState]int {
	t.Helper()
	j, err := OpenJournal(filepath.Join(dir, "state"), "mem")
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, _, err := j.Begin("memrows", "", false, time.Now()); err != nil {
		t.Fatal(err)
	}
	states := map[JournalState]int{}
	for seq := range int64(n) {
		e, ok, err := j.Get(seq)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			states[e.State]++
		}
	}
	return states
}

func memRowsOf(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("K%03d", i), strconv.Itoa(i + 1)}
	}
	return rows
}

// Writes a fresh plan settles (an item by SKU) are journaled in batches: a
// crash loses the entries queued since the last commit (here 13 answered
// writes and the one in flight). The rerun plans those records against the
// target, finds them written, and writes each record exactly once overall.
func TestJournalLostBatchIsReadBack(t *testing.T) {
	holdBatches(t, 1000)
	dir := t.TempDir()
	rows := memRowsOf(40)
	w := newMemWawi(false, 19)
	w.noteKey = "K005"
	if _, err := runMemImport(t, dir, w, rows, false); err == nil || !strings.Contains(err.Error(), "died") {
		t.Fatalf("the first run did not die: %v", err)
	}
	journalsCrashed.Store(false)
	// what the journal kept: the batches committed before the crash, not
	// the one queued then
	// what the journal kept: all up to K005's pending entry, synced with it;
	// the batch queued after it is lost
	kept := journalStates(t, dir, len(rows))
	if want := map[JournalState]int{JournalApplied: 5, JournalPending: 1}; !maps.Equal(kept, want) {
		t.Fatalf("the journal kept %v, want %v", kept, want)
	}
	w.crashAt = 0
	sum, err := runMemImport(t, dir, w, rows, true)
	if err != nil {
		t.Fatal(err)
	}
	// 19 landed before the crash; the journal knew of at most 18 (the 19th
	// was never answered) and, with batches of 8, of fewer still
	if sum.Created != 21 || sum.Unchanged != 19 || sum.Failed != 0 {
		t.Errorf("resumed run: created %d, unchanged %d, failed %d; want 21, 19, 0", sum.Created, sum.Unchanged, sum.Failed)
	}
	for _, r := range rows {
		if n := w.writes[r[0]]; n != 1 || w.vals[r[0]] != r[1] {
			t.Errorf("%s written %d times, holds %q, want once, %q", r[0], n, w.vals[r[0]], r[1])
		}
	}
}

// A stock change cannot be settled by planning again (a receipt always
// books): its pending entry must be on disk before the request leaves, even
// when entries are otherwise committed in batches. The process dies after
// the change landed; the rerun finds the entry, reads the level back and
// does not book the goods twice.
func TestJournalAdjustmentDurableBeforeSend(t *testing.T) {
	holdBatches(t, 1000)
	dir := t.TempDir()
	rows := memRowsOf(30)
	w := newMemWawi(true, 12)
	if _, err := runMemImport(t, dir, w, rows, false); err == nil || !strings.Contains(err.Error(), "died") {
		t.Fatalf("the first run did not die: %v", err)
	}
	journalsCrashed.Store(false)
	w.crashAt = 0
	sum, err := runMemImport(t, dir, w, rows, true)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Updated != 18 || sum.Unchanged != 12 || sum.Resumed != 12 || sum.Failed != 0 {
		t.Errorf("resumed run: updated %d, unchanged %d (resumed %d), failed %d; want 18, 12 (12), 0",
			sum.Updated, sum.Unchanged, sum.Resumed, sum.Failed)
	}
	for i, r := range rows {
		if n, lvl := w.writes[r[0]], w.stock[r[0]]; n != 1 || lvl != int64(i+1) {
			t.Errorf("%s booked %d times, level %d, want once, %d", r[0], n, lvl, i+1)
		}
	}
}
