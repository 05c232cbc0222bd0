package report

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/xuri/excelize/v2"

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
	// from the Wawi), for reference.
	colRecord = "_record"
)

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
	path     string
	header   *record.Header
	origCols []int // positions in header of the columns written back
	rowCol   int   // position of an incoming _row column (re-import), or -1
	names    []string

	f        *excelize.File
	tab      *xlsxw.Table
	comments int
}

// NewErrorBook prepares the error workbook at path for records with header
// h (nil for sources without columns).
func NewErrorBook(path string, h *record.Header) *ErrorBook {
	b := &ErrorBook{path: path, header: h, rowCol: -1}
	if h == nil {
		b.names = []string{colRecord}
		return b
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
		// the reason is what the user reads first
		w := float64(max(len(n)+2, 12))
		if n == colError {
			w = 60
		}
		cols[i] = xlsxw.Column{Name: n, Width: w, General: n == colRow}
	}
	// Values go back as they were read (no formula prefix), so the fixed
	// workbook maps the same way the original file did; none is refused.
	tab, err := xlsxw.NewTable(b.f, errorSheet, cols, xlsxw.TableOptions{
		FreezeHeader: true, TableStyle: "TableStyleLight1", HeaderFill: "F2DCDB", Lenient: true})
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
		if err := b.open(); err != nil {
			return fmt.Errorf("error workbook: %w", err)
		}
	}
	row := make([]any, 0, len(b.names)+3)
	if b.header == nil {
		var doc any
		if rec.Doc != nil {
			doc = fmt.Sprint(rec.Doc)
		}
		row = append(row, doc)
	}
	for _, i := range b.origCols {
		v := ""
		if i < len(rec.Fields) {
			v = rec.Fields[i]
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
	row = append(row, srcRow, field, reason.Error())
	n, err := b.tab.Append(row)
	if err != nil {
		return fmt.Errorf("error workbook: %w", err)
	}
	if column != "" && b.comments < maxComments {
		for k, name := range b.names {
			if name == column {
				if err := b.tab.AddComment(n, k, "etl", reason.Error()); err != nil {
					return fmt.Errorf("error workbook: %w", err)
				}
				b.comments++
				break
			}
		}
	}
	return nil
}

// Reset drops what a planning pass wrote, before the pass that applies.
func (b *ErrorBook) Reset() {
	if b.f != nil {
		b.f.Close()
	}
	*b = *NewErrorBook(b.path, b.header)
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
	if err := b.tab.Flush(); err != nil {
		return "", err
	}
	if err := xlsxw.Save(b.f, b.path, fileOptions); err != nil {
		return "", err
	}
	return b.path, nil
}
