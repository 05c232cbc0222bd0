package sources

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// numericCells tells which cells of a row a workbook stored as numbers.
// excelize's row iterator gives every cell as text, so a number cell
// holding 13.45 and a text cell holding "13.45" look alike; under a
// column's decimal: comma the first is a price, the second an error. This
// scans the sheet part once more, alongside the rows, with a byte search
// for <row> and <c> tags (far cheaper than excelize's decoding), and only
// from the first row that has a cell whose reading depends on it.
type numericCells struct {
	file, sheet string
	zr          *zip.ReadCloser
	rc          io.ReadCloser
	br          *bufio.Reader
	row         int   // sheet row of cols
	cols        []int // 0-based columns of number cells in row
	next        int   // row number a <row> without r gets
	broken      bool  // the part could not be opened or read: know nothing
}

// storedDecimal reports text that reads differently under the separator
// rules than as a stored number: digits with a '.' or an exponent.
func storedDecimal(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '-', c == '+':
		case c == '.', c == 'E', c == 'e':
			dot = true
		default:
			return false
		}
	}
	return dot
}

// flags returns which of fields (sheet row row) were number cells, nil when
// none needs telling apart.
func (n *numericCells) flags(row int, fields []string) []bool {
	need := false
	for _, f := range fields {
		if storedDecimal(f) {
			need = true
			break
		}
	}
	if !need || n.broken {
		return nil
	}
	if n.br == nil {
		if err := n.open(); err != nil {
			n.broken = true
			n.close()
			return nil
		}
	}
	for n.row < row && !n.broken {
		if err := n.readRow(); err != nil {
			n.broken = true // io.EOF too: rows past the part's end
		}
	}
	if n.row != row {
		return nil
	}
	var out []bool
	for _, c := range n.cols {
		if c < len(fields) && storedDecimal(fields[c]) {
			if out == nil {
				out = make([]bool, len(fields))
			}
			out[c] = true
		}
	}
	return out
}

func (n *numericCells) open() error {
	zr, err := zip.OpenReader(n.file)
	if err != nil {
		return err
	}
	n.zr = zr
	parts := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		parts[strings.ToLower(strings.TrimPrefix(f.Name, "/"))] = f
	}
	var pkgRels xmlRels
	if err := readXMLPart(parts, "_rels/.rels", &pkgRels); err != nil {
		return err
	}
	wbPath := "xl/workbook.xml"
	for _, r := range pkgRels.Rels {
		if strings.HasSuffix(r.Type, "/officeDocument") {
			wbPath = resolveTarget("", r.Target)
		}
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := readXMLPart(parts, wbPath, &wb); err != nil {
		return err
	}
	var wbRels xmlRels
	if err := readXMLPart(parts, path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels"), &wbRels); err != nil {
		return err
	}
	var part *zip.File
	for _, s := range wb.Sheets {
		if s.Name == n.sheet {
			for _, r := range wbRels.Rels {
				if r.ID == s.RID {
					part = parts[strings.ToLower(resolveTarget(path.Dir(wbPath), r.Target))]
				}
			}
		}
	}
	if part == nil {
		return errors.New("sheet part not found")
	}
	rc, err := part.Open()
	if err != nil {
		return err
	}
	n.rc, n.br, n.next = rc, bufio.NewReaderSize(rc, 64<<10), 1
	return nil
}

// tag reads the next tag: its local name and its attributes' text.
func (n *numericCells) tag() (name, attrs []byte, err error) {
	if _, err = n.br.ReadSlice('<'); err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, nil, err
	}
	for errors.Is(err, bufio.ErrBufferFull) { // a long text node
		_, err = n.br.ReadSlice('<')
	}
	if err != nil {
		return nil, nil, err
	}
	b, err := n.br.ReadSlice('>')
	if err != nil {
		return nil, nil, err // a tag longer than the buffer is no cell tag here
	}
	end := bytes.IndexAny(b, " \t\r\n/>")
	if end == 0 && b[0] == '/' { // a closing tag
		end = 1 + bytes.IndexAny(b[1:], " \t\r\n>")
	}
	name = b[:end]
	if i := bytes.IndexByte(name, ':'); i >= 0 {
		if name[0] == '/' {
			name = append([]byte{'/'}, name[i+1:]...)
		} else {
			name = name[i+1:]
		}
	}
	return name, b[end:], nil
}

// attr is the value of attribute key in a tag's attribute text.
func attr(attrs []byte, key string) string {
	for i := 0; ; {
		j := bytes.Index(attrs[i:], []byte(key+`="`))
		if j < 0 {
			return ""
		}
		j += i
		if j == 0 || attrs[j-1] == ' ' || attrs[j-1] == '\t' || attrs[j-1] == '\n' || attrs[j-1] == '\r' {
			v := attrs[j+len(key)+2:]
			if k := bytes.IndexByte(v, '"'); k >= 0 {
				return string(v[:k])
			}
			return ""
		}
		i = j + 1
	}
}

// readRow reads the next <row> and its number cells.
func (n *numericCells) readRow() error {
	for {
		name, attrs, err := n.tag()
		if err != nil {
			return err
		}
		if string(name) != "row" {
			continue
		}
		n.row = n.next
		if r, err := strconv.Atoi(attr(attrs, "r")); err == nil {
			n.row = r
		}
		n.next = n.row + 1
		n.cols = n.cols[:0]
		if bytes.HasSuffix(attrs, []byte("/>")) {
			return nil
		}
		col := -1
		for {
			name, attrs, err := n.tag()
			if err != nil {
				return err
			}
			switch string(name) {
			case "/row":
				return nil
			case "c":
				col++
				if ref := attr(attrs, "r"); ref != "" {
					if c, _, err := excelize.CellNameToCoordinates(ref); err == nil {
						col = c - 1
					}
				}
				if t := attr(attrs, "t"); t == "" || t == "n" {
					n.cols = append(n.cols, col)
				}
			}
		}
	}
}

func (n *numericCells) close() {
	if n.rc != nil {
		n.rc.Close()
	}
	if n.zr != nil {
		n.zr.Close()
	}
	n.rc, n.zr, n.br = nil, nil, nil
}
