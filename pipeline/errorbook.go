package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/xlsxcell"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/record"
)

// Columns the error workbook adds after the original ones. A job reading the
// workbook back ignores them, because its mapping names the original columns.
const (
	colRow   = "_row"
	colField = "_field"
	colError = "_error"
)

// maxComments bounds the cell comments of one workbook: each is a shape in
// a VML drawing, and Excel grows slow long before 10,000 of them.
const maxComments = 10000

// errorBook streams failed records into errors.xlsx: the original columns in
// their original order, then the source row, the field and the reason, with a
// comment on the offending cell. It is created on the first failure only.
type errorBook struct {
	path     string
	header   *record.Header
	origCols []int // positions in header of the columns written back
	rowCol   int   // position of an incoming _row column (re-import), or -1
	names    []string

	f        *excelize.File
	sw       *excelize.StreamWriter
	next     int // next sheet row
	rows     int
	comments int
}

func newErrorBook(path string, h *record.Header) *errorBook {
	b := &errorBook{path: path, header: h, rowCol: -1}
	if h != nil {
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
	}
	return b
}

func (b *errorBook) open() error {
	b.f = excelize.NewFile()
	const sheet = "Errors"
	if err := b.f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := b.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	b.sw = sw
	bold, err := b.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2DCDB"}}})
	if err != nil {
		return err
	}
	cols := append(append([]string{}, b.names...), colRow, colField, colError)
	// Widths must be set before the first row; take them from the header and
	// make the reason column wide, since that is what the user reads first.
	for i, n := range cols {
		w := float64(max(len(n)+2, 12))
		if n == colError {
			w = 60
		}
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	hdr := make([]any, len(cols))
	for i, n := range cols {
		hdr[i] = excelize.Cell{StyleID: bold, Value: n}
	}
	if err := sw.SetRow("A1", hdr); err != nil {
		return err
	}
	b.next = 2
	return nil
}

// add writes one failed record. Values are written as text exactly as they
// were read, so the fixed workbook maps the same way the original file did.
func (b *errorBook) add(rec *record.Record, reason error) error {
	if b.f == nil {
		if err := b.open(); err != nil {
			return fmt.Errorf("error workbook: %w", err)
		}
	}
	row := make([]any, 0, len(b.origCols)+3)
	for _, i := range b.origCols {
		v := ""
		if i < len(rec.Fields) {
			v = rec.Fields[i]
		}
		row = append(row, excelize.Cell{Value: v})
	}
	if rec.Header == nil && rec.Doc != nil && len(b.origCols) == 0 {
		// document sources have no columns; keep the document for reference
		row = append(row, excelize.Cell{Value: fmt.Sprint(rec.Doc)})
	}
	// a number, so the sheet sorts by it
	var srcRow any = rec.Row
	if b.rowCol >= 0 && b.rowCol < len(rec.Fields) && rec.Fields[b.rowCol] != "" {
		srcRow = rec.Fields[b.rowCol] // keep pointing at the first file's row
		if n, err := strconv.Atoi(rec.Fields[b.rowCol]); err == nil {
			srcRow = n
		}
	}
	field, column := "", ""
	var fe *mappings.FieldError
	var fes fieldErrors
	switch {
	case errors.As(reason, &fes) && len(fes) > 0:
		field, column = fes[0].Target, fes[0].Column
	case errors.As(reason, &fe):
		field, column = fe.Target, fe.Column
	}
	var ce ColumnError
	if errors.As(reason, &ce) {
		if f, c := ce.ErrorColumn(); c != "" {
			field, column = f, c
		}
	}
	row = append(row, srcRow, field, excelize.Cell{Value: reason.Error()})
	cell, err := excelize.CoordinatesToCellName(1, b.next)
	if err != nil {
		return err
	}
	if err := b.sw.SetRow(cell, row); err != nil {
		return fmt.Errorf("error workbook: %w", err)
	}
	if column != "" && b.comments < maxComments {
		for k, n := range b.names {
			if n == column {
				// while streaming: excelize links comments into the sheet
				// only when they exist before Flush
				name, _ := excelize.CoordinatesToCellName(k+1, b.next)
				if err := b.f.AddComment("Errors", excelize.Comment{Cell: name, Author: "etl",
					Paragraph: []excelize.RichTextRun{{Text: reason.Error()}}}); err != nil {
					return fmt.Errorf("error workbook: %w", err)
				}
				b.comments++
				break
			}
		}
	}
	b.next++
	b.rows++
	return nil
}

// reset drops what a planning pass wrote, before the pass that applies.
func (b *errorBook) reset() {
	if b.f != nil {
		b.f.Close()
	}
	*b = *newErrorBook(b.path, b.header)
}

// close finishes the workbook and renames it into place. With no failures it
// removes a workbook left by an earlier run, so a stale file cannot be
// mistaken for this run's errors.
func (b *errorBook) close() (string, error) {
	if b.f == nil {
		if err := os.Remove(b.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		return "", nil
	}
	defer b.f.Close()
	last, _ := excelize.CoordinatesToCellName(len(b.names)+3, b.next-1)
	if err := b.sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: "Errors", StyleName: "TableStyleLight1", ShowRowStripes: boolPtr(true)}); err != nil {
		// an autofilter is a nicety; the rows matter
		_ = err
	}
	if err := b.sw.Flush(); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(b.path), 0o755); err != nil {
		return "", err
	}
	tmp := filepath.Join(filepath.Dir(b.path), "."+filepath.Base(b.path)+".tmp.xlsx")
	out, err := os.Create(tmp)
	if err != nil {
		return "", err
	}
	if err := errors.Join(xlsxcell.Write(b.f, out), out.Close()); err != nil {
		os.Remove(tmp)
		return "", err
	}
	if err := os.Rename(tmp, b.path); err != nil {
		return "", err
	}
	return b.path, nil
}

func boolPtr(b bool) *bool { return &b }

// fieldErrors is every field problem of one record.
type fieldErrors []*mappings.FieldError

func (fe fieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, e := range fe {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// ColumnError is implemented by sink errors that know which field (and thus
// which source column) they concern, e.g. an API validation error on SKU.
type ColumnError interface {
	ErrorColumn() (field, column string)
}
