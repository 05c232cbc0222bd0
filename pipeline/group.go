package pipeline

import (
	"bufio"
	"cmp"
	"container/heap"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/wawi-etl/etl/record"
)

// GroupSpec is source.group_by: the rows with the same value in Column make
// one record, whatever their place in the file (an order file with a row
// per line item, the rows of one order not necessarily adjacent).
type GroupSpec struct {
	Column string `yaml:"column" json:"column" jsonschema:"description=the column whose value groups rows (the order number)"`
	// MaxRowsInMemory bounds the rows held at once: past it, sorted runs of
	// rows go to temporary files and are merged (default 100000, about
	// 100 MB for rows of a dozen short columns).
	MaxRowsInMemory int `yaml:"max_rows_in_memory,omitempty" json:"max_rows_in_memory,omitempty" jsonschema:"description=rows held in memory at once; past it sorted runs spill to temporary files (default 100000),minimum=1"`
	// MaxRows bounds the rows of one group (default 10000): a group with
	// more fails as a whole, keeping its first MaxRows rows for the error
	// workbook, so one runaway value cannot hold the whole file.
	MaxRows int `yaml:"max_rows,omitempty" json:"max_rows,omitempty" jsonschema:"description=rows of one group at most (default 10000); a group with more fails as a whole,minimum=1"`
}

const (
	defaultGroupRows    = 100_000
	defaultRowsPerGroup = 10_000
)

// groupSource yields one record per group, in the order of the group
// column's values (so the output does not depend on where the rows were),
// each with its rows in file order in Lines. A row whose group value is
// empty, and a malformed row, is a record of its own, failed with the
// reason. The whole input is read before the first group is yielded: a
// group is complete only at the end of the file.
type groupSource struct {
	src       Source
	col       int
	colName   string
	max       int
	perGroup  int
	path      string
	readsFile bool

	started bool
	out     []*record.Record // failed rows, yielded first
	// in memory (no spill): the sorted rows; else the merge of the runs.
	rows  []*record.Record
	pos   int
	runs  []*groupRun
	merge *runHeap
	seq   int64
	// spilled counts the runs written (tests check the memory bound).
	spilled int
}

func newGroupSource(src Source, spec *SourceSpec, readsFile bool) (Source, error) {
	g := spec.GroupBy
	h := src.Header()
	col, ok := h.Index(strings.TrimSpace(g.Column))
	if g.Column == "" || !ok {
		src.Close()
		var names []string
		if h != nil {
			names = h.Names
		}
		return nil, fmt.Errorf("source.group_by.column %q is not a column of the file (columns: %s)", g.Column, strings.Join(names, ", "))
	}
	max := g.MaxRowsInMemory
	if max <= 0 {
		max = defaultGroupRows
	}
	per := g.MaxRows
	if per <= 0 {
		per = defaultRowsPerGroup
	}
	return &groupSource{src: src, col: col, colName: g.Column, max: max, perGroup: per, path: spec.Path, readsFile: readsFile}, nil
}

func (s *groupSource) Header() *record.Header { return s.src.Header() }

func (s *groupSource) key(r *record.Record) string {
	if s.col < len(r.Fields) {
		return strings.TrimSpace(r.Fields[s.col])
	}
	return ""
}

func (s *groupSource) less(a, b *record.Record) int {
	if c := strings.Compare(s.key(a), s.key(b)); c != 0 {
		return c
	}
	return cmp.Compare(a.Seq, b.Seq)
}

// read takes the whole input, sorting runs of at most max rows and
// spilling them when there is more than one.
func (s *groupSource) read(ctx context.Context) error {
	for {
		rec, err := s.src.Next(ctx)
		if errors.Is(err, io.EOF) || err == nil && rec == nil {
			break
		}
		if err != nil {
			return err
		}
		if rec.Err == nil && s.key(rec) == "" {
			rec.Err = fmt.Errorf("column %s is empty: the row cannot be grouped", s.colName)
		}
		if rec.Err != nil {
			s.out = append(s.out, rec)
			continue
		}
		s.rows = append(s.rows, rec)
		if len(s.rows) >= s.max {
			if err := s.spill(); err != nil {
				return err
			}
		}
	}
	slices.SortFunc(s.rows, s.less)
	if len(s.runs) == 0 {
		return nil
	}
	if len(s.rows) > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	s.merge = &runHeap{less: s.less}
	for _, r := range s.runs {
		if err := r.rewind(); err != nil {
			return err
		}
		if r.head != nil {
			s.merge.rs = append(s.merge.rs, r)
		}
	}
	heap.Init(s.merge)
	return nil
}

func (s *groupSource) spill() error {
	slices.SortFunc(s.rows, s.less)
	r, err := newGroupRun(s.src.Header())
	if err != nil {
		return err
	}
	s.runs = append(s.runs, r)
	for _, rec := range s.rows {
		if err := r.write(rec); err != nil {
			return err
		}
	}
	if err := r.w.Flush(); err != nil {
		return fmt.Errorf("source.group_by: write a temporary file: %w", err)
	}
	s.spilled++
	clear(s.rows)
	s.rows = s.rows[:0]
	return nil
}

// nextRow is the next row in group order, nil at the end.
func (s *groupSource) nextRow() (*record.Record, error) {
	if s.merge == nil {
		if s.pos >= len(s.rows) {
			return nil, nil
		}
		r := s.rows[s.pos]
		s.rows[s.pos] = nil
		s.pos++
		return r, nil
	}
	if s.merge.Len() == 0 {
		return nil, nil
	}
	run := s.merge.rs[0]
	r := run.head
	if err := run.advance(); err != nil {
		return nil, err
	}
	if run.head == nil {
		heap.Pop(s.merge)
	} else {
		heap.Fix(s.merge, 0)
	}
	return r, nil
}

// peek is the row nextRow would return, without taking it.
func (s *groupSource) peek() *record.Record {
	if s.merge == nil {
		if s.pos < len(s.rows) {
			return s.rows[s.pos]
		}
		return nil
	}
	if s.merge.Len() == 0 {
		return nil
	}
	return s.merge.rs[0].head
}

func (s *groupSource) Next(ctx context.Context) (*record.Record, error) {
	if !s.started {
		s.started = true
		if err := s.read(ctx); err != nil {
			return nil, err
		}
	}
	if len(s.out) > 0 {
		r := s.out[0]
		s.out = s.out[1:]
		r.Seq = s.seq
		s.seq++
		return r, nil
	}
	first, err := s.nextRow()
	if err != nil {
		return nil, err
	}
	if first == nil {
		return nil, io.EOF
	}
	lines := []*record.Record{first}
	k := s.key(first)
	n := 1
	for {
		nx := s.peek()
		if nx == nil || s.key(nx) != k {
			break
		}
		r, err := s.nextRow()
		if err != nil {
			return nil, err
		}
		if n++; n <= s.perGroup {
			lines = append(lines, r)
		}
	}
	g := *first
	g.Seq = s.seq
	s.seq++
	g.Lines = lines
	if n > s.perGroup {
		g.Err = fmt.Errorf("%s %q has %d rows, more than source.group_by.max_rows (%d): the rows after the first %d are not in the error workbook", s.colName, k, n, s.perGroup, s.perGroup)
	}
	return &g, nil
}

func (s *groupSource) Close() error {
	var errs []error
	for _, r := range s.runs {
		errs = append(errs, r.close())
	}
	errs = append(errs, s.src.Close())
	return errors.Join(errs...)
}

// SizeEstimate is the file's rows: an upper bound of the groups.
func (s *groupSource) SizeEstimate() int64 {
	if e, ok := s.src.(SizeEstimator); ok {
		return e.SizeEstimate()
	}
	return 0
}

// InputID is the file's identity, as without grouping.
func (s *groupSource) InputID() (string, error) {
	if id, ok := s.src.(InputIdentifier); ok {
		return id.InputID()
	}
	if !s.readsFile || s.path == "" {
		return "", nil
	}
	return HashFile(s.path)
}

var (
	_ SizeEstimator   = (*groupSource)(nil)
	_ InputIdentifier = (*groupSource)(nil)
)

// groupRow is a row as a run file holds it.
type groupRow struct {
	Seq     int64
	Row     int
	Fields  []string
	Numeric []bool
	Shown   []string
}

// groupRun is one sorted run of rows in a temporary file (removed on
// close), read back sequentially during the merge.
type groupRun struct {
	h    *record.Header
	f    *os.File
	w    *bufio.Writer
	enc  *gob.Encoder
	dec  *gob.Decoder
	head *record.Record
}

func newGroupRun(h *record.Header) (*groupRun, error) {
	f, err := os.CreateTemp("", "etl-group-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("source.group_by: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	return &groupRun{h: h, f: f, w: w, enc: gob.NewEncoder(w)}, nil
}

func (r *groupRun) write(rec *record.Record) error {
	if err := r.enc.Encode(groupRow{Seq: rec.Seq, Row: rec.Row, Fields: rec.Fields, Numeric: rec.Numeric, Shown: rec.Shown}); err != nil {
		return fmt.Errorf("source.group_by: write a temporary file: %w", err)
	}
	return nil
}

func (r *groupRun) rewind() error {
	if _, err := r.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("source.group_by: %w", err)
	}
	r.dec = gob.NewDecoder(bufio.NewReaderSize(r.f, 1<<16))
	return r.advance()
}

func (r *groupRun) advance() error {
	var g groupRow
	switch err := r.dec.Decode(&g); {
	case errors.Is(err, io.EOF):
		r.head = nil
		return nil
	case err != nil:
		return fmt.Errorf("source.group_by: read a temporary file: %w", err)
	}
	r.head = &record.Record{Seq: g.Seq, Row: g.Row, Header: r.h, Fields: g.Fields, Numeric: g.Numeric, Shown: g.Shown}
	return nil
}

// close removes the file (closed first: Windows cannot remove an open file).
func (r *groupRun) close() error {
	err := r.f.Close()
	if rerr := os.Remove(r.f.Name()); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}

type runHeap struct {
	rs   []*groupRun
	less func(a, b *record.Record) int
}

func (h *runHeap) Len() int           { return len(h.rs) }
func (h *runHeap) Less(i, j int) bool { return h.less(h.rs[i].head, h.rs[j].head) < 0 }
func (h *runHeap) Swap(i, j int)      { h.rs[i], h.rs[j] = h.rs[j], h.rs[i] }
func (h *runHeap) Push(x any)         { h.rs = append(h.rs, x.(*groupRun)) }
func (h *runHeap) Pop() any {
	r := h.rs[len(h.rs)-1]
	h.rs = h.rs[:len(h.rs)-1]
	return r
}
