package report

import (
	"encoding/json"
	"errors"
	"os"
	"sort"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/internal/xlsxw"
	"github.com/wawi-etl/etl/mappings"
)

// The diff report shows, before an import writes anything (or after it did),
// what it changes in the Wawi field by field: diff.xlsx for filtering and
// sorting in Excel, diff.html to read in a browser or an e-mail attachment.
//
// Memory stays flat however large the plan: the tables are written in
// xlsxw's spooled row mode (each row finished SpreadsheetML in a spool
// file), and Close builds the workbook with excelize (styles, summary,
// chart, sheet headers, panes, autofilter) while xlsxw.Write splices the
// rows into the sheet parts. The HTML file holds the first rows of each
// table only, so it stays small enough to open.
//
// The files: diff.go (what is collected), diff_values.go (values and
// percentages), diff_workbook.go and diff_summary.go (diff.xlsx),
// diff_html.go (diff.html).

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

// DiffOptions say how a diff report speaks.
type DiffOptions struct {
	// Lang is the language of sheet names, headers and texts.
	Lang i18n.Lang
	// Location is the job's time zone, in which times are shown; nil is
	// the machine's.
	Location *time.Location
	// Planned: the report is of a plan that was not carried out (a dry run
	// or the planning pass of an import), so outcomes read "would be
	// created", "would be updated".
	Planned bool
}

// errDiffDone is returned by calls after Close or Abort.
var errDiffDone = errors.New("the diff report is already closed")

// Diff collects the plan of a run, record by record in input order, and
// writes diff.xlsx and diff.html into a folder on Close. Its methods must be
// called from one goroutine.
type Diff struct {
	dir    string
	dryRun bool
	opts   DiffOptions
	spool  string // temp folder of the row spools
	done   bool

	f     *excelize.File // built at Close; created now for the style IDs
	st    diffStyles
	cells *xlsxw.SpoolStyles

	changes, creates, errs *xlsxw.Spool

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

	counts [nOutcomes]int64
	fields map[string]int64

	// the first rows of each table, for diff.html
	hChanges []diffHTMLChange
	hCreates []diffHTMLCreate
	hErrors  []diffHTMLError
	hCells   int
	nChanges int64 // all change rows, also those beyond the HTML cap
	nCreates int64
	nErrors  int64
}

// NewDiff starts a report in dir (diff.xlsx and diff.html are written on
// Close) in English, of a plan when dryRun.
func NewDiff(dir string, dryRun bool) (*Diff, error) {
	return NewDiffWith(dir, dryRun, DiffOptions{Planned: dryRun})
}

// NewDiffWith starts a report in dir with options.
func NewDiffWith(dir string, dryRun bool, o DiffOptions) (*Diff, error) {
	if o.Location == nil {
		o.Location = time.Local
	}
	if err := os.MkdirAll(dir, fileOptions.DirPerm); err != nil {
		return nil, err
	}
	spool, err := os.MkdirTemp(dir, ".diff-spool-*")
	if err != nil {
		return nil, err
	}
	d := &Diff{dir: dir, dryRun: dryRun, opts: o, spool: spool, f: excelize.NewFile(),
		createIdx: map[string]int{}, fields: map[string]int64{}}
	if err := d.makeStyles(); err != nil {
		d.Abort()
		return nil, err
	}
	opts := xlsxw.SpoolOptions{SheetRows: diffSheetRows, SampleRows: diffSampleRows, MaxWidth: diffMaxWidth}
	d.changes = xlsxw.NewSpool(spool, d.t(diffChangesSheet), d.cells, opts)
	d.creates = xlsxw.NewSpool(spool, d.t(diffCreatesSheet), d.cells, opts)
	d.errs = xlsxw.NewSpool(spool, d.t(diffErrorsSheet), d.cells, opts)
	return d, nil
}

// t is s in the report's language.
func (d *Diff) t(s string) string { return tr(d.opts.Lang, s) }

// outcome names o as this report shows it.
func (d *Diff) outcome(o Outcome) string { return outcomeText(d.opts.Lang, o, d.opts.Planned) }

// label is a field's path with its readable name.
func (d *Diff) label(path string) string { return fieldLabel(d.opts.Lang, path) }

// SetPlaceholders makes the report show what a placeholder id stands for
// (a category the run would create) rather than the id, in the targets
// marked Creates.
func (d *Diff) SetPlaceholders(name func(id int64) (string, bool)) { d.placeholder = name }

// planned returns v, or the name of what it would create when v is a
// placeholder id in a target that creates.
func (d *Diff) planned(tgts []mappings.Target, path string, v any) any {
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

// Add records one record's plan and final outcome. Planned is NoPlan when
// the record failed before planning (a mapping error or a malformed row).
//
// Updates go to Changes, one row per changed field; creates to Creates, one
// row per record with the values it is created with; failures to Errors.
// A record whose plan wrote something but whose write failed is listed with
// the outcome failed in Changes or Creates as well as in Errors.
func (d *Diff) Add(e *Entry) error {
	if d.done {
		return errDiffDone
	}
	if err := d.spoolErr(); err != nil {
		return err
	}
	if e.Outcome >= Created && e.Outcome <= Failed {
		d.counts[e.Outcome]++
	}
	if e.Planned != NoPlan && (e.Outcome == e.Planned || e.Outcome == Failed) {
		switch e.Planned {
		case Updated:
			d.addChanges(e)
		case Created:
			d.addCreate(e)
		}
	}
	if e.Outcome == Failed {
		d.addError(e)
	}
	return d.spoolErr()
}

// spoolErr is the first error writing a table's rows.
func (d *Diff) spoolErr() error {
	for _, t := range d.tables() {
		if err := t.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (d *Diff) tables() []*xlsxw.Spool { return []*xlsxw.Spool{d.changes, d.creates, d.errs} }

func (d *Diff) addChanges(e *Entry) {
	t, row, key := d.changes, e.Row, e.Key
	oc, ocClass := d.outcome(e.Outcome), e.Outcome.String()
	changes := e.Changes
	if len(changes) == 0 {
		// the sink did not itemise the update; still show the record
		changes = []Change{{Field: ""}}
	}
	for i := range changes {
		c := &changes[i]
		d.countField(c.Field)
		d.nChanges++
		old, nw := diffMoney(c.Field, diffNorm(c.Old)), diffMoney(c.Field, diffNorm(c.New))
		if e.Targets != nil {
			nw = d.planned(e.Targets, c.Field, nw)
		}
		pct, hasPct := diffPercent(old, nw)
		if t.StartRow() {
			t.Int(0, int64(row))
			t.Text(1, key)
			t.Text(2, d.label(c.Field))
			t.Value(3, old, "")
			t.Value(4, nw, "")
			if hasPct {
				t.Percent(5, pct)
			}
			t.Text(6, oc)
			t.EndRow()
		}
		if len(d.hChanges) < diffHTMLRows {
			h := diffHTMLChange{Row: row, Key: key, Field: d.label(c.Field), Old: diffHTMLValue(old), New: diffHTMLValue(nw), Outcome: oc, OutcomeClass: ocClass}
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

// diffMoney shows an amount with cents (129.00 beside 29.95): a decimal or
// integer value of a field whose name says money.
func diffMoney(field string, v any) any {
	if !xlsxw.MoneyName(field) {
		return v
	}
	switch x := v.(type) {
	case decimal.Decimal:
		return xlsxw.WithScale(x, 2)
	case json.Number:
		if d, ok := xlsxw.ParseNumber(string(x)); ok && xlsxw.ExcelExact(d) {
			return xlsxw.WithScale(d, 2)
		}
	}
	return v
}

func (d *Diff) countField(f string) {
	if _, ok := d.fields[f]; !ok && len(d.fields) >= diffMaxFields {
		f = "(other fields)"
	}
	d.fields[f]++
}

func (d *Diff) addCreate(e *Entry) {
	d.nCreates++
	row, key, tgts, vals := e.Row, e.Key, e.Targets, e.Values
	idx, order := d.createMap(tgts)
	t := d.creates
	oc, ocClass := d.outcome(e.Outcome), e.Outcome.String()
	if t.StartRow() {
		t.Int(0, int64(row))
		t.Text(1, key)
		t.Text(2, oc)
		for _, i := range order {
			if i < len(vals) {
				t.Value(3+idx[i], d.planned(tgts, tgts[i].Path, diffMoney(tgts[i].Path, diffNorm(vals[i]))), tgts[i].Type)
			}
		}
		t.EndRow()
	}
	n := len(d.createCols)
	if len(d.hCreates) < diffHTMLRows && d.hCells+n <= diffHTMLCells {
		h := diffHTMLCreate{Row: row, Key: key, Outcome: oc, OutcomeClass: ocClass, Cells: make([]diffHTMLCell, n)}
		for i := range h.Cells {
			h.Cells[i].Empty = true
		}
		for i, v := range vals {
			if i < len(idx) {
				h.Cells[idx[i]] = diffHTMLValue(d.planned(tgts, tgts[i].Path, diffMoney(tgts[i].Path, diffNorm(v))))
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
func (d *Diff) createMap(tgts []mappings.Target) (idx, order []int) {
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

func (d *Diff) addError(e *Entry) {
	d.nErrors++
	row, key, err := e.Row, e.Key, e.Err
	reason := d.t("failed")
	if err != nil {
		reason = ReasonText(d.opts.Lang, err)
	}
	field := d.label(errorField(err))
	t := d.errs
	if t.StartRow() {
		t.Int(0, int64(row))
		t.Text(1, key)
		t.Text(2, field)
		t.Text(3, reason)
		t.EndRow()
	}
	if len(d.hErrors) < diffHTMLRows {
		d.hErrors = append(d.hErrors, diffHTMLError{Row: row, Key: key, Field: field, Reason: diffCut(reason)})
	}
}
