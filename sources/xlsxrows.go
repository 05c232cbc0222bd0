package sources

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// sheetReader streams the rows of one sheet part.
type sheetReader struct {
	pkg  *xlsxPackage
	x    *xmlReader
	sst  []string
	lim  limits
	part string
	// styles are the number formats by style index (readStyles), nil when
	// none shows a number other than as stored; date1904 is the workbook's
	// date system, for the dates they show
	styles   []numFormat
	date1904 bool

	inData  bool // inside <sheetData>
	lastRow int  // number of the last row read; rows must count up
	done    bool

	// The row last read: its cells in column order, their text in rowBuf
	// (shared strings are referenced, not copied).
	row    int
	cells  []sheetCell
	rowBuf []byte
	vbuf   []byte
	text   textCollector
	// fbuf is the formula text of the cell being read (its first
	// maxFormulaShown+1 bytes)
	fbuf []byte
}

// unknownValue is why a cell that is not empty has no value to read.
type unknownValue uint8

const (
	// noResult: a formula stored without its result (no or an empty <v>),
	// as programs that do not calculate write it (openpyxl writes
	// <f>B2*2</f><v></v>)
	noResult unknownValue = iota + 1
	// errorValue: an error code (t="e": #DIV/0!, #N/A, #REF!) where a
	// formula failed; its text is not the cell's value
	errorValue
)

// maxFormulaShown is how much of a formula a message quotes.
const maxFormulaShown = 60

type sheetCell struct {
	col        int    // 0-based
	str        string // a shared string, when shared
	shared     bool
	start, end int // the value in rowBuf, when not shared
	formula    bool
	// unknown says why the cell has no value to read, though it is not
	// empty (see unknownProblem); formulaText is its formula, if any
	unknown     unknownValue
	formulaText string
	number      bool // a number cell: its text is the stored form (record.Record.Numeric)
	// shownEnd ends the text the cell's number format shows (record.Record.Shown),
	// which follows its value in rowBuf; 0 when it shows its value
	shownEnd int
	problem  string // a value that cannot be read; the record fails
}

func (c *sheetCell) value(row string) string {
	if c.shared {
		return c.str
	}
	return row[c.start:c.end]
}

// shown is the text the cell's number format shows, "" when that is its
// value.
func (c *sheetCell) shown(row string) string {
	if c.shownEnd <= c.end {
		return ""
	}
	return row[c.end:c.shownEnd]
}

func (c *sheetCell) empty() bool {
	if c.shared {
		return c.str == ""
	}
	return c.start == c.end
}

// damaged names the row being read for a failure of the part.
func (r *sheetReader) damaged(err error) error {
	return r.pkg.damaged(r.lastRow+1, r.part, err)
}

func (r *sheetReader) close() error {
	if r.x == nil {
		return nil
	}
	err := r.x.Close()
	r.x = nil
	return err
}

// nextRow reads the next <row> element into r.row and r.cells. After the
// last row it reads the part to its end, so that damage after the rows (or
// a checksum that does not match) is still found, and returns io.EOF.
func (r *sheetReader) nextRow() error {
	if r.done || r.x == nil {
		return io.EOF
	}
	for {
		tok, err := r.x.next()
		if err == io.EOF {
			r.done = true
			return io.EOF
		}
		if err != nil {
			return r.damaged(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "sheetData":
				r.inData = true
			case "row":
				if r.inData {
					return r.readRow(t)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "sheetData" {
				r.inData = false
			}
		}
	}
}

func (r *sheetReader) readRow(se xml.StartElement) error {
	num := r.lastRow + 1
	if v := attr(se, "r"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return damagedf(r.pkg.display, r.lastRow+1, "a row is numbered %q", v)
		}
		num = n
	}
	if num <= r.lastRow {
		what := "backwards"
		if num == r.lastRow {
			what = "twice"
		}
		return damagedf(r.pkg.display, num, "row %d comes after row %d: rows are numbered %s", num, r.lastRow, what)
	}
	if num > maxSheetRows {
		return damagedf(r.pkg.display, num, "row %d is past Excel's last row %d", num, maxSheetRows)
	}
	r.lastRow, r.row = num, num
	r.cells, r.rowBuf = r.cells[:0], r.rowBuf[:0]
	col := -1
	var rowBytes int64
	for {
		tok, err := r.x.next()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return r.pkg.damaged(num, r.part, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "c" {
				continue
			}
			next := col + 1
			if ref := attr(t, "r"); ref != "" {
				c, rr, ok := parseCellRef(ref)
				if !ok || (rr != num) {
					return damagedf(r.pkg.display, num, "a cell of row %d is named %q", num, ref)
				}
				next = c
			}
			if next <= col {
				return damagedf(r.pkg.display, num, "cell %s comes after cell %s: cells are out of order", cellName(next, num), cellName(col, num))
			}
			if next >= maxSheetCols {
				return damagedf(r.pkg.display, num, "a cell is right of Excel's last column XFD")
			}
			if next >= r.lim.columns {
				return limitf(r.pkg.display, num, "max_columns", int64(r.lim.columns), "cell %s is in column %d", cellName(next, num), next+1)
			}
			col = next
			if err := r.readCell(t, col); err != nil {
				return err
			}
			c := &r.cells[len(r.cells)-1]
			if c.shared {
				rowBytes += int64(len(c.str))
			}
			if rowBytes+int64(len(r.rowBuf)) > r.lim.row {
				return limitf(r.pkg.display, num, "max_row_bytes", r.lim.row, "the row holds more than that")
			}
		case xml.EndElement:
			if t.Name.Local == "row" {
				return nil
			}
		}
	}
}

// readCell reads one <c> element and appends it to r.cells.
func (r *sheetReader) readCell(se xml.StartElement, col int) error {
	typ := attr(se, "t")
	cell := sheetCell{col: col}
	style := 0 // a cell without s has the workbook's first style
	if r.styles != nil {
		style = styleIndex(attr(se, "s"))
	}
	r.vbuf = r.vbuf[:0]
	r.fbuf = r.fbuf[:0]
	r.text.reset()
	inV, inF, hasIS, hasV := false, false, false, false
	num := r.row
	tooLarge := func() error {
		return limitf(r.pkg.display, num, "max_cell_bytes", r.lim.cell, "cell %s holds more than that", cellName(col, num))
	}
	for {
		tok, err := r.x.next()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return r.pkg.damaged(num, r.part, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "v":
				inV, hasV = true, true
			case "f":
				inF, cell.formula = true, true
			case "is":
				hasIS = true
			default:
				r.text.start(t.Name.Local)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v":
				inV = false
			case "f":
				inF = false
			case "c":
				// no result: no <v>, or an empty one where only text may
				// be empty (t="str" is a formula's text result, "" too);
				// openpyxl writes <f>B2*2</f><v></v>
				switch {
				case cell.formula && !hasIS && (!hasV || typ != "str" && len(bytes.TrimSpace(r.vbuf)) == 0):
					cell.unknown = noResult
				case typ == "e":
					cell.unknown = errorValue
				}
				if cell.unknown != 0 && cell.formula {
					cell.formulaText = string(r.fbuf)
				}
				return r.finishCell(&cell, typ, hasIS, style)
			default:
				r.text.end(t.Name.Local)
			}
		case xml.CharData:
			switch {
			case inF:
				// the formula's text, for the message when it has no result
				if n := maxFormulaShown + 1 - len(r.fbuf); n > 0 {
					r.fbuf = append(r.fbuf, t[:min(n, len(t))]...)
				}
			case inV:
				if int64(len(r.vbuf)+len(t)) > r.lim.cell {
					return tooLarge()
				}
				r.vbuf = append(r.vbuf, t...)
			case hasIS:
				if r.text.add(t, r.lim.cell) != nil {
					return tooLarge()
				}
			}
		}
	}
}

func (r *sheetReader) finishCell(cell *sheetCell, typ string, hasIS bool, style int) error {
	v := r.vbuf
	start := len(r.rowBuf)
	switch typ {
	case "s":
		if len(v) == 0 {
			break
		}
		i, err := strconv.Atoi(string(bytes.TrimSpace(v)))
		if err != nil || i < 0 || i >= len(r.sst) {
			cell.problem = fmt.Sprintf("cell %s refers to shared string %q, which the workbook does not have", cellName(cell.col, r.row), v)
			break
		}
		cell.shared, cell.str = true, r.sst[i]
	case "inlineStr":
		if hasIS {
			r.rowBuf = append(r.rowBuf, r.text.value()...)
		} else {
			r.rowBuf = append(r.rowBuf, v...)
		}
	case "b":
		switch string(bytes.TrimSpace(v)) {
		case "":
		case "1", "true", "TRUE":
			r.rowBuf = append(r.rowBuf, "TRUE"...)
		case "0", "false", "FALSE":
			r.rowBuf = append(r.rowBuf, "FALSE"...)
		default:
			r.rowBuf = append(r.rowBuf, v...)
			cell.problem = fmt.Sprintf("cell %s is a boolean holding %q", cellName(cell.col, r.row), v)
		}
	case "", "n":
		if len(v) == 0 {
			break
		}
		var ok bool
		if r.rowBuf, ok = appendNumber(r.rowBuf, v); !ok {
			r.rowBuf = append(r.rowBuf[:start], v...)
			cell.problem = fmt.Sprintf("cell %s is a number cell holding %q", cellName(cell.col, r.row), v)
		} else {
			cell.number = true
			// an index past the styles is General, as Excel reads it
			if style < len(r.styles) && r.styles[style].kind != fmtGeneral {
				end := len(r.rowBuf)
				var ok bool
				if r.rowBuf, ok = appendShown(r.rowBuf, r.rowBuf[start:end], r.styles[style], r.date1904); ok {
					cell.start, cell.end, cell.shownEnd = start, end, len(r.rowBuf)
					r.cells = append(r.cells, *cell)
					return nil
				}
			}
		}
	default: // str (a formula's text), e (an error code: #N/A), d (an ISO date)
		r.rowBuf = append(r.rowBuf, v...)
	}
	cell.start, cell.end = start, len(r.rowBuf)
	r.cells = append(r.cells, *cell)
	return nil
}

// styleIndex reads a cell's s attribute: a missing one is style 0, a
// malformed one past any workbook's styles (General).
func styleIndex(v string) int {
	if len(v) > 6 {
		return maxCellXfs
	}
	n := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return maxCellXfs
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// parseCellRef reads a cell name such as AB12: 0-based column, row.
func parseCellRef(ref string) (col, row int, ok bool) {
	i := 0
	for i < len(ref) && i < 4 {
		c := ref[i]
		switch {
		case 'A' <= c && c <= 'Z':
			col = col*26 + int(c-'A'+1)
		case 'a' <= c && c <= 'z':
			col = col*26 + int(c-'a'+1)
		default:
			goto digits
		}
		i++
	}
digits:
	if i == 0 || i == len(ref) || ref[i] == '0' {
		return 0, 0, false
	}
	for _, c := range []byte(ref[i:]) {
		if c < '0' || c > '9' || row > maxSheetRows {
			return 0, 0, false
		}
		row = row*10 + int(c-'0')
	}
	return col - 1, row, true
}

// appendNumber appends a stored number as Excel and LibreOffice show it: at
// 15 significant digits, so that 70.84999999999999 (a binary float's
// shortest round trip, as Excel writes it) reads 70.85. Integers are kept
// as stored, however long, so IDs and GTINs stored as numbers stay exact.
// No exponent for ordinary magnitudes. ok is false for text that is no
// number.
func appendNumber(dst, v []byte) ([]byte, bool) {
	v = bytes.TrimSpace(v)
	// Fast path: digits with at most 15 significant ones and no exponent
	// read the same either way.
	digits, sig, dot, plain := 0, 0, -1, true
	for i, c := range v {
		switch {
		case '0' <= c && c <= '9':
			digits++
			if sig > 0 || c != '0' {
				sig++
			}
		case c == '.' && dot < 0:
			dot = i
		case c == '-' && i == 0 && len(v) > 1:
		default:
			plain = false
		}
	}
	if plain && digits > 0 {
		if sig == 0 {
			return append(dst, '0'), true
		}
		if dot < 0 {
			return append(dst, v...), true // an integer: exact
		}
		if sig <= 15 {
			// trim trailing zeros of the fraction (and a bare point)
			end := len(v)
			for end > dot+1 && v[end-1] == '0' {
				end--
			}
			if end == dot+1 {
				end = dot
			}
			return append(dst, v[:end]...), true
		}
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, false
	}
	g := strconv.FormatFloat(f, 'g', 15, 64)
	if f, err = strconv.ParseFloat(g, 64); err != nil {
		// rounding to 15 digits overflowed (near the largest float)
		return append(dst, strings.ToUpper(g)...), true
	}
	if f == 0 {
		return append(dst, '0'), true
	}
	if a := max(f, -f); a >= 1e-30 && a < 1e30 {
		return strconv.AppendFloat(dst, f, 'f', -1, 64), true
	}
	return strconv.AppendFloat(dst, f, 'E', -1, 64), true
}
