package sources

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

var rawCells = excelize.Options{RawCellValue: true}

// XLSXSource reads one sheet of a workbook row by row.
//
// Values are the raw cell contents, not what Excel displays: numbers as
// stored (1234.5; a date is its serial number, 45123), booleans as TRUE and
// FALSE, text as is, error cells as their code (#N/A). The header says
// SerialDates, so the mapping turns numbers in date fields into dates (see
// SerialToTime).
type XLSXSource struct {
	f       *excelize.File
	rows    *excelize.Rows
	display string
	sheet   string
	header  *record.Header
	width   int

	row      int // sheet row rows is on: one Next per row, empty ones included
	dataFrom int // first data row, after header and skip

	// excelize's raw values give booleans as 1 and 0, like numbers. A second
	// iterator with formatted values tells them apart; it is opened at the
	// first row holding a 0 or 1 and kept level with rows.
	fmtRows *excelize.Rows
	fmtRow  int
	// nums marks number cells (record.Record.Numeric)
	nums numericCells

	seq      int64
	calls    uint
	estimate int64 // records guessed before reading; see SizeEstimate
}

var _ pipeline.Source = (*XLSXSource)(nil)

// SizeEstimate guesses how many records the sheet holds from its dimension
// (or its size), before reading the rows (0 when unknown): a hint for
// choices made before the end is reached (the ERP sink's index or search),
// never a count; blank rows and a stale dimension make it off.
func (s *XLSXSource) SizeEstimate() int64 { return s.estimate }

// OpenXLSX opens an XLSX source; it is a pipeline.SourceFactory. It reads
// the header row before returning.
func OpenXLSX(ctx context.Context, spec *pipeline.SourceSpec, env *pipeline.Env) (pipeline.Source, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path, display, err := resolvePath(spec.Path, env)
	if err != nil {
		return nil, err
	}
	headerRow, skip, err := headerSpec(spec)
	if err != nil {
		return nil, err
	}
	if err := checkZip(path, display); err != nil {
		return nil, err
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot open the workbook: %w", display, err)
	}
	s := &XLSXSource{f: f, display: display}
	if err := s.open(path, spec.Sheet, headerRow, skip); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// checkZip turns "zip: not a valid zip file" into advice.
func checkZip(path, display string) error {
	fh, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read source file: %w", err)
	}
	defer fh.Close()
	if fi, err := fh.Stat(); err == nil && fi.IsDir() {
		return fmt.Errorf("cannot read source file %s: it is a folder", path)
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(fh, head)
	head = head[:n]
	switch {
	case n == 0:
		return fmt.Errorf("%s: file is empty, no header row", display)
	case bytes.Equal(head, []byte("PK\x03\x04")):
		return nil
	case bytes.Equal(head, []byte("\xD0\xCF\x11\xE0")):
		return fmt.Errorf("%s is an old Excel .xls file or a password-protected workbook: save it as .xlsx without a password", display)
	}
	return fmt.Errorf("%s is not an Excel workbook (.xlsx); if it is a CSV file, use source.type: csv", display)
}

func (s *XLSXSource) open(path, sheetOpt string, headerRow, skip int) error {
	sheets := s.f.GetSheetList()
	if len(sheets) == 0 {
		return fmt.Errorf("%s: the workbook has no sheets", s.display)
	}
	sheet, err := pickSheet(sheets, sheetOpt)
	if err != nil {
		return fmt.Errorf("%s: %w", s.display, err)
	}
	s.sheet = sheet
	s.nums = numericCells{file: path, sheet: sheet}
	props, err := s.f.GetWorkbookProps()
	if err != nil {
		return fmt.Errorf("%s: cannot read the workbook properties: %w", s.display, err)
	}
	where := fmt.Sprintf("%s: sheet %q: header row %d", s.display, sheet, headerRow)

	// Merged cells leave all but their top left cell empty; in the header
	// that loses column names, at its end even without a trace in the row.
	// A merge that starts in the header row and spans one column (a header
	// of two rows, read from the first) loses nothing and is allowed.
	scan, _ := scanSheet(path, sheet)
	if scan.lastRow > 0 {
		s.estimate = max(0, scan.lastRow-int64(headerRow+skip))
	}
	var bad []string
	for _, m := range scan.merges {
		if m.r1 <= headerRow && headerRow <= m.r2 && (m.c2 > m.c1 || m.r1 < headerRow) {
			bad = append(bad, m.ref)
		}
	}
	if len(bad) > 0 {
		return kindErrorf(ErrHeader, "%s has merged cells %s: unmerge them so that every column has a name of its own",
			where, strings.Join(bad, ", "))
	}

	if s.rows, err = s.f.Rows(sheet); err != nil {
		return fmt.Errorf("%s: sheet %q: %w", s.display, sheet, err)
	}
	for s.row < headerRow {
		if !s.rows.Next() {
			if err := s.rows.Error(); err != nil {
				return fmt.Errorf("%s: sheet %q: %w", s.display, sheet, err)
			}
			if s.row == 0 {
				return fmt.Errorf("%s: sheet %q is empty, no header row", s.display, sheet)
			}
			return fmt.Errorf("%s is past the last row of the sheet (%d)", where, s.row)
		}
		s.row++
	}
	cells, err := s.rows.Columns(rawCells)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	s.fixBools(cells)
	names := make([]string, len(cells))
	for i, c := range cells {
		names[i] = cleanName(c)
	}
	if len(names) == 0 {
		return kindErrorf(ErrHeader, "%s is empty", where)
	}
	cellPos := func(i int) string { return "cell " + cellName(i, headerRow) }
	if err := checkNames(names, cellPos, "is empty"); err != nil {
		return fmt.Errorf("%s, %w", where, err)
	}
	s.header = record.NewHeader(names)
	s.header.SerialDates = true
	s.header.Date1904 = props.Date1904 != nil && *props.Date1904
	s.width = len(names)
	s.dataFrom = headerRow + skip + 1
	return nil
}

// pickSheet finds a sheet by name (exact, then ignoring case as Excel
// does), then by 1-based position; the default is the first sheet.
func pickSheet(sheets []string, want string) (string, error) {
	if want == "" {
		return sheets[0], nil
	}
	for _, s := range sheets {
		if s == want {
			return s, nil
		}
	}
	for _, s := range sheets {
		if strings.EqualFold(s, want) {
			return s, nil
		}
	}
	var list strings.Builder
	for i, s := range sheets {
		if i > 0 {
			list.WriteString(", ")
		}
		fmt.Fprintf(&list, "%d %q", i+1, s)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(want)); err == nil {
		if n >= 1 && n <= len(sheets) {
			return sheets[n-1], nil
		}
		return "", fmt.Errorf("source.sheet %d: there is no sheet %d; the workbook has: %s", n, n, list.String())
	}
	return "", fmt.Errorf("source.sheet %q not found; the workbook has: %s", want, list.String())
}

// Header returns the column names of the header row.
func (s *XLSXSource) Header() *record.Header { return s.header }

// Sheet is the name of the sheet being read.
func (s *XLSXSource) Sheet() string { return s.sheet }

// Next returns the next row that holds a value; empty rows are skipped.
func (s *XLSXSource) Next(ctx context.Context) (*record.Record, error) {
	for {
		if s.calls++; s.calls&255 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if s.rows == nil {
			return nil, io.EOF
		}
		if !s.rows.Next() {
			if err := s.rows.Error(); err != nil {
				return nil, fmt.Errorf("%s: sheet %q: after row %d: %w", s.display, s.sheet, s.row, err)
			}
			return nil, io.EOF
		}
		s.row++
		if s.row < s.dataFrom {
			continue
		}
		cells, err := s.rows.Columns(rawCells)
		if err != nil {
			return s.emit(make([]string, s.width), &problem{ErrCell, err.Error()}), nil
		}
		empty := true
		for _, c := range cells {
			if c != "" {
				empty = false
				break
			}
		}
		if empty {
			continue
		}
		s.fixBools(cells)
		fields := make([]string, s.width)
		copy(fields, cells)
		var prob *problem
		for i := s.width; i < len(cells); i++ {
			if cells[i] != "" {
				prob = &problem{ErrFieldCount, fmt.Sprintf(
					"cell %s holds %q, right of the last header column %s: give the column a name or clear it",
					cellName(i, s.row), cells[i], colName(s.width-1))}
				break
			}
		}
		rec := s.emit(fields, prob)
		rec.Numeric = s.nums.flags(s.row, fields)
		return rec, nil
	}
}

func (s *XLSXSource) emit(fields []string, prob *problem) *record.Record {
	rec := &record.Record{Seq: s.seq, Row: s.row, Header: s.header, Fields: fields}
	if prob != nil {
		rec.Err = &RowError{File: s.display, Sheet: s.sheet, Line: s.row, Kind: prob.kind, Msg: prob.msg}
	}
	s.seq++
	return rec
}

// fixBools turns the 1 and 0 of boolean cells into TRUE and FALSE; numbers
// 1 and 0 stay. Only rows holding such a value pay for the second iterator.
func (s *XLSXSource) fixBools(cells []string) {
	i := 0
	for i < len(cells) && cells[i] != "0" && cells[i] != "1" {
		i++
	}
	if i == len(cells) {
		return
	}
	if s.fmtRows == nil {
		rows, err := s.f.Rows(s.sheet)
		if err != nil {
			return
		}
		s.fmtRows = rows
	}
	for s.fmtRow < s.row {
		if !s.fmtRows.Next() {
			return
		}
		s.fmtRow++
	}
	shown, err := s.fmtRows.Columns()
	if err != nil {
		return
	}
	for ; i < len(cells) && i < len(shown); i++ {
		if (cells[i] == "0" || cells[i] == "1") && (shown[i] == "TRUE" || shown[i] == "FALSE") {
			cells[i] = shown[i]
		}
	}
}

// Close releases the workbook and its temporary files. It may be called
// more than once.
func (s *XLSXSource) Close() error {
	var errs []error
	for _, r := range []*excelize.Rows{s.rows, s.fmtRows} {
		if r != nil {
			if err := r.Close(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	s.rows, s.fmtRows = nil, nil
	s.nums.close()
	if s.f != nil {
		if err := s.f.Close(); err != nil {
			errs = append(errs, err)
		}
		s.f = nil
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s: %w", s.display, errs[0])
	}
	return nil
}

// colName is the letter name of a 0-based column index.
func colName(i int) string {
	n, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return "column " + strconv.Itoa(i+1)
	}
	return n
}

func cellName(i, row int) string { return colName(i) + strconv.Itoa(row) }
