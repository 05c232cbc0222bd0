package sources

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// maxFieldLines bounds the lines one quoted field may span. A quote that
// never closes swallows the lines after it; past this many the file is
// taken as damaged rather than read on to its end. Real multi-line fields
// (product descriptions) are far shorter.
const maxFieldLines = 1000

// csvReader frames and splits CSV records. It does not use encoding/csv
// because the quote character is configurable, records must report the line
// they start on, and the size of a line or field must be bounded.
//
// Quoting follows RFC 4180 like encoding/csv, with one leniency Excel shares:
// a quote inside an unquoted field (3/8" Zoll) is a literal character. A
// stray quote that leaves the structure intact (the field still ends on its
// line) fails its record; a quoted field that does not close on its line and
// then does not close properly (it runs to the end of the file, past
// maxFieldLines, or "closes" before text that is no delimiter) breaks the
// structure of the file: read returns a fatal ErrDamaged error, because no
// reading of the lines after it can be trusted.
type csvReader struct {
	br    *bufio.Reader
	comma []byte // encoded delimiter, 1-4 bytes; nil for a single column
	quote []byte // encoded quote; nil turns quoting off

	display string // file name for fatal errors
	lim     limits

	line int // physical lines consumed so far

	lineBuf []byte // a line longer than br's buffer
	buf     []byte // field contents, unescaped
	ends    []int  // end offset in buf of each field
}

// frame describes the record the last read produced; its fields are
// r.buf/r.ends.
type frame struct {
	start, end int // first and last physical line
	blank      bool
	problem    *problem
}

// problem is what is wrong with a record; Kind is one of the Err* values.
type problem struct {
	kind error
	msg  string
}

// readLine returns the next physical line with "\r\n" turned into "\n". The
// slice is valid until the next call. io.EOF when no line is left.
func (r *csvReader) readLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.lineBuf = append(r.lineBuf[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice('\n')
			r.lineBuf = append(grow(r.lineBuf, len(line), r.lim.row), line...)
			if int64(len(r.lineBuf)) > r.lim.row {
				return nil, limitf(r.display, r.line+1, "max_row_bytes", r.lim.row, "line %d is longer than that", r.line+1)
			}
		}
		line = r.lineBuf
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	if err == io.EOF {
		// Ctrl-Z after the last line, without a line break: DOS's
		// end-of-file mark (see dosEOF), not part of the last value
		line = bytes.TrimRight(line, "\x1a")
	}
	n := len(line)
	if n == 0 {
		return nil, io.EOF
	}
	switch {
	case n >= 2 && line[n-2] == '\r' && line[n-1] == '\n':
		line[n-2] = '\n'
		line = line[:n-1]
	case err == io.EOF && line[n-1] == '\r':
		// a file ending in a bare CR, as encoding/csv treats it
		line = line[:n-1]
	}
	r.line++
	return line, nil
}

// dosEOF reports a line that is only Ctrl-Z (0x1A), the end-of-file mark
// old DOS and Windows programs put after the last line: no data, so a
// blank line rather than a record with one strange field.
func dosEOF(line []byte) bool {
	line = bytes.TrimRight(line, "\r\n")
	return len(line) > 0 && len(bytes.Trim(line, "\x1a")) == 0
}

// index finds sep in b; one-byte separators take the fast path. An empty
// sep (a file of one column) is never found.
func index(b, sep []byte) int {
	switch len(sep) {
	case 0:
		return -1
	case 1:
		return bytes.IndexByte(b, sep[0])
	}
	return bytes.Index(b, sep)
}

func hasPrefix(b, p []byte) bool {
	return len(b) >= len(p) && len(p) > 0 && b[0] == p[0] && (len(p) == 1 || bytes.Equal(b[:len(p)], p))
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		return b[:n-1]
	}
	return b
}

// read frames the next record. It returns io.EOF at the end, a *fileError
// for a file whose structure breaks or that is past a limit, and any other
// error only for a failure of the underlying reader.
func (r *csvReader) read() (frame, error) {
	line, err := r.readLine()
	if err != nil {
		return frame{}, err
	}
	fr := frame{start: r.line}
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	if len(line) == 0 || line[0] == '\n' || dosEOF(line) {
		fr.blank, fr.end = true, r.line
		return fr, nil
	}
	pos := 0
fields:
	for {
		rest := line[pos:]
		if !hasPrefix(rest, r.quote) {
			i := index(rest, r.comma)
			if i < 0 {
				r.buf = append(r.buf, trimEOL(rest)...)
				r.ends = append(r.ends, len(r.buf))
				break fields
			}
			r.buf = append(r.buf, rest[:i]...)
			r.ends = append(r.ends, len(r.buf))
			pos += i + len(r.comma)
			continue
		}

		// Quoted field.
		openLine, fieldNo := r.line, len(r.ends)+1
		broken := false // a stray quote was seen: the field ends with this line
		unclosed := func(how string) error {
			return damagedf(r.display, fr.start, "the quote that opens field %d on line %d %s", fieldNo, openLine, how)
		}
		pos += len(r.quote)
		for {
			rest = line[pos:]
			if i := index(rest, r.quote); i >= 0 {
				r.buf = append(r.buf, rest[:i]...)
				pos += i + len(r.quote)
				rest = line[pos:]
				switch {
				case hasPrefix(rest, r.quote): // doubled quote
					r.buf = append(r.buf, r.quote...)
					pos += len(r.quote)
				case hasPrefix(rest, r.comma):
					r.ends = append(r.ends, len(r.buf))
					pos += len(r.comma)
					continue fields
				case len(rest) == 0 || rest[0] == '\n':
					r.ends = append(r.ends, len(r.buf))
					break fields
				default:
					if openLine < r.line {
						// The quote that opened this field on an earlier line
						// has no partner: the "closing" quote found here
						// belongs to a later field.
						return fr, unclosed(fmt.Sprintf("has no closing %s: line %d has a %s before %q", r.quote, r.line, r.quote, clip(trimEOL(rest))))
					}
					// Keep the quote as text and go on to the end of this
					// line, so Fields hold what the merchant typed.
					if fr.problem == nil {
						fr.problem = &problem{ErrQuote, fmt.Sprintf(
							"unbalanced quote in field %d: a %s inside a quoted field must be doubled (%s%s)",
							fieldNo, r.quote, r.quote, r.quote)}
					}
					broken = true
					r.buf = append(r.buf, r.quote...)
				}
				continue
			}

			// No closing quote on this line.
			if broken {
				r.buf = append(r.buf, trimEOL(rest)...)
				r.ends = append(r.ends, len(r.buf))
				break fields
			}
			if len(rest) == 0 || rest[len(rest)-1] != '\n' {
				return fr, unclosed("is not closed before the end of the file")
			}
			r.buf = append(grow(r.buf, len(rest), r.lim.row), rest...) // the line break is part of the field
			if r.line-openLine >= maxFieldLines {
				return fr, unclosed(fmt.Sprintf("is not closed within %d lines", maxFieldLines))
			}
			if int64(len(r.buf)) > r.lim.row {
				return fr, limitf(r.display, fr.start, "max_row_bytes", r.lim.row, "the record from line %d on is longer than that", fr.start)
			}
			line, err = r.readLine()
			if err == io.EOF {
				return fr, unclosed("is not closed before the end of the file")
			}
			if err != nil {
				return fr, err
			}
			pos = 0
		}
	}
	fr.end = r.line
	if int64(len(r.buf)) > r.lim.cell {
		prev := 0
		for i, e := range r.ends {
			if int64(e-prev) > r.lim.cell {
				return fr, limitf(r.display, fr.start, "max_cell_bytes", r.lim.cell, "field %d is longer than that", i+1)
			}
			prev = e
		}
	}
	if len(r.ends) > r.lim.columns {
		return fr, limitf(r.display, fr.start, "max_columns", int64(r.lim.columns), "the record has %d fields", len(r.ends))
	}
	return fr, nil
}

// clip shortens text quoted in a message.
func clip(b []byte) string {
	if len(b) > 20 {
		b = b[:20]
	}
	return string(bytes.ToValidUTF8(b, []byte("?")))
}

// grow makes room for n more bytes in b, doubling up to about limit:
// append grows large slices by a quarter, which allocates five times a long
// line or record before the limit refuses it.
func grow(b []byte, n int, limit int64) []byte {
	need := len(b) + n
	if need <= cap(b) {
		return b
	}
	c := max(min(2*cap(b), int(limit)+bufSize), need)
	return append(make([]byte, 0, c), b...)
}
