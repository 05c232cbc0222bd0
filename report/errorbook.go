package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/internal/xlsxw"
	"github.com/wawi-etl/etl/record"
)

// Columns the error workbook adds after the original ones. A job reading the
// workbook back ignores them, because its mapping names the original columns.
const (
	colRow   = ErrorRowColumn
	colField = "_field"
	colError = "_error"
	// colRecord holds the record of a source without columns (documents
	// from the Wawi) that has none of the docKeys, as JSON.
	colRecord = "_record"
)

// docKeys are the fields that identify a document from the Wawi, in the
// order the error workbook shows those a document has: a merchant finds
// the order, item or customer by them, an accountant the invoice or credit
// note by its DocumentNumber (accountingData); records without an id of
// their own (a stock, an item's supplier or price) by their item and
// warehouse.
var docKeys = []string{"Number", "DocumentNumber", "ExternalNumber", "Id", "SKU", "CustomerNumber", "CustomerId", "Name", "ItemId", "WarehouseId",
	record.LineItemKey + ".SKU", record.LineItemKey + ".Name"}

// DocKeys are the paths by which the error workbook names a failed
// document (docKeys).
func DocKeys() []string { return append([]string(nil), docKeys...) }

// ErrorRowColumn holds a failed record's row in its source; a re-import of
// the workbook keeps pointing at that row.
const ErrorRowColumn = "_row"

// ErrorBookName is the error workbook's file name in the report folder.
const ErrorBookName = "errors.xlsx"

// maxComments bounds the cell comments of one workbook: each is a shape in
// a VML drawing, and Excel grows slow long before 10,000 of them.
const maxComments = 10000

// errorSheet is the error workbook's one sheet.
const errorSheet = "Errors"

// ErrorBook streams failed records into errors.xlsx: the original columns in
// their original order, then the source row, the field and the reason, with a
// comment on the offending cell. It is created on the first failure only.
type ErrorBook struct {
	// Lang is the language of the reasons (ReasonText); the columns keep
	// their names, so a fixed workbook reads back in any language.
	Lang i18n.Lang

	path     string
	header   *record.Header
	origCols []int // positions in header of the columns written back
	rowCol   int   // position of an incoming _row column (re-import), or -1
	names    []string
	docCols  []string // the docKeys of a document source's workbook

	f        *excelize.File
	tab      *xlsxw.Table
	comments int
}

// NewErrorBook prepares the error workbook at path for records with header
// h (nil for sources without columns).
func NewErrorBook(path string, h *record.Header) *ErrorBook {
	b := &ErrorBook{path: path, header: h, rowCol: -1}
	if h == nil {
		return b // the columns come with the first document (docColumns)
	}
	for i, n := range h.Names {
		switch n {
		case colRow:
			b.rowCol = i
		case colField, colError:
		default:
			b.origCols = append(b.origCols, i)
			b.names = append(b.names, n)
		}
	}
	return b
}

func (b *ErrorBook) open() error {
	b.f = excelize.NewFile()
	names := append(append([]string{}, b.names...), colRow, colField, colError)
	cols := make([]xlsxw.Column, len(names))
	for i, n := range names {
		// widths from the content; the reason is what the user reads first
		var w float64
		if n == colError {
			w = 60
		}
		cols[i] = xlsxw.Column{Name: n, Width: w, General: n == colRow}
	}
	// Values go back as they were read (formula-like text only gets the
	// invisible quote prefix), so the fixed workbook maps the same way the
	// original file did; none is refused.
	tab, err := xlsxw.NewTable(b.f, errorSheet, cols, xlsxw.TableOptions{
		FreezeHeader: true, TableStyle: "TableStyleLight1", HeaderFill: "F2DCDB", Lenient: true, Neutralize: true,
		// spooled rows: a long error list stays out of memory
		Spool: true})
	if err != nil {
		b.f.Close()
		b.f = nil
		return err
	}
	b.tab = tab
	return nil
}

// Add writes one failed record. Values are written as text exactly as they
// were read, so the fixed workbook maps the same way the original file did.
func (b *ErrorBook) Add(rec *record.Record, reason error) error {
	if b.f == nil {
		if b.header == nil {
			b.docColumns(rec)
		}
		if err := b.open(); err != nil {
			return fmt.Errorf("error workbook: %w", err)
		}
	}
	row := make([]any, 0, len(b.names)+3)
	switch {
	case b.header == nil && b.docCols == nil:
		var doc any
		if rec.Doc != nil {
			if j, err := json.Marshal(rec.View()); err == nil {
				doc = string(j)
			}
		}
		row = append(row, doc)
	case b.header == nil:
		for _, k := range b.docCols {
			v, _ := rec.Lookup(k)
			row = append(row, docValue(v))
		}
	}
	for _, i := range b.origCols {
		var v any = ""
		if i < len(rec.Fields) {
			v = rec.Fields[i]
			// a number cell stays a number, so Excel edits it as one
			if rec.IsNumeric(i) {
				if d, ok := xlsxw.ParseNumber(strings.TrimSpace(rec.Fields[i])); ok {
					v = d
				}
			}
			// a cell that showed other than its number (01067, a date)
			// shows so again, and reads back as it did: text fields the
			// shown text, typed ones the number
			if f, ok := shownFormat(rec.ShownAt(i)); ok {
				v = xlsxw.Formatted{Number: rec.Fields[i], Format: f}
			}
		}
		row = append(row, v)
	}
	// a number, so the sheet sorts by it
	var srcRow any = rec.Row
	if b.rowCol >= 0 && b.rowCol < len(rec.Fields) && rec.Fields[b.rowCol] != "" {
		srcRow = rec.Fields[b.rowCol] // keep pointing at the first file's row
		if n, err := strconv.Atoi(rec.Fields[b.rowCol]); err == nil {
			srcRow = n
		}
	}
	field, column := errorColumn(reason)
	text := ReasonText(b.Lang, reason)
	row = append(row, srcRow, field, text)
	n, err := b.tab.Append(row)
	if err != nil {
		return fmt.Errorf("error workbook: %w", err)
	}
	if column != "" && b.comments < maxComments {
		for k, name := range b.names {
			if name == column {
				if err := b.tab.AddComment(n, k, "etl", text); err != nil {
					return fmt.Errorf("error workbook: %w", err)
				}
				b.comments++
				break
			}
		}
	}
	return nil
}

// shownFormat is the number format that shows a number as the spreadsheet
// source showed it (record.Record.Shown): zeros for a zero-padded number
// (01067: 00000), ISO dates and times for a date (2026-03-01), a date and
// time (2026-03-01T14:30:00) or a time of day (14:30:00). The source reads
// each of these formats back as the same shown text.
func shownFormat(shown string) (string, bool) {
	if shown == "" {
		return "", false
	}
	shape := []byte(shown)
	for i, c := range shape {
		if c >= '0' && c <= '9' {
			shape[i] = '0'
		}
	}
	switch string(shape) {
	case "0000-00-00":
		return "yyyy-mm-dd", true
	case "0000-00-00T00:00:00":
		return "yyyy-mm-dd hh:mm:ss", true
	case "00:00:00":
		return "hh:mm:ss", true
	}
	if strings.Trim(string(shape), "0") == "" {
		return string(shape), true // all digits: as many zeros
	}
	return "", false
}

// docColumns picks the identifying fields of a document source's records
// from the first failed one: those of docKeys it has (the documents of one
// run are alike), else one column with the document as JSON.
func (b *ErrorBook) docColumns(rec *record.Record) {
	for _, k := range docKeys {
		if v, ok := rec.Lookup(k); ok && v != nil {
			if _, nested := v.(map[string]any); !nested {
				b.docCols = append(b.docCols, k)
			}
		}
	}
	b.names = b.docCols
	if len(b.docCols) == 0 {
		b.names = []string{colRecord}
	}
}

// docValue is a document field as a cell: ids as numbers, text as text.
func docValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		if d, ok := xlsxw.ParseNumber(string(x)); ok {
			return d
		}
		return string(x)
	case map[string]any, []any:
		j, _ := json.Marshal(x)
		return string(j)
	}
	return v
}

// Reset drops what a planning pass wrote, before the pass that applies.
func (b *ErrorBook) Reset() {
	if b.f != nil {
		b.tab.Close()
		b.f.Close()
	}
	lang := b.Lang
	*b = *NewErrorBook(b.path, b.header)
	b.Lang = lang
}

// Close finishes the workbook and renames it into place. With no failures it
// removes a workbook left by an earlier run, so a stale file cannot be
// mistaken for this run's errors.
func (b *ErrorBook) Close() (string, error) {
	if b.f == nil {
		if err := os.Remove(b.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		return "", nil
	}
	defer b.f.Close()
	defer b.tab.Close()
	if err := b.tab.Flush(); err != nil {
		return "", err
	}
	if err := xlsxw.Save(b.f, b.path, fileOptions, b.tab.Spool()); err != nil {
		return "", err
	}
	return b.path, nil
}
