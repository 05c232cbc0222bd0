package mappings

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxNestIndex bounds [n] in target paths, so a typo cannot allocate a huge
// array.
const maxNestIndex = 999

// Nest builds the nested API document from mapped values:
// "A.B" gives {"A":{"B":v}}, "Categories[0].CategoryId" gives
// {"Categories":[{"CategoryId":v}]}. nil values are left out; an array
// element that ends up with no value at all is dropped and the array closes
// up, so the API never sees null placeholders. Lists ([]string) stay as they
// are. Paths that CheckNest rejects are placed as best they can be: a later
// value wins over an earlier one at the same place.
func Nest(targets []Target, values []any) map[string]any {
	root := make(map[string]any, len(targets))
	arrays := false
	for i, t := range targets {
		if i >= len(values) || values[i] == nil {
			continue
		}
		if setPath(root, t.Path, values[i]) {
			arrays = true
		}
	}
	if arrays {
		compact(root)
	}
	return root
}

// setPath stores v at path and reports whether it went through an array.
func setPath(root map[string]any, path string, v any) bool {
	cur := root
	arrays := false
	for {
		seg, rest, more := strings.Cut(path, ".")
		name, idx, hasIdx := nestIndex(seg)
		if !hasIdx {
			if !more {
				cur[name] = v
				return arrays
			}
			next, ok := cur[name].(map[string]any)
			if !ok {
				next = map[string]any{}
				cur[name] = next
			}
			cur, path = next, rest
			continue
		}
		arrays = true
		arr, _ := cur[name].([]any)
		if idx >= len(arr) {
			arr = append(arr, make([]any, idx+1-len(arr))...)
			cur[name] = arr
		}
		if !more {
			arr[idx] = v
			return arrays
		}
		next, ok := arr[idx].(map[string]any)
		if !ok {
			next = map[string]any{}
			arr[idx] = next
		}
		cur, path = next, rest
	}
}

// nestIndex splits "Name[3]" into Name and 3.
func nestIndex(seg string) (string, int, bool) {
	open := strings.IndexByte(seg, '[')
	if open < 0 || !strings.HasSuffix(seg, "]") {
		return seg, 0, false
	}
	n, err := strconv.Atoi(seg[open+1 : len(seg)-1])
	if err != nil || n < 0 || n > maxNestIndex {
		return seg, 0, false
	}
	return seg[:open], n, true
}

// compact drops nil elements and empty objects from arrays, recursively.
func compact(m map[string]any) {
	for k, v := range m {
		switch v := v.(type) {
		case map[string]any:
			compact(v)
		case []any:
			out := v[:0]
			for _, el := range v {
				if sub, ok := el.(map[string]any); ok {
					compact(sub)
					if len(sub) == 0 {
						continue
					}
				}
				if el != nil {
					out = append(out, el)
				}
			}
			m[k] = out
		}
	}
}

// CheckNest reports target paths that Nest cannot place unambiguously: empty
// parts, bad indexes, a name used both as an array and as an object, and one
// path inside another ("A" and "A.B"). Sinks that send nested documents call
// it when they open; file sinks use targets as plain column names.
func CheckNest(targets []Target) error {
	type node struct {
		leaf     string           // path of the value stored here
		children map[string]*node // by "name" or "name[i]"
		indexed  map[string]bool  // name -> used with [i]
	}
	newNode := func() *node { return &node{children: map[string]*node{}, indexed: map[string]bool{}} }
	root := newNode()
	var problems []string
paths:
	for _, t := range targets {
		cur := root
		for seg := range strings.SplitSeq(t.Path, ".") {
			name, idx, hasIdx := nestIndex(seg)
			if n, ok := strings.CutSuffix(seg, "[]"); ok && n != "" {
				name, idx, hasIdx = n, -1, true // per line: LineItems[].SKU
			}
			if name == "" || strings.ContainsAny(name, "[]") {
				problems = append(problems, fmt.Sprintf("target %q: bad path part %q", t.Path, seg))
				continue paths
			}
			if cur.leaf != "" {
				problems = append(problems, fmt.Sprintf("target %q is inside target %q, which is a value", t.Path, cur.leaf))
				continue paths
			}
			if was, seen := cur.indexed[name]; seen && was != hasIdx {
				problems = append(problems, fmt.Sprintf("target %q uses %q both as a list and as a single value", t.Path, name))
				continue paths
			}
			cur.indexed[name] = hasIdx
			key := name
			if hasIdx {
				key += "[" + strconv.Itoa(idx) + "]"
			}
			next := cur.children[key]
			if next == nil {
				next = newNode()
				cur.children[key] = next
			}
			cur = next
		}
		switch {
		case len(cur.children) > 0:
			problems = append(problems, fmt.Sprintf("target %q is also the parent of other targets", t.Path))
		case cur.leaf != "":
			problems = append(problems, fmt.Sprintf("target %q is mapped twice", t.Path))
		default:
			cur.leaf = t.Path
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
