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

// An unpivoted row keeps the marks of its cells (Numeric, Shown) on the
// columns they moved to: the price cell's stored 13.45 stays a number
// under decimal: comma, a padded SKU's shown text stays the SKU's.
func TestUnpivotMovesCellMarks(t *testing.T) {
	h := record.NewHeader([]string{"SKU", "Händler ab 1", "Händler ab 10", "Datum"})
	h.SerialDates = true
	u, err := NewUnpivot(&UnpivotSpec{Columns: `^(?P<Gruppe>.+) ab (?P<Menge>\d+)$`, Value: "Preis"}, h)
	if err != nil {
		t.Fatal(err)
	}
	rec := &record.Record{Row: 2, Header: h, Fields: []string{"1234", "13", "13.45", "46082"},
		Numeric: []bool{false, false, true, false}, Shown: []string{"01234", "", "", "2026-03-01"}}
	rows := u.Expand(rec)
	// SKU Datum Gruppe Menge Preis
	want := []string{
		"[] [01234 2026-03-01   ]", // no number cell: no Numeric
		"[false false false false true] [01234 2026-03-01   ]",
	}
	m := mustCompile(t, `
mapping:
  decimal: comma
  fields:
    - {column: Menge, target: Menge, type: int}
    - {column: Preis, target: Preis, type: decimal}
`, u.Header(), Options{})
	prices := []string{"[1 13]", "[10 13.45]"}
	for i, r := range rows {
		if got := fmt.Sprint(r.Numeric, r.Shown); got != want[i] {
			t.Errorf("row %d: marks %s, want %s", i, got, want[i])
		}
		res := apply(t, m, r)
		if got := fmt.Sprint(res.Values); got != prices[i] || len(res.Errs) > 0 {
			t.Errorf("row %d: %s %v, want %s", i, got, errStrings(res.Errs), prices[i])
		}
	}
	if rec.Shown[0] != "01234" || !rec.Numeric[2] {
		t.Error("the input record was changed")
	}
}
