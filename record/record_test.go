package record

import (
	"reflect"
	"testing"
)

// A line record reads as its document with the line's maps under
// LineItemKey and LineTotalKey, without the document being changed; a
// line without totals leaves LineTotal to the document.
func TestLineRecordReadsAsItsDocument(t *testing.T) {
	doc := map[string]any{"Number": "AU-1", "LineTotal": "the document's", "Nested": map[string]any{"A": "x"}}
	line := map[string]any{"SKU": "L-1", "Prices": []any{"1.00", "2.00"}}
	r := &Record{Doc: doc, LineItem: line}
	for _, c := range []struct {
		path string
		want any
		ok   bool
	}{
		{"Number", "AU-1", true},
		{"Nested.A", "x", true},
		{"LineItem.SKU", "L-1", true},
		{"LineItem.Prices[1]", "2.00", true},
		{"LineItem", line, true},
		{"LineItem.Missing", nil, false},
		{"LineItem[0]", nil, false},
		{"LineTotal", "the document's", true},
		{"Other", nil, false},
	} {
		got, ok := r.Lookup(c.path)
		if ok != c.ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Lookup(%q) = %v %v, want %v %v", c.path, got, ok, c.want, c.ok)
		}
		if g, ok := r.Get(c.path); ok != c.ok || !reflect.DeepEqual(g, c.want) {
			t.Errorf("Get(%q) = %v %v", c.path, g, ok)
		}
	}
	r.LineTotal = map[string]any{"Net": "9.90"}
	if v, ok := r.Lookup("LineTotal.Net"); !ok || v != "9.90" {
		t.Errorf("LineTotal.Net = %v %v", v, ok)
	}
	if v, ok := r.Top("LineItem"); !ok || !reflect.DeepEqual(v, line) {
		t.Errorf("Top(LineItem) = %v %v", v, ok)
	}
	want := map[string]any{"Number": "AU-1", "LineTotal": r.LineTotal, "Nested": doc["Nested"], "LineItem": line}
	if v := r.View(); !reflect.DeepEqual(v, want) {
		t.Errorf("View() = %v", v)
	}
	if len(doc) != 3 || doc["LineTotal"] != "the document's" {
		t.Errorf("the document was changed: %v", doc)
	}
	whole := &Record{Doc: doc}
	if v := whole.View(); !reflect.DeepEqual(v, doc) {
		t.Errorf("a whole document's View: %v", v)
	}
}

// A header cell with a line break (Alt+Enter) is found by the name as the
// cell shows it; an exact name wins; two cells that show alike are found
// by neither.
func TestHeaderIndexShown(t *testing.T) {
	h := NewHeader([]string{"Artikel-\nnummer", "EK\r\nnetto", "VK  netto", "Menge\u00a0(Stk)", "A B", "A\nB", "Tab\tX"})
	for name, want := range map[string]int{
		"EK netto": 1, "VK netto": 2, "Menge (Stk)": 3, " Tab X ": 6,
		"A B":             4, // exact
		"Artikel- nummer": 0,
	} {
		if i, ok := h.IndexShown(name); !ok || i != want {
			t.Errorf("%q: %d %v, want %d", name, i, ok, want)
		}
	}
	for _, name := range []string{"Artikelnummer", "EKnetto", "ek netto"} {
		if i, ok := h.IndexShown(name); ok {
			t.Errorf("%q found at %d", name, i)
		}
	}
	if i, ok := NewHeader([]string{"A\nB", "A\tB"}).IndexShown("A B"); ok {
		t.Errorf("two cells show as %q: found %d", "A B", i)
	}
}

// A column reads as its cell shows it where the record has that (Shown),
// else as stored; Get (the diff report's key, a named customer) too.
func TestShownText(t *testing.T) {
	h := NewHeader([]string{"SKU", "Datum", "Name", "Leer"})
	r := &Record{Header: h, Fields: []string{"1234", "46082", "Käse"}, Shown: []string{"01234", "2026-03-01", ""}}
	for i, want := range []string{"01234", "2026-03-01", "Käse", ""} {
		if got := r.ShownText(i); got != want {
			t.Errorf("ShownText(%d) = %q, want %q", i, got, want)
		}
		if got, ok := r.Get(h.Names[i]); !ok || got != want {
			t.Errorf("Get(%q) = %v %v, want %q", h.Names[i], got, ok, want)
		}
	}
	if r.ShownAt(2) != "" || r.ShownAt(9) != "" || r.ShownAt(0) != "01234" {
		t.Error("ShownAt")
	}
	plain := &Record{Header: h, Fields: []string{"1234"}}
	if got, _ := plain.Get("SKU"); got != "1234" || plain.ShownText(5) != "" {
		t.Errorf("plain: %v", got)
	}
}
