package sources

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The XLSX source reads the package itself, with encoding/xml, rather than
// through excelize: excelize drops the XML decoder's errors (a flipped byte
// or an undefined entity ends the sheet early, silently), unpacks large
// sheets to temporary files first, pads every row to its last column, and
// tells booleans from 0/1 only in a second decode. One streaming pass here
// does all of it and checks what excelize hides.

const (
	maxSheetRows = 1 << 20 // 1048576, Excel's last row
	maxSheetCols = 16384   // XFD, Excel's last column
)

// xlsxPackage is an open workbook: its parts, sheets and shared strings.
type xlsxPackage struct {
	zr       *zip.ReadCloser
	display  string
	lim      limits
	parts    map[string]*zip.File // by lower-case name (OPC names ignore case)
	sheets   []xlsxSheetRef
	date1904 bool
	sstPart  string
	// stylesPart holds the cells' number formats (see readStyles)
	stylesPart string
}

type xlsxSheetRef struct {
	name   string
	part   string
	hidden bool // state="hidden" or "veryHidden": Excel shows no tab for it
}

// openPackage opens the zip and reads the workbook's sheet list. A zip that
// cannot be opened fails as before ("cannot open the workbook"); a workbook
// part that cannot be read is damage.
func openPackage(file, display string, lim limits) (*xlsxPackage, error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot open the workbook: %w", display, err)
	}
	p := &xlsxPackage{zr: zr, display: display, lim: lim, parts: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		p.parts[strings.ToLower(strings.TrimPrefix(f.Name, "/"))] = f
	}
	if err := p.readWorkbook(); err != nil {
		zr.Close()
		return nil, err
	}
	return p, nil
}

func (p *xlsxPackage) Close() error {
	if p == nil || p.zr == nil {
		return nil
	}
	err := p.zr.Close()
	p.zr = nil
	return err
}

func (p *xlsxPackage) part(name string) *zip.File {
	return p.parts[strings.ToLower(strings.TrimPrefix(name, "/"))]
}

// openPart opens a part for a streaming read, after checking its unpacked
// size against the limit. archive/zip fails a part that unpacks to more than
// it declares, so the declared size bounds what is read.
func (p *xlsxPackage) openPart(f *zip.File) (*xmlReader, error) {
	if f.UncompressedSize64 > uint64(p.lim.uncompressed) {
		return nil, limitf(p.display, 0, "max_uncompressed_bytes", p.lim.uncompressed,
			"part %s unpacks to %d bytes", f.Name, f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, p.damaged(0, f.Name, err)
	}
	return newXMLReader(rc, f.Name, p.lim.cell+64<<10), nil
}

// damaged wraps a read error of a part. A token too large for the limit is
// a limit error, not damage.
func (p *xlsxPackage) damaged(row int, part string, err error) error {
	var fe *fileError
	if errors.As(err, &fe) {
		if fe.file == "" {
			fe.file = p.display
		}
		if fe.row == 0 {
			fe.row = row
		}
		return fe
	}
	if errors.Is(err, errTokenTooLarge) {
		return limitf(p.display, row, "max_cell_bytes", p.lim.cell, "part %s holds a value, tag or run of spaces of more than that size", part)
	}
	e := damagedf(p.display, row, "part %s: %v", part, err)
	e.wrapped = err
	return e
}

// readWorkbook finds the workbook part, its sheets (in order) and the
// shared strings part.
func (p *xlsxPackage) readWorkbook() error {
	wbPath := "xl/workbook.xml"
	pkgRels, err := p.readRels("_rels/.rels")
	if err != nil {
		return err
	}
	for _, r := range pkgRels {
		if strings.HasSuffix(r.typ, "/officeDocument") {
			wbPath = resolveTarget("", r.target)
		}
	}
	wb := p.part(wbPath)
	if wb == nil {
		return damagedf(p.display, 0, "the workbook part %s is missing", wbPath)
	}
	dir := path.Dir(wbPath)
	rels, err := p.readRels(path.Join(dir, "_rels", path.Base(wbPath)+".rels"))
	if err != nil {
		return err
	}
	targets := map[string]string{}
	for _, r := range rels {
		t := resolveTarget(dir, r.target)
		targets[r.id] = t
		switch {
		case strings.HasSuffix(r.typ, "/sharedStrings"):
			p.sstPart = t
		case strings.HasSuffix(r.typ, "/styles"):
			p.stylesPart = t
		}
	}
	if p.sstPart == "" && p.part(path.Join(dir, "sharedStrings.xml")) != nil {
		p.sstPart = path.Join(dir, "sharedStrings.xml")
	}
	if p.stylesPart == "" && p.part(path.Join(dir, "styles.xml")) != nil {
		p.stylesPart = path.Join(dir, "styles.xml")
	}
	x, err := p.openPart(wb)
	if err != nil {
		return err
	}
	defer x.Close()
	for {
		tok, err := x.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return p.damaged(0, wb.Name, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "workbookPr":
			if v := attr(se, "date1904"); v == "1" || strings.EqualFold(v, "true") {
				p.date1904 = true
			}
		case "sheet":
			name, id := attr(se, "name"), attrNS(se, "id")
			state := attr(se, "state")
			p.sheets = append(p.sheets, xlsxSheetRef{name: name, part: targets[id], hidden: state == "hidden" || state == "veryHidden"})
		}
	}
}

type relationship struct{ id, typ, target string }

// readRels reads a relationships part; a missing one has none.
func (p *xlsxPackage) readRels(name string) ([]relationship, error) {
	f := p.part(name)
	if f == nil {
		return nil, nil
	}
	x, err := p.openPart(f)
	if err != nil {
		return nil, err
	}
	defer x.Close()
	var out []relationship
	for {
		tok, err := x.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, p.damaged(0, f.Name, err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Relationship" {
			out = append(out, relationship{attr(se, "Id"), attr(se, "Type"), attr(se, "Target")})
		}
	}
}

// sheetNames lists the sheets in workbook order.
func (p *xlsxPackage) sheetNames() []string {
	out := make([]string, len(p.sheets))
	for i, s := range p.sheets {
		out[i] = s.name
	}
	return out
}

// firstVisible is the first sheet Excel shows a tab for (the first sheet
// when it hides them all, which Excel does not allow).
func (p *xlsxPackage) firstVisible() string {
	for _, s := range p.sheets {
		if !s.hidden {
			return s.name
		}
	}
	return p.sheets[0].name
}

func (p *xlsxPackage) sheetPart(name string) (*zip.File, error) {
	for _, s := range p.sheets {
		if s.name == name {
			if f := p.part(s.part); f != nil {
				return f, nil
			}
			return nil, damagedf(p.display, 0, "the part %q of sheet %q is missing", s.part, name)
		}
	}
	return nil, fmt.Errorf("%s: sheet %q not found", p.display, name)
}

// readSharedStrings loads the shared strings table. Its text is kept in
// few large strings that the table's entries slice, so a cell that refers
// to one costs no allocation.
func (p *xlsxPackage) readSharedStrings() ([]string, error) {
	if p.sstPart == "" {
		return nil, nil
	}
	f := p.part(p.sstPart)
	if f == nil {
		return nil, nil
	}
	x, err := p.openPart(f)
	if err != nil {
		return nil, err
	}
	defer x.Close()
	// Text goes into a chunk of bytes; a full chunk becomes one string that
	// the entries of its strings slice, so only the chunk being filled is
	// held twice.
	const chunk = 1 << 20
	var (
		out   []string
		cur   []byte
		spans [][2]int // of the strings in cur
		total int64
		inSI  bool
		text  textCollector
	)
	flush := func() {
		str := string(cur)
		for _, sp := range spans {
			out = append(out, str[sp[0]:sp[1]])
		}
		cur, spans = cur[:0], spans[:0]
	}
	for {
		tok, err := x.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, p.damaged(0, f.Name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "si" {
				inSI = true
				text.reset()
				continue
			}
			if inSI {
				text.start(t.Name.Local)
			}
		case xml.EndElement:
			if t.Name.Local == "si" {
				if !inSI {
					continue
				}
				inSI = false
				s := text.value()
				// a string costs its text and its entry in out
				total += int64(len(s)) + 16
				if total > p.lim.sharedStrings {
					return nil, limitf(p.display, 0, "max_shared_strings_bytes", p.lim.sharedStrings,
						"the shared strings table holds more text than that")
				}
				if len(cur)+len(s) > cap(cur) {
					flush()
					if len(s) > cap(cur) {
						cur = make([]byte, 0, max(chunk, len(s)))
					}
				}
				start := len(cur)
				cur = append(cur, s...)
				spans = append(spans, [2]int{start, len(cur)})
				continue
			}
			if inSI {
				text.end(t.Name.Local)
			}
		case xml.CharData:
			if inSI {
				if err := text.add(t, p.lim.cell); err != nil {
					return nil, limitf(p.display, 0, "max_cell_bytes", p.lim.cell, "a shared string is longer than that")
				}
			}
		}
	}
	flush()
	return out, nil
}

// textCollector gathers the text of a string item (<si>, <is>): the <t>
// directly in it or in its rich text runs <r>, not the phonetic guide
// <rPh>, with _xHHHH_ escapes decoded as Excel writes them.
type textCollector struct {
	buf   []byte
	inT   int // depth of <t> being read
	inRPh int
}

func (c *textCollector) reset() { c.buf, c.inT, c.inRPh = c.buf[:0], 0, 0 }

func (c *textCollector) start(local string) {
	switch local {
	case "t":
		c.inT++
	case "rPh":
		c.inRPh++
	}
}

func (c *textCollector) end(local string) {
	switch local {
	case "t":
		c.inT--
	case "rPh":
		c.inRPh--
	}
}

var errCellTooLarge = errors.New("cell too large")

func (c *textCollector) add(b []byte, max int64) error {
	if c.inT > 0 && c.inRPh == 0 {
		if int64(len(c.buf)+len(b)) > max {
			return errCellTooLarge
		}
		c.buf = append(c.buf, b...)
	}
	return nil
}

// value is the collected text; valid until the next reset.
func (c *textCollector) value() []byte {
	if bytes.Contains(c.buf, []byte("_x")) {
		c.buf = decodeBstr(c.buf)
	}
	return c.buf
}

// decodeBstr decodes the _xHHHH_ escapes OOXML uses for characters XML
// cannot hold (_x000D_ is a CR); _x005F_ escapes the underscore itself.
func decodeBstr(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		if b[i] == '_' && i+7 <= len(b) && b[i+1] == 'x' && b[i+6] == '_' {
			if v, err := strconv.ParseUint(string(b[i+2:i+6]), 16, 32); err == nil {
				out = utf8.AppendRune(out, rune(v))
				i += 7
				continue
			}
		}
		out = append(out, b[i])
		i++
	}
	return out
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// attrNS finds a prefixed attribute (r:id) by its local name.
func attrNS(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local && a.Name.Space != "" {
			return a.Value
		}
	}
	return attr(se, local)
}

// xmlReader is a strict streaming XML tokenizer over one part: it checks
// that elements nest, that the document ends where its root ends, refuses a
// DOCTYPE (entity definitions are the way to a billion laughs), and bounds
// every token: an XML decoder buffers a whole token, so without a bound
// gigabytes of spaces between two tags would all be held in memory.
type xmlReader struct {
	rc    io.ReadCloser
	br    *budgetReader
	dec   *xml.Decoder
	part  string
	stack []xml.Name
	ended bool // the root element has closed
}

var errTokenTooLarge = errors.New("XML token too large")

// maxXMLDepth is far more than a workbook part nests (worksheet, sheetData,
// row, c, is, r, t; extension lists a few more).
const maxXMLDepth = 256

func newXMLReader(rc io.ReadCloser, part string, maxToken int64) *xmlReader {
	br := &budgetReader{r: rc, buf: make([]byte, 64<<10), max: maxToken}
	dec := xml.NewDecoder(br)
	dec.Strict = true
	return &xmlReader{rc: rc, br: br, dec: dec, part: part}
}

func (x *xmlReader) Close() error { return x.rc.Close() }

// next returns the next token; io.EOF only after a complete document. The
// token's bytes are valid until the next call.
func (x *xmlReader) next() (xml.Token, error) {
	x.br.used = 0
	tok, err := x.dec.RawToken()
	if err != nil {
		if err == io.EOF {
			if len(x.stack) > 0 {
				return nil, fmt.Errorf("the XML ends inside <%s>", x.stack[len(x.stack)-1].Local)
			}
			if !x.ended {
				return nil, errors.New("the XML has no root element")
			}
			return nil, io.EOF
		}
		if x.br.err != nil {
			return nil, x.br.err
		}
		return nil, err
	}
	switch t := tok.(type) {
	case xml.StartElement:
		if x.ended {
			return nil, fmt.Errorf("line %d: content after the end of the XML document", x.line())
		}
		if len(x.stack) >= maxXMLDepth {
			// the stack would otherwise grow with the part
			return nil, fmt.Errorf("line %d: elements nest deeper than %d levels", x.line(), maxXMLDepth)
		}
		x.stack = append(x.stack, t.Name)
	case xml.EndElement:
		n := len(x.stack)
		if n == 0 || x.stack[n-1] != t.Name {
			return nil, fmt.Errorf("line %d: element </%s> closes nothing open", x.line(), t.Name.Local)
		}
		x.stack = x.stack[:n-1]
		x.ended = n == 1
	case xml.Directive:
		return nil, fmt.Errorf("line %d: the XML declares a DOCTYPE or entities, which a workbook never does", x.line())
	case xml.CharData:
		if x.ended || len(x.stack) == 0 {
			if len(bytes.TrimLeft(t, " \t\r\n")) > 0 {
				return nil, fmt.Errorf("line %d: text outside the XML document", x.line())
			}
		}
	}
	return tok, nil
}

func (x *xmlReader) line() int {
	l, _ := x.dec.InputPos()
	return l
}

// budgetReader is the decoder's byte source. It fails once one token has
// taken more than max bytes (used is reset before each token), which bounds
// the decoder's buffer. It is an io.ByteReader, so the decoder reads it
// directly and does not wrap it in a bufio.Reader of its own.
type budgetReader struct {
	r        io.Reader
	buf      []byte
	pos, end int
	used     int64
	max      int64
	err      error // a read error other than EOF, kept for the message
}

func (b *budgetReader) ReadByte() (byte, error) {
	if b.pos == b.end {
		if err := b.fill(); err != nil {
			return 0, err
		}
	}
	b.used++
	if b.used > b.max {
		b.err = errTokenTooLarge
		return 0, b.err
	}
	c := b.buf[b.pos]
	b.pos++
	return c, nil
}

func (b *budgetReader) fill() error {
	if b.err != nil {
		return b.err
	}
	for {
		n, err := b.r.Read(b.buf)
		if n > 0 {
			b.pos, b.end = 0, n
			return nil
		}
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			b.err = err
			return err
		}
	}
}

func (b *budgetReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c, err := b.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		p[n] = c
		n++
	}
	return n, nil
}
