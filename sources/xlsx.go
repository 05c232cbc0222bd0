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

// XLSXSource reads one sheet of a workbook row by row, in one streaming
// pass over the sheet's XML (see xlsxread.go).
//
// Values are the stored cell contents, not what a number format displays:
// numbers at the 15 significant digits Excel shows (1234.5; 70.85 for a
// stored 70.84999999999999; integers exact; a date is its serial number,
// 45123), booleans as TRUE and FALSE, text as is, error cells as their code
// (#N/A). The header says SerialDates, so the mapping turns numbers in date
// fields into dates (see SerialToTime). Where a number format shows what
// the stored value loses (zero padding, a date or time: see xlsxstyles.go),
// the record also has the shown text (record.Record.Shown), which text
// fields take.
//
// A workbook whose package or sheet XML is broken is refused (ErrDamaged),
// never read in part; one past source.limits too (ErrLimit).
type XLSXSource struct {
	pkg     *xlsxPackage
	rd      *sheetReader
	display string
	sheet   string
	header  *record.Header
	width   int

	dataFrom int // first data row, after header and skip

	seq      int64
	calls    uint
	estimate int64 // records guessed before reading; see SizeEstimate

	// used marks the columns the job reads (ProjectColumns); nil: any
	used []bool
}

var (
	_ pipeline.Source          = (*XLSXSource)(nil)
	_ pipeline.ColumnProjector = (*XLSXSource)(nil)
)

// ProjectColumns notes the columns the job's mapping reads: a cell without
// a value to read (unknownProblem) fails a record only in one of them, as
// no other column's value is used.
func (s *XLSXSource) ProjectColumns(p pipeline.Projection) {
	if s.header == nil {
		return
	}
	used := make([]bool, s.width)
	for _, c := range p.Columns {
		if i, ok := s.header.IndexShown(c); ok && i < len(used) { // as the mapping finds a column
			used[i] = true
		}
	}
	s.used = used
}

// unknownProblem says why a cell has no value to read. A formula without
// its result: Excel and LibreOffice store both, programs that do not
// calculate (openpyxl, many generated exports) the formula alone, and
// reading it as empty would import nothing, or clear a field, where the
// file meant a number. An error code (#DIV/0!, #N/A) is where a formula
// failed: imported, it would become a name or a note.
func unknownProblem(c *sheetCell, row int, value, column string) string {
	f := c.formulaText
	if len(f) > maxFormulaShown {
		f = strings.ToValidUTF8(f[:maxFormulaShown], "") + "…"
	}
	cell := cellName(c.col, row)
	if column != "" {
		cell += fmt.Sprintf(" (column %q)", column)
	}
	if c.unknown == errorValue {
		if f != "" {
			return fmt.Sprintf("cell %s holds the error %s, not a value: its formula =%s could not be calculated; correct it or the cells it uses, and run the job again", cell, value, f)
		}
		return fmt.Sprintf("cell %s holds the error %s, not a value: correct the cell, and run the job again", cell, value)
	}
	what := "a formula"
	if f != "" {
		what = "the formula =" + f
	}
	return fmt.Sprintf("cell %s holds %s but not its result (the program that wrote the file did not calculate it): "+
		"open the file in Excel or LibreOffice, save it, and run the job again", cell, what)
}

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
	lim, err := sourceLimits(spec)
	if err != nil {
		return nil, err
	}
	if err := checkZip(path, display); err != nil {
		return nil, err
	}
	pkg, err := openPackage(path, display, lim)
	if err != nil {
		return nil, err
	}
	s := &XLSXSource{pkg: pkg, display: display}
	if err := s.open(spec.Sheet, headerRow, skip); err != nil {
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

func (s *XLSXSource) open(sheetOpt string, headerRow, skip int) error {
	sheets := s.pkg.sheetNames()
	if len(sheets) == 0 {
		return fmt.Errorf("%s: the workbook has no sheets", s.display)
	}
	sheet, err := pickSheet(sheets, sheetOpt, s.pkg.firstVisible())
	if err != nil {
		return fmt.Errorf("%s: %w", s.display, err)
	}
	s.sheet = sheet
	part, err := s.pkg.sheetPart(sheet)
	if err != nil {
		return err
	}
	where := fmt.Sprintf("%s: sheet %q: header row %d", s.display, sheet, headerRow)

	// Merged cells leave all but their top left cell empty; in the header
	// that loses column names, at its end even without a trace in the row.
	// A merge that starts in the header row and spans one column (a header
	// of two rows, read from the first) loses nothing and is allowed.
	x, err := s.pkg.openPart(part) // checks the part's size before the scan
	if err != nil {
		return err
	}
	x.Close()
	scan, _ := scanSheet(part, s.display, s.pkg.lim)
	if scan.err != nil {
		return scan.err
	}
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

	sst, err := s.pkg.readSharedStrings()
	if err != nil {
		return err
	}
	x, err = s.pkg.openPart(part)
	if err != nil {
		return err
	}
	s.rd = &sheetReader{pkg: s.pkg, x: x, sst: sst, lim: s.pkg.lim, part: part.Name,
		styles: s.pkg.readStyles(), date1904: s.pkg.date1904}
	rd := s.rd
	for {
		err := rd.nextRow()
		if err == io.EOF {
			if rd.lastRow == 0 {
				return fmt.Errorf("%s: sheet %q is empty, no header row", s.display, sheet)
			}
			return fmt.Errorf("%s is past the last row of the sheet (%d)", where, rd.lastRow)
		}
		if err != nil {
			return err
		}
		if rd.row >= headerRow {
			break
		}
	}
	var names []string
	if rd.row == headerRow {
		str := string(rd.rowBuf)
		for i := range rd.cells {
			c := &rd.cells[i]
			if c.problem != "" {
				return fmt.Errorf("%s: %s", where, c.problem)
			}
			if c.unknown != 0 {
				return fmt.Errorf("%s: %s", where, unknownProblem(c, headerRow, c.value(str), ""))
			}
			if c.empty() && !c.formula {
				continue
			}
			for len(names) < c.col {
				names = append(names, "")
			}
			names = append(names, cleanName(c.value(str)))
		}
	}
	if len(names) == 0 { // also when the header row is missing
		return kindErrorf(ErrHeader, "%s is empty", where)
	}
	cellPos := func(i int) string { return "cell " + cellName(i, headerRow) }
	if err := checkNames(names, cellPos, "is empty"); err != nil {
		return fmt.Errorf("%s, %w", where, err)
	}
	s.header = record.NewHeader(names)
	s.header.SerialDates = true
	s.header.Date1904 = s.pkg.date1904
	s.width = len(names)
	s.dataFrom = headerRow + skip + 1
	return nil
}

// pickSheet finds a sheet by name (exact, then ignoring case as Excel
// does), then by 1-based position in the workbook; the default is def, the
// first sheet Excel shows (a supplier's hidden settings sheet before the
// data is not what the merchant sees first).
func pickSheet(sheets []string, want, def string) (string, error) {
	if want == "" {
		return def, nil
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
		rd := s.rd
		if rd == nil {
			return nil, io.EOF
		}
		if err := rd.nextRow(); err != nil {
			if err != io.EOF {
				// nothing after damage is read
				rd.close()
				s.rd = nil
			}
			return nil, err
		}
		if rd.row < s.dataFrom {
			continue
		}
		var str string
		empty := true
		for i := range rd.cells {
			if !rd.cells[i].empty() || rd.cells[i].problem != "" || rd.cells[i].unknown != 0 {
				empty = false
				break
			}
		}
		if empty {
			continue
		}
		if len(rd.rowBuf) > 0 {
			str = string(rd.rowBuf)
		}
		fields := make([]string, s.width)
		var prob *problem
		var numeric []bool
		var shown []string
		for i := range rd.cells {
			c := &rd.cells[i]
			if c.problem != "" && prob == nil {
				prob = &problem{ErrCell, c.problem}
			}
			if c.unknown != 0 && prob == nil && c.col < s.width && (s.used == nil || s.used[c.col]) {
				prob = &problem{ErrCell, unknownProblem(c, rd.row, c.value(str), s.header.Names[c.col])}
			}
			if c.col < s.width {
				fields[c.col] = c.value(str)
				if c.number && storedDecimal(fields[c.col]) {
					// 13.45 typed into a price cell is a number whatever
					// separators the column's text uses
					if numeric == nil {
						numeric = make([]bool, s.width)
					}
					numeric[c.col] = true
				}
				if sh := c.shown(str); sh != "" {
					// a padded number or a date: what the cell shows is
					// what text fields get (record.Record.Shown)
					if shown == nil {
						shown = make([]string, s.width)
					}
					shown[c.col] = sh
				}
			} else if !c.empty() && prob == nil {
				prob = &problem{ErrFieldCount, fmt.Sprintf(
					"cell %s holds %q, right of the last header column %s: give the column a name or clear it",
					cellName(c.col, rd.row), c.value(str), colName(s.width-1))}
			}
		}
		rec := s.emit(rd.row, fields, prob)
		rec.Numeric, rec.Shown = numeric, shown
		return rec, nil
	}
}

// storedDecimal reports a number's text that reads differently under a
// column's separator rules than as the stored number: a '.' or an
// exponent. Integers read the same either way.
func storedDecimal(s string) bool {
	return strings.ContainsAny(s, ".eE")
}

func (s *XLSXSource) emit(row int, fields []string, prob *problem) *record.Record {
	rec := &record.Record{Seq: s.seq, Row: row, Header: s.header, Fields: fields}
	if prob != nil {
		rec.Err = &RowError{File: s.display, Sheet: s.sheet, Line: row, Kind: prob.kind, Msg: prob.msg}
	}
	s.seq++
	return rec
}

// Close releases the workbook. It may be called more than once. Nothing is
// unpacked to disk, so no temporary file is left behind.
func (s *XLSXSource) Close() error {
	var errs []error
	if s.rd != nil {
		if err := s.rd.close(); err != nil {
			errs = append(errs, err)
		}
		s.rd = nil
	}
	if s.pkg != nil {
		if err := s.pkg.Close(); err != nil {
			errs = append(errs, err)
		}
		s.pkg = nil
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
