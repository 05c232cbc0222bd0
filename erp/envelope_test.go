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

// BenchmarkSplitEnvelope is one page of 100 accounting documents.
func BenchmarkSplitEnvelope(b *testing.B) {
	doc := `{"DocumentNumber":"RE200001","DocumentId":1,"DocumentDate":"2025-04-01T17:02:40.0000000+00:00","SalesOrderNumber":"AU100001","DepartureCountry":{"CountryISO":"DE","StateISO":""},"BillingAddress":{"Id":4,"Company":"","FirstName":"Emma","LastName":"Becker","Street":"Bergstraße 91","PostalCode":"04109","City":"Leipzig","EmailAddress":"kunde4@example.com","Fax":""},"CurrencyIso":"EUR","Type":0,"IsCancelled":false,"AccountDataLineItems":[{"ItemId":87,"Type":1,"Name":"Edelstahl Schraube \"2 m\"","GeneralLedgerAccount":"8400","Quantity":5,"VatRate":19,"VatAmount":352.10,"TotalGrossAmount":2205.23,"TotalNetAmount":1853.13,"SortOrder":1},{"ItemId":74,"Type":1,"Name":"Stahl Winkel 50 cm","GeneralLedgerAccount":"","Quantity":3,"VatRate":19,"VatAmount":403.22,"TotalGrossAmount":2525.46,"TotalNetAmount":2122.24,"SortOrder":2}]}`
	var page bytes.Buffer
	page.WriteString(`{"TotalItems":30000,"PageNumber":7,"PageSize":100,"Items":[`)
	for i := range 100 {
		if i > 0 {
			page.WriteByte(',')
		}
		page.WriteString(doc)
	}
	page.WriteString(`],"TotalPages":300,"HasPreviousPage":true,"HasNextPage":true,"NextPageNumber":8,"PreviousPageNumber":6}`)
	b.SetBytes(int64(page.Len()))
	for b.Loop() {
		if e, err := splitEnvelope(page.Bytes()); err != nil || len(e.Items) != 100 {
			b.Fatal(err)
		}
	}
}

// stringEnd finds the first quote or backslash wherever it is, eight bytes
// at a time or not.
func TestStringEnd(t *testing.T) {
	for n := 0; n <= 20; n++ {
		for at := 0; at <= n; at++ {
			for _, c := range []byte{'"', '\\'} {
				b := bytes.Repeat([]byte("aé\x80\xff!#"), 4)[:n]
				want := n
				if at < n {
					b = append([]byte(nil), b...)
					b[at], want = c, at
				}
				for from := 0; from <= min(at, n); from++ {
					if got := stringEnd(b, from); got != want {
						t.Fatalf("%q from %d: %d, want %d", b, from, got, want)
					}
				}
			}
		}
	}
}
