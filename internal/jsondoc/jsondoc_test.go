package jsondoc

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"unsafe"
)

func stdDecode(raw []byte) (map[string]any, error) {
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	err := d.Decode(&m)
	return m, err
}

var docs = []string{
	`{}`,
	`{"Id":1,"SKU":"A-1","Price":10.50,"Neg":-1e-3,"On":true,"Off":false,"None":null}`,
	`{"Name":"Gr\u00fc\u00dfe \"quoted\" \\ \/ \n\t","Emoji":"\ud83d\ude00","Lone":"\ud800x"}`,
	"{\"Bad\":\"\xff\xfe ok\"}",
	`{"Dup":1,"Dup":2}`,
	`{"Nested":{"A":[1,2,{"B":"c"}],"E":[]},"Arr":[[],[null]]}`,
	` { "Spaced" : [ 1 , 2 ] } `,
}

// Parse and ParseCopy decode as encoding/json with UseNumber does.
func TestParseMatchesEncodingJSON(t *testing.T) {
	for _, d := range docs {
		want, err := stdDecode([]byte(d))
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		for name, parse := range map[string]func([]byte) (map[string]any, error){
			"Parse":     func(b []byte) (map[string]any, error) { return Parse(b, nil) },
			"ParseCopy": ParseCopy,
		} {
			got, err := parse([]byte(d))
			if err != nil {
				t.Errorf("%s(%s): %v", name, d, err)
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s(%s) = %#v, want %#v", name, d, got, want)
			}
		}
	}
	for _, bad := range []string{`{"A":}`, `{"A":1`, `[1]`, `{"A":01}`, `{"A":"x}`, `{"A":1} x`} {
		if _, err := ParseCopy([]byte(bad)); err == nil {
			t.Errorf("ParseCopy(%s): no error", bad)
		}
	}
}

// ParseCopy's keys, texts and numbers share no memory with each other:
// each is its own allocation, so keeping one keeps nothing else.
func TestParseCopyOwnStrings(t *testing.T) {
	m, err := ParseCopy([]byte(`{"SKU":"A-1","Price":10.50,"Name":"Schraube"}`))
	if err != nil {
		t.Fatal(err)
	}
	sku, price, name := m["SKU"].(string), string(m["Price"].(json.Number)), m["Name"].(string)
	p := func(s string) uintptr { return uintptr(unsafe.Pointer(unsafe.StringData(s))) }
	// substrings of one document string lie at their offsets in it
	if p(price)-p(sku) == uintptr(len(`A-1","Price":`)) || p(name)-p(price) == uintptr(len(`10.50,"Name":"`)) {
		t.Error("values are parts of the document's string")
	}
	m2, _ := Parse([]byte(`{"SKU":"A-1","Price":10.50}`), nil)
	if p(string(m2["Price"].(json.Number)))-p(m2["SKU"].(string)) != uintptr(len(`A-1","Price":`)) {
		t.Error("Parse no longer shares the document's string: the test above checks nothing")
	}
}

// prune is what part n of v is: an object keeps the keys n names, each
// pruned to its part; a list prunes each element; anything else is kept.
func prune(v any, n *Node) any {
	if n.All {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for _, k := range n.Keys {
			if c, ok := x[k.Name]; ok {
				out[k.Name] = prune(c, k.Node)
			}
		}
		return out
	case []any:
		out := []any{}
		for _, c := range x {
			out = append(out, prune(c, n))
		}
		return out
	}
	return v
}

func node(paths ...[]string) *Node {
	n := &Node{}
	for _, p := range paths {
		n.Add(p)
	}
	return n
}

// ParsePartCopy decodes the part of a document that pruning the whole
// decode keeps, fails where ParseCopy fails (values it skips included), and
// its strings share no memory with the document.
func TestParsePartCopy(t *testing.T) {
	reach := node([]string{"Id"})
	reach.Reach([]string{"Nested", "A"})
	nodes := []*Node{
		node(),
		node([]string{"Id"}),
		node([]string{"SKU"}, []string{"Nested", "A"}),
		node([]string{"Nested", "A", "B"}, []string{"Arr"}),
		node([]string{"Name"}, []string{"Dup"}, []string{"Emoji"}, []string{"Bad"}),
		node([]string{"Spaced"}),
		node([]string{"Nested"}, []string{"Nested", "E"}), // Add of a path below All: still all
		reach,
		{All: true},
	}
	for _, d := range docs {
		whole, err := stdDecode([]byte(d))
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range nodes {
			got, err := ParsePartCopy([]byte(d), n)
			if err != nil {
				t.Errorf("node %d, %s: %v", i, d, err)
				continue
			}
			if want := prune(whole, n); !reflect.DeepEqual(got, want) {
				t.Errorf("node %d, %s: got %#v, want %#v", i, d, got, want)
			}
		}
	}
	if got := reach.Child("Nested").Child("A"); got == nil || got.All || len(got.Keys) > 0 {
		t.Errorf("Reach made %#v at Nested.A, want an empty part", got)
	}
	for _, bad := range []string{`{"A":}`, `{"A":1`, `[1]`, `{"Skip":01}`, `{"Skip":"x}`, `{"A":1} x`, `{"Skip":[1,]}`, `{"Skip":{"a" 1}}`, `{"Skip":"\x"}`, "{\"Skip\":\"\x01\"}"} {
		_, errWhole := ParseCopy([]byte(bad))
		_, errPart := ParsePartCopy([]byte(bad), node([]string{"A"}))
		if errWhole == nil || errPart == nil {
			t.Errorf("%s: whole %v, part %v: want errors", bad, errWhole, errPart)
		}
	}
	raw := []byte(`{"SKU":"A-1","Price":10.50,"Name":"Schraube","Skip":"x"}`)
	m, err := ParsePartCopy(raw, node([]string{"SKU"}, []string{"Price"}, []string{"Name"}))
	if err != nil {
		t.Fatal(err)
	}
	in := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		b := uintptr(unsafe.Pointer(&raw[0]))
		return p >= b && p < b+uintptr(len(raw))
	}
	for k, v := range m {
		s, _ := v.(string)
		if n, ok := v.(json.Number); ok {
			s = string(n)
		}
		if in(k) || in(s) {
			t.Errorf("%s: %q is a part of the document", k, s)
		}
	}
	for i := range raw {
		raw[i] = 'X' // a page's buffer may be reused: the values must not change
	}
	if m["SKU"] != "A-1" || m["Price"] != json.Number("10.50") || m["Name"] != "Schraube" {
		t.Errorf("values changed with the document: %v", m)
	}
}

// ParsePart of a part reads the document in place and copies what it keeps
// into the scratch's arena: the values are those pruning the whole decode
// keeps, none lies in the document (a page's buffer is reused once its
// documents are decoded), and the values of documents decoded earlier with
// the same scratch stay as they were.
func TestParsePartKeepsNoPartOfTheDocument(t *testing.T) {
	nodes := []*Node{
		node([]string{"Id"}, []string{"SKU"}, []string{"Price"}, []string{"Neg"}),
		node([]string{"SKU"}, []string{"Nested", "A"}),
		node([]string{"Nested", "A", "B"}, []string{"Arr"}),
		node([]string{"Name"}, []string{"Dup"}, []string{"Emoji"}, []string{"Lone"}, []string{"Bad"}),
		node([]string{"Spaced"}),
		node([]string{"Nested"}),
	}
	long := `{"SKU":"` + string(bytes.Repeat([]byte("L"), arenaChunk)) + `","Id":7}` // beside the arena
	var scratch Scratch
	type parsed struct {
		got, want any
		doc       string
	}
	var all []parsed
	for round := range 3 { // enough documents to fill several arena blocks
		for _, d := range append(docs, long) {
			whole, err := stdDecode([]byte(d))
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range nodes {
				raw := []byte(d)
				got, err := ParsePart(raw, nil, n, &scratch)
				if err != nil {
					t.Fatalf("%s: %v", d, err)
				}
				want := prune(whole, n)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("round %d, %s: got %#v, want %#v", round, d, got, want)
				}
				for i := range raw {
					raw[i] = 'X'
				}
				all = append(all, parsed{got, want, d})
			}
		}
	}
	for _, p := range all {
		if !reflect.DeepEqual(p.got, p.want) {
			t.Fatalf("%s: after the document changed and more were decoded: got %#v, want %#v", p.doc, p.got, p.want)
		}
	}
	if len(scratch.arena) == 0 {
		t.Error("nothing went to the arena: the test checks the copy of the whole document")
	}
}
