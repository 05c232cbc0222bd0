// Package record holds the unit of data that flows from a source through a
// mapping to a sink. It is a leaf package so that sources, mappings, sinks and
// the pipeline can all share it without import cycles.
package record

import (
	"strconv"
	"strings"
)

// Header is the column layout of a tabular source. It is shared by every
// record of that source, so lookups by name cost one map access per mapping
// compile, not per record.
type Header struct {
	Names []string
	index map[string]int

	// SerialDates is true for spreadsheet sources: a numeric cell mapped to a
	// date is a serial day number, not a Unix timestamp.
	SerialDates bool
	// Date1904 selects the 1904 date system of old Mac workbooks.
	Date1904 bool
}

// NewHeader builds a header. When a name occurs twice the first wins for
// lookups by name; positions stay intact.
func NewHeader(names []string) *Header {
	h := &Header{Names: names, index: make(map[string]int, len(names))}
	for i, n := range names {
		if _, dup := h.index[n]; !dup {
			h.index[n] = i
		}
	}
	return h
}

// Index returns the position of a column by its exact name.
func (h *Header) Index(name string) (int, bool) {
	if h == nil {
		return 0, false
	}
	i, ok := h.index[name]
	return i, ok
}

// IndexShown finds a column by the name as a spreadsheet shows it: with
// its line breaks (Alt+Enter in a header cell) and runs of spaces as one
// space, so that "EK netto" finds a header cell "EK\nnetto". Only an exact
// match is taken when there is one; ok is false when no name, or more than
// one, matches so.
func (h *Header) IndexShown(name string) (int, bool) {
	if i, ok := h.Index(name); ok || h == nil {
		return i, ok
	}
	want, found, at := Shown(name), false, 0
	for i, n := range h.Names {
		if Shown(n) == want {
			if found {
				return 0, false
			}
			found, at = true, i
		}
	}
	return at, found
}

// Shown is a header name as a spreadsheet cell shows it: line breaks, tabs
// and runs of spaces (no-break ones too) as one space, none at the ends.
func Shown(name string) string {
	return strings.Join(strings.FieldsFunc(name, func(r rune) bool {
		return r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == '\u00A0'
	}), " ")
}

// Record is one row of a source.
type Record struct {
	// Seq is the 0-based position in the source; sinks that keep input order
	// sort by it.
	Seq int64
	// Row is the number a user sees: the CSV line the record starts on, the
	// spreadsheet row, or the ordinal of an API document.
	Row int
	// Header describes Fields; nil for document sources.
	Header *Header
	// Fields are the cell texts of a tabular source, aligned with Header.
	Fields []string
	// Numeric marks, aligned with Fields, the cells a spreadsheet stored as
	// numbers: their text is the stored form ("13.45"), which reads with a
	// decimal point whatever separators the column's text uses. nil when
	// the source does not know (CSV) or no cell needs it.
	Numeric []bool
	// Shown holds, aligned with Fields, what a spreadsheet cell shows where
	// its number format shows what the stored value in Fields loses: a
	// number padded with zeros ("01067" for a stored 1067), a date
	// ("2026-03-01"), a date and time ("2026-03-01T14:30:00") or a time of
	// day ("14:30:00") for a serial. "" for a cell that shows its value;
	// nil when no cell of the row needs it. Text takes it (ShownText),
	// typed values (numbers, dates) the stored value.
	Shown []string
	// Doc is the JSON document of a structured source (the ERP), nested as
	// decoded by encoding/json with UseNumber. The records of a document's
	// line items share it: it is read-only.
	Doc map[string]any
	// LineItem and LineTotal make a record of one line item of a document
	// (the ERP source with include: lineitems): the record reads as Doc with
	// them under LineItemKey and LineTotalKey (Lookup, View), without a copy
	// of the document per line. nil for other records; a nil LineTotal
	// leaves that key to Doc.
	LineItem, LineTotal map[string]any
	// Err marks a malformed input row (broken quotes, wrong field count). The
	// pipeline counts it as failed with this reason and goes on.
	Err error
	// Document and Line place the record in its source document when a
	// source emits one record per line item (the ERP source with include:
	// lineitems), so a sink can write each document once: Document is the
	// 1-based ordinal of the document, the same for all its lines; Line the
	// record's 1-based line, 0 for a document without lines. Both are 0 for
	// records that are whole documents or file rows.
	Document int
	Line     int
	// Lines are the rows of a grouped record (source.group_by: the rows of
	// one order in a file with a row per line item), the record itself
	// first; nil for an ungrouped one. Fields and Header are the first
	// row's.
	Lines []*Record
}

// IsNumeric reports whether field i was a number cell (see Numeric).
func (r *Record) IsNumeric(i int) bool { return i < len(r.Numeric) && r.Numeric[i] }

// ShownAt is what field i's cell shows when that differs from its stored
// value (see Shown), else "".
func (r *Record) ShownAt(i int) string {
	if i < len(r.Shown) {
		return r.Shown[i]
	}
	return ""
}

// ShownText is field i as its cell shows it: Shown where set, else the
// field ("" past the end).
func (r *Record) ShownText(i int) string {
	if s := r.ShownAt(i); s != "" {
		return s
	}
	if i < len(r.Fields) {
		return r.Fields[i]
	}
	return ""
}

// Keys under which a source that emits one record per line item puts the
// line into Doc (see the ERP source). A sink that writes documents and their
// lines apart tells a line's values from the document's by them.
const (
	LineItemKey  = "LineItem"
	LineTotalKey = "LineTotal"
)

// LineMap is the map a line record keeps under key (LineItemKey or
// LineTotalKey) apart from its document; ok is false for any other key, a
// record that is not a line's, or a line without that map.
func (r *Record) LineMap(key string) (m map[string]any, ok bool) {
	switch key {
	case LineItemKey:
		m = r.LineItem
	case LineTotalKey:
		m = r.LineTotal
	}
	return m, m != nil
}

// Top is the value of a top-level key of the record's document, its line's
// maps included.
func (r *Record) Top(key string) (any, bool) {
	if m, ok := r.LineMap(key); ok {
		return m, true
	}
	v, ok := r.Doc[key]
	return v, ok
}

// Lookup resolves a dotted path with optional [n] indexes in the record's
// document, its line's maps included (see LineItem).
func (r *Record) Lookup(path string) (any, bool) {
	first, rest, nested := strings.Cut(path, ".")
	if m, ok := r.LineMap(first); ok {
		if !nested {
			return m, true
		}
		return Lookup(m, rest)
	}
	return Lookup(r.Doc, path)
}

// View is the record's document as one map: Doc itself, or for a line
// record a shallow copy of it with the line's maps under their keys.
func (r *Record) View() map[string]any {
	if r.LineItem == nil && r.LineTotal == nil {
		return r.Doc
	}
	v := make(map[string]any, len(r.Doc)+2)
	for k, x := range r.Doc {
		v[k] = x
	}
	if r.LineItem != nil {
		v[LineItemKey] = r.LineItem
	}
	if r.LineTotal != nil {
		v[LineTotalKey] = r.LineTotal
	}
	return v
}

// Get returns a value by column name, as the cell shows it (ShownText),
// or by dotted path into Doc ("BillingAddress.Company", "Items[0].SKU").
func (r *Record) Get(name string) (any, bool) {
	if r.Doc != nil || r.LineItem != nil {
		return r.Lookup(name)
	}
	if i, ok := r.Header.Index(name); ok {
		return r.ShownText(i), true
	}
	return nil, false
}

// Lookup resolves a dotted path with optional [n] indexes in a nested
// document.
func Lookup(doc map[string]any, path string) (any, bool) {
	var cur any = doc
	for part := range strings.SplitSeq(path, ".") {
		name, idx, hasIdx := splitIndex(part)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[name]
		if !ok {
			return nil, false
		}
		if hasIdx {
			arr, ok := cur.([]any)
			if !ok || idx < 0 || idx >= len(arr) {
				return nil, false
			}
			cur = arr[idx]
		}
	}
	return cur, true
}

func splitIndex(part string) (name string, idx int, ok bool) {
	open := strings.IndexByte(part, '[')
	if open < 0 || !strings.HasSuffix(part, "]") {
		return part, 0, false
	}
	n, err := strconv.Atoi(part[open+1 : len(part)-1])
	if err != nil {
		return part, 0, false
	}
	return part[:open], n, true
}
