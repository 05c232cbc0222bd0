package sinks

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// linesTargets: three order columns, three line columns.
func linesTargets() []mappings.Target {
	return targets("Number:string:Number", "Date:date:SalesOrderDate", "Gross:decimal:SalesOrderPaymentDetails.TotalGrossAmount",
		"SKU:string:LineItem.SKU", "Qty:int:LineItem.Quantity", "LineGross:decimal:LineTotal.Gross")
}

// docRow is one record of an order export: its place in the order and its
// values.
type docRow struct {
	doc, line int
	vals      []any
}

// runDocs plans and applies records as the ordered runner does.
func runDocs(t *testing.T, s pipeline.Sink, tg []mappings.Target, rows []docRow) []*pipeline.Plan {
	t.Helper()
	ctx := context.Background()
	var plans []*pipeline.Plan
	for i, r := range rows {
		it := &pipeline.Item{Rec: &record.Record{Seq: int64(i), Row: i + 1, Document: r.doc, Line: r.line}, Targets: tg, Values: r.vals}
		p, err := s.Plan(ctx, it)
		if err != nil {
			t.Fatalf("plan record %d: %v", i+1, err)
		}
		if p.Outcome == pipeline.Created {
			if err := s.Apply(ctx, p); err != nil {
				t.Fatalf("apply record %d: %v", i+1, err)
			}
		}
		plans = append(plans, p)
	}
	return plans
}

func TestXLSXLinesSheet(t *testing.T) {
	tg := linesTargets()
	day := func(d int) time.Time { return time.Date(2025, 5, d, 0, 0, 0, 0, time.UTC) }
	huge := dec("12345678901234567.89") // more digits than Excel keeps: fails its record
	rows := []docRow{
		{1, 1, []any{"A-1", day(2), dec("30.00"), "S1", int64(2), dec("20.00")}},
		{1, 2, []any{"A-1", day(2), dec("30.00"), "S2", int64(1), dec("10.00")}},
		{2, 0, []any{"A-2", day(3), dec("0"), nil, nil, nil}}, // no line items
		{3, 1, []any{"A-3", day(4), dec("7.50"), "S3", int64(1), huge}},
		{3, 2, []any{"A-3", day(4), dec("7.50"), "S4", int64(3), dec("7.50")}},
		{4, 1, []any{"=A-4", day(5), huge, "S5", int64(1), dec("1.00")}},
		{4, 2, []any{"=A-4", day(5), huge, "S6", int64(1), dec("1.00")}},
		{5, 1, []any{"A-5", day(6), dec("0.10"), "S7", int64(1), dec("0.10")}},
	}
	dir := t.TempDir()
	spec := pipeline.SinkSpec{Type: "xlsx", Path: "out.xlsx", Sheet: "Orders", LinesSheet: "Lines", Currency: "EUR",
		Totals: pipeline.Totals{All: true}, ParametersSheet: true}
	s := openXLSXSink(t, &spec, env(dir, tg))
	plans := runDocs(t, s, tg, rows)
	if err := s.Close(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	noTemp(t, dir)

	// a line's own value fails that line only; an order's value every line of it
	for i, p := range plans {
		failed := i == 3 || i == 5 || i == 6
		if (p.Outcome == pipeline.Failed) != failed {
			t.Errorf("record %d: %v %v", i+1, p.Outcome, p.Err)
		}
		var fe *FieldError
		if failed && (!errors.As(p.Err, &fe) || fe.Field != map[bool]string{true: "LineGross", false: "Gross"}[i == 3]) {
			t.Errorf("record %d: %v, want the failing field named", i+1, p.Err)
		}
	}

	path := filepath.Join(dir, "out.xlsx")
	f := openBook(t, path)
	if got := f.GetSheetList(); strings.Join(got, ",") != "Orders,Lines,Parameter" {
		t.Fatalf("sheets %v", got)
	}
	sheetRows := func(sheet string) []string {
		rs, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = strings.Join(r, "|")
		}
		return out
	}
	// order 3 is there although its first line failed; order 4 is not
	wantOrders := []string{"Number|Date|Gross", "A-1|45779|30", "A-2|45780|0", "A-3|45781|7.5", "A-5|45783|0.1", "Total||37.6"}
	if got := sheetRows("Orders"); strings.Join(got, "\n") != strings.Join(wantOrders, "\n") {
		t.Errorf("Orders:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantOrders, "\n"))
	}
	wantLines := []string{"Number|SKU|Qty|LineGross", "A-1|S1|2|20", "A-1|S2|1|10", "A-3|S4|3|7.5", "A-5|S7|1|0.1", "Total|||37.6"}
	if got := sheetRows("Lines"); strings.Join(got, "\n") != strings.Join(wantLines, "\n") {
		t.Errorf("Lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantLines, "\n"))
	}
	for sheet, want := range map[string]string{"Orders": "SUM(C2:C5)", "Lines": "SUM(D2:D5)"} {
		cell := map[string]string{"Orders": "C6", "Lines": "D6"}[sheet]
		if got, _ := f.GetCellFormula(sheet, cell); got != want {
			t.Errorf("%s %s: formula %q, want %q", sheet, cell, got, want)
		}
	}
	params := map[string]string{}
	pr, _ := f.GetRows(ParametersSheet)
	for _, r := range pr {
		params[r[0]] = r[1]
	}
	if params["Rows (Orders)"] != "4" || params["Rows (Lines)"] != "4" || params["Rows"] != "" {
		t.Errorf("parameters %v", params)
	}

	py := openpyxlPython(t)
	b := readWithOpenpyxl(t, py, path)
	for _, sheet := range []string{"Orders", "Lines"} {
		ps := b.Data[sheet]
		if ps.Freeze == nil || *ps.Freeze != "A2" {
			t.Errorf("openpyxl %s: freeze %v", sheet, ps.Freeze)
		}
		last := map[string]string{"Orders": "C5", "Lines": "D5"}[sheet]
		if ps.Filter == nil || strings.ReplaceAll(*ps.Filter, "$", "") != "A1:"+last {
			t.Errorf("openpyxl %s: autofilter %v", sheet, ps.Filter)
		}
		if !ps.Cells["A1"].Bold || !ps.Cells["A6"].Bold {
			t.Errorf("openpyxl %s: header or totals label not bold", sheet)
		}
	}
	checkPy(t, b.Data["Orders"], []pyWant{
		{"B2", "d", `"2025-05-02T00:00:00"`, "dd.mm.yyyy"},
		{"C4", "n", `7.5`, "#,##0.00 [$€-407]"},
		{"C6", "f", `"=SUM(C2:C5)"`, "#,##0.00 [$€-407]"},
	})
	checkPy(t, b.Data["Lines"], []pyWant{
		{"A4", "s", `"A-3"`, ""},
		{"C4", "n", `3`, "0"},
		{"D5", "n", `0.1`, "#,##0.00 [$€-407]"},
		{"D6", "f", `"=SUM(D2:D5)"`, "#,##0.00 [$€-407]"},
	})
}

// lines_key picks the linking column, lines_columns places an expression
// (no source column) on the lines sheet, and a neutralised key stays
// neutralised on both sheets.
func TestXLSXLinesSheetKeyAndColumns(t *testing.T) {
	tg := append(targets("Id:int:Id", "Number:string:Number", "SKU:string:LineItem.SKU"), mappings.Target{Path: "Margin", Type: mappings.Decimal})
	spec := pipeline.SinkSpec{Path: "out.xlsx", LinesSheet: "Positionen", LinesKey: "Number", LinesColumns: []string{"SKU", "Margin"},
		Totals: pipeline.Totals{Columns: []string{"Margin"}}}
	dir := t.TempDir()
	s := openXLSXSink(t, &spec, env(dir, tg))
	runDocs(t, s, tg, []docRow{
		{1, 1, []any{int64(7), "=1+1", "S1", dec("1.25")}},
		{1, 2, []any{int64(7), "=1+1", "S2", dec("2.50")}},
	})
	if err := s.Close(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	f := openBook(t, filepath.Join(dir, "out.xlsx"))
	orders, _ := f.GetRows(DefaultSheet, excelize.Options{RawCellValue: true})
	lines, _ := f.GetRows("Positionen", excelize.Options{RawCellValue: true})
	if len(orders) != 2 || strings.Join(orders[0], "|") != "Id|Number" || strings.Join(orders[1], "|") != "7|=1+1" {
		t.Errorf("orders sheet %v (no totals row: Margin is not on it)", orders)
	}
	if len(lines) != 4 || strings.Join(lines[0], "|") != "Number|SKU|Margin" || strings.Join(lines[2], "|") != "=1+1|S2|2.5" ||
		strings.Join(lines[3], "|") != "Total||3.75" {
		t.Errorf("lines sheet %v", lines)
	}
}

func TestXLSXLinesSheetRefused(t *testing.T) {
	tg := linesTargets()
	for _, c := range []struct {
		spec pipeline.SinkSpec
		tg   []mappings.Target
		want string
	}{
		{pipeline.SinkSpec{LinesSheet: "Data"}, tg, "name of the orders sheet"},
		{pipeline.SinkSpec{Sheet: "Orders", LinesSheet: "orders"}, tg, "name of the orders sheet"},
		{pipeline.SinkSpec{LinesSheet: "Parameter", ParametersSheet: true}, tg, "parameters sheet"},
		{pipeline.SinkSpec{LinesSheet: "a/b"}, tg, "sink.lines_sheet: sheet name"},
		{pipeline.SinkSpec{LinesSheet: "L"}, tg[:3], "no column comes from a line item"},
		{pipeline.SinkSpec{LinesSheet: "L"}, tg[3:], "every column comes from a line item"},
		{pipeline.SinkSpec{LinesSheet: "L", LinesKey: "Nummer"}, tg, `sink.lines_key: no column "Nummer"`},
		{pipeline.SinkSpec{LinesSheet: "L", LinesKey: "SKU"}, tg, "is a line column"},
		{pipeline.SinkSpec{LinesSheet: "L", LinesColumns: []string{"SKU", "Menge"}}, tg, `sink.lines_columns: no column "Menge"`},
	} {
		c.spec.Path = "x.xlsx"
		_, err := OpenXLSX(context.Background(), &c.spec, env(t.TempDir(), c.tg))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want mention of %q", c.spec, err, c.want)
		}
	}
	_, err := OpenCSV(context.Background(), &pipeline.SinkSpec{Path: "x.csv", LinesSheet: "L"}, env(t.TempDir(), tg))
	if err == nil || !strings.Contains(err.Error(), "no second sheet") {
		t.Errorf("CSV sink with lines_sheet: %v", err)
	}

	// records that are not line items (no Document): the run stops
	dir := t.TempDir()
	s := openXLSXSink(t, &pipeline.SinkSpec{Path: "x.xlsx", LinesSheet: "L"}, env(dir, tg))
	_, err = s.Plan(context.Background(), &pipeline.Item{Rec: &record.Record{Row: 1}, Targets: tg, Values: make([]any, len(tg))})
	if !pipeline.IsFatal(err) || !strings.Contains(err.Error(), "include: lineitems") {
		t.Errorf("a record without a document: %v", err)
	}
	if err := s.Close(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if n := dirNames(t, dir); len(n) != 0 {
		t.Errorf("left %v", n)
	}
}

// Each sheet has its own row limit, and going past it names the sheet.
func TestXLSXLinesSheetRowLimit(t *testing.T) {
	tg := linesTargets()
	dir := t.TempDir()
	s := openXLSXSink(t, &pipeline.SinkSpec{Path: "x.xlsx", LinesSheet: "L"}, env(dir, tg))
	s.lines.SetMaxRows(3) // header + 2 lines
	ctx := context.Background()
	var err error
	for i := range 3 {
		it := &pipeline.Item{Rec: &record.Record{Row: i + 1, Document: 1, Line: i + 1}, Targets: tg,
			Values: []any{"A-1", nil, nil, "S", int64(1), nil}}
		p, perr := s.Plan(ctx, it)
		if perr != nil {
			t.Fatal(perr)
		}
		if err = s.Apply(ctx, p); err != nil {
			break
		}
	}
	if !pipeline.IsFatal(err) || !strings.Contains(err.Error(), `sheet "L": more than 2 line items`) {
		t.Fatalf("third line: %v", err)
	}
	if s.tab.Rows() != 1 {
		t.Errorf("%d order rows, want 1", s.tab.Rows())
	}
	if err := s.Close(ctx, false); err != nil {
		t.Fatal(err)
	}
}
