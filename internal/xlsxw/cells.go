package xlsxw

import (
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

// Typing of one cell of a Table: what each Go value becomes, and where
// Excel cannot hold it exactly.

func (t *Table) formatCell(i int, v any, c *excelize.Cell, k *cellKind) error {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return t.text(i, v, c, k)
	case []string:
		if v == nil {
			return nil
		}
		return t.text(i, strings.Join(v, ListSeparator), c, k)
	case bool:
		c.Value, *k = v, kBool
		return nil
	case int64:
		return t.integer(i, v, c, k)
	case int:
		return t.integer(i, int64(v), c, k)
	case int32:
		return t.integer(i, int64(v), c, k)
	case int16:
		return t.integer(i, int64(v), c, k)
	case int8:
		return t.integer(i, int64(v), c, k)
	case uint:
		return t.formatCell(i, uint64(v), c, k)
	case uint32:
		return t.integer(i, int64(v), c, k)
	case uint16:
		return t.integer(i, int64(v), c, k)
	case uint8:
		return t.integer(i, int64(v), c, k)
	case uint64:
		if v > math.MaxInt64 {
			return t.inexact(i, strconv.FormatUint(v, 10), "has more than 15 significant digits", c, k)
		}
		return t.integer(i, int64(v), c, k)
	case decimal.Decimal:
		return t.decimal(i, v, c, k)
	case *decimal.Decimal:
		if v == nil {
			return nil
		}
		return t.decimal(i, *v, c, k)
	case float64:
		return t.float(i, v, c, k)
	case float32:
		return t.float(i, float64(v), c, k)
	case Formatted:
		return t.formatted(i, v, c, k)
	case time.Time:
		return t.time(i, v, c, k)
	case *time.Time:
		if v == nil {
			return nil
		}
		return t.time(i, *v, c, k)
	default:
		if isNilPointer(v) {
			return nil
		}
		return t.text(i, fmt.Sprint(v), c, k)
	}
}

func (t *Table) fail(i int, format string, args ...any) error {
	return &CellError{Col: i, Column: t.cols[i].Name, Reason: fmt.Sprintf(format, args...)}
}

// inexact handles a value Excel cannot hold: the row fails, or (Lenient) the
// exact text is written. Number text is not neutralised: "-1234..." is no
// formula.
func (t *Table) inexact(i int, exact, why string, c *excelize.Cell, k *cellKind) error {
	if !t.opts.Lenient {
		return t.fail(i, "%s %s; Excel would not keep it exactly (map it as string to write it as text)", exact, why)
	}
	c.Value, *k = exact, kText
	return nil
}

func (t *Table) text(i int, s string, c *excelize.Cell, k *cellKind) error {
	// a formula-like text gets the quote prefix style, so editing the cell
	// keeps it text; a text cell is never evaluated on opening
	quote := t.opts.Neutralize && xlsxcell.FormulaLike(s)
	wrap := strings.IndexByte(s, '\n') >= 0
	switch {
	case quote && wrap:
		c.StyleID = t.wrapQuote
	case quote:
		c.StyleID = t.quote
	case wrap:
		c.StyleID = t.wrap
	}
	if bad, pos, r := xmlUnsafe(s); bad {
		if !t.opts.Lenient {
			if r == utf8.RuneError {
				return t.fail(i, "invalid UTF-8 at byte %d", pos)
			}
			return t.fail(i, "character U+%04X at byte %d cannot be stored in an XLSX file", r, pos)
		}
		s = xmlSanitize(s)
	}
	if len(s) > MaxCellChars && utf16Len(s) > MaxCellChars {
		if !t.opts.Lenient {
			return t.fail(i, "text of %d characters is longer than Excel's %d per cell", utf16Len(s), MaxCellChars)
		}
		s = cutUTF16(s, MaxCellChars)
	}
	c.Value, *k = s, kText
	return nil
}

const maxExactInt = 999_999_999_999_999

func (t *Table) integer(i int, v int64, c *excelize.Cell, k *cellKind) error {
	if v > maxExactInt || v < -maxExactInt {
		return t.inexact(i, strconv.FormatInt(v, 10), "has more than 15 significant digits", c, k)
	}
	st := &t.styles[i]
	if t.cols[i].Type == mappings.Decimal {
		c.StyleID, *k = st.dec, kDec
	} else {
		c.StyleID, *k = st.num, kInt
	}
	if t.cols[i].General {
		c.StyleID = 0
	}
	c.Value = v
	return nil
}

// formatted writes a number with its own format (Formatted); its style is
// made when the row is written (formattedStyle).
func (t *Table) formatted(i int, v Formatted, c *excelize.Cell, k *cellKind) error {
	d, ok := ParseNumber(strings.TrimSpace(v.Number))
	if !ok {
		return t.text(i, v.Number, c, k)
	}
	f, s, ok := decimalFloat(d)
	if !ok {
		return t.inexact(i, s, "has more than 15 significant digits or is outside Excel's number range", c, k)
	}
	c.Value, *k = f, kFormatted
	return nil
}

// Excel's number range.
const (
	excelMaxNumber = 9.99999999999999e307
	excelMinNumber = 2.2250738585072014e-308 // smallest normal float64
)

func (t *Table) decimal(i int, d decimal.Decimal, c *excelize.Cell, k *cellKind) error {
	f, s, ok := decimalFloat(d)
	if !ok {
		why := "has more than 15 significant digits"
		if xlsxcell.SignificantDigits(s) <= MaxSignificant {
			why = "is outside Excel's number range"
		}
		return t.inexact(i, s, why, c, k)
	}
	st := &t.styles[i]
	if t.cols[i].Type == mappings.Int {
		c.StyleID, *k = st.num, kInt
	} else {
		c.StyleID, *k = st.dec, kDec
	}
	c.Value = f
	return nil
}

// decimalFloat returns the float64 that excelize writes back as exactly d, or
// ok=false when there is none Excel would keep; s is d in plain notation
// when ok is false.
//
// Fast path (Clinger): a coefficient of at most 15 digits is exact as a
// float64, so are the powers of ten up to 1e22, and IEEE division and
// multiplication round correctly: the result is the float64 nearest to d,
// the same strconv.ParseFloat(d.String()) gives, without allocating.
func decimalFloat(d decimal.Decimal) (f float64, s string, ok bool) {
	exp := d.Exponent()
	if d.NumDigits() <= MaxSignificant && exp >= -22 && exp <= 22 {
		f = float64(d.CoefficientInt64())
		if exp < 0 {
			f /= pow10f[-exp]
		} else {
			f *= pow10f[exp]
		}
		return f, "", true
	}
	return decimalFloatSlow(d)
}

var pow10f = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

func decimalFloatSlow(d decimal.Decimal) (f float64, s string, ok bool) {
	s = d.String()
	if d.IsZero() {
		return 0, s, true
	}
	if xlsxcell.SignificantDigits(s) > MaxSignificant {
		return 0, s, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, s, false
	}
	if a := math.Abs(f); a < excelMinNumber || a > excelMaxNumber {
		return 0, s, false
	}
	return f, s, true
}

// float writes a float64 rounded to Excel's 15 significant digits; it is
// approximate already, and rounding (excelize would truncate) keeps
// 0.1+0.2 showing as 0.3.
func (t *Table) float(i int, v float64, c *excelize.Cell, k *cellKind) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return t.inexact(i, strconv.FormatFloat(v, 'g', -1, 64), "is not a number", c, k)
	}
	if a := math.Abs(v); a != 0 && (a < excelMinNumber || a > excelMaxNumber) {
		return t.inexact(i, strconv.FormatFloat(v, 'g', -1, 64), "is outside Excel's number range", c, k)
	}
	v = round15(v)
	st := &t.styles[i]
	if t.cols[i].Type == mappings.Int {
		c.StyleID, *k = st.num, kInt
	} else {
		c.StyleID, *k = st.dec, kDec
	}
	c.Value = v
	return nil
}

func round15(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', MaxSignificant, 64), 64)
	return r
}

const (
	unixEpoch1900 = 25569   // serial of 1970-01-01 in the 1900 date system
	unixEpoch1904 = 24107   // days from 1904-01-01 to 1970-01-01
	maxSerial1900 = 2958465 // 9999-12-31
)

// time writes a date or date-time serial. The wall clock of the value's own
// location is what gets written, as Excel has no time zones.
func (t *Table) time(i int, v time.Time, c *excelize.Cell, k *cellKind) error {
	y, m, d := v.Date()
	serial, ok := t.serial(y, m, d)
	if !ok {
		return t.inexact(i, v.Format(time.RFC3339Nano), "is outside Excel's dates (1900-01-01 to 9999-12-31)", c, k)
	}
	st := &t.styles[i]
	hh, mm, ss := v.Clock()
	ns := v.Nanosecond()
	isDate := t.cols[i].Type == mappings.Date ||
		(t.cols[i].Type != mappings.DateTime && hh == 0 && mm == 0 && ss == 0 && ns == 0)
	if isDate {
		c.Value, c.StyleID, *k = serial, st.date, kDate
		return nil
	}
	secs := float64(hh*3600+mm*60+ss) + float64(ns)/1e9
	c.Value, c.StyleID, *k = round15(float64(serial)+secs/86400), st.dateTime, kDateTime
	return nil
}

// serial is Excel's day number of a calendar date.
func (t *Table) serial(y int, m time.Month, d int) (int64, bool) {
	if y < 1900 || y > 9999 {
		return 0, false
	}
	days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
	if t.date1904 {
		s := days + unixEpoch1904
		return s, s >= 0
	}
	s := days + unixEpoch1900
	if s <= 60 {
		// Excel counts a 29 February 1900 that never was; dates before it
		// are one lower than the day count suggests.
		s--
	}
	return s, s >= 1 && s <= maxSerial1900
}
