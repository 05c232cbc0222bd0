// Package jsondoc decodes JSON objects the way encoding/json decodes them
// into a map[string]any with UseNumber, about three times as fast, and
// optionally only the part of a document a caller reads (Node). The ERP
// source decodes every document of an export with it, and erp.List every
// record of a list.
package jsondoc

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// Parse decodes one JSON object the way encoding/json decodes it into a
// map[string]any with UseNumber (numbers as json.Number, invalid UTF-8 and
// lone surrogates as U+FFFD, the last of duplicate keys wins), in one pass
// instead of encoding/json's two, and without copying: the document is
// turned into one string and every key, text and number without escapes is
// a substring of it. Exports decode every document they list, and this is
// most of their CPU time. FuzzParseDoc holds it to encoding/json.
//
// With str set, every string value (not key) is what str makes of it (the
// ERP source normalises dates on the way, which saves walking the document
// again).
func Parse(raw []byte, str func(string) any) (map[string]any, error) {
	return ParsePart(raw, str, nil, nil)
}

// ParseCopy is Parse for callers that keep a few values of many
// documents (an index of the Wawi's items): its strings share no memory
// with the document, so a value kept does not keep the whole document.
func ParseCopy(raw []byte) (map[string]any, error) {
	return ParsePartCopy(raw, nil)
}

// ParsePartCopy is ParseCopy reading only the part n of the document (all
// of it when n is nil), see Node: an index of the Wawi's records keeps a
// few fields of records of a hundred, and building the rest only to drop
// it was most of the time of loading one.
func ParsePartCopy(raw []byte, n *Node) (map[string]any, error) {
	// Every string kept is cloned (keys kept are the Node's own), so the
	// parser may read raw in place instead of copying it first; raw must
	// not change while it does.
	p := jsonParser{s: unsafe.String(unsafe.SliceData(raw), len(raw)), clone: true, kvs: make([]KV, 0, 16)}
	return p.doc(n)
}

// ParsePart is Parse reading only the part n of the document (all of it
// when n is nil), see Node. scratch, when not nil, is reused from document
// to document by one goroutine.
//
// A whole document is copied into one string first, whose parts its
// values are. Of a part, the values kept are copied into scratch's arena
// instead, side by side, and the document is read in place: a projected
// accounting document keeps a tenth of its bytes, and copying all of them
// was a tenth of an export's CPU. raw must not change while ParsePart
// reads it; afterwards it may.
func ParsePart(raw []byte, str func(string) any, n *Node, scratch *Scratch) (map[string]any, error) {
	p := jsonParser{strFn: str}
	if scratch == nil {
		scratch = &Scratch{kvs: make([]KV, 0, 64)}
	}
	if n == nil || n.All {
		p.s = string(raw)
	} else {
		p.s = unsafe.String(unsafe.SliceData(raw), len(raw))
		p.arena = &scratch.arena
	}
	p.kvs = scratch.kvs[:0]
	m, err := p.doc(n)
	scratch.kvs = p.kvs[:0] // cleared by object as it went
	return m, err
}

// Scratch is what ParsePart reuses from one document to the next: the
// pairs of the objects being read, and the arena the kept values of
// projected documents are copied to.
type Scratch struct {
	kvs   []KV
	arena []byte
}

// arenaChunk is the size of an arena's blocks: the values kept of a few
// dozen projected documents. A block is freed once no value in it is
// referenced, so a value kept for long keeps at most a block alive.
const arenaChunk = 4 << 10

// keep is s, which is a part of the document, as a string the caller may
// keep: itself when the document was copied, else a copy (ParsePartCopy,
// or into the arena).
func (p *jsonParser) keep(s string) string {
	switch {
	case p.clone:
		return strings.Clone(s)
	case p.arena == nil || s == "":
		return s
	case len(s) > arenaChunk/8:
		return strings.Clone(s) // a long value does not waste a block
	}
	a := *p.arena
	if cap(a)-len(a) < len(s) {
		// a new block (the strings in the old one stay as they are), no
		// larger than this value and the rest of the document: a document
		// decoded on its own (a line item fetched by itself) costs no more
		// than a copy of it would
		a = make([]byte, 0, min(arenaChunk, len(s)+len(p.s)-p.i))
	}
	start := len(a)
	a = append(a, s...)
	*p.arena = a
	return unsafe.String(&a[start], len(s))
}

// doc reads the document, the part n of it (n nil: all).
func (p *jsonParser) doc(n *Node) (map[string]any, error) {
	p.ws()
	if p.i >= len(p.s) || p.s[p.i] != '{' {
		if p.s == "null" || p.i < len(p.s) && p.s[p.i:] == "null" {
			return nil, errors.New("null document")
		}
		return nil, p.fail("expected a JSON object")
	}
	var v any
	var err error
	if n == nil {
		v, err = p.value(0)
	} else {
		v, err = p.valueProj(0, n)
	}
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i != len(p.s) {
		return nil, p.fail("data after the document")
	}
	return v.(map[string]any), nil
}

type jsonParser struct {
	s string
	i int
	// kvs holds the pairs of the objects being read, innermost last, so
	// that each map is made once at its final size.
	kvs   []KV
	strFn func(string) any
	// clone: every key, text and number is a string of its own, not a
	// part of the document's (see ParseCopy)
	clone bool
	// arena, when set, takes the keys, texts and numbers kept, and the
	// document is read in place (ParsePart of a part)
	arena *[]byte
}

type KV struct {
	k string
	v any
}

const maxJSONDepth = 10000 // encoding/json's limit

func (p *jsonParser) fail(msg string) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", p.i, msg)
}

func (p *jsonParser) ws() {
	if p.i < len(p.s) && p.s[p.i] > ' ' {
		return // the API sends no whitespace between tokens
	}
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	p.ws()
	if p.i >= len(p.s) {
		return nil, p.fail("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		if depth >= maxJSONDepth {
			return nil, p.fail("nested too deeply")
		}
		return p.object(depth + 1)
	case c == '[':
		if depth >= maxJSONDepth {
			return nil, p.fail("nested too deeply")
		}
		return p.array(depth + 1)
	case c == '"':
		s, err := p.str()
		if err != nil || p.strFn == nil {
			return s, err
		}
		return p.strFn(s), nil
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, p.fail(fmt.Sprintf("unexpected %q", p.s[p.i]))
}

func (p *jsonParser) literal(word string) error {
	if len(p.s)-p.i < len(word) || p.s[p.i:p.i+len(word)] != word {
		return p.fail("expected " + word)
	}
	p.i += len(word)
	return nil
}

func (p *jsonParser) object(depth int) (any, error) {
	p.i++ // {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return map[string]any{}, nil
	}
	base := len(p.kvs)
	for {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, p.fail("expected a key")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.fail("expected :")
		}
		p.i++
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		p.kvs = append(p.kvs, KV{k, v})
		p.ws()
		if p.i >= len(p.s) {
			return nil, p.fail("unexpected end of object")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			m := make(map[string]any, len(p.kvs)-base)
			for _, kv := range p.kvs[base:] {
				m[kv.k] = kv.v
			}
			clear(p.kvs[base:])
			p.kvs = p.kvs[:base]
			return m, nil
		default:
			return nil, p.fail("expected , or }")
		}
	}
}

func (p *jsonParser) array(depth int) (any, error) {
	p.i++ // [
	a := []any{}
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return a, nil
	}
	for {
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.ws()
		if p.i >= len(p.s) {
			return nil, p.fail("unexpected end of array")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return a, nil
		default:
			return nil, p.fail("expected , or ]")
		}
	}
}

// key reads an object's key that is only compared (objectProj), never
// copied.
func (p *jsonParser) key() (string, error) {
	s, _, err := p.view()
	return s, err
}

// str reads a string to keep; p.s[p.i] is the opening quote.
func (p *jsonParser) str() (string, error) {
	s, own, err := p.view()
	if err != nil || own {
		return s, err
	}
	return p.keep(s), nil
}

// view reads a string as it lies in the document (a part of p.s, which
// may be the caller's buffer), or, own, as a string of its own where an
// escape or invalid UTF-8 had to be rewritten; p.s[p.i] is the opening
// quote.
func (p *jsonParser) view() (s string, own bool, err error) {
	p.i++
	start := p.i
	for p.i < len(p.s) {
		// the plain ASCII run at one table look-up a byte
		p.i = plainRun(p.s, p.i, &plainASCII)
		if p.i >= len(p.s) {
			break
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			s := p.s[start:p.i]
			p.i++
			return s, false, nil
		case c == '\\':
			s, err := p.strSlow(start)
			return s, true, err
		case c < 0x20:
			return "", false, p.fail("control character in string")
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			if r == utf8.RuneError && size == 1 {
				s, err := p.strSlow(start)
				return s, true, err
			}
			p.i += size
		default:
			p.i++
		}
	}
	return "", false, p.fail("unterminated string")
}

// plainASCII marks the bytes str passes over without a second look: not a
// quote, a backslash, a control character or part of a multi-byte
// sequence; plainByte those skipStr passes over (multi-byte ones too).
var plainASCII, plainByte = func() (a, b [256]bool) {
	for c := 0x20; c < 256; c++ {
		b[c] = c != '"' && c != '\\'
		a[c] = b[c] && c < utf8.RuneSelf
	}
	return a, b
}()

// plainRun is the index of the first byte of s from i that plain does not
// mark, len(s) when none.
func plainRun(s string, i int, plain *[256]bool) int {
	for i < len(s) && plain[s[i]] {
		i++
	}
	return i
}

// strSlow builds a string with escapes or invalid UTF-8 from start.
func (p *jsonParser) strSlow(start int) (string, error) {
	b := make([]byte, 0, p.i-start+16)
	b = append(b, p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b), nil
		case c < 0x20:
			return "", p.fail("control character in string")
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", p.fail("unterminated escape")
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", p.fail("invalid \\u escape")
				}
				if utf16.IsSurrogate(r) {
					// a pair makes one rune; anything else is U+FFFD, as
					// encoding/json has it
					r2 := rune(-1)
					if p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
						save := p.i
						p.i += 2
						var ok2 bool
						if r2, ok2 = p.hex4(); !ok2 {
							return "", p.fail("invalid \\u escape")
						}
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b = utf8.AppendRune(b, dec)
							continue
						}
						p.i = save
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", p.fail("invalid escape")
			}
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(p.s[p.i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, p.s[p.i:p.i+size]...)
			}
			p.i += size
		default:
			b = append(b, c)
			p.i++
		}
	}
	return "", p.fail("unterminated string")
}

func (p *jsonParser) hex4() (rune, bool) {
	if len(p.s)-p.i < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil || p.s[p.i] == '+' || p.s[p.i] == '-' {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// number reads a JSON number as json.Number (see skipNumber).
func (p *jsonParser) number() (any, error) {
	start := p.i
	if err := p.skipNumber(); err != nil {
		return nil, err
	}
	return json.Number(p.keep(p.s[start:p.i])), nil
}

// skipNumber reads a JSON number, checking its grammar:
// -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
func (p *jsonParser) skipNumber() error {
	if p.s[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return p.fail("invalid number")
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return p.fail("invalid number")
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return p.fail("invalid number")
		}
	}
	return nil
}

// valueProj reads the part n of a value (see Node): an object with only
// the keys n names, every other value checked by skip but not built.
func (p *jsonParser) valueProj(depth int, n *Node) (any, error) {
	if n.All {
		return p.value(depth)
	}
	p.ws()
	if p.i < len(p.s) {
		switch p.s[p.i] {
		case '{':
			if depth >= maxJSONDepth {
				return nil, p.fail("nested too deeply")
			}
			return p.objectProj(depth+1, n)
		case '[':
			if depth >= maxJSONDepth {
				return nil, p.fail("nested too deeply")
			}
			return p.arrayProj(depth+1, n)
		}
	}
	return p.value(depth)
}

func (p *jsonParser) objectProj(depth int, n *Node) (any, error) {
	p.i++ // {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return map[string]any{}, nil
	}
	base := len(p.kvs)
	for {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, p.fail("expected a key")
		}
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.fail("expected :")
		}
		p.i++
		if name, c := n.child(k); c != nil {
			v, err := p.valueProj(depth, c)
			if err != nil {
				return nil, err
			}
			// the Node's spelling, equal to k: a key kept costs nothing
			// and shares no memory with the document
			p.kvs = append(p.kvs, KV{name, v})
		} else if err := p.skip(depth); err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.s) {
			return nil, p.fail("unexpected end of object")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			m := make(map[string]any, len(p.kvs)-base)
			for _, kv := range p.kvs[base:] {
				m[kv.k] = kv.v
			}
			clear(p.kvs[base:])
			p.kvs = p.kvs[:base]
			return m, nil
		default:
			return nil, p.fail("expected , or }")
		}
	}
}

func (p *jsonParser) arrayProj(depth int, n *Node) (any, error) {
	p.i++ // [
	a := []any{}
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return a, nil
	}
	for {
		v, err := p.valueProj(depth, n)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		p.ws()
		if p.i >= len(p.s) {
			return nil, p.fail("unexpected end of array")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return a, nil
		default:
			return nil, p.fail("expected , or ]")
		}
	}
}

// skip passes over a value as value would read it, failing where value
// fails with the same error, but builds nothing: a projected document
// stays exactly as strict as a whole one.
func (p *jsonParser) skip(depth int) error {
	p.ws()
	if p.i >= len(p.s) {
		return p.fail("unexpected end")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		if depth >= maxJSONDepth {
			return p.fail("nested too deeply")
		}
		return p.skipObject(depth + 1)
	case c == '[':
		if depth >= maxJSONDepth {
			return p.fail("nested too deeply")
		}
		return p.skipArray(depth + 1)
	case c == '"':
		return p.skipStr()
	case c == '-' || c >= '0' && c <= '9':
		return p.skipNumber()
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	}
	return p.fail(fmt.Sprintf("unexpected %q", p.s[p.i]))
}

func (p *jsonParser) skipObject(depth int) error {
	p.i++ // {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return p.fail("expected a key")
		}
		if err := p.skipStr(); err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return p.fail("expected :")
		}
		p.i++
		if err := p.skip(depth); err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.s) {
			return p.fail("unexpected end of object")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return nil
		default:
			return p.fail("expected , or }")
		}
	}
}

func (p *jsonParser) skipArray(depth int) error {
	p.i++ // [
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		if err := p.skip(depth); err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.s) {
			return p.fail("unexpected end of array")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return nil
		default:
			return p.fail("expected , or ]")
		}
	}
}

// skipStr passes over a string as str reads it, with its checks (control
// characters, escapes) but no unescaping; invalid UTF-8 is no error there
// either, and no byte of a multi-byte sequence is a quote, a backslash or
// a control character, so it goes byte by byte.
func (p *jsonParser) skipStr() error {
	p.i++ // "
	for p.i < len(p.s) {
		if p.i = plainRun(p.s, p.i, &plainByte); p.i >= len(p.s) {
			break
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return nil
		case c < 0x20:
			return p.fail("control character in string")
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return p.fail("unterminated escape")
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return p.fail("invalid \\u escape")
				}
				if utf16.IsSurrogate(r) && p.i+1 < len(p.s) && p.s[p.i] == '\\' && p.s[p.i+1] == 'u' {
					save := p.i
					p.i += 2
					r2, ok := p.hex4()
					if !ok {
						return p.fail("invalid \\u escape")
					}
					if utf16.DecodeRune(r, r2) == utf8.RuneError {
						p.i = save // the second escape is read on its own
					}
				}
			default:
				return p.fail("invalid escape")
			}
		default:
			p.i++
		}
	}
	return p.fail("unterminated string")
}
