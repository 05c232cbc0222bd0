package sinks

import (
	"context"
	"testing"
)

// Writes to entries of a loaded index are kept in place, not copied into
// touched; entries the index does not hold (creates) and entries written
// before the load are.
func TestKeyIndexPutKeepsNoCopyOfLoadedEntries(t *testing.T) {
	ctx := context.Background()
	a, b := &docEntry{id: 1, key: "A-1"}, &docEntry{id: 2, key: "B-1"}
	x := newKeyIndex[*docEntry]("items by SKU", modeIndex)
	early := &docEntry{id: 3, key: "C-1"}
	x.put("C-1", []*docEntry{early}) // written before the load: must win over it
	x.load = func(context.Context) (map[string][]*docEntry, error) {
		return map[string][]*docEntry{"a-1": {a}, "b-1": {b}, "c-1": {{id: 3, key: "C-1"}}}, nil
	}
	if es, err := x.get(ctx, "a-1"); err != nil || len(es) != 1 || es[0] != a {
		t.Fatalf("get: %v %v", es, err)
	}
	x.put("A-1", []*docEntry{a})
	if len(x.touched) != 1 {
		t.Errorf("touched holds %d entries after updating a loaded one, want 1 (the early write)", len(x.touched))
	}
	created := &docEntry{id: 4, key: "D-1"}
	x.put("D-1", []*docEntry{created})
	for key, want := range map[string]*docEntry{"A-1": a, "c-1": early, "d-1": created} {
		if es, err := x.get(ctx, key); err != nil || len(es) != 1 || es[0] != want {
			t.Errorf("get %s: %v %v, want %v", key, es, err, want)
		}
	}
}
