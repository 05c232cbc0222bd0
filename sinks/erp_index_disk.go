package sinks

import (
	"encoding/binary"
	"errors"
	"hash/maphash"
	"io"
	"os"
	"runtime"
	"sync"

	"github.com/wawi-etl/etl/internal/diskmap"
)

// spillAt is how many keys an index keeps in memory; past it, its records
// move to a temporary file (diskEntries), and so does, past as many keys,
// the table that finds them.
// An index of the Wawi's items holds every item, so without this an import
// of a 20,000-row file into a Wawi of 200,000 items would keep 200,000
// records in memory. 32,768 keys are a few MB: an import against a Wawi of
// that many items reads its index from memory, without a pread per lookup
// (8192 made a 20,000-item index spill and cost a tenth of the import's
// CPU in system calls). Tests lower it.
var spillAt = 32768

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
		// a write of this run may be merging into e (keyedSink.update)
		e.mu.Lock()
		defer e.mu.Unlock()
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

// diskEntries are an index's records in a temporary file: each add or set
// of a key appends an entry (the offset of the previous entry of the same
// hash, whether it replaces the key's records or adds one, the key, the
// records), and a table from the key's hash to its newest entry
// (internal/diskmap, itself on disk past a bound) finds it. A lookup walks
// the hash's entries from the newest back to the key's last set (a
// collision costs one read more). The file only grows; it is removed when
// the index is closed or dropped.
type diskEntries[E comparable] struct {
	codec *entryCodec[E]
	seed  maphash.Seed

	mu    sync.RWMutex
	f     *os.File
	name  string // removed on close; "" once unlinked
	size  int64  // bytes in the file
	buf   []byte // bytes after size, not written yet
	heads *diskmap.Map
	err   error // the first read or write error: reads then fail
	close sync.Once
	body  []byte // scratch of appendEntry
}

// entry kinds
const (
	entryAdd     = 0 // one more record of the key
	entryReplace = 1 // the key's records from now on
)

func newDiskEntries[E comparable](codec *entryCodec[E]) (*diskEntries[E], error) {
	f, err := os.CreateTemp("", "etl-index-*")
	if err != nil {
		return nil, err
	}
	d := &diskEntries[E]{codec: codec, seed: maphash.MakeSeed(), f: f, name: f.Name(), heads: diskmap.New(1, spillAt)}
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
		d.heads.Close()
		d.buf = nil
		if d.err == nil {
			d.err = errSpillClosed
		}
	})
}

var errSpillClosed = errors.New("the index's spill file is closed")

// get returns the records of k; ok is false when k is not known at all.
// Callers get their own copies. A read error is returned as err.
func (d *diskEntries[E]) get(k string) (es []E, ok bool, err error) {
	h := maphash.String(d.seed, k)
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.err != nil {
		return nil, false, d.err
	}
	head, found, err := d.heads.Get(h)
	if err != nil || !found {
		return nil, false, err
	}
	// newest first; the records of several adds come out in the order added
	var small [2]string
	recs := small[:0]
	for off := int64(head[0]) - 1; off >= 0; {
		e, err := d.read(off, k)
		if err != nil {
			return nil, false, err
		}
		if e.mine {
			ok = true
			recs = append(recs, e.recs)
			if e.kind == entryReplace {
				break
			}
		}
		off = e.prev
	}
	for i := len(recs) - 1; i >= 0; i-- {
		if es, err = d.decode(es, recs[i]); err != nil {
			return nil, false, err
		}
	}
	if ok && es == nil {
		es = []E{}
	}
	return es, ok, nil
}

// add adds a record to those of k.
func (d *diskEntries[E]) add(k string, e E) error {
	return d.append(k, []E{e}, entryAdd)
}

// set replaces the records of k (none: k is known not to exist).
func (d *diskEntries[E]) set(k string, es []E) error {
	return d.append(k, es, entryReplace)
}

func (d *diskEntries[E]) append(k string, es []E, kind byte) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err != nil {
		return d.err
	}
	h := maphash.String(d.seed, k)
	head, _, err := d.heads.Get(h)
	if err != nil {
		d.err = err
		return err
	}
	off := d.size + int64(len(d.buf))
	body := binary.AppendUvarint(d.body[:0], head[0]) // the previous entry's offset + 1; 0: none
	body = append(body, kind)
	body = binary.AppendUvarint(body, uint64(len(k)))
	body = append(body, k...)
	body = binary.AppendUvarint(body, uint64(len(es)))
	for _, e := range es {
		body = d.codec.enc(body, e)
	}
	d.body = body
	d.buf = binary.AppendUvarint(d.buf, uint64(len(body)))
	d.buf = append(d.buf, body...)
	if len(d.buf) >= spillBuf {
		if _, err := d.f.WriteAt(d.buf, d.size); err != nil {
			d.err = err
			return err
		}
		d.size += int64(len(d.buf))
		d.buf = d.buf[:0]
	}
	if _, _, err := d.heads.Swap(h, diskmap.Value{uint64(off) + 1}); err != nil {
		d.err = err
		return err
	}
	return nil
}

// diskEntry is an entry as read: mine says whether its key is the one
// looked up, recs are then its records' bytes.
type diskEntry struct {
	prev int64 // -1: none
	kind byte
	mine bool
	recs string
}

// read reads the entry at off, looking for key k.
func (d *diskEntries[E]) read(off int64, k string) (diskEntry, error) {
	var b []byte
	if off >= d.size {
		b = d.buf[off-d.size:]
	} else {
		// most entries fit: one read
		var head [128]byte
		n, err := d.f.ReadAt(head[:], off)
		if n == 0 {
			return diskEntry{}, err
		}
		b = head[:n]
		if l, m := binary.Uvarint(b); m > 0 && m+int(l) > len(b) {
			b = make([]byte, m+int(l))
			if _, err := d.f.ReadAt(b, off); err != nil {
				return diskEntry{}, err
			}
		}
	}
	l, m := binary.Uvarint(b)
	if m <= 0 || m+int(l) > len(b) {
		return diskEntry{}, io.ErrUnexpectedEOF
	}
	b = b[m : m+int(l)]
	prev, m := binary.Uvarint(b)
	if m <= 0 || m >= len(b) {
		return diskEntry{}, io.ErrUnexpectedEOF
	}
	e := diskEntry{prev: int64(prev) - 1, kind: b[m]}
	b = b[m+1:]
	kl, m := binary.Uvarint(b)
	if m <= 0 || m+int(kl) > len(b) {
		return diskEntry{}, io.ErrUnexpectedEOF
	}
	if e.mine = string(b[m:m+int(kl)]) == k; e.mine {
		e.recs = string(b[m+int(kl):])
	}
	return e, nil
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
