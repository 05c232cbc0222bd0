package erp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"sync"

	"github.com/wawi-etl/etl/internal/jsondoc"
)

// Page is one page of a list, named as the spec's PagedList envelope.
type Page struct {
	TotalItems         int
	PageNumber         int
	PageSize           int
	TotalPages         int
	HasPreviousPage    bool
	HasNextPage        bool
	NextPageNumber     int
	PreviousPageNumber int
	Items              []json.RawMessage

	buf []byte // the body Items lie in, for Release
}

// pageBufs holds the bodies of released pages for the next pages to be
// read into. A page of a few hundred KB allocated afresh is zeroed and
// faulted in anew: a tenth of a DATEV export's CPU went there.
var pageBufs sync.Pool // of *[]byte

// Release hands the page's body back to be read into again: a consumer
// that copied all it keeps out of Items (the decoders do) calls it once
// done; Items are gone after it. A page not released is collected as any
// other.
func (p *Page) Release() {
	if p == nil || cap(p.buf) == 0 {
		return
	}
	b := p.buf[:0]
	p.buf, p.Items = nil, nil
	pageBufs.Put(&b)
}

// PageOptions tune Pages and List.
type PageOptions struct {
	// PageSize asked for; 0 means Config.PageSize. When the server answers
	// with a smaller PageSize, that one is used for the following pages.
	PageSize int
	// Parallel is how many pages are fetched at once once TotalPages is
	// known (at most twice that many are fetched ahead of the consumer;
	// pages are still delivered in order). 0 means min(4, Concurrency); 1
	// fetches one after the other.
	Parallel int
	// Part, when not nil, is the part of each record List decodes (see
	// jsondoc.Node): the keys it does not name are checked as strictly but
	// not built, so a record lacks them. An index that keeps a few fields
	// of each record decodes several times as fast. Pages ignores it.
	Part *jsondoc.Node
	// Complete, for List: a list that shrinks while it is read may have
	// shifted a record past the pages read (ShrinkWatch), and the
	// sequence ends with that error instead of seemingly whole. An import's
	// index asks for it: a record missing from it would be created again.
	Complete bool
}

// ShrinkWatch watches the TotalItems of a list's pages: a list that
// shrinks while it is paged (a record deleted, or one leaving a filter)
// shifts the records after it one place forward, so that one may pass
// between two pages unread.
type ShrinkWatch struct {
	first, least, at int // TotalItems of the first page, the least since, at which page
}

// Page notes p and reports whether the list has shrunk by now.
func (w *ShrinkWatch) Page(p *Page) bool {
	if p.TotalItems <= 0 {
		return w.Shrank() // the server does not count
	}
	switch {
	case w.first == 0:
		w.first, w.least = p.TotalItems, p.TotalItems
	case p.TotalItems < w.least:
		w.least, w.at = p.TotalItems, p.PageNumber
	}
	return w.Shrank()
}

// Shrank reports whether a page counted fewer records than the first.
func (w *ShrinkWatch) Shrank() bool { return w.least < w.first }

// Err says so for the list at path; stop: the run stops there, else it
// goes on.
func (w *ShrinkWatch) Err(path string, stop bool) error {
	what := "the output may lack it; run the export again if it must be complete"
	if stop {
		what = "so the run stops here; run it again (at a quieter time, if records keep changing)"
	}
	return fmt.Errorf("GET %s: the Wawi's list shrank while it was read (%d records at the first page, %d at page %d): a record may have moved past the pages already read, %s: %w",
		apiPath(path), w.first, w.least, w.at, what, ErrListShrank)
}

// ErrListShrank is wrapped by ShrinkWatch.Err.
var ErrListShrank = errors.New("list shrank while read")

// envelope is the PagedList as sent; pointers tell absent from zero
// (TotalPages, HasNextPage, ... are readOnly and not required).
type envelope struct {
	TotalItems         *int
	PageNumber         *int
	PageSize           *int
	TotalPages         *int
	HasPreviousPage    *bool
	HasNextPage        *bool
	NextPageNumber     *int
	PreviousPageNumber *int
	Items              []json.RawMessage
}

// parsePage decodes a page. A plain JSON array (the unpaged lists such as
// /companies) becomes a single page. more reports whether a next page
// exists.
func parsePage(body []byte, asked int) (p *Page, more bool, err error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, false, err
		}
		n := len(items)
		return &Page{TotalItems: n, PageNumber: 1, PageSize: n, TotalPages: 1, PreviousPageNumber: 1, NextPageNumber: 1, Items: items}, false, nil
	}
	e, err := splitEnvelope(body)
	if err != nil {
		// what the fast path does not read, Unmarshal reads or explains
		e = envelope{}
		if err := json.Unmarshal(body, &e); err != nil {
			return nil, false, err
		}
	}
	if e.Items == nil && e.TotalItems == nil && e.PageNumber == nil {
		return nil, false, fmt.Errorf("the answer is not a paged list (no Items, TotalItems, PageNumber)")
	}
	val := func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	p = &Page{
		TotalItems:         val(e.TotalItems),
		PageNumber:         val(e.PageNumber),
		PageSize:           val(e.PageSize),
		TotalPages:         val(e.TotalPages),
		NextPageNumber:     val(e.NextPageNumber),
		PreviousPageNumber: val(e.PreviousPageNumber),
		Items:              e.Items,
	}
	if e.TotalPages == nil && p.PageSize > 0 && e.TotalItems != nil {
		p.TotalPages = (p.TotalItems + p.PageSize - 1) / p.PageSize
	}
	if e.HasPreviousPage != nil {
		p.HasPreviousPage = *e.HasPreviousPage
	} else {
		p.HasPreviousPage = p.PageNumber > 1
	}
	switch {
	case e.HasNextPage != nil:
		p.HasNextPage = *e.HasNextPage
	case e.TotalPages != nil || e.TotalItems != nil && p.PageSize > 0:
		p.HasNextPage = p.PageNumber < p.TotalPages
	default:
		size := p.PageSize
		if size == 0 {
			size = asked
		}
		p.HasNextPage = size > 0 && len(p.Items) >= size
	}
	return p, p.HasNextPage && len(p.Items) > 0, nil
}

func (c *Client) fetchPage(ctx context.Context, path string, query url.Values, n, size int) (*Page, bool, error) {
	raw, err := c.fetchRaw(ctx, path, query, n, size)
	if err != nil {
		return nil, false, err
	}
	return c.parseRaw(raw, path, n, size)
}

// fetchRaw reads page n's body (into a recycled buffer).
func (c *Client) fetchRaw(ctx context.Context, path string, query url.Values, n, size int) ([]byte, error) {
	q := make(url.Values, len(query)+2)
	for k, v := range query {
		q[k] = v
	}
	q.Set(QueryPageNumber, strconv.Itoa(n))
	q.Set(QueryPageSize, strconv.Itoa(size))
	var raw []byte
	cl := &call{method: http.MethodGet, path: path, query: q, sizeHint: c.pageHint.Load()}
	if b, ok := pageBufs.Get().(*[]byte); ok {
		cl.into = *b
	}
	if err := c.call(ctx, cl, &raw); err != nil {
		return nil, err
	}
	// the next page is about as large: a little more saves a regrowth
	c.pageHint.Store(int64(len(raw)) + int64(len(raw))/8)
	return raw, nil
}

// parseRaw splits page n's body into its envelope and records.
func (c *Client) parseRaw(raw []byte, path string, n, size int) (*Page, bool, error) {
	p, more, err := parsePage(raw, size)
	if err != nil {
		return nil, false, fmt.Errorf("GET %s page %d: %w", apiPath(path), n, err)
	}
	p.buf = raw
	return p, more, nil
}

// Pages lists path page by page from pageNumber 1. It stops when the
// server says there is no next page (HasNextPage, TotalPages) or a page is
// empty. Once TotalPages is known the remaining pages are fetched
// opt.Parallel at a time and delivered in order. Breaking out of the loop
// cancels the fetches in flight. Unpaged lists (a plain array) come as one
// page. After an error the sequence ends.
func (c *Client) Pages(ctx context.Context, path string, query url.Values, opt PageOptions) iter.Seq2[*Page, error] {
	return func(yield func(*Page, error) bool) {
		size := opt.PageSize
		if size <= 0 {
			size = c.cfg.PageSize
		}
		if def := resourceForListPath(path); def != nil && !def.Paged {
			var raw []byte
			if err := c.Get(ctx, path, query, &raw); err != nil {
				yield(nil, err)
				return
			}
			p, _, err := parsePage(raw, 0)
			if err != nil {
				err = fmt.Errorf("GET %s: %w", apiPath(path), err)
			}
			yield(p, err)
			return
		}
		p, more, err := c.fetchPage(ctx, path, query, 1, size)
		if err != nil {
			yield(nil, err)
			return
		}
		if !yield(p, nil) || !more {
			return
		}
		if p.PageSize > 0 && p.PageSize < size {
			size = p.PageSize // the server caps the page size
		}
		next := 2
		parallel := opt.Parallel
		if parallel == 0 {
			parallel = 4
		}
		parallel = min(parallel, c.cfg.Concurrency)
		if parallel > 1 && p.TotalPages >= next {
			more, ok := c.parallelPages(ctx, path, query, size, next, p.TotalPages, parallel, yield)
			if !ok || !more {
				return
			}
			// The list grew while we read it: go on one by one.
			next = p.TotalPages + 1
		}
		for n := next; ; n++ {
			p, more, err := c.fetchPage(ctx, path, query, n, size)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(p, nil) || !more {
				return
			}
		}
	}
}

// parallelPages fetches pages from..to with at most parallel fetched or
// buffered at once and yields them in order. ok is false when the consumer
// stopped or an error ended the sequence; more is the last page's verdict.
func (c *Client) parallelPages(ctx context.Context, path string, query url.Values, size, from, to, parallel int, yield func(*Page, error) bool) (more, ok bool) {
	type result struct {
		p    *Page
		more bool
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	// futures holds the pages in order; its capacity bounds the read-ahead
	// (pages fetched or being fetched that the consumer has not taken):
	// 2×parallel-1 queued plus the one the consumer waits on. inflight
	// bounds the requests: a page is released when it arrives, not when it
	// is consumed, so that one slow answer does not hold back the requests
	// after it (with the window of in-flight and waiting pages shared, the
	// pages behind a slow one sat finished in it and no request went out:
	// a bare client paging through 325 pages at 20 ms, 8 in flight, took
	// 1.22-1.27x the ideal; this way 1.1x, as unordered fetching).
	//
	// The requests go out from parallel workers that take the pages in
	// order from a queue: a worker whose answer came in sends the next
	// request at once. With a goroutine started per page once a slot was
	// free, each request waited until the scheduler ran the goroutine that
	// started it, and on two busy cores (an export decoding the pages it
	// got) those waits added up to 220 ms over the DATEV benchmark's 325
	// pages (go tool trace -pprof=sched; under 3 ms this way). A page's
	// body is split into records by a goroutine of its own, after the
	// worker went on.
	futures := make(chan chan result, 2*parallel-1)
	type job struct {
		n  int
		ch chan result
	}
	jobs := make(chan job, 2*parallel) // room for every future, so sending never blocks
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(jobs)
		defer close(futures)
		for n := from; n <= to; n++ {
			ch := make(chan result, 1)
			select {
			case futures <- ch:
			case <-ctx.Done():
				return
			}
			jobs <- job{n, ch}
		}
	}()
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if err := ctx.Err(); err != nil {
					j.ch <- result{err: fmt.Errorf("GET %s: %w", apiPath(path), context.Cause(ctx))}
					continue
				}
				raw, err := c.fetchRaw(ctx, path, query, j.n, size)
				if err != nil {
					j.ch <- result{err: err}
					continue
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					p, more, err := c.parseRaw(raw, path, j.n, size)
					j.ch <- result{p, more, err}
				}()
			}
		}()
	}
	for ch := range futures {
		r := <-ch // a fetch always answers; a cancelled one with its error
		if r.err != nil {
			yield(nil, r.err)
			return false, false
		}
		if !yield(r.p, nil) {
			return false, false
		}
		more = r.p != nil && r.more
	}
	if ctx.Err() != nil {
		// The producer stopped early because the caller's context ended.
		yield(nil, fmt.Errorf("GET %s: %w", apiPath(path), context.Cause(ctx)))
		return false, false
	}
	return more, true
}

// List is Pages flattened into records; numbers are json.Number. Pages
// are decoded in parallel, a goroutine each, up to GOMAXPROCS pages ahead
// of the consumer, and yielded in order: decoding JSON into maps costs more
// CPU than fetching, and an import's index (a page of 100 items is ~5 ms
// to decode) waited for one core while the other idled.
func (c *Client) List(ctx context.Context, path string, query url.Values, opt PageOptions) iter.Seq2[map[string]any, error] {
	return func(yield func(map[string]any, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer func() {
			cancel() // a consumer that stopped early stops the fetches
			wg.Wait()
		}()
		futures := make(chan chan decodedPage, max(runtime.GOMAXPROCS(0), 2))
		// stopped is why the producer ended without handing a page or an
		// error over: the context ended (read after futures is closed). A
		// sequence must never end early without an error: a caller that
		// reads a stock level back would take the missing rows for 0.
		var stopped error
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(futures)
			var watch ShrinkWatch
			for p, err := range c.Pages(ctx, path, query, opt) {
				ch := make(chan decodedPage, 1)
				select {
				case futures <- ch:
				case <-ctx.Done():
					if stopped = err; err == nil {
						stopped = fmt.Errorf("GET %s: %w", apiPath(path), context.Cause(ctx))
					}
					return
				}
				if err != nil {
					ch <- decodedPage{err: err}
					return
				}
				if watch.Page(p) && opt.Complete {
					ch <- decodedPage{err: watch.Err(path, true)}
					return
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					ch <- decodeRecords(p, path, opt.Part)
				}()
			}
		}()
		for ch := range futures {
			d := <-ch
			if d.err != nil {
				yield(nil, d.err)
				return
			}
			for _, m := range d.recs {
				if !yield(m, nil) {
					return
				}
			}
		}
		if stopped != nil {
			yield(nil, stopped)
		}
	}
}

type decodedPage struct {
	recs []map[string]any
	err  error
}

// decodeRecords decodes a page's items with exact numbers, as
// encoding/json with UseNumber does but about three times as fast
// (jsondoc.ParseCopy: an item's strings are its own, so an index that
// keeps a SKU does not keep the whole item), only the part of them when
// part is not nil.
func decodeRecords(p *Page, path string, part *jsondoc.Node) decodedPage {
	recs := make([]map[string]any, 0, len(p.Items))
	for i, raw := range p.Items {
		if string(bytes.TrimSpace(raw)) == "null" {
			recs = append(recs, nil) // as encoding/json decodes it
			continue
		}
		m, err := jsondoc.ParsePartCopy(raw, part)
		if err != nil {
			return decodedPage{err: fmt.Errorf("GET %s page %d item %d: %w", apiPath(path), p.PageNumber, i+1, err)}
		}
		recs = append(recs, m)
	}
	p.Release() // ParsePartCopy copied what it kept
	return decodedPage{recs: recs}
}
