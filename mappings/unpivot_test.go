package mappings

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/record"
)

// A wide price list becomes one row per price: the named groups of the
// pattern become columns, other columns are kept, empty cells give no row.
func TestUnpivotWidePriceList(t *testing.T) {
	h := record.NewHeader([]string{"Artikelnummer", "Endkunden ab 1", "Händler ab 1", "Händler ab 10", "Bemerkung"})
	u, err := NewUnpivot(&UnpivotSpec{Columns: `^(?P<Gruppe>.+) ab (?P<Menge>\d+)$`, Value: "Preis"}, h)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(u.Header().Names, "|"); got != "Artikelnummer|Bemerkung|Gruppe|Menge|Preis" {
		t.Fatalf("header %s", got)
	}
	rows := u.Expand(&record.Record{Row: 7, Header: h, Fields: []string{"A-1", "1,99", "1,50", "", "neu"}})
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%d:%s", r.Row, strings.Join(r.Fields, "|")))
		if r.Header != u.Header() {
			t.Error("row keeps the wide header")
		}
	}
	if fmt.Sprint(got) != "[7:A-1|neu|Endkunden|1|1,99 7:A-1|neu|Händler|1|1,50]" {
		t.Errorf("rows %v", got)
	}
	// keep_empty keeps the empty cell's row; a short row has empty cells
	u2, _ := NewUnpivot(&UnpivotSpec{Columns: `^(?P<Gruppe>.+) ab (?P<Menge>\d+)$`, Value: "Preis", KeepEmpty: true}, h)
	if n := len(u2.Expand(&record.Record{Row: 8, Header: h, Fields: []string{"A-2"}})); n != 3 {
		t.Errorf("keep_empty: %d rows", n)
	}
	// a malformed row stays one row, with its error
	bad := u.Expand(&record.Record{Row: 9, Header: h, Err: fmt.Errorf("broken quote")})
	if len(bad) != 1 || bad[0].Err == nil || bad[0].Header != h {
		t.Errorf("malformed %+v", bad)
	}
}

func TestUnpivotErrors(t *testing.T) {
	h := record.NewHeader([]string{"SKU", "Preis", "Händler ab 1"})
	for _, c := range []struct {
		spec UnpivotSpec
		want string
	}{
		{UnpivotSpec{Columns: `^Großkunden`, Value: "x"}, "matches no column (columns: SKU, Preis, Händler ab 1)"},
		{UnpivotSpec{Columns: `(`, Value: "x"}, "source.unpivot.columns"},
		{UnpivotSpec{Columns: ` ab `}, "source.unpivot.value"},
		{UnpivotSpec{Columns: ` ab `, Value: "Preis"}, `new column "Preis" is a column of the file`},
	} {
		if _, err := NewUnpivot(&c.spec, h); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.spec, err, c.want)
		}
	}
	// a long file (errors.xlsx of an unpivoted run) passes as it is
	long := record.NewHeader([]string{"SKU", "Gruppe", "Menge", "Preis", "_error"})
	u, err := NewUnpivot(&UnpivotSpec{Columns: `^(?P<Gruppe>.+) ab (?P<Menge>\d+)$`, Value: "Preis"}, long)
	if err != nil || u.Header() != long {
		t.Fatalf("long file: %v", err)
	}
	if r := u.Expand(&record.Record{Header: long, Fields: []string{"A-1", "Händler", "10", "1,50", "x"}}); len(r) != 1 || r[0].Fields[3] != "1,50" {
		t.Errorf("long rows %+v", r)
	}
	if _, err := NewUnpivot(&UnpivotSpec{Columns: "x", Value: "v"}, nil); err == nil {
		t.Error("no header: want an error")
	}
}
