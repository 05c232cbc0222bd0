package diskmap

import (
	"math/rand/v2"
	"testing"
)

// The map answers as a Go map does, before and after its entries move to
// the file and while the file's table doubles.
func TestMapAnswersAsAGoMap(t *testing.T) {
	defer func(n uint64) { firstBuckets = n }(firstBuckets)
	firstBuckets = 256 // doubles five times
	m := New(3, 60)
	defer m.Close()
	want := map[uint64]Value{}
	r := rand.New(rand.NewPCG(1, 2))
	keys := []uint64{0} // 0 is a key like any other
	for range 5000 {
		keys = append(keys, r.Uint64())
	}
	for i := range 20000 {
		k := keys[r.IntN(len(keys))]
		v := Value{uint64(i), r.Uint64(), 7}
		if i%3 == 0 {
			old, had, err := m.Add(k, v)
			w, wok := want[k]
			if err != nil || had != wok || old != w {
				t.Fatalf("Add %d: %v %v %v, want %v %v", k, old, had, err, w, wok)
			}
			if !wok {
				want[k] = v
			}
			continue
		}
		old, had, err := m.Swap(k, v)
		w, wok := want[k]
		if err != nil || had != wok || old != w {
			t.Fatalf("Swap %d: %v %v %v, want %v %v", k, old, had, err, w, wok)
		}
		want[k] = v
	}
	if !m.Spilled() || m.Len() != len(want) || m.buckets < 8192 {
		t.Fatalf("spilled %v, %d keys, want %d; %d buckets", m.Spilled(), m.Len(), len(want), m.buckets)
	}
	for _, k := range append(keys, 12345) {
		v, ok, err := m.Get(k)
		w, wok := want[k]
		if err != nil || ok != wok || v != w {
			t.Fatalf("Get %d: %v %v %v, want %v %v", k, v, ok, err, w, wok)
		}
	}
	m.Close()
	if m.Len() != 0 {
		t.Errorf("%d keys after Close", m.Len())
	}
}

// Below the bound nothing touches the disk.
func TestMapStaysInMemoryBelowItsBound(t *testing.T) {
	m := New(1, 10)
	for k := range uint64(10) {
		if _, _, err := m.Swap(k, Value{k}); err != nil {
			t.Fatal(err)
		}
	}
	if m.Spilled() {
		t.Fatal("spilled at its bound")
	}
	m.Swap(10, Value{10})
	if !m.Spilled() {
		t.Fatal("not spilled past its bound")
	}
}
