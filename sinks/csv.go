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
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"

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

	cm           *charmap.Charmap // nil for UTF-8
	encName      string
	decimalComma bool
	neutralize   bool
	dateLayout   string
	dtLayout     string
	closed       bool
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
	s := &CSVSink{path: path, targets: env.Targets, decimalComma: spec.DecimalComma,
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
	if s.decimalComma && comma == ',' && env.Logger != nil {
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

// Plan formats and encodes the record's fields.
func (s *CSVSink) Plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
	if err := checkValues(it, s.targets); err != nil {
		return nil, err
	}
	p := &pipeline.Plan{Item: it, Outcome: pipeline.Created, Key: itemKey(it)}
	fields := make([]string, len(it.Values))
	for i, v := range it.Values {
		text, isText := s.format(i, v)
		if isText && s.neutralize {
			text = neutralize(text)
		}
		enc, err := s.encode(text)
		if err != nil {
			t := s.targets[i]
			p.Outcome, p.Err = pipeline.Failed, &FieldError{Field: t.Path, Column: t.Column, Err: err}
			return p, nil
		}
		fields[i] = enc
	}
	p.State = fields
	return p, nil
}

// format renders one value; isText marks values that are text (and so may
// need neutralising) rather than typed numbers, dates or bools.
func (s *CSVSink) format(i int, v any) (text string, isText bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case []string:
		return strings.Join(v, ListSeparator), true
	case int64:
		return strconv.FormatInt(v, 10), false
	case int:
		return strconv.Itoa(v), false
	case decimal.Decimal:
		return s.decimal(v), false
	case *decimal.Decimal:
		if v == nil {
			return "", false
		}
		return s.decimal(*v), false
	case bool:
		return strconv.FormatBool(v), false
	case time.Time:
		if s.targets[i].Type == mappings.Date {
			return v.Format(s.dateLayout), false
		}
		return v.Format(s.dtLayout), false
	case float64:
		return s.comma(strconv.FormatFloat(v, 'f', -1, 64)), false
	default:
		return fmt.Sprint(v), true
	}
}

// decimal writes d in plain notation with its own scale: 19.90 stays 19.90.
func (s *CSVSink) decimal(d decimal.Decimal) string {
	var t string
	if e := d.Exponent(); e < 0 {
		t = d.StringFixed(-e)
	} else {
		t = d.String()
	}
	return s.comma(t)
}

func (s *CSVSink) comma(t string) string {
	if s.decimalComma {
		return strings.Replace(t, ".", ",", 1)
	}
	return t
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
