package erp

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wawi-etl/etl/internal/jsondoc"
)

// pagedServer serves total items (Id 1..total) as PagedList pages; maxSize
// caps the page size like a server would.
type pagedServer struct {
	total, maxSize int
	delay          func(page int) time.Duration
	hold           func(page int) // called before answering
	omitDerived    bool           // leave out TotalPages/HasNextPage (readOnly, optional)
	cur, peak      atomic.Int64
	rec            recorder
}

func (s *pagedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.rec.add(r)
	n := s.cur.Add(1)
	defer s.cur.Add(-1)
	for {
		p := s.peak.Load()
		if n <= p || s.peak.CompareAndSwap(p, n) {
			break
		}
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("pageNumber"))
	size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
	if page < 1 {
		page = 1
	}
	if size < 1 {
		size = 100
	}
	if s.maxSize > 0 && size > s.maxSize {
		size = s.maxSize
	}
	if s.delay != nil {
		select {
		case <-time.After(s.delay(page)):
		case <-r.Context().Done():
			return
		}
	}
	if s.hold != nil {
		s.hold(page)
	}
	items := []map[string]any{}
	for i := (page-1)*size + 1; i <= min(page*size, s.total); i++ {
		items = append(items, map[string]any{"Id": i, "Price": json.Number(strconv.Itoa(i) + ".10")})
	}
	pages := (s.total + size - 1) / size
	body := map[string]any{"TotalItems": s.total, "PageNumber": page, "PageSize": size, "Items": items}
	if !s.omitDerived {
		body["TotalPages"] = pages
		body["HasNextPage"] = page < pages
		body["HasPreviousPage"] = page > 1
		body["NextPageNumber"] = min(page+1, max(pages, 1))
		body["PreviousPageNumber"] = max(page-1, 1)
	}
	writeJSON(w, 200, body)
}

func collectIDs(t *testing.T, c *Client, path string, opt PageOptions) []int {
	t.Helper()
	var ids []int
	for rec, err := range c.List(context.Background(), path, nil, opt) {
		if err != nil {
			t.Fatal(err)
		}
		id, err := rec["Id"].(json.Number).Int64()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := rec["Price"].(json.Number); !ok {
			t.Fatalf("Price is %T, want json.Number", rec["Price"])
		}
		ids = append(ids, int(id))
	}
	return ids
}

func wantSequence(t *testing.T, ids []int, n int) {
	t.Helper()
	if len(ids) != n {
		t.Fatalf("%d items, want %d", len(ids), n)
	}
	for i, id := range ids {
		if id != i+1 {
			t.Fatalf("item %d is Id %d: out of order", i, id)
		}
	}
}

func TestPagesSequential(t *testing.T) {
	s := &pagedServer{total: 9}
	c, _ := newTestClient(t, s, nil)
	ids := collectIDs(t, c, "/items", PageOptions{PageSize: 2, Parallel: 1})
	wantSequence(t, ids, 9)
	reqs := s.rec.all()
	if len(reqs) != 5 {
		t.Fatalf("%d requests, want 5", len(reqs))
	}
	for i, r := range reqs {
		if r.URL.Query().Get("pageNumber") != strconv.Itoa(i+1) || r.URL.Query().Get("pageSize") != "2" {
			t.Errorf("request %d: %s", i, r.URL.RawQuery)
		}
	}
	if s.peak.Load() != 1 {
		t.Errorf("peak %d with Parallel 1", s.peak.Load())
	}
}

func TestPagesParallelInOrderBounded(t *testing.T) {
	s := &pagedServer{total: 50, delay: func(int) time.Duration { return time.Duration(rand.IntN(8)) * time.Millisecond }}
	c, _ := newTestClient(t, s, func(c *Config) { c.Concurrency = 8 })
	ids := collectIDs(t, c, "/items", PageOptions{PageSize: 3, Parallel: 3})
	wantSequence(t, ids, 50)
	if p := s.peak.Load(); p > 3 {
		t.Errorf("peak in flight %d, Parallel 3", p)
	}
	if p := s.peak.Load(); p < 2 {
		t.Logf("peak %d: pages were not fetched in parallel", p)
	}
	if n := s.rec.n.Load(); n != 17 {
		t.Errorf("%d requests, want 17", n)
	}
}

// Once TotalPages is known, Parallel pages are in flight at once: the
// server holds every later page until four are waiting together (a client
// fetching one after the other would never get there).
func TestPagesParallelFetchesTogether(t *testing.T) {
	var (
		mu      sync.Mutex
		waiting int
		peak    int
		release = make(chan struct{})
		once    sync.Once
	)
	s := &pagedServer{total: 16, hold: func(page int) {
		if page == 1 {
			return
		}
		mu.Lock()
		waiting++
		peak = max(peak, waiting)
		if waiting == 4 {
			once.Do(func() { close(release) })
		}
		mu.Unlock()
		select {
		case <-release:
		case <-time.After(5 * time.Second): // only when the pages come one by one
		}
		mu.Lock()
		waiting--
		mu.Unlock()
	}}
	c, _ := newTestClient(t, s, nil)
	wantSequence(t, collectIDs(t, c, "/items", PageOptions{PageSize: 2, Parallel: 4}), 16)
	mu.Lock()
	defer mu.Unlock()
	if peak != 4 {
		t.Errorf("at most %d pages in flight together, want Parallel 4", peak)
	}
}

func TestPagesServerCapsPageSize(t *testing.T) {
	s := &pagedServer{total: 7, maxSize: 2}
	c, _ := newTestClient(t, s, nil)
	wantSequence(t, collectIDs(t, c, "/items", PageOptions{PageSize: 100, Parallel: 2}), 7)
	reqs := s.rec.all()
	if got := reqs[0].URL.Query().Get("pageSize"); got != "100" {
		t.Errorf("first page asked %s", got)
	}
	for _, r := range reqs[1:] {
		if got := r.URL.Query().Get("pageSize"); got != "2" {
			t.Errorf("later page asked pageSize %s, want the server's 2", got)
		}
	}
}

func TestPagesEmptyList(t *testing.T) {
	s := &pagedServer{total: 0}
	c, _ := newTestClient(t, s, nil)
	var pages []*Page
	for p, err := range c.Pages(context.Background(), "/items", nil, PageOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
	}
	if len(pages) != 1 || pages[0].TotalPages != 0 || pages[0].TotalItems != 0 || len(pages[0].Items) != 0 || pages[0].HasNextPage {
		t.Fatalf("pages %+v", pages)
	}
	if s.rec.n.Load() != 1 {
		t.Errorf("%d requests", s.rec.n.Load())
	}
}

func TestPagesWithoutDerivedFields(t *testing.T) {
	s := &pagedServer{total: 5, omitDerived: true}
	c, _ := newTestClient(t, s, nil)
	wantSequence(t, collectIDs(t, c, "/items", PageOptions{PageSize: 2, Parallel: 1}), 5)
	wantSequence(t, collectIDs(t, c, "/items", PageOptions{PageSize: 2, Parallel: 2}), 5)
}

func TestPagesUnpagedArray(t *testing.T) {
	var rec recorder
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		writeJSON(w, 200, []map[string]any{{"Id": 1, "Name": "A"}, {"Id": 2, "Name": "B"}})
	}), nil)
	n := 0
	for rec, err := range c.List(context.Background(), "/companies", nil, PageOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if rec["Id"] != json.Number(strconv.Itoa(n)) {
			t.Errorf("rec %v", rec)
		}
	}
	if n != 2 {
		t.Errorf("%d records", n)
	}
	// Sub-resource lists are plain arrays too; no paging parameters are sent
	// to them (the spec does not declare any).
	for _, err := range c.List(context.Background(), "/salesOrders/12/lineitems", nil, PageOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range rec.all() {
		if r.URL.RawQuery != "" {
			t.Errorf("%s sent %q", r.URL.Path, r.URL.RawQuery)
		}
	}
}

func TestPagesErrorEndsSequence(t *testing.T) {
	s := &pagedServer{total: 10}
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("pageNumber") == "3" {
			writeJSON(w, 404, errorBody("", "gone", nil))
			return
		}
		s.ServeHTTP(w, r)
	}), nil)
	for _, par := range []int{1, 3} {
		var n int
		var gotErr error
		for p, err := range c.Pages(context.Background(), "/items", nil, PageOptions{PageSize: 2, Parallel: par}) {
			if err != nil {
				gotErr = err
				continue
			}
			n += len(p.Items)
		}
		if StatusOf(gotErr) != 404 || n != 4 {
			t.Errorf("parallel %d: %d items then %v", par, n, gotErr)
		}
	}
}

// settledGoroutines waits until the goroutine count drops to at most want.
func settledGoroutines(want int) int {
	deadline := time.Now().Add(2 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPagesEarlyBreakCancels(t *testing.T) {
	var cancelled, waiting atomic.Int64
	s := &pagedServer{total: 1000, delay: func(page int) time.Duration {
		if page <= 2 {
			return 0
		}
		waiting.Add(1)
		return 30 * time.Second // pages in flight when the loop breaks
	}}
	c, srv := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.ServeHTTP(w, r)
		if r.Context().Err() != nil {
			cancelled.Add(1)
		}
	}), func(c *Config) {
		c.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	})
	_ = srv
	before := runtime.NumGoroutine()
	seen := 0
	for p, err := range c.Pages(context.Background(), "/items", nil, PageOptions{PageSize: 10, Parallel: 4}) {
		if err != nil {
			t.Fatal(err)
		}
		seen++
		if p.PageNumber == 2 {
			// break once a later page is at the server: on a loaded
			// machine its connection may not even be open yet, and a
			// fetch cancelled before it was sent reaches no handler
			for deadline := time.Now().Add(10 * time.Second); waiting.Load() == 0 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			break
		}
	}
	if seen != 2 {
		t.Fatalf("saw %d pages", seen)
	}
	if n := settledGoroutines(before); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after the break\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
	if s.rec.n.Load() > 2+4+1 {
		t.Errorf("%d pages requested; read-ahead not bounded", s.rec.n.Load())
	}
	// The server saw the fetches in flight cancelled (within 10 s: the
	// race detector's runs of every package at once on 2 cores took more
	// than 2 s; without the cancel the handlers would wait 30 s).
	deadline := time.Now().Add(10 * time.Second)
	for cancelled.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if cancelled.Load() == 0 {
		t.Error("no in-flight fetch was cancelled")
	}
}

func TestPagesReadAheadBounded(t *testing.T) {
	// A slow consumer: the client must not fetch far ahead of it.
	s := &pagedServer{total: 200}
	c, _ := newTestClient(t, s, nil)
	var maxAhead int64
	var mu sync.Mutex
	for p, err := range c.Pages(context.Background(), "/items", nil, PageOptions{PageSize: 10, Parallel: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		mu.Lock()
		if ahead := s.rec.n.Load() - int64(p.PageNumber); ahead > maxAhead {
			maxAhead = ahead
		}
		mu.Unlock()
	}
	if maxAhead > 6 {
		t.Errorf("fetched %d pages ahead of the consumer, Parallel 3 (bound: 2x)", maxAhead)
	}
	if peak := s.peak.Load(); peak > 3 {
		t.Errorf("%d requests at once, Parallel 3", peak)
	}
}

// A slow answer does not hold back the requests behind it: while page 2
// is outstanding, the pages after it are fetched up to the read-ahead
// bound (2x Parallel), not just up to Parallel.
func TestPagesSlowPageDoesNotStall(t *testing.T) {
	const parallel = 3
	last := 1 + 2*parallel // pages 2..7 fit the read-ahead while 2 is out
	seen := make(chan struct{})
	var once sync.Once
	released := false
	s := &pagedServer{total: 100}
	s.hold = func(page int) {
		switch {
		case page == last:
			once.Do(func() { close(seen) })
		case page == 2:
			select {
			case <-seen:
				released = true
			case <-time.After(10 * time.Second): // only so that a regression fails instead of hanging
			}
		}
	}
	c, _ := newTestClient(t, s, nil)
	n := 0
	for _, err := range c.Pages(context.Background(), "/items", nil, PageOptions{PageSize: 10, Parallel: parallel}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 10 || !released {
		t.Errorf("%d pages; page %d requested while page 2 was outstanding: %v", n, last, released)
	}
	if peak := s.peak.Load(); peak > parallel {
		t.Errorf("%d requests at once, Parallel %d", peak, parallel)
	}
}

func TestPagesContextCancelled(t *testing.T) {
	s := &pagedServer{total: 100, delay: func(page int) time.Duration {
		if page == 1 {
			return 0
		}
		return time.Second
	}}
	c, _ := newTestClient(t, s, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var gotErr error
	for _, err := range c.Pages(ctx, "/items", nil, PageOptions{PageSize: 10, Parallel: 3}) {
		if err != nil {
			gotErr = err
			break
		}
		cancel()
	}
	if !errors.Is(gotErr, context.Canceled) {
		t.Errorf("err %v", gotErr)
	}
}

func TestParsePage(t *testing.T) {
	p, more, err := parsePage([]byte(`{"TotalItems":5,"PageNumber":1,"PageSize":2,"Items":[{},{}]}`), 2)
	if err != nil || !more || p.TotalPages != 3 || !p.HasNextPage {
		t.Errorf("%+v %v %v", p, more, err)
	}
	p, more, err = parsePage([]byte(`{"TotalItems":5,"PageNumber":3,"PageSize":2,"TotalPages":3,"HasNextPage":false,"Items":[{}]}`), 2)
	if err != nil || more || p.HasNextPage {
		t.Errorf("%+v %v %v", p, more, err)
	}
	if _, _, err := parsePage([]byte(`{"foo":1}`), 2); err == nil {
		t.Error("a non-page was accepted")
	}
	// HasNextPage true with no items must not loop forever.
	if _, more, _ := parsePage([]byte(`{"PageNumber":9,"HasNextPage":true,"Items":[]}`), 2); more {
		t.Error("an empty page said more")
	}
}

// A consumer of List that stops early leaves no fetch or decoder behind,
// and List reads only a bounded number of pages ahead of it.
func TestListEarlyBreakStopsDecoders(t *testing.T) {
	s := &pagedServer{total: 5000}
	c, _ := newTestClient(t, s, func(c *Config) {
		c.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	})
	before := runtime.NumGoroutine()
	n := 0
	for _, err := range c.List(context.Background(), "/items", nil, PageOptions{PageSize: 10, Parallel: 4}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 15 {
			break
		}
	}
	if g := settledGoroutines(before); g > before {
		t.Errorf("goroutines: %d before, %d after the break", before, g)
	}
	// page 1, then up to Parallel fetched pages plus the decoded ones
	// waiting for the consumer
	if got, limit := s.rec.n.Load(), int64(1+4+max(runtime.GOMAXPROCS(0), 2)+2); got > limit {
		t.Errorf("%d pages requested for 15 records; want at most %d", got, limit)
	}
}

// List yields every record once, in page order, while pages decode at the
// same time.
func TestListParallelDecodeInOrder(t *testing.T) {
	s := &pagedServer{total: 2345}
	c, _ := newTestClient(t, s, nil)
	wantSequence(t, collectIDs(t, c, "/items", PageOptions{PageSize: 10, Parallel: 8}), 2345)
}

// A List whose context ends never just stops: it ends with the error, so a
// caller summing what it read (a stock level read back) does not take the
// rows it never got for none.
func TestListCancelledEndsWithError(t *testing.T) {
	s := &pagedServer{total: 50}
	c, _ := newTestClient(t, s, nil)
	for i := range 50 {
		ctx, cancel := context.WithCancel(context.Background())
		if i%2 == 0 {
			cancel() // before the first page
		}
		n, errs := 0, 0
		for _, err := range c.List(ctx, "/stocks", nil, PageOptions{PageSize: 10, Parallel: 2}) {
			if err != nil {
				errs++
				continue
			}
			if n++; n == 5 {
				cancel() // while pages are in flight
			}
		}
		cancel()
		if errs != 1 {
			t.Fatalf("try %d: %d records then %d errors; want the list to end with one error", i, n, errs)
		}
	}
}

// With Part, List decodes only the named keys of each record, in order,
// across parallel pages.
func TestListPart(t *testing.T) {
	s := &pagedServer{total: 25}
	c, _ := newTestClient(t, s, nil)
	part := &jsondoc.Node{}
	part.Add([]string{"Id"})
	n := 0
	for rec, err := range c.List(context.Background(), "/items", nil, PageOptions{PageSize: 10, Part: part}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if len(rec) != 1 || rec["Id"] != json.Number(strconv.Itoa(n)) {
			t.Fatalf("record %d: %v, want only its Id", n, rec)
		}
	}
	if n != 25 {
		t.Fatalf("%d records, want 25", n)
	}
}
