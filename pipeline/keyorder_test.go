package pipeline

import (
	"errors"
	"fmt"
	"testing"
)

// The planning pass's notes go to disk past planNotesInMemory keys and
// still find every row's predecessor with its key and every duplicate.
func TestPlanNotesPastTheirMemoryBound(t *testing.T) {
	k, d := newKeyOrder(), newDupScan()
	n := 3 * planNotesInMemory
	for i := range n {
		key := fmt.Sprintf("SKU-%d", i)
		if i%1000 == 999 {
			key = fmt.Sprintf("SKU-%d", i-500) // again, 500 rows later
		}
		k.see(key, int64(i))
		d.see(key, int64(i), i+2, []any{key, i % 7})
	}
	if !k.last.Spilled() || !d.first.Spilled() {
		t.Fatalf("notes in memory past %d keys", planNotesInMemory)
	}
	if err := errors.Join(k.err(), d.err()); err != nil {
		t.Fatal(err)
	}
	w := k.forWriting()
	if len(w.pred) != n/1000 || len(d.groups) != n/1000 {
		t.Fatalf("%d predecessors, %d duplicate groups, want %d", len(w.pred), len(d.groups), n/1000)
	}
	for i := 999; i < n; i += 1000 {
		if p, ok := w.pred[int64(i)]; !ok || p != int64(i-500) {
			t.Errorf("row %d: predecessor %d %v, want %d", i, p, ok, i-500)
		}
	}
	g := d.groups[d.order[0]]
	if g.key != "SKU-499" || len(g.rows) != 2 || g.rows[0].row != 501 || g.rows[0].seq != 499 || g.rows[1].seq != 999 {
		t.Errorf("first group: %+v", g)
	}
}
