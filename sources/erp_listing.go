package sources

// The ERP source's listing: pages fetched and decoded in parallel and
// handed on in order, line items fetched beside them, and the watch on a
// list that changes while it is read.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/wawi-etl/etl/erp"
)

// start launches the listing: a pager, decoders and line item fetchers.
func (s *ERPSource) start(ctx context.Context) {
	s.started = true
	ctx, s.cancel = context.WithCancel(ctx)
	s.items = make(chan *docItem, max(s.workers, 16))
	s.wg.Add(1)
	go s.produce(ctx)
}

type pageResult struct {
	items []*docItem
	err   error
}

// maxPagesAhead bounds the pages decoded ahead of the consumer (see produce).
const maxPagesAhead = 16

// produce runs the listing. Pages come from the client's Pages (parallel,
// in order) and are decoded in parallel while order is kept through a queue
// of futures; each order's line items are fetched by a bounded set of
// goroutines, again behind futures. Every queue is bounded, so memory is
// flat and a slow consumer slows the fetching down.
func (s *ERPSource) produce(ctx context.Context) {
	defer s.wg.Done()
	defer close(s.items)
	emit := func(it *docItem) bool {
		select {
		case s.items <- it:
			return true
		case <-ctx.Done():
			return false
		}
	}
	// Up to 2×workers pages wait decoded (or decoding) for the consumer.
	// Each page is decoded by its own goroutine, so the pager never waits
	// for a decoder: a pager that waits leaves the client's read-ahead full
	// and the network idle while the CPU catches up, and decoding is where
	// an export spends its CPU.
	// The decoded pages are the export's live heap (~3 MB a page of
	// accounting documents): beyond maxPagesAhead they add GC work, not
	// speed; the client's own read-ahead keeps the requests in flight.
	pages := make(chan chan pageResult, min(2*s.workers, maxPagesAhead))
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(pages)
		var shrink erp.ShrinkWatch
		for p, err := range s.client.Pages(ctx, s.def.ListPath, s.query, erp.PageOptions{PageSize: s.size, Parallel: s.workers}) {
			fut := make(chan pageResult, 1)
			select {
			case pages <- fut:
			case <-ctx.Done():
				return
			}
			if err != nil {
				fut <- pageResult{err: err}
				return
			}
			if shrink.Page(p) && s.def.Complete {
				// after the documents read so far, so that the run ends
				// with this error and writes nothing
				fut <- pageResult{err: shrink.Err(s.def.ListPath, true)}
				return
			}
			s.requests.Add(1)
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				fut <- s.decodePage(p)
			}()
		}
		if shrink.Shrank() && s.log != nil {
			s.log.Warn(shrink.Err(s.def.ListPath, false).Error())
		}
	}()
	var fetchers chan struct{}
	if s.sub != nil {
		fetchers = make(chan struct{}, s.workers)
	}
	var recent *recentIDs
	if s.dedupe() {
		recent = newRecentIDs(2*s.workers + 2)
		defer func() {
			if recent.repeats > 0 && s.log != nil {
				s.log.Warn(fmt.Sprintf("GET %s: %d records came twice (the list grew while it was read) and were taken once", s.def.ListPath, recent.repeats))
			}
		}()
	}
	for fut := range pages {
		r := <-fut
		if r.err != nil {
			emit(&docItem{err: r.err})
			return
		}
		if recent != nil {
			recent.nextPage()
		}
		for _, it := range r.items {
			if recent != nil && it.id != "" && recent.repeat(it.id) {
				continue
			}
			if s.sub != nil && s.sub.Embedded == "" {
				select {
				case fetchers <- struct{}{}:
				case <-ctx.Done():
					return
				}
				it.lines = make(chan linesResult, 1)
				s.wg.Add(1)
				go func() {
					defer s.wg.Done()
					defer func() { <-fetchers }()
					it.lines <- s.fetchLines(ctx, it.doc, it.part)
				}()
			}
			if !emit(it) {
				return
			}
		}
	}
}

// dedupe: the list must be read completely (ResourceDef.Complete) and its
// records have a key (ResourceDef.RecordKey), so produce drops a record
// that comes twice.
func (s *ERPSource) dedupe() bool { return s.def.Complete && len(s.def.RecordKey()) > 0 }

// recordID is doc's key for dedupe: its RecordKey fields' values, apart.
func (s *ERPSource) recordID(doc map[string]any) string {
	key := s.def.RecordKey()
	if len(key) == 1 {
		return keyText(doc[key[0]])
	}
	var buf [64]byte
	b := buf[:0]
	some := false
	for i, f := range key {
		if i > 0 {
			b = append(b, 0) // in no value of these fields
		}
		v := keyText(doc[f])
		some = some || v != ""
		b = append(b, v...)
	}
	if !some {
		return "" // no key: never a repeat
	}
	return string(b)
}

// recentIDs are the ids of the last pages of a list. A list that grows
// ahead of the reader while it is paged shifts its records back, so that
// the last of one page comes again at the start of the next: the same
// record, to be taken once. Only the last pages are kept (the pages in
// flight and waiting), so memory does not grow with the list.
type recentIDs struct {
	seen    map[string]int // id → the page it came on
	pages   [][]string     // the ids of the kept pages, a ring
	page    int
	repeats int
}

func newRecentIDs(pages int) *recentIDs {
	return &recentIDs{seen: map[string]int{}, pages: make([][]string, pages)}
}

// nextPage starts the next page and forgets the oldest one kept.
func (r *recentIDs) nextPage() {
	r.page++
	slot := r.page % len(r.pages)
	for _, id := range r.pages[slot] {
		if r.seen[id] <= r.page-len(r.pages) {
			delete(r.seen, id)
		}
	}
	r.pages[slot] = r.pages[slot][:0]
}

// repeat notes id on the current page and reports whether a kept page had
// it already.
func (r *recentIDs) repeat(id string) bool {
	if _, ok := r.seen[id]; ok {
		r.repeats++
		return true
	}
	r.seen[id] = r.page
	slot := r.page % len(r.pages)
	r.pages[slot] = append(r.pages[slot], id)
	return false
}

// decodePage decodes a page's documents and drops those outside the period
// or already exported at the watermark.
func (s *ERPSource) decodePage(p *erp.Page) pageResult {
	out := make([]*docItem, 0, len(p.Items))
	var scratch jsonScratch
	for i, raw := range p.Items {
		it, err := s.decodeItem(raw, &scratch)
		if err != nil {
			return pageResult{err: fmt.Errorf("GET %s page %d item %d: %w", s.def.ListPath, p.PageNumber, i+1, err)}
		}
		doc := it.doc
		if s.dateField != "" {
			v := doc[s.dateField]
			t, ok := docTime(v, s.loc)
			if !ok && v != nil { // nil: not set
				return pageResult{err: fmt.Errorf("GET %s page %d item %d: %s %v is not a date-time", s.def.ListPath, p.PageNumber, i+1, s.dateField, v)}
			}
			if !s.lower.IsZero() && t.Before(s.lower) || !s.upper.IsZero() && !t.Before(s.upper) {
				continue
			}
			it.date = t
		}
		if s.inc != nil {
			it.key = keyText(doc[s.inc.key])
			if s.inc.skip(it.date, it.key) {
				continue
			}
		}
		if s.dedupe() {
			it.id = s.recordID(doc)
		}
		if t := s.def.Totals; t != nil {
			var err error
			if it.part && !s.proj.totals {
				err = checkTotals(doc, t) // as addTotals fails, without the sums no one reads
			} else {
				err = addTotals(doc, t)
			}
			if err != nil {
				return pageResult{err: fmt.Errorf("GET %s page %d item %d: %w", s.def.ListPath, p.PageNumber, i+1, err)}
			}
		}
		if s.sub != nil && s.sub.Embedded != "" && it.embedded == nil {
			it.embedded = embeddedLines(doc[s.sub.Embedded])
		}
		if it.part {
			for _, k := range s.proj.hidden {
				delete(doc, k)
			}
		}
		out = append(out, it)
	}
	p.Release() // the documents are copies (parseDocPart)
	return pageResult{items: out}
}

// decodeDoc decodes a document as encoding/json with UseNumber would, faster,
// with its dates normalised (parseDoc, normalizeDate).
func (s *ERPSource) decodeDoc(raw []byte) (map[string]any, error) { return parseDoc(raw, s.loc) }

// decodeItem decodes a document of a list: projected when the source was
// told what the job reads, unless a record of it would have none of the
// identity paths; then whole, as the error workbook shows such a record.
func (s *ERPSource) decodeItem(raw []byte, scratch *jsonScratch) (*docItem, error) {
	if s.proj == nil {
		doc, err := parseDocPart(raw, s.loc, nil, scratch)
		return &docItem{doc: doc}, err
	}
	doc, err := parseDocPart(raw, s.loc, s.proj.doc, scratch)
	if err != nil {
		return nil, err
	}
	it := &docItem{doc: doc, part: true}
	if s.sub != nil && s.sub.Embedded != "" {
		// every line record names itself by its line, or all by the
		// document (the lines first: they mostly do)
		it.embedded = embeddedLines(doc[s.sub.Embedded])
		ok := len(it.embedded) > 0
		for _, l := range it.embedded {
			ok = ok && s.proj.hasIdentity(nil, l)
		}
		if ok {
			return it, nil
		}
	}
	if s.proj.hasIdentity(doc, nil) {
		return it, nil
	}
	doc, err = parseDocPart(raw, s.loc, nil, scratch)
	return &docItem{doc: doc}, err
}

func keyText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return string(v)
	}
	return fmt.Sprint(v)
}

// fetchLines reads an order's line items.
// part: decode them projected, as their document was.
func (s *ERPSource) fetchLines(ctx context.Context, order map[string]any, part bool) linesResult {
	id := order[s.def.IDField]
	if id == nil {
		return linesResult{err: fmt.Errorf("%s: a document without %s cannot have its %s fetched", s.def.Name, s.def.IDField, s.sub.Name)}
	}
	path := s.sub.ListURL(keyText(id))
	var body []byte
	s.requests.Add(1)
	if err := s.client.Get(ctx, path, nil, &body); err != nil {
		return linesResult{err: err}
	}
	body = bytes.TrimSpace(body)
	var raws []json.RawMessage
	if len(body) > 0 && body[0] == '{' && s.sub.Singleton {
		raws = []json.RawMessage{body} // one record per parent (special prices)
	} else if len(body) > 0 && body[0] == '{' {
		// a paged envelope, in case a server pages line items
		var env struct{ Items []json.RawMessage }
		if err := json.Unmarshal(body, &env); err != nil {
			return linesResult{err: fmt.Errorf("GET %s: %w", path, err)}
		}
		raws = env.Items
	} else if err := json.Unmarshal(body, &raws); err != nil {
		return linesResult{err: fmt.Errorf("GET %s: %w", path, err)}
	}
	lines := make([]map[string]any, 0, len(raws))
	var n *projNode
	if part {
		n = s.proj.line
	}
	var scratch jsonScratch // the lines' values side by side
	for i, raw := range raws {
		l, err := parseDocPart(raw, s.loc, n, &scratch)
		if err != nil {
			return linesResult{err: fmt.Errorf("GET %s item %d: %w", path, i+1, err)}
		}
		lines = append(lines, l)
	}
	return linesResult{lines: lines}
}
