package mappings

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/record"
)

// A grouped record (the rows of one order): per-line targets take a value
// from every row, naming the row in their problems; the others are taken
// once and the rows must agree on them.
func TestGroupedRecordLines(t *testing.T) {
	h := record.NewHeader([]string{"Nr", "Kunde", "SKU", "Menge"})
	m := mustCompile(t, `
mapping:
  fields:
    - {target: ExternalNumber, column: Nr}
    - {target: CustomerId, column: Kunde}
    - {target: "LineItems[].SKU", column: SKU, required: true}
    - {target: "LineItems[].Quantity", column: Menge, type: decimal}
`, h, Options{})
	group := func(rows ...*record.Record) *record.Record {
		g := *rows[0]
		g.Lines = rows
		return &g
	}
	res := apply(t, m, group(row(h, 2, "B-1", "K1", "A-1", "2"), row(h, 7, "B-1", "K1", "A-2", "1.5")))
	if len(res.Errs) != 0 {
		t.Fatalf("errors: %v", errStrings(res.Errs))
	}
	if got := fmt.Sprint(res.Values[2], res.Values[3]); got != "[A-1 A-2] [2 1.5]" {
		t.Errorf("per-line values %s", got)
	}
	// an ungrouped record is its own single line
	res = apply(t, m, row(h, 3, "B-2", "K1", "A-9", "1"))
	if got := fmt.Sprint(res.Values[2]); len(res.Errs) != 0 || got != "[A-9]" {
		t.Errorf("single row: %s %v", got, errStrings(res.Errs))
	}
	// rows that disagree on the customer; a row without SKU
	res = apply(t, m, group(row(h, 2, "B-3", "K1", "A-1", "1"), row(h, 5, "B-3", "K2", "", "1")))
	errs := strings.Join(errStrings(res.Errs), "\n")
	if !strings.Contains(errs, `row 2 says "K1", row 5 "K2": the rows of one group must agree`) || !strings.Contains(errs, "row 5: required") {
		t.Errorf("errors:\n%s", errs)
	}
}
