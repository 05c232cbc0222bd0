package sources

import (
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
