package xlsxw

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// The rows of a spooled Table (TableOptions.Spool), written as excelize's
// StreamWriter writes them, so the workbook reads the same: inline strings,
// numbers as excelize formats them, booleans, and formulas with their cached
// result.

// spoolRow writes a formatted row; rowNum must be the spool's next row.
func (t *Table) spoolRow(rowNum int, r *Row) error {
	s := t.spool
	if !t.startSpoolRow(rowNum) {
		return s.Err()
	}
	for i := range r.cells {
		switch r.kinds[i] {
		case kEmpty:
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
		s.tableCell(i, &r.cells[i])
	}
	s.EndRow()
	return s.Err()
}

// spoolCells writes a row of excelize.Cell values or nils (the totals row).
func (t *Table) spoolCells(rowNum int, cells []any) error {
	s := t.spool
	if !t.startSpoolRow(rowNum) {
		return s.Err()
	}
	for i, v := range cells {
		switch c := v.(type) {
		case nil:
		case excelize.Cell:
			s.tableCell(i, &c)
		default:
			return fmt.Errorf("internal: totals cell %d is a %T", i, v)
		}
	}
	s.EndRow()
	return s.Err()
}

func (t *Table) startSpoolRow(rowNum int) bool {
	s := t.spool
	if !s.StartRow() {
		return false
	}
	// the spool numbers its rows after the header; the Table's numbers are
	// the ones comments and formulas refer to, so they must agree
	if got := s.cur.rows + 1; got != rowNum {
		s.err = fmt.Errorf("internal: row %d of sheet %q spooled as row %d", rowNum, t.sheet, got)
		return false
	}
	return true
}

// tableCell writes a cell of a Table: the values Table.Format and
// AppendTotals make (string, int64, int, float64, bool), with an optional
// formula; anything else as text, as excelize does.
func (s *Spool) tableCell(col int, c *excelize.Cell) {
	var num []byte
	switch v := c.Value.(type) {
	case bool:
		s.cell(col, c.StyleID, "b")
		if v {
			s.b = append(s.b, `<v>1</v></c>`...)
		} else {
			s.b = append(s.b, `<v>0</v></c>`...)
		}
		return
	case int64:
		num = strconv.AppendInt(s.num[:0], v, 10)
	case int:
		num = strconv.AppendInt(s.num[:0], int64(v), 10)
	case float64:
		num = appendExcelFloat(s.num[:0], v)
	case string:
		if c.Formula != "" { // a formula's cached text result
			s.cell(col, c.StyleID, "str")
			s.formula(c.Formula)
			s.b = append(s.b, `<v>`...)
			s.b = appendEscaped(s.b, v)
			s.b = append(s.b, `</v></c>`...)
			return
		}
		s.inlineText(col, c.StyleID, v)
		return
	default:
		s.inlineText(col, c.StyleID, fmt.Sprint(v))
		return
	}
	s.num = num
	s.cell(col, c.StyleID, "")
	s.formula(c.Formula)
	s.b = append(s.b, `<v>`...)
	s.b = append(s.b, num...)
	s.b = append(s.b, `</v></c>`...)
}

func (s *Spool) inlineText(col, style int, v string) {
	s.cell(col, style, "inlineStr")
	s.b = append(s.b, `<is><t`...)
	if needsPreserve(v) {
		s.b = append(s.b, ` xml:space="preserve"`...)
	}
	s.b = append(s.b, '>')
	s.b = AppendXMLText(s.b, v, excelize.TotalCellChars)
	s.b = append(s.b, `</t></is></c>`...)
}

func (s *Spool) formula(f string) {
	if f != "" {
		s.b = append(s.b, `<f>`...)
		s.b = appendEscaped(s.b, f)
		s.b = append(s.b, `</f>`...)
	}
}

// appendEscaped escapes the characters XML text cannot hold as they are.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '&':
			b = append(b, "&amp;"...)
		case '\r':
			b = append(b, "&#13;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendExcelFloat appends v as excelize writes a float64 cell: plain
// notation, digits past the 15th significant one dropped (in the integer
// part: made zeros).
func appendExcelFloat(b []byte, v float64) []byte {
	n := len(b)
	b = strconv.AppendFloat(b, v, 'f', -1, 64)
	if math.Abs(v) == math.MaxFloat64 {
		return b
	}
	str := b[n:]
	dot := strings.IndexByte(string(str), '.')
	significant := 0
	for i, c := range str {
		if c < '0' || c > '9' || significant == 0 && c == '0' {
			continue
		}
		if significant++; significant <= MaxSignificant {
			continue
		}
		if dot >= 0 && i > dot {
			b = b[:n+i]
			if b[len(b)-1] == '.' {
				b = b[:len(b)-1]
			}
			return b
		}
		if dot < 0 {
			dot = len(str)
		}
		for ; i < dot; i++ {
			str[i] = '0'
		}
		return b[:n+dot]
	}
	return b
}
