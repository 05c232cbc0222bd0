package xlsxw

import (
	"bufio"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// Spool is one table in spooled row mode: each row is written as finished
// SpreadsheetML (inline strings, typed numbers) into a temporary file, and
// Write splices the rows into the sheet part after the header row that
// excelize made. excelize's StreamWriter costs 6-7 µs and 40 allocations a
// row and keeps up to 32 MB a sheet in memory until the file is saved; a
// spooled row costs a fraction of that and no memory.
//
// A table longer than SheetRows goes on over further sheets: "Changes",
// "Changes (2)", and so on. Columns are sized from the first SampleRows
// rows (Widths).
//
// Rows are built cell by cell, columns in increasing order: StartRow, the
// cell methods, EndRow. A write error is sticky (Err); the cell methods
// then do nothing. A Spool must be used from one goroutine.
type Spool struct {
	name   string
	dir    string
	opts   SpoolOptions
	st     *SpoolStyles
	parts  []*spoolPart
	cur    *spoolPart
	widths []float64
	rows   int64
	b      []byte
	rowNum []byte
	num    []byte // a number's text, for tableCell
	err    error
}

// SpoolOptions tune a Spool.
type SpoolOptions struct {
	// SheetRows is the data rows of one sheet (default: as many as Excel
	// holds under the header).
	SheetRows int
	// SampleRows are measured for column widths (default 2000).
	SampleRows int64
	// MaxWidth caps the measured width of a text cell (default 60).
	MaxWidth int
}

type spoolPart struct {
	file *os.File
	w    *bufio.Writer
	// zw compresses the rows on their way into file, so that saving the
	// workbook copies them as they are (spliceZip): compressing a sheet of
	// a diff report took most of the time between an import's last write
	// and its end. crc and raw are the uncompressed rows' CRC-32 and size,
	// which the sheet's zip entry declares.
	zw    *flate.Writer
	crc   uint32
	raw   int64
	rows  int
	sheet string
	ref   string // the sheet's used range, set by Sheets
}

// write adds row XML to the part.
func (p *spoolPart) write(b []byte) error {
	p.crc = crc32.Update(p.crc, crc32.IEEETable, b)
	p.raw += int64(len(b))
	_, err := p.zw.Write(b)
	return err
}

// flush writes what the part holds to its file: the compressed stream up
// to a byte boundary, not ended (flate's sync flush), so that the sheet's
// end can follow it in the zip entry.
func (p *spoolPart) flush() error {
	if err := p.zw.Flush(); err != nil {
		return err
	}
	return p.w.Flush()
}

// ErrSpoolClosed is returned by a Spool after Close.
var ErrSpoolClosed = errors.New("the spooled table is already closed")

// NewSpool starts a spooled table whose sheets are named after name; its
// row files go to dir (a private temporary folder of the caller). st are
// the number styles of the workbook the table goes into.
func NewSpool(dir, name string, st *SpoolStyles, opts SpoolOptions) *Spool {
	if opts.SheetRows <= 0 {
		opts.SheetRows = excelize.TotalRows - 1
	}
	if opts.SampleRows <= 0 {
		opts.SampleRows = 2000
	}
	if opts.MaxWidth <= 0 {
		opts.MaxWidth = 60
	}
	return &Spool{name: name, dir: dir, opts: opts, st: st}
}

// Name is the name of the table's first sheet.
func (s *Spool) Name() string { return s.name }

// Rows is the number of rows written.
func (s *Spool) Rows() int64 { return s.rows }

// Parts is the number of sheets the rows so far fill (at least one).
func (s *Spool) Parts() int { return max(1, len(s.parts)) }

// Widths are the measured display widths of the columns.
func (s *Spool) Widths() []float64 { return s.widths }

// Err is the first write error.
func (s *Spool) Err() error { return s.err }

// StartRow begins a row; false when it cannot be spooled (a write failed).
func (s *Spool) StartRow() bool {
	if s.err != nil {
		return false
	}
	if s.cur == nil || s.cur.rows >= s.opts.SheetRows {
		if s.cur != nil {
			if err := s.cur.flush(); err != nil {
				s.err = err
				return false
			}
		}
		if s.dir == "" {
			s.err = ErrSpoolClosed
			return false
		}
		f, err := os.CreateTemp(s.dir, "rows-*")
		if err != nil {
			s.err = err
			return false
		}
		p := &spoolPart{file: f, w: bufio.NewWriterSize(f, 64<<10)}
		// the level Write used when it compressed the sheets at the end
		if p.zw, err = flate.NewWriter(p.w, flate.BestSpeed); err != nil {
			f.Close()
			os.Remove(f.Name())
			s.err = err
			return false
		}
		s.cur = p
		s.parts = append(s.parts, s.cur)
	}
	s.cur.rows++
	s.rows++
	s.rowNum = strconv.AppendInt(s.rowNum[:0], int64(s.cur.rows+1), 10)
	s.b = append(s.b[:0], `<row r="`...)
	s.b = append(s.b, s.rowNum...)
	s.b = append(s.b, `">`...)
	return true
}

// EndRow writes the row begun by StartRow.
func (s *Spool) EndRow() {
	s.b = append(s.b, `</row>`...)
	if err := s.cur.write(s.b); err != nil && s.err == nil {
		s.err = err
	}
}

// Flush writes the buffered rows to their files.
func (s *Spool) Flush() error {
	if s.err != nil {
		return s.err
	}
	for _, p := range s.parts {
		if p.w == nil { // the empty sheet of a table without rows
			continue
		}
		if err := p.flush(); err != nil {
			s.err = err
			return err
		}
	}
	return nil
}

// SpoolSheet is one sheet of a spooled table.
type SpoolSheet struct {
	Name string
	Rows int    // data rows
	Ref  string // used range, header included
}

// Sheets names the table's sheets and sets their used ranges for cols
// columns. The caller makes each sheet with its header row (and what else
// it wants: widths, panes, autofilter over Ref) before Write.
func (s *Spool) Sheets(cols int) []SpoolSheet {
	if len(s.parts) == 0 {
		s.parts = []*spoolPart{{}}
	}
	out := make([]SpoolSheet, len(s.parts))
	last, _ := excelize.ColumnNumberToName(max(cols, 1))
	for i, p := range s.parts {
		p.sheet = s.name
		if i > 0 {
			p.sheet = fmt.Sprintf("%s (%d)", s.name, i+1)
		}
		p.ref = "A1:" + last + strconv.Itoa(p.rows+1)
		out[i] = SpoolSheet{Name: p.sheet, Rows: p.rows, Ref: p.ref}
	}
	return out
}

// Close removes the row files. It may be called more than once.
func (s *Spool) Close() {
	for _, p := range s.parts {
		if p.file != nil {
			p.file.Close()
			os.Remove(p.file.Name())
		}
	}
	s.parts, s.cur, s.dir = nil, nil, ""
}
