package sinks

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/internal/xlsxcell"
	"github.com/wawi-etl/etl/mappings"
)

// Column is one column of a Table.
type Column struct {
	Name string
	// Type decides the number format of numeric and time cells (a time in a
	// Date column is a date cell, in a DateTime column a date-time cell). The
	// cell type itself follows the Go value.
	Type mappings.Type
	// Width in Excel character units; 0 sizes the column from the header and
	// the first rows.
	Width float64
	// NumFmt overrides the Excel number format of the column's numeric and
	// time cells.
	NumFmt string
}

// TableOptions tune a Table. The zero value gives the defaults below, with
// formula neutralisation, autofilter and header freeze off.
type TableOptions struct {
	// DateFormat is the Excel number format of date cells, default dd.mm.yyyy.
	DateFormat string
	// DateTimeFormat is the format of date-time cells, default dd.mm.yyyy hh:mm.
	DateTimeFormat string
	// DecimalFormat is the format of decimal cells, default #,##0.00.
	DecimalFormat string
	// Neutralize prefixes text starting with = + - @ tab or CR with '.
	Neutralize bool
	// AutoFilter puts filter buttons on the header over the data rows.
	AutoFilter bool
	// FreezeHeader keeps the header row visible while scrolling.
	FreezeHeader bool
	// Lenient writes values Excel cannot hold exactly in the nearest faithful
	// form instead of failing the row with a *CellError: numbers beyond 15
	// significant digits and dates outside 1900-9999 become text cells
	// holding the exact value, characters XML cannot carry become U+FFFD,
	// text is cut at 32,767 characters. Reports that must never lose a row
	// set it; the XLSX sink does not, so a record fails visibly instead.
	Lenient bool
	// SampleRows is how many rows are held back to size the columns before
	// the first row is written; 0 means 1000.
	SampleRows int
}

// Default Excel number formats.
const (
	DefaultDateFormat     = "dd.mm.yyyy"
	DefaultDateTimeFormat = "dd.mm.yyyy hh:mm"
	DefaultDecimalFormat  = "#,##0.00"
	// IntFormat shows integers in full: Excel's General switches to
	// scientific notation from 12 digits, which mangles GTINs and order numbers.
	IntFormat = "0"
)

// Excel's limits.
const (
	MaxRows         = excelize.TotalRows      // rows of a sheet, header included
	MaxCellChars    = excelize.TotalCellChars // UTF-16 units of a text cell
	MaxSignificant  = 15                      // significant digits of a number
	maxDisplayWidth = 80
)

var (
	// ErrRowLimit is returned by Append when a row would go past Excel's
	// 1,048,576 rows. Nothing is written for that row.
	ErrRowLimit = fmt.Errorf("the sheet is full: Excel holds at most %d rows, header included", MaxRows)
	// ErrFlushed is returned by calls that need the stream after Flush.
	ErrFlushed = errors.New("the table is already flushed")
)

// CellError is a value that a Table cannot write exactly and will not write
// approximately (see TableOptions.Lenient).
type CellError struct {
	Col    int    // 0-based column index
	Column string // column name
	Reason string
}

func (e *CellError) Error() string { return fmt.Sprintf("column %q: %s", e.Column, e.Reason) }

// Table streams one sheet of typed rows through excelize's StreamWriter:
// a bold header, then the rows, optionally a totals row.
//
// Cell types follow the Go values a mapping produces: string and []string
// (joined with |) are text, int64 an integer with format 0, decimal.Decimal a
// number with the decimal format, bool a boolean, time.Time a date or
// date-time serial with a date format, nil an empty cell. Other values are
// written as text through fmt.Sprint.
//
// Decimals are exact: a decimal.Decimal is handed to excelize as a float64
// only when it has at most 15 significant digits and lies in Excel's range.
// Fifteen-digit decimals survive the trip to float64 and back, and excelize
// writes the shortest text that gives the float64 back, which then is the
// decimal itself (19.99 is written as <v>19.99</v>, never 19.989999...). A
// decimal with more digits (a 20-digit value) cannot be held by Excel, which
// works with 15 significant digits, and excelize would even truncate it
// silently; the Table fails that row with a *CellError instead (or, Lenient,
// writes the exact digits as text). The same holds for integers above
// 999,999,999,999,999.
//
// Comments must be added with AddComment before Flush. excelize writes the
// sheet's <legacyDrawing> link, which Excel needs to show the comments, into
// the streamed XML at Flush; a comment added with File.AddComment after Flush
// lands in the comments part but the sheet never references its drawing, so
// Excel does not show it (excelize's own GetComments still finds it, which
// hides the problem in read-back tests). Comments may name rows that are still
// held back for column sizing.
//
// Format is safe for concurrent use; every other method must be called from
// one goroutine.
type Table struct {
	f      *excelize.File
	sw     *excelize.StreamWriter
	sheet  string
	cols   []Column
	opts   TableOptions
	styles []colStyles
	header int // header cell style
	label  int // totals label style

	date1904 bool
	maxRows  int
	sample   int

	pending []*Row // rows held back while sampling widths
	widths  []float64
	started bool
	flushed bool

	next      int // sheet row of the next Append
	lastData  int // sheet row of the last data row, 1 when there is none
	totalsRow int
	sums      []float64
	rowBuf    []any
}

type colStyles struct {
	num, dec, date, dateTime int // data cells
	totNum, totDec           int // totals row
	decFmt, numFmt           string
	dateFmt, dateTimeFmt     string
}

// cellKind is what a formatted cell holds, for width and totals.
type cellKind uint8

const (
	kEmpty cellKind = iota
	kText
	kInt
	kDec
	kBool
	kDate
	kDateTime
)

// Row is a row formatted by Table.Format, ready for Table.AppendRow.
type Row struct {
	cells []excelize.Cell
	kinds []cellKind
}

// NewTable starts a table on sheet, creating the sheet if it does not exist;
// the untouched default "Sheet1" of a new workbook is renamed instead, so it
// does not linger empty. An existing sheet's content is replaced.
func NewTable(f *excelize.File, sheet string, cols []Column, opts TableOptions) (*Table, error) {
	if err := CheckSheetName(sheet); err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, errors.New("a table needs at least one column")
	}
	if len(cols) > excelize.MaxColumns {
		return nil, fmt.Errorf("%d columns: Excel holds at most %d", len(cols), excelize.MaxColumns)
	}
	if opts.DateFormat == "" {
		opts.DateFormat = DefaultDateFormat
	}
	if opts.DateTimeFormat == "" {
		opts.DateTimeFormat = DefaultDateTimeFormat
	}
	if opts.DecimalFormat == "" {
		opts.DecimalFormat = DefaultDecimalFormat
	}
	for _, df := range []struct{ name, v string }{{"date_format", opts.DateFormat}, {"datetime_format", opts.DateTimeFormat}} {
		if !excelDateFormatOK(df.v) {
			return nil, fmt.Errorf("%s %q is not an Excel date format: it needs d, m, y, h or s, e.g. dd.mm.yyyy", df.name, df.v)
		}
	}
	if opts.SampleRows <= 0 {
		opts.SampleRows = 1000
	}
	if err := useSheet(f, sheet); err != nil {
		return nil, err
	}
	t := &Table{f: f, sheet: sheet, cols: cols, opts: opts, maxRows: MaxRows, sample: opts.SampleRows,
		next: 2, lastData: 1, widths: make([]float64, len(cols)), sums: make([]float64, len(cols)),
		rowBuf: make([]any, len(cols))}
	if p, err := f.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		t.date1904 = *p.Date1904
	}
	if err := t.makeStyles(); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	t.sw = sw
	return t, nil
}

// CheckSheetName reports why Excel would refuse a sheet name.
func CheckSheetName(name string) error {
	bad := func(why string) error { return fmt.Errorf("sheet name %q: %s", name, why) }
	switch {
	case name == "":
		return bad("empty")
	case utf16Len(name) > excelize.MaxSheetNameLength:
		return bad(fmt.Sprintf("longer than %d characters", excelize.MaxSheetNameLength))
	case strings.ContainsAny(name, `:\/?*[]`):
		return bad(`must not contain any of : \ / ? * [ ]`)
	case strings.HasPrefix(name, "'") || strings.HasSuffix(name, "'"):
		return bad("must not start or end with '")
	case strings.EqualFold(name, "History"):
		return bad("History is reserved by Excel")
	}
	for _, r := range name {
		if r < 0x20 || !utf8.ValidRune(r) {
			return bad("contains a control character")
		}
	}
	return nil
}

func useSheet(f *excelize.File, sheet string) error {
	if idx, err := f.GetSheetIndex(sheet); err != nil {
		return err
	} else if idx >= 0 {
		return nil
	}
	if list := f.GetSheetList(); len(list) == 1 && list[0] == "Sheet1" {
		if rows, err := f.GetRows("Sheet1"); err == nil && len(rows) == 0 {
			return f.SetSheetName("Sheet1", sheet)
		}
	}
	_, err := f.NewSheet(sheet)
	return err
}

func (t *Table) makeStyles() error {
	cache := map[string]int{}
	style := func(bold bool, numFmt string) (int, error) {
		key := strconv.FormatBool(bold) + numFmt
		if id, ok := cache[key]; ok {
			return id, nil
		}
		s := &excelize.Style{}
		if bold {
			s.Font = &excelize.Font{Bold: true}
		}
		if numFmt != "" {
			nf := numFmt
			s.CustomNumFmt = &nf
		}
		id, err := t.f.NewStyle(s)
		if err != nil {
			return 0, fmt.Errorf("number format %q: %w", numFmt, err)
		}
		cache[key] = id
		return id, nil
	}
	var err error
	t.header, err = t.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}},
		Border: []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}})
	if err != nil {
		return err
	}
	if t.label, err = style(true, ""); err != nil {
		return err
	}
	t.styles = make([]colStyles, len(t.cols))
	for i, c := range t.cols {
		cs := colStyles{numFmt: IntFormat, decFmt: t.opts.DecimalFormat, dateFmt: t.opts.DateFormat, dateTimeFmt: t.opts.DateTimeFormat}
		if c.NumFmt != "" {
			cs.numFmt, cs.decFmt, cs.dateFmt, cs.dateTimeFmt = c.NumFmt, c.NumFmt, c.NumFmt, c.NumFmt
		}
		for _, s := range []struct {
			id   *int
			bold bool
			fmt  string
		}{{&cs.num, false, cs.numFmt}, {&cs.dec, false, cs.decFmt}, {&cs.date, false, cs.dateFmt},
			{&cs.dateTime, false, cs.dateTimeFmt}, {&cs.totNum, true, cs.numFmt}, {&cs.totDec, true, cs.decFmt}} {
			if *s.id, err = style(s.bold, s.fmt); err != nil {
				return fmt.Errorf("column %q: %w", c.Name, err)
			}
		}
		t.styles[i] = cs
	}
	return nil
}

// Columns returns the table's columns.
func (t *Table) Columns() []Column { return t.cols }

// Append formats and writes one row; values line up with the columns, and a
// shorter slice leaves the remaining cells empty. It returns the row's
// 1-based sheet row number (the first data row is 2).
func (t *Table) Append(values []any) (rowNum int, err error) {
	r, err := t.Format(values)
	if err != nil {
		return 0, err
	}
	return t.AppendRow(r)
}

// Format types one row without touching the workbook, so callers can prepare
// rows in parallel and append them in order. A value that cannot be written
// exactly gives a *CellError.
func (t *Table) Format(values []any) (*Row, error) {
	if len(values) > len(t.cols) {
		return nil, fmt.Errorf("%d values for %d columns", len(values), len(t.cols))
	}
	r := &Row{cells: make([]excelize.Cell, len(t.cols)), kinds: make([]cellKind, len(t.cols))}
	for i, v := range values {
		if err := t.formatCell(i, v, &r.cells[i], &r.kinds[i]); err != nil {
			return nil, err
		}
	}
	return r, nil
}

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
	if t.opts.Neutralize {
		s = xlsxcell.Neutralize(s)
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
	c.Value = v
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

// AppendRow writes a row made by Format. Rows are held back until the
// column widths are known (TableOptions.SampleRows), then streamed.
func (t *Table) AppendRow(r *Row) (rowNum int, err error) {
	if t.flushed {
		return 0, ErrFlushed
	}
	if t.totalsRow != 0 {
		return 0, errors.New("no rows can follow the totals row")
	}
	if t.next > t.maxRows {
		return 0, ErrRowLimit
	}
	rowNum = t.next
	t.next++
	t.lastData = rowNum
	for i, k := range r.kinds {
		switch k {
		case kInt, kDec:
			switch v := r.cells[i].Value.(type) {
			case int64:
				t.sums[i] += float64(v)
			case float64:
				t.sums[i] += v
			}
		}
	}
	if !t.started {
		t.measure(r)
		t.pending = append(t.pending, r)
		if len(t.pending) >= t.sample {
			if err := t.start(); err != nil {
				return 0, err
			}
		}
		return rowNum, nil
	}
	return rowNum, t.write(rowNum, r)
}

func (t *Table) write(rowNum int, r *Row) error {
	for i := range r.cells {
		if r.kinds[i] == kEmpty {
			t.rowBuf[i] = nil
		} else {
			t.rowBuf[i] = &r.cells[i]
		}
	}
	return t.sw.SetRow("A"+strconv.Itoa(rowNum), t.rowBuf)
}

// measure widens the columns for a held-back row.
func (t *Table) measure(r *Row) {
	for i, k := range r.kinds {
		var w float64
		st := &t.styles[i]
		switch k {
		case kEmpty:
			continue
		case kText:
			w = float64(xlsxcell.TextWidth(r.cells[i].Value.(string), maxDisplayWidth))
		case kBool:
			w = 5
		case kDate:
			w = float64(formatWidth(st.dateFmt))
		case kDateTime:
			w = float64(formatWidth(st.dateTimeFmt))
		case kInt:
			w = numberWidth(r.cells[i].Value, st.numFmt)
		case kDec:
			w = numberWidth(r.cells[i].Value, st.decFmt)
		}
		if w > t.widths[i] {
			t.widths[i] = w
		}
	}
}

// start sets widths and panes, which excelize takes only before the first
// row, then writes the header and the held-back rows.
func (t *Table) start() error {
	if t.started {
		return nil
	}
	t.started = true
	for i, c := range t.cols {
		w := c.Width
		if w <= 0 {
			content := max(t.widths[i], float64(xlsxcell.TextWidth(c.Name, maxDisplayWidth))*1.1+2) // bold, filter button
			w = math.Ceil(content*1.1) + 2
			w = min(max(w, 6), maxDisplayWidth)
		}
		if err := t.sw.SetColWidth(i+1, i+1, min(w, excelize.MaxColumnWidth)); err != nil {
			return err
		}
	}
	if t.opts.FreezeHeader {
		if err := t.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
			Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
			return err
		}
	}
	hdr := make([]any, len(t.cols))
	for i, c := range t.cols {
		hdr[i] = excelize.Cell{StyleID: t.header, Value: c.Name}
	}
	if err := t.sw.SetRow("A1", hdr); err != nil {
		return err
	}
	for j, r := range t.pending {
		if err := t.write(2+j, r); err != nil {
			return err
		}
	}
	t.pending = nil
	return nil
}

// CellName returns the reference of a cell: row is the sheet row number as
// Append returns it, col the 0-based column index. CellName(17, 2) is "C17".
func (t *Table) CellName(row, col int) string {
	name, _ := excelize.CoordinatesToCellName(col+1, row)
	return name
}

// Rows is the number of data rows appended so far.
func (t *Table) Rows() int { return t.lastData - 1 }

// AddComment attaches a note to a cell (row as Append returns it, 0-based
// col). It must be called before Flush; see the Table documentation.
func (t *Table) AddComment(row, col int, author, text string) error {
	if t.flushed {
		return fmt.Errorf("comment on %s: %w; excelize would drop the sheet's link to it", t.CellName(row, col), ErrFlushed)
	}
	if col < 0 || col >= len(t.cols) || row < 1 || row > t.maxRows {
		return fmt.Errorf("comment: no cell at row %d, column %d", row, col)
	}
	return t.f.AddComment(t.sheet, excelize.Comment{Cell: t.CellName(row, col), Author: author,
		Paragraph: []excelize.RichTextRun{{Text: text}}})
}

// AppendTotals writes a bold totals row after the data: label in the first
// column and SUM formulas over the data rows in the sumCols (0-based column
// indexes). The cached result is the sum of the written values, so readers
// that do not calculate see it too; Excel recalculates on open. No rows can
// follow it.
func (t *Table) AppendTotals(label string, sumCols []int) error {
	if t.flushed {
		return ErrFlushed
	}
	if t.totalsRow != 0 {
		return errors.New("the table already has a totals row")
	}
	row := make([]any, len(t.cols))
	if label != "" {
		row[0] = excelize.Cell{StyleID: t.label, Value: label}
	}
	for _, c := range sumCols {
		if c < 0 || c >= len(t.cols) {
			return fmt.Errorf("totals: no column %d", c)
		}
		if c == 0 && label != "" {
			return errors.New("totals: the first column holds the label")
		}
		st := &t.styles[c]
		style := st.totDec
		if t.cols[c].Type == mappings.Int {
			style = st.totNum
		}
		cell := excelize.Cell{StyleID: style, Value: round15(t.sums[c])}
		if t.lastData >= 2 {
			col, _ := excelize.ColumnNumberToName(c + 1)
			cell.Formula = fmt.Sprintf("SUM(%s2:%s%d)", col, col, t.lastData)
		} else {
			cell.Value = 0 // no data rows: a formula over row 2 would point at itself
		}
		row[c] = cell
	}
	if err := t.start(); err != nil {
		return err
	}
	if t.next > t.maxRows {
		return ErrRowLimit
	}
	if err := t.sw.SetRow("A"+strconv.Itoa(t.next), row); err != nil {
		return err
	}
	t.totalsRow = t.next
	t.next++
	full := true
	return t.f.SetCalcProps(&excelize.CalcPropsOptions{FullCalcOnLoad: &full})
}

// TotalsRow is the sheet row of the totals, 0 before AppendTotals.
func (t *Table) TotalsRow() int { return t.totalsRow }

// Flush writes the held-back rows, the autofilter and ends the stream. The
// workbook can then be saved (SaveAtomic). Calling it again does nothing.
func (t *Table) Flush() error {
	if t.flushed {
		return nil
	}
	if err := t.start(); err != nil {
		return err
	}
	if t.opts.AutoFilter {
		ref := "A1:" + t.CellName(t.lastData, len(t.cols)-1)
		if err := t.f.AutoFilter(t.sheet, ref, nil); err != nil {
			return err
		}
	}
	if err := t.sw.Flush(); err != nil {
		return err
	}
	t.flushed = true
	return nil
}

// SaveAtomic writes the workbook to a temporary file in path's folder
// (created if missing), syncs it and renames it over path, so readers see
// the old file or the complete new one, never a partial one.
func SaveAtomic(f *excelize.File, path string) error {
	tmp, err := createTemp(path)
	if err != nil {
		return err
	}
	if err := writeWorkbook(f, tmp); err != nil {
		discardTemp(tmp)
		return err
	}
	return commitTemp(tmp)
}

func writeWorkbook(f *excelize.File, tmp *atomicfile.File) error {
	if err := xlsxcell.Write(f, tmp); err != nil { // buffers and streams the zip itself
		return fmt.Errorf("writing %s: %w", filepath.Base(tmp.TempName()), err)
	}
	return nil
}

// xmlUnsafe finds the first character XML 1.0 cannot carry, or invalid UTF-8.
func xmlUnsafe(s string) (bad bool, pos int, r rune) {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b < 0x20 && b != '\t' && b != '\n' && b != '\r' {
				return true, i, rune(b)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			return true, i, r
		}
		i += size
	}
	return false, 0, 0
}

func xmlSanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func cutUTF16(s string, limit int) string {
	n := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > limit {
			return s[:i]
		}
		n += w
	}
	return s
}

// formatWidth estimates how wide a date format displays: roughly its length.
func formatWidth(f string) int {
	n := 0
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case '"', '\\', '[', ']':
		default:
			n++
		}
	}
	return n
}

// numberWidth estimates the display width of a number under a format: the
// integer digits, grouping separators if the format groups, the decimals the
// format shows.
func numberWidth(v any, numFmt string) float64 {
	var a float64
	switch v := v.(type) {
	case int64:
		a = float64(v)
	case float64:
		a = v
	}
	n := 1.0
	if a < 0 {
		n++
		a = -a
	}
	digits := 1.0
	if a >= 1 {
		digits = math.Floor(math.Log10(a)) + 1
	}
	n += digits
	if strings.Contains(numFmt, ",") {
		n += math.Floor((digits - 1) / 3)
	}
	if dot := strings.IndexByte(numFmt, '.'); dot >= 0 {
		dec := 0
		for _, c := range numFmt[dot+1:] {
			if c != '0' && c != '#' && c != '?' {
				break
			}
			dec++
		}
		n += float64(dec) + 1
	}
	return n
}
