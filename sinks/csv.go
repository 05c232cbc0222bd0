package sinks

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"

	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/internal/xlsxcell"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// Defaults of the CSV sink.
const (
	DefaultCSVDateLayout     = "2006-01-02"
	DefaultCSVDateTimeLayout = "2006-01-02 15:04:05"
)

// CSVSink writes mapped records as CSV through encoding/csv, streaming.
//
// Values: decimals in plain notation keeping their scale (19.90 stays 19.90;
// a decimal comma on request, never thousands separators), integers as
// digits, bools as true/false, dates and date-times through Go layouts,
// lists joined with |, nil as an empty field. Lines end in LF.
//
// Encodings utf-8 (default), utf-8-bom (for Excel, which takes BOM-less files
// for ANSI), windows-1252, iso-8859-1 and iso-8859-15. Rows are encoded in
// Plan; a character the encoding lacks fails that record with a reason naming
// the field, instead of being replaced by '?'.
type CSVSink struct {
	path    string
	tmp     *atomicfile.File // nil in a dry run
	bw      *bufio.Writer
	comma   byte
	special *csvSpecial
	targets []mappings.Target
	lineCap atomic.Int32 // the longest line so far: what a batch makes room for

	cm         *charmap.Charmap // nil for UTF-8
	encName    string
	point      byte // decimal separator
	typedASCII bool // the date layouts are ASCII, so typed values need no encoding
	neutralize bool
	dateLayout string
	dtLayout   string
	closed     bool
}

var (
	_ pipeline.Sink       = (*CSVSink)(nil)
	_ pipeline.Ordered    = (*CSVSink)(nil)
	_ pipeline.RowPlanner = (*CSVSink)(nil)
)

// OpenCSV opens a CSV sink. Outside a dry run it creates the parent folders
// and the temporary file, and writes the BOM and header there.
func OpenCSV(ctx context.Context, spec *pipeline.SinkSpec, env *pipeline.Env) (pipeline.Sink, error) {
	path, err := outputPath(spec.Path, env)
	if err != nil {
		return nil, err
	}
	comma, err := csvDelimiter(spec.Delimiter)
	if err != nil {
		return nil, err
	}
	if spec.Currency != "" || len(spec.Amounts) > 0 || !spec.Totals.IsZero() || spec.ParametersSheet {
		return nil, errors.New("sink.currency, amounts, totals and parameters_sheet apply to xlsx sinks; a CSV file holds the rows only")
	}
	if spec.LinesSheet != "" || spec.LinesKey != "" || len(spec.LinesColumns) > 0 {
		return nil, errors.New("sink.lines_sheet applies to xlsx sinks: a CSV file has no second sheet (leave it out for one row per line item)")
	}
	s := &CSVSink{path: path, targets: env.Targets, point: '.', comma: comma, special: newCSVSpecial(comma),
		neutralize: spec.NeutralizeFormulas == nil || *spec.NeutralizeFormulas,
		dateLayout: spec.DateFormat, dtLayout: spec.DateTimeFormat}
	bom := false
	switch strings.ToLower(strings.TrimSpace(spec.Encoding)) {
	case "", "utf-8", "utf8":
		s.encName = "utf-8"
	case "utf-8-bom", "utf8-bom", "utf-8 bom":
		s.encName, bom = "utf-8", true
	case "windows-1252", "cp1252":
		s.encName, s.cm = "windows-1252", charmap.Windows1252
	case "iso-8859-1", "latin1", "latin-1":
		s.encName, s.cm = "iso-8859-1", charmap.ISO8859_1
	case "iso-8859-15", "latin9", "latin-9":
		s.encName, s.cm = "iso-8859-15", charmap.ISO8859_15
	default:
		return nil, fmt.Errorf("sink.encoding %q is not supported: use utf-8, utf-8-bom, windows-1252, iso-8859-1 or iso-8859-15", spec.Encoding)
	}
	if s.dateLayout == "" {
		s.dateLayout = DefaultCSVDateLayout
	}
	if s.dtLayout == "" {
		s.dtLayout = DefaultCSVDateTimeLayout
	}
	for _, l := range []struct{ name, v string }{{"date_format", s.dateLayout}, {"datetime_format", s.dtLayout}} {
		if !goLayoutOK(l.v) {
			return nil, fmt.Errorf("sink.%s %q is not a Go time layout: write the reference date 2006-01-02 15:04:05 the way you want dates to look, e.g. 02.01.2006", l.name, l.v)
		}
	}
	if spec.DecimalComma {
		s.point = ','
	}
	s.typedASCII = isASCII(s.dateLayout) && isASCII(s.dtLayout)
	s.lineCap.Store(int32(8 * len(env.Targets)))
	if spec.DecimalComma && comma == ',' && env.Logger != nil {
		env.Logger.Warn("sink: decimal_comma with delimiter ',' quotes every decimal; delimiter ';' is usual with decimal commas")
	}
	var header []string
	if spec.Header == nil || *spec.Header {
		header = make([]string, len(env.Targets))
		for i, t := range env.Targets {
			h, err := s.encode(t.Path)
			if err != nil {
				return nil, fmt.Errorf("sink: header %q: %w", t.Path, err)
			}
			header[i] = h
		}
	}
	if env.DryRun {
		return s, nil
	}
	if s.tmp, err = createTemp(path); err != nil {
		return nil, err
	}
	s.bw = bufio.NewWriterSize(s.tmp, bufSize)
	if bom {
		s.bw.WriteString("\uFEFF")
	}
	if header != nil {
		var line []byte
		for i, h := range header {
			if i > 0 {
				line = append(line, s.comma)
			}
			line = appendCSVField(line, h, s.special)
		}
		s.bw.Write(append(line, '\n')) // an error sticks to bw and shows at Close
	}
	return s, nil
}

func csvDelimiter(d string) (byte, error) {
	switch d {
	case "", ",":
		return ',', nil
	case ";":
		return ';', nil
	case "tab", "\\t", "\t", "TAB":
		return '\t', nil
	case "|":
		return '|', nil
	}
	return 0, fmt.Errorf("sink.delimiter %q is not supported: use , ; | or tab", d)
}

// Ordered implements pipeline.Ordered: lines follow input order.
func (s *CSVSink) Ordered() bool { return true }

// Plan formats and encodes the record's fields.
func (s *CSVSink) Plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
	if err := checkValues(it, s.targets); err != nil {
		return nil, err
	}
	r := s.NewRows(1).Row()
	for i, v := range it.Values {
		r.Value(i, v)
	}
	return r.Plan(ctx, it)
}

// NewRows implements pipeline.RowPlanner: the mapper writes typed values
// straight into the rows, and a batch's lines share one buffer.
func (s *CSVSink) NewRows(n int) pipeline.RowBatch {
	return &csvBatch{s: s, rows: make([]csvRow, n), buf: make([]byte, 0, n*int(s.lineCap.Load()))}
}

// csvBatch holds the lines of a batch back to back in buf: each row appends
// past the end of the lines before it, which are never written again.
type csvBatch struct {
	s    *CSVSink
	rows []csvRow
	buf  []byte
}

func (b *csvBatch) Row() pipeline.RowPlan {
	if len(b.rows) == 0 {
		b.rows = make([]csvRow, 16) // more rows than announced
	}
	r := &b.rows[0]
	b.rows = b.rows[1:]
	r.s, r.batch, r.line = b.s, b, b.buf[len(b.buf):]
	return r
}

// done takes a planned row's line into the batch buffer, or, when the line
// outgrew it, gives the rows to come a fresh one.
func (b *csvBatch) done(r *csvRow) {
	if cap(r.line) == cap(b.buf)-len(b.buf) {
		b.buf = b.buf[:len(b.buf)+len(r.line)]
		return
	}
	b.buf = make([]byte, 0, max(4<<10, 8*len(r.line)))
}

// csvRow is one record's line, rendered on the worker that mapped it, quoted
// and encoded, so that writing it in input order is a copy.
type csvRow struct {
	s     *CSVSink
	batch *csvBatch
	line  []byte
	next  int // the field expected next
	bad   int // the field that cannot be written, when err is set
	err   error
	plan  pipeline.Plan
}

// field starts field i and returns where its text begins in line.
func (r *csvRow) field(i int) int {
	if i != r.next && r.err == nil {
		r.bad, r.err = i, fmt.Errorf("internal: field %d written when %d was due", i, r.next)
	}
	r.next = i + 1
	if i > 0 {
		r.line = append(r.line, r.s.comma)
	}
	return len(r.line)
}

// typed ends a field formatted into line from start: typed text is ASCII
// unless a date layout is not, and needs quoting only with a decimal comma
// and ',' as the delimiter, or a layout holding one.
func (r *csvRow) typed(i, start int) {
	if r.s.typedASCII && !needsQuotes(r.line[start:], r.s.special) {
		return
	}
	text := string(r.line[start:])
	r.line = r.line[:start]
	enc, err := r.s.encode(text)
	if err != nil {
		r.fail(i, err)
		return
	}
	r.line = appendCSVField(r.line, enc, r.s.special)
}

func (r *csvRow) fail(i int, err error) {
	if r.err == nil {
		r.bad, r.err = i, err
	}
}

func (r *csvRow) Null(i int) { r.field(i) }

func (r *csvRow) Text(i int, s string) {
	r.field(i)
	if r.err != nil {
		return
	}
	if r.s.neutralize {
		s = xlsxcell.Neutralize(s)
	}
	enc, err := r.s.encode(s)
	if err != nil {
		r.fail(i, err)
		return
	}
	r.line = appendCSVField(r.line, enc, r.s.special)
}

func (r *csvRow) Int(i int, v int64) {
	start := r.field(i)
	r.line = strconv.AppendInt(r.line, v, 10)
	r.typed(i, start)
}

func (r *csvRow) Decimal(i int, unscaled int64, exp int32) {
	start := r.field(i)
	r.line = appendUnscaled(r.line, unscaled, exp, r.s.point)
	r.typed(i, start)
}

func (r *csvRow) Bool(i int, v bool) {
	start := r.field(i)
	r.line = strconv.AppendBool(r.line, v)
	r.typed(i, start)
}

func (r *csvRow) Time(i int, t time.Time) {
	start := r.field(i)
	r.line = r.s.appendTime(r.line, i, t)
	r.typed(i, start)
}

// Value formats any other value: lists are joined with |, numbers of other
// widths and big decimals are written in plain notation, and anything
// unknown as Go prints it, as text.
func (r *csvRow) Value(i int, v any) {
	switch v := v.(type) {
	case nil:
		r.Null(i)
	case string:
		r.Text(i, v)
	case []string:
		r.Text(i, strings.Join(v, ListSeparator))
	case int64:
		r.Int(i, v)
	case int:
		r.Int(i, int64(v))
	case int32:
		r.Int(i, int64(v))
	case int16:
		r.Int(i, int64(v))
	case int8:
		r.Int(i, int64(v))
	case uint64:
		start := r.field(i)
		r.line = strconv.AppendUint(r.line, v, 10)
		r.typed(i, start)
	case uint:
		r.Value(i, uint64(v))
	case uint32:
		r.Int(i, int64(v))
	case uint16:
		r.Int(i, int64(v))
	case uint8:
		r.Int(i, int64(v))
	case decimal.Decimal:
		start := r.field(i)
		r.line = appendDecimal(r.line, v, r.s.point)
		r.typed(i, start)
	case *decimal.Decimal:
		if v == nil {
			r.Null(i)
		} else {
			r.Value(i, *v)
		}
	case bool:
		r.Bool(i, v)
	case time.Time:
		r.Time(i, v)
	case *time.Time:
		if v == nil {
			r.Null(i)
		} else {
			r.Time(i, *v)
		}
	case float64:
		start := r.field(i)
		r.line = r.s.appendFloat(r.line, v, 64)
		r.typed(i, start)
	case float32:
		start := r.field(i)
		r.line = r.s.appendFloat(r.line, float64(v), 32)
		r.typed(i, start)
	default:
		if isNilPointer(v) {
			r.Null(i)
		} else {
			r.Text(i, fmt.Sprint(v))
		}
	}
}

// Plan ends the line.
func (r *csvRow) Plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
	p := &r.plan
	p.Item, p.Outcome, p.State = it, pipeline.Created, r
	if r.err == nil && r.next != len(r.s.targets) {
		r.bad, r.err = max(0, r.next-1), fmt.Errorf("internal: row has %d of %d fields", r.next, len(r.s.targets))
	}
	if r.err != nil {
		t := r.s.targets[r.bad]
		p.Outcome, p.Err, p.State = pipeline.Failed, &FieldError{Field: t.Path, Column: t.Column, Err: r.err}, nil
		return p, nil
	}
	r.line = append(r.line, '\n')
	r.batch.done(r)
	if c := int32(len(r.line)); c > r.s.lineCap.Load() {
		r.s.lineCap.Store(c) // batches to come make room for lines like this one
	}
	return p, nil
}

// csvSpecial marks the bytes that make encoding/csv quote a field: the
// delimiter, the quote and line breaks. A table is faster than comparing
// each byte four times, and text is most of a file.
type csvSpecial [256]bool

func newCSVSpecial(comma byte) *csvSpecial {
	var t csvSpecial
	t['\n'], t['\r'], t['"'], t[comma] = true, true, true, true
	return &t
}

// appendCSVField writes field as encoding/csv's Writer does: quoted when it
// holds the delimiter, a quote, a line break or starts with a space (or is
// \.), quotes doubled, line breaks as they are.
func appendCSVField[T string | []byte](buf []byte, field T, sp *csvSpecial) []byte {
	if !needsQuotes(field, sp) {
		return append(buf, field...)
	}
	buf = append(buf, '"')
	for i := 0; i < len(field); i++ {
		if field[i] == '"' {
			buf = append(buf, '"')
		}
		buf = append(buf, field[i])
	}
	return append(buf, '"')
}

// needsQuotes is encoding/csv's fieldNeedsQuotes for an ASCII delimiter.
func needsQuotes[T string | []byte](field T, sp *csvSpecial) bool {
	if len(field) == 0 {
		return false
	}
	if len(field) == 2 && field[0] == '\\' && field[1] == '.' {
		return true
	}
	for i := 0; i < len(field); i++ {
		if sp[field[i]] {
			return true
		}
	}
	if field[0] < utf8.RuneSelf {
		return unicode.IsSpace(rune(field[0]))
	}
	var first [utf8.UTFMax]byte
	r, _ := utf8.DecodeRune(first[:copy(first[:], field)])
	return unicode.IsSpace(r)
}

func (s *CSVSink) appendTime(buf []byte, i int, v time.Time) []byte {
	layout := s.dtLayout
	if s.targets[i].Type == mappings.Date {
		layout = s.dateLayout
	}
	// the default layouts by hand: AppendFormat interprets the layout anew
	// for every value
	if y := v.Year(); y >= 0 && y <= 9999 {
		switch layout {
		case DefaultCSVDateLayout:
			_, m, d := v.Date()
			return appendDate(buf, y, int(m), d)
		case DefaultCSVDateTimeLayout:
			_, m, d := v.Date()
			hh, mm, ss := v.Clock()
			buf = append(appendDate(buf, y, int(m), d), ' ')
			return append(buf, byte('0'+hh/10), byte('0'+hh%10), ':', byte('0'+mm/10), byte('0'+mm%10), ':', byte('0'+ss/10), byte('0'+ss%10))
		}
	}
	return v.AppendFormat(buf, layout)
}

// appendDate writes yyyy-mm-dd for a year of four digits.
func appendDate(buf []byte, y, m, d int) []byte {
	return append(buf, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10))
}

// appendFloat writes a float64 in plain notation, shortest round-trip digits.
func (s *CSVSink) appendFloat(buf []byte, v float64, bits int) []byte {
	start := len(buf)
	buf = strconv.AppendFloat(buf, v, 'f', -1, bits)
	if s.point != '.' {
		for j := start; j < len(buf); j++ {
			if buf[j] == '.' {
				buf[j] = s.point
			}
		}
	}
	return buf
}

// encode converts UTF-8 text to the sink's single-byte encoding, held in a Go
// string; encoding/csv only looks at ASCII delimiters, quotes and line
// breaks, which keep their bytes in these encodings.
func (s *CSVSink) encode(text string) (string, error) {
	if s.cm == nil {
		return text, nil
	}
	i := 0
	for i < len(text) && text[i] < utf8.RuneSelf {
		i++
	}
	if i == len(text) {
		return text, nil
	}
	b := make([]byte, i, len(text))
	copy(b, text[:i])
	for n, r := range text[i:] {
		if r < utf8.RuneSelf {
			b = append(b, byte(r))
			continue
		}
		c, ok := s.cm.EncodeRune(r)
		if !ok || r == utf8.RuneError {
			pos := utf8.RuneCountInString(text[:i+n]) + 1
			if r == utf8.RuneError {
				if _, size := utf8.DecodeRuneInString(text[i+n:]); size == 1 {
					return "", fmt.Errorf("invalid UTF-8 at character %d", pos)
				}
			}
			return "", fmt.Errorf("character %q (U+%04X) at position %d cannot be written in %s; use encoding utf-8 or replace it in the mapping",
				r, r, pos, s.encName)
		}
		b = append(b, c)
	}
	return string(b), nil
}

// Apply writes the planned line. A write error is the output's (the disk
// is full), never the record's: fatal to the run.
func (s *CSVSink) Apply(ctx context.Context, p *pipeline.Plan) error {
	r, ok := p.State.(*csvRow)
	if !ok {
		return pipeline.Fatal(errors.New("internal: CSV sink got a plan it did not make"))
	}
	if s.bw == nil {
		return pipeline.Fatal(errors.New("csv sink: opened for a dry run"))
	}
	if _, err := s.bw.Write(r.line); err != nil {
		return outputError(fmt.Errorf("%s: %w", s.path, err))
	}
	return nil
}

// Close flushes the file and renames it into place (commit), or removes it,
// leaving any file at the path as it was.
func (s *CSVSink) Close(ctx context.Context, commit bool) error {
	if s.closed {
		return nil
	}
	s.closed = true
	if !commit {
		return discardTemp(s.tmp)
	}
	if s.tmp == nil {
		return errors.New("csv sink: a dry run cannot commit")
	}
	if err := s.bw.Flush(); err != nil {
		discardTemp(s.tmp)
		return outputError(fmt.Errorf("%s: %w", s.path, err))
	}
	return commitTemp(s.tmp)
}
