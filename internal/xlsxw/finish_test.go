package xlsxw

import (
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/mappings"
)

// A workbook that looks finished: one number format per decimal column
// with the decimals its values have, exact totals, named fonts, wrapped
// multi-line text, formula-like text quote-prefixed without an apostrophe,
// landscape one page wide with the header repeated.
func TestTableLooksFinished(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	cols := []Column{{Name: "Text"}, {Name: "Price", Type: mappings.Decimal}, {Name: "Qty", Type: mappings.Decimal},
		{Name: "Weight", Type: mappings.Decimal}, {Name: "Amount", Type: mappings.Decimal}}
	tab := newTable(t, f, "Data", cols, TableOptions{Neutralize: true})
	rows := [][]any{
		{"=SUM(A1)", dec("21.5"), dec("1"), dec("9.857"), dec("745856.23")},
		{"line one\nline two", dec("29.95"), dec("2"), dec("1.2"), dec("745856.24")},
		{"plain", dec("129"), dec("3"), dec("0.5"), dec("745856.23")},
	}
	for _, r := range rows {
		if _, err := tab.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := tab.AppendTotals("Total", []int{4}); err != nil {
		t.Fatal(err)
	}
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	path := saveBook(t, f)
	g := openBook(t, path)
	checkCells(t, g, "Data", []cellCheck{
		{Cell: "A2", Type: tStr, Raw: "=SUM(A1)"},
		{Cell: "B2", Type: tNum, Raw: "21.5", Shown: "21.50", NumFmt: "#,##0.00"},
		{Cell: "B4", Type: tNum, Raw: "129", Shown: "129.00", NumFmt: "#,##0.00"},
		{Cell: "C2", Type: tNum, Raw: "1", Shown: "1", NumFmt: "#,##0"},
		{Cell: "D2", Type: tNum, Raw: "9.857", Shown: "9.857", NumFmt: "#,##0.000"},
		{Cell: "D4", Type: tNum, Raw: "0.5", Shown: "0.500", NumFmt: "#,##0.000"},
		{Cell: "E5", Type: tNum, Raw: "2237568.7", Shown: "2,237,568.70", NumFmt: "#,##0.00"},
	})
	if fm, _ := g.GetCellFormula("Data", "A2"); fm != "" {
		t.Errorf("A2 is a formula: %q", fm)
	}
	style := func(cell string) *excelize.Style {
		id, _ := g.GetCellStyle("Data", cell)
		st, err := g.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := style("A1"); st.Font == nil || st.Font.Family == "" || !st.Font.Bold {
		t.Errorf("header font %+v: want a named bold font", st.Font)
	}
	if st := style("A3"); st.Alignment == nil || !st.Alignment.WrapText {
		t.Error("multi-line text not wrapped")
	}
	sheet := zipPart(t, path, "xl/worksheets/sheet1.xml")
	styles := zipPart(t, path, "xl/styles.xml")
	id, _ := g.GetCellStyle("Data", "A2")
	xfs := styles[strings.Index(styles, "<cellXfs"):]
	if xf := strings.Split(xfs, "<xf ")[id+1]; !strings.Contains(xf, `quotePrefix="1"`) && !strings.Contains(xf, `quotePrefix="true"`) {
		t.Errorf("A2's cell format has no quote prefix: <xf %s", xf)
	}
	for _, want := range []string{`orientation="landscape"`, `fitToHeight="0"`, `fitToPage="`} {
		if !strings.Contains(sheet, want) || strings.Contains(sheet, `fitToPage="0"`) || strings.Contains(sheet, `fitToPage="false"`) {
			t.Errorf("sheet lacks %s", want)
		}
	}
	if wb := zipPart(t, path, "xl/workbook.xml"); !strings.Contains(wb, `_xlnm.Print_Titles`) || !strings.Contains(wb, `$1:$1`) {
		t.Errorf("no print titles: %s", wb)
	}
}
