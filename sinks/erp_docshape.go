package sinks

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/internal/jsondoc"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// docShape lists the leaf paths the index keeps per record, and the lists
// among their parents whose length it keeps too. Indexed paths are widened
// to every lower index (Categories[1].CategoryId also keeps [0]) because
// Nest closes up gaps in lists.
type docShape struct {
	leaves []string
	lists  []string
	pos    map[string]int // path -> position in a projection
}

func newDocShape(paths []string) *docShape {
	sh := &docShape{pos: map[string]int{}}
	addLeaf := func(p string) {
		if _, ok := sh.pos[p]; !ok {
			sh.pos[p] = len(sh.leaves)
			sh.leaves = append(sh.leaves, p)
		}
	}
	lists := map[string]bool{}
	for _, p := range paths {
		for _, v := range widen(p) {
			addLeaf(v)
		}
		segs := strings.Split(p, ".")
		var prefix []string
		for _, seg := range segs {
			name, _, hasIdx := splitIndex(seg)
			if hasIdx {
				lp := strings.Join(append(slices.Clone(prefix), name), ".")
				if !lists[lp] {
					lists[lp] = true
					sh.lists = append(sh.lists, lp)
				}
			}
			prefix = append(prefix, seg)
		}
	}
	for _, l := range sh.lists {
		sh.pos["#"+l] = len(sh.leaves) + slices.Index(sh.lists, l)
	}
	return sh
}

// widen returns p with each index replaced by every index up to it
// (bounded, so a nested list cannot explode).
func widen(p string) []string {
	out := []string{""}
	for i, seg := range strings.Split(p, ".") {
		name, idx, hasIdx := splitIndex(seg)
		var next []string
		for _, o := range out {
			sep := "."
			if i == 0 {
				sep = ""
			}
			if !hasIdx {
				next = append(next, o+sep+seg)
				continue
			}
			for j := 0; j <= idx && len(next) < 256; j++ {
				next = append(next, o+sep+name+"["+strconv.Itoa(j)+"]")
			}
		}
		out = next
	}
	return out
}

func (sh *docShape) size() int { return len(sh.leaves) + len(sh.lists) }

// project keeps the shape's values of a document (the Wawi's or a planned
// one): leaves, then list lengths.
func (sh *docShape) project(doc map[string]any) projection {
	out := make(projection, sh.size())
	for i, p := range sh.leaves {
		if v, ok := record.Lookup(doc, p); ok {
			out[i] = packValue(v)
		}
	}
	for i, l := range sh.lists {
		v, _ := record.Lookup(doc, l)
		a, _ := v.([]any)
		out[len(sh.leaves)+i] = packLen(len(a))
	}
	return out
}

// part makes n read what project reads: each leaf whole (an object or a
// list there is kept whole, see compactValue), and each list (its length;
// its elements only as far as the leaves under it go).
func (sh *docShape) part(n *jsondoc.Node) {
	for _, p := range sh.leaves {
		n.Add(lookupSegs(p))
	}
	for _, l := range sh.lists {
		n.Reach(lookupSegs(l))
	}
}

// current returns the kept value at path; ok=false when the shape does not
// keep it.
func (sh *docShape) current(vals projection, path string) (any, bool) {
	i, ok := sh.pos[path]
	if !ok || vals == nil || i >= len(vals) {
		return nil, ok
	}
	return unpackValue(vals[i]), true
}

// merge updates a projection after body (the changed part of doc) was
// written.
func (sh *docShape) merge(vals projection, doc, body map[string]any) {
	for i, p := range sh.leaves {
		if !under(body, p) {
			continue
		}
		v, ok := record.Lookup(doc, p)
		if ok {
			vals[i] = packValue(wire(v, false))
		} else {
			vals[i] = ""
		}
	}
	for i, l := range sh.lists {
		if v, ok := record.Lookup(body, l); ok {
			if a, ok := v.([]any); ok {
				vals[len(sh.leaves)+i] = packLen(len(a))
			}
		}
	}
}

// projection is what the index keeps of a record's values, in docShape's
// order: each value as one string whose first byte tells its kind (see
// packValue), so a value costs its text rather than an interface plus a
// boxed copy of it.
type projection []string

// packValue packs what compactValue keeps of v; unpackValue gives that back.
func packValue(v any) string {
	switch x := compactValue(v).(type) {
	case string:
		return "s" + x
	case json.Number:
		return "n" + string(x)
	case bool:
		if x {
			return "t"
		}
		return "f"
	case []string:
		b, _ := json.Marshal(x)
		return "a" + string(b)
	}
	return "" // nil
}

// packLen packs the length of a list.
func packLen(n int) string { return "l" + strconv.Itoa(n) }

func unpackValue(s string) any {
	if s == "" {
		return nil
	}
	switch s[0] {
	case 's':
		return s[1:]
	case 'n':
		return json.Number(s[1:])
	case 't':
		return true
	case 'f':
		return false
	case 'a':
		var l []string
		_ = json.Unmarshal([]byte(s[1:]), &l)
		return l
	case 'l':
		n, _ := strconv.Atoi(s[1:])
		return n
	}
	return nil
}

// under reports whether body holds a value at path or a list above it.
func under(body map[string]any, path string) bool {
	var cur any = body
	for seg := range strings.SplitSeq(path, ".") {
		name, _, hasIdx := splitIndex(seg)
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		v, ok := m[name]
		if !ok {
			return false
		}
		if hasIdx {
			return true // lists are written whole
		}
		cur = v
	}
	return true
}

// diff compares doc with a projection of the current record (nil: none)
// and returns one Change per changed field and the PATCH body: the changed
// leaves in their nested objects; a list that differs in any element or in
// length is sent whole.
func (d *keyedSink) diff(doc map[string]any, cur projection, it *pipeline.Item) ([]pipeline.Change, map[string]any) {
	body := map[string]any{}
	var changes []pipeline.Change
	types := map[string]mappings.Type{}
	for _, t := range d.targets {
		types[t.Path] = t.Type
	}
	var walk func(node map[string]any, path string, out map[string]any)
	walk = func(node map[string]any, path string, out map[string]any) {
		var buf [8]string // a document's objects have few keys
		keys := buf[:0]
		for k := range node {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := node[k]
			p := joinPath(path, k)
			switch x := v.(type) {
			case map[string]any:
				sub := map[string]any{}
				walk(x, p, sub)
				if len(sub) > 0 {
					out[k] = sub
				}
			case []any:
				if ch := d.diffList(x, p, cur, types); len(ch) > 0 {
					changes = append(changes, ch...)
					out[k] = x
				}
			default:
				if nv, ok := x.(decimal.Decimal); ok && cur != nil {
					// sameValue and oldValue of a number, reading the kept
					// text once and not unpacking it first
					if ch, same := d.diffDecimal(cur, p, nv, types[p]); !same {
						if changes == nil {
							changes = make([]pipeline.Change, 0, len(d.targets))
						}
						changes = append(changes, ch)
						out[k] = x
					}
					continue
				}
				old, _ := d.shape.current(cur, p)
				if cur != nil && d.keyField(p) >= 0 && sameKey(old, x) {
					continue // matched ignoring case, as the Wawi does: not a rename
				}
				if cur == nil || !sameValue(old, x, types[p]) {
					changes = append(changes, pipeline.Change{Field: p, Old: oldValue(old, x), New: x})
					out[k] = x
				}
			}
		}
	}
	walk(doc, "", body)
	if cur == nil {
		for i := range changes {
			changes[i].Old = nil
		}
	}
	return changes, body
}

// diffDecimal compares the decimal nv at path p with the kept value as
// diff's other leaves do (sameValue, oldValue; a number is never a key that
// matches ignoring case), for a current record (cur not nil): a kept
// number is parsed once for both.
func (d *keyedSink) diffDecimal(cur projection, p string, nv decimal.Decimal, typ mappings.Type) (pipeline.Change, bool) {
	i, ok := d.shape.pos[p]
	if !ok || i >= len(cur) || cur[i] == "" || cur[i][0] != 'n' {
		old, _ := d.shape.current(cur, p)
		return pipeline.Change{Field: p, Old: oldValue(old, nv), New: nv}, sameValue(old, nv, typ)
	}
	c, err := decimal.NewFromString(cur[i][1:])
	if err != nil {
		return pipeline.Change{Field: p, Old: json.Number(cur[i][1:]), New: nv}, false
	}
	return pipeline.Change{Field: p, Old: c, New: nv}, c.Equal(nv)
}

// diffList compares a list of doc with the kept values; Changes name the
// differing leaves, plus "<list>[]" with the old and new lengths when those
// differ.
func (d *keyedSink) diffList(list []any, path string, cur projection, types map[string]mappings.Type) []pipeline.Change {
	var changes []pipeline.Change
	var leaf func(v any, p string)
	leaf = func(v any, p string) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				leaf(x[k], p+"."+k)
			}
		default:
			old, _ := d.shape.current(cur, p)
			if cur == nil || !sameValue(old, x, typeOfIndexed(types, p)) {
				changes = append(changes, pipeline.Change{Field: p, Old: oldValue(old, x), New: x})
			}
		}
	}
	for i, el := range list {
		leaf(el, path+"["+strconv.Itoa(i)+"]")
	}
	if cur != nil {
		if n, ok := d.shape.current(cur, "#"+path); ok {
			if old, _ := n.(int); old != len(list) {
				changes = append(changes, pipeline.Change{Field: path + "[]", Old: int64(old), New: int64(len(list))})
			}
		}
	}
	return changes
}

// typeOfIndexed finds the mapping type of an indexed path, whose index may
// have moved when Nest closed up the list.
func typeOfIndexed(types map[string]mappings.Type, p string) mappings.Type {
	if t, ok := types[p]; ok {
		return t
	}
	strip := func(s string) string {
		var b strings.Builder
		depth := 0
		for _, r := range s {
			switch {
			case r == '[':
				depth++
			case r == ']':
				depth--
			case depth == 0:
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	sp := strip(p)
	for k, t := range types {
		if strip(k) == sp {
			return t
		}
	}
	return ""
}

func withArticle(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

func sameKey(cur, nv any) bool {
	c, ok1 := cur.(string)
	n, ok2 := nv.(string)
	return ok1 && ok2 && strings.EqualFold(strings.TrimSpace(c), strings.TrimSpace(n))
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}
