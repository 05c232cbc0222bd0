// Package diskmap is a map of uint64 keys (hashes) to a fixed number of
// uint64 words that keeps its first entries in memory and the rest in a
// temporary file: an import notes something per row of its file while
// planning (the row before it with the same key, the first row of each key),
// and a file of millions of rows must not need memory for each.
//
// Past the bound, the entries move to an open-addressing hash table in the
// file (linear probing, at most half full, doubled when it fills), read and
// written with pread and pwrite: the kernel's page cache holds it, not the
// process's memory.
package diskmap

import (
	"encoding/binary"
	"os"
	"runtime"
)

// Words is the most words a key can have.
const Words = 4

// Value is a key's words (the first words of New's count are used).
type Value [Words]uint64

// probe is how many buckets a lookup reads at once.
const probe = 8

// firstBuckets is the table's size when the entries move to the file (a
// power of two, at least 256). Tests lower it.
var firstBuckets uint64 = 1 << 20

// Map maps uint64 keys to up to Words uint64 words each. It is not safe for
// concurrent use. An error of the file is sticky: every call then returns
// it.
type Map struct {
	words int
	bound int
	mem   map[uint64]Value

	f       *os.File
	name    string // removed on Close; "" once unlinked
	buckets uint64 // a power of two
	n       uint64 // entries in the file
	err     error
	buf     []byte
}

// New is a map of words (at most Words) words a key that keeps up to bound
// entries in memory.
func New(words, bound int) *Map {
	return &Map{words: min(max(words, 1), Words), bound: bound, mem: map[uint64]Value{}}
}

// Len is the number of keys.
func (m *Map) Len() int { return len(m.mem) + int(m.n) }

// Err is the first error of the file.
func (m *Map) Err() error { return m.err }

// Spilled reports whether the entries are in the file.
func (m *Map) Spilled() bool { return m.f != nil }

// Get returns the words of k; ok is false when k is not in the map. Gets
// may run concurrently with each other (not with Swap or Add).
func (m *Map) Get(k uint64) (v Value, ok bool, err error) {
	if m.err != nil {
		return v, false, m.err
	}
	if m.f == nil {
		v, ok = m.mem[k]
		return v, ok, nil
	}
	var buf [probe * (8 + 8*Words)]byte
	_, b, err := m.find(k, buf[:])
	if err != nil || b == nil {
		return v, false, err
	}
	return m.decode(b), true, nil
}

// Swap sets k to v and returns what k had.
func (m *Map) Swap(k uint64, v Value) (old Value, had bool, err error) {
	return m.upsert(k, v, true)
}

// Add sets k to v unless k is in the map already; then it returns what k
// has and changes nothing.
func (m *Map) Add(k uint64, v Value) (old Value, had bool, err error) {
	return m.upsert(k, v, false)
}

func (m *Map) upsert(k uint64, v Value, replace bool) (old Value, had bool, err error) {
	if m.err != nil {
		return old, false, m.err
	}
	if m.f == nil {
		if old, had = m.mem[k]; had || len(m.mem) < m.bound {
			if !had || replace {
				m.mem[k] = v
			}
			return old, had, nil
		}
		if err := m.spill(); err != nil {
			return old, false, err
		}
	}
	i, b, err := m.find(k, m.scratch(probe*m.size()))
	if err != nil {
		m.fail(err)
		return old, false, err
	}
	if b != nil {
		old, had = m.decode(b), true
		if !replace {
			return old, had, nil
		}
	}
	if err := m.write(i, k, v, !had); err != nil {
		m.fail(err)
		return old, false, err
	}
	return old, had, nil
}

func (m *Map) fail(err error) {
	if err != nil && m.err == nil {
		m.err = err
	}
}

// Close removes the file. The map is empty afterwards.
func (m *Map) Close() {
	if m.f != nil {
		closeFile{m.f, m.name}.run()
	}
	m.f, m.mem, m.n = nil, map[uint64]Value{}, 0
}

type closeFile struct {
	f    *os.File
	name string
}

func (c closeFile) run() {
	c.f.Close()
	if c.name != "" {
		os.Remove(c.name)
	}
}

// stored keys are never 0, which marks an empty bucket: key 0 is stored as
// 1<<63 (the keys are hashes; that they meet is as likely as any other
// collision).
func stored(k uint64) uint64 {
	if k == 0 {
		return 1 << 63
	}
	return k
}

func (m *Map) size() int { return 8 + 8*m.words }

func (m *Map) decode(b []byte) (v Value) {
	for j := range m.words {
		v[j] = binary.LittleEndian.Uint64(b[8+8*j:])
	}
	return v
}

// newFile makes an empty table of m.buckets buckets.
func (m *Map) newFile() error {
	f, err := os.CreateTemp("", "etl-plan-*")
	if err != nil {
		return err
	}
	name := f.Name()
	if os.Remove(name) == nil {
		name = "" // unlinked while open (Unix): nothing is left behind
	}
	runtime.AddCleanup(m, func(c closeFile) { c.run() }, closeFile{f, name})
	m.f, m.name, m.n = f, name, 0
	return f.Truncate(int64(m.buckets) * int64(m.size()))
}

// spill moves the entries in memory into a new file.
func (m *Map) spill() error {
	// A large sparse table from the start: doubling re-inserts every entry,
	// and the file's empty parts cost neither disk nor page cache.
	m.buckets = firstBuckets
	for m.buckets < uint64(4*m.bound) {
		m.buckets <<= 1
	}
	if err := m.newFile(); err != nil {
		m.fail(err)
		return err
	}
	for k, v := range m.mem {
		if err := m.insert(k, v); err != nil {
			m.fail(err)
			return err
		}
	}
	m.mem = nil
	return nil
}

// find returns the bucket of k and its bytes, or (nil bytes) the empty
// bucket where k would go. Buckets are read a few at a time: at most half
// full, a key is nearly always in its first one or the next.
func (m *Map) find(k uint64, buf []byte) (i uint64, b []byte, err error) {
	sk := stored(k)
	mask := m.buckets - 1
	i = sk & mask
	sz := uint64(m.size())
	for {
		n := min(probe, m.buckets-i)
		chunk := buf[:n*sz]
		if _, err := m.f.ReadAt(chunk, int64(i*sz)); err != nil {
			return 0, nil, err
		}
		for j := range n {
			switch binary.LittleEndian.Uint64(chunk[j*sz:]) {
			case sk:
				return i + j, chunk[j*sz : (j+1)*sz], nil
			case 0:
				return i + j, nil, nil
			}
		}
		i = (i + n) & mask
	}
}

func (m *Map) scratch(n int) []byte {
	if cap(m.buf) < n {
		m.buf = make([]byte, n)
	}
	return m.buf[:n]
}

// write writes k and v into bucket i; added: a new key.
func (m *Map) write(i, k uint64, v Value, added bool) error {
	b := m.scratch(m.size())
	binary.LittleEndian.PutUint64(b, stored(k))
	for j := range m.words {
		binary.LittleEndian.PutUint64(b[8+8*j:], v[j])
	}
	if _, err := m.f.WriteAt(b, int64(i)*int64(m.size())); err != nil {
		return err
	}
	if !added {
		return nil
	}
	m.n++
	if 2*m.n > m.buckets {
		return m.grow()
	}
	return nil
}

// insert puts a key known not to be in the table.
func (m *Map) insert(k uint64, v Value) error {
	i, _, err := m.find(k, m.scratch(probe*m.size()))
	if err != nil {
		return err
	}
	return m.write(i, k, v, true)
}

// grow doubles the table: a new file, every entry inserted again.
func (m *Map) grow() error {
	old, oldName, oldBuckets := m.f, m.name, m.buckets
	m.buckets *= 2
	if err := m.newFile(); err != nil {
		return err
	}
	defer closeFile{old, oldName}.run()
	sz := m.size()
	chunk := make([]byte, 256*sz) // oldBuckets is a multiple of 256
	for at := int64(0); at < int64(oldBuckets)*int64(sz); at += int64(len(chunk)) {
		if _, err := old.ReadAt(chunk, at); err != nil {
			return err
		}
		for off := 0; off < len(chunk); off += sz {
			k := binary.LittleEndian.Uint64(chunk[off:])
			if k == 0 {
				continue
			}
			if err := m.insert(k, m.decode(chunk[off:])); err != nil {
				return err
			}
		}
	}
	return nil
}
