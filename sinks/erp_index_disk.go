package sinks

import (
	"encoding/binary"
	"errors"
	"hash/maphash"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
)

// spillAt is how many keys an index keeps in memory; past it, its records
// move to a temporary file (diskEntries) and memory keeps 16 bytes a key.
// An index of the Wawi's items holds every item, so without this an import
// of a 20,000-row file into a Wawi of 200,000 items would keep 200,000
// records in memory. Tests lower it.
var spillAt = 8192

// spillTail is how many keys written after the spill are kept unsorted
// before they are merged into the sorted slots.
const spillTail = 1024

// spillBuf is how many bytes of records are buffered before they go to the
// file.
const spillBuf = 64 << 10

// entryCodec writes an index's records to its spill file and reads them
// back. enc appends e; dec reads one record from the front of s and returns
// the rest. Only records that nothing changes in place may spill: a read
// returns a fresh copy, and a change is kept by writing it again (put).
type entryCodec[E any] struct {
	enc func(b []byte, e E) []byte
	dec func(s string) (E, string, bool)
}

// codecFor is the codec of E, nil for records that stay in memory.
func codecFor[E comparable]() *entryCodec[E] {
	if c, ok := any(docCodec).(*entryCodec[E]); ok {
		return c
	}
	c, _ := any(stockCodec).(*entryCodec[E])
	return c
}

// stockCodec: the level as its text.
var stockCodec = &entryCodec[*stockEntry]{
	enc: func(b []byte, e *stockEntry) []byte {
		e.mu.Lock()
		defer e.mu.Unlock()
		b = binary.AppendUvarint(b, uint64(len(e.qty)))
		return append(b, e.qty...)
	},
	dec: func(s string) (*stockEntry, string, bool) {
		n, s, ok := strUvarint(s)
		if !ok || n > uint64(len(s)) {
			return nil, "", false
		}
		return &stockEntry{qty: s[:n]}, s[n:], true
	},
}

// docCodec: id, then the projection's values.
var docCodec = &entryCodec[*docEntry]{
	enc: func(b []byte, e *docEntry) []byte {
		b = binary.AppendVarint(b, e.id)
		b = binary.AppendUvarint(b, uint64(len(e.vals)))
		for _, v := range e.vals {
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
		return b
	},
	dec: func(s string) (*docEntry, string, bool) {
		id, s, ok := strVarint(s)
		if !ok {
			return nil, "", false
		}
		n, s, ok := strUvarint(s)
		if !ok || n > uint64(len(s)) {
			return nil, "", false
		}
		e := &docEntry{id: id}
		if n > 0 {
			// the values share the record's string: one allocation
			e.vals = make(projection, n)
			for i := range e.vals {
				var l uint64
				if l, s, ok = strUvarint(s); !ok || l > uint64(len(s)) {
					return nil, "", false
				}
				e.vals[i], s = s[:l], s[l:]
			}
		}
		return e, s, true
	},
}

func strUvarint(s string) (uint64, string, bool) {
	var x uint64
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		x |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return x, s[i+1:], true
		}
	}
	return 0, "", false
}

func strVarint(s string) (int64, string, bool) {
	u, s, ok := strUvarint(s)
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x, s, ok
}

// diskEntries are an index's records in a temporary file: each key's
// records as one entry (key, then the records) appended to the file, and in
// memory only a slot per entry, the key's hash and the entry's offset,
// sorted by hash. A lookup finds the slots of the hash and reads their
// entries (a collision costs one read more). Setting a key appends its new
// entry and points its slot there, so the file only grows; it is removed
// when the index is closed or dropped.
type diskEntries[E comparable] struct {
	codec *entryCodec[E]
	seed  maphash.Seed

	mu      sync.RWMutex
	f       *os.File
	name    string // removed on close; "" once unlinked
	size    int64  // bytes in the file
	buf     []byte // bytes after size, not written yet
	slots   []diskSlot
	tail    []diskSlot // added since the last merge, in order
	dropped int        // slots replaced since the last merge
	err     error      // the first read or write error: reads then fail
	scratch []byte
	close   sync.Once
}

type diskSlot struct {
	h   uint64
	off int64 // -1: replaced
}

var errSpillClosed = errors.New("the index's spill file is closed")

func newDiskEntries[E comparable](codec *entryCodec[E]) (*diskEntries[E], error) {
	f, err := os.CreateTemp("", "etl-index-*")
	if err != nil {
		return nil, err
	}
	d := &diskEntries[E]{codec: codec, seed: maphash.MakeSeed(), f: f, name: f.Name()}
	if os.Remove(f.Name()) == nil {
		d.name = "" // unlinked while open (Unix): nothing is left behind
	}
	runtime.AddCleanup(d, func(c spillCleanup) { c.run() }, spillCleanup{f, d.name})
	return d, nil
}

type spillCleanup struct {
	f    *os.File
	name string
}

func (c spillCleanup) run() {
	c.f.Close()
	if c.name != "" {
		os.Remove(c.name)
	}
}

// closeFile closes and removes the file; reads then fail.
func (d *diskEntries[E]) closeFile() {
	d.close.Do(func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		spillCleanup{d.f, d.name}.run()
		d.buf, d.slots, d.tail = nil, nil, nil
		if d.err == nil {
			d.err = errSpillClosed
		}
	})
}

// get returns the records of k; ok is false when k is not known at all.
// Callers get their own copies. A read error is returned as err.
func (d *diskEntries[E]) get(k string) (es []E, ok bool, err error) {
	h := maphash.String(d.seed, k)
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.err != nil {
		return nil, false, d.err
	}
	visit := func(s diskSlot) error {
		if s.h != h || s.off < 0 {
			return nil
		}
		rec, mine, err := d.read(s, k)
		if err == nil && mine {
			ok = true
			es, err = d.decode(es, rec)
		}
		return err
	}
	// the slots of h, in the order added (not collected: a lookup per
	// record allocates only its answer)
	for i, _ := slices.BinarySearchFunc(d.slots, h, cmpSlotHash); i < len(d.slots) && d.slots[i].h == h; i++ {
		if err := visit(d.slots[i]); err != nil {
			return nil, false, err
		}
	}
	for _, s := range d.tail {
		if err := visit(s); err != nil {
			return nil, false, err
		}
	}
	if ok && es == nil {
		es = []E{}
	}
	return es, ok, nil
}

// slotsOf are the live slots of hash h, in the order added.
func (d *diskEntries[E]) slotsOf(h uint64) []*diskSlot {
	var out []*diskSlot
	for i, _ := slices.BinarySearchFunc(d.slots, h, cmpSlotHash); i < len(d.slots) && d.slots[i].h == h; i++ {
		if d.slots[i].off >= 0 {
			out = append(out, &d.slots[i])
		}
	}
	for i := range d.tail {
		if d.tail[i].h == h && d.tail[i].off >= 0 {
			out = append(out, &d.tail[i])
		}
	}
	return out
}

func cmpSlotHash(s diskSlot, h uint64) int {
	switch {
	case s.h < h:
		return -1
	case s.h > h:
		return 1
	}
	return 0
}

// add adds a record to those of k: an entry of its own, which get joins
// with k's others in the order added.
func (d *diskEntries[E]) add(k string, e E) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return d.err
	}
	off, err := d.appendEntry(k, []E{e})
	if err != nil {
		return err
	}
	d.addSlot(diskSlot{h: maphash.String(d.seed, k), off: off})
	return nil
}

// set replaces the records of k (none: k is known not to exist). A key
// already there keeps its first slot (its place in the sort), now pointing
// at the new entry; its other slots are dropped.
func (d *diskEntries[E]) set(k string, es []E) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return d.err
	}
	h := maphash.String(d.seed, k)
	var old []*diskSlot
	for _, s := range d.slotsOf(h) {
		_, mine, err := d.read(*s, k)
		if err != nil {
			d.err = err
			return err
		}
		if mine {
			old = append(old, s)
		}
	}
	off, err := d.appendEntry(k, es)
	if err != nil {
		return err
	}
	if len(old) == 0 {
		d.addSlot(diskSlot{h: h, off: off})
		return nil
	}
	old[0].off = off
	for _, s := range old[1:] {
		s.off = -1
		d.dropped++
	}
	return nil
}

func (d *diskEntries[E]) addSlot(s diskSlot) {
	d.tail = append(d.tail, s)
	if len(d.tail) >= spillTail {
		d.merge()
	}
}

// appendEntry writes an entry, its length first, then the key and the
// records, and returns its offset.
func (d *diskEntries[E]) appendEntry(k string, es []E) (int64, error) {
	off := d.size + int64(len(d.buf))
	body := binary.AppendUvarint(d.scratch[:0], uint64(len(k)))
	body = append(body, k...)
	body = binary.AppendUvarint(body, uint64(len(es)))
	for _, e := range es {
		body = d.codec.enc(body, e)
	}
	d.scratch = body
	d.buf = binary.AppendUvarint(d.buf, uint64(len(body)))
	d.buf = append(d.buf, body...)
	if len(d.buf) >= spillBuf {
		if _, err := d.f.WriteAt(d.buf, d.size); err != nil {
			d.err = err
			return 0, err
		}
		d.size += int64(len(d.buf))
		d.buf = d.buf[:0]
	}
	return off, nil
}

// merge sorts the tail into the slots, dropping replaced ones. Slots of one
// hash stay in the order they were added. The slots grow in place (merged
// from the back), so a merge allocates only when they need more room.
func (d *diskEntries[E]) merge() {
	slices.SortStableFunc(d.tail, func(a, b diskSlot) int { return cmpSlotHash(a, b.h) })
	n, t := len(d.slots), len(d.tail)
	d.slots = slices.Grow(d.slots, t)[:n+t]
	i, j := n-1, t-1
	for k := n + t - 1; j >= 0; k-- {
		// on equal hashes the tail's slot goes last: it was added later
		if i >= 0 && d.slots[i].h > d.tail[j].h {
			d.slots[k], i = d.slots[i], i-1
		} else {
			d.slots[k], j = d.tail[j], j-1
		}
	}
	if d.dropped > 0 {
		d.slots = slices.DeleteFunc(d.slots, func(s diskSlot) bool { return s.off < 0 })
		d.dropped = 0
	}
	d.tail = d.tail[:0]
}

// read reads the entry of slot s: mine says whether its key is k, rec are
// its records' bytes (only when mine).
func (d *diskEntries[E]) read(s diskSlot, k string) (rec string, mine bool, err error) {
	var b []byte
	if s.off >= d.size {
		b = d.buf[s.off-d.size:]
	} else {
		// most entries fit: one read
		var head [128]byte
		n, err := d.f.ReadAt(head[:], s.off)
		if n == 0 {
			return "", false, err
		}
		b = head[:n]
		if l, m := binary.Uvarint(b); m > 0 && m+int(l) > len(b) {
			b = make([]byte, m+int(l))
			if _, err := d.f.ReadAt(b, s.off); err != nil {
				return "", false, err
			}
		}
	}
	l, m := binary.Uvarint(b)
	if m <= 0 || m+int(l) > len(b) {
		return "", false, io.ErrUnexpectedEOF
	}
	b = b[m : m+int(l)]
	kl, m := binary.Uvarint(b)
	if m <= 0 || m+int(kl) > len(b) {
		return "", false, io.ErrUnexpectedEOF
	}
	if string(b[m:m+int(kl)]) != k {
		return "", false, nil
	}
	return string(b[m+int(kl):]), true, nil
}

// decode appends the records of an entry to es.
func (d *diskEntries[E]) decode(es []E, rec string) ([]E, error) {
	n, s, ok := strUvarint(rec)
	if !ok {
		return nil, io.ErrUnexpectedEOF
	}
	for range n {
		var e E
		if e, s, ok = d.codec.dec(s); !ok {
			return nil, io.ErrUnexpectedEOF
		}
		es = append(es, e)
	}
	return es, nil
}
