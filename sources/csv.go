package sources

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

const (
	bufSize   = 64 << 10
	sniffSize = 32 << 10 // bytes looked at for the delimiter and the encoding
	// Fields of this many records share one allocation.
	slabRecords = 32
)

// CSVSource reads a delimited text file record by record.
type CSVSource struct {
	f          *os.File
	r          *csvReader
	display    string
	header     *record.Header
	width      int
	checkUTF8  bool
	delim      rune
	encoding   string
	lim        limits
	estimate   int64 // records guessed from the file size; see SizeEstimate
	hadSepLine bool  // line 1 was Excel's sep= line (sepLine)
	// mojibake, for a single-byte encoding: what UTF-8 text read in it
	// looks like (see misreadSet); nil otherwise
	mojibake *misreadSet

	seq     int64
	lastEnd int // last line of the previous record; lets tests prove no line is lost
	calls   uint
	slab    []string
	recs    []record.Record
}

var _ pipeline.Source = (*CSVSource)(nil)

// OpenCSV opens a CSV source; it is a pipeline.SourceFactory. It reads the
// header row before returning, so a file that cannot be used fails here and
// not in the middle of a run.
func OpenCSV(ctx context.Context, spec *pipeline.SourceSpec, env *pipeline.Env) (pipeline.Source, error) {
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
	delim, err := parseDelimiter(spec.Delimiter)
	if err != nil {
		return nil, err
	}
	quote, err := parseQuote(spec.Quote)
	if err != nil {
		return nil, err
	}
	if delim != 0 && delim == quote {
		return nil, fmt.Errorf("source.delimiter and source.quote are both %q", delim)
	}
	encName, enc, err := lookupEncoding(spec.Encoding)
	if err != nil {
		return nil, err
	}
	lim, err := sourceLimits(spec)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read source file: %w", err)
	}
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		f.Close()
		return nil, fmt.Errorf("cannot read source file %s: it is a folder", path)
	}
	s := &CSVSource{f: f, display: display, delim: delim, encoding: encName, lim: lim}
	if err := s.open(headerRow, skip, quote, enc); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// open sets up decoding, finds the delimiter and reads the header.
func (s *CSVSource) open(headerRow, skip int, quote rune, enc encoding.Encoding) error {
	raw := bufio.NewReaderSize(s.f, bufSize)
	head, err := raw.Peek(4)
	if err != nil && err != io.EOF {
		return fmt.Errorf("cannot read source file %s: %w", s.display, err)
	}
	if len(head) == 0 {
		return fmt.Errorf("%s: file is empty, no header row", s.display)
	}
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return fmt.Errorf("%s is an Excel workbook (.xlsx), not a CSV file: use source.type: xlsx", s.display)
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0")):
		return fmt.Errorf("%s is an old Excel .xls file or an encrypted workbook, not a CSV file: save it as .xlsx or CSV", s.display)
	}

	s.estimate = estimateLines(s.f, raw)

	// A byte-order mark is unambiguous, so it wins over source.encoding.
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		raw.Discard(3)
		enc, s.encoding = nil, "utf-8"
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		enc, s.encoding = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le"
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		enc, s.encoding = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be"
	}
	if singleByte(s.encoding) && !bomSeen(head) {
		if err := s.checkNotUTF8(raw, enc); err != nil {
			return err
		}
		s.mojibake = newMisreadSet(enc)
	}
	br := raw
	if enc != nil {
		br = bufio.NewReaderSize(transform.NewReader(raw, enc.NewDecoder()), bufSize)
	}
	s.checkUTF8 = enc == nil

	win, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return fmt.Errorf("cannot read source file %s: %w", s.display, err)
	}
	if len(win) == 0 {
		return fmt.Errorf("%s: file is empty, no header row", s.display)
	}
	if s.checkUTF8 && bytes.Count(win, []byte{0}) > len(win)/4 {
		return kindErrorf(ErrEncoding, "%s: the file is full of NUL bytes, so it is probably UTF-16 without a byte-order mark: set source.encoding: utf-16le (or utf-16be)",
			s.display)
	}
	if bytes.IndexByte(win, '\n') < 0 && bytes.IndexByte(win, '\r') >= 0 {
		// Lines end in a bare CR (old Mac Excel "CSV (Macintosh)").
		br = bufio.NewReaderSize(crToLF{br}, bufSize)
	}

	r := &csvReader{br: br, display: s.display, lim: s.lim}
	if quote != 0 {
		r.quote = utf8.AppendRune(nil, quote)
	}
	s.r = r
	return s.readHeader(br, headerRow, skip)
}

// readHeader finds the header row, the delimiter and the column names, and
// skips the rows before the first record.
func (s *CSVSource) readHeader(br *bufio.Reader, headerRow, skip int) error {
	r := s.r
	if err := s.sepLine(br); err != nil {
		return err
	}
	// header_row counts rows as a spreadsheet shows them: Excel shows no
	// sep= line
	for base := r.line; r.line-base < headerRow-1; {
		if _, err := r.readLine(); err == io.EOF {
			return fmt.Errorf("%s: header row %d is past the end of the file, which has %d lines", s.display, headerRow, r.line)
		} else if err != nil {
			return readError(s.display, err)
		}
	}

	win, err := br.Peek(sniffSize)
	atEOF := err == io.EOF
	if !atEOF {
		// Look at whole lines only, so a character cut at the edge of the
		// window is not taken for a broken one.
		if i := bytes.LastIndexByte(win, '\n'); i >= 0 {
			win = win[:i+1]
		}
	}
	if s.checkUTF8 {
		if err := checkUTF8Window(win, s.display, r.line+1); err != nil {
			return err
		}
	}
	if s.delim == 0 {
		s.delim = sniffDelimiter(win, r.quote, atEOF)
	}
	if s.delim != 0 {
		r.comma = utf8.AppendRune(nil, s.delim)
	}

	fr, err := r.read()
	switch {
	case err == io.EOF:
		if r.line == 0 {
			return fmt.Errorf("%s: file is empty, no header row", s.display)
		}
		return fmt.Errorf("%s: header row %d is past the end of the file, which has %d lines", s.display, headerRow, r.line)
	case err != nil:
		return readError(s.display, err)
	case fr.blank:
		return kindErrorf(ErrHeader, "%s: header row %d is empty", s.display, headerRow)
	case fr.problem != nil:
		return kindErrorf(ErrHeader, "%s: header row %d: %s", s.display, headerRow, fr.problem.msg)
	case s.checkUTF8 && !utf8.Valid(r.buf):
		return kindErrorf(ErrEncoding, "%s: header row %d is not valid UTF-8: set source.encoding (windows-1252 for files saved by Excel)",
			s.display, headerRow)
	}
	names := make([]string, len(r.ends))
	prev := 0
	for i, e := range r.ends {
		names[i] = cleanName(string(r.buf[prev:e]))
		prev = e
	}
	// A delimiter at the end of the header ("SKU;Preis;", as some exports
	// write every line) opens no column, as an empty header cell at the
	// end of a sheet opens none: the records' empty last fields are
	// allowed, a value there fails its record.
	for len(names) > 1 && names[len(names)-1] == "" {
		names = names[:len(names)-1]
	}
	colPos := func(i int) string { return fmt.Sprintf("column %d", i+1) }
	if err := checkNames(names, colPos, "has no name"); err != nil {
		return fmt.Errorf("%s: header row %d: %w", s.display, headerRow, err)
	}
	s.header = record.NewHeader(names)
	s.width = len(names)

	// skip counts rows as a spreadsheet shows them: a record with quoted
	// line breaks is one row, a blank line is one row.
	for range skip {
		if _, err := r.read(); err == io.EOF {
			break
		} else if err != nil {
			return readError(s.display, err)
		}
	}
	s.lastEnd = r.line
	return nil
}

// sepLine reads Excel's delimiter line, "sep=;" alone on the first line,
// which Excel honours and hides: the delimiter is the file's, unless the
// job names another one, which is an error (one of them is wrong).
func (s *CSVSource) sepLine(br *bufio.Reader) error {
	head, _ := br.Peek(16)
	if len(head) < 5 || !strings.EqualFold(string(head[:4]), "sep=") {
		return nil
	}
	d, n := utf8.DecodeRune(head[4:])
	rest := head[4+n:]
	if d == utf8.RuneError || d == '\r' || d == '\n' || !(len(rest) == 0 || rest[0] == '\n' || bytes.HasPrefix(rest, []byte("\r\n")) || rest[0] == '\r') {
		return nil // a header that starts with "sep=", not the delimiter line
	}
	if s.delim != 0 && s.delim != d {
		return fmt.Errorf("%s: line 1, \"sep=%c\", names the delimiter %q (Excel's way), but source.delimiter is %q: remove one of them", s.display, d, d, s.delim)
	}
	if _, err := s.r.readLine(); err != nil && err != io.EOF {
		return readError(s.display, err)
	}
	s.delim, s.hadSepLine = d, true
	return nil
}

// SizeEstimate guesses how many records the file holds from its size and
// the line lengths at its start (0 when unknown): a hint for choices made
// before the end is reached (the ERP sink's index or search), never a
// count. Quoted line breaks and uneven lines make it off.
func (s *CSVSource) SizeEstimate() int64 { return s.estimate }

// estimateLines is the file's size over the mean length of the lines in the
// first window, less the header; raw bytes on both sides, so the encoding
// does not matter.
func estimateLines(f *os.File, raw *bufio.Reader) int64 {
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return 0
	}
	win, _ := raw.Peek(sniffSize)
	nl := byte('\n')
	if bytes.IndexByte(win, nl) < 0 {
		nl = '\r' // bare CR line ends
	}
	lines := bytes.Count(win, []byte{nl})
	if lines == 0 {
		return 0
	}
	if len(win) == int(fi.Size()) { // the whole file is in the window
		if win[len(win)-1] != nl {
			lines++ // the last line has no line end
		}
		return int64(lines - 1)
	}
	return max(fi.Size()*int64(lines)/int64(len(win))-1, 0)
}

// Header returns the column names of the header row.
func (s *CSVSource) Header() *record.Header { return s.header }

// Delimiter is the field delimiter in use, configured or detected; 0 when
// detection found none in the header, so every line is a single field.
func (s *CSVSource) Delimiter() rune { return s.delim }

// Encoding is the encoding in use: the configured one, or the one a
// byte-order mark announced.
func (s *CSVSource) Encoding() string { return s.encoding }

// Next returns the next record. Blank lines and lines holding nothing but
// delimiters (Excel writes those below the data) are not records.
func (s *CSVSource) Next(ctx context.Context) (*record.Record, error) {
	for {
		if s.calls++; s.calls&255 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if s.r == nil {
			return nil, io.EOF
		}
		r := s.r
		fr, err := r.read()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			if _, ok := err.(*fileError); ok {
				s.r = nil // nothing after a break in the structure is read
				return nil, err
			}
			return nil, fmt.Errorf("cannot read source file %s after line %d: %w", s.display, r.line, err)
		}
		if fr.blank || (fr.problem == nil && len(r.buf) == 0) {
			continue
		}
		prob := fr.problem
		n := len(r.ends)
		if prob == nil && (n < s.width || (n > s.width && r.ends[s.width-1] != len(r.buf))) {
			// More fields than columns are fine when the extra ones are
			// empty (a trailing delimiter): no value is lost.
			msg := fmt.Sprintf("expected %d fields, found %d", s.width, n)
			if n > s.width {
				// name the first value without a column
				for j := s.width; j < n; j++ {
					if v := r.buf[r.ends[j-1]:r.ends[j]]; len(v) > 0 {
						shown := strings.ToValidUTF8(string(v[:min(len(v), 60)]), "")
						if len(v) > 60 {
							shown += "…"
						}
						msg += fmt.Sprintf(": field %d holds %q, right of the last named column %q; name its column in the header row, or clear it",
							j+1, shown, s.header.Names[s.width-1])
						break
					}
				}
			}
			if fr.end > fr.start {
				msg += fmt.Sprintf(" (the record runs on to line %d because a quoted field holds line breaks)", fr.end)
			}
			prob = &problem{ErrFieldCount, msg}
		}
		if prob == nil && s.checkUTF8 && !utf8.Valid(r.buf) {
			prob = s.encodingProblem()
		}
		if prob == nil && s.mojibake != nil {
			if word, ok := s.mojibake.find(r.buf, r.ends); ok {
				prob = &problem{ErrEncoding, fmt.Sprintf("%q is UTF-8 read as %s (%q): the file is UTF-8; set source.encoding: utf-8 (or leave it out)",
					word, s.encoding, s.mojibake.undo(word))}
			}
		}

		str := string(r.buf)
		fields := s.fields()
		prev := 0
		for i, e := range r.ends {
			if i == len(fields) {
				break
			}
			fields[i] = str[prev:e]
			prev = e
		}
		if prob != nil && s.checkUTF8 && !utf8.ValidString(str) {
			// Sinks copy failed records into an error file; keep it valid.
			for i, f := range fields {
				fields[i] = strings.ToValidUTF8(f, "\uFFFD")
			}
		}
		return s.emit(fr, prob, fields), nil
	}
}

func (s *CSVSource) emit(fr frame, prob *problem, fields []string) *record.Record {
	if len(s.recs) == 0 {
		s.recs = make([]record.Record, slabRecords)
	}
	rec := &s.recs[0]
	s.recs = s.recs[1:]
	rec.Seq, rec.Row, rec.Header, rec.Fields = s.seq, fr.start, s.header, fields
	s.lastEnd = fr.end
	if prob != nil {
		rec.Err = &RowError{File: s.display, Line: fr.start, Kind: prob.kind, Msg: prob.msg}
	}
	s.seq++
	return rec
}

// fields hands out a zeroed slice of header width; capacity is capped so an
// append by a caller cannot spill into the next record's fields.
func (s *CSVSource) fields() []string {
	if len(s.slab) < s.width {
		s.slab = make([]string, s.width*slabRecords)
	}
	f := s.slab[:s.width:s.width]
	s.slab = s.slab[s.width:]
	return f
}

func (s *CSVSource) encodingProblem() *problem {
	b := s.r.buf
	bad := 0
	for bad < len(b) {
		r, size := utf8.DecodeRune(b[bad:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		bad += size
	}
	field := 1
	for _, e := range s.r.ends {
		if bad < e {
			break
		}
		field++
	}
	return &problem{ErrEncoding, fmt.Sprintf(
		"field %d is not valid UTF-8 (byte 0x%02X): if the file was saved by Excel, set source.encoding: windows-1252",
		field, b[bad])}
}

// Close closes the file. It may be called more than once.
func (s *CSVSource) Close() error {
	s.r = nil
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// readError is a read failure during open: a damaged or too large file
// says so itself.
func readError(display string, err error) error {
	if _, ok := err.(*fileError); ok {
		return err
	}
	return fmt.Errorf("cannot read source file %s: %w", display, err)
}

// checkUTF8Window fails early for a file in the wrong encoding: a UTF-8
// decode of a windows-1252 file would otherwise fail one record per umlaut.
func checkUTF8Window(win []byte, display string, firstLine int) error {
	if utf8.Valid(win) {
		return nil
	}
	i := 0
	for i < len(win) {
		r, size := utf8.DecodeRune(win[i:])
		if r == utf8.RuneError && size <= 1 {
			break
		}
		i += size
	}
	line := firstLine + bytes.Count(win[:i], []byte{'\n'})
	return kindErrorf(ErrEncoding, "%s: line %d is not valid UTF-8 (byte 0x%02X): the file is probably windows-1252 (as Excel saves CSV): set source.encoding: windows-1252",
		display, line, win[i])
}

// crToLF turns bare CR line ends into LF.
type crToLF struct{ r io.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}

// parseDelimiter reads source.delimiter; 0 means detect.
func parseDelimiter(s string) (rune, error) {
	switch strings.ToLower(s) {
	case "":
		return 0, nil
	case "tab", `\t`, "\t":
		return '\t', nil
	case "comma":
		return ',', nil
	case "semicolon":
		return ';', nil
	case "pipe":
		return '|', nil
	}
	r, size := utf8.DecodeRuneInString(s)
	if size != len(s) || r == utf8.RuneError {
		return 0, fmt.Errorf("source.delimiter %q must be a single character (or \"tab\")", s)
	}
	if r == '\r' || r == '\n' {
		return 0, fmt.Errorf("source.delimiter cannot be a line break")
	}
	return r, nil
}

// parseQuote reads source.quote; 0 means quoting is off ("none").
func parseQuote(s string) (rune, error) {
	switch strings.ToLower(s) {
	case "":
		return '"', nil
	case "none":
		return 0, nil
	}
	r, size := utf8.DecodeRuneInString(s)
	if size != len(s) || r == utf8.RuneError {
		return 0, fmt.Errorf("source.quote %q must be a single character (or \"none\")", s)
	}
	if r == '\r' || r == '\n' {
		return 0, fmt.Errorf("source.quote cannot be a line break")
	}
	return r, nil
}

const encodingNames = "utf-8, utf-8-bom, windows-1252, iso-8859-1, iso-8859-15, utf-16, utf-16le, utf-16be"

// lookupEncoding maps source.encoding to a decoder; nil means UTF-8, which
// needs none.
func lookupEncoding(name string) (string, encoding.Encoding, error) {
	switch strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", "-") {
	case "", "utf-8", "utf8", "utf-8-bom", "utf8-bom", "utf-8-sig":
		return "utf-8", nil, nil
	case "windows-1252", "cp1252", "win-1252", "windows1252":
		return "windows-1252", charmap.Windows1252, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		// Decoded as windows-1252, as browsers do (WHATWG): files labelled
		// Latin-1 are nearly always Windows files, and 1252 differs only
		// where Latin-1 has unused control codes — among them the € at 0x80.
		return "iso-8859-1", charmap.Windows1252, nil
	case "iso-8859-15", "iso8859-15", "latin9", "latin-9":
		return "iso-8859-15", charmap.ISO8859_15, nil
	case "utf-16", "utf16":
		return "utf-16", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), nil
	case "utf-16le", "utf-16-le":
		return "utf-16le", unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), nil
	case "utf-16be", "utf-16-be":
		return "utf-16be", unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), nil
	}
	return "", nil, fmt.Errorf("source.encoding %q is not supported (use one of: %s)", name, encodingNames)
}

// singleByte: the encodings of one byte per character, which read any
// bytes, UTF-8 too, without an error.
func singleByte(name string) bool {
	return name == "windows-1252" || name == "iso-8859-1" || name == "iso-8859-15"
}

func bomSeen(head []byte) bool {
	return bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) || bytes.HasPrefix(head, []byte("\xFF\xFE")) || bytes.HasPrefix(head, []byte("\xFE\xFF"))
}

// checkNotUTF8 refuses a file that the job reads as windows-1252 (or
// Latin-1/9) but that is UTF-8: a supplier who switches the export to UTF-8
// would otherwise have every umlaut imported as two characters ("MÃ¼ller"),
// without a single error. Text that is valid UTF-8 and has characters of
// more than one byte is, in practice, never meant as windows-1252 ("Ã¼" is
// not German). The start of the file is looked at, as for the delimiter.
func (s *CSVSource) checkNotUTF8(raw *bufio.Reader, enc encoding.Encoding) error {
	win, _ := raw.Peek(sniffSize)
	if i := bytes.LastIndexByte(win, '\n'); i >= 0 && len(win) == sniffSize {
		win = win[:i+1] // whole lines: a character cut at the edge is not a broken one
	}
	first := -1
	for i, b := range win {
		if b >= utf8.RuneSelf {
			first = i
			break
		}
	}
	if first < 0 || !utf8.Valid(win) {
		return nil
	}
	// the line around the first such character, both ways
	sample := around(win, first, first+1, lineEnd)
	wrong, _ := enc.NewDecoder().Bytes(sample)
	return kindErrorf(ErrEncoding, "%s: source.encoding is %s, but the file is UTF-8: %q would be read as %q; set source.encoding: utf-8 (or leave it out)",
		s.display, s.encoding, sample, wrong)
}

// misreadSet tells UTF-8 text read in a single-byte encoding: a character
// of two bytes (umlauts, ß, °) becomes Â or Ã and one of the characters
// the encoding has for the bytes 0x80-0xBF (Ã¼ for ü), one of three (€, „,
// –) becomes â and two of them (â‚¬). Real German, or any, text never has
// them so; a file whose start is ASCII is checked at open only there.
type misreadSet struct {
	enc  encoding.Encoding
	cont map[rune]bool // the characters of the bytes 0x80-0xBF
}

func newMisreadSet(enc encoding.Encoding) *misreadSet {
	m := &misreadSet{enc: enc, cont: map[rune]bool{}}
	dec := enc.NewDecoder()
	for b := 0x80; b <= 0xBF; b++ {
		if r, err := dec.Bytes([]byte{byte(b)}); err == nil {
			if c, _ := utf8.DecodeRune(r); c != utf8.RuneError {
				m.cont[c] = true
			}
		}
	}
	return m
}

// find returns the first misread character of a record (its fields'
// text one after the other, ending at ends) with the letters around it in
// its field, if there is one.
func (m *misreadSet) find(text []byte, ends []int) (string, bool) {
	if bytes.IndexByte(text, 0xC3) < 0 {
		return "", false // Â, Ã and â are C3 82, C3 83 and C3 A2
	}
	prev := 0
	for _, e := range ends {
		field := text[prev:e]
		prev = e
		for i := 0; i < len(field); {
			c, n := utf8.DecodeRune(field[i:])
			need := 0
			switch c {
			case 'Â', 'Ã':
				need = 1
			case 'â':
				need = 2
			}
			j := i + n
			for k := 0; k < need && j < len(field); k++ {
				d, dn := utf8.DecodeRune(field[j:])
				if !m.cont[d] {
					break
				}
				j += dn
				if k == need-1 {
					return string(around(field, i, j, wordEnd)), true
				}
			}
			i += n
		}
	}
	return "", false
}

// undo reads a misread text back as the UTF-8 it was.
func (m *misreadSet) undo(s string) string {
	b, err := m.enc.NewEncoder().Bytes([]byte(s))
	if err != nil || !utf8.Valid(b) {
		return s
	}
	return string(b)
}

func lineEnd(b byte) bool { return b == '\n' || b == '\r' }

func wordEnd(b byte) bool { return b == ' ' || b == '\t' || lineEnd(b) }

// around widens text[i:j] on both sides, up to a byte that stop accepts
// and at most 24 bytes each way, to whole characters.
func around(text []byte, i, j int, stop func(byte) bool) []byte {
	from := i
	for from > 0 && i-from < 24 && !stop(text[from-1]) {
		from--
	}
	for from < i && !utf8.RuneStart(text[from]) {
		from++
	}
	to := j
	for to < len(text) && to-j < 24 && !stop(text[to]) {
		to++
	}
	for to < len(text) && !utf8.RuneStart(text[to]) {
		to++
	}
	return text[from:to]
}

// Delimiters tried by detection, in order of preference on a tie.
var sniffCandidates = [...]byte{'\t', ';', ',', '|'}

// sniffDelimiter picks the delimiter that occurs in the header line and the
// same number of times in the most lines after it; a decimal comma in a
// ;-file occurs in data lines but not in the header, so it loses. Counting
// happens outside quotes. A header without any candidate means a file of one
// column: 0 then, so that a comma in the data does not split it.
func sniffDelimiter(win, quote []byte, atEOF bool) rune {
	const maxLines = 100
	var (
		counts              [][len(sniffCandidates)]int
		cur                 [len(sniffCandidates)]int
		inQuote, fieldStart = false, true
		nonEmpty            bool
	)
	for i := 0; i < len(win) && len(counts) < maxLines; i++ {
		if inQuote {
			if hasPrefix(win[i:], quote) {
				if hasPrefix(win[i+len(quote):], quote) {
					i += 2*len(quote) - 1
					continue
				}
				inQuote = false
				i += len(quote) - 1
			}
			continue
		}
		if fieldStart && hasPrefix(win[i:], quote) {
			inQuote, fieldStart, nonEmpty = true, false, true
			i += len(quote) - 1
			continue
		}
		c := win[i]
		switch c {
		case '\n':
			if nonEmpty {
				counts = append(counts, cur)
			}
			cur, fieldStart, nonEmpty = [len(sniffCandidates)]int{}, true, false
			continue
		case '\r':
			continue
		}
		nonEmpty, fieldStart = true, false
		for k, d := range sniffCandidates {
			if c == d {
				cur[k]++
				fieldStart = true
			}
		}
	}
	if nonEmpty && atEOF && len(counts) < maxLines {
		counts = append(counts, cur)
	}
	if len(counts) == 0 {
		return 0
	}
	best, bestScore, bestN := -1, -1.0, 0
	for k := range sniffCandidates {
		n := counts[0][k]
		if n == 0 || (len(quote) == 1 && quote[0] == sniffCandidates[k]) {
			continue
		}
		score := 1.0
		if len(counts) > 1 {
			match := 0
			for _, c := range counts[1:] {
				if c[k] == n {
					match++
				}
			}
			score = float64(match) / float64(len(counts)-1)
		}
		if score > bestScore || (score == bestScore && n > bestN) {
			best, bestScore, bestN = k, score, n
		}
	}
	if best < 0 {
		return 0
	}
	return rune(sniffCandidates[best])
}
