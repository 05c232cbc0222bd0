package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// Keys the ERP source adds to a document when source.include is lineitems.
const (
	// LineItemKey holds the line item of a one-row-per-line-item record; an
	// empty object for an order without line items.
	LineItemKey = record.LineItemKey
	// LineTotalKey holds {Net, Gross}: the line's totals, computed by etl
	// exactly as Quantity × SalesPriceNet/Gross × (1 − Discount/100),
	// rounded to cents half away from zero (the Wawi's TotalGrossAmount is
	// the sum of the gross totals). Absent for an order without line items.
	LineTotalKey = record.LineTotalKey
)

// Committer is implemented by sources whose run leaves state that must only
// advance when the run succeeded: the ERP source's export watermark. The
// runner calls Commit once, after the sink committed its output
// (Close(ctx, true) returned nil), and never after a failed, interrupted or
// dry run. A Commit error fails the run: the output was written but the
// next run will export the same documents again.
type Committer interface {
	Commit() error
}

// Parameterizer is implemented by sources that can say what they resolved:
// the ERP source's filters as absolute dates, the period, the watermark.
// Call Parameters after the source was read to the end (it includes the
// counts); the XLSX sink's parameters sheet shows the pairs as they come.
type Parameterizer interface {
	Parameters() [][2]string
}

var (
	_ pipeline.Source = (*ERPSource)(nil)
	_ Committer       = (*ERPSource)(nil)
	_ Parameterizer   = (*ERPSource)(nil)
)

// docDateFields names the document field a date filter of a resource
// compares, so the source can cut the period itself: the spec says only
// "created after" / "before this date", not whether the bound is included.
var docDateFields = map[string]map[string]string{
	"salesOrders": {"createdSince": "SalesOrderDate", "createdUntil": "SalesOrderDate"},
	"items":       {"changedSince": "Changed"},
	// from and to include their bound in the emulator; the spec does not say
	"accountingData": {"from": "DocumentDate", "to": "DocumentDate"},
}

// ERPSource lists a resource of the Wawi as document records.
//
// Pages are fetched in parallel (source concurrency at a time, through the
// client's Pages) and delivered in order; with include: lineitems, every
// order's line items are fetched concurrently, bounded by the same number,
// and the records still come in list order. At most a few pages and a few
// orders are in memory at any time, however many documents the list holds.
//
// Record.Row is the 1-based ordinal of the record (with include: one per
// line item, so records_read counts lines; Record.Document and Line say which
// order and line the record is; its line item and LineTotal are in
// Record.LineItem and LineTotal beside the shared document), Record.Doc the
// document as the API sends it (json.Number numbers), with two normalisations: every
// date-time with an offset is rewritten into the merchant's time zone
// (2025-04-30T22:30:00+00:00 becomes 2025-05-01T00:30:00.0000000+02:00, so a
// date column shows the merchant's calendar day), and .NET's "not set"
// (0001-01-01T00:00:00) becomes null, an empty cell. Told which columns the
// job reads (ProjectColumns), Record.Doc holds only those.
type ERPSource struct {
	client  *erp.Client
	def     *erp.ResourceDef
	sub     *erp.ResourceDef // the included sub-resource, nil without include
	query   url.Values
	loc     *time.Location
	size    int
	workers int
	dryRun  bool

	// The period the source keeps on dateField, [lower, upper); zero = open.
	dateField    string
	lower, upper time.Time

	inc    *incremental
	params [][2]string
	proj   *erpProjection // nil: documents are decoded whole

	started  bool
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	items    chan *docItem
	cur      *docItem
	curLines []map[string]any
	line     int // next line of curLines
	rows     int
	docs     int
	eof      bool
	err      error
	requests atomic.Int64
	log      *slog.Logger // nil: no warnings
}

// docItem is one document on its way to Next, with its line items to come.
type docItem struct {
	doc   map[string]any
	date  time.Time // of dateField; zero when unknown
	key   string    // incremental key
	id    string    // the IDField's value, when produce drops repeats (dedupe)
	lines chan linesResult
	// embedded are the lines of an included sub-resource that the document
	// holds itself (ResourceDef.Embedded); nil otherwise
	embedded []map[string]any
	// part: the document was decoded projected (ProjectColumns), and so
	// are its lines
	part bool
	err  error
}

type linesResult struct {
	lines []map[string]any
	err   error
}

// OpenERP opens an ERP source (type erp). It checks the spec and resolves
// every date without touching the network; the listing starts with the first
// Next.
//
// Filters are the query parameters the API declares for the resource's list
// (the error names them). Dates take the forms of ParseRelDate, resolved in
// source.time_zone (default Europe/Berlin) against env.Now. A date names a
// whole day, and the filter decides which end counts: a ...Since filter
// starts at the day's first instant, a ...Until filter includes the whole
// day, up to its last instant, so createdUntil: end of last month keeps an
// order of 31 May 23:59:59.9 in Berlin and drops one of 1 June 00:00. Other
// date filters (deliveredDate: "on this date") are sent as the plain date.
//
// The spec only says "created after" and "created before" this date. For the
// filters whose document field is known (salesOrders createdSince and
// createdUntil on SalesOrderDate, items changedSince on Changed) the source
// therefore asks the server for a second more on each side and keeps exactly
// [since, until] itself, whichever way the server reads its bounds.
//
// incremental: {field: createdSince, key: Id} feeds the filter field from a
// watermark kept in env.StateDir, see Commit.
func OpenERP(ctx context.Context, spec *pipeline.SourceSpec, env *pipeline.Env) (pipeline.Source, error) {
	if spec.Resource == "" {
		return nil, fmt.Errorf("source.resource is required for type erp (one of: %s)", strings.Join(erp.Resources(), ", "))
	}
	def, ok := erp.Resource(spec.Resource)
	if !ok || strings.Contains(spec.Resource, "/") {
		return nil, fmt.Errorf("source.resource %q is unknown (known: %s)", spec.Resource, strings.Join(erp.Resources(), ", "))
	}
	s := &ERPSource{client: wawiClient(env), def: def, query: url.Values{}, dryRun: env.DryRun, log: env.Logger}
	if inc := strings.TrimSpace(spec.Include); inc != "" {
		for name, sub := range def.Sub {
			if strings.EqualFold(name, inc) {
				s.sub = sub
			}
		}
		if s.sub == nil {
			subs := make([]string, 0, len(def.Sub))
			for name := range def.Sub {
				subs = append(subs, name)
			}
			sort.Strings(subs)
			if len(subs) == 0 {
				return nil, fmt.Errorf("source.include %q: %s has no sub-resources to include", spec.Include, def.Name)
			}
			return nil, fmt.Errorf("source.include %q: %s can include %s", spec.Include, def.Name, strings.Join(subs, ", "))
		}
	}
	var err error
	if s.loc, err = LoadLocation(spec.TimeZone); err != nil {
		return nil, fmt.Errorf("source.%w", err)
	}
	now := time.Now()
	if env.Now != nil {
		now = env.Now()
	}
	if err := def.ValidateFilters(spec.Filters); err != nil {
		return nil, fmt.Errorf("source.filters: %w", err)
	}
	s.params = append(s.params, [2]string{"Resource", def.Name})
	if s.sub != nil {
		s.params = append(s.params, [2]string{"Include", s.sub.Name})
	}
	s.params = append(s.params, [2]string{"Time zone", s.loc.String()})
	if err := s.resolveFilters(spec.Filters, now); err != nil {
		return nil, err
	}
	if spec.Incremental != nil {
		if s.inc, err = openIncremental(spec, env, def, s); err != nil {
			return nil, err
		}
	}
	if !s.upper.IsZero() || !s.lower.IsZero() {
		s.params = append(s.params, [2]string{"Period", s.period()})
	}

	s.size = spec.PageSize
	s.workers = env.Concurrency
	if s.client != nil {
		if s.size <= 0 {
			s.size = s.client.Config().PageSize
		}
		if s.workers <= 0 {
			s.workers = s.client.Config().Concurrency
		}
	}
	if s.size <= 0 {
		s.size = erp.DefaultPageSize
	}
	if s.workers <= 0 {
		s.workers = erp.DefaultConcurrency
	}
	if s.client == nil && !env.DryRun {
		return nil, errors.New("source type erp needs a Wawi connection: set erp: in the job or the WAWI_* environment")
	}
	return s, nil
}

// resolveFilters turns the job's filters into the query, the client-side
// period and the parameter rows.
func (s *ERPSource) resolveFilters(filters map[string]string, now time.Time) error {
	names := make([]string, 0, len(filters))
	for k := range filters {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		p, _ := s.def.Filter(k)
		raw := strings.TrimSpace(filters[k])
		switch p.Type {
		case "integer":
			if _, err := strconv.ParseInt(raw, 10, 64); err != nil {
				return fmt.Errorf("source.filters.%s: %q is not an integer", p.Name, raw)
			}
			s.query.Set(p.Name, raw)
			s.params = append(s.params, [2]string{p.Name, raw})
		case "boolean":
			b, err := strconv.ParseBool(raw)
			if err != nil {
				return fmt.Errorf("source.filters.%s: %q is not true or false", p.Name, raw)
			}
			s.query.Set(p.Name, strconv.FormatBool(b))
			s.params = append(s.params, [2]string{p.Name, strconv.FormatBool(b)})
		case "date-time":
			r, err := ParseRelDate(raw, now, s.loc)
			if err != nil {
				return fmt.Errorf("source.filters.%s: %w", p.Name, err)
			}
			s.dateFilter(p.Name, raw, r)
		default:
			s.query.Set(p.Name, raw)
			s.params = append(s.params, [2]string{p.Name, raw})
		}
	}
	return nil
}

type role int

const (
	roleOn role = iota
	roleSince
	roleUntil
)

func filterRole(name string) role {
	l := strings.ToLower(name)
	switch {
	case strings.HasSuffix(l, "since") || strings.HasSuffix(l, "from"):
		return roleSince
	case strings.HasSuffix(l, "until") || l == "to":
		return roleUntil
	}
	return roleOn
}

// queryTime is how dates go to the API: ISO 8601 with the merchant's offset.
const queryTime = "2006-01-02T15:04:05.9999999Z07:00"

// shownTime is how dates appear in the parameters.
const shownTime = "02.01.2006 15:04:05"

// slack widens the server-side bounds of a filter the source re-checks.
const slack = time.Second

func (s *ERPSource) dateFilter(name, raw string, r DateRange) {
	field := docDateFields[s.def.Name][name]
	how := raw
	if local := s.def.Local(name); local != "" {
		// the API has no such filter: the source keeps the period alone
		if filterRole(name) == roleSince {
			s.setLower(local, r.From)
			s.params = append(s.params, [2]string{name, r.From.In(s.loc).Format(shownTime) + " (" + how + ", applied by etl)"})
		} else {
			s.setUpper(local, r.To)
			s.params = append(s.params, [2]string{name, r.To.Add(-100*time.Nanosecond).In(s.loc).Format(shownTime) + " (" + how + ", applied by etl)"})
		}
		return
	}
	switch filterRole(name) {
	case roleSince:
		if field != "" {
			s.setLower(field, r.From)
			s.query.Set(name, r.From.Add(-slack).In(s.loc).Format(queryTime))
		} else {
			s.query.Set(name, r.From.In(s.loc).Format(queryTime))
		}
		s.params = append(s.params, [2]string{name, r.From.In(s.loc).Format(shownTime) + " (" + how + ")"})
	case roleUntil:
		last := r.To.Add(-100 * time.Nanosecond) // .NET ticks: the last instant the server can hold
		if field != "" {
			s.setUpper(field, r.To)
			s.query.Set(name, r.To.Add(slack).In(s.loc).Format(queryTime))
		} else {
			s.query.Set(name, last.In(s.loc).Format(queryTime))
		}
		shown := last.In(s.loc).Format(shownTime)
		if r.Day {
			shown = r.From.Format("02.01.2006") + " up to 23:59:59, whole day included"
		}
		s.params = append(s.params, [2]string{name, shown + " (" + how + ")"})
	default:
		if r.Day {
			s.query.Set(name, r.From.Format(time.DateOnly))
			s.params = append(s.params, [2]string{name, r.From.Format("02.01.2006") + " (" + how + ")"})
		} else {
			s.query.Set(name, r.From.In(s.loc).Format(queryTime))
			s.params = append(s.params, [2]string{name, r.From.In(s.loc).Format(shownTime) + " (" + how + ")"})
		}
	}
}

func (s *ERPSource) setLower(field string, t time.Time) {
	s.dateField = field
	if s.lower.IsZero() || t.After(s.lower) {
		s.lower = t
	}
}

func (s *ERPSource) setUpper(field string, t time.Time) {
	s.dateField = field
	if s.upper.IsZero() || t.Before(s.upper) {
		s.upper = t
	}
}

// period describes [lower, upper) for the parameters sheet.
func (s *ERPSource) period() string {
	from, to := "…", "…"
	if !s.lower.IsZero() {
		from = s.lower.In(s.loc).Format(shownTime)
		if isMidnight(s.lower.In(s.loc)) {
			from = s.lower.In(s.loc).Format("02.01.2006")
		}
	}
	if !s.upper.IsZero() {
		u := s.upper.In(s.loc)
		if isMidnight(u) {
			to = u.Add(-time.Hour).Format("02.01.2006")
		} else {
			to = u.Add(-time.Nanosecond).Format(shownTime)
		}
	}
	return from + " – " + to + " (" + s.dateField + ", " + s.loc.String() + ")"
}

func isMidnight(t time.Time) bool {
	h, m, sec := t.Clock()
	return h == 0 && m == 0 && sec == 0 && t.Nanosecond() == 0
}

// Header implements pipeline.Source: nil, records are documents.
func (s *ERPSource) Header() *record.Header { return nil }

// Next returns the next document (or order line), io.EOF after the last. An
// error is fatal: the listing could not be completed (the client has already
// retried 429, 5xx and lost connections within its budget).
func (s *ERPSource) Next(ctx context.Context) (*record.Record, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.eof {
		return nil, io.EOF
	}
	if !s.started {
		if s.client == nil {
			return nil, errors.New("source type erp needs a Wawi connection")
		}
		s.start(ctx)
	}
	for {
		if s.cur != nil {
			if rec := s.nextLine(); rec != nil {
				return rec, nil
			}
			s.cur = nil
		}
		var it *docItem
		var ok bool
		select {
		case it, ok = <-s.items:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		if !ok {
			s.eof = true
			return nil, io.EOF
		}
		if it.err != nil {
			s.err = it.err
			return nil, it.err
		}
		if it.lines == nil && it.embedded != nil {
			s.account(it)
			if len(it.embedded) == 0 {
				rec := s.lineRecord(it.doc, map[string]any{}, true)
				rec.Document = s.docs
				return rec, nil
			}
			s.cur, s.curLines, s.line = it, it.embedded, 0
			continue
		}
		if it.lines == nil {
			s.account(it)
			return s.record(it.doc), nil
		}
		var lr linesResult
		select {
		case lr = <-it.lines:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		if lr.err != nil {
			s.err = lr.err
			return nil, lr.err
		}
		s.account(it)
		if len(lr.lines) == 0 {
			rec := s.lineRecord(it.doc, map[string]any{}, true)
			rec.Document = s.docs
			return rec, nil
		}
		s.cur, s.curLines, s.line = it, lr.lines, 0
	}
}

// nextLine returns the current order's next line item, nil after the last.
func (s *ERPSource) nextLine() *record.Record {
	if s.line >= len(s.curLines) {
		s.curLines = nil
		return nil
	}
	l := s.curLines[s.line]
	s.line++
	totals := !s.cur.part || s.proj.lineTotals
	rec := s.lineRecord(s.cur.doc, l, totals)
	// account ran for the current order and runs again only for the next
	rec.Document, rec.Line = s.docs, s.line
	return rec
}

// lineRecord is the record of one line item of order: the order itself,
// shared by the records of all its lines (read-only from here on), with the
// line beside it (record.Record.LineItem), not a copy of the order per
// line. totals: add LineTotal (a projected record whose job does not read
// it goes without).
func (s *ERPSource) lineRecord(order, line map[string]any, totals bool) *record.Record {
	rec := s.record(order)
	rec.LineItem = line
	if totals && len(line) > 0 {
		rec.LineTotal = lineTotals(line)
	}
	return rec
}

var hundred = decimal.NewFromInt(100)

// lineTotals computes {Net, Gross} of a line item, exactly.
func lineTotals(line map[string]any) map[string]any {
	dec := func(k string) (decimal.Decimal, bool) {
		switch v := line[k].(type) {
		case json.Number:
			d, err := decimal.NewFromString(string(v))
			return d, err == nil
		case string:
			d, err := decimal.NewFromString(v)
			return d, err == nil
		}
		return decimal.Decimal{}, false
	}
	out := map[string]any{}
	// the quantity and discount only for a line with a price: the lines
	// of accounting documents have none
	var qty, disc decimal.Decimal
	okQ, read := false, false
	for _, p := range [...]struct{ price, total string }{{"SalesPriceNet", "Net"}, {"SalesPriceGross", "Gross"}} {
		price, ok := dec(p.price)
		if !ok {
			continue
		}
		if !read {
			qty, okQ = dec("Quantity")
			disc, _ = dec("Discount")
			read = true
		}
		if !okQ {
			continue
		}
		v := qty.Mul(price)
		if !disc.IsZero() {
			v = v.Mul(hundred.Sub(disc)).Div(hundred)
		}
		out[p.total] = json.Number(v.Round(2).StringFixed(2))
	}
	return out
}

func (s *ERPSource) record(doc map[string]any) *record.Record {
	s.rows++
	return &record.Record{Seq: int64(s.rows - 1), Row: s.rows, Doc: doc}
}

// account counts a delivered document and moves the run's watermark.
func (s *ERPSource) account(it *docItem) {
	s.docs++
	if s.inc != nil {
		s.inc.see(it.date, it.key)
	}
}

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

// produce runs the listing. Pages come from the client's Pages (parallel,
// in order) and are decoded in parallel while order is kept through a queue
// of futures; each order's line items are fetched by a bounded set of
// goroutines, again behind futures. Every queue is bounded, so memory is
// flat and a slow consumer slows the fetching down.
// maxPagesAhead bounds the pages decoded ahead of the consumer (see produce).
const maxPagesAhead = 16

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
// records have an id, so produce drops a record that comes twice.
func (s *ERPSource) dedupe() bool { return s.def.Complete && s.def.IDField != "" }

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
	var scratch []jsonKV
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
			it.id = keyText(doc[s.def.IDField])
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
	return pageResult{items: out}
}

// decodeDoc decodes a document as encoding/json with UseNumber would, faster,
// with its dates normalised (parseDoc, normalizeDate).
func (s *ERPSource) decodeDoc(raw []byte) (map[string]any, error) { return parseDoc(raw, s.loc) }

// decodeItem decodes a document of a list: projected when the source was
// told what the job reads, unless a record of it would have none of the
// identity paths; then whole, as the error workbook shows such a record.
func (s *ERPSource) decodeItem(raw []byte, scratch *[]jsonKV) (*docItem, error) {
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
	for i, raw := range raws {
		l, err := parseDocProj(raw, s.loc, n)
		if err != nil {
			return linesResult{err: fmt.Errorf("GET %s item %d: %w", path, i+1, err)}
		}
		lines = append(lines, l)
	}
	return linesResult{lines: lines}
}

// looksLikeDateTime is a cheap test for yyyy-mm-ddThh:mm...
func looksLikeDateTime(s string) bool {
	return len(s) >= 16 && len(s) <= 40 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') && s[13] == ':' &&
		s[0] >= '0' && s[0] <= '9'
}

// docTime reads a date-time of a document; without an offset it is the
// merchant's wall clock.
func docTime(v any, loc *time.Location) (time.Time, bool) {
	str, ok := v.(string)
	if !ok || !looksLikeDateTime(str) {
		return time.Time{}, false
	}
	if t, _, ok := parseOffsetTime(str); ok {
		return t, true
	}
	t, err := parseInstant(str[:10]+"T"+str[11:], loc)
	return t, err == nil
}

// dotNetTime is the layout of dates the source writes back into documents:
// the Wawi's own (seven fraction digits, offset with colon).
const dotNetTime = "2006-01-02T15:04:05.0000000-07:00"

// normalizeDate is a string value of a document as the source hands it on:
// a date-time with an offset in the merchant's time zone loc, .NET's "not
// set" (year 1) as nil, anything else as it is. parseDoc applies it to every
// string value while decoding.
func normalizeDate(v string, loc *time.Location) any {
	if !looksLikeDateTime(v) {
		return v
	}
	if strings.HasPrefix(v, "0001-01-01") {
		return nil
	}
	if !hasOffset(v) {
		return v
	}
	t, off, ok := parseOffsetTime(v)
	if !ok {
		var err error
		if t, err = time.Parse(time.RFC3339Nano, v[:10]+"T"+v[11:]); err != nil {
			return v
		}
		_, off = t.Zone()
	}
	lt := t.In(loc)
	if _, lo := lt.Zone(); lo == off && len(v) == len(dotNetTime) && v[10] == 'T' && t.Nanosecond()%100 == 0 {
		return v // already the merchant's time, as the Wawi writes it
	}
	return formatDotNet(lt)
}

func hasOffset(s string) bool {
	if s[len(s)-1] == 'Z' || s[len(s)-1] == 'z' {
		return true
	}
	i := len(s) - 6
	return i > 16 && (s[i] == '+' || s[i] == '-') && s[i+3] == ':'
}

// Requests is the number of API pages and line item lists this source read
// (retries not counted); the runner adds it to the summary.
func (s *ERPSource) Requests() int64 { return s.requests.Load() }

// Parameters implements Parameterizer: resource, time zone, each filter with
// the absolute date it resolved to, the period, the watermark, and the
// documents and records delivered so far.
func (s *ERPSource) Parameters() [][2]string {
	out := append([][2]string(nil), s.params...)
	if s.inc != nil {
		out = append(out, s.inc.params()...)
	}
	out = append(out, [2]string{"Documents", strconv.Itoa(s.docs)})
	if s.sub != nil {
		out = append(out, [2]string{"Records (one per line item)", strconv.Itoa(s.rows)})
	}
	return out
}

// Close stops the listing and waits for its goroutines.
func (s *ERPSource) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	return nil
}
