package sources

import (
	"slices"
	"strconv"
	"strings"

	"github.com/wawi-etl/etl/pipeline"
)

// pathKeys splits a column path into the keys it reads, as a mapping and
// record.Lookup walk it: Items[0].SKU reads SKU of Items (the index picks
// an element, and a projection applies to every element); a part whose
// brackets are no index is a key of its own.
func pathKeys(path string) []string {
	parts := strings.Split(path, ".")
	for i, part := range parts {
		if open := strings.IndexByte(part, '['); open >= 0 && strings.HasSuffix(part, "]") {
			if _, err := strconv.Atoi(part[open+1 : len(part)-1]); err == nil {
				parts[i] = part[:open]
			}
		}
	}
	return parts
}

// erpProjection is what the ERP source decodes of each document when the
// job names the columns it reads (ProjectColumns).
type erpProjection struct {
	doc  *projNode // of a document, including what the source itself reads
	line *projNode // of a line item fetched on its own (include without Embedded)
	// hidden are the keys the source reads that no record shows: dropped
	// once the document is decoded, so no line record copies them
	hidden     []string
	lineTotals bool // LineTotal is read: compute it
	totals     bool // Totals is read: add it (else only check the amounts)
	// identity paths on the document and on a line (LineItem.Name)
	docIdentity, lineIdentity [][]pathPart
}

// pathPart is a part of a path as record.Lookup reads it: a key, and an
// index into the key's array.
type pathPart struct {
	key    string
	idx    int
	hasIdx bool
}

func splitPath(path string) []pathPart {
	var out []pathPart
	for _, part := range strings.Split(path, ".") {
		pp := pathPart{key: part}
		if open := strings.IndexByte(part, '['); open >= 0 && strings.HasSuffix(part, "]") {
			if n, err := strconv.Atoi(part[open+1 : len(part)-1]); err == nil {
				pp = pathPart{key: part[:open], idx: n, hasIdx: true}
			}
		}
		out = append(out, pp)
	}
	return out
}

// ProjectColumns implements pipeline.ColumnProjector: from now on the
// source decodes of each document only the columns named, those it reads
// itself (the period's date, the watermark's key, the lines and their
// amounts), and the identity paths; every other value is checked and
// skipped without being built. A document whose records would have none
// of the identity paths comes whole, as the error workbook then shows it
// whole. Called after the first Next it does nothing.
func (s *ERPSource) ProjectColumns(p pipeline.Projection) {
	if s.started {
		return
	}
	pr := &erpProjection{doc: &projNode{}, line: &projNode{}}
	shown := map[string]bool{}
	route := func(path string, identity bool) {
		if path == "" {
			return
		}
		keys := pathKeys(path)
		first := keys[0]
		switch {
		case s.sub != nil && first == LineItemKey:
			pr.line.Add(keys[1:])
			// LineItem[0].X names nothing: the line is an object
			if sp := splitPath(path); identity && !sp[0].hasIdx {
				pr.lineIdentity = append(pr.lineIdentity, sp[1:])
			}
			return
		case s.sub != nil && first == LineTotalKey:
			pr.lineTotals = true
			for _, k := range lineTotalInputs {
				pr.line.Add([]string{k})
			}
			// a record without a line shows a LineTotal of the document's
			pr.doc.Add(keys)
		case s.def.Totals != nil && first == TotalsKey:
			pr.totals = true
		default:
			pr.doc.Add(keys)
		}
		shown[first] = true
		if identity {
			pr.docIdentity = append(pr.docIdentity, splitPath(path))
		}
	}
	for _, c := range p.Columns {
		route(c, false)
	}
	for _, c := range p.Identity {
		route(c, true)
	}
	// what the source reads itself: the part sub of the key's value
	own := func(key string, sub *projNode) {
		if !shown[key] && !slices.Contains(pr.hidden, key) {
			pr.hidden = append(pr.hidden, key)
		}
		pr.doc.Merge(&projNode{Keys: []projKey{{Name: key, Node: sub}}})
	}
	all := &projNode{All: true}
	if s.dateField != "" {
		own(s.dateField, all)
	}
	if s.inc != nil {
		own(s.inc.key, all)
	}
	if t := s.def.Totals; t != nil {
		own(t.SignField, all)
		amounts := &projNode{}
		for _, f := range append([]string{t.Rate}, t.Sums...) {
			amounts.Add([]string{f})
		}
		own(t.Lines, amounts)
	}
	if e := s.sub; e != nil && e.Embedded != "" {
		// the lines are the elements of the array: read what a line
		// record shows
		own(e.Embedded, pr.line)
	}
	if s.sub != nil && s.sub.Embedded == "" {
		// produce fetches the lines by it after the document was decoded
		pr.doc.Add([]string{s.def.IDField})
	}
	if s.dedupe() && (s.sub == nil || s.sub.Embedded != "") {
		for _, f := range s.def.RecordKey() {
			own(f, all) // produce drops a document read twice by it
		}
	}
	s.proj = pr
}

// lineTotalInputs are the fields of a line item lineTotals reads.
var lineTotalInputs = []string{"SalesPriceNet", "SalesPriceGross", "Quantity", "Discount"}

// hasIdentity: the error workbook names a record of doc with line by one
// of the identity paths (see report.ErrorBook.docColumns).
func (pr *erpProjection) hasIdentity(doc, line map[string]any) bool {
	for _, p := range pr.docIdentity {
		if identifies(doc, p) {
			return true
		}
	}
	if line != nil {
		for _, p := range pr.lineIdentity {
			if identifies(line, p) {
				return true
			}
		}
	}
	return false
}

// identifies: path leads in m to a value that is set and no object, as
// record.Lookup walks it.
func identifies(m map[string]any, path []pathPart) bool {
	var v any = m
	for _, p := range path {
		o, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = o[p.key]; !ok {
			return false
		}
		if p.hasIdx {
			arr, ok := v.([]any)
			if !ok || p.idx < 0 || p.idx >= len(arr) {
				return false
			}
			v = arr[p.idx]
		}
	}
	if v == nil {
		return false
	}
	_, nested := v.(map[string]any)
	return !nested
}
