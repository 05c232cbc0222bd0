package erp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

var envelopeSeeds = []string{
	`{"TotalItems":2,"PageNumber":1,"PageSize":100,"TotalPages":1,"HasPreviousPage":false,"HasNextPage":false,"NextPageNumber":1,"PreviousPageNumber":1,"Items":[{"Id":1,"Name":"Schraube \"M4\" \\ ä","Tags":["a","]"],"Price":1.5},{"Id":2,"x":null}]}`,
	` { "items" : [ ] , "totalitems" : 0 } `,
	`{"Items":null,"TotalItems":null}`,
	`{"Items":[1,"two",true,null,[],{}],"PageNumber":3,"Other":{"a":[1,{"b":"}"}]}}`,
	`{"TotalItems":1.0,"Items":[]}`,
	`{"TotalItems":"1","Items":[]}`,
	`{"Items":[{"a":1}`,
	`{"Items":[{"a":1]}]}`,
	`{"Items":[{"a":}]}`,
	`{"HasNextPage":tru,"Items":[]}`,
	`{"Items":[]} x`,
	`{"It\u0065ms":[1]}`,
	`{"Items":[1],"Items":[2]}`,
	`{}`,
	`[]`,
}

// The fast path reads what json.Unmarshal reads, or steps aside.
func FuzzSplitEnvelope(f *testing.F) {
	for _, s := range envelopeSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkSplit(t, b)
	})
}

func TestSplitEnvelopeMatchesUnmarshal(t *testing.T) {
	for _, s := range envelopeSeeds {
		checkSplit(t, []byte(s))
	}
	// a real page reads on the fast path
	e, err := splitEnvelope([]byte(envelopeSeeds[0]))
	if err != nil || len(e.Items) != 2 || *e.TotalItems != 2 || *e.HasNextPage {
		t.Errorf("%+v %v", e, err)
	}
}

func checkSplit(t *testing.T, b []byte) {
	t.Helper()
	var want envelope
	werr := json.Unmarshal(b, &want)
	got, gerr := splitEnvelope(b)
	if gerr != nil {
		return // the caller falls back to Unmarshal
	}
	if werr != nil {
		// only an item the fast path leaves raw may be what Unmarshal refused
		for _, it := range got.Items {
			if !json.Valid(it) {
				return
			}
		}
		t.Fatalf("%q: the fast path read what Unmarshal refuses (%v): %s", b, werr, show(got))
	}
	if !reflect.DeepEqual(show(got), show(want)) {
		t.Fatalf("%q:\nfast      %s\nUnmarshal %s", b, show(got), show(want))
	}
	for i := range got.Items {
		if !bytes.Equal(got.Items[i], want.Items[i]) {
			t.Fatalf("%q: item %d %q, Unmarshal %q", b, i, got.Items[i], want.Items[i])
		}
	}
}

func show(e envelope) string {
	p := func(v *int) string {
		if v == nil {
			return "nil"
		}
		return fmt.Sprint(*v)
	}
	bp := func(v *bool) string {
		if v == nil {
			return "nil"
		}
		return fmt.Sprint(*v)
	}
	items := "nil"
	if e.Items != nil {
		items = fmt.Sprintf("%q", e.Items)
	}
	return fmt.Sprintf("total %s page %s size %s pages %s prev %s next %s nextN %s prevN %s items %s",
		p(e.TotalItems), p(e.PageNumber), p(e.PageSize), p(e.TotalPages), bp(e.HasPreviousPage), bp(e.HasNextPage),
		p(e.NextPageNumber), p(e.PreviousPageNumber), items)
}
