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
