package sinks

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

// Writes to entries of a loaded index are kept in place, not copied into
// touched; entries the index does not hold (creates) and entries written
// before the load are.
func TestKeyIndexPutKeepsNoCopyOfLoadedEntries(t *testing.T) {
	ctx := context.Background()
	a, b := &docEntry{id: 1}, &docEntry{id: 2}
	x := newKeyIndex[*docEntry]("items by SKU", modeIndex)
	early := &docEntry{id: 3}
	x.put("C-1", []*docEntry{early}) // written before the load: must win over it
	x.load = func(context.Context) (*entries[*docEntry], error) {
		m := newEntries[*docEntry]()
		m.add("a-1", a)
		m.add("b-1", b)
		m.add("c-1", &docEntry{id: 3})
		return m, nil
	}
	if es, err := x.get(ctx, "a-1"); err != nil || len(es) != 1 || es[0] != a {
		t.Fatalf("get: %v %v", es, err)
	}
	x.put("A-1", []*docEntry{a})
	if n := len(x.touched.one) + len(x.touched.many); n != 1 {
		t.Errorf("touched holds %d entries after updating a loaded one, want 1 (the early write)", n)
	}
	created := &docEntry{id: 4}
	x.put("D-1", []*docEntry{created})
	for key, want := range map[string]*docEntry{"A-1": a, "c-1": early, "d-1": created} {
		if es, err := x.get(ctx, key); err != nil || len(es) != 1 || es[0] != want {
			t.Errorf("get %s: %v %v, want %v", key, es, err, want)
		}
	}
}

// A packed value unpacks to what compactValue keeps of it, so the index
// compares exactly as it did with the values themselves.
func TestProjectionPacking(t *testing.T) {
	for _, v := range []any{nil, "", "s", "ACME-1001", json.Number("29.48"), json.Number("-0"), true, false,
		[]any{"a", "b"}, []any{}, []any{"a", json.Number("1")}, 1.5, map[string]any{"x": json.Number("1")}, int64(7)} {
		want := compactValue(v)
		if got := unpackValue(packValue(v)); !reflect.DeepEqual(got, want) {
			t.Errorf("%#v: unpacked %#v, want %#v", v, got, want)
		}
	}
	for _, n := range []int{0, 1, 12} {
		if got := unpackValue(packLen(n)); got != n {
			t.Errorf("length %d: unpacked %#v", n, got)
		}
	}
}
