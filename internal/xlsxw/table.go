package xlsxw

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

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
	// General writes integers without a number format (Excel's General),
	// e.g. row numbers in the error workbook.
	General bool
}

// TableOptions tune a Table. The zero value gives the defaults below, with
// formula neutralisation, autofilter and header freeze off.
type TableOptions struct {
	// DateFormat is the Excel number format of date cells, default dd.mm.yyyy.
	DateFormat string
	// DateTimeFormat is the format of date-time cells, default dd.mm.yyyy hh:mm.
	DateTimeFormat string
	// DecimalFormat is the format of decimal cells. Empty gives each
	// decimal column one format with as many decimals as its values have
	// (the most among the rows sampled for widths): prices 21.50 / 129.00,
	// quantities 1, weights 9.857.
	DecimalFormat string
	// Neutralize keeps text starting with = + - @ tab or CR from becoming a
	// formula when someone edits the cell: such cells get Excel's quote
	// prefix (shown nowhere, the text stays as it is). Such text is never
	// written as a formula in any case.
	Neutralize bool
	// AutoFilter puts filter buttons on the header over the data rows.
	AutoFilter bool
	// TableStyle makes the rows an Excel table of that style (banded rows,
	// filter buttons), e.g. TableStyleLight1, instead of an autofilter.
	TableStyle string
	// HeaderFill is the header's background colour, default E7E6E6.
	HeaderFill string
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
	// Spool writes the data rows and the totals row as finished XML into a
	// temporary file instead of excelize's stream buffer, which holds up to
	// 32 MB of a sheet in memory (16 MB before it spills, doubled while it
	// grows), and costs a fraction of its time a row. The workbook must then
	// be written by Write or Save given the table's Spool, and the table
	// closed (Close) to remove the file.
	Spool bool
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
	MaxDisplayWidth = 80                      // widest column a Table sizes
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
	// text cell styles: wrapped (multi-line), quote-prefixed, both
	wrap, quote, wrapQuote int

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
	sums      []exactSum
	rowBuf    []any
	spool     *Spool // the data rows' file (TableOptions.Spool), else nil

	// styles of Formatted cells by format code, made as rows are written:
	// Format may run concurrently, the workbook's styles must not
	formattedStyles map[string]int
}

type colStyles struct {
	num, dec, date, dateTime int // data cells
	totNum, totDec           int // totals row
	decFmt, numFmt           string
	dateFmt, dateTimeFmt     string
	// auto: the decimals shown are the column's (scale), found in the
	// sampled rows; decByScale and totByScale are the styles made for them.
	auto                   bool
	scale                  int
	decByScale, totByScale map[int]int
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
	kFormatted // a number with a format of its own (Formatted)
)

// Formatted is a number written with a number format of its own, so that
// the cell shows what the number alone does not: zero padding (00000), a
// date (yyyy-mm-dd). Number is its text with a decimal point, Format an
// Excel format code; a Number that is no number is written as text. The
// error workbook writes a spreadsheet's cells so that their shown text
// (record.Record.Shown) reads back, and so does their stored value.
type Formatted struct {
	Number string
	Format string
}

// Row is a row formatted by Table.Format, ready for Table.AppendRow.
type Row struct {
	cells []excelize.Cell
	kinds []cellKind
	// decs are the exact values of decimal cells (kDec), for the scale of
	// the column and exact totals; zero for other cells.
	decs []decimal.Decimal
	// formats are the number formats of kFormatted cells; nil when the row
	// has none
	formats []string
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
		next: 2, lastData: 1, widths: make([]float64, len(cols)), sums: make([]exactSum, len(cols)),
		rowBuf: make([]any, len(cols))}
	if p, err := f.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		t.date1904 = *p.Date1904
	}
	if err := t.makeStyles(); err != nil {
		return nil, err
	}
	if err := PrintSetup(f, sheet, 1); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	t.sw = sw
	if opts.Spool {
		// one part: the row limit is the Table's (maxRows), checked in AppendRow
		t.spool = NewSpool(os.TempDir(), sheet, nil, SpoolOptions{SheetRows: MaxRows})
	}
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
			s.Font = BoldFont()
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
	fill := t.opts.HeaderFill
	if fill == "" {
		fill = "E7E6E6"
	}
	t.header, err = t.f.NewStyle(&excelize.Style{Font: BoldFont(),
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fill}},
		Border:    []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	if err != nil {
		return err
	}
	if t.wrap, t.quote, t.wrapQuote, err = TextStyles(t.f); err != nil {
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
		if cs.decFmt == "" {
			cs.auto, cs.decFmt = true, decimalFormat(0)
			cs.decByScale, cs.totByScale = map[int]int{}, map[int]int{}
			if MoneyName(c.Name) {
				cs.scale = 2 // amounts show cents even when all are whole
			}
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

// Sheet is the name of the table's sheet.
func (t *Table) Sheet() string { return t.sheet }

// MaxRows is the most rows the sheet takes, header included.
func (t *Table) MaxRows() int { return t.maxRows }

// SetMaxRows lowers the row limit, so tests can reach it.
func (t *Table) SetMaxRows(n int) { t.maxRows = n }

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
		switch r.kinds[i] {
		case kDec:
			if r.decs == nil {
				r.decs = make([]decimal.Decimal, len(t.cols))
			}
			r.decs[i] = exactOf(v)
		case kFormatted:
			if r.formats == nil {
				r.formats = make([]string, len(t.cols))
			}
			r.formats[i] = v.(Formatted).Format
		}
	}
	return r, nil
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
		case kInt:
			if v, ok := r.cells[i].Value.(int64); ok {
				t.sums[i].addInt(v)
			}
		case kDec:
			t.sums[i].add(r.decs[i])
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
	if t.spool != nil {
		return t.spoolRow(rowNum, r)
	}
	for i := range r.cells {
		switch r.kinds[i] {
		case kEmpty:
			t.rowBuf[i] = nil
			continue
		case kDec:
			if st := &t.styles[i]; st.auto {
				id, err := t.decStyle(i, max(st.scale, scaleOf(r.decs[i])), false)
				if err != nil {
					return err
				}
				r.cells[i].StyleID = id
			}
		case kFormatted:
			id, err := t.formattedStyle(r.formats[i])
			if err != nil {
				return err
			}
			r.cells[i].StyleID = id
		}
		t.rowBuf[i] = &r.cells[i]
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
			w = float64(xlsxcell.TextWidth(r.cells[i].Value.(string), MaxDisplayWidth))
		case kBool:
			w = 5
		case kDate:
			w = float64(formatWidth(st.dateFmt))
		case kDateTime:
			w = float64(formatWidth(st.dateTimeFmt))
		case kFormatted:
			w = max(float64(formatWidth(r.formats[i])), numberWidth(r.cells[i].Value, ""))
		case kInt:
			w = numberWidth(r.cells[i].Value, st.numFmt)
		case kDec:
			f := st.decFmt
			if st.auto {
				if sc := scaleOf(r.decs[i]); sc <= maxColumnScale {
					st.scale = max(st.scale, sc)
				}
				f = decimalFormat(max(st.scale, scaleOf(r.decs[i])))
			}
			w = numberWidth(r.cells[i].Value, f)
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
			content := max(t.widths[i], float64(xlsxcell.TextWidth(c.Name, MaxDisplayWidth))*1.1+2) // bold, filter button
			w = math.Ceil(content*1.1) + 2
			w = min(max(w, 6), MaxDisplayWidth)
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
		if st.auto {
			var err error
			if style, err = t.decStyle(c, max(st.scale, scaleOf(t.sums[c].value())), true); err != nil {
				return err
			}
		}
		if t.cols[c].Type == mappings.Int {
			style = st.totNum
		}
		// the sum of the exact values, as Excel holds it: 2237568.70, not
		// the float sum's 2237568.69999998
		sum, _, ok := decimalFloat(t.sums[c].value())
		if !ok {
			sum = round15(t.sums[c].value().InexactFloat64())
		}
		cell := excelize.Cell{StyleID: style, Value: sum}
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
	var err error
	if t.spool != nil {
		err = t.spoolCells(t.next, row)
	} else {
		err = t.sw.SetRow("A"+strconv.Itoa(t.next), row)
	}
	if err != nil {
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
// workbook can then be saved (Save or Write). Calling it again does nothing.
func (t *Table) Flush() error {
	if t.flushed {
		return nil
	}
	if err := t.start(); err != nil {
		return err
	}
	ref := "A1:" + t.CellName(t.lastData, len(t.cols)-1)
	switch {
	case t.opts.TableStyle != "" && t.lastData >= 2: // a table needs a data row
		stripes := true
		if err := t.sw.AddTable(&excelize.Table{Range: ref, Name: tableName(t.sheet), StyleName: t.opts.TableStyle, ShowRowStripes: &stripes}); err != nil {
			return err
		}
	case t.opts.AutoFilter:
		if err := t.f.AutoFilter(t.sheet, ref, nil); err != nil {
			return err
		}
	}
	if err := t.sw.Flush(); err != nil {
		return err
	}
	if t.spool != nil {
		if err := t.spool.Flush(); err != nil {
			return err
		}
		t.spool.Sheets(len(t.cols))
	}
	t.flushed = true
	return nil
}

// Spool is the file of the table's rows (TableOptions.Spool), to be given to
// Write or Save; nil for a table streamed through excelize alone.
func (t *Table) Spool() *Spool { return t.spool }

// Close removes the file of a spooled table's rows. It may be called more
// than once, and does nothing for other tables.
func (t *Table) Close() {
	if t.spool != nil {
		t.spool.Close()
	}
}

// decStyle is the style of a decimal cell of column i showing scale
// decimals, made at first use (from one goroutine: AppendRow's).
func (t *Table) decStyle(i, scale int, total bool) (int, error) {
	st := &t.styles[i]
	m := st.decByScale
	if total {
		m = st.totByScale
	}
	scale = min(scale, MaxScale)
	if id, ok := m[scale]; ok {
		return id, nil
	}
	s := &excelize.Style{}
	if total {
		s.Font = BoldFont()
	}
	f := decimalFormat(scale)
	s.CustomNumFmt = &f
	id, err := t.f.NewStyle(s)
	if err != nil {
		return 0, err
	}
	m[scale] = id
	return id, nil
}

// formattedStyle is the style of Formatted cells of format code f.
func (t *Table) formattedStyle(f string) (int, error) {
	if id, ok := t.formattedStyles[f]; ok {
		return id, nil
	}
	id, err := t.f.NewStyle(&excelize.Style{CustomNumFmt: &f})
	if err != nil {
		return 0, fmt.Errorf("number format %q: %w", f, err)
	}
	if t.formattedStyles == nil {
		t.formattedStyles = map[string]int{}
	}
	t.formattedStyles[f] = id
	return id, nil
}

// decimalFormat shows scale decimals with thousands grouped: #,##0.00.
func decimalFormat(scale int) string {
	if scale <= 0 {
		return "#,##0"
	}
	return "#,##0." + strings.Repeat("0", scale)
}

// maxColumnScale bounds the decimals a column shows for all its cells; a
// value with more (0.0000001) shows its own, so no digit is hidden, while
// the rest of the column keeps its format.
const maxColumnScale = 4

// scaleOf is how many decimals d shows: as written (21.50 has 2), but a
// whole number none, whatever its notation (a quantity 5.0 is 5).
func scaleOf(d decimal.Decimal) int {
	if e := d.Exponent(); e < 0 && !d.IsInteger() {
		return int(-e)
	}
	return 0
}

// exactSum adds decimals exactly: in int64 at a common scale while that
// holds, else in arbitrary precision.
type exactSum struct {
	c   int64
	exp int32
	big *decimal.Decimal
}

func (s *exactSum) addInt(v int64) { s.add(decimal.NewFromInt(v)) }

func (s *exactSum) add(d decimal.Decimal) {
	if s.big == nil && d.NumDigits() <= 17 {
		c, e := d.CoefficientInt64(), d.Exponent()
		acc, ae := s.c, s.exp
		if acc == 0 {
			ae = e
		}
		ok := true
		for ; ae > e && ok; ae-- {
			acc, ok = mul10(acc)
		}
		for ; e > ae && ok; e-- {
			c, ok = mul10(c)
		}
		if sum := acc + c; ok && (c >= 0) == (sum >= acc) {
			s.c, s.exp = sum, ae
			return
		}
	}
	v := s.value().Add(d)
	s.big = &v
}

func mul10(c int64) (int64, bool) {
	if c > math.MaxInt64/10 || c < math.MinInt64/10 {
		return 0, false
	}
	return c * 10, true
}

func (s *exactSum) value() decimal.Decimal {
	if s.big != nil {
		return *s.big
	}
	return decimal.New(s.c, s.exp)
}

// tableName makes an Excel table name of a sheet name: letters, digits and
// underscores, not starting with a digit.
func tableName(sheet string) string {
	b := []rune{}
	for _, r := range sheet {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			b = append(b, r)
		} else {
			b = append(b, '_')
		}
	}
	if len(b) == 0 || unicode.IsDigit(b[0]) {
		b = append([]rune{'T'}, b...)
	}
	return string(b)
}
