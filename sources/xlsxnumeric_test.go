package sources

import (
	"context"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// A merchant types 13.45 into a price cell of errors.xlsx: Excel stores a
// number, which arrives as "13.45" and must read as 13.45 under the
// column's decimal: comma, while the text "1.234" still follows it (1234).
func TestXLSXNumberCellsIgnoreDecimalComma(t *testing.T) {
	dir := saveBook(t, func(f *excelize.File) {
		setRows(t, f, "Sheet1", 1,
			[]any{"SKU", "Preis", "Menge"},
			[]any{"A1", 13.45, 2},
			[]any{"A2", "1.234", "1.5E2"},
			[]any{"A3", "12,50", 0.5},
		)
	})
	src, err := openXLSXDir(t, dir, pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mappings.Compile(&mappings.Spec{Decimal: "comma", Fields: []mappings.FieldSpec{
		{Target: "SKU", Column: "SKU"},
		{Target: "Price", Column: "Preis", Type: mappings.Decimal},
		{Target: "Qty", Column: "Menge", Type: mappings.Decimal},
	}}, src.Header(), mappings.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, src)
	want := []struct{ price, qty string }{{"13.45", "2"}, {"1234", ""}, {"12.5", "0.5"}}
	for i, rec := range recs {
		res, err := m.Apply(context.Background(), rec)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			// "1.5E2" is text: under decimal: comma it is no number
			if len(res.Errs) != 1 || res.Errs[0].Target != "Qty" {
				t.Errorf("row %d: errors %v, want one on Qty", rec.Row, res.Errs)
			}
		} else if len(res.Errs) > 0 {
			t.Errorf("row %d: %v", rec.Row, res.Errs)
			continue
		}
		if got := res.Values[1]; got == nil || got.(interface{ String() string }).String() != want[i].price {
			t.Errorf("row %d: price %v, want %s", rec.Row, got, want[i].price)
		}
		if want[i].qty != "" {
			if got := res.Values[2]; got == nil || got.(interface{ String() string }).String() != want[i].qty {
				t.Errorf("row %d: qty %v, want %s", rec.Row, got, want[i].qty)
			}
		}
	}
	if !recs[0].IsNumeric(1) || recs[1].IsNumeric(1) || recs[1].IsNumeric(2) || recs[0].IsNumeric(0) {
		t.Errorf("numeric flags: %v %v", recs[0].Numeric, recs[1].Numeric)
	}
}
