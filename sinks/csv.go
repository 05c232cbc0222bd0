package sinks

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"

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
	tmp     *os.File // nil in a dry run
	bw      *bufio.Writer
	w       *csv.Writer
	targets []mappings.Target

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
	_ pipeline.Sink    = (*CSVSink)(nil)
	_ pipeline.Ordered = (*CSVSink)(nil)
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
	s := &CSVSink{path: path, targets: env.Targets, point: '.',
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
	s.w = csv.NewWriter(s.bw) // writes straight into s.bw, which is large enough
	s.w.Comma = comma
	if header != nil {
		if err := s.w.Write(header); err != nil {
			discardTemp(s.tmp)
			return nil, err
		}
	}
	return s, nil
}

func csvDelimiter(d string) (rune, error) {
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

// Plan formats and encodes the record's fields. Typed values are appended
// to one buffer per row and sliced from a single string, so a row costs a
// few allocations whatever its width.
func (s *CSVSink) Plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
	if err := checkValues(it, s.targets); err != nil {
		return nil, err
	}
	p := &pipeline.Plan{Item: it, Outcome: pipeline.Created, Key: itemKey(it)}
	n := len(it.Values)
	fields := make([]string, n)
	var spanArr [64]int32
	spans := spanArr[:0]
	if 2*n > len(spanArr) {
		spans = make([]int32, 0, 2*n)
	}
	bp := rowBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 {
			rowBufs.Put(bp)
		}
	}()
	buf := (*bp)[:0]
	for i, v := range it.Values {
		start := len(buf)
		var text string
		var isText bool
		buf, text, isText = s.format(buf, i, v)
		*bp = buf
		if len(buf) > start {
			spans = append(spans, int32(start), int32(len(buf)))
			continue
		}
		spans = append(spans, -1, -1)
		if isText && s.neutralize {
			text = xlsxcell.Neutralize(text)
		}
		enc, err := s.encode(text)
		if err != nil {
			return s.fail(p, i, err), nil
		}
		fields[i] = enc
	}
	if len(buf) > 0 {
		all := string(buf)
		for i := range n {
			a := spans[2*i]
			if a < 0 {
				continue
			}
			fields[i] = all[a:spans[2*i+1]]
			if !s.typedASCII {
				enc, err := s.encode(fields[i])
				if err != nil {
					return s.fail(p, i, err), nil
				}
				fields[i] = enc
			}
		}
	}
	p.State = fields
	return p, nil
}

var rowBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func (s *CSVSink) fail(p *pipeline.Plan, i int, err error) *pipeline.Plan {
	t := s.targets[i]
	p.Outcome, p.Err = pipeline.Failed, &FieldError{Field: t.Path, Column: t.Column, Err: err}
	return p
}

// format renders one value: typed values (numbers, dates, bools) are
// appended to buf; text is returned as it is, isText marking that it may
// need neutralising. nil appends and returns nothing.
func (s *CSVSink) format(buf []byte, i int, v any) (out []byte, text string, isText bool) {
	switch v := v.(type) {
	case nil:
		return buf, "", false
	case string:
		return buf, v, true
	case []string:
		return buf, strings.Join(v, ListSeparator), true
	case int64:
		return strconv.AppendInt(buf, v, 10), "", false
	case int:
		return strconv.AppendInt(buf, int64(v), 10), "", false
	case int32:
		return strconv.AppendInt(buf, int64(v), 10), "", false
	case int16:
		return strconv.AppendInt(buf, int64(v), 10), "", false
	case int8:
		return strconv.AppendInt(buf, int64(v), 10), "", false
	case uint64:
		return strconv.AppendUint(buf, v, 10), "", false
	case uint:
		return strconv.AppendUint(buf, uint64(v), 10), "", false
	case uint32:
		return strconv.AppendUint(buf, uint64(v), 10), "", false
	case uint16:
		return strconv.AppendUint(buf, uint64(v), 10), "", false
	case uint8:
		return strconv.AppendUint(buf, uint64(v), 10), "", false
	case decimal.Decimal:
		return appendDecimal(buf, v, s.point), "", false
	case *decimal.Decimal:
		if v == nil {
			return buf, "", false
		}
		return appendDecimal(buf, *v, s.point), "", false
	case bool:
		return strconv.AppendBool(buf, v), "", false
	case time.Time:
		return s.appendTime(buf, i, v), "", false
	case *time.Time:
		if v == nil {
			return buf, "", false
		}
		return s.appendTime(buf, i, *v), "", false
	case float64:
		return s.appendFloat(buf, v, 64), "", false
	case float32:
		return s.appendFloat(buf, float64(v), 32), "", false
	default:
		if isNilPointer(v) {
			return buf, "", false
		}
		return buf, fmt.Sprint(v), true
	}
}

func (s *CSVSink) appendTime(buf []byte, i int, v time.Time) []byte {
	if s.targets[i].Type == mappings.Date {
		return v.AppendFormat(buf, s.dateLayout)
	}
	return v.AppendFormat(buf, s.dtLayout)
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

// Apply writes the planned line. Errors are fatal: the file is broken.
func (s *CSVSink) Apply(ctx context.Context, p *pipeline.Plan) error {
	fields, ok := p.State.([]string)
	if !ok {
		return pipeline.Fatal(errors.New("internal: CSV sink got a plan it did not make"))
	}
	if s.w == nil {
		return pipeline.Fatal(errors.New("csv sink: opened for a dry run"))
	}
	if err := s.w.Write(fields); err != nil {
		return pipeline.Fatal(fmt.Errorf("%s: %w", s.path, err))
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
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		discardTemp(s.tmp)
		return fmt.Errorf("%s: %w", s.path, err)
	}
	if err := s.bw.Flush(); err != nil {
		discardTemp(s.tmp)
		return fmt.Errorf("%s: %w", s.path, err)
	}
	return commitTemp(s.tmp, s.path)
}
