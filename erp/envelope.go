package erp

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/bits"
	"strconv"
)

// splitEnvelope reads a paged list answer in one pass: the envelope's
// numbers and flags, and Items as the raw bytes of each element, which
// their consumer decodes (and so checks) anyway. json.Unmarshal would scan
// a page twice, once to validate it and once to find the raw items: a third
// of an export's CPU. Keys match case-insensitively, as Unmarshal's do;
// anything it cannot read exactly as Unmarshal would, it refuses (err), and
// the caller falls back to Unmarshal.
func splitEnvelope(b []byte) (envelope, error) {
	var e envelope
	s := &splitter{b: b}
	s.ws()
	if !s.eat('{') {
		return e, errSplit
	}
	s.ws()
	if s.eat('}') {
		return e, s.end()
	}
	for {
		s.ws()
		key, ok := s.plainString()
		if !ok {
			return e, errSplit
		}
		s.ws()
		if !s.eat(':') {
			return e, errSplit
		}
		s.ws()
		var err error
		switch {
		case eq(key, "Items"):
			e.Items, err = s.items()
		case eq(key, "TotalItems"):
			e.TotalItems, err = s.int()
		case eq(key, "PageNumber"):
			e.PageNumber, err = s.int()
		case eq(key, "PageSize"):
			e.PageSize, err = s.int()
		case eq(key, "TotalPages"):
			e.TotalPages, err = s.int()
		case eq(key, "NextPageNumber"):
			e.NextPageNumber, err = s.int()
		case eq(key, "PreviousPageNumber"):
			e.PreviousPageNumber, err = s.int()
		case eq(key, "HasPreviousPage"):
			e.HasPreviousPage, err = s.bool()
		case eq(key, "HasNextPage"):
			e.HasNextPage, err = s.bool()
		default: // not ours: skipped, but checked as Unmarshal would
			var start, end int
			if start, end, err = s.value(); err == nil && !json.Valid(s.b[start:end]) {
				err = errSplit
			}
		}
		if err != nil {
			return e, err
		}
		s.ws()
		if s.eat('}') {
			return e, s.end()
		}
		if !s.eat(',') {
			return e, errSplit
		}
	}
}

var errSplit = errors.New("not a page envelope the fast path reads")

func eq(key []byte, name string) bool { return bytes.EqualFold(key, []byte(name)) }

type splitter struct {
	b []byte
	i int
}

func (s *splitter) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *splitter) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *splitter) end() error {
	s.ws()
	if s.i != len(s.b) {
		return errSplit
	}
	return nil
}

// plainString reads a key without escapes (the envelope's keys have none;
// one with escapes goes to the slow path).
func (s *splitter) plainString() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// value skips one JSON value and returns its bounds. Strings are skipped by
// their escapes and quotes, containers by balanced brackets; the bytes
// inside are checked by whoever decodes the item.
func (s *splitter) value() (start, end int, err error) {
	start = s.i
	if s.i >= len(s.b) {
		return 0, 0, errSplit
	}
	switch s.b[s.i] {
	case '"':
		if !s.skipString() {
			return 0, 0, errSplit
		}
	case '{', '[':
		stack := make([]byte, 0, 16) // the closing brackets to come
		for s.i < len(s.b) {
			// what lies between brackets and strings at one table
			// look-up a byte
			s.i = skipWhile(s.b, s.i, &structural)
			if s.i >= len(s.b) {
				break
			}
			switch c := s.b[s.i]; c {
			case '"':
				if !s.skipString() {
					return 0, 0, errSplit
				}
				continue
			case '{':
				stack = append(stack, '}')
			case '[':
				stack = append(stack, ']')
			case '}', ']':
				if len(stack) == 0 || stack[len(stack)-1] != c {
					return 0, 0, errSplit
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					s.i++
					return start, s.i, nil
				}
			}
			s.i++
		}
		return 0, 0, errSplit
	default: // number, true, false, null
		for s.i < len(s.b) {
			c := s.b[s.i]
			if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				break
			}
			s.i++
		}
		if !json.Valid(s.b[start:s.i]) {
			return 0, 0, errSplit
		}
	}
	return start, s.i, nil
}

// structural marks the bytes value stops at inside a container; inString
// those skipString stops at.
var structural, inString = func() (st, in [256]bool) {
	for _, c := range `"{}[]` {
		st[c] = true
	}
	in['"'], in['\\'] = true, true
	return st, in
}()

// skipWhile is the index of the first byte of b from i that stop marks,
// len(b) when none.
func skipWhile(b []byte, i int, stop *[256]bool) int {
	for i < len(b) && !stop[b[i]] {
		i++
	}
	return i
}

// stringEnd is the index of the first quote or backslash of b from i,
// len(b) when none: eight bytes at a time, as most of a page is text.
func stringEnd(b []byte, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q, bs := x^(ones*'"'), x^(ones*'\\')
		// the high bit of each zero byte, exact up to the first one
		if m := ((q-ones)&^q | (bs-ones)&^bs) & highs; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	return skipWhile(b, i, &inString)
}

func (s *splitter) skipString() bool {
	s.i++ // the opening quote
	for s.i < len(s.b) {
		if s.i = stringEnd(s.b, s.i); s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case '\\':
			s.i += 2
			continue
		case '"':
			s.i++
			return true
		}
		s.i++
	}
	return false
}

func (s *splitter) items() ([]json.RawMessage, error) {
	if s.i+4 <= len(s.b) && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return nil, nil
	}
	if !s.eat('[') {
		return nil, errSplit
	}
	items := []json.RawMessage{}
	s.ws()
	if s.eat(']') {
		return items, nil
	}
	for {
		s.ws()
		start, end, err := s.value()
		if err != nil {
			return nil, err
		}
		items = append(items, json.RawMessage(s.b[start:end:end]))
		s.ws()
		if s.eat(']') {
			return items, nil
		}
		if !s.eat(',') {
			return nil, errSplit
		}
	}
}

func (s *splitter) int() (*int, error) {
	start, end, err := s.value()
	if err != nil {
		return nil, err
	}
	tok := string(s.b[start:end])
	if tok == "null" {
		return nil, nil
	}
	n, err := strconv.Atoi(tok)
	if err != nil {
		return nil, errSplit // 1.0, 1e3, "1": Unmarshal says what is wrong
	}
	return &n, nil
}

func (s *splitter) bool() (*bool, error) {
	start, end, err := s.value()
	if err != nil {
		return nil, err
	}
	var v bool
	switch string(s.b[start:end]) {
	case "null":
		return nil, nil
	case "true":
		v = true
	case "false":
	default:
		return nil, errSplit
	}
	return &v, nil
}
