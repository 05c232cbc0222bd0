package sources

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// projections the parser tests read documents with, as column paths
var projectionSeeds = [][]string{
	{"a"},
	{"b.c", "d"},
	{"s", "x.y.z"},
	{"Id", "Items[0].SKU"},
	{"a.a.a"},
	{"nothing"},
	{"b"},
}

func projTree(paths []string) *projNode {
	n := &projNode{}
	for _, p := range paths {
		n.Add(pathKeys(p))
	}
	return n
}

// pruned is v cut to the part n, as parseDocProj should read it.
func pruned(v any, n *projNode) any {
	if n.All {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if c := n.Child(k); c != nil {
				out[k] = pruned(e, c)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = pruned(e, n)
		}
		return out
	}
	return v
}

// parseDocProj is parseDoc reading only the part n of the document.
func parseDocProj(raw []byte, loc *time.Location, n *projNode) (map[string]any, error) {
	return parseDocPart(raw, loc, n, nil)
}

// checkParseDocProj holds parseDocProj to parseDoc: the same error, or
// the whole document cut to the projection.
func checkParseDocProj(t *testing.T, raw []byte, n *projNode) {
	t.Helper()
	loc, _ := time.LoadLocation("Europe/Berlin")
	want, werr := parseDoc(raw, loc)
	buf := slices.Clone(raw)
	got, gerr := parseDocProj(buf, loc, n)
	if fmt.Sprint(werr) != fmt.Sprint(gerr) {
		t.Fatalf("%q: error %v, want %v", raw, gerr, werr)
	}
	if werr != nil {
		return
	}
	w := pruned(want, n)
	if !reflect.DeepEqual(map[string]any(got), w) {
		t.Fatalf("%q: got %#v, want %#v", raw, got, w)
	}
	for i := range buf {
		buf[i] = 'X' // the page's buffer is reused: nothing kept may lie in it
	}
	if !reflect.DeepEqual(map[string]any(got), w) {
		t.Fatalf("%q: changed with the buffer it was read from: %#v", raw, got)
	}
}

func TestParseDocProjMatchesParseDoc(t *testing.T) {
	docs := append([]string{
		`{"a":1,"b":{"c":"2025-04-01T14:10:24.0000000+00:00","e":[1,{"f":"\u00e9"}]},"d":[{"x":1},{"y":2}],"z":"\ud83d\ude00"}`,
		`{"Id":7,"Items":[{"SKU":"A","Name":"x"},{"SKU":"B"},3,null],"s":"ok"}`,
		`{"x":{"y":{"z":[1,2],"w":"skip\"me"}},"s":"\ud83d\u0041"}`,
		`{"b":{"c":1,"c":{"q":2}},"skip":{"deep":[[[{"s":"\ud83d"}]]]}}`,
		`{"skip":"\u12"}`, `{"skip":[1,}`, `{"skip":{"a"}}`, `{"skip":01}`, "{\"skip\":\"a\nb\"}", `{"skip":"\q"}`,
		`{"skip":"\ud83d\uzzzz"}`, `{"skip":tru}`, `{"skip":"abc`, `{"skip":[1 2]}`, `{"skip":{"a":1,}}`, `{"skip":"\`,
		`{"b":{"c":[1,]}}`, `{"b":{"c":1} x`,
	}, parseDocSeeds...)
	for _, d := range docs {
		for _, p := range projectionSeeds {
			checkParseDocProj(t, []byte(d), projTree(p))
		}
	}
	deep := `{"skip":` + strings.Repeat(`[`, 10001) + strings.Repeat("]", 10001) + `}`
	checkParseDocProj(t, []byte(deep), projTree([]string{"a"}))
	if _, err := parseDocProj([]byte(deep), nil, projTree([]string{"a"})); err == nil {
		t.Error("10001 levels skipped")
	}
}

func FuzzParseDocProj(f *testing.F) {
	for _, s := range parseDocSeeds {
		for i := range projectionSeeds {
			f.Add([]byte(s), uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte, p uint8) {
		checkParseDocProj(t, raw, projTree(projectionSeeds[int(p)%len(projectionSeeds)]))
	})
}
