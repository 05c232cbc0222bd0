package xlsxw

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/xlsxcell"
	"github.com/wawi-etl/etl/mappings"
)

// MaxScale is the most decimals a spooled number's format shows.
const MaxScale = 15

// SpoolStyles are the cell styles of spooled numbers, made once per
// workbook.
type SpoolStyles struct {
	int, pct, date, dateTime int
	dec                      [MaxScale + 1]int
	wrap, quote, wrapQuote   int // text: see TextStyles
}

// NewSpoolStyles adds the styles of spooled cells to f: integers as 0,
// decimals with their own scale (#,##0.00), percentages with a sign, dates
// and date-times in ISO order.
func NewSpoolStyles(f *excelize.File) (*SpoolStyles, error) {
	num := func(format string) (int, error) {
		return f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	}
	s := &SpoolStyles{}
	var err error
	for _, x := range []struct {
		id  *int
		fmt string
	}{{&s.int, "0"}, {&s.pct, `+0.00%;-0.00%;0.00%`}, {&s.date, "yyyy-mm-dd"},
		{&s.dateTime, "yyyy-mm-dd hh:mm:ss"}} {
		if *x.id, err = num(x.fmt); err != nil {
			return nil, err
		}
	}
	if s.wrap, s.quote, s.wrapQuote, err = TextStyles(f); err != nil {
		return nil, err
	}
	for k := range s.dec {
		format := "#,##0"
		if k > 0 {
			format += "." + strings.Repeat("0", k)
		}
		if s.dec[k], err = num(format); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// IntStyle is the style of integers, for cells written outside a Spool.
func (s *SpoolStyles) IntStyle() int { return s.int }

// colRefs caches column letters by 0-based index.
var colRefs = func() []string {
	out := make([]string, 64)
	for i := range out {
		out[i], _ = excelize.ColumnNumberToName(i + 1)
	}
	return out
}()

func colRef(col int) string {
	if col < len(colRefs) {
		return colRefs[col]
	}
	name, _ := excelize.ColumnNumberToName(col + 1)
	return name
}

// cell opens a cell: <c r="B7" s="3" t="...">.
func (s *Spool) cell(col, style int, typ string) {
	s.b = append(s.b, `<c r="`...)
	s.b = append(s.b, colRef(col)...)
	s.b = append(s.b, s.rowNum...)
	s.b = append(s.b, '"')
	if style != 0 {
		s.b = append(s.b, ` s="`...)
		s.b = strconv.AppendInt(s.b, int64(style), 10)
		s.b = append(s.b, '"')
	}
	if typ != "" {
		s.b = append(s.b, ` t="`...)
		s.b = append(s.b, typ...)
		s.b = append(s.b, '"')
	}
	s.b = append(s.b, '>')
}

func (s *Spool) measure(col int, w float64) {
	if s.rows > s.opts.SampleRows {
		return
	}
	for len(s.widths) <= col {
		s.widths = append(s.widths, 0)
	}
	if w > s.widths[col] {
		s.widths[col] = w
	}
}

// Number writes a numeric cell holding the exact text v.
func (s *Spool) Number(col int, v string, style int, width float64) {
	s.cell(col, style, "")
	s.b = append(s.b, `<v>`...)
	s.b = append(s.b, v...)
	s.b = append(s.b, `</v></c>`...)
	s.measure(col, width)
}

// Int writes an integer, as text beyond 15 digits.
func (s *Spool) Int(col int, v int64) {
	if v > maxExactInt || v < -maxExactInt {
		s.Text(col, strconv.FormatInt(v, 10))
		return
	}
	s.cell(col, s.st.int, "")
	s.b = append(s.b, `<v>`...)
	s.b = strconv.AppendInt(s.b, v, 10)
	s.b = append(s.b, `</v></c>`...)
	if s.rows <= s.opts.SampleRows {
		s.measure(col, float64(len(strconv.FormatInt(v, 10))+1))
	}
}

// QuoteStyle is the style of formula-like text, for cells written outside a
// Spool (see TextStyles).
func (s *SpoolStyles) QuoteStyle() int { return s.quote }

// WrapStyle is the style of multi-line text.
func (s *SpoolStyles) WrapStyle() int { return s.wrap }

// Text writes an inline string cell. Text starting with = + - @ tab or CR
// gets the quote prefix style, so that editing the cell keeps it text;
// text with line breaks is wrapped.
func (s *Spool) Text(col int, v string) {
	if v == "" {
		return
	}
	style := 0
	quote, wrap := xlsxcell.FormulaLike(v), strings.IndexByte(v, '\n') >= 0
	switch {
	case quote && wrap:
		style = s.st.wrapQuote
	case quote:
		style = s.st.quote
	case wrap:
		style = s.st.wrap
	}
	s.cell(col, style, "inlineStr")
	s.b = append(s.b, `<is><t`...)
	if needsPreserve(v) {
		s.b = append(s.b, ` xml:space="preserve"`...)
	}
	s.b = append(s.b, '>')
	s.b = AppendXMLText(s.b, v, excelize.TotalCellChars)
	s.b = append(s.b, `</t></is></c>`...)
	if s.rows <= s.opts.SampleRows {
		s.measure(col, float64(xlsxcell.TextWidth(v, s.opts.MaxWidth)))
	}
}

// Percent writes a fraction as a number with the percentage style, with
// no trailing zeros (0.500000 is 0.5).
func (s *Spool) Percent(col int, frac decimal.Decimal) {
	s.cell(col, s.st.pct, "")
	s.b = append(s.b, `<v>`...)
	n := len(s.b)
	s.b = AppendDecimal(s.b, frac)
	if bytes.IndexByte(s.b[n:], '.') >= 0 {
		s.b = bytes.TrimRight(s.b, "0")
		s.b = bytes.TrimSuffix(s.b, []byte("."))
	}
	s.b = append(s.b, `</v></c>`...)
	s.measure(col, 9)
}

// Value writes a value as a typed cell: numbers as numbers when Excel
// holds them exactly, else as their exact digits in a text cell.
func (s *Spool) Value(col int, v any, typ mappings.Type) {
	switch v := v.(type) {
	case nil:
	case string:
		s.Text(col, v)
	case bool:
		s.cell(col, 0, "b")
		if v {
			s.b = append(s.b, `<v>1</v></c>`...)
		} else {
			s.b = append(s.b, `<v>0</v></c>`...)
		}
		s.measure(col, 6)
	case int64:
		s.Int(col, v)
	case decimal.Decimal:
		s.Decimal(col, v, false)
	case json.Number:
		dec, ok := ParseNumber(string(v))
		if !ok {
			s.Text(col, string(v))
			return
		}
		s.Decimal(col, dec, strings.IndexByte(string(v), '.') < 0 && strings.IndexAny(string(v), "eE") < 0)
	case float64:
		s.Float(col, v)
	case time.Time:
		s.Time(col, v, typ)
	default:
		s.Text(col, ValueText(v))
	}
}

// Decimal writes d exactly: a number with as many decimals as it has (or
// none, integral), as text when Excel cannot hold it.
func (s *Spool) Decimal(col int, v decimal.Decimal, integral bool) {
	if !ExcelExact(v) {
		s.Text(col, DecimalText(v))
		return
	}
	style := s.st.int
	if !integral {
		style = s.st.dec[min(max(-v.Exponent(), 0), MaxScale)]
	}
	s.cell(col, style, "")
	s.b = append(s.b, `<v>`...)
	n := len(s.b)
	s.b = AppendDecimal(s.b, v)
	w := float64(len(s.b) - n)
	s.b = append(s.b, `</v></c>`...)
	s.measure(col, w*1.15+1)
}

// Float writes v rounded to Excel's 15 digits.
func (s *Spool) Float(col int, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || (v != 0 && (math.Abs(v) > 9.99999999999999e307 || math.Abs(v) < 2.2250738585072014e-308)) {
		s.Text(col, FloatText(v))
		return
	}
	t := strconv.FormatFloat(v, 'g', 15, 64) // Excel keeps 15 digits
	r, _ := strconv.ParseFloat(t, 64)
	t = strconv.FormatFloat(r, 'f', -1, 64)
	if len(t) > 24 {
		t = strconv.FormatFloat(r, 'E', -1, 64)
	}
	scale := 0
	if dot := strings.IndexByte(t, '.'); dot >= 0 && !strings.ContainsAny(t, "E") {
		scale = len(t) - dot - 1
	}
	s.Number(col, t, s.st.dec[min(scale, MaxScale)], float64(len(t))*1.15+1)
}

const (
	excelEpoch1900 = 25569   // serial of 1970-01-01
	excelMaxSerial = 2958465 // 9999-12-31
)

// Time writes a date (midnight, or a date target) or a date-time serial of
// the value's wall clock; Excel has no time zones.
func (s *Spool) Time(col int, v time.Time, typ mappings.Type) {
	y, m, day := v.Date()
	days := time.Date(y, m, day, 0, 0, 0, 0, time.UTC).Unix() / 86400
	serial := days + excelEpoch1900
	if serial <= 60 {
		serial-- // Excel's 29 February 1900
	}
	if y < 1900 || serial < 1 || serial > excelMaxSerial {
		s.Text(col, TimeText(v))
		return
	}
	hh, mm, ss := v.Clock()
	if typ == mappings.Date || (typ != mappings.DateTime && hh == 0 && mm == 0 && ss == 0 && v.Nanosecond() == 0) {
		s.Number(col, strconv.FormatInt(serial, 10), s.st.date, 11)
		return
	}
	secs := float64(hh*3600+mm*60+ss) + float64(v.Nanosecond())/1e9
	f := float64(serial) + secs/86400
	s.Number(col, strconv.FormatFloat(f, 'f', -1, 64), s.st.dateTime, 20)
}

// ExcelExact reports whether Excel holds d exactly: at most 15
// significant digits, within its number range.
func ExcelExact(d decimal.Decimal) bool {
	if d.IsZero() {
		return true
	}
	if nd := d.NumDigits(); nd > 15 {
		if nd > 18 {
			if xlsxcell.SignificantDigits(d.String()) > 15 {
				return false
			}
		} else {
			c := d.CoefficientInt64()
			for c%10 == 0 {
				c /= 10
				nd--
			}
			if nd > 15 {
				return false
			}
		}
	}
	e := int(d.NumDigits()) + int(d.Exponent()) - 1 // exponent of the leading digit
	return e >= -307 && e <= 307
}

// AppendXMLText appends s escaped for an XML text node, with characters
// XML cannot carry replaced by U+FFFD, Excel's _xHHHH_ escapes protected, and
// cut at limit UTF-16 units.
func AppendXMLText(b []byte, s string, limit int) []byte {
	units := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if units++; units > limit {
				break
			}
			switch {
			case c == '<':
				b = append(b, "&lt;"...)
			case c == '>':
				b = append(b, "&gt;"...)
			case c == '&':
				b = append(b, "&amp;"...)
			case c == '\r':
				b = append(b, "&#13;"...)
			case c == '\t' || c == '\n':
				b = append(b, c)
			case c < 0x20:
				b = append(b, "\uFFFD"...)
			case c == '_' && isXEscape(s[i:]):
				b = append(b, "_x005F_"...)
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		u := 1
		if r >= 0x10000 {
			u = 2
		}
		if units += u; units > limit {
			break
		}
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// isXEscape reports whether s starts with _xHHHH_, which Excel would read
// as an escaped character.
func isXEscape(s string) bool {
	if len(s) < 7 || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// needsPreserve: whitespace at either end or line breaks and tabs
// inside, which readers may drop without xml:space="preserve".
func needsPreserve(s string) bool {
	if s == "" {
		return false
	}
	if c := s[0]; c <= ' ' {
		return true
	}
	if c := s[len(s)-1]; c <= ' ' {
		return true
	}
	return strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\t') >= 0
}

// ValueText is the exact text of a normalised value.
func ValueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case decimal.Decimal:
		return DecimalText(x)
	case json.Number:
		return string(x)
	case float64:
		return FloatText(x)
	case time.Time:
		return TimeText(x)
	case map[string]any, []any:
		if b, err := json.Marshal(x); err == nil {
			return string(b)
		}
	case error:
		return x.Error()
	}
	return fmt.Sprint(v)
}

// DecimalText writes d exactly with its own scale: 19.90 stays 19.90.
func DecimalText(d decimal.Decimal) string {
	if e := d.Exponent(); e < 0 {
		return d.StringFixed(-e)
	}
	return d.String()
}

func FloatText(v float64) string {
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// TimeText is ISO 8601: a date alone at midnight, else date and time
// with the offset.
func TimeText(t time.Time) string {
	hh, mm, ss := t.Clock()
	if hh == 0 && mm == 0 && ss == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	if t.Location() == time.UTC {
		return t.Format("2006-01-02 15:04:05.999999999 UTC")
	}
	return t.Format("2006-01-02 15:04:05.999999999 -07:00")
}

// ParseNumber reads a JSON number: plain ones up to 18 digits without
// big-number arithmetic.
func ParseNumber(s string) (decimal.Decimal, bool) {
	var coef int64
	digits, frac, dot := 0, 0, false
	i := 0
	if len(s) > 0 && s[0] == '-' {
		i = 1
	}
	simple := i < len(s)
	for ; i < len(s) && simple; i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if digits++; digits > 18 {
				simple = false
			}
			coef = coef*10 + int64(c-'0')
			if dot {
				frac++
			}
		case c == '.' && !dot && digits > 0 && i+1 < len(s):
			dot = true
		default:
			simple = false
		}
	}
	if simple {
		if s[0] == '-' {
			coef = -coef
		}
		return decimal.New(coef, int32(-frac)), true
	}
	d, err := decimal.NewFromString(s)
	return d, err == nil
}

// AppendDecimal appends d in plain notation with its own scale (19.90, not
// 19.9 or 1.99E+1).
func AppendDecimal(b []byte, d decimal.Decimal) []byte {
	if d.NumDigits() > 18 {
		return append(b, DecimalText(d)...)
	}
	c, e := d.CoefficientInt64(), int(d.Exponent())
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	var buf [20]byte
	digits := strconv.AppendInt(buf[:0], c, 10)
	switch {
	case e >= 0:
		b = append(b, digits...)
		if c != 0 {
			for ; e > 0; e-- {
				b = append(b, '0')
			}
		}
	case -e >= len(digits):
		b = append(b, '0', '.')
		for k := -e - len(digits); k > 0; k-- {
			b = append(b, '0')
		}
		b = append(b, digits...)
	default:
		p := len(digits) + e
		b = append(b, digits[:p]...)
		b = append(b, '.')
		b = append(b, digits[p:]...)
	}
	return b
}
