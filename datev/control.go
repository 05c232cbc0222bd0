package datev

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"
)

// Control checks an export for completeness before its files are kept
// (GoBD: complete, correct, traceable): every document of the period once,
// and per tax rate and country the net, tax and gross the bookings carry
// equal the source documents' to the cent. It also lists gaps in the
// document numbers. Add each document as it is booked; Finish; then
// Findings, Err and the control workbook (WriteWorkbook).
type Control struct {
	// From and To bound the period (days, inclusive); zero: no bound.
	From, To time.Time

	source, file map[TaxKey]*sums3
	accounts     map[AccountKey]*accountSum
	seen         map[docKey]int // the numbers splitNumber does not split
	// seenNum are the other numbers by series and numeric suffix: keys
	// without a string, which the collector need not look into
	seenNum  map[numKey]int
	series   []seriesNumbers
	seriesOf map[seriesKey]int32 // the index in series
	// cleaned are the Belegfeld 1 values of the documents whose number
	// had to be changed to fit it (see CleanBelegfeld1), by type
	cleaned   map[docKey]seenAs
	findings  []Finding
	Documents int
	Bookings  int
	finished  bool

	src, fil   []keyedSums // Add's, reused
	conv       []posting   // Add's, reused
	from, to   dayCache
	docDay     dayCache
	lastSeries int32 // the index of the series added to last
	// the account and total sums looked up last
	hotAccounts        [4]hotAccount
	nextHot            int
	hotSource, hotFile hotTotals
	rates              []struct {
		r   decimal.Decimal
		key string
	}
}

// TaxKey is a tax rate and country (ISO code).
type TaxKey struct {
	Rate    string
	Country string
}

// Sums are net, tax and gross amounts.
type Sums struct {
	Net, VAT, Gross decimal.Decimal
}

// sums3 is Sums added up in exactSums.
type sums3 struct{ net, vat, gross exactSum }

func (s *sums3) add(net, vat, gross decimal.Decimal) {
	s.net.add(net)
	s.vat.add(vat)
	s.gross.add(gross)
}

func (s *sums3) addSums(o *sums3) {
	s.net.addSum(&o.net)
	s.vat.addSum(&o.vat)
	s.gross.addSum(&o.gross)
}

func (s *sums3) equal(o *sums3) bool {
	return s.net.equal(&o.net) && s.vat.equal(&o.vat) && s.gross.equal(&o.gross)
}

func (s *sums3) sums() Sums {
	return Sums{Net: s.net.value(), VAT: s.vat.value(), Gross: s.gross.value()}
}

// Equal reports whether the sums agree to the cent.
func (s Sums) Equal(o Sums) bool {
	return s.Net.Equal(o.Net) && s.VAT.Equal(o.VAT) && s.Gross.Equal(o.Gross)
}

// AccountKey is a line of the control sheet's account sums: what a
// booking line of the file holds.
type AccountKey struct {
	Konto, Gegenkonto string
	SollHaben         string
	Rate, Country     string
}

// accountSum is AccountSum while it is added up.
type accountSum struct {
	umsatz   exactSum
	bookings int
}

// AccountSum is the amount (Umsatz, positive) and count of bookings.
type AccountSum struct {
	Umsatz   decimal.Decimal
	Bookings int
}

// Finding is one thing the check found; Stops says it stops the export.
type Finding struct {
	Document string // document number, "" for the run as a whole
	Type     string
	Row      int // the input row of the document's first line, 0 unknown
	Problem  string
	Stops    bool
	// TypeEn and ProblemEn are Type and Problem in English, for etl's
	// messages in English (the control workbook is German, as the tax
	// adviser reads it)
	TypeEn, ProblemEn string
}

// text is a finding's wording, German and English, with the same verbs.
type text struct{ de, en string }

// format fills both wordings with args.
func (t text) format(args ...any) (de, en string) {
	return fmt.Sprintf(t.de, args...), fmt.Sprintf(t.en, args...)
}

// seenAs is the number a Belegfeld 1 was cleaned from and its row.
type seenAs struct {
	number string
	row    int
}

type docKey struct {
	t      DocType
	number string
}

type seriesKey struct {
	t      DocType
	prefix string
}

// seriesNumbers are the numbers of a series, in the order added (ns),
// and the rows they were seen on: those that came in ascending order in
// sorted, any other in Control.seenNum.
type seriesNumbers struct {
	seriesKey
	ns     []int64
	sorted []seenNumber
}

// seenNumber is a number of a series and the row it was first seen on.
type seenNumber struct {
	digits int32
	n      int64
	row    int
}

func (a *seenNumber) less(b *seenNumber) bool {
	return a.digits < b.digits || a.digits == b.digits && a.n < b.n
}

// numKey is a document number of a series: its prefix is the series's,
// its suffix n written in digits digits (leading zeros make RE-007 another
// number than RE-7).
type numKey struct {
	series, digits int32
	n              int64
}

// dayCache is dayOf(of).
type dayCache struct {
	of, day time.Time
	ok      bool
}

func (c *dayCache) get(t time.Time) time.Time {
	if !c.ok || c.of != t {
		c.of, c.day, c.ok = t, dayOf(t), true
	}
	return c.day
}

// NewControl starts a check for the period from..to (days; zero: open).
func NewControl(from, to time.Time) *Control {
	return &Control{From: from, To: to, source: map[TaxKey]*sums3{}, file: map[TaxKey]*sums3{},
		accounts: map[AccountKey]*accountSum{}, seen: map[docKey]int{}, seenNum: map[numKey]int{}, seriesOf: map[seriesKey]int32{}}
}

// seenBefore records the document's number, stopping at one seen before,
// and adds it to its series.
func (c *Control) seenBefore(d *Document, row int) {
	p, n, ok := splitNumber(d.Number)
	if !ok {
		k := docKey{d.Type, d.Number}
		if first, dup := c.seen[k]; dup {
			c.stop(d, row, textTwice, first)
			return
		}
		// a clone: the key outlives the record, and must not pin the
		// document the number was read from (the ERP source's strings
		// share its JSON)
		k.number = strings.Clone(k.number)
		c.seen[k] = row
		return
	}
	sid := c.seriesIndex(d.Type, p)
	sr := &c.series[sid]
	sr.ns = append(sr.ns, n)
	x := seenNumber{digits: int32(len(d.Number) - len(p)), n: n, row: row}
	// a series mostly comes in ascending order: appended, no lookup
	if len(sr.sorted) == 0 || sr.sorted[len(sr.sorted)-1].less(&x) {
		sr.sorted = append(sr.sorted, x)
		return
	}
	if first, dup := c.rowOf(sid, x); dup {
		c.stop(d, row, textTwice, first)
		return
	}
	c.seenNum[numKey{series: sid, digits: x.digits, n: n}] = row
}

// rowOf is the row of number x of series sid, if seen: in the series'
// ascending run or among the numbers that came out of order.
func (c *Control) rowOf(sid int32, x seenNumber) (int, bool) {
	sorted := c.series[sid].sorted
	if i, found := slices.BinarySearchFunc(sorted, x, func(a, b seenNumber) int {
		if a.less(&b) {
			return -1
		}
		if b.less(&a) {
			return 1
		}
		return 0
	}); found {
		return sorted[i].row, true
	}
	row, seen := c.seenNum[numKey{series: sid, digits: x.digits, n: x.n}]
	return row, seen
}

// sameBelegfeld1 stops at two documents of a type that DATEV would not
// tell apart: a number changed to fit Belegfeld 1 (RE 1_ü is RE-1-ue)
// that is another document's number or the changed number of another.
func (c *Control) sameBelegfeld1(d *Document, row int) {
	if belegfeld1Clean(d.Number) { // a number as it is: another's changed to it?
		if prev, ok := c.cleaned[docKey{d.Type, d.Number}]; ok {
			c.stop(d, row, text{"Belegfeld 1 %q hat schon Beleg %q (Zeile %d), dessen Nummer dafür angepasst wurde: DATEV unterscheidet die Belege nicht",
				"Belegfeld 1 %q already holds document %q (row %d), whose number was changed to fit it: DATEV cannot tell the documents apart"}, d.Number, prev.number, prev.row)
		}
		return
	}
	b, _ := cleanBelegfeld1(d.Number)
	k := docKey{d.Type, b}
	if prev, ok := c.cleaned[k]; ok {
		if prev.number != d.Number { // the same number is a duplicate, found as such
			c.stop(d, row, text{"Belegfeld 1 %q hat schon Beleg %q (Zeile %d): DATEV unterscheidet die Belege nicht",
				"Belegfeld 1 %q already holds document %q (row %d): DATEV cannot tell the documents apart"}, b, prev.number, prev.row)
		}
		return
	}
	if first, ok := c.numberRow(d.Type, b); ok {
		c.stop(d, row, text{"Belegfeld 1 %q ist die Nummer eines anderen Belegs (Zeile %d): DATEV unterscheidet die Belege nicht",
			"Belegfeld 1 %q is the number of another document (row %d): DATEV cannot tell the documents apart"}, b, first)
	}
	if c.cleaned == nil {
		c.cleaned = map[docKey]seenAs{}
	}
	k.number = strings.Clone(b)
	c.cleaned[k] = seenAs{number: strings.Clone(d.Number), row: row}
}

// numberRow is the row of the document of type t and number seen first.
func (c *Control) numberRow(t DocType, number string) (int, bool) {
	p, n, ok := splitNumber(number)
	if !ok {
		row, seen := c.seen[docKey{t, number}]
		return row, seen
	}
	sid, ok := c.seriesOf[seriesKey{t, p}]
	if !ok {
		return 0, false
	}
	return c.rowOf(sid, seenNumber{digits: int32(len(number) - len(p)), n: n})
}

// seriesIndex is the index of a series in c.series, added when new.
func (c *Control) seriesIndex(t DocType, prefix string) int32 {
	// an export's documents come in runs of one series
	if len(c.series) > 0 {
		if last := &c.series[c.lastSeries]; last.t == t && last.prefix == prefix {
			return c.lastSeries
		}
	}
	k := seriesKey{t, prefix}
	i, ok := c.seriesOf[k]
	if !ok {
		i = int32(len(c.series))
		k.prefix = strings.Clone(prefix)
		c.seriesOf[k] = i
		c.series = append(c.series, seriesNumbers{seriesKey: k})
	}
	c.lastSeries = i
	return i
}

func rateKey(r decimal.Decimal) string { return r.StringFixed(2) }

// textTwice is a document that came twice.
var textTwice = text{"kommt mehrfach vor (zuerst in Zeile %d): jeder Beleg genau einmal", "appears more than once (first in row %d): every document exactly once"}

func (c *Control) stop(d *Document, row int, t text, args ...any) {
	f := Finding{Row: row, Stops: true}
	f.Problem, f.ProblemEn = t.format(args...)
	if d != nil {
		f.Document, f.Type, f.TypeEn = d.Number, d.Type.German(), d.Type.String()
	}
	c.findings = append(c.findings, f)
}

// Fail records a problem that stops the export and is not about one
// document's sums (a record that did not reach the file), in German (the
// control workbook's) and English.
func (c *Control) Fail(document string, row int, problem, problemEn string) {
	c.findings = append(c.findings, Finding{Document: document, Row: row, Problem: problem, ProblemEn: problemEn, Stops: true})
}

// Add records a document and the postings written for it; row is the
// input row of its first line. postings are what the file holds for it:
// their amounts go to the file's side, the lines' to the source's.
func (c *Control) Add(d *Document, postings []Posting, row int) {
	ps := c.conv[:0]
	for i := range postings {
		p := &postings[i]
		ps = append(ps, posting{konto: p.Booking.Konto, gegenkonto: p.Booking.Gegenkonto, country: p.Country, rate: p.Rate,
			gross: sumOf(p.Gross), vat: sumOf(p.VAT), net: sumOf(p.Net)})
	}
	c.add(d, ps, row)
	clear(ps)
	c.conv = ps[:0]
}

// add is Add of the postings as the control adds them up.
func (c *Control) add(d *Document, postings []posting, row int) {
	c.Documents++
	c.seenBefore(d, row)
	if !belegfeld1Clean(d.Number) || len(c.cleaned) > 0 {
		c.sameBelegfeld1(d, row)
	}
	day := c.docDay.get(d.Date) // an export's documents come by day
	if (!c.From.IsZero() && day.Before(c.from.get(c.From))) || (!c.To.IsZero() && day.After(c.to.get(c.To))) {
		c.stop(d, row, text{"Belegdatum %s liegt außerhalb des Zeitraums %s bis %s", "document date %s is outside the period %s to %s"},
			day.Format("02.01.2006"), c.From.Format("02.01.2006"), c.To.Format("02.01.2006"))
	}
	// a document has a few rates and countries: slices, not maps, with
	// the order of first use
	neg := d.Direction() < 0
	if d.SignUnknown() {
		c.stop(d, row, text{"Summe 0,00 aus Beträgen mit beiden Vorzeichen: ob die Beträge mit Vorzeichen gesendet sind (Soll oder Haben), ist nicht bestimmbar",
			"amounts of both signs that add up to 0.00: whether they were sent with their sign (debit or credit) cannot be told"})
	}
	src, fil := c.src[:0], c.fil[:0]
	get := func(m []keyedSums, k TaxKey) ([]keyedSums, *sums3) {
		for i := range m {
			if m[i].k == k {
				return m, &m[i].s
			}
		}
		m = append(m, keyedSums{k: k})
		return m, &m[len(m)-1].s
	}
	var s *sums3
	for i := range d.Lines {
		l := &d.Lines[i]
		k := TaxKey{c.rateKey(l.Rate), l.Country}
		src, s = get(src, k)
		net, vat, gross := l.Net.s, l.VAT.s, l.Gross.s
		if neg {
			net, vat, gross = net.neg(), vat.neg(), gross.neg()
		}
		s.net.addSum(&net)
		s.vat.addSum(&vat)
		s.gross.addSum(&gross)
		if net.addSum(&vat); !net.equal(&gross) && !subCent(&net, &gross, l) {
			c.stop(d, l.Row, text{"Netto %s + USt %s ist nicht Brutto %s", "net %s + VAT %s is not gross %s"}, l.Net.shown(), l.VAT.shown(), l.Gross.shown())
		}
	}
	for i := range postings {
		p := &postings[i]
		c.Bookings++
		k := TaxKey{c.rateKey(p.rate), p.country}
		fil, s = get(fil, k)
		s.net.addSum(&p.net)
		s.vat.addSum(&p.vat)
		s.gross.addSum(&p.gross)
		var amt exactSum
		amt.addSum(&p.gross)
		sh := "S"
		if amt.sign() < 0 {
			sh, amt = "H", amt.neg()
		}
		a := c.account(AccountKey{Konto: p.konto, Gegenkonto: p.gegenkonto, SollHaben: sh, Rate: k.Rate, Country: k.Country})
		a.umsatz.addSum(&amt)
		a.bookings++
	}
	if len(postings) == 0 {
		c.findings = append(c.findings, Finding{Document: d.Number, Type: d.Type.German(), TypeEn: d.Type.String(), Row: row,
			Problem: "Beleg ohne Betrag: keine Buchung (DATEV nimmt keine Buchung über 0,00)", ProblemEn: "document without an amount: no booking (DATEV takes none of 0.00)"})
	}
	// A document whose amounts have more decimals (the Wawi's may have
	// four) is booked with its gross to the cent and the tax DATEV derives
	// from that: it agrees when the bookings' gross is its gross rounded
	// and their tax within a cent of its exact tax; else its sums to the
	// cent (gross and tax rounded, net what is left) are compared.
	for i := range src {
		x := &src[i].s
		if (Money{x.net}).InCents() && (Money{x.vat}).InCents() && (Money{x.gross}).InCents() {
			continue
		}
		var fs *sums3
		fil, fs = get(fil, src[i].k)
		gross := x.gross.cents()
		if gross.equal(&fs.gross) && taxAgrees(x.gross, x.vat, fs.vat) {
			*x = *fs
			continue
		}
		x.gross, x.vat = gross, x.vat.cents()
		x.net = difference2(x.gross, x.vat)
	}
	for _, x := range src {
		k := x.k
		var fs *sums3
		fil, fs = get(fil, k)
		if !x.s.equal(fs) {
			s, f := x.s.sums(), fs.sums()
			c.stop(d, row, text{"Steuersatz %s %% %s: Beleg Netto/USt/Brutto %s/%s/%s, Buchungen %s/%s/%s",
				"tax rate %s %% %s: document net/VAT/gross %s/%s/%s, bookings %s/%s/%s"}, k.Rate, k.Country,
				s.Net.StringFixed(2), s.VAT.StringFixed(2), s.Gross.StringFixed(2), f.Net.StringFixed(2), f.VAT.StringFixed(2), f.Gross.StringFixed(2))
		}
		total(c.source, &c.hotSource, k).addSums(&x.s)
	}
	for _, x := range fil {
		if !x.inSrc(src) {
			c.stop(d, row, text{"Buchungen zu Steuersatz %s %% %s, die der Beleg nicht hat", "bookings at tax rate %s %% %s, which the document does not have"}, x.k.Rate, x.k.Country)
		}
		total(c.file, &c.hotFile, x.k).addSums(&x.s)
	}
	c.src, c.fil = src[:0], fil[:0]
}

// subCent: a line whose amounts have more than two decimals (the Wawi's
// may have four, each rounded on its own) may miss net + tax = gross by
// less than a cent; the booking carries the gross to the cent.
func subCent(sum, gross *exactSum, l *Line) bool {
	if l.Net.InCents() && l.VAT.InCents() && l.Gross.InCents() {
		return false
	}
	return sum.value().Sub(gross.value()).Abs().LessThan(oneCent)
}

type keyedSums struct {
	k TaxKey
	s sums3
}

func (x *keyedSums) inSrc(src []keyedSums) bool {
	for i := range src {
		if src[i].k == x.k {
			return true
		}
	}
	return false
}

// account is the sum of an account key, added when new.
func (c *Control) account(k AccountKey) *accountSum {
	// an export books most of its postings on a few keys: those looked
	// up last are compared before the map hashes five strings
	for i := range c.hotAccounts {
		if h := &c.hotAccounts[i]; h.a != nil && h.k == k {
			return h.a
		}
	}
	a := c.accounts[k]
	if a == nil {
		// a clone, as the document number
		k.Konto, k.Gegenkonto, k.Country = strings.Clone(k.Konto), strings.Clone(k.Gegenkonto), strings.Clone(k.Country)
		a = &accountSum{}
		c.accounts[k] = a
	}
	c.hotAccounts[c.nextHot%len(c.hotAccounts)] = hotAccount{k, a}
	c.nextHot++
	return a
}

type hotAccount struct {
	k AccountKey
	a *accountSum
}

// total is the sums of k in m (c.source or c.file), added when new; hot
// are the ones looked up last.
func total(m map[TaxKey]*sums3, hot *hotTotals, k TaxKey) *sums3 {
	for i := range hot.t {
		if h := &hot.t[i]; h.s != nil && h.k == k {
			return h.s
		}
	}
	s := m[k]
	if s == nil {
		s = &sums3{}
		k.Country = strings.Clone(k.Country)
		m[k] = s
	}
	hot.t[hot.next%len(hot.t)] = struct {
		k TaxKey
		s *sums3
	}{k, s}
	hot.next++
	return s
}

type hotTotals struct {
	t [4]struct {
		k TaxKey
		s *sums3
	}
	next int
}

// rateKey is rateKey(r), remembered per rate and exponent: an export has a
// handful of rates, and formatting each line's costs a tenth of the check.
func (c *Control) rateKey(r decimal.Decimal) string {
	for _, x := range c.rates {
		// the same decimal (lines share their rate's) or the same value
		// and exponent
		if x.r == r || x.r.Exponent() == r.Exponent() && x.r.Cmp(r) == 0 {
			return x.key
		}
	}
	k := rateKey(r)
	if len(c.rates) < 32 {
		c.rates = append(c.rates, struct {
			r   decimal.Decimal
			key string
		}{r, k})
	}
	return k
}

// splitNumber splits a document number into its prefix and numeric suffix
// (RE-2026-000123 is RE-2026- and 123); ok is false without digits at the end.
func splitNumber(s string) (prefix string, n int64, ok bool) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	if i == len(s) || len(s)-i > 18 {
		return "", 0, false
	}
	n, err := strconv.ParseInt(s[i:], 10, 64)
	return s[:i], n, err == nil
}

// maxGapFindings bounds the gaps listed; the last finding says how many more.
const maxGapFindings = 500

// Finish compares the totals per rate and country and lists the gaps in
// each number series (a gap is listed, it does not stop the export: a
// number may belong to another period or company).
func (c *Control) Finish() {
	if c.finished {
		return
	}
	c.finished = true
	for _, k := range c.TaxKeys() {
		s, f := c.Sum(k)
		if !s.Equal(f) {
			de, en := text{"Summe Steuersatz %s %% %s: Belege Netto/USt/Brutto %s/%s/%s, Datei %s/%s/%s",
				"total at tax rate %s %% %s: documents net/VAT/gross %s/%s/%s, file %s/%s/%s"}.format(k.Rate, k.Country,
				s.Net.StringFixed(2), s.VAT.StringFixed(2), s.Gross.StringFixed(2), f.Net.StringFixed(2), f.VAT.StringFixed(2), f.Gross.StringFixed(2))
			c.findings = append(c.findings, Finding{Stops: true, Problem: de, ProblemEn: en})
		}
	}
	keys := make([]*seriesNumbers, 0, len(c.series))
	for i := range c.series {
		keys = append(keys, &c.series[i])
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].t != keys[j].t {
			return keys[i].t < keys[j].t
		}
		return keys[i].prefix < keys[j].prefix
	})
	gaps := 0
	for _, k := range keys {
		ns := k.ns
		sort.Slice(ns, func(i, j int) bool { return ns[i] < ns[j] })
		for i := 1; i < len(ns); i++ {
			if ns[i]-ns[i-1] <= 1 {
				continue
			}
			gaps++
			if gaps > maxGapFindings {
				continue
			}
			from, to := ns[i-1]+1, ns[i]-1
			what := fmt.Sprintf("Nummer %s%d fehlt", k.prefix, from)
			whatEn := fmt.Sprintf("number %s%d is missing", k.prefix, from)
			if to > from {
				what = fmt.Sprintf("Nummern %s%d bis %s%d fehlen (%d)", k.prefix, from, k.prefix, to, to-from+1)
				whatEn = fmt.Sprintf("numbers %s%d to %s%d are missing (%d)", k.prefix, from, k.prefix, to, to-from+1)
			}
			c.findings = append(c.findings, Finding{Type: k.t.German(), TypeEn: k.t.String(),
				Problem: "Lücke im Nummernkreis: " + what, ProblemEn: "gap in the number series: " + whatEn})
		}
	}
	if gaps > maxGapFindings {
		de, en := text{"und %d weitere Lücken im Nummernkreis", "and %d more gaps in the number series"}.format(gaps - maxGapFindings)
		c.findings = append(c.findings, Finding{Problem: de, ProblemEn: en})
	}
}

// TaxKeys are the rates and countries of either side, sorted.
func (c *Control) TaxKeys() []TaxKey {
	seen := map[TaxKey]bool{}
	var out []TaxKey
	for _, m := range []map[TaxKey]*sums3{c.source, c.file} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Country != out[j].Country {
			return out[i].Country < out[j].Country
		}
		return out[i].Rate < out[j].Rate
	})
	return out
}

// Sum is the source's and the file's sums for a rate and country.
func (c *Control) Sum(k TaxKey) (source, file Sums) {
	if s := c.source[k]; s != nil {
		source = s.sums()
	}
	if f := c.file[k]; f != nil {
		file = f.sums()
	}
	return source, file
}

// Accounts are the account sums, sorted by Konto, Gegenkonto, rate, country, S/H.
func (c *Control) Accounts() ([]AccountKey, []AccountSum) {
	keys := make([]AccountKey, 0, len(c.accounts))
	for k := range c.accounts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		for _, p := range [][2]string{{a.Konto, b.Konto}, {a.Gegenkonto, b.Gegenkonto}, {a.Rate, b.Rate}, {a.Country, b.Country}, {a.SollHaben, b.SollHaben}} {
			if p[0] != p[1] {
				return p[0] < p[1]
			}
		}
		return false
	})
	sums := make([]AccountSum, len(keys))
	for i, k := range keys {
		a := c.accounts[k]
		sums[i] = AccountSum{Umsatz: a.umsatz.value(), Bookings: a.bookings}
	}
	return keys, sums
}

// Findings are what the check found, stopping ones first, in the order found.
func (c *Control) Findings() []Finding {
	out := make([]Finding, 0, len(c.findings))
	for _, stops := range []bool{true, false} {
		for _, f := range c.findings {
			if f.Stops == stops {
				out = append(out, f)
			}
		}
	}
	return out
}

// OK reports whether nothing stops the export.
func (c *Control) OK() bool {
	for _, f := range c.findings {
		if f.Stops {
			return false
		}
	}
	return true
}

// Err names the documents and problems that stop the export, nil if none.
func (c *Control) Err() error { return c.ErrIn(false) }

// ErrIn is Err in English (english) or German.
func (c *Control) ErrIn(english bool) error {
	var msgs []string
	n := 0
	rowWord, more := "Zeile", "und %d weitere"
	if english {
		rowWord, more = "row", "and %d more"
	}
	for _, f := range c.Findings() {
		if !f.Stops {
			break
		}
		n++
		if len(msgs) < 10 {
			typ, s := f.Type, f.Problem
			if english {
				typ, s = cmp.Or(f.TypeEn, f.Type), cmp.Or(f.ProblemEn, f.Problem)
			}
			if f.Document != "" {
				s = strings.TrimSpace(typ+" "+f.Document) + ": " + s
				if f.Row > 0 {
					s = fmt.Sprintf("%s (%s %d)", s, rowWord, f.Row)
				}
			}
			msgs = append(msgs, s)
		}
	}
	if n == 0 {
		return nil
	}
	if n > len(msgs) {
		msgs = append(msgs, fmt.Sprintf(more, n-len(msgs)))
	}
	return errors.New(strings.Join(msgs, "; "))
}

// FileKey is what BookingSums adds up by: Konto, Gegenkonto and S/H.
type FileKey struct{ Konto, Gegenkonto, SollHaben string }

// BookingSums reads a Buchungsstapel and adds up Umsatz per Konto,
// Gegenkonto and Soll/Haben: the file as DATEV will read it.
func BookingSums(data []byte, into map[FileKey]decimal.Decimal) error {
	// Cents per key while the amounts are plain (1234,56: at most 10
	// digits before the comma, so 99,999 bookings cannot overflow), the
	// decimal only for any other; the sum is the same.
	cents := map[FileKey]int64{}
	defer func() { // on an error too: the lines before it are added, as they always were
		for k, c := range cents {
			into[k] = into[k].Add(decimal.New(c, -2))
		}
	}()
	var f []field
	var msg string
	data = bytes.TrimSuffix(data, []byte("\r\n"))
	for i, last := 0, false; !last; i++ {
		raw := data
		if j := bytes.Index(data, []byte("\r\n")); j >= 0 {
			raw, data = data[:j], data[j+2:]
		} else {
			last = true
		}
		if i < 2 {
			continue
		}
		var text string
		if ascii(raw) {
			text = string(raw)
		} else {
			var err error
			if text, err = charmap.Windows1252.NewDecoder().String(string(raw)); err != nil {
				return fmt.Errorf("line %d: %w", i+1, err)
			}
		}
		f, msg = splitLineInto(f, text)
		if msg != "" || len(f) != Columns {
			return fmt.Errorf("line %d: not a booking (%s)", i+1, msg)
		}
		k := FileKey{f[ColKonto-1].text, f[ColGegenkonto-1].text, f[ColSollHaben-1].text}
		if c, ok := plainCents(f[ColUmsatz-1].text); ok {
			if _, seen := cents[k]; !seen {
				k = FileKey{strings.Clone(k.Konto), strings.Clone(k.Gegenkonto), strings.Clone(k.SollHaben)}
			}
			cents[k] += c
			continue
		}
		amt, err := decimal.NewFromString(strings.Replace(f[ColUmsatz-1].text, ",", ".", 1))
		if err != nil {
			return fmt.Errorf("line %d: Umsatz %q", i+1, f[ColUmsatz-1].text)
		}
		into[k] = into[k].Add(amt)
	}
	return nil
}

// plainCents reads an amount as the writer writes it (digits, a comma, two
// digits; at most 10 digits before it) in cents.
func plainCents(s string) (int64, bool) {
	n := len(s)
	if n < 4 || n > 13 || s[n-3] != ',' {
		return 0, false
	}
	var c int64
	for i := 0; i < n; i++ {
		if i == n-3 {
			continue
		}
		d := s[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		c = c*10 + int64(d-'0')
	}
	return c, true
}

// CompareFile checks the sums read back from the written files against
// the bookings the check added up: a difference stops the export.
func (c *Control) CompareFile(file map[FileKey]decimal.Decimal) {
	mine := map[FileKey]decimal.Decimal{}
	for k, s := range c.accounts {
		fk := FileKey{k.Konto, k.Gegenkonto, k.SollHaben}
		mine[fk] = mine[fk].Add(s.umsatz.value())
	}
	keys := make([]FileKey, 0, len(mine)+len(file))
	for k := range mine {
		keys = append(keys, k)
	}
	for k := range file {
		if _, ok := mine[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.Konto != b.Konto {
			return a.Konto < b.Konto
		}
		if a.Gegenkonto != b.Gegenkonto {
			return a.Gegenkonto < b.Gegenkonto
		}
		return a.SollHaben < b.SollHaben
	})
	for _, k := range keys {
		if !mine[k].Equal(file[k]) {
			de, en := text{"Konto %s an %s %s: Datei %s, Kontrolle %s", "account %s to %s %s: file %s, control %s"}.format(
				k.Konto, k.Gegenkonto, k.SollHaben, file[k].StringFixed(2), mine[k].StringFixed(2))
			c.findings = append(c.findings, Finding{Stops: true, Problem: de, ProblemEn: en})
		}
	}
}
