package datev

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"
)

// Booking is a booking in typed values: the columns a booking export
// fills. FormatBooking checks and formats it into a Row.
type Booking struct {
	Umsatz         decimal.Decimal // positive; a negative amount flips SollHaben
	SollHaben      string          // "S" or "H"; empty: S (H for a negative amount)
	WKZUmsatz      string          // currency of Umsatz when it is not the header's
	Konto          string
	Gegenkonto     string
	BUSchluessel   string
	Belegdatum     time.Time
	Belegfeld1     string
	Belegfeld2     string
	Skonto         decimal.NullDecimal
	Buchungstext   string
	KOST1          string
	KOST2          string
	EULandUStID    string
	EUSteuersatz   decimal.NullDecimal // the destination country's rate of an OSS sale (column 41)
	Leistungsdatum time.Time           // zero: empty
}

// Note is a change the writer made to a value to fit DATEV's rules (a line
// break replaced, a Belegfeld 1 character dropped, a text shortened); the
// caller reports it.
type Note struct {
	Column   string
	Old, New string
	Reason   string
}

// FormatHeader renders the header line (without CRLF), in UTF-8.
func FormatHeader(h *Header) string {
	wkz := h.WKZ
	if wkz == "" {
		wkz = "EUR"
	}
	skr := ""
	switch h.Chart {
	case SKR03:
		skr = "03"
	case SKR04:
		skr = "04"
	}
	fest := "0"
	if h.Festschreibung {
		fest = "1"
	}
	date := func(t time.Time) string { return t.Format("20060102") }
	f := [HeaderFields]string{
		q("EXTF"), "700", "21", q("Buchungsstapel"), "13",
		h.Created.Format("20060102150405") + fmt.Sprintf("%03d", h.Created.Nanosecond()/1e6), "", q(""), q(h.ExportiertVon), q(""),
		strconv.Itoa(h.Beraternummer), strconv.Itoa(h.Mandantennummer), date(h.WJBeginn), strconv.Itoa(h.Sachkontenlaenge), date(h.DatumVom),
		date(h.DatumBis), q(h.Bezeichnung), q(h.Diktatkuerzel), "1", "0",
		fest, q(wkz), "", q(""), "",
		"", q(skr), "", "", q(""),
		q(""),
	}
	return strings.Join(f[:], ";")
}

// FormatColumnNames renders line 2, the column names.
func FormatColumnNames() string {
	var b strings.Builder
	for i, n := range ColumnNames {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(n) // DATEV's own files leave the names unquoted
	}
	return b.String()
}

func q(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// FormatBooking renders b as one line (without CRLF) for a file with header
// h, in UTF-8. Values that break a rule DATEV's import would refuse (a zero
// amount, an account too long, a date outside the period, a Belegfeld 1
// longer than 36 after cleaning) are an error; values it can fit are
// changed and each change is returned as a Note.
func FormatBooking(h *Header, b *Booking) (string, []Note, error) {
	var r Row
	notes, err := formatRow(h, b, &r)
	if err != nil {
		return "", notes, err
	}
	return r.Line(), notes, nil
}

// AppendBooking appends what Encode(FormatBooking(h, b)) is to dst: the
// export's path, without the UTF-8 line in between. row is scratch space
// the caller may reuse.
func AppendBooking(dst []byte, h *Header, b *Booking, row *Row) ([]byte, []Note, error) {
	*row = Row{}
	notes, err := formatRow(h, b, row)
	if err != nil {
		return dst, notes, err
	}
	out, ok := row.appendEncoded(dst)
	if !ok {
		_, err = Encode(row.Line()) // names the character and its position
		return dst, notes, err
	}
	return out, notes, nil
}

var maxUmsatz = decimal.New(1, 10)

func formatRow(h *Header, b *Booking, row *Row) ([]Note, error) {
	var notes []Note
	r := row
	amt, sh := b.Umsatz, strings.ToUpper(strings.TrimSpace(b.SollHaben))
	switch sh {
	case "":
		sh = "S"
	case "S", "H":
	default:
		return nil, fmt.Errorf("Soll/Haben-Kennzeichen %q: use S or H", b.SollHaben)
	}
	if amt.IsNegative() {
		amt = amt.Neg()
		if sh == "S" {
			sh = "H"
		} else {
			sh = "S"
		}
	}
	u, e, cents := small(amt)
	cents = cents && e == -2 // the export's amounts: the checks below in int64
	if !cents && !amt.Equal(amt.Round(2)) {
		return nil, fmt.Errorf("Umsatz %s has more than two decimals", b.Umsatz)
	}
	if amt.IsZero() {
		return nil, errors.New("Umsatz is 0: DATEV takes no booking without an amount")
	}
	if (cents && u >= 1_000_000_000_000) || (!cents && amt.GreaterThanOrEqual(maxUmsatz)) {
		return nil, fmt.Errorf("Umsatz %s has more than 10 digits before the decimal comma", b.Umsatz)
	}
	r.Umsatz, r.SollHabenKennzeichen = Amount(amt), sh
	if b.WKZUmsatz != "" {
		if !isCurrency(b.WKZUmsatz) {
			return nil, fmt.Errorf("WKZ Umsatz %q is not an ISO currency code", b.WKZUmsatz)
		}
		r.WKZUmsatz = b.WKZUmsatz
	}
	for _, a := range []struct {
		f    *string
		name string
		v    string
	}{{&r.Konto, "Konto", b.Konto}, {&r.Gegenkonto, "Gegenkonto", b.Gegenkonto}} {
		if err := accountProblem(a.v, h.Sachkontenlaenge); err != "" {
			return nil, fmt.Errorf("%s %q: %s", a.name, a.v, err)
		}
		*a.f = a.v
	}
	if bu := strings.TrimSpace(b.BUSchluessel); bu != "" {
		if len(bu) > 4 || strings.Trim(bu, "0123456789") != "" {
			return nil, fmt.Errorf("BU-Schlüssel %q: up to 4 digits", b.BUSchluessel)
		}
		r.BUSchluessel = bu
	}
	d := b.Belegdatum
	if d.IsZero() {
		return nil, errors.New("Belegdatum is missing")
	}
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	if day.Before(dayOf(h.DatumVom)) || day.After(dayOf(h.DatumBis)) {
		return nil, fmt.Errorf("Belegdatum %s is outside the file's period %s..%s", day.Format("2006-01-02"), h.DatumVom.Format("2006-01-02"), h.DatumBis.Format("2006-01-02"))
	}
	r.Belegdatum = day.Format("0201")

	b1, n := cleanBelegfeld1(b.Belegfeld1)
	notes = append(notes, n...)
	if len(b1) > MaxBelegfeld1 {
		// cutting a document number could make it another's
		return notes, fmt.Errorf("Belegfeld 1 %q has %d characters, at most %d", b1, len(b1), MaxBelegfeld1)
	}
	r.Belegfeld1 = b1
	for _, t := range []struct {
		f    *string
		name string
		v    string
		max  int
	}{
		{&r.Belegfeld2, "Belegfeld 2", b.Belegfeld2, MaxBelegfeld2},
		{&r.Buchungstext, "Buchungstext", b.Buchungstext, MaxBuchungstxt},
		{&r.KOST1Kostenstelle, "KOST1 - Kostenstelle", b.KOST1, 36},
		{&r.KOST2Kostenstelle, "KOST2 - Kostenstelle", b.KOST2, 36},
		{&r.EULandUndUStIDBestimmung, "EU-Land u. UStID (Bestimmung)", b.EULandUStID, 15},
	} {
		v, n := cleanText(t.name, t.v, t.max)
		notes = append(notes, n...)
		*t.f = v
	}
	// DATEV refuses a Skonto of 0 (erpnext_datev's notes on the columns):
	// no discount is an empty field
	if b.Skonto.Valid && !b.Skonto.Decimal.IsZero() {
		s := b.Skonto.Decimal.Abs()
		if !s.Equal(s.Round(2)) {
			return notes, fmt.Errorf("Skonto %s has more than two decimals", b.Skonto.Decimal)
		}
		r.Skonto = Amount(s)
	}
	if b.EUSteuersatz.Valid {
		rate := b.EUSteuersatz.Decimal
		if rate.IsNegative() || rate.GreaterThanOrEqual(decimal.NewFromInt(100)) || !rate.Equal(rate.Round(2)) {
			return notes, fmt.Errorf("EU-Steuersatz %s: a rate in percent below 100 with at most two decimals", rate)
		}
		r.EUSteuersatzBestimmung = Amount(rate)
	}
	if !b.Leistungsdatum.IsZero() {
		r.Leistungsdatum = b.Leistungsdatum.Format("02012006")
	}
	return notes, nil
}

func dayOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Amount formats a non-negative amount as DATEV wants it: a decimal comma,
// exactly two decimals, no thousands separator.
func Amount(d decimal.Decimal) string {
	if u, e, ok := small(d); ok && e >= -2 {
		if c, ok := scale(u, e+2); ok && c != math.MinInt64 {
			// cents: what StringFixed(2) writes, without the big.Int
			var buf [25]byte
			b := buf[:0]
			if c < 0 {
				b = append(b, '-')
			}
			return string(appendCents(b, abs64(c)))
		}
	}
	return strings.Replace(d.StringFixed(2), ".", ",", 1)
}

// accountProblem: an account is digits only, at most Sachkontenlänge
// digits for a general ledger account and one more for a personal account
// (Debitor, Kreditor), which does not start with 0.
func accountProblem(a string, length int) string {
	switch {
	case a == "":
		return "is missing"
	case !allDigits(a):
		return "is not a number"
	case len(a) > length+1:
		return fmt.Sprintf("has %d digits; Sachkontenlänge is %d (personal accounts %d)", len(a), length, length+1)
	case len(a) == length+1 && a[0] == '0':
		return fmt.Sprintf("has %d digits and starts with 0: a personal account starts with 1..9", len(a))
	}
	return ""
}

// CleanBelegfeld1 is what FormatBooking makes of a Belegfeld 1, and the
// change as a Note when it made one.
func CleanBelegfeld1(s string) (string, []Note) { return cleanBelegfeld1(s) }

var umlauts = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss")

// cleanBelegfeld1 reduces s to the characters DATEV allows in Belegfeld 1:
// umlauts are spelt out, space, '_', '.' and other characters become '-',
// not doubling a '-' before it. Each change is one note.
func cleanBelegfeld1(s string) (string, []Note) {
	if belegfeld1Clean(s) {
		return s, nil
	}
	v := umlauts.Replace(strings.TrimSpace(s))
	var b strings.Builder
	for _, c := range v {
		if belegfeld1OK(c) {
			b.WriteRune(c)
		} else if !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	out := b.String()
	if out == s {
		return s, nil
	}
	return out, []Note{{Column: "Belegfeld 1", Old: s, New: out, Reason: "Belegfeld 1 takes letters, digits and $ & % * + - / only"}}
}

// belegfeld1Clean: s has allowed characters only, so cleaning keeps it.
func belegfeld1Clean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || !belegfeld1OK(rune(c)) {
			return false
		}
	}
	return true
}

// cleanText replaces line breaks, tabs and other control characters by
// spaces and cuts the text to max characters.
func cleanText(col, s string, max int) (string, []Note) {
	var notes []Note
	v := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	if v != s {
		notes = append(notes, Note{Column: col, Old: s, New: v, Reason: "line breaks and control characters replaced by spaces"})
	}
	if utf8.RuneCountInString(v) > max {
		cut := string([]rune(v)[:max])
		notes = append(notes, Note{Column: col, Old: v, New: cut, Reason: fmt.Sprintf("shortened to %d characters", max)})
		v = cut
	}
	return v, notes
}

// Encode converts a UTF-8 line to Windows-1252. A character the code page
// lacks is an error naming it: '?' in a booking text is a silent change.
func Encode(line string) ([]byte, error) {
	out := make([]byte, 0, len(line))
	for i, r := range line {
		if r < utf8.RuneSelf {
			out = append(out, byte(r))
			continue
		}
		c, ok := charmap.Windows1252.EncodeRune(r)
		if !ok || r == utf8.RuneError {
			return nil, fmt.Errorf("character %q (U+%04X) at position %d is not in Windows-1252", r, r, utf8.RuneCountInString(line[:i])+1)
		}
		out = append(out, c)
	}
	return out, nil
}

// writeBuffer is a Writer's buffer: a full file (99,999 bookings) is some
// 25 MB, and bufio's default of 4 KiB made a write call of every 15 lines.
const writeBuffer = 64 << 10

// Writer writes one Buchungsstapel: the header and column names when made,
// then one line per booking, at most MaxBookings.
type Writer struct {
	w *bufio.Writer
	h Header
	n int
}

// NewWriter checks h and writes the first two lines.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(w, writeBuffer)
	for _, l := range []string{FormatHeader(&h), FormatColumnNames()} {
		enc, err := Encode(l)
		if err != nil {
			return nil, fmt.Errorf("datev header: %w", err)
		}
		bw.Write(enc)
		bw.WriteString("\r\n")
	}
	return &Writer{w: bw, h: h}, nil
}

// Header is the header the file was opened with.
func (w *Writer) Header() *Header { return &w.h }

// Len is the number of bookings written.
func (w *Writer) Len() int { return w.n }

// Write formats and writes one booking; see FormatBooking.
func (w *Writer) Write(b *Booking) ([]Note, error) {
	line, notes, err := FormatBooking(&w.h, b)
	if err != nil {
		return notes, err
	}
	enc, err := Encode(line)
	if err != nil {
		return notes, err
	}
	return notes, w.WriteLine(enc)
}

// WriteLine writes a line made by FormatBooking and Encode.
func (w *Writer) WriteLine(enc []byte) error {
	if w.n >= MaxBookings {
		return fmt.Errorf("a Buchungsstapel holds at most %d bookings", MaxBookings)
	}
	w.n++
	w.w.Write(enc)
	_, err := w.w.WriteString("\r\n")
	return err
}

// Flush writes what is buffered.
func (w *Writer) Flush() error { return w.w.Flush() }
