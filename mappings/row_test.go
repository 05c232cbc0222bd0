package mappings

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/wawi-etl/etl/record"
)

// rowCall is one call a RowWriter heard.
type rowCall struct {
	i    int
	kind string
	v    any
}

type recordingRow struct{ calls []rowCall }

func (r *recordingRow) add(i int, kind string, v any) {
	r.calls = append(r.calls, rowCall{i, kind, v})
}
func (r *recordingRow) Null(i int)           { r.add(i, "null", nil) }
func (r *recordingRow) Text(i int, s string) { r.add(i, "text", s) }
func (r *recordingRow) Int(i int, v int64)   { r.add(i, "int", v) }
func (r *recordingRow) Decimal(i int, u int64, e int32) {
	r.add(i, "decimal", decimal.New(u, e))
}
func (r *recordingRow) Bool(i int, b bool)      { r.add(i, "bool", b) }
func (r *recordingRow) Time(i int, t time.Time) { r.add(i, "time", t) }
func (r *recordingRow) Value(i int, v any)      { r.add(i, "value", v) }

// TestApplyToMatchesApply: the typed path hears every target once, in
// order, with the values Apply boxes, and the common types arrive typed
// (which is what makes file jobs fast), not as Value.
func TestApplyToMatchesApply(t *testing.T) {
	h := record.NewHeader([]string{"SKU", "Name", "Preis", "Menge", "Aktiv", "Datum", "Zeit", "Tags", "Land", "Groß", "Leer"})
	m := mustCompile(t, `
mapping:
  decimal: comma
  lookups:
    land: {values: {Deutschland: DE}}
  fields:
    - {target: SKU, column: SKU, transforms: [trim]}
    - {target: Name, column: Name}
    - {target: Price, column: Preis, type: decimal}
    - {target: Rounded, column: Preis, type: decimal, transforms: [{round: 1}]}
    - {target: Qty, column: Menge, type: int}
    - {target: QtyX, column: Menge, type: int, transforms: [{multiply: 10}]}
    - {target: Active, column: Aktiv, type: bool}
    - {target: Day, column: Datum, type: date, format: dd.mm.yyyy}
    - {target: At, column: Zeit, type: datetime}
    - {target: Tags, column: Tags, type: list, transforms: [{split: ","}, trim]}
    - {target: Country, column: Land, lookup: land}
    - {target: Big, column: Groß, type: decimal}
    - {target: Empty, column: Leer, type: decimal}
    - {target: Const, value: "7,5", type: decimal}
    - {target: Expr, expr: 'SKU + "-X"'}
`, h, Options{})
	rec := row(h, 2, " A-1 ", "Schraube", "1.234,56", "3", "ja", "24.12.2026", "2026-11-23T10:00:00Z", "a, b", "Deutschland", "1234567890123456789012,5", "")
	want := apply(t, m, rec)
	if len(want.Errs) > 0 {
		t.Fatal(errStrings(want.Errs))
	}
	var w recordingRow
	res, err := m.ApplyTo(context.Background(), rec, &w)
	if err != nil || len(res.Errs) > 0 || res.Values != nil {
		t.Fatalf("ApplyTo: %v %v values %v", err, errStrings(res.Errs), res.Values)
	}
	if len(w.calls) != len(m.Targets()) {
		t.Fatalf("%d calls for %d targets: %v", len(w.calls), len(m.Targets()), w.calls)
	}
	kinds := map[string]string{
		"SKU": "text", "Name": "text", "Price": "decimal", "Rounded": "value", "Qty": "int", "QtyX": "int",
		"Active": "bool", "Day": "time", "At": "time", "Tags": "value", "Country": "value", "Big": "value",
		"Empty": "null", "Const": "value", "Expr": "value",
	}
	for i, c := range w.calls {
		tg := m.Targets()[i].Path
		if c.i != i {
			t.Errorf("call %d is for target %d", i, c.i)
		}
		if !sameValue(c.v, want.Values[i]) {
			t.Errorf("%s: ApplyTo %#v, Apply %#v", tg, c.v, want.Values[i])
		}
		if kinds[tg] != c.kind {
			t.Errorf("%s came as %s, want %s", tg, c.kind, kinds[tg])
		}
	}
	if got := fmt.Sprint(w.calls[2].v); got != "1234.56" {
		t.Errorf("Price %s", got)
	}
}

// TestApplyToSkipAndErrors: a skipped record writes nothing; a field error
// is reported as Apply reports it.
func TestApplyToSkipAndErrors(t *testing.T) {
	h := record.NewHeader([]string{"SKU", "Menge"})
	m := mustCompile(t, `
mapping:
  when: 'SKU != "skip"'
  fields:
    - {target: SKU, column: SKU}
    - {target: Qty, column: Menge, type: int}
`, h, Options{})
	var w recordingRow
	res, err := m.ApplyTo(context.Background(), row(h, 2, "skip", "1"), &w)
	if err != nil || !res.Skip || len(w.calls) != 0 {
		t.Fatalf("skip: %v %+v %v", err, res, w.calls)
	}
	res, err = m.ApplyTo(context.Background(), row(h, 3, "A", "drei"), &w)
	want := apply(t, m, row(h, 3, "A", "drei"))
	if err != nil || len(res.Errs) != 1 || res.Errs[0].Error() != want.Errs[0].Error() {
		t.Fatalf("errors: %v %v, Apply says %v", err, errStrings(res.Errs), errStrings(want.Errs))
	}
	if len(w.calls) != 2 || w.calls[1].kind != "null" {
		t.Errorf("a field that failed is written as empty: %v", w.calls)
	}
}
