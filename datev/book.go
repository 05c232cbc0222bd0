package datev

import (
	"math"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"
)

// Booker books accounting documents one after the other as an export
// does: the document's postings (Document.AppendPostings), a line per
// posting (AppendBooking) and the completeness check (Control.Add). It
// writes the same lines and finds the same, but adds and formats the
// amounts in int64 units (a decimal.Decimal costs a big.Int each) and
// formats the columns every posting of a document shares (Konto,
// Belegdatum, Belegfeld 1 and 2, Buchungstext) once. A document or posting
// off the common path (a value to clean, an amount beyond int64, a
// character to check) takes the reference path, which says why.
type Booker struct {
	c *Control

	groups  []bookGroup
	groupOf []int     // each line's group
	posts   []posting // the document's postings
	line    []byte    // the line being formatted
	text    []byte    // the booking text
	konto   []byte    // column 7, encoded
	docCols []byte    // columns 10 to 14, encoded

	day, vom, bis dayCache // the days of the last document and header
	rate          struct { // the last rate's small form
		d      decimal.Decimal
		u      int64
		e      int32
		ok, is bool // ok: small; is: d is the rate cached
	}
	oss struct { // the last EU-Steuersatz formatted
		d  decimal.Decimal
		s  string
		is bool
	}

	// the reference path's scratch
	row  Row
	slow []Posting
}

// NewBooker books into c.
func NewBooker(c *Control) *Booker { return &Booker{c: c} }

type bookGroup struct {
	account, euLand, country string
	kind                     Kind
	rate                     decimal.Decimal
	first, n                 int // the group's first line, its number of lines
}

// posting is a Posting as the control adds it up: its accounts, rate,
// country and amounts. The Booker's postings point to the line they
// take the revenue account from.
type posting struct {
	konto, gegenkonto, country string
	rate                       decimal.Decimal
	gross, vat, net            exactSum
	line                       *Line
}

// Book books d into a file with header h. write gets each posting's line
// (Windows-1252, without CRLF; it must copy it) and the changes made to
// fit its values; a posting DATEV would refuse is a finding of the
// control (Fail) instead. The control adds the document with the
// postings written; row is the input row of its first line. An error of
// write stops the document and is returned.
func (b *Booker) Book(h *Header, d *Document, row int, write func(line []byte, notes []Note) error) error {
	if !b.prepare(h, d) {
		return b.bookReference(h, d, row, write)
	}
	b.postings(d)
	written := b.posts[:0] // in place: a posting is kept or dropped once read
	for i := range b.posts {
		p := &b.posts[i]
		line, notes, err := b.format(h, d, p)
		if err != nil {
			b.c.Fail(d.Number, row, "Buchung nicht möglich: "+err.Error(), "cannot be booked: "+err.Error())
			continue
		}
		if err := write(line, notes); err != nil {
			return err
		}
		written = append(written, *p)
	}
	b.c.add(d, written, row)
	clear(b.posts) // no line of this document pinned
	return nil
}

// bookReference is Book the reference way, for the documents off the
// common path.
func (b *Booker) bookReference(h *Header, d *Document, row int, write func([]byte, []Note) error) error {
	postings := d.AppendPostings(b.slow[:0], d.Text())
	written := postings[:0]
	for _, p := range postings {
		enc, notes, err := AppendBooking(b.line[:0], h, &p.Booking, &b.row)
		if err != nil {
			b.c.Fail(d.Number, row, "Buchung nicht möglich: "+err.Error(), "cannot be booked: "+err.Error())
			continue
		}
		if err := write(enc, notes); err != nil {
			return err
		}
		b.line = enc[:0]
		written = append(written, p)
	}
	b.c.Add(d, written, row)
	clear(postings)
	b.slow = postings[:0]
	return nil
}

// prepare formats the columns d's postings share, reporting false when
// one of them would be changed or refused (the reference path then books
// d, and says so).
func (b *Booker) prepare(h *Header, d *Document) bool {
	if d.Type < 0 || int(d.Type) >= len(docTypeGerman) || d.Number == "" || len(d.Number) > MaxBelegfeld1 ||
		!belegfeld1Clean(d.Number) || accountProblem(d.Debitor, h.Sachkontenlaenge) != "" {
		return false
	}
	day := b.day.get(d.Date)
	if day.Before(b.vom.get(h.DatumVom)) || day.After(b.bis.get(h.DatumBis)) {
		return false
	}
	b2 := d.belegfeld2()
	b.text = d.appendText(b.text[:0])
	text := bytesString(b.text) // not kept
	if !plainText(b2) || !utf8.ValidString(text) || !plainText(text) {
		return false
	}
	b.konto = append(b.konto[:0], d.Debitor...)
	// columns 10 (Belegdatum, TTMM) to 14 (Buchungstext)
	c := b.docCols[:0]
	c = append(c, byte('0'+day.Day()/10), byte('0'+day.Day()%10), byte('0'+int(day.Month())/10), byte('0'+int(day.Month())%10), ';', '"')
	c = append(c, d.Number...)
	c = append(c, '"', ';')
	if b2 != "" {
		c = appendQuoted(c, b2)
	}
	c = append(c, ';', ';') // Skonto empty
	b.docCols = appendQuoted(c, text)
	return true
}

// appendQuoted appends a text field that plainText passed, quoted.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c >= utf8.RuneSelf {
			dst, _ = append1252(dst, s, true)
			return append(dst, '"')
		}
	}
	dst = append(dst, s...)
	return append(dst, '"')
}

// plainText: cleanText keeps s (no control character) and Windows-1252
// has every character.
func plainText(s string) bool {
	i := 0
	for ; i < len(s) && s[i] < utf8.RuneSelf; i++ { // ASCII: only the control characters to look for
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	for _, r := range s[i:] {
		if r < 0x20 || r == 0x7f {
			return false
		}
		if r >= utf8.RuneSelf {
			if r < 0xa0 || r == utf8.RuneError {
				return false
			}
			if _, ok := charmap.Windows1252.EncodeRune(r); !ok {
				return false
			}
		}
	}
	return true
}

// appendText appends Text to dst; for text that is not valid UTF-8 it
// may differ (Text's cut replaces the bytes that are not).
func (d *Document) appendText(dst []byte) []byte {
	start := len(dst)
	dst = append(dst, d.Type.German()...)
	dst = append(dst, ' ')
	dst = append(dst, d.Number...)
	if d.Type != Invoice && d.Type != Liquidation {
		switch {
		case d.Reference != "":
			dst = append(dst, " zu "...)
			dst = append(dst, d.Reference...)
		case d.Order != "":
			dst = append(dst, " zu Auftrag "...)
			dst = append(dst, d.Order...)
		}
	}
	if d.Customer != "" {
		dst = append(dst, ' ')
		dst = append(dst, d.Customer...)
	}
	if len(dst)-start <= MaxBuchungstxt {
		return dst // no more characters than bytes
	}
	n := 0
	for i := start; i < len(dst); {
		if n == MaxBuchungstxt {
			return dst[:i] // the customer's name is cut, the numbers stay
		}
		_, size := utf8.DecodeRune(dst[i:])
		i += size
		n++
	}
	return dst
}

// postings is AppendPostings into b.posts, in exactSums.
func (b *Booker) postings(d *Document) {
	reverse := d.Direction() < 0
	groups, groupOf := b.groups[:0], b.groupOf[:0]
	for j := range d.Lines {
		l := &d.Lines[j]
		i := 0
		for ; i < len(groups); i++ {
			g := &groups[i]
			if g.account == l.Revenue.Account && g.euLand == l.Revenue.EULandUStID && g.country == l.Country &&
				g.kind == l.Revenue.Kind && (g.rate == l.Rate || g.rate.Equal(l.Rate)) {
				break
			}
		}
		if i == len(groups) {
			groups = append(groups, bookGroup{account: l.Revenue.Account, euLand: l.Revenue.EULandUStID,
				country: l.Country, kind: l.Revenue.Kind, rate: l.Rate, first: j})
		}
		groups[i].n++
		groupOf = append(groupOf, i)
	}
	out := b.posts[:0]
	emit := func(l *Line, g, v exactSum) {
		out = append(out, posting{konto: d.Debitor, gegenkonto: l.Revenue.Account, country: l.Country, rate: l.Rate,
			gross: g, vat: v, net: difference2(g, v), line: l})
	}
	for i := range groups {
		grp := &groups[i]
		first := &d.Lines[grp.first]
		// the sums start from the first line, as its exponent
		gross, vatSum := first.Gross.s, first.VAT.s
		for j := grp.first + 1; j < len(d.Lines); j++ {
			if groupOf[j] == i {
				gross.addSum(&d.Lines[j].Gross.s)
				vatSum.addSum(&d.Lines[j].VAT.s)
			}
		}
		raw := gross
		gross = gross.cents() // the posting carries the group's total to the cent
		if grp.n == 1 {
			if g := gross; g.sign() != 0 {
				if reverse {
					g = g.neg()
				}
				emit(first, g, b.derivedVAT(g, first.Rate))
			}
			continue
		}
		derived := b.derivedVAT(gross, first.Rate)
		if taxAgrees(raw, vatSum, derived) {
			if g := gross; g.sign() != 0 {
				v := derived
				if reverse {
					g, v = g.neg(), v.neg()
				}
				emit(first, g, v)
			}
			continue
		}
		// each line its own posting; a line in cents as it is, else the
		// cents its running total adds, so the parts add up to the total
		var run, ran exactSum // the lines' running total, the cents booked of it
		for j := grp.first; j < len(d.Lines); j++ {
			if groupOf[j] != i {
				continue
			}
			l := &d.Lines[j]
			g := l.Gross.s
			exact := ran.equal(&run)
			if run.addSum(&g); exact && l.Gross.InCents() {
				ran = run
			} else {
				c := run.cents()
				g, ran = difference2(c, ran), c
			}
			if g.sign() != 0 {
				if reverse {
					g = g.neg()
				}
				emit(l, g, b.derivedVAT(g, l.Rate))
			}
		}
	}
	b.groups, b.groupOf, b.posts = groups, groupOf, out
}

// difference2 is difference for exactSums: g - v, exponent included.
func difference2(g, v exactSum) exactSum {
	n := g
	if !n.big && !v.big && v.u != math.MinInt64 && n.addSmall(-v.u, v.exp) {
		return n
	}
	return exactSum{big: true, d: g.value().Sub(v.value())}
}

// derivedVAT is derivedVAT(gross, rate) as an exactSum.
func (b *Booker) derivedVAT(gross exactSum, rate decimal.Decimal) exactSum {
	r := &b.rate
	if !r.is || r.d != rate { // the lines of a batch share their rate's decimal
		r.d, r.is = rate, true
		r.u, r.e, r.ok = small(rate)
	}
	if r.ok && r.u == 0 {
		return exactSum{} // decimal.Zero
	}
	if r.ok && !gross.big && gross.u != math.MinInt64 {
		if c, ok := derivedCents(gross.u, gross.exp, r.u, r.e); ok {
			return exactSum{u: c, exp: -2}
		}
	}
	return startSum(derivedVAT(gross.value(), rate))
}

// The separators of the empty columns a document's booking leaves: 15 to
// 39 (up to 40), and 42 to 125.
var (
	empty15to39 = strings.Repeat(";", ColEULandUStID-ColBuchungstext)
	tail        = strings.Repeat(";", Columns-ColEULandUStID-1)
)

// bytesString is b as a string without a copy, for a use that does not
// keep it.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// format is AppendBooking of p's Booking: the line in b.line.
func (b *Booker) format(h *Header, d *Document, p *posting) ([]byte, []Note, error) {
	l := p.line
	var cents int64
	ok := !p.gross.big && p.gross.exp >= -2
	if ok {
		cents, ok = scale(p.gross.u, p.gross.exp+2)
	}
	sh := byte('S')
	if cents < 0 {
		sh, cents = 'H', -cents
	}
	ok = ok && cents > 0 && cents < 1_000_000_000_000 && accountProblem(l.Revenue.Account, h.Sachkontenlaenge) == ""
	eu := l.Revenue.EULandUStID
	ok = ok && len(eu) <= 15 && plainText(eu) // cleanText keeps it
	var rate string
	if ok && l.Revenue.EUSteuersatz.Valid {
		rate, ok = b.euRate(l.Revenue.EUSteuersatz.Decimal)
	}
	if !ok {
		bk := Booking{
			Umsatz: p.gross.value(), SollHaben: "S", Konto: d.Debitor, Gegenkonto: l.Revenue.Account,
			Belegdatum: d.Date, Belegfeld1: d.Number, Belegfeld2: d.belegfeld2(), Buchungstext: string(b.text),
			EULandUStID: eu, EUSteuersatz: l.Revenue.EUSteuersatz,
		}
		enc, notes, err := AppendBooking(b.line[:0], h, &bk, &b.row)
		if err == nil {
			b.line = enc
		}
		return enc, notes, err
	}
	c := appendCents(b.line[:0], cents)
	c = append(c, ';', '"', sh, '"', ';', ';', ';', ';', ';') // columns 2 to 6
	c = append(c, b.konto...)
	c = append(c, ';')
	c = append(c, l.Revenue.Account...)
	c = append(c, ';', ';') // BU-Schlüssel empty
	c = append(c, b.docCols...)
	c = append(c, empty15to39...)
	if eu != "" {
		c = append(c, '"')
		c, _ = append1252(c, eu, true)
		c = append(c, '"')
	}
	c = append(c, ';')
	c = append(c, rate...)
	c = append(c, tail...)
	b.line = c
	return c, nil, nil
}

// euRate is column 41 for an OSS rate, false when formatRow refuses it.
func (b *Booker) euRate(r decimal.Decimal) (string, bool) {
	o := &b.oss
	if o.is && o.d == r {
		return o.s, true
	}
	if r.IsNegative() || r.GreaterThanOrEqual(decimal.NewFromInt(100)) || !r.Equal(r.Round(2)) {
		return "", false
	}
	o.d, o.s, o.is = r, Amount(r), true
	return o.s, true
}

// appendCents appends a non-negative amount in cents as Amount writes it.
func appendCents(dst []byte, c int64) []byte {
	var buf [24]byte
	i := len(buf)
	frac := c % 100
	buf[i-1], buf[i-2], buf[i-3] = byte('0'+frac%10), byte('0'+frac/10), ','
	i -= 3
	for n := c / 100; ; n /= 10 {
		i--
		buf[i] = byte('0' + n%10)
		if n < 10 {
			break
		}
	}
	return append(dst, buf[i:]...)
}
