package datev

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"
)

// Violation is one broken rule: Line and Column are 1-based; Column is the
// field number (DATEV numbers its columns the same way), or the byte
// position for a rule about bytes (encoding, line ends).
type Violation struct {
	Line, Column int
	Msg          string
}

func (v Violation) String() string { return fmt.Sprintf("%d:%d: %s", v.Line, v.Column, v.Msg) }

// field is a parsed field: its text without quotes, and whether it was
// quoted.
type field struct {
	text   string
	quoted bool
}

// Check reads a Buchungsstapel and returns every rule it breaks, in file
// order: encoding (valid Windows-1252, CRLF line ends), the header's fields
// and ranges, the period, the column count, and per booking the amount
// pattern, Soll/Haben, account lengths, Belegdatum within the period, field
// lengths, characters and quoting.
func Check(data []byte) []Violation { return (&checker{}).check(data) }

// CheckSums is Check and BookingSums in one reading of the file: the
// violations, and the error BookingSums would return (it adds up the
// lines before it, as BookingSums does).
func CheckSums(data []byte, into map[FileKey]decimal.Decimal) ([]Violation, error) {
	c := &checker{sums: map[FileKey]*int64{}}
	vs := c.check(data)
	c.addSums(into)
	return vs, c.sumErr
}

func (c *checker) addSums(into map[FileKey]decimal.Decimal) {
	for k, v := range c.sums {
		into[k] = into[k].Add(decimal.New(*v, -2))
	}
	for k, v := range c.odd {
		into[k] = into[k].Add(v)
	}
}

func (c *checker) check(data []byte) []Violation {
	n := 0
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			n++
			c.line(n, data, true)
			break
		}
		n++
		c.line(n, data[:i], false)
		data = data[i+1:]
	}
	return c.finish(n)
}

// line checks line n (1-based): raw is its bytes without the LF that ends
// it; last says none does (the text after the file's last LF). The
// checker keeps nothing of raw.
func (c *checker) line(n int, raw []byte, last bool) {
	switch {
	case last:
		c.add(n, len(raw)+1, "the last line does not end with CRLF")
		raw = bytes.TrimSuffix(raw, []byte("\r"))
	case len(raw) == 0 || raw[len(raw)-1] != '\r':
		c.add(n, len(raw)+1, "line ends with LF only: DATEV wants CRLF")
	default:
		raw = raw[:len(raw)-1]
	}
	if j := bytes.IndexByte(raw, '\r'); j >= 0 {
		c.add(n, j+1, "carriage return inside a line")
	}
	text, ok := c.decode(n, raw)
	if !ok {
		return
	}
	fields, err := splitLineInto(c.fields, text)
	c.fields = fields
	if c.sums != nil && n > 2 && c.sumErr == nil {
		c.sum(n, fields, err)
	}
	if err != "" {
		c.add(n, 1, err)
		return
	}
	switch n {
	case 1:
		c.header(fields)
	case 2:
		if c.cat == DebitorCategory {
			if len(fields) != DebitorFields {
				c.add(n, 1, fmt.Sprintf("line 2 (column names) has %d fields, Debitoren/Kreditoren have %d", len(fields), DebitorFields))
			}
		} else if len(fields) != Columns {
			c.add(n, 1, fmt.Sprintf("line 2 (column names) has %d fields, a Buchungsstapel has %d", len(fields), Columns))
		}
	default:
		if c.cat == DebitorCategory {
			c.debitor(n, fields)
		} else {
			c.booking(n, fields)
		}
	}
}

// finish ends a file of n lines.
func (c *checker) finish(n int) []Violation {
	if n < 2 {
		c.add(1, 1, "a Buchungsstapel has a header line and a line of column names")
	}
	return c.v
}

// Stream is CheckSums of a file written to it in parts of any size (a
// file read back while it is being written): Finish returns what
// CheckSums returns for the bytes written.
type Stream struct {
	c       checker
	pending []byte // the line not ended yet
	n       int    // the lines checked
}

// NewStream starts a file.
func NewStream() *Stream { return &Stream{c: checker{sums: map[FileKey]*int64{}}} }

// Write checks the lines p ends; it keeps nothing of p but the part of a
// line it does not end. It never fails.
func (s *Stream) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			s.pending = append(s.pending, p...)
			break
		}
		line := p[:i]
		if len(s.pending) > 0 {
			s.pending = append(s.pending, line...)
			line = s.pending
		}
		s.n++
		s.c.line(s.n, line, false)
		s.pending = s.pending[:0]
		p = p[i+1:]
	}
	return n, nil
}

// Finish ends the file: the violations and sums of CheckSums.
func (s *Stream) Finish(into map[FileKey]decimal.Decimal) ([]Violation, error) {
	if len(s.pending) > 0 {
		s.n++
		s.c.line(s.n, s.pending, true)
		s.pending = s.pending[:0]
	}
	vs := s.c.finish(s.n)
	s.c.addSums(into)
	return vs, s.c.sumErr
}

type checker struct {
	cat    int // the header's data category: 21 Buchungsstapel, 16 Debitoren/Kreditoren
	seen   map[string]int
	v      []Violation
	ok     bool // the header is usable for the bookings' checks
	vom    time.Time
	bis    time.Time
	length int
	fields []field          // the current line's, reused
	text   []byte           // the current line's text when it is not ASCII
	days   *[100 * 100]int8 // belegdatum's answers by TTMM: 1 within the period, -1 not

	// CheckSums's: Umsatz in cents per key, the rest as decimals, and
	// the line that stopped the adding up
	sums   map[FileKey]*int64
	odd    map[FileKey]decimal.Decimal
	sumErr error
}

// sum adds a booking line's Umsatz as BookingSums does.
func (c *checker) sum(n int, f []field, msg string) {
	if msg != "" || len(f) != Columns {
		c.sumErr = fmt.Errorf("line %d: not a booking (%s)", n, msg)
		return
	}
	k := FileKey{f[ColKonto-1].text, f[ColGegenkonto-1].text, f[ColSollHaben-1].text}
	if v, ok := plainCents(f[ColUmsatz-1].text); ok {
		// by pointer: an assignment to a key there would store the line's
		// strings in the map, and the line's text is not the checker's
		p := c.sums[k]
		if p == nil {
			p = new(int64)
			c.sums[FileKey{strings.Clone(k.Konto), strings.Clone(k.Gegenkonto), strings.Clone(k.SollHaben)}] = p
		}
		*p += v
		return
	}
	amt, err := decimal.NewFromString(strings.Replace(f[ColUmsatz-1].text, ",", ".", 1))
	if err != nil {
		c.sumErr = fmt.Errorf("line %d: Umsatz %q", n, f[ColUmsatz-1].text)
		return
	}
	if c.odd == nil {
		c.odd = map[FileKey]decimal.Decimal{}
	}
	k = FileKey{strings.Clone(k.Konto), strings.Clone(k.Gegenkonto), strings.Clone(k.SollHaben)}
	c.odd[k] = c.odd[k].Add(amt)
}

func (c *checker) add(line, col int, msg string) {
	c.v = append(c.v, Violation{Line: line, Column: col, Msg: msg})
}

// undefined1252 are the bytes Windows-1252 leaves unassigned.
var undefined1252 = [256]bool{0x81: true, 0x8d: true, 0x8f: true, 0x90: true, 0x9d: true}

// decode is the line as text. The text of an ASCII line is raw itself,
// not a copy: the checker keeps nothing of a line's text (it clones what
// it keeps).
func (c *checker) decode(n int, raw []byte) (string, bool) {
	if ascii(raw) {
		return bytesString(raw), true // Windows-1252 is ASCII there, and defines every ASCII byte
	}
	good := true
	for j, b := range raw {
		if undefined1252[b] {
			c.add(n, j+1, fmt.Sprintf("byte 0x%02X is not a Windows-1252 character", b))
			good = false
		}
	}
	if n == 1 && bytes.HasPrefix(raw, []byte{0xef, 0xbb, 0xbf}) {
		c.add(1, 1, "the file starts with a UTF-8 byte order mark: DATEV reads Windows-1252")
		good = false
	}
	if !good {
		return "", false
	}
	// the bytes are defined: each is its character
	buf := c.text[:0]
	for _, b := range raw {
		if b < utf8.RuneSelf {
			buf = append(buf, b)
		} else {
			buf = utf8.AppendRune(buf, upper1252[b-utf8.RuneSelf])
		}
	}
	c.text = buf
	return bytesString(buf), true // the line's until the next
}

// upper1252 are the characters of the bytes 0x80 to 0xFF in Windows-1252.
var upper1252 = func() (t [128]rune) {
	for i := range t {
		t[i] = charmap.Windows1252.DecodeByte(byte(utf8.RuneSelf + i))
	}
	return t
}()

// ascii reports whether b has no byte ≥ 0x80, eight bytes at a time.
func ascii(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// allDigits: s has no byte but 0-9 (as strings.Trim(s, "0123456789") == "").
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// hasControl: s holds a character below 0x20 or 0x7f (in UTF-8 these are
// the bytes themselves).
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// splitLine splits at ';' outside quotes; inside quotes "" is a quote.
func splitLine(s string) ([]field, string) { return splitLineInto(nil, s) }

var emptyFields [Columns]field

// splitLineInto is splitLine appending to out[:0]; a field's text is a
// part of s unless it held a doubled quote.
func splitLineInto(out []field, s string) ([]field, string) {
	out = out[:0]
	for {
		if s != "" && s[0] == ';' {
			// a run of empty fields, each ended by its ';': most of a booking's
			k := 1
			for k < len(s) && k < len(emptyFields) && s[k] == ';' {
				k++
			}
			out = append(out, emptyFields[:k]...)
			s = s[k:]
			continue
		}
		var f field
		if s != "" && s[0] == '"' {
			f.quoted = true
			var b strings.Builder
			i := 1
			for {
				j := strings.IndexByte(s[i:], '"')
				if j < 0 {
					return nil, "a quoted field is not closed"
				}
				if b.Len() == 0 && (i+j+1 >= len(s) || s[i+j+1] != '"') {
					f.text = s[i : i+j] // no doubled quote: the text as it is
					i += j + 1
					break
				}
				b.WriteString(s[i : i+j])
				i += j + 1
				if i < len(s) && s[i] == '"' {
					b.WriteByte('"')
					i++
					continue
				}
				f.text = b.String()
				break
			}
			s = s[i:]
			if s != "" && s[0] != ';' {
				return nil, fmt.Sprintf("field %d: text after the closing quote", len(out)+1)
			}
		} else {
			// one scan for the ';' and a quote: most fields of a booking
			// are empty or short numbers
			j := 0
			for ; j < len(s) && s[j] != ';'; j++ {
				if s[j] == '"' {
					return nil, fmt.Sprintf("field %d: a quote inside an unquoted field", len(out)+1)
				}
			}
			f.text = s[:j]
			s = s[j:]
		}
		out = append(out, f)
		if s == "" {
			return out, ""
		}
		s = s[1:] // the ';'
	}
}

func parseDate8(s string) (time.Time, bool) {
	if len(s) != 8 {
		return time.Time{}, false
	}
	t, err := time.Parse("20060102", s)
	return t, err == nil
}

func (c *checker) header(f []field) {
	if len(f) != HeaderFields {
		c.add(1, 1, fmt.Sprintf("the header has %d fields, version 700 has %d", len(f), HeaderFields))
		if len(f) < 16 {
			return
		}
	}
	get := func(i int) field {
		if i <= len(f) {
			return f[i-1]
		}
		return field{}
	}
	want := func(i int, v, name string) {
		if get(i).text != v {
			c.add(1, i, fmt.Sprintf("%s is %q, want %q", name, get(i).text, v))
		}
	}
	if t := get(1).text; t != "EXTF" {
		c.add(1, 1, fmt.Sprintf("Kennzeichen is %q, want \"EXTF\" (a file from a program other than DATEV)", t))
	}
	want(2, "700", "Versionsnummer")
	c.cat = 21
	if get(3).text == "16" {
		c.cat = DebitorCategory
		want(4, DebitorFormat, "Formatname")
		want(5, "5", "Formatversion")
	} else {
		want(3, "21", "Formatkategorie (21 = Buchungsstapel, 16 = Debitoren/Kreditoren)")
		want(4, "Buchungsstapel", "Formatname")
		want(5, "13", "Formatversion")
	}
	if t := get(6).text; len(t) != 17 || !allDigits(t) {
		c.add(1, 6, fmt.Sprintf("Erzeugt am %q: want 17 digits YYYYMMDDHHMMSSFFF", t))
	}
	num := func(i int, name string, lo, hi int) (int, bool) {
		t := get(i).text
		v, err := strconv.Atoi(t)
		if err != nil || !allDigits(t) || v < lo || v > hi {
			c.add(1, i, fmt.Sprintf("%s %q is not a number within %d..%d", name, t, lo, hi))
			return 0, false
		}
		return v, true
	}
	num(11, "Beraternummer", 1001, 9999999)
	num(12, "Mandantennummer", 1, 99999)
	length, okLen := num(14, "Sachkontenlänge", 4, 8)
	dates := [3]time.Time{}
	okDates := true
	for k, d := range []struct {
		i    int
		name string
	}{{13, "WJ-Beginn"}, {15, "Datum vom"}, {16, "Datum bis"}} {
		if c.cat == DebitorCategory && d.i != 13 && get(d.i).text == "" {
			continue // master data have no period
		}
		t, ok := parseDate8(get(d.i).text)
		if !ok {
			c.add(1, d.i, fmt.Sprintf("%s %q is not a date YYYYMMDD", d.name, get(d.i).text))
			okDates = false
		}
		dates[k] = t
	}
	if okDates && !dates[1].IsZero() && !dates[2].IsZero() {
		if msg := periodProblem(dates[0], dates[1], dates[2]); msg != "" {
			c.add(1, 15, msg)
		}
	}
	if n := utf8.RuneCountInString(get(17).text); n > MaxBezeichnung {
		c.add(1, 17, fmt.Sprintf("Bezeichnung has %d characters, at most %d", n, MaxBezeichnung))
	}
	if n := utf8.RuneCountInString(get(18).text); n > MaxDiktat {
		c.add(1, 18, fmt.Sprintf("Diktatkürzel has %d characters, at most %d", n, MaxDiktat))
	}
	if t := get(19).text; t != "" && t != "1" && t != "2" {
		c.add(1, 19, fmt.Sprintf("Buchungstyp %q: 1 (Finanzbuchführung) or 2 (Jahresabschluss)", t))
	}
	if t := get(21).text; t != "" && t != "0" && t != "1" {
		c.add(1, 21, fmt.Sprintf("Festschreibung %q: 0 or 1", t))
	}
	if t := get(22).text; t != "" && !isCurrency(t) {
		c.add(1, 22, fmt.Sprintf("WKZ %q is not an ISO currency code", t))
	}
	if t := get(27).text; t != "" && t != "03" && t != "04" {
		c.add(1, 27, fmt.Sprintf("SKR %q: 03 or 04", t))
	}
	for _, i := range []int{1, 4, 17, 18, 22} {
		if g := get(i); g.text != "" && !g.quoted {
			c.add(1, i, "a text field of the header is not quoted")
		}
	}
	if okLen && okDates {
		c.ok, c.length, c.vom, c.bis = true, length, dates[1], dates[2]
	}
}

func (c *checker) booking(n int, f []field) {
	if len(f) != Columns {
		c.add(n, 1, fmt.Sprintf("%d fields, a booking has %d", len(f), Columns))
		return
	}
	get := func(i int) string { return f[i-1].text }
	for i, x := range f {
		col := i + 1
		if x.text == "" {
			continue
		}
		if rowFields[i].numeric && x.quoted {
			c.add(n, col, ColumnNames[i]+" is a number and must not be quoted")
		} else if !rowFields[i].numeric && !x.quoted {
			c.add(n, col, ColumnNames[i]+" is text and must be quoted")
		}
		if hasControl(x.text) {
			c.add(n, col, ColumnNames[i]+" holds a control character")
		}
	}
	if !amountOK(get(ColUmsatz)) {
		c.add(n, ColUmsatz, fmt.Sprintf("Umsatz %q: want a positive amount like 1234,56 (decimal comma, two decimals, no sign)", get(ColUmsatz)))
	}
	if sh := get(ColSollHaben); sh != "S" && sh != "H" {
		c.add(n, ColSollHaben, fmt.Sprintf("Soll/Haben-Kennzeichen %q: S or H", sh))
	}
	if t := get(ColWKZUmsatz); t != "" && !isCurrency(t) {
		c.add(n, ColWKZUmsatz, fmt.Sprintf("WKZ Umsatz %q is not an ISO currency code", t))
	}
	if t := get(ColSkonto); t != "" && !amountOK(t) {
		c.add(n, ColSkonto, fmt.Sprintf("Skonto %q: want an amount like 12,34", t))
	}
	if c.ok {
		for _, a := range []struct {
			col  int
			name string
		}{{ColKonto, "Konto"}, {ColGegenkonto, "Gegenkonto"}} {
			if msg := accountProblem(get(a.col), c.length); msg != "" {
				c.add(n, a.col, a.name+" "+strconv.Quote(get(a.col))+" "+msg)
			}
		}
		c.belegdatum(n, get(ColBelegdatum))
	}
	if bu := get(ColBUSchluessel); len(bu) > 4 || !allDigits(bu) {
		c.add(n, ColBUSchluessel, fmt.Sprintf("BU-Schlüssel %q: up to 4 digits", bu))
	}
	b1 := get(ColBelegfeld1)
	if l := utf8.RuneCountInString(b1); l > MaxBelegfeld1 {
		c.add(n, ColBelegfeld1, fmt.Sprintf("Belegfeld 1 has %d characters, at most %d", l, MaxBelegfeld1))
	}
	if belegfeld1Clean(b1) {
		// every character allowed
	} else if j := strings.IndexFunc(b1, func(r rune) bool { return !belegfeld1OK(r) }); j >= 0 {
		r, _ := utf8.DecodeRuneInString(b1[j:])
		c.add(n, ColBelegfeld1, fmt.Sprintf("Belegfeld 1 holds %q: letters, digits and $ & %% * + - / only", r))
	}
	for _, l := range []struct{ col, max int }{{ColBelegfeld2, MaxBelegfeld2}, {ColBuchungstext, MaxBuchungstxt}} {
		if k := utf8.RuneCountInString(get(l.col)); k > l.max {
			c.add(n, l.col, fmt.Sprintf("%s has %d characters, at most %d", ColumnNames[l.col-1], k, l.max))
		}
	}
}

// amountOK: digits, a decimal comma and exactly two decimals, not zero;
// DATEV's Umsatz has at most 10 digits before the comma.
func amountOK(s string) bool {
	i := strings.IndexByte(s, ',')
	if i < 1 || i > 10 || len(s)-i-1 != 2 {
		return false
	}
	euros, cents := s[:i], s[i+1:]
	return allDigits(euros) && allDigits(cents) && (strings.Trim(euros, "0") != "" || strings.Trim(cents, "0") != "")
}

// belegdatum: TTMM, a real day that falls within Datum vom..bis (of the
// year that puts it there: a period may span a year end).
func (c *checker) belegdatum(n int, s string) {
	if len(s) != 4 || !allDigits(s) {
		c.add(n, ColBelegdatum, fmt.Sprintf("Belegdatum %q: want TTMM", s))
		return
	}
	d, m := int(s[0]-'0')*10+int(s[1]-'0'), int(s[2]-'0')*10+int(s[3]-'0')
	// a file's bookings have a few dozen days: each day's answer is kept
	if c.days == nil {
		c.days = new([100 * 100]int8)
	}
	known := &c.days[d*100+m]
	if *known == 0 {
		*known = -1
		for _, y := range []int{c.vom.Year(), c.bis.Year()} {
			t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
			if t.Day() == d && int(t.Month()) == m && !t.Before(c.vom) && !t.After(c.bis) {
				*known = 1
			}
		}
	}
	if *known > 0 {
		return
	}
	c.add(n, ColBelegdatum, fmt.Sprintf("Belegdatum %s is not a day within the period %s..%s", s, c.vom.Format("02.01.2006"), c.bis.Format("02.01.2006")))
}

// debitor checks one line of a Debitoren/Kreditoren file: the column
// count, a personal account once per file, a name, the Adressatentyp, the
// EU-Land of a VAT id, field lengths, characters and quoting of the
// columns DebitorRow writes.
func (c *checker) debitor(n int, f []field) {
	if len(f) != DebitorFields {
		c.add(n, 1, fmt.Sprintf("%d fields, a debitor or kreditor has %d", len(f), DebitorFields))
		return
	}
	col := func(name string) int {
		for i, x := range DebitorColumnNames {
			if x == name {
				return i + 1
			}
		}
		panic("datev: no debitor column " + name)
	}
	get := func(name string) string { return f[col(name)-1].text }
	for i, x := range f {
		if x.text == "" {
			continue
		}
		name := DebitorColumnNames[i]
		if j := strings.IndexFunc(x.text, func(r rune) bool { return r < 0x20 || r == 0x7f }); j >= 0 {
			c.add(n, i+1, name+" holds a control character")
		}
		k := debitorColumn[i]
		if k < 0 {
			continue
		}
		df := debitorFields[k]
		switch {
		case df.numeric && x.quoted:
			c.add(n, i+1, name+" is a number and must not be quoted")
		case !df.numeric && !x.quoted:
			c.add(n, i+1, name+" is text and must be quoted")
		}
		if df.max > 0 {
			if l := utf8.RuneCountInString(x.text); l > df.max {
				c.add(n, i+1, fmt.Sprintf("%s has %d characters, at most %d", name, l, df.max))
			}
		}
	}
	konto := get("Konto")
	if c.ok {
		if msg := personalAccountProblem(konto, c.length); msg != "" {
			c.add(n, 1, fmt.Sprintf("Konto %q %s", konto, msg))
		}
	}
	if c.seen == nil {
		c.seen = map[string]int{}
	}
	if first, dup := c.seen[konto]; dup && konto != "" {
		c.add(n, 1, fmt.Sprintf("Konto %s is on line %d already", konto, first))
	} else {
		c.seen[strings.Clone(konto)] = n // the line's text is not the checker's
	}
	if get("Name (Adressatentyp Unternehmen)") == "" && get("Name (Adressatentyp natürl. Person)") == "" && get("Name (Adressatentyp keine Angabe)") == "" {
		c.add(n, col("Name (Adressatentyp Unternehmen)"), "no name: DATEV names a personal account by Name (Unternehmen, natürl. Person or keine Angabe)")
	}
	if t := get("Adressatentyp"); t != "" && t != "0" && t != "1" && t != "2" {
		c.add(n, col("Adressatentyp"), fmt.Sprintf("Adressatentyp %q: 0 (keine Angabe), 1 (natürliche Person) or 2 (Unternehmen)", t))
	}
	if id, land := get("EU-USt-IdNr."), get("EU-Land"); id != "" && !IsEU(land) {
		c.add(n, col("EU-Land"), fmt.Sprintf("EU-Land %q: a VAT id needs the EU member state it is from", land))
	}
	if l := get("Land"); l != "" && (len(l) != 2 || strings.ToUpper(l) != l) {
		c.add(n, col("Land"), fmt.Sprintf("Land %q: a two-letter ISO code", l))
	}
}
