package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/record"
)

type rowsSource struct {
	h    *record.Header
	recs []*record.Record
	i    int
}

func (s *rowsSource) Header() *record.Header { return s.h }
func (s *rowsSource) Next(context.Context) (*record.Record, error) {
	if s.i >= len(s.recs) {
		return nil, io.EOF
	}
	s.i++
	return s.recs[s.i-1], nil
}
func (s *rowsSource) Close() error { return nil }

// orderRows are n orders of 1 to 4 lines each, shuffled, plus a row
// without an order number and a malformed row.
func orderRows(n int) (*record.Header, []*record.Record, map[string][]string) {
	h := record.NewHeader([]string{"Bestellnummer", "Artikel"})
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[string][]string{}
	var recs []*record.Record
	for o := range n {
		key := fmt.Sprintf("B-%05d", o)
		for l := range 1 + o%4 {
			sku := fmt.Sprintf("%s/%d", key, l)
			want[key] = append(want[key], sku)
			recs = append(recs, &record.Record{Header: h, Fields: []string{key, sku}})
		}
	}
	rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	recs = append(recs, &record.Record{Header: h, Fields: []string{" ", "X"}}, &record.Record{Header: h, Err: errors.New("broken quotes")})
	for i, r := range recs {
		r.Seq, r.Row = int64(i), i+2
	}
	// an order's lines are expected in the order the shuffled file has them
	for k := range want {
		want[k] = want[k][:0]
	}
	for _, r := range recs {
		if r.Err == nil && strings.TrimSpace(r.Fields[0]) != "" {
			want[r.Fields[0]] = append(want[r.Fields[0]], r.Fields[1])
		}
	}
	return h, recs, want
}

func drainGroups(t *testing.T, src Source) (groups []*record.Record, failed []*record.Record) {
	t.Helper()
	for {
		r, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if r.Err != nil {
			failed = append(failed, r)
			continue
		}
		groups = append(groups, r)
	}
}

func TestGroupSourceGroupsRowsAnywhereInTheFile(t *testing.T) {
	for _, max := range []int{0, 7} { // in memory; spilled in runs of 7 rows
		t.Run(fmt.Sprintf("max=%d", max), func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			h, recs, want := orderRows(300)
			src, err := newGroupSource(&rowsSource{h: h, recs: recs}, &SourceSpec{GroupBy: &GroupSpec{Column: "Bestellnummer", MaxRowsInMemory: max}}, false)
			if err != nil {
				t.Fatal(err)
			}
			groups, failed := drainGroups(t, src)
			if len(failed) != 2 || !strings.Contains(failed[0].Err.Error(), "Bestellnummer is empty") || failed[1].Err.Error() != "broken quotes" {
				t.Fatalf("failed rows: %v", failed)
			}
			if len(groups) != len(want) {
				t.Fatalf("%d groups, want %d", len(groups), len(want))
			}
			rows := 0
			for i, g := range groups {
				if g.Seq != int64(i+len(failed)) {
					t.Fatalf("group %d has Seq %d", i, g.Seq)
				}
				if i > 0 && groups[i-1].Fields[0] >= g.Fields[0] {
					t.Fatalf("groups out of order: %s before %s", groups[i-1].Fields[0], g.Fields[0])
				}
				var got []string
				for _, l := range g.Lines {
					got = append(got, l.Fields[1])
					if l.Fields[0] != g.Fields[0] {
						t.Fatalf("group %s holds a row of %s", g.Fields[0], l.Fields[0])
					}
				}
				rows += len(got)
				if fmt.Sprint(got) != fmt.Sprint(want[g.Fields[0]]) {
					t.Fatalf("%s: lines %v, want %v (file order)", g.Fields[0], got, want[g.Fields[0]])
				}
				if g.Row != g.Lines[0].Row {
					t.Fatalf("%s: row %d, want its first row %d", g.Fields[0], g.Row, g.Lines[0].Row)
				}
			}
			gs := src.(*groupSource)
			if max > 0 && gs.spilled != (rows+max-1)/max {
				t.Fatalf("%d runs spilled, want %d", gs.spilled, (rows+max-1)/max)
			}
			if max == 0 && gs.spilled != 0 {
				t.Fatalf("spilled %d runs below the bound", gs.spilled)
			}
			if err := src.Close(); err != nil {
				t.Fatal(err)
			}
			left, _ := filepath.Glob(filepath.Join(tmp, "etl-group-*"))
			if len(left) != 0 {
				t.Fatalf("temporary files left: %v", left)
			}
		})
	}
}

func TestGroupSourceUnknownColumn(t *testing.T) {
	h := record.NewHeader([]string{"Bestellnummer"})
	_, err := newGroupSource(&rowsSource{h: h}, &SourceSpec{GroupBy: &GroupSpec{Column: "Order"}}, false)
	if err == nil || !strings.Contains(err.Error(), `"Order" is not a column`) || !strings.Contains(err.Error(), "Bestellnummer") {
		t.Fatalf("err = %v", err)
	}
}

// A group past max_rows fails whole, holding only its first rows.
func TestGroupSourceRowsPerGroupBound(t *testing.T) {
	h := record.NewHeader([]string{"Bestellnummer", "Artikel"})
	var recs []*record.Record
	for i := range 50 {
		key := "BIG"
		if i%10 == 0 {
			key = fmt.Sprintf("S-%d", i)
		}
		recs = append(recs, &record.Record{Seq: int64(i), Row: i + 2, Header: h, Fields: []string{key, fmt.Sprint(i)}})
	}
	src, err := newGroupSource(&rowsSource{h: h, recs: recs}, &SourceSpec{GroupBy: &GroupSpec{Column: "Bestellnummer", MaxRows: 20}}, false)
	if err != nil {
		t.Fatal(err)
	}
	groups, failed := drainGroups(t, src)
	if len(groups) != 5 || len(failed) != 1 {
		t.Fatalf("%d groups, %d failed", len(groups), len(failed))
	}
	if f := failed[0]; f.Fields[0] != "BIG" || len(f.Lines) != 20 || !strings.Contains(f.Err.Error(), `"BIG" has 45 rows, more than source.group_by.max_rows (20)`) {
		t.Fatalf("big group: %d lines, %v", len(f.Lines), f.Err)
	}
}

// Rows spilled to a run file come back with the marks of their cells: a
// number cell (Numeric) and what a cell shows (Shown: a zero-padded SKU,
// a date), so the grouped record maps as its rows did.
func TestGroupSourceKeepsCellMarks(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	h := record.NewHeader([]string{"Bestellnummer", "Artikel", "Preis"})
	var recs []*record.Record
	for i := range 6 {
		r := &record.Record{Seq: int64(i), Row: i + 2, Header: h,
			Fields: []string{fmt.Sprint("B-", i%2), fmt.Sprint(1000 + i), "13.45"}}
		if i%3 == 0 {
			r.Numeric = []bool{false, false, true}
			r.Shown = []string{"", fmt.Sprint("0", 1000+i), ""}
		}
		recs = append(recs, r)
	}
	src, err := newGroupSource(&rowsSource{h: h, recs: recs}, &SourceSpec{GroupBy: &GroupSpec{Column: "Bestellnummer", MaxRowsInMemory: 2}}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	groups, _ := drainGroups(t, src)
	if src.(*groupSource).spilled == 0 {
		t.Fatal("nothing spilled")
	}
	n := 0
	for _, g := range groups {
		for _, l := range g.Lines {
			n++
			want := recs[l.Row-2]
			if fmt.Sprint(l.Numeric, l.Shown) != fmt.Sprint(want.Numeric, want.Shown) {
				t.Errorf("row %d: %v %q, want %v %q", l.Row, l.Numeric, l.Shown, want.Numeric, want.Shown)
			}
		}
	}
	if n != len(recs) {
		t.Errorf("%d rows, want %d", n, len(recs))
	}
}
