package sinks

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/internal/jsondoc"
)

// lookupMode says how the sink finds the Wawi's record for a key.
type lookupMode uint8

const (
	// modeAuto searches key by key while that is cheaper and switches to the
	// index once the records seen make the index worth its pages.
	modeAuto lookupMode = iota
	// modeIndex pages through the whole list once and answers from memory.
	modeIndex
	// modeSearch asks the API per key (a filtered GET).
	modeSearch
)

func parseLookupMode(s string) (lookupMode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "auto":
		return modeAuto, nil
	case "index":
		return modeIndex, nil
	case "search":
		return modeSearch, nil
	}
	return 0, fmt.Errorf("lookup must be auto, index or search, not %q", s)
}

// searchWeight is how many records one index page entry is worth against
// one search request: a search answers a handful of records, a page carries
// many full ones, so a page costs more than a search but far less than
// pageSize searches. Auto mode uses the index when
// TotalItems <= searchWeight × records, i.e. when reading every record of the
// Wawi costs no more than about one search per searchWeight records.
const searchWeight = 20

// keyIndex finds records by a key (lower-cased) in one of three modes, and
// remembers the records this run wrote so that later records see them.
//
// Lookups go: touched (records written by this run; authoritative) → known
// (the index, or the answers of earlier searches) → the API. Index loading
// happens once, under loadMu, and never overwrites touched entries, so a
// write that races with a load is not lost.
type keyIndex[E comparable] struct {
	what   string // "items by SKU", for messages
	mode   lookupMode
	load   func(ctx context.Context) (*entries[E], error)
	search func(ctx context.Context, key string) ([]E, error)
	// refresh asks the API for key when search may answer from a cache of
	// its own (a sub-resource's parent list); nil: search.
	refresh func(ctx context.Context, key string) ([]E, error)
	probe   func(ctx context.Context) (int64, error)

	mu       sync.RWMutex
	touched  *entries[E]
	known    *entries[E]
	complete bool // known holds every record: a missing key does not exist

	loadMu   sync.Mutex
	inflight map[string]*searchCall[E] // guarded by mu

	warmOnce sync.Once
	warmErr  error // guarded by loadMu: the failed load of warm, for the lookup that waited for it

	probeOnce sync.Once
	total     int64 // from probe; -1 unknown
	probeErr  error
	searches  atomic.Int64
	hint      atomic.Int64 // expected records, 0 unknown

	// counters for tests and reports
	loads, searchCalls atomic.Int64
}

type searchCall[E comparable] struct {
	done chan struct{}
	res  []E
	err  error
}

func newKeyIndex[E comparable](what string, mode lookupMode) *keyIndex[E] {
	return &keyIndex[E]{what: what, mode: mode, touched: newSpillEntries[E](), known: newSpillEntries[E](),
		inflight: map[string]*searchCall[E]{}, total: -1}
}

func lowerKey(k string) string { return strings.ToLower(strings.TrimSpace(k)) }

// get returns the records with key. It only reads.
func (x *keyIndex[E]) get(ctx context.Context, key string) ([]E, error) {
	k := lowerKey(key)
	x.mu.RLock()
	es, ok, err := x.remembered(k)
	complete := x.complete
	x.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	if ok || complete {
		return es, nil
	}
	useIndex, err := x.wantIndex(ctx)
	if err != nil {
		return nil, err
	}
	if useIndex {
		if err := x.ensureLoaded(ctx); err != nil {
			return nil, err
		}
		x.mu.RLock()
		defer x.mu.RUnlock()
		es, _, err := x.remembered(k)
		return es, err
	}
	return x.searchOnce(ctx, k, key)
}

// remembered looks k up in touched, then known; ok is false when neither
// holds it. x.mu must be held.
func (x *keyIndex[E]) remembered(k string) (es []E, ok bool, err error) {
	if es, ok, err = x.touched.lookup(k); ok || err != nil {
		return es, ok, x.spillErr(err)
	}
	es, ok, err = x.known.lookup(k)
	return es, ok, x.spillErr(err)
}

func (x *keyIndex[E]) spillErr(err error) error {
	if err != nil {
		return fmt.Errorf("looking up %s: %w", x.what, err)
	}
	return nil
}

// fresh asks the API for key, bypassing memory: the landed checks use it.
func (x *keyIndex[E]) fresh(ctx context.Context, key string) ([]E, error) {
	x.searchCalls.Add(1)
	if x.refresh != nil {
		return x.refresh(ctx, key)
	}
	return x.search(ctx, key)
}

// wantIndex decides the mode of this lookup.
func (x *keyIndex[E]) wantIndex(ctx context.Context) (bool, error) {
	switch x.mode {
	case modeIndex:
		return true, nil
	case modeSearch:
		return false, nil
	}
	if x.probe == nil {
		return true, nil
	}
	x.probeOnce.Do(func() { x.total, x.probeErr = x.probe(ctx) })
	if x.probeErr != nil {
		return false, x.probeErr
	}
	if h := x.hint.Load(); h > 0 {
		return x.total <= searchWeight*h, nil
	}
	// Without a size hint: search until the records seen would have paid
	// for the index, then load it (at most about twice the cheaper cost).
	n := x.searches.Add(1)
	return x.total <= searchWeight*n, nil
}

func (x *keyIndex[E]) ensureLoaded(ctx context.Context) error {
	x.loadMu.Lock()
	defer x.loadMu.Unlock()
	if err := x.warmErr; err != nil {
		// warm's load failed while this lookup waited: it reports that
		// failure instead of sending the same requests again (the next
		// lookup tries again, as after any failed load)
		x.warmErr = nil
		return err
	}
	return x.loadLocked(ctx)
}

// warm loads the index in the background, once, when lookups will use it:
// a sink that needs two indexes for its first record (stock levels need
// the items by SKU and the stock list) then reads both lists at once
// instead of one after the other. A load cut short because ctx ended is
// forgotten; the next lookup loads again.
func (x *keyIndex[E]) warm(ctx context.Context) {
	if x.mode == modeSearch || x.mode != modeIndex && x.hint.Load() <= 0 {
		return // without a size hint the lookups search first: nothing to warm
	}
	x.warmOnce.Do(func() {
		go func() {
			if use, err := x.wantIndex(ctx); err != nil || !use {
				return // the lookup decides the same (probe and hint are remembered) and reports the error
			}
			x.loadMu.Lock()
			defer x.loadMu.Unlock()
			if err := x.loadLocked(ctx); err != nil && ctx.Err() == nil {
				x.warmErr = err
			}
		}()
	})
}

// loadLocked loads the index unless it is complete; x.loadMu must be held.
func (x *keyIndex[E]) loadLocked(ctx context.Context) error {
	x.mu.RLock()
	done := x.complete
	x.mu.RUnlock()
	if done {
		return nil
	}
	x.loads.Add(1)
	m, err := x.load(ctx)
	if err != nil {
		return fmt.Errorf("loading %s: %w", x.what, err)
	}
	if m.err != nil {
		m.close()
		return fmt.Errorf("loading %s: %w", x.what, m.err)
	}
	x.mu.Lock()
	old := x.known
	x.known, x.complete = m, true
	x.mu.Unlock()
	old.close()
	return nil
}

// searchOnce runs one search per key at a time and remembers the answer
// (an empty answer too).
func (x *keyIndex[E]) searchOnce(ctx context.Context, k, key string) ([]E, error) {
	x.mu.Lock()
	if es, ok, err := x.remembered(k); ok || x.complete || err != nil {
		x.mu.Unlock()
		return es, err
	}
	if c := x.inflight[k]; c != nil {
		x.mu.Unlock()
		select {
		case <-c.done:
			return c.res, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c := &searchCall[E]{done: make(chan struct{})}
	x.inflight[k] = c
	x.mu.Unlock()

	x.searchCalls.Add(1)
	c.res, c.err = x.search(ctx, key)
	x.mu.Lock()
	delete(x.inflight, k)
	if c.err == nil && !x.complete {
		if c.res == nil {
			c.res = []E{}
		}
		x.known.set(k, c.res)
	}
	x.mu.Unlock()
	close(c.done)
	if c.err != nil {
		return nil, fmt.Errorf("looking up %s %q: %w", x.what, strings.ReplaceAll(key, keySep, " / "), c.err)
	}
	return c.res, nil
}

// put records what this run wrote under key; it wins over the index. The
// entries the loaded index already holds under key are not copied: the
// index is loaded once, so they cannot be replaced, and writes update them
// in place (or, when it is on disk, are written into it); a file updating
// every record would otherwise keep a second map of them all.
func (x *keyIndex[E]) put(key string, es []E) {
	k := lowerKey(key)
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.complete {
		if _, ok, _ := x.touched.lookup(k); !ok {
			if x.known.spilled() {
				x.known.set(k, es)
				return
			}
			if cur, _ := x.known.get(k); slices.Equal(cur, es) {
				return
			}
		}
	}
	x.touched.set(k, es)
}

// close removes the index's spill files.
func (x *keyIndex[E]) close() {
	if x == nil {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.touched.close()
	x.known.close()
}

// entries are an index's records by key. Nearly every key has one record,
// kept in one; the few with several (an SKU twice in the Wawi) or none (a
// search that found nothing) are kept in many. A map of single records
// costs a third less than one of slices, and an index holds every record
// of the Wawi.
//
// Entries made by newSpillEntries move to a temporary file (disk) once they
// hold more than spillAt keys, when their records have a codec (docEntry,
// stockEntry): then their memory stays the same however many keys they
// hold, and every lookup returns a fresh copy of the records (a change is
// kept by set). Others stay in memory and are changed in place.
type entries[E comparable] struct {
	one  map[string]E
	many map[string][]E

	codec *entryCodec[E]
	disk  *diskEntries[E]
	err   error // the first error of the spill file; lookups return it
}

func newEntries[E comparable]() *entries[E] {
	return &entries[E]{one: map[string]E{}, many: map[string][]E{}}
}

// newSpillEntries are entries that move to disk past spillAt keys (for E
// with a codec).
func newSpillEntries[E comparable]() *entries[E] {
	m := newEntries[E]()
	m.codec = codecFor[E]()
	return m
}

// get returns the records of k; ok is false when k is not known at all.
// Entries that may spill are read with lookup, which returns errors too.
func (m *entries[E]) get(k string) (es []E, ok bool) {
	es, ok, _ = m.lookup(k)
	return es, ok
}

// lookup is get with the error of reading the spill file.
func (m *entries[E]) lookup(k string) (es []E, ok bool, err error) {
	if m.err != nil {
		return nil, false, m.err
	}
	if m.disk != nil {
		return m.disk.get(k)
	}
	if e, ok := m.one[k]; ok {
		return []E{e}, true, nil
	}
	es, ok = m.many[k]
	return es, ok, nil
}

// add adds a record to those of k.
func (m *entries[E]) add(k string, e E) {
	if m.disk != nil {
		m.fail(m.disk.add(k, e))
		return
	}
	if first, ok := m.one[k]; ok {
		delete(m.one, k)
		m.many[k] = []E{first, e}
		return
	}
	if es, ok := m.many[k]; ok {
		m.many[k] = append(es, e)
		return
	}
	m.one[k] = e
	m.maybeSpill()
}

// set replaces the records of k (none: k is known not to exist).
func (m *entries[E]) set(k string, es []E) {
	if m.disk != nil {
		m.fail(m.disk.set(k, es))
		return
	}
	delete(m.one, k)
	delete(m.many, k)
	if len(es) == 1 {
		m.one[k] = es[0]
	} else {
		m.many[k] = es
	}
	m.maybeSpill()
}

// spilled reports whether the records are on disk: lookups return copies,
// and a change is kept only by set.
func (m *entries[E]) spilled() bool { return m.disk != nil }

func (m *entries[E]) maybeSpill() {
	if m.codec == nil || m.err != nil || len(m.one)+len(m.many) <= spillAt {
		return
	}
	d, err := newDiskEntries(m.codec)
	if err != nil {
		m.fail(err)
		return
	}
	for k, e := range m.one {
		if err := d.set(k, []E{e}); err != nil {
			d.closeFile()
			m.fail(err)
			return
		}
	}
	for k, es := range m.many {
		if err := d.set(k, es); err != nil {
			d.closeFile()
			m.fail(err)
			return
		}
	}
	m.disk, m.one, m.many = d, nil, nil
}

func (m *entries[E]) fail(err error) {
	if err != nil && m.err == nil {
		m.err = fmt.Errorf("index spill file: %w", err)
	}
}

// close removes the spill file, if any.
func (m *entries[E]) close() {
	if m != nil && m.disk != nil {
		m.disk.closeFile()
	}
}

// stripedLocks serialise writes per key without a map that grows: two keys
// may share a stripe, which only costs a little waiting.
type stripedLocks [256]sync.Mutex

func (l *stripedLocks) lock(key string) func() {
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	m := &l[h%uint32(len(l))]
	m.Lock()
	return m.Unlock
}

// indexPaging fetches an index's pages as many at a time as the client
// allows requests in flight (the list default is 4): while an index loads,
// every record waits for it, so nothing else wants the connections.
func indexPaging(c *erp.Client) erp.PageOptions {
	// Complete: a record a shrinking list shifted past the index would be
	// created again
	return erp.PageOptions{Parallel: c.Config().Concurrency, Complete: true}
}

// keysPart is the part of a record that reads the top-level keys names,
// each whole (erp.PageOptions.Part).
func keysPart(names ...string) *jsondoc.Node {
	n := &jsondoc.Node{}
	for _, k := range names {
		n.Add([]string{k})
	}
	return n
}

// probeTotal asks a paged list for its TotalItems with a one-record page.
func probeTotal(ctx context.Context, c *erp.Client, path string, q url.Values) (int64, error) {
	qq := url.Values{}
	for k, v := range q {
		qq[k] = v
	}
	qq.Set(erp.QueryPageNumber, "1")
	qq.Set(erp.QueryPageSize, "1")
	var env struct{ TotalItems *int64 }
	if err := c.Get(ctx, path, qq, &env); err != nil {
		return 0, err
	}
	if env.TotalItems == nil {
		return -1, nil
	}
	return *env.TotalItems, nil
}

func idOf(v any) (int64, bool) {
	d, ok := toDecimal(v)
	if !ok || !d.IsInteger() {
		return 0, false
	}
	return d.IntPart(), true
}

func fmtID(n int64) string { return strconv.FormatInt(n, 10) }
