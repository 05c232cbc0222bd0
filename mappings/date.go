package mappings

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Date formats: a format: setting is either a Go layout (it contains digits:
// 02.01.2006, 2006-01-02T15:04:05Z07:00) used as is, or a pattern of tokens:
//
//	yyyy  4-digit year            yy  2-digit year
//	mm, m month, 1 or 2 digits    dd, d  day, 1 or 2 digits (exactly 2 when
//	      a two-letter token touches another token, as in yyyymmdd)
//	HH, H hour 0–23, 1 or 2 digits
//	MM, M minute — mm/MM mean minutes right after an hour token or right
//	      before a seconds token (HH:mm, HH:MM:SS, mm:ss), else months, so
//	      both dd.mm.yyyy HH:MM:SS and Java-style dd.MM.yyyy HH:mm work
//	SS, S seconds; a fraction (.123) after the seconds is always accepted
//	T     the literal T of ISO 8601
//
// Letters other than these are rejected, so a typo does not become a literal.
// Token letters ignore case (YYYY = yyyy, DD = dd, hh = HH); anything else
// (. - / : space, commas) is literal.
//
// Without a format, date and datetime fields accept
//
//	2024-03-05, 2024-03-05T14:30, 2024-03-05T14:30:15 (also with a space
//	instead of T, fractional seconds, and Z / +01:00 / +0100 / +01 offsets)
//	05.03.2024, 5.3.2024, 05.03.2024 14:30, 05.03.2024 14:30:15
//
// Times without an offset are wall-clock times in Options.Location (UTC when
// nil). A date field keeps the calendar date as written, at midnight UTC.

// dateParser parses one field's dates; compiled once per field.
type dateParser struct {
	layout   string // "" means the default formats
	format   string // the setting as written, for messages
	dateOnly bool
	loc      *time.Location
}

func newDateParser(format string, dateOnly bool, loc *time.Location) (*dateParser, error) {
	if loc == nil {
		loc = time.UTC
	}
	p := &dateParser{format: format, dateOnly: dateOnly, loc: loc}
	if format == "" {
		return p, nil
	}
	layout, err := toLayout(format)
	if err != nil {
		return nil, err
	}
	// A layout that cannot read back a date it wrote lacks a year, a month or
	// a day; catch that here instead of on every record.
	ref := time.Date(2006, time.January, 2, 15, 4, 5, 0, time.UTC)
	back, err := time.Parse(layout, ref.Format(layout))
	if err != nil || back.Year() != 2006 || back.Month() != time.January || back.Day() != 2 {
		return nil, fmt.Errorf("format %q must contain a year, a month and a day", format)
	}
	p.layout = layout
	return p, nil
}

// toLayout turns a format setting into a Go layout.
func toLayout(format string) (string, error) {
	if strings.ContainsAny(format, "0123456789") {
		return format, nil
	}
	type tok struct {
		letter byte // lower-case token letter, 0 for a literal
		n      int
		text   string
	}
	var toks []tok
	for i := 0; i < len(format); {
		c := format[i]
		lc := c | 0x20
		if lc < 'a' || lc > 'z' {
			if c == '_' {
				// Go reads _2 as a space-padded day; avoid the surprise.
				return "", fmt.Errorf("format %q: _ is not supported", format)
			}
			j := i
			for j < len(format) && !isASCIILetter(format[j]) && format[j] != '_' {
				j++
			}
			toks = append(toks, tok{text: format[i:j]})
			i = j
			continue
		}
		j := i
		for j < len(format) && format[j]|0x20 == lc {
			j++
		}
		if format[i:j] == "T" {
			toks = append(toks, tok{text: "T"}) // ISO 8601 literal
		} else {
			toks = append(toks, tok{letter: lc, n: j - i, text: format[i:j]})
		}
		i = j
	}
	var b strings.Builder
	prevTok := func(i int) byte {
		for i--; i >= 0; i-- {
			if toks[i].letter != 0 {
				return toks[i].letter
			}
		}
		return 0
	}
	nextTok := func(i int) byte {
		for i++; i < len(toks); i++ {
			if toks[i].letter != 0 {
				return toks[i].letter
			}
		}
		return 0
	}
	bad := func(t tok) error {
		return fmt.Errorf("format %q: unknown token %q (tokens: yyyy yy mm dd HH MM SS T, or a Go layout like 02.01.2006)", format, t.text)
	}
	// Tokens with a literal on both sides accept 1 or 2 digits (5.3.2024);
	// two-letter tokens touching another token (yyyymmdd) need exactly 2.
	pick := func(i int, t tok, lenient, fixed string) string {
		touching := i > 0 && toks[i-1].letter != 0 || i+1 < len(toks) && toks[i+1].letter != 0
		if touching && t.n == 2 {
			return fixed
		}
		return lenient
	}
	for i, t := range toks {
		switch {
		case t.letter == 0:
			b.WriteString(t.text)
		case t.letter == 'y' && t.n == 4:
			b.WriteString("2006")
		case t.letter == 'y' && t.n == 2:
			b.WriteString("06")
		case t.letter == 'd' && t.n <= 2:
			b.WriteString(pick(i, t, "2", "02"))
		case t.letter == 'h' && t.n <= 2:
			b.WriteString("15")
		case t.letter == 's' && t.n <= 2:
			b.WriteString(pick(i, t, "5", "05"))
		case t.letter == 'm' && t.n <= 2:
			if prevTok(i) == 'h' || nextTok(i) == 's' {
				b.WriteString(pick(i, t, "4", "04"))
			} else {
				b.WriteString(pick(i, t, "1", "01"))
			}
		default:
			return "", bad(t)
		}
	}
	return b.String(), nil
}

func isASCIILetter(c byte) bool { c |= 0x20; return c >= 'a' && c <= 'z' }

// isoLayouts[sepT][seconds][zone] covers the ISO 8601 forms with a time.
var isoLayouts [2][2][4]string

func init() {
	for t, sep := range []string{" ", "T"} {
		for s, clock := range []string{"15:04", "15:04:05"} {
			for z, zone := range []string{"", "Z07:00", "Z0700", "Z07"} {
				isoLayouts[t][s][z] = "2006-01-02" + sep + clock + zone
			}
		}
	}
}

var errNotDate = errors.New("not a date (expected yyyy-mm-dd, dd.mm.yyyy or ISO 8601 date-time; set format: for other layouts)")

// defaultLayout picks the one default layout that fits the shape of s, so
// that parsing costs one time.Parse and failures name the expected form.
func defaultLayout(s string) (string, bool) {
	if len(s) >= 10 && s[4] == '-' && s[7] == '-' {
		if len(s) == 10 {
			return "2006-01-02", true
		}
		t := 0
		switch s[10] {
		case 'T', 't':
			t = 1
		case ' ':
		default:
			return "", false
		}
		rest := s[11:]
		zoneAt := len(rest)
		for i := 4; i < len(rest); i++ {
			if c := rest[i]; c == 'Z' || c == 'z' || c == '+' || c == '-' {
				zoneAt = i
				break
			}
		}
		z := 0
		switch zone := rest[zoneAt:]; {
		case zone == "":
		case zone == "Z" || zone == "z" || strings.Contains(zone, ":"):
			z = 1
		case len(zone) == 5:
			z = 2
		case len(zone) == 3:
			z = 3
		default:
			return "", false
		}
		secs := 0
		if strings.Count(rest[:zoneAt], ":") == 2 {
			secs = 1
		}
		return isoLayouts[t][secs][z], true
	}
	if strings.IndexByte(s, '.') > 0 {
		switch strings.Count(s, ":") {
		case 0:
			return "2.1.2006", true
		case 1:
			return "2.1.2006 15:04", true
		case 2:
			return "2.1.2006 15:04:05", true
		}
	}
	return "", false
}

// parse reads a date text; s is already trimmed and non-empty.
func (p *dateParser) parse(s string) (time.Time, error) {
	layout := p.layout
	// The common date-only forms are read by hand: time.Parse costs several
	// times more, and a file has a date in every row. Anything else, and
	// every error, goes through time.Parse.
	switch layout {
	case "", "2.1.2006", "02.01.2006":
		if y, m, d, ok := fastDMY(s, layout == "02.01.2006"); ok {
			return p.date(y, m, d), nil
		}
	}
	switch layout {
	case "", "2006-01-02", "2006-1-2":
		if y, m, d, ok := fastYMD(s, layout != "2006-1-2"); ok {
			return p.date(y, m, d), nil
		}
	}
	if layout == "" {
		var ok bool
		if layout, ok = defaultLayout(s); !ok {
			return time.Time{}, errNotDate
		}
	}
	t, err := time.ParseInLocation(layout, s, p.loc)
	if err != nil {
		return time.Time{}, p.explain(err)
	}
	return p.finish(t), nil
}

// date builds a valid calendar date at midnight.
func (p *dateParser) date(y int, m time.Month, d int) time.Time {
	loc := p.loc
	if p.dateOnly {
		loc = time.UTC
	}
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// fastDMY reads d.m.yyyy (fixed: dd.mm.yyyy) and checks the date exists.
func fastDMY(s string, fixed bool) (int, time.Month, int, bool) {
	d, rest, ok := leadNum(s, fixed)
	if !ok || rest == "" || rest[0] != '.' {
		return 0, 0, 0, false
	}
	m, rest, ok := leadNum(rest[1:], fixed)
	if !ok || len(rest) != 5 || rest[0] != '.' {
		return 0, 0, 0, false
	}
	y, ok := num4(rest[1:])
	return y, time.Month(m), d, ok && validDate(y, m, d)
}

// fastYMD reads yyyy-mm-dd (lenient: yyyy-m-d) and checks the date exists.
func fastYMD(s string, fixed bool) (int, time.Month, int, bool) {
	if len(s) < 8 || s[4] != '-' {
		return 0, 0, 0, false
	}
	y, ok := num4(s[:4])
	if !ok {
		return 0, 0, 0, false
	}
	m, rest, ok := leadNum(s[5:], fixed)
	if !ok || rest == "" || rest[0] != '-' {
		return 0, 0, 0, false
	}
	d, rest, ok := leadNum(rest[1:], fixed)
	return y, time.Month(m), d, ok && rest == "" && validDate(y, m, d)
}

// leadNum reads 1 or 2 leading digits (exactly 2 when fixed).
func leadNum(s string, fixed bool) (int, string, bool) {
	if s == "" || !isDigit(s[0]) {
		return 0, s, false
	}
	if len(s) > 1 && isDigit(s[1]) {
		return int(s[0]-'0')*10 + int(s[1]-'0'), s[2:], true
	}
	return int(s[0] - '0'), s[1:], !fixed
}

func num4(s string) (int, bool) {
	if len(s) != 4 {
		return 0, false
	}
	n := 0
	for i := 0; i < 4; i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

var daysIn = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > daysIn[m] {
		return false
	}
	leap := y%4 == 0 && (y%100 != 0 || y%400 == 0)
	return m != 2 || d <= 28 || leap
}

// shown reads a date or date and time in the form a spreadsheet source
// gives a date cell's shown text (record.Record.Shown): 2026-03-01,
// 2026-03-01T14:30:00. An expression over a date column returns that text,
// and a date field must read it whatever its format: says about the text
// dates of the file.
func (p *dateParser) shown(s string) (time.Time, bool) {
	var layout string
	switch len(s) {
	case len("2006-01-02"):
		layout = "2006-01-02"
	case len("2006-01-02T15:04:05"):
		layout = "2006-01-02T15:04:05"
	default:
		return time.Time{}, false
	}
	t, err := time.ParseInLocation(layout, s, p.loc)
	if err != nil {
		return time.Time{}, false
	}
	return p.finish(t), true
}

func (p *dateParser) finish(t time.Time) time.Time {
	if p.dateOnly {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return t
}

// explain words a time.Parse failure without Go layout jargon.
func (p *dateParser) explain(err error) error {
	detail := ""
	var pe *time.ParseError
	if errors.As(err, &pe) && pe.Message != "" {
		detail = " (" + strings.TrimPrefix(pe.Message, ": ") + ")"
	}
	if p.format == "" {
		if detail != "" {
			return reasonError("not a valid date" + detail)
		}
		return errNotDate
	}
	return reasonError(fmt.Sprintf("does not match format %q%s", p.format, detail))
}
