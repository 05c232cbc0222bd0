package erptest

import (
	"slices"
	"strings"
)

// textIndex answers "which records' text contains this substring"
// (case-insensitive) without scanning every record: a trigram index narrows
// the candidates, and each candidate's text is then checked. Records are
// identified by their Id. Updates only add postings; stale postings are
// weeded out by the final check against the current text.
type textIndex struct {
	text  map[int]string
	grams map[string][]int
	seen  map[string]bool // scratch for set
}

func newTextIndex() *textIndex {
	return &textIndex{text: map[int]string{}, grams: map[string][]int{}, seen: map[string]bool{}}
}

// set records the searchable text of id (the fields joined by "\x00").
func (x *textIndex) set(id int, fields ...string) {
	t := strings.ToLower(strings.Join(fields, "\x00"))
	if old, ok := x.text[id]; ok && old == t {
		return
	}
	x.text[id] = t
	seen := x.seen
	clear(seen)
	for i := 0; i+3 <= len(t); i++ {
		g := t[i : i+3]
		if strings.IndexByte(g, 0) >= 0 || seen[g] {
			continue
		}
		seen[g] = true
		x.grams[g] = append(x.grams[g], id)
	}
}

// search returns the sorted ids whose text contains q (case-insensitive),
// or ok=false when q is too short for the index (the caller scans instead).
func (x *textIndex) search(q string) (ids []int, ok bool) {
	q = strings.ToLower(q)
	if len(q) < 3 {
		return nil, false
	}
	var best []int
	for i := 0; i+3 <= len(q); i++ {
		p, found := x.grams[q[i:i+3]]
		if !found {
			return []int{}, true
		}
		if best == nil || len(p) < len(best) {
			best = p
		}
	}
	cand := slices.Clone(best)
	slices.Sort(cand)
	cand = slices.Compact(cand)
	out := cand[:0]
	for _, id := range cand {
		if strings.Contains(x.text[id], q) {
			out = append(out, id)
		}
	}
	return out, true
}

// contains reports whether id's text contains q (case-insensitive).
func (x *textIndex) contains(id int, q string) bool {
	return strings.Contains(x.text[id], strings.ToLower(q))
}
