package pipeline

import (
	"archive/zip"
	"bufio"
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/xlsxcell"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/record"
)

// The diff report shows, before an import writes anything (or after it did),
// what it changes in the Wawi field by field: diff.xlsx for filtering and
// sorting in Excel, diff.html to read in a browser or an e-mail attachment.
//
// Memory stays flat however large the plan: Add writes each sheet row as
// finished SpreadsheetML into a spool file, and Close builds the workbook with
// excelize (styles, summary, chart, sheet headers, panes, autofilter) and,
// while excelize writes the zip, splices the spooled rows into the sheet parts
// through excelize's ZipWriter hook. excelize's own StreamWriter would cost
// 6-7 µs and 40 allocations per row and keep up to 32 MB per sheet in memory
// until the file is saved; its WriteTo also builds the whole zip in memory.
// The HTML file holds the first rows of each table only, so it stays small
// enough to open.

//go:embed diffreport.html.tmpl
var diffHTMLSource string

var diffHTMLTmpl = template.Must(template.New("diff").Parse(diffHTMLSource))

// Report file names in the report folder.
const (
	DiffWorkbookName = "diff.xlsx"
	DiffHTMLName     = "diff.html"
)

const (
	// diffHTMLRows bounds each HTML table; the rest is in diff.xlsx.
	diffHTMLRows = 5000
	// diffHTMLCells bounds the cells of the HTML creates table, which is as
	// wide as the mapping.
	diffHTMLCells = 150_000
	// diffHTMLText bounds one value shown in the HTML file.
	diffHTMLText = 10_000
	// diffSampleRows are measured for column widths.
	diffSampleRows = 2000
	// diffMaxFields bounds the distinct field names counted.
	diffMaxFields = 1000
	diffMaxWidth  = 60
	// diffMaxScale is the most decimals a number format shows.
	diffMaxScale = 15
)

// diffSheetRows is the data rows of one sheet; a larger table goes on in
// "Changes (2)" and so on. Tests lower it.
var diffSheetRows = excelize.TotalRows - 1

// Sheet names of diff.xlsx.
const (
	diffSummarySheet = "Summary"
	diffChangesSheet = "Changes"
	diffCreatesSheet = "Creates"
	diffErrorsSheet  = "Errors"
)

var (
	diffChangeCols = []string{"Row", "Key", "Field", "Current value", "New value", "Change %", "Outcome"}
	diffCreateCols = []string{"Row", "Key", "Outcome"} // then one column per target
	diffErrorCols  = []string{"Row", "Key", "Field", "Reason"}
)

// errDiffDone is returned by calls after Close or Abort.
var errDiffDone = errors.New("the diff report is already closed")

// DiffReport collects the plan of a run, record by record in input order,
// and writes diff.xlsx and diff.html into a folder on Close. Its methods must
// be called from one goroutine.
type DiffReport struct {
	dir    string
	dryRun bool
	spool  string // temp folder of the row spools
	done   bool
	err    error // first spool write error; sticky

	f  *excelize.File // built at Close; created now for the style IDs
	st diffStyles

	changes, creates, errs *diffTable

	// placeholder names the ids a planning pass gave to what it would
	// create; createPaths are the targets such ids can appear in.
	placeholder func(int64) (string, bool)
	createPaths map[string]bool

	// creates columns, one per mapping target path
	createCols []mappings.Target
	createIdx  map[string]int
	lastTgts   []mappings.Target // targets slice seen last, where its values
	lastMap    []int             // go (index into createCols), and the order
	lastOrder  []int             // to write them in: by column, once each

	counts  [Failed + 1]int64
	fields  map[string]int64
	colRefs []string // column letters by 0-based index

	// the first rows of each table, for diff.html
	hChanges []diffHTMLChange
	hCreates []diffHTMLCreate
	hErrors  []diffHTMLError
	hCells   int
	nChanges int64 // all change rows, also those beyond the HTML cap
	nCreates int64
	nErrors  int64
}

type diffStyles struct {
	header, title, bold, warn, note, int, pct, date, dateTime, dur int
	dec                                                            [diffMaxScale + 1]int
}

// diffTable is one logical table: its rows go to one spool file per sheet,
// a new sheet every diffSheetRows rows.
type diffTable struct {
	name   string
	cols   []string // fixed columns; creates add target paths
	parts  []*diffPart
	cur    *diffPart
	widths []float64
	rows   int64 // all data rows
	b      []byte
	rowNum []byte
	spool  string
}

type diffPart struct {
	file  *os.File
	w     *bufio.Writer
	rows  int
	sheet string
	ref   string // the sheet's used range, set at Close
}

// NewDiffReport starts a report in dir (diff.xlsx and diff.html are written
// on Close).
func NewDiffReport(dir string, dryRun bool) (*DiffReport, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	spool, err := os.MkdirTemp(dir, ".diff-spool-*")
	if err != nil {
		return nil, err
	}
	d := &DiffReport{dir: dir, dryRun: dryRun, spool: spool, f: excelize.NewFile(),
		createIdx: map[string]int{}, fields: map[string]int64{}}
	if err := d.makeStyles(); err != nil {
		d.Abort()
		return nil, err
	}
	d.changes = &diffTable{name: diffChangesSheet, cols: diffChangeCols, spool: spool}
	d.creates = &diffTable{name: diffCreatesSheet, cols: diffCreateCols, spool: spool}
	d.errs = &diffTable{name: diffErrorsSheet, cols: diffErrorCols, spool: spool}
	return d, nil
}

func (d *DiffReport) makeStyles() error {
	f := d.f
	num := func(format string) (int, error) {
		return f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	}
	var err error
	s := &d.st
	if s.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}},
		Border: []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}}); err != nil {
		return err
	}
	if s.title, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}); err != nil {
		return err
	}
	if s.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return err
	}
	if s.warn, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FCE4E4"}}}); err != nil {
		return err
	}
	if s.note, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "1F4E79"},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}); err != nil {
		return err
	}
	for _, x := range []struct {
		id  *int
		fmt string
	}{{&s.int, "0"}, {&s.pct, `+0.00%;-0.00%;0.00%`}, {&s.date, "yyyy-mm-dd"},
		{&s.dateTime, "yyyy-mm-dd hh:mm:ss"}, {&s.dur, "0.0"}} {
		if *x.id, err = num(x.fmt); err != nil {
			return err
		}
	}
	for k := range s.dec {
		format := "#,##0"
		if k > 0 {
			format += "." + strings.Repeat("0", k)
		}
		if s.dec[k], err = num(format); err != nil {
			return err
		}
	}
	return nil
}

// Add records one record's plan and final outcome. plan may be nil (the
// record failed before planning: a mapping error or a malformed row); err is
// the failure reason when outcome is Failed.
//
// Updates go to Changes, one row per changed field; creates to Creates, one
// row per record with the values it is created with; failures to Errors.
// A record whose plan wrote something but whose write failed is listed with
// the outcome failed in Changes or Creates as well as in Errors.
// SetPlaceholders makes the report show what a placeholder id stands for
// (a category the run would create) rather than the id, in the targets
// marked Creates.
func (d *DiffReport) SetPlaceholders(name func(id int64) (string, bool)) { d.placeholder = name }

// planned returns v, or the name of what it would create when v is a
// placeholder id in a target that creates.
func (d *DiffReport) planned(tgts []mappings.Target, path string, v any) any {
	if d.placeholder == nil {
		return v
	}
	if d.createPaths == nil {
		d.createPaths = map[string]bool{}
		for _, t := range tgts {
			if t.Creates {
				d.createPaths[t.Path] = true
			}
		}
	}
	if !d.createPaths[path] {
		return v
	}
	var id int64
	switch x := v.(type) {
	case int64:
		id = x
	case int:
		id = int64(x)
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			return v
		}
		id = n
	default:
		return v
	}
	if name, ok := d.placeholder(id); ok && id < 0 {
		return "(new) " + name
	}
	return v
}

func (d *DiffReport) Add(rec *record.Record, plan *Plan, outcome Outcome, err error) error {
	if d.done {
		return errDiffDone
	}
	if d.err != nil {
		return d.err
	}
	if outcome >= Created && outcome <= Failed {
		d.counts[outcome]++
	}
	row := 0
	if rec != nil {
		row = rec.Row
	}
	key := ""
	if plan != nil {
		key = plan.Key
	}
	if plan != nil && (outcome == plan.Outcome || outcome == Failed) {
		switch plan.Outcome {
		case Updated:
			d.addChanges(row, key, plan, outcome)
		case Created:
			d.addCreate(row, key, plan, outcome)
		}
	}
	if outcome == Failed {
		d.addError(rec, row, key, plan, err)
	}
	return d.err
}

func (d *DiffReport) addChanges(row int, key string, plan *Plan, outcome Outcome) {
	t := d.changes
	oc := outcome.String()
	changes := plan.Changes
	if len(changes) == 0 {
		// the sink did not itemise the update; still show the record
		changes = []Change{{Field: ""}}
	}
	for i := range changes {
		c := &changes[i]
		d.countField(c.Field)
		d.nChanges++
		old, nw := diffNorm(c.Old), diffNorm(c.New)
		if plan.Item != nil {
			nw = d.planned(plan.Item.Targets, c.Field, nw)
		}
		pct, hasPct := diffPercent(old, nw)
		if t.start(d) {
			d.intCell(t, 0, int64(row))
			d.textCell(t, 1, key)
			d.textCell(t, 2, c.Field)
			d.valueCell(t, 3, old, "")
			d.valueCell(t, 4, nw, "")
			if hasPct {
				d.cell(t, 5, d.st.pct, "")
				t.b = append(t.b, `<v>`...)
				n := len(t.b)
				t.b = diffAppendDec(t.b, pct)
				if bytes.IndexByte(t.b[n:], '.') >= 0 { // 0.500000 -> 0.5
					t.b = bytes.TrimRight(t.b, "0")
					t.b = bytes.TrimSuffix(t.b, []byte("."))
				}
				t.b = append(t.b, `</v></c>`...)
				t.measure(5, 9)
			}
			d.textCell(t, 6, oc)
			d.finish(t)
		}
		if len(d.hChanges) < diffHTMLRows {
			h := diffHTMLChange{Row: row, Key: key, Field: c.Field, Old: diffHTMLValue(old), New: diffHTMLValue(nw), Outcome: oc}
			if hasPct {
				h.Pct = diffPctText(pct)
				h.PctSort = pct.String()
				switch pct.Sign() {
				case 1:
					h.PctClass = "up"
				case -1:
					h.PctClass = "down"
				}
			}
			d.hChanges = append(d.hChanges, h)
		}
	}
}

func (d *DiffReport) countField(f string) {
	if _, ok := d.fields[f]; !ok && len(d.fields) >= diffMaxFields {
		f = "(other fields)"
	}
	d.fields[f]++
}

func (d *DiffReport) addCreate(row int, key string, plan *Plan, outcome Outcome) {
	d.nCreates++
	it := plan.Item
	var tgts []mappings.Target
	var vals []any
	if it != nil {
		tgts, vals = it.Targets, it.Values
	}
	idx, order := d.createMap(tgts)
	t := d.creates
	oc := outcome.String()
	if t.start(d) {
		d.intCell(t, 0, int64(row))
		d.textCell(t, 1, key)
		d.textCell(t, 2, oc)
		for _, i := range order {
			if i < len(vals) {
				d.valueCell(t, 3+idx[i], d.planned(tgts, tgts[i].Path, diffNorm(vals[i])), tgts[i].Type)
			}
		}
		d.finish(t)
	}
	n := len(d.createCols)
	if len(d.hCreates) < diffHTMLRows && d.hCells+n <= diffHTMLCells {
		h := diffHTMLCreate{Row: row, Key: key, Outcome: oc, Cells: make([]diffHTMLCell, n)}
		for i := range h.Cells {
			h.Cells[i].Empty = true
		}
		for i, v := range vals {
			if i < len(idx) {
				h.Cells[idx[i]] = diffHTMLValue(d.planned(tgts, tgts[i].Path, diffNorm(v)))
			}
		}
		d.hCreates = append(d.hCreates, h)
		d.hCells += n
	}
}

// createMap returns where each of an item's values goes among the creates
// columns, and the order to write them in: by column, as SpreadsheetML
// requires, and a path that occurs twice only once. Items of a run share
// their targets, so this is one comparison per record; a new target path
// adds a column.
func (d *DiffReport) createMap(tgts []mappings.Target) (idx, order []int) {
	if len(tgts) == len(d.lastTgts) && (len(tgts) == 0 || &tgts[0] == &d.lastTgts[0]) {
		return d.lastMap, d.lastOrder
	}
	idx = make([]int, len(tgts))
	for i, t := range tgts {
		j, ok := d.createIdx[t.Path]
		if !ok {
			j = len(d.createCols)
			d.createIdx[t.Path] = j
			d.createCols = append(d.createCols, t)
		}
		idx[i] = j
	}
	order = make([]int, 0, len(tgts))
	seen := make(map[int]bool, len(tgts))
	for i, j := range idx {
		if !seen[j] {
			seen[j] = true
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return idx[order[a]] < idx[order[b]] })
	d.lastTgts, d.lastMap, d.lastOrder = tgts, idx, order
	return idx, order
}

func (d *DiffReport) addError(rec *record.Record, row int, key string, plan *Plan, err error) {
	d.nErrors++
	if err == nil && plan != nil {
		err = plan.Err
	}
	if err == nil && rec != nil {
		err = rec.Err
	}
	reason := "failed"
	if err != nil {
		reason = err.Error()
	}
	field := diffErrorField(err)
	t := d.errs
	if t.start(d) {
		d.intCell(t, 0, int64(row))
		d.textCell(t, 1, key)
		d.textCell(t, 2, field)
		d.textCell(t, 3, reason)
		d.finish(t)
	}
	if len(d.hErrors) < diffHTMLRows {
		d.hErrors = append(d.hErrors, diffHTMLError{Row: row, Key: key, Field: field, Reason: diffCut(reason)})
	}
}

// diffErrorField names the field a failure concerns, as the error workbook
// does.
func diffErrorField(err error) string {
	if err == nil {
		return ""
	}
	field := ""
	var fe *mappings.FieldError
	var fes fieldErrors
	switch {
	case errors.As(err, &fes) && len(fes) > 0:
		field = fes[0].Target
	case errors.As(err, &fe):
		field = fe.Target
	}
	var ce ColumnError
	if errors.As(err, &ce) {
		if f, _ := ce.ErrorColumn(); f != "" {
			field = f
		}
	}
	return field
}

// --- spooling SpreadsheetML rows ---

// start begins a row; false when it cannot be spooled (a write failed).
func (t *diffTable) start(d *DiffReport) bool {
	if d.err != nil {
		return false
	}
	if t.cur == nil || t.cur.rows >= diffSheetRows {
		if t.cur != nil {
			if err := t.cur.w.Flush(); err != nil {
				d.err = err
				return false
			}
		}
		f, err := os.CreateTemp(t.spool, "rows-*")
		if err != nil {
			d.err = err
			return false
		}
		t.cur = &diffPart{file: f, w: bufio.NewWriterSize(f, 64<<10)}
		t.parts = append(t.parts, t.cur)
	}
	t.cur.rows++
	t.rows++
	t.rowNum = strconv.AppendInt(t.rowNum[:0], int64(t.cur.rows+1), 10)
	t.b = append(t.b[:0], `<row r="`...)
	t.b = append(t.b, t.rowNum...)
	t.b = append(t.b, `">`...)
	return true
}

func (d *DiffReport) finish(t *diffTable) {
	t.b = append(t.b, `</row>`...)
	if _, err := t.cur.w.Write(t.b); err != nil && d.err == nil {
		d.err = err
	}
}

func (d *DiffReport) colRef(col int) string {
	for len(d.colRefs) <= col {
		name, _ := excelize.ColumnNumberToName(len(d.colRefs) + 1)
		d.colRefs = append(d.colRefs, name)
	}
	return d.colRefs[col]
}

// cell opens a cell: <c r="B7" s="3" t="...">.
func (d *DiffReport) cell(t *diffTable, col, style int, typ string) {
	t.b = append(t.b, `<c r="`...)
	t.b = append(t.b, d.colRef(col)...)
	t.b = append(t.b, t.rowNum...)
	t.b = append(t.b, '"')
	if style != 0 {
		t.b = append(t.b, ` s="`...)
		t.b = strconv.AppendInt(t.b, int64(style), 10)
		t.b = append(t.b, '"')
	}
	if typ != "" {
		t.b = append(t.b, ` t="`...)
		t.b = append(t.b, typ...)
		t.b = append(t.b, '"')
	}
	t.b = append(t.b, '>')
}

func (t *diffTable) measure(col int, w float64) {
	if t.rows > diffSampleRows {
		return
	}
	for len(t.widths) <= col {
		t.widths = append(t.widths, 0)
	}
	if w > t.widths[col] {
		t.widths[col] = w
	}
}

// number writes a numeric cell holding the exact text v.
func (d *DiffReport) numCell(t *diffTable, col int, v string, style int, width float64) {
	d.cell(t, col, style, "")
	t.b = append(t.b, `<v>`...)
	t.b = append(t.b, v...)
	t.b = append(t.b, `</v></c>`...)
	t.measure(col, width)
}

func (d *DiffReport) intCell(t *diffTable, col int, v int64) {
	if v > diffMaxExactInt || v < -diffMaxExactInt {
		d.textCell(t, col, strconv.FormatInt(v, 10))
		return
	}
	d.cell(t, col, d.st.int, "")
	t.b = append(t.b, `<v>`...)
	t.b = strconv.AppendInt(t.b, v, 10)
	t.b = append(t.b, `</v></c>`...)
	if t.rows <= diffSampleRows {
		t.measure(col, float64(len(strconv.FormatInt(v, 10))+1))
	}
}

// text writes an inline string cell. Text starting with = + - @ tab or CR
// is prefixed with ' so that no spreadsheet takes it for a formula.
func (d *DiffReport) textCell(t *diffTable, col int, s string) {
	if s == "" {
		return
	}
	d.cell(t, col, 0, "inlineStr")
	t.b = append(t.b, `<is><t`...)
	if diffNeedsPreserve(s) {
		t.b = append(t.b, ` xml:space="preserve"`...)
	}
	t.b = append(t.b, '>')
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		t.b = append(t.b, '\'')
	}
	t.b = diffAppendXMLText(t.b, s, excelize.TotalCellChars-1)
	t.b = append(t.b, `</t></is></c>`...)
	if t.rows <= diffSampleRows {
		t.measure(col, float64(xlsxcell.TextWidth(s, diffMaxWidth)))
	}
}

// value writes a plan value as a typed cell: numbers as numbers when Excel
// holds them exactly, else as their exact digits in a text cell.
func (d *DiffReport) valueCell(t *diffTable, col int, v any, typ mappings.Type) {
	switch v := v.(type) {
	case nil:
	case string:
		d.textCell(t, col, v)
	case bool:
		d.cell(t, col, 0, "b")
		if v {
			t.b = append(t.b, `<v>1</v></c>`...)
		} else {
			t.b = append(t.b, `<v>0</v></c>`...)
		}
		t.measure(col, 6)
	case int64:
		d.intCell(t, col, v)
	case decimal.Decimal:
		d.decCell(t, col, v, false)
	case json.Number:
		dec, ok := diffParseNumber(string(v))
		if !ok {
			d.textCell(t, col, string(v))
			return
		}
		d.decCell(t, col, dec, strings.IndexByte(string(v), '.') < 0 && strings.IndexAny(string(v), "eE") < 0)
	case float64:
		d.floatCell(t, col, v)
	case time.Time:
		d.timeCell(t, col, v, typ)
	default:
		d.textCell(t, col, diffString(v))
	}
}

func (d *DiffReport) decCell(t *diffTable, col int, v decimal.Decimal, integral bool) {
	if !diffExcelExact(v) {
		d.textCell(t, col, diffDecText(v))
		return
	}
	style := d.st.int
	if !integral {
		style = d.st.dec[min(max(-v.Exponent(), 0), diffMaxScale)]
	}
	d.cell(t, col, style, "")
	t.b = append(t.b, `<v>`...)
	n := len(t.b)
	t.b = diffAppendDec(t.b, v)
	w := float64(len(t.b) - n)
	t.b = append(t.b, `</v></c>`...)
	t.measure(col, w*1.15+1)
}

func (d *DiffReport) floatCell(t *diffTable, col int, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || (v != 0 && (math.Abs(v) > 9.99999999999999e307 || math.Abs(v) < 2.2250738585072014e-308)) {
		d.textCell(t, col, diffFloatText(v))
		return
	}
	s := strconv.FormatFloat(v, 'g', 15, 64) // Excel keeps 15 digits
	r, _ := strconv.ParseFloat(s, 64)
	s = strconv.FormatFloat(r, 'f', -1, 64)
	if len(s) > 24 {
		s = strconv.FormatFloat(r, 'E', -1, 64)
	}
	scale := 0
	if dot := strings.IndexByte(s, '.'); dot >= 0 && !strings.ContainsAny(s, "E") {
		scale = len(s) - dot - 1
	}
	d.numCell(t, col, s, d.st.dec[min(scale, diffMaxScale)], float64(len(s))*1.15+1)
}

const (
	diffMaxExactInt = 999_999_999_999_999
	excelEpoch1900  = 25569   // serial of 1970-01-01
	excelMaxSerial  = 2958465 // 9999-12-31
)

// time writes a date (midnight, or a date target) or a date-time serial of
// the value's wall clock; Excel has no time zones.
func (d *DiffReport) timeCell(t *diffTable, col int, v time.Time, typ mappings.Type) {
	y, m, day := v.Date()
	days := time.Date(y, m, day, 0, 0, 0, 0, time.UTC).Unix() / 86400
	serial := days + excelEpoch1900
	if serial <= 60 {
		serial-- // Excel's 29 February 1900
	}
	if y < 1900 || serial < 1 || serial > excelMaxSerial {
		d.textCell(t, col, diffTimeText(v))
		return
	}
	hh, mm, ss := v.Clock()
	if typ == mappings.Date || (typ != mappings.DateTime && hh == 0 && mm == 0 && ss == 0 && v.Nanosecond() == 0) {
		d.numCell(t, col, strconv.FormatInt(serial, 10), d.st.date, 11)
		return
	}
	secs := float64(hh*3600+mm*60+ss) + float64(v.Nanosecond())/1e9
	f := float64(serial) + secs/86400
	d.numCell(t, col, strconv.FormatFloat(f, 'f', -1, 64), d.st.dateTime, 20)
}

// diffExcelExact reports whether Excel holds d exactly: at most 15
// significant digits, within its number range.
func diffExcelExact(d decimal.Decimal) bool {
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

// diffAppendXMLText appends s escaped for an XML text node, with characters
// XML cannot carry replaced by U+FFFD, Excel's _xHHHH_ escapes protected, and
// cut at limit UTF-16 units.
func diffAppendXMLText(b []byte, s string, limit int) []byte {
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
			case c == '_' && diffIsXEscape(s[i:]):
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

// diffIsXEscape reports whether s starts with _xHHHH_, which Excel would read
// as an escaped character.
func diffIsXEscape(s string) bool {
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

// diffNeedsPreserve: whitespace at either end or line breaks and tabs
// inside, which readers may drop without xml:space="preserve".
func diffNeedsPreserve(s string) bool {
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

// --- values ---

// diffNorm reduces a plan value to one of nil, string, bool, int64,
// decimal.Decimal, json.Number, float64, time.Time or something to print.
func diffNorm(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int64, decimal.Decimal, json.Number, float64, time.Time:
		return v
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint32:
		return int64(x)
	case uint16:
		return int64(x)
	case uint8:
		return int64(x)
	case uint:
		return diffNorm(uint64(x))
	case uint64:
		if x > math.MaxInt64 {
			return json.Number(strconv.FormatUint(x, 10))
		}
		return int64(x)
	case float32:
		// the float32's shortest digits, not its float64 widening
		return json.Number(strconv.FormatFloat(float64(x), 'g', -1, 32))
	case []string:
		if x == nil {
			return nil
		}
		return strings.Join(x, "|")
	case fmt.Stringer:
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				return nil
			}
			return diffNorm(rv.Elem().Interface())
		}
		return v
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		return diffNorm(rv.Elem().Interface())
	}
	return v
}

// diffString is the exact text of a normalised value.
func diffString(v any) string {
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
		return diffDecText(x)
	case json.Number:
		return string(x)
	case float64:
		return diffFloatText(x)
	case time.Time:
		return diffTimeText(x)
	case map[string]any, []any:
		if b, err := json.Marshal(x); err == nil {
			return string(b)
		}
	case error:
		return x.Error()
	}
	return fmt.Sprint(v)
}

// diffDecText writes d exactly with its own scale: 19.90 stays 19.90.
func diffDecText(d decimal.Decimal) string {
	if e := d.Exponent(); e < 0 {
		return d.StringFixed(-e)
	}
	return d.String()
}

func diffFloatText(v float64) string {
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// diffTimeText is ISO 8601: a date alone at midnight, else date and time
// with the offset.
func diffTimeText(t time.Time) string {
	hh, mm, ss := t.Clock()
	if hh == 0 && mm == 0 && ss == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	if t.Location() == time.UTC {
		return t.Format("2006-01-02 15:04:05.999999999 UTC")
	}
	return t.Format("2006-01-02 15:04:05.999999999 -07:00")
}

// diffNumber reads the numbers plans carry; text is not a number here, so a
// GTIN going from 0123 to 0124 gets no percentage.
func diffNumber(v any) (decimal.Decimal, bool) {
	switch x := v.(type) {
	case decimal.Decimal:
		return x, true
	case int64:
		return decimal.NewFromInt(x), true
	case json.Number:
		return diffParseNumber(string(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return decimal.Decimal{}, false
		}
		return decimal.NewFromFloat(x), true
	}
	return decimal.Decimal{}, false
}

// diffPercent is the relative change (new-old)/|old| as a fraction, exact to
// six decimals (a percentage to four); none when either side is not a number
// or old is zero.
func diffPercent(old, nw any) (decimal.Decimal, bool) {
	o, ok := diffNumber(old)
	if !ok || o.IsZero() {
		return decimal.Decimal{}, false
	}
	n, ok := diffNumber(nw)
	if !ok {
		return decimal.Decimal{}, false
	}
	if q, ok := diffPercent64(o, n); ok {
		return decimal.New(q, -6), true
	}
	return n.Sub(o).DivRound(o.Abs(), 6), true
}

// diffPercent64 is diffPercent in int64 arithmetic, the common case of
// prices and quantities: (n-o)*10^6/|o| rounded half away from zero, as
// DivRound does; ok is false when a step would overflow.
func diffPercent64(o, n decimal.Decimal) (int64, bool) {
	if o.NumDigits() > 18 || n.NumDigits() > 18 {
		return 0, false
	}
	co, eo := o.CoefficientInt64(), o.Exponent()
	cn, en := n.CoefficientInt64(), n.Exponent()
	e := min(eo, en)
	O, ok1 := diffScale(co, int(eo-e))
	N, ok2 := diffScale(cn, int(en-e))
	if !ok1 || !ok2 || O == 0 {
		return 0, false
	}
	diff := N - O
	if (N >= 0) != (O >= 0) && (diff >= 0) != (N >= 0) {
		return 0, false // overflow
	}
	num, ok := diffScale(diff, 6)
	if !ok {
		return 0, false
	}
	den := O
	if den < 0 {
		den = -den
	}
	q, r := num/den, num%den
	if r < 0 {
		r = -r
	}
	if r >= den-r { // r/den >= 1/2
		if num < 0 {
			q--
		} else {
			q++
		}
	}
	return q, true
}

// diffScale is c*10^k, ok false on overflow.
func diffScale(c int64, k int) (int64, bool) {
	for ; k > 0; k-- {
		if c > math.MaxInt64/10 || c < math.MinInt64/10 {
			return 0, false
		}
		c *= 10
	}
	return c, true
}

// diffParseNumber reads a JSON number: plain ones up to 18 digits without
// big-number arithmetic.
func diffParseNumber(s string) (decimal.Decimal, bool) {
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

// diffAppendDec appends d in plain notation with its own scale (19.90, not
// 19.9 or 1.99E+1).
func diffAppendDec(b []byte, d decimal.Decimal) []byte {
	if d.NumDigits() > 18 {
		return append(b, diffDecText(d)...)
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

// diffPctText shows a fraction as a signed percentage: +7.51 %.
func diffPctText(frac decimal.Decimal) string {
	p := frac.Shift(2)
	s := p.StringFixed(2)
	if p.IsPositive() {
		s = "+" + s
	}
	return s + "\u00a0%"
}

// --- Close ---

// Close writes diff.xlsx and diff.html, each through a temp file renamed
// into place, and returns their paths. trips lists the guardrails that
// stopped the run (nothing was written then); applied says whether writes
// were performed (false for a dry run or a tripped guardrail). sum may be
// nil; its counts, when given, are the run's.
func (d *DiffReport) Close(sum *Summary, trips []GuardrailTrip, applied bool) (xlsxPath, htmlPath string, err error) {
	if d.done {
		return "", "", errDiffDone
	}
	defer d.Abort()
	if d.err != nil {
		d.done = true
		return "", "", d.err
	}
	d.done = true
	for _, t := range []*diffTable{d.changes, d.creates, d.errs} {
		for _, p := range t.parts {
			if err := p.w.Flush(); err != nil {
				return "", "", err
			}
		}
	}
	info := d.info(sum, trips, applied)

	xlsxTmp, err := d.writeWorkbook(info)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", DiffWorkbookName, err)
	}
	defer os.Remove(xlsxTmp)
	htmlTmp, err := d.writeHTML(info)
	if err != nil {
		return "", "", fmt.Errorf("%s: %w", DiffHTMLName, err)
	}
	defer os.Remove(htmlTmp)
	xlsxPath, htmlPath = filepath.Join(d.dir, DiffWorkbookName), filepath.Join(d.dir, DiffHTMLName)
	if err := os.Rename(xlsxTmp, xlsxPath); err != nil {
		return "", "", err
	}
	if err := os.Rename(htmlTmp, htmlPath); err != nil {
		return "", "", err
	}
	return xlsxPath, htmlPath, nil
}

// Abort removes the temporary files without writing anything. It may be
// called after Close, and more than once.
func (d *DiffReport) Abort() {
	d.done = true
	for _, t := range []*diffTable{d.changes, d.creates, d.errs} {
		if t == nil {
			continue
		}
		for _, p := range t.parts {
			p.file.Close()
		}
		t.parts, t.cur = nil, nil
	}
	if d.f != nil {
		d.f.Close()
		d.f = nil
	}
	if d.spool != "" {
		os.RemoveAll(d.spool)
		d.spool = ""
	}
}

// diffInfo is what both files show besides the tables.
type diffInfo struct {
	Job, JobFile, Source, Sink string
	Mode, ModeClass            string
	DryRun, Applied            bool
	Started, Finished          time.Time
	Duration                   float64
	Requests                   int64
	Counts                     [Failed + 1]int64
	Read                       int64
	Trips                      []GuardrailTrip
	Fields                     []diffFieldCount
	Notes                      []string
}

type diffFieldCount struct {
	Field string
	N     int64
}

func (d *DiffReport) info(sum *Summary, trips []GuardrailTrip, applied bool) *diffInfo {
	in := &diffInfo{DryRun: d.dryRun, Applied: applied, Trips: trips, Counts: d.counts}
	if sum != nil {
		in.Job, in.JobFile, in.Source, in.Sink = sum.Job, sum.JobFile, sum.Source, sum.Sink
		in.Started, in.Finished, in.Requests = sum.StartedAt, sum.FinishedAt, sum.Requests
		in.Duration = sum.DurationSeconds
		in.Counts = [Failed + 1]int64{sum.Created, sum.Updated, sum.Unchanged, sum.Skipped, sum.Failed}
		if in.Finished.IsZero() && !in.Started.IsZero() {
			in.Finished = time.Now() // the runner closes the report before it stops the clock
		}
		if in.Duration == 0 && !in.Started.IsZero() {
			in.Duration = in.Finished.Sub(in.Started).Seconds()
		}
		if sum.Interrupted {
			in.Notes = append(in.Notes, "The run was interrupted: records after the last one counted were not read.")
		}
		if sum.Fatal != "" {
			in.Notes = append(in.Notes, "The run stopped early: "+sum.Fatal)
		}
	}
	for _, n := range in.Counts {
		in.Read += n
	}
	switch {
	case len(trips) > 0:
		in.Mode, in.ModeClass = "Stopped by a guardrail: nothing was written to the Wawi. This is what the import would have changed.", "stop"
	case applied:
		in.Mode, in.ModeClass = "Applied: these changes were written to the Wawi.", "applied"
		if in.Counts[Failed] > 0 {
			in.Notes = append(in.Notes, "Rows with the outcome failed were not written; the reason is on the Errors sheet.")
		}
	case d.dryRun:
		in.Mode, in.ModeClass = "Dry run: nothing was written. This is what the import would change.", "dry"
	default:
		in.Mode, in.ModeClass = "Not applied: nothing was written. This is what the import would change.", "dry"
	}
	for f, n := range d.fields {
		in.Fields = append(in.Fields, diffFieldCount{f, n})
	}
	sort.Slice(in.Fields, func(i, j int) bool {
		a, b := in.Fields[i], in.Fields[j]
		if a.N != b.N {
			return a.N > b.N
		}
		return a.Field < b.Field
	})
	for _, t := range []*diffTable{d.changes, d.creates, d.errs} {
		if len(t.parts) > 1 {
			in.Notes = append(in.Notes, fmt.Sprintf("%s has %d rows, more than an Excel sheet holds: it goes on over %d sheets.", t.name, t.rows, len(t.parts)))
		}
	}
	return in
}

var diffOutcomeNames = [...]string{"created", "updated", "unchanged", "skipped", "failed"}

// writeWorkbook builds diff.xlsx in a temp file and returns its path.
func (d *DiffReport) writeWorkbook(in *diffInfo) (string, error) {
	f := d.f
	if err := f.SetSheetName("Sheet1", diffSummarySheet); err != nil {
		return "", err
	}
	if err := d.writeSummary(in); err != nil {
		return "", fmt.Errorf("summary: %w", err)
	}
	// data sheets: header, widths, panes and autofilter by excelize; the rows
	// are spliced in while the zip is written
	parts := map[string]*diffPart{}
	for _, t := range []*diffTable{d.changes, d.creates, d.errs} {
		cols := t.cols
		if t == d.creates {
			cols = append(append([]string{}, cols...), make([]string, len(d.createCols))...)
			for i, c := range d.createCols {
				cols[len(diffCreateCols)+i] = c.Path
			}
		}
		if len(t.parts) == 0 {
			t.parts = []*diffPart{{}}
		}
		for i, p := range t.parts {
			p.sheet = t.name
			if i > 0 {
				p.sheet = fmt.Sprintf("%s (%d)", t.name, i+1)
			}
			p.ref = "A1:" + d.colRef(len(cols)-1) + strconv.Itoa(p.rows+1)
			if err := d.sheetShell(p.sheet, cols, t.widths, p.ref); err != nil {
				return "", fmt.Errorf("sheet %s: %w", p.sheet, err)
			}
		}
	}
	for id, name := range f.GetSheetMap() {
		for _, t := range []*diffTable{d.changes, d.creates, d.errs} {
			for _, p := range t.parts {
				if p.sheet == name {
					parts["xl/worksheets/sheet"+strconv.Itoa(id)+".xml"] = p
				}
			}
		}
	}
	f.SetActiveSheet(0)

	tmp, err := os.CreateTemp(d.dir, "."+DiffWorkbookName+".tmp-*")
	if err != nil {
		return "", err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	z := &diffZip{zw: zip.NewWriter(bw), parts: parts}
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return z })
	if _, err := f.WriteToBuffer(); err != nil { // the buffer stays empty: z writes to tmp
		return "", err
	}
	if z.err != nil {
		return "", z.err
	}
	if z.spliced != len(parts) {
		return "", fmt.Errorf("internal: %d of %d sheets found in the workbook", z.spliced, len(parts))
	}
	if err := bw.Flush(); err != nil {
		return "", err
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	ok = true
	return tmp.Name(), nil
}

// sheetShell makes a data sheet with its header row; ref is the range the
// data rows spliced in later will fill.
func (d *DiffReport) sheetShell(sheet string, cols []string, widths []float64, ref string) error {
	f := d.f
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	hdr := make([]any, len(cols))
	for i, c := range cols {
		hdr[i] = c
	}
	if err := f.SetSheetRow(sheet, "A1", &hdr); err != nil {
		return err
	}
	last := d.colRef(len(cols) - 1)
	if err := f.SetCellStyle(sheet, "A1", last+"1", d.st.header); err != nil {
		return err
	}
	for i, c := range cols {
		w := float64(xlsxcell.TextWidth(c, diffMaxWidth))*1.1 + 4 // bold, filter button
		if i < len(widths) {
			w = max(w, widths[i]*1.1+2)
		}
		w = min(max(math.Ceil(w), 6), diffMaxWidth+4)
		if err := f.SetColWidth(sheet, d.colRef(i), d.colRef(i), w); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	if err := f.AutoFilter(sheet, ref, nil); err != nil {
		return err
	}
	// the header on every printed page
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
		RefersTo: "'" + sheet + "'!$1:$1"}); err != nil {
		return err
	}
	return d.printSetup(sheet) // after AutoFilter, which replaces the sheet properties
}

// printSetup prints a sheet landscape, one page wide.
func (d *DiffReport) printSetup(sheet string) error {
	landscape, wide, tall, fit := "landscape", 1, 0, true
	if err := d.f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &wide, FitToHeight: &tall}); err != nil {
		return err
	}
	return d.f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit})
}

// writeSummary fills the Summary sheet: mode, run facts, guardrails, counts
// with a chart, changed fields, notes.
func (d *DiffReport) writeSummary(in *diffInfo) error {
	f, sh, st := d.f, diffSummarySheet, &d.st
	r := 1
	set := func(col string, v any, style int) error {
		cell := col + strconv.Itoa(r)
		if err := f.SetCellValue(sh, cell, v); err != nil {
			return err
		}
		if style != 0 {
			return f.SetCellStyle(sh, cell, cell, style)
		}
		return nil
	}
	row := func(label string, v any, style int) error {
		if err := set("A", label, st.bold); err != nil {
			return err
		}
		if err := set("B", v, style); err != nil {
			return err
		}
		r++
		return nil
	}
	title := "Import diff report"
	if in.Job != "" {
		title += ": " + in.Job
	}
	if err := set("A", title, st.title); err != nil {
		return err
	}
	r++
	modeStyle := st.note
	if in.ModeClass == "stop" {
		modeStyle = st.warn
	}
	// long lines overflow into the empty cells beside them; merged cells
	// would cut them off
	if err := set("A", in.Mode, modeStyle); err != nil {
		return err
	}
	r += 2
	mode := "dry run"
	switch {
	case len(in.Trips) > 0:
		mode = "stopped by a guardrail"
	case in.Applied:
		mode = "applied"
	case !in.DryRun:
		mode = "not applied"
	}
	type fact struct {
		label string
		v     any
		style int
	}
	facts := []fact{{"Job", in.Job, 0}, {"Job file", in.JobFile, 0}, {"Source", in.Source, 0}, {"Sink", in.Sink, 0}, {"Mode", mode, 0}}
	if !in.Started.IsZero() {
		facts = append(facts, fact{"Started", diffTimeText(in.Started.Truncate(time.Second)), 0},
			fact{"Finished", diffTimeText(in.Finished.Truncate(time.Second)), 0})
	}
	facts = append(facts, fact{"Duration (s)", math.Round(in.Duration*10) / 10, st.dur}, fact{"API requests", in.Requests, st.int}, fact{"Records read", in.Read, st.int})
	for _, x := range facts {
		if s, ok := x.v.(string); ok && s == "" {
			continue
		}
		if err := row(x.label, x.v, x.style); err != nil {
			return err
		}
	}
	r++

	if len(in.Trips) > 0 {
		for _, t := range in.Trips {
			msg := fmt.Sprintf("Nothing was written: guardrail %s (limit %s) tripped: %s", t.Rule, t.Limit, t.Found)
			if err := set("A", msg, st.warn); err != nil {
				return err
			}
			r++
			if len(t.Records) == 0 {
				continue
			}
			for i, h := range []string{"Row", "Key", "Detail"} {
				if err := set(string(rune('A'+i)), h, st.header); err != nil {
					return err
				}
			}
			r++
			for _, rec := range t.Records {
				if err := set("A", int64(rec.Row), st.int); err != nil {
					return err
				}
				if err := set("B", xlsxcell.Neutralize(rec.Key), 0); err != nil {
					return err
				}
				if err := set("C", xlsxcell.Neutralize(rec.Detail), 0); err != nil {
					return err
				}
				r++
			}
			r++
		}
	}

	// counts and chart
	if err := set("A", "Outcome", st.header); err != nil {
		return err
	}
	if err := set("B", "Records", st.header); err != nil {
		return err
	}
	r++
	first := r
	for o, n := range in.Counts {
		if err := set("A", diffOutcomeNames[o], 0); err != nil {
			return err
		}
		if err := set("B", n, st.int); err != nil {
			return err
		}
		r++
	}
	last := r - 1
	if err := set("A", "total", st.bold); err != nil {
		return err
	}
	if err := set("B", in.Read, st.int); err != nil {
		return err
	}
	r += 2
	cats := fmt.Sprintf("%s!$A$%d:$A$%d", sh, first, last)
	vals := fmt.Sprintf("%s!$B$%d:$B$%d", sh, first, last)
	if err := f.AddChart(sh, "E4", &excelize.Chart{
		Type:      excelize.Col,
		Series:    []excelize.ChartSeries{{Name: "Records", Categories: cats, Values: vals, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"4472C4"}}}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Records by outcome"}}},
		Legend:    excelize.ChartLegend{Position: "none"},
		PlotArea:  excelize.ChartPlotArea{ShowVal: true},
		XAxis:     excelize.ChartAxis{Font: excelize.Font{Color: "404040"}},
		YAxis:     excelize.ChartAxis{Font: excelize.Font{Color: "404040"}, MajorGridLines: true},
		Dimension: excelize.ChartDimension{Width: 480, Height: 290},
	}); err != nil {
		return fmt.Errorf("chart: %w", err)
	}

	sheets := []struct {
		label string
		n     int64
	}{{"Field changes (Changes sheet)", d.nChanges}, {"Records to create (Creates sheet)", d.nCreates}, {"Errors (Errors sheet)", d.nErrors}}
	for _, s := range sheets {
		if err := row(s.label, s.n, st.int); err != nil {
			return err
		}
	}
	r++

	if len(in.Fields) > 0 {
		if err := set("A", "Field", st.header); err != nil {
			return err
		}
		if err := set("B", "Changes", st.header); err != nil {
			return err
		}
		r++
		for _, fc := range in.Fields {
			name := fc.Field
			if name == "" {
				name = "(not itemised by the sink)"
			}
			if err := set("A", xlsxcell.Neutralize(name), 0); err != nil {
				return err
			}
			if err := set("B", fc.N, st.int); err != nil {
				return err
			}
			r++
		}
		r++
	}
	for _, n := range in.Notes {
		if err := set("A", xlsxcell.Neutralize(n), st.bold); err != nil {
			return err
		}
		r++
	}
	if err := f.SetColWidth(sh, "A", "A", 34); err != nil {
		return err
	}
	if err := f.SetColWidth(sh, "B", "B", 20); err != nil {
		return err
	}
	if err := f.SetColWidth(sh, "C", "C", 50); err != nil {
		return err
	}
	return d.printSetup(sh)
}

// diffZip is the ZipWriter excelize writes the workbook through: it writes
// straight to the temp file, and fills the data sheets' <sheetData> with the
// spooled rows.
type diffZip struct {
	zw      *zip.Writer
	parts   map[string]*diffPart
	pending *diffPart
	out     io.Writer
	shell   bytes.Buffer
	spliced int
	err     error
}

func (z *diffZip) Create(name string) (io.Writer, error) {
	if err := z.splice(); err != nil {
		return nil, err
	}
	w, err := z.zw.Create(name)
	if err != nil {
		return nil, err
	}
	if p, ok := z.parts[name]; ok {
		z.pending, z.out = p, w
		z.shell.Reset()
		return &z.shell, nil
	}
	return w, nil
}

func (z *diffZip) AddFS(fsys fs.FS) error {
	if err := z.splice(); err != nil {
		return err
	}
	return z.zw.AddFS(fsys)
}

func (z *diffZip) Close() error {
	if err := z.splice(); err != nil {
		return err
	}
	return z.zw.Close()
}

// splice writes the sheet excelize made with the spooled rows after its
// header row.
func (z *diffZip) splice() error {
	p := z.pending
	if p == nil {
		return z.err
	}
	z.pending = nil
	err := func() error {
		shell := z.shell.Bytes()
		end := bytes.Index(shell, []byte("</sheetData>"))
		if end < 0 {
			return fmt.Errorf("internal: no <sheetData> in the %s sheet", p.sheet)
		}
		head := shell[:end]
		// the used range, which readers such as openpyxl take as the size
		if i := bytes.Index(head, []byte(`<dimension ref="`)); i >= 0 {
			i += len(`<dimension ref="`)
			if j := bytes.IndexByte(head[i:], '"'); j >= 0 {
				if _, err := z.out.Write(head[:i]); err != nil {
					return err
				}
				if _, err := io.WriteString(z.out, p.ref); err != nil {
					return err
				}
				head = head[i+j:]
			}
		}
		if _, err := z.out.Write(head); err != nil {
			return err
		}
		if p.file != nil {
			if _, err := p.file.Seek(0, io.SeekStart); err != nil {
				return err
			}
			if _, err := io.Copy(z.out, p.file); err != nil {
				return err
			}
		}
		_, err := z.out.Write(shell[end:])
		return err
	}()
	if err != nil && z.err == nil {
		z.err = err
	}
	z.spliced++
	return z.err
}

// --- HTML ---

type diffHTMLCell struct {
	Text  string
	Sort  string // numeric sort key, "" for text
	Num   bool
	Empty bool
}

type diffHTMLChange struct {
	Row                 int
	Key, Field, Outcome string
	Old, New            diffHTMLCell
	Pct, PctSort        string
	PctClass            string
}

type diffHTMLCreate struct {
	Row          int
	Key, Outcome string
	Cells        []diffHTMLCell
}

type diffHTMLError struct {
	Row                int
	Key, Field, Reason string
}

func diffHTMLValue(v any) diffHTMLCell {
	switch x := v.(type) {
	case nil:
		return diffHTMLCell{Empty: true}
	case int64, decimal.Decimal, json.Number, float64:
		s := diffString(x)
		return diffHTMLCell{Text: s, Sort: s, Num: true}
	}
	return diffHTMLCell{Text: diffCut(diffString(v))}
}

func diffCut(s string) string {
	if len(s) <= diffHTMLText {
		return s
	}
	cut := diffHTMLText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf(" … (%d more characters in diff.xlsx)", utf8.RuneCountInString(s[cut:]))
}

type diffHTMLData struct {
	*diffInfo
	Title                              string
	StartedText, FinishedText          string
	DurationText                       string
	CountRows                          []diffHTMLCount
	Total, RequestsText                string
	Chart                              diffSVG
	FieldNames                         []string
	FieldCounts                        []diffHTMLFieldCount
	Changes                            []diffHTMLChange
	Creates                            []diffHTMLCreate
	CreateCols                         []string
	Errors                             []diffHTMLError
	NChanges, NCreates, NErrors        string
	MoreChanges, MoreCreates, MoreErrs string
	Generated                          string
}

type diffHTMLCount struct {
	Outcome, N string
}

type diffHTMLFieldCount struct {
	Field, N string
}

type diffSVG struct {
	W, H int
	Bars []diffBar
}

type diffBar struct {
	Label, Value, Class string
	Y, W, TextX, TextY  int
}

// writeHTML renders diff.html into a temp file and returns its path.
func (d *DiffReport) writeHTML(in *diffInfo) (string, error) {
	data := &diffHTMLData{diffInfo: in, Changes: d.hChanges, Creates: d.hCreates, Errors: d.hErrors,
		Generated: time.Now().Format("2006-01-02 15:04:05 -07:00")}
	data.Title = "Import diff report"
	if in.Job != "" {
		data.Title += ": " + in.Job
	}
	if !in.Started.IsZero() {
		data.StartedText = diffTimeText(in.Started.Truncate(time.Second))
		data.FinishedText = diffTimeText(in.Finished.Truncate(time.Second))
	}
	data.DurationText = diffDuration(in.Duration)
	data.RequestsText = diffGroup(in.Requests)
	data.Total = diffGroup(in.Read)
	var top int64 = 1
	for _, n := range in.Counts {
		top = max(top, n)
	}
	const barX, barMax, rowH = 90, 300, 30
	data.Chart = diffSVG{W: barX + barMax + 90, H: len(in.Counts)*rowH + 10}
	for o, n := range in.Counts {
		data.CountRows = append(data.CountRows, diffHTMLCount{diffOutcomeNames[o], diffGroup(n)})
		w := int(float64(n) / float64(top) * barMax)
		if n > 0 {
			w = max(w, 2)
		}
		y := 5 + o*rowH
		data.Chart.Bars = append(data.Chart.Bars, diffBar{Label: diffOutcomeNames[o], Value: diffGroup(n),
			Class: "b-" + diffOutcomeNames[o], Y: y, W: w, TextX: barX + w + 6, TextY: y + 15})
	}
	for _, fc := range in.Fields {
		name := fc.Field
		if name == "" {
			name = "(not itemised by the sink)"
		}
		data.FieldCounts = append(data.FieldCounts, diffHTMLFieldCount{name, diffGroup(fc.N)})
		if fc.Field != "" {
			data.FieldNames = append(data.FieldNames, fc.Field)
		}
	}
	sort.Strings(data.FieldNames)
	for _, c := range d.createCols {
		data.CreateCols = append(data.CreateCols, c.Path)
	}
	for i := range data.Creates {
		c := &data.Creates[i]
		for len(c.Cells) < len(data.CreateCols) {
			c.Cells = append(c.Cells, diffHTMLCell{Empty: true})
		}
	}
	data.NChanges, data.NCreates, data.NErrors = diffGroup(d.nChanges), diffGroup(d.nCreates), diffGroup(d.nErrors)
	more := func(total int64, shown int) string {
		if total > int64(shown) {
			return diffGroup(total - int64(shown))
		}
		return ""
	}
	data.MoreChanges = more(d.nChanges, len(d.hChanges))
	data.MoreCreates = more(d.nCreates, len(d.hCreates))
	data.MoreErrs = more(d.nErrors, len(d.hErrors))

	tmp, err := os.CreateTemp(d.dir, "."+DiffHTMLName+".tmp-*")
	if err != nil {
		return "", err
	}
	bw := bufio.NewWriterSize(tmp, 64<<10)
	err = diffHTMLTmpl.Execute(bw, data)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}

// diffGroup writes a count with thin spaces between thousands (12 345),
// which reads the same in German and English.
func diffGroup(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(c)
	}
	return b.String()
}

// diffDuration avoids decimal separators: 850 ms, 12 s, 3 min 05 s, 1 h 02 min.
func diffDuration(sec float64) string {
	switch {
	case sec <= 0:
		return "0 s"
	case sec < 1:
		return strconv.Itoa(int(math.Round(sec*1000))) + " ms"
	case sec < 60:
		return strconv.Itoa(int(math.Round(sec))) + " s"
	}
	s := int64(math.Round(sec))
	if s < 3600 {
		return fmt.Sprintf("%d min %02d s", s/60, s%60)
	}
	return fmt.Sprintf("%d h %02d min", s/3600, s%3600/60)
}
