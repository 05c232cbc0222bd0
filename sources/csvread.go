package sources

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// maxSpanBytes bounds a record whose quoted field runs over line breaks. A
// quote that never closes would otherwise pull the rest of the file into one
// record (and into memory); past this size the record is cut as if the quote
// had no partner. 4 MiB is far above any real product description.
const maxSpanBytes = 4 << 20

// csvReader frames and splits CSV records. It does not use encoding/csv
// because the quote character is configurable, records must report the line
// they start on, and a quote that never closes must cost one record, not the
// rest of the file (encoding/csv reads on to the next quote, however far).
//
// Quoting follows RFC 4180 like encoding/csv, with one leniency Excel shares:
// a quote inside an unquoted field (3/8" Zoll) is a literal character.
type csvReader struct {
	br    *bufio.Reader
	comma []byte // encoded delimiter, 1-4 bytes; nil for a single column
	quote []byte // encoded quote; nil turns quoting off

	line   int    // physical lines consumed so far
	replay []byte // lines given back by reframe, read before br
	stopAt int    // >0: a quoted field must not run past this line

	lineBuf []byte // a line longer than br's buffer
	raw     []byte // the record's lines, kept once it spans lines
	rawEnds []int  // end offset in raw of each of those lines
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
	if len(r.replay) > 0 {
		line := r.replay
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i+1]
		}
		r.replay = r.replay[len(line):]
		r.line++
		return line, nil
	}
	line, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.lineBuf = append(r.lineBuf[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = r.br.ReadSlice('\n')
			r.lineBuf = append(r.lineBuf, line...)
		}
		line = r.lineBuf
	}
	if err != nil && err != io.EOF {
		return nil, err
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

// read frames the next record. It returns io.EOF at the end and any other
// error only for a failure of the underlying reader.
func (r *csvReader) read() (frame, error) {
	line, err := r.readLine()
	if err != nil {
		return frame{}, err
	}
	fr := frame{start: r.line}
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	if len(line) == 0 || line[0] == '\n' {
		fr.blank, fr.end = true, r.line
		return fr, nil
	}
	spanning := false // r.raw holds the record's lines
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
						return r.reframe(fr.start, openLine)
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
			atEOF := len(rest) == 0 || rest[len(rest)-1] != '\n'
			if broken || atEOF || (r.stopAt > 0 && r.line >= r.stopAt) {
				r.buf = append(r.buf, trimEOL(rest)...)
				r.ends = append(r.ends, len(r.buf))
				if fr.problem == nil && !broken {
					msg := "no closing %s before the end of the file"
					if !atEOF && r.more() {
						msg = "no closing %s, so the record ends with this line and the next line is read on its own"
					}
					fr.problem = &problem{ErrQuote, fmt.Sprintf("unbalanced quote in field %d: "+msg, fieldNo, r.quote)}
				}
				break fields
			}
			r.buf = append(r.buf, rest...) // the line break is part of the field
			if !spanning {
				spanning = true
				r.raw = append(r.raw[:0], line...)
				r.rawEnds = append(r.rawEnds[:0], len(r.raw))
			}
			line, err = r.readLine()
			if err == io.EOF {
				return r.reframe(fr.start, openLine)
			}
			if err != nil {
				return fr, err
			}
			r.raw = append(r.raw, line...)
			r.rawEnds = append(r.rawEnds, len(r.raw))
			if len(r.raw) > maxSpanBytes {
				return r.reframe(fr.start, openLine)
			}
			pos = 0
		}
	}
	fr.end = r.line
	return fr, nil
}

// more reports whether another line follows.
func (r *csvReader) more() bool {
	if len(r.replay) > 0 {
		return true
	}
	_, err := r.br.Peek(1)
	return err == nil
}

// reframe handles a quoted field opened on line openLine that never closes
// properly: it gives back every line read since, and reads the record again
// with the field cut at the end of openLine. Every line after openLine is then
// read again as a record of its own, so one stray quote costs one record.
func (r *csvReader) reframe(start, openLine int) (frame, error) {
	back := make([]byte, 0, len(r.raw)+len(r.replay))
	back = append(append(back, r.raw...), r.replay...)
	r.replay = back
	r.line = start - 1
	r.stopAt = openLine
	fr, err := r.read()
	r.stopAt = 0
	return fr, err
}
