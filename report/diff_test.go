package report

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wawi-etl/etl/internal/testkit"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"

	"github.com/wawi-etl/etl/internal/xlsxw"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/record"
)

// Plan and Item mirror the pipeline's, which hands the report what they
// hold (pipeline.DiffReport.Add); addPlan converts them as it does.
type Plan struct {
	Outcome Outcome
	Key     string
	Changes []Change
	Item    *Item
	Err     error
}

type Item struct {
	Rec     *record.Record
	Targets []mappings.Target
	Values  []any
}

func (d *Diff) addPlan(rec *record.Record, plan *Plan, outcome Outcome, err error) error {
	e := Entry{Planned: NoPlan, Outcome: outcome}
	if rec != nil {
		e.Row = rec.Row
	}
	if plan != nil {
		e.Key, e.Planned, e.Changes = plan.Key, plan.Outcome, plan.Changes
		if plan.Item != nil {
			e.Targets, e.Values = plan.Item.Targets, plan.Item.Values
		}
	}
	if outcome == Failed {
		if err == nil && plan != nil {
			err = plan.Err
		}
		if err == nil && rec != nil {
			err = rec.Err
		}
		e.Err = err
	}
	return d.Add(&e)
}

// fieldErrors is the pipeline's error of several field problems.
type fieldErrors []*mappings.FieldError

func (fe fieldErrors) Error() string                       { return fmt.Sprint([]*mappings.FieldError(fe)) }
func (fe fieldErrors) FieldErrors() []*mappings.FieldError { return fe }

const diffXSS = "<script>alert(1)</script>"

var diffTargets = []mappings.Target{
	{Path: "SKU", Type: mappings.String, Column: "Artikelnummer"},
	{Path: "Name", Type: mappings.String, Column: "Name"},
	{Path: "Price.Gross", Type: mappings.Decimal, Column: "VK"},
	{Path: "Quantity", Type: mappings.Int, Column: "Bestand"},
	{Path: "Active", Type: mappings.Bool},
	{Path: "ReleaseDate", Type: mappings.Date, Column: "Erscheinung"},
	{Path: "UpdatedAt", Type: mappings.DateTime},
}

// diffPointOneTwo is 0.1+0.2 in float64 arithmetic (constants would be exact).
func diffPointOneTwo() float64 {
	a, b := 0.1, 0.2
	return a + b
}

func diffDeref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func diffDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func diffRec(row int) *record.Record { return &record.Record{Seq: int64(row - 2), Row: row} }

func diffCreatePlan(row int, sku string, vals ...any) *Plan {
	return &Plan{Outcome: Created, Key: sku, Item: &Item{Rec: diffRec(row), Targets: diffTargets, Values: vals}}
}

func diffUpdatePlan(row int, sku string, changes ...Change) *Plan {
	return &Plan{Outcome: Updated, Key: sku, Changes: changes, Item: &Item{Rec: diffRec(row), Targets: diffTargets}}
}

// diffBuild writes the report every test below reads: two creates, two
// updates with several changed fields, unchanged, skipped, three failures
// and a tripped guardrail.
func diffBuild(t *testing.T, dir string) (xlsxPath, htmlPath string) {
	t.Helper()
	d, err := NewDiffWith(dir, true, DiffOptions{Planned: true, Location: time.FixedZone("CET", 3600)})
	if err != nil {
		t.Fatal(err)
	}
	berlin := time.FixedZone("CET", 3600)
	adds := []struct {
		row     int
		plan    *Plan
		outcome Outcome
		err     error
	}{
		{2, diffCreatePlan(2, "SKU-1", "SKU-1", "Kaffeebecher", diffDec("19.90"), int64(12), true,
			time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 14, 30, 5, 0, berlin)), Created, nil},
		{3, diffUpdatePlan(3, "SKU-2",
			Change{Field: "Price.Gross", Old: json.Number("19.90"), New: diffDec("21.49")},
			Change{Field: "Name", Old: "Becher", New: diffXSS},
			Change{Field: "Quantity", Old: int64(5), New: int64(0)},
			Change{Field: "Description", Old: nil, New: "=HYPERLINK(\"http://evil\")"},
			Change{Field: "Weight", Old: diffDec("12345678901234567890.12"), New: diffDec("12345678901234567890.13")},
			Change{Field: "Active", Old: true, New: false},
			Change{Field: "ReleaseDate", Old: time.Date(2023, 12, 24, 0, 0, 0, 0, time.UTC), New: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
			Change{Field: "Ratio", Old: 0.1, New: diffPointOneTwo()},
		), Updated, nil},
		{4, &Plan{Outcome: Unchanged, Key: "SKU-3"}, Unchanged, nil},
		{5, nil, Skipped, nil},
		{6, nil, Failed, fieldErrors{{Target: "Price.Gross", Column: "VK", Value: "abc", Reason: "not a number"}}},
		{7, &Plan{Outcome: Failed, Key: "SKU-7", Err: errors.New("item SKU-7: the Wawi says the manufacturer does not exist")}, Failed, errors.New("item SKU-7: the Wawi says the manufacturer does not exist")},
		{8, diffUpdatePlan(8, "SKU-8", Change{Field: "Price.Gross", Old: diffDec("10.00"), New: diffDec("4.00")}), Updated, nil},
		{9, diffCreatePlan(9, "-SKU-9", "-SKU-9", nil, diffDec("0.005"), int64(1234567890123456789), false, nil, nil), Created, nil},
		{10, nil, Failed, errors.New("line 10: bare \" in a field")},
	}
	for _, a := range adds {
		if err := d.addPlan(diffRec(a.row), a.plan, a.outcome, a.err); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	sum := &Summary{Job: "supplier-prices", JobFile: "jobs/prices.yaml", DryRun: true, RecordsRead: 9,
		Created: 2, Updated: 2, Unchanged: 1, Skipped: 1, Failed: 3, Requests: 42,
		StartedAt: start, FinishedAt: start.Add(83 * time.Second), DurationSeconds: 83, Source: "csv", Sink: "erp"}
	trips := []GuardrailTrip{{Rule: "max_price_change", Limit: "50%", Found: "1 records would change a price by more than 50%",
		Records: []TripRecord{{Row: 8, Key: "SKU-8", Detail: "Price.Gross: 10.00 -> 4.00 (60.0%)"}}}}
	x, h, err := d.Close(sum, trips, false)
	if err != nil {
		t.Fatal(err)
	}
	return x, h
}

func TestDiffReportFiles(t *testing.T) {
	dir := t.TempDir()
	x, h := diffBuild(t, dir)
	if x != filepath.Join(dir, "diff.xlsx") || h != filepath.Join(dir, "diff.html") {
		t.Fatalf("paths %q %q", x, h)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "diff.html,diff.xlsx" {
		t.Fatalf("dir holds %v; temp files or spool left behind", names)
	}
	// customer names and prices: the owner's only
	for _, p := range []string{x, h} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", p, fi.Mode(), err)
		}
	}
	sub := filepath.Join(dir, "reports", "job")
	if x, _ := diffBuild(t, sub); x != filepath.Join(sub, "diff.xlsx") {
		t.Fatalf("path %q", x)
	}
	for _, p := range []string{sub, filepath.Dir(sub)} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, %v; want a 0700 folder", p, fi.Mode(), err)
		}
	}
}

func diffOpen(t *testing.T, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	testkit.CheckDimensions(t, path)
	t.Cleanup(func() { f.Close() })
	return f
}

// diffZipParts reads every part of an xlsx file.
func diffZipParts(t *testing.T, path string) map[string]string { return testkit.ZipParts(t, path) }

func TestDiffReportWorkbook(t *testing.T) {
	x, _ := diffBuild(t, t.TempDir())
	f := diffOpen(t, x)
	if got := strings.Join(f.GetSheetList(), ","); got != "Summary,Changes,Creates,Errors" {
		t.Fatalf("sheets %s", got)
	}
	if f.GetActiveSheetIndex() != 0 {
		t.Errorf("active sheet %d, want the Summary", f.GetActiveSheetIndex())
	}
	rows, err := f.GetRows("Changes")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], "|"); got != "Row|Key|Field|Current value|New value|Change %|Outcome" {
		t.Fatalf("header %s", got)
	}
	if len(rows) != 1+8+1 {
		t.Fatalf("%d rows in Changes, want header + 9", len(rows))
	}

	raw := func(sheet, cell string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	numFmt := func(sheet, cell string) string {
		t.Helper()
		id, err := f.GetCellStyle(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if st.CustomNumFmt == nil {
			return ""
		}
		return *st.CustomNumFmt
	}
	typ := func(sheet, cell string) excelize.CellType {
		t.Helper()
		ct, err := f.GetCellType(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	// row 2: the price; exact decimals as numbers, the percentage exact
	for cell, want := range map[string]string{"A2": "3", "B2": "SKU-2", "C2": "Price.Gross", "D2": "19.90", "E2": "21.49", "F2": "0.079899", "G2": "would be updated"} {
		if got := raw("Changes", cell); got != want {
			t.Errorf("Changes!%s = %q, want %q", cell, got, want)
		}
	}
	for cell, want := range map[string]string{"A2": "0", "D2": "#,##0.00", "E2": "#,##0.00", "F2": "+0.00%;-0.00%;0.00%"} {
		if got := numFmt("Changes", cell); got != want {
			t.Errorf("Changes!%s format %q, want %q", cell, got, want)
		}
	}
	for _, cell := range []string{"B2", "C2", "G2"} {
		if ct := typ("Changes", cell); ct != excelize.CellTypeInlineString {
			t.Errorf("Changes!%s type %v, want text", cell, ct)
		}
	}
	for _, cell := range []string{"A2", "D2", "E2", "F2"} {
		if ct := typ("Changes", cell); ct != excelize.CellTypeUnset && ct != excelize.CellTypeNumber {
			t.Errorf("Changes!%s type %v, want a number", cell, ct)
		}
	}
	// the markup is text, the formula neutralised, nil empty, 20 digits text
	if got := raw("Changes", "E3"); got != diffXSS {
		t.Errorf("E3 %q", got)
	}
	if got := raw("Changes", "D5"); got != "" {
		t.Errorf("nil old value %q", got)
	}
	if got := raw("Changes", "E5"); got != `=HYPERLINK("http://evil")` || !quotePrefixed(t, f, "Changes", "E5") {
		t.Errorf("formula not neutralised: %q", got)
	}
	if got, ct := raw("Changes", "D6"), typ("Changes", "D6"); got != "12345678901234567890.12" || ct != excelize.CellTypeInlineString {
		t.Errorf("20-digit decimal %q (%v), want its exact digits as text", got, ct)
	}
	if got := raw("Changes", "F6"); got != "0" {
		t.Errorf("percentage of a 20-digit change %q, want 0 (exact to six decimals)", got)
	}
	// quantity 5 -> 0: -100 %
	if got := raw("Changes", "F4"); got != "-1" {
		t.Errorf("F4 %q", got)
	}
	if ct, got := typ("Changes", "D7"), raw("Changes", "D7"); ct != excelize.CellTypeBool || got != "1" {
		t.Errorf("bool cell %v %q", ct, got)
	}
	if got, fm := raw("Changes", "E8"), numFmt("Changes", "E8"); got != "45293" || fm != "yyyy-mm-dd" {
		t.Errorf("date cell %q %q, want serial 45293 as yyyy-mm-dd", got, fm)
	}
	if got := raw("Changes", "E9"); got != "0.3" {
		t.Errorf("float 0.1+0.2 written as %q, want 0.3", got)
	}
	if got := raw("Changes", "F10"); got != "-0.6" {
		t.Errorf("F10 %q", got)
	}

	// Creates: targets as columns, typed
	cr, _ := f.GetRows("Creates")
	if got := strings.Join(cr[0], "|"); got != "Row|Key|Outcome|SKU|Name|Price.Gross|Quantity|Active|ReleaseDate|UpdatedAt" {
		t.Fatalf("creates header %s", got)
	}
	if len(cr) != 3 {
		t.Fatalf("%d creates rows", len(cr))
	}
	for cell, want := range map[string]string{"A2": "2", "D2": "SKU-1", "F2": "19.90", "G2": "12", "H2": "1", "I2": "45352", "J2": "45352.6042245370"} {
		got := raw("Creates", cell)
		if cell == "J2" {
			// 14:30:05 as a fraction of the day; compare to 10 digits
			if len(got) > 16 {
				got = got[:16]
			}
		}
		if got != want {
			t.Errorf("Creates!%s = %q, want %q", cell, got, want)
		}
	}
	if fm := numFmt("Creates", "J2"); fm != "yyyy-mm-dd hh:mm:ss" {
		t.Errorf("date-time format %q", fm)
	}
	if fm := numFmt("Creates", "F3"); fm != "#,##0.000" {
		t.Errorf("0.005 shown with format %q, want three decimals", fm)
	}
	if got := raw("Creates", "B3"); got != "-SKU-9" || !quotePrefixed(t, f, "Creates", "B3") {
		t.Errorf("key not neutralised: %q", got)
	}
	if got, ct := raw("Creates", "G3"), typ("Creates", "G3"); got != "1234567890123456789" || ct != excelize.CellTypeInlineString {
		t.Errorf("19-digit int %q %v, want text", got, ct)
	}
	if got := raw("Creates", "E3"); got != "" {
		t.Errorf("nil create value %q", got)
	}

	// Errors
	er, _ := f.GetRows("Errors")
	if len(er) != 4 || strings.Join(er[0], "|") != "Row|Key|Field|Reason" {
		t.Fatalf("errors %q", er)
	}
	if er[1][0] != "6" || er[1][2] != "Price.Gross" || !strings.Contains(er[1][3], "not a number") {
		t.Errorf("error row %q", er[1])
	}
	if er[2][1] != "SKU-7" || !strings.Contains(er[2][3], "manufacturer") {
		t.Errorf("error row %q", er[2])
	}

	// frozen header and autofilter on each data sheet
	parts := diffZipParts(t, x)
	for i, s := range []struct {
		name, ref string
	}{{"Changes", "A1:G10"}, {"Creates", "A1:J3"}, {"Errors", "A1:D4"}} {
		p, err := f.GetPanes(s.name)
		if err != nil || !p.Freeze || p.YSplit != 1 {
			t.Errorf("%s panes %+v %v", s.name, p, err)
		}
		xml := parts[fmt.Sprintf("xl/worksheets/sheet%d.xml", i+2)]
		if !strings.Contains(strings.ReplaceAll(xml, "$", ""), `<autoFilter ref="`+s.ref+`"`) {
			t.Errorf("%s: no autofilter over %s", s.name, s.ref)
		}
		if !strings.Contains(xml, `<dimension ref="`+s.ref+`"`) {
			t.Errorf("%s: dimension is not %s", s.name, s.ref)
		}
		cols, _ := f.GetCols(s.name)
		for c := range cols {
			name, _ := excelize.ColumnNumberToName(c + 1)
			if w, _ := f.GetColWidth(s.name, name); w < 6 {
				t.Errorf("%s column %s width %v", s.name, name, w)
			}
		}
		if st, _ := f.GetCellStyle(s.name, "A1"); st == 0 {
			t.Errorf("%s header not styled", s.name)
		} else if style, _ := f.GetStyle(st); style.Font == nil || !style.Font.Bold {
			t.Errorf("%s header not bold", s.name)
		}
	}
	if !strings.Contains(parts["xl/workbook.xml"], "_xlnm._FilterDatabase") {
		t.Error("no filter database names in workbook.xml")
	}
	// every cell reference unique and in order: Excel refuses a sheet otherwise
	cellRef := regexp.MustCompile(`<c r="([A-Z]+)([0-9]+)"`)
	for i := 2; i <= 4; i++ {
		seen := map[string]bool{}
		for _, m := range cellRef.FindAllStringSubmatch(parts[fmt.Sprintf("xl/worksheets/sheet%d.xml", i)], -1) {
			if seen[m[0]] {
				t.Errorf("sheet%d: %s twice", i, m[0])
			}
			seen[m[0]] = true
		}
	}

	// the chart
	chart, ok := parts["xl/charts/chart1.xml"]
	if !ok {
		t.Fatal("no xl/charts/chart1.xml")
	}
	if !strings.Contains(chart, "&#39;Summary&#39;!$B$") || !strings.Contains(chart, "Records by outcome") {
		t.Errorf("chart does not plot the counts: %.300s", chart)
	}
	if !strings.Contains(parts["xl/worksheets/sheet1.xml"], "<drawing ") {
		t.Error("Summary sheet does not reference the chart drawing")
	}

	// Summary
	sr, _ := f.GetRows("Summary")
	text := ""
	for _, r := range sr {
		text += strings.Join(r, "\t") + "\n"
	}
	for _, want := range []string{
		"Import diff report: supplier-prices",
		"Nothing was written: guardrail max_price_change (limit 50%) tripped: 1 records would change a price by more than 50%",
		"8\tSKU-8\tPrice.Gross: 10.00 -> 4.00 (60.0%)",
		"created\t2", "updated\t2", "unchanged\t1", "skipped\t1", "would fail\t3", "total\t9",
		"API requests\t42", "Started\t2024-05-06 08:08:09 +01:00", "Mode\tstopped by a guardrail",
		"Price.Gross\t2", "Field changes (Changes sheet)\t9",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
}

func TestDiffReportHTML(t *testing.T) {
	_, h := diffBuild(t, t.TempDir())
	b, err := os.ReadFile(h)
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	if strings.Contains(src, diffXSS) {
		t.Fatal("the value <script>alert(1)</script> is in the page unescaped")
	}
	if !strings.Contains(src, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("escaped value missing")
	}
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	var (
		scripts, styles, svgs, rects int
		tables                       = map[string][][]string{}
		body                         strings.Builder
	)
	var text func(n *html.Node) string
	text = func(n *html.Node) string {
		if n.Type == html.TextNode {
			return n.Data
		}
		var s strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			s.WriteString(text(c))
		}
		return s.String()
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				switch a.Key {
				case "src", "href", "xlink:href", "action", "poster", "data":
					if v != "" && !strings.HasPrefix(v, "#") {
						t.Errorf("<%s %s=%q>: external reference", n.Data, a.Key, a.Val)
					}
				}
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("<%s %s>: inline handler", n.Data, a.Key)
				}
			}
			switch n.Data {
			case "script":
				scripts++
				if text(n) == "" {
					t.Error("empty script: not inline")
				}
			case "style":
				styles++
			case "link", "iframe", "img", "object", "embed":
				t.Errorf("<%s> in a self-contained report", n.Data)
			case "svg":
				svgs++
			case "rect":
				rects++
			case "table":
				for _, a := range n.Attr {
					if a.Key == "id" {
						var rows [][]string
						var rowsOf func(*html.Node)
						rowsOf = func(m *html.Node) {
							if m.Type == html.ElementNode && m.Data == "tr" && m.Parent.Data == "tbody" {
								var cells []string
								for c := m.FirstChild; c != nil; c = c.NextSibling {
									if c.Type == html.ElementNode && c.Data == "td" {
										cells = append(cells, strings.TrimSpace(text(c)))
									}
								}
								rows = append(rows, cells)
							}
							for c := m.FirstChild; c != nil; c = c.NextSibling {
								rowsOf(c)
							}
						}
						rowsOf(n)
						tables[a.Val] = rows
					}
				}
			}
		}
		if n.Type == html.TextNode {
			body.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if scripts != 1 || styles != 1 || svgs != 1 || rects != 5 {
		t.Errorf("%d scripts, %d styles, %d svgs, %d bars; want 1, 1, 1, 5", scripts, styles, svgs, rects)
	}
	ch := tables["changes-table"]
	if len(ch) != 9 {
		t.Fatalf("%d change rows in the page, want 9: %q", len(ch), ch)
	}
	want := []string{"3", "SKU-2", "Price.Gross", "19.90", "21.49", "+7.99\u00a0%", "would be updated"}
	if strings.Join(ch[0], "|") != strings.Join(want, "|") {
		t.Errorf("first change row %q, want %q", ch[0], want)
	}
	if ch[1][4] != diffXSS {
		t.Errorf("markup value shown as %q", ch[1][4])
	}
	if ch[3][3] != "empty" || ch[3][4] != `=HYPERLINK("http://evil")` {
		t.Errorf("nil and formula row %q: the page shows values as they are", ch[3])
	}
	if ch[4][3] != "12345678901234567890.12" || ch[4][5] != "0.00\u00a0%" {
		t.Errorf("20-digit row %q", ch[4])
	}
	if ch[6][3] != "2023-12-24" || ch[6][4] != "2024-01-02" {
		t.Errorf("dates not ISO: %q", ch[6])
	}
	if ch[8][5] != "-60.00\u00a0%" {
		t.Errorf("price drop %q", ch[8])
	}
	if cr := tables["creates-table"]; len(cr) != 2 || cr[0][3] != "SKU-1" || cr[0][5] != "19.90" || cr[0][9] != "2024-03-01 14:30:05 +01:00" {
		t.Errorf("creates %q", cr)
	}
	if er := tables["errors-table"]; len(er) != 3 || er[0][2] != "Price.Gross" {
		t.Errorf("errors %q", er)
	}
	all := body.String()
	for _, w := range []string{
		"Nothing was written: guardrail max_price_change (limit 50%) tripped: 1 records would change a price by more than 50%",
		"Price.Gross: 10.00 -> 4.00 (60.0%)", "Stopped by a guardrail", "1 min 23 s", "2024-05-06 08:08:09 +01:00",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	// the field dropdown lists the changed fields
	if !strings.Contains(src, "<option>Price.Gross</option>") {
		t.Error("no field option")
	}
}

// TestDiffReportOpenpyxl reads the workbook with an independent reader.
func TestDiffReportOpenpyxl(t *testing.T) {
	py := testkit.OpenpyxlPython(t)
	x, _ := diffBuild(t, t.TempDir())
	script := `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": wb.sheetnames, "data": {}}
for ws in wb.worksheets:
    cells = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None:
                continue
            v = c.value
            typ = type(v).__name__
            if hasattr(v, "isoformat"):
                v = v.isoformat()
            cells[c.coordinate] = {"type": typ, "value": v, "fmt": c.number_format, "bold": bool(c.font and c.font.b)}
    out["data"][ws.title] = {"cells": cells, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
                              "charts": len(ws._charts), "max_row": ws.max_row}
print(json.dumps(out))
`
	outb, err := exec.Command(py, "-c", script, x).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("openpyxl: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	type cell struct {
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
		Fmt   string          `json:"fmt"`
		Bold  bool            `json:"bold"`
	}
	var book struct {
		Sheets []string `json:"sheets"`
		Data   map[string]struct {
			Cells  map[string]cell `json:"cells"`
			Freeze *string         `json:"freeze"`
			Filter *string         `json:"filter"`
			Charts int             `json:"charts"`
			MaxRow int             `json:"max_row"`
		} `json:"data"`
	}
	if err := json.Unmarshal(outb, &book); err != nil {
		t.Fatal(err)
	}
	if strings.Join(book.Sheets, ",") != "Summary,Changes,Creates,Errors" {
		t.Fatalf("sheets %v", book.Sheets)
	}
	ch := book.Data["Changes"]
	if ch.Freeze == nil || *ch.Freeze != "A2" || ch.Filter == nil || strings.ReplaceAll(*ch.Filter, "$", "") != "A1:G10" || ch.MaxRow != 10 {
		t.Errorf("Changes freeze %v filter %v max_row %d", diffDeref(ch.Freeze), diffDeref(ch.Filter), ch.MaxRow)
	}
	for ref, want := range map[string]string{
		"A2": "int:3", "D2": "float:19.9", "E2": "float:21.49", "F2": "float:0.079899", "B2": `str:"SKU-2"`,
		"E3": `str:"<script>alert(1)</script>"`, "D7": "bool:true", "E8": `datetime:"2024-01-02T00:00:00"`,
		"D6": `str:"12345678901234567890.12"`, "E5": `str:"=HYPERLINK(\"http://evil\")"`,
	} {
		c := ch.Cells[ref]
		if got := c.Type + ":" + string(c.Value); got != want {
			t.Errorf("openpyxl Changes!%s = %s, want %s", ref, got, want)
		}
	}
	if !ch.Cells["A1"].Bold {
		t.Error("header not bold for openpyxl")
	}
	if book.Data["Summary"].Charts != 1 {
		t.Errorf("openpyxl finds %d charts on Summary", book.Data["Summary"].Charts)
	}
	cr := book.Data["Creates"]
	if c := cr.Cells["J2"]; c.Type != "datetime" || string(c.Value) != `"2024-03-01T14:30:05"` {
		t.Errorf("Creates!J2 %s %s", c.Type, c.Value)
	}
}

func TestDiffReportValues(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{nil, ""}, {"x", "x"}, {int64(-7), "-7"}, {int(7), "7"}, {uint64(18446744073709551615), "18446744073709551615"},
		{diffDec("19.90"), "19.90"}, {diffDec("1E+3"), "1000"}, {diffDec("0.000000000000000000000001"), "0.000000000000000000000001"},
		{json.Number("19.90"), "19.90"}, {diffPointOneTwo(), "0.30000000000000004"}, {1e21, "1e+21"}, {float32(0.1), "0.1"},
		{true, "true"}, {time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "2024-02-29"},
		{time.Date(2024, 2, 29, 13, 4, 5, 0, time.UTC), "2024-02-29 13:04:05 UTC"},
		{[]string{"a", "b"}, "a|b"}, {(*decimal.Decimal)(nil), ""}, {func() *decimal.Decimal { d := diffDec("2.50"); return &d }(), "2.50"},
		{map[string]any{"a": json.Number("1")}, `{"a":1}`},
	} {
		if got := xlsxw.ValueText(diffNorm(c.v)); got != c.want {
			t.Errorf("%T %v: %q, want %q", c.v, c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		old, new any
		want     string // fraction, "" for none
		text     string
	}{
		{json.Number("19.90"), diffDec("21.49"), "0.079899", "+7.99\u00a0%"},
		{int64(3), int64(1), "-0.666667", "-66.67\u00a0%"},
		{diffDec("-10"), diffDec("-5"), "0.5", "+50.00\u00a0%"},
		{diffDec("0"), diffDec("5"), "", ""},
		{nil, diffDec("5"), "", ""},
		{"0123", "0124", "", ""},
		{diffDec("5"), diffDec("5"), "0", "0.00\u00a0%"},
	} {
		p, ok := diffPercent(diffNorm(c.old), diffNorm(c.new))
		got := ""
		if ok {
			got = p.String()
		}
		if got != c.want {
			t.Errorf("percent %v -> %v: %q, want %q", c.old, c.new, got, c.want)
		}
		if ok && diffPctText(p) != c.text {
			t.Errorf("percent text %q, want %q", diffPctText(p), c.text)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"a<b>&c", "a&lt;b&gt;&amp;c"},
		{"x\x01y", "x\uFFFDy"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"_x0041_ stays", "_x005F_x0041_ stays"},
		{"_x00 fine", "_x00 fine"},
		{"line\r\nbreak", "line&#13;\nbreak"},
		{"😀😀", "😀"}, // limit 3 UTF-16 units
	} {
		limit := 100
		if strings.HasPrefix(c.in, "😀") {
			limit = 3
		}
		if got := string(xlsxw.AppendXMLText(nil, c.in, limit)); got != c.want {
			t.Errorf("xml text %q: %q, want %q", c.in, got, c.want)
		}
	}
	// the int64 fast paths agree with shopspring's big-number arithmetic
	rng := rand.New(rand.NewPCG(1, 2))
	randDec := func() decimal.Decimal {
		c := rng.Int64N(1_000_000_000_000) - 500_000_000_000
		if rng.IntN(4) == 0 {
			c = rng.Int64N(1000) - 500
		}
		return decimal.New(c, int32(rng.IntN(12)-8))
	}
	for range 20000 {
		o, n := randDec(), randDec()
		if o.IsZero() {
			continue
		}
		slow := n.Sub(o).DivRound(o.Abs(), 6)
		if q, ok := diffPercent64(o, n); ok && !decimal.New(q, -6).Equal(slow) {
			t.Fatalf("percent %s -> %s: fast %d, DivRound %s", o, n, q, slow)
		}
		if got, want := string(xlsxw.AppendDecimal(nil, n)), xlsxw.DecimalText(n); got != want {
			t.Fatalf("appendDec %s: %q, want %q", n, got, want)
		}
		text := xlsxw.DecimalText(n)
		if p, ok := xlsxw.ParseNumber(text); !ok || !p.Equal(n) || (n.Exponent() < 0 && p.Exponent() != n.Exponent()) {
			t.Fatalf("parse %q: %s %v", text, p, ok)
		}
	}
	for _, s := range []string{"0", "-0.5", "1e3", "12345678901234567890.5", "5", "abc", ".5", "-", ""} {
		want, werr := decimal.NewFromString(s)
		got, ok := xlsxw.ParseNumber(s)
		if ok != (werr == nil) || (ok && !got.Equal(want)) {
			t.Errorf("parse %q: %s %v, want %s %v", s, got, ok, want, werr)
		}
	}
	if diffGroup(1234567) != "1\u202f234\u202f567" || diffGroup(-999) != "-999" {
		t.Errorf("group %q %q", diffGroup(1234567), diffGroup(-999))
	}
	for sec, want := range map[float64]string{0.85: "850 ms", 12.4: "12 s", 185: "3 min 05 s", 3725: "1 h 02 min"} {
		if got := diffDuration(sec); got != want {
			t.Errorf("duration %v: %q, want %q", sec, got, want)
		}
	}
}

func TestDiffReportEmptyAndAbort(t *testing.T) {
	dir := t.TempDir()
	d, err := NewDiff(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	x, h, err := d.Close(nil, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	f := diffOpen(t, x)
	for _, s := range []string{"Changes", "Creates", "Errors"} {
		rows, err := f.GetRows(s)
		if err != nil || len(rows) != 1 {
			t.Errorf("%s: %d rows, %v", s, len(rows), err)
		}
	}
	b, _ := os.ReadFile(h)
	if !strings.Contains(string(b), "No field changes.") || !strings.Contains(string(b), "Applied: these changes were written") {
		t.Error("empty page text")
	}
	if err := d.addPlan(diffRec(2), nil, Skipped, nil); err == nil {
		t.Error("Add after Close")
	}
	if _, _, err := d.Close(nil, nil, true); err == nil {
		t.Error("second Close")
	}

	// Abort leaves the earlier files alone and nothing else
	d, err = NewDiff(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := d.addPlan(diffRec(i+2), diffUpdatePlan(i+2, "K", Change{Field: "F", Old: int64(1), New: int64(2)}), Updated, nil); err != nil {
			t.Fatal(err)
		}
	}
	d.Abort()
	d.Abort()
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 {
		t.Errorf("after Abort: %d entries, want the two earlier files", len(ents))
	}
	if err := d.addPlan(diffRec(2), nil, Skipped, nil); err == nil {
		t.Error("Add after Abort")
	}
}

// TestDiffReportSheetOverflow lowers the sheet size: a table longer than a
// sheet goes on in "Changes (2)".
func TestDiffReportSheetOverflow(t *testing.T) {
	defer func(n int) { diffSheetRows = n }(diffSheetRows)
	diffSheetRows = 4
	d, err := NewDiff(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		p := diffUpdatePlan(i+2, "K"+strconv.Itoa(i), Change{Field: "A", Old: int64(i), New: int64(i + 1)}, Change{Field: "B", Old: "x", New: "y"})
		if err := d.addPlan(diffRec(i+2), p, Updated, nil); err != nil {
			t.Fatal(err)
		}
	}
	x, _, err := d.Close(nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	f := diffOpen(t, x)
	if got := strings.Join(f.GetSheetList(), ","); got != "Summary,Changes,Changes (2),Changes (3),Creates,Errors" {
		t.Fatalf("sheets %s", got)
	}
	for s, want := range map[string]int{"Changes": 5, "Changes (2)": 5, "Changes (3)": 3} {
		rows, _ := f.GetRows(s)
		if len(rows) != want {
			t.Errorf("%s: %d rows, want %d", s, len(rows), want)
		}
	}
	if v, _ := f.GetCellValue("Changes (3)", "B3"); v != "K4" {
		t.Errorf("last row key %q", v)
	}
}

// TestDiffReportCreateColumns: items whose targets differ from the first
// ones (other order, a new path, a path twice) still give rows whose cells
// are in column order, each once.
func TestDiffReportCreateColumns(t *testing.T) {
	d, err := NewDiff(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	a := []mappings.Target{{Path: "SKU"}, {Path: "Name"}}
	b := []mappings.Target{{Path: "Stock", Type: mappings.Int}, {Path: "Name"}, {Path: "SKU"}, {Path: "Name"}}
	plans := []*Plan{
		{Outcome: Created, Key: "A", Item: &Item{Targets: a, Values: []any{"A", "Alpha"}}},
		{Outcome: Created, Key: "B", Item: &Item{Targets: b, Values: []any{int64(3), "Beta", "B", "again"}}},
		{Outcome: Created, Key: "C", Item: &Item{Targets: a, Values: []any{"C"}}}, // fewer values than targets
	}
	for i, p := range plans {
		if err := d.addPlan(diffRec(i+2), p, Created, nil); err != nil {
			t.Fatal(err)
		}
	}
	x, _, err := d.Close(nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	parts := diffZipParts(t, x)
	cellRef := regexp.MustCompile(`<c r="([A-Z]+)([0-9]+)"`)
	prevRow, prevCol := 0, 0
	for _, m := range cellRef.FindAllStringSubmatch(parts["xl/worksheets/sheet3.xml"], -1) {
		row, _ := strconv.Atoi(m[2])
		col, _ := excelize.ColumnNameToNumber(m[1])
		if row < prevRow || (row == prevRow && col <= prevCol) {
			t.Errorf("cell %s%s after column %d of row %d: not in order or twice", m[1], m[2], prevCol, prevRow)
		}
		prevRow, prevCol = row, col
	}
	rows, _ := diffOpen(t, x).GetRows("Creates")
	want := [][]string{
		{"Row", "Key", "Outcome", "SKU", "Name", "Stock"},
		{"2", "A", "would be created", "A", "Alpha"},
		{"3", "B", "would be created", "B", "Beta", "3"},
		{"4", "C", "would be created", "C"},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("creates\n%q\nwant\n%q", rows, want)
	}
}

// TestDiffReportHTMLCap: the page shows the first 5,000 rows of a table and
// says how many more diff.xlsx has.
func TestDiffReportHTMLCap(t *testing.T) {
	d, err := NewDiff(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 6000 {
		if err := d.addPlan(diffRec(i+2), diffUpdatePlan(i+2, "K", Change{Field: "F", Old: int64(1), New: int64(2)}), Updated, nil); err != nil {
			t.Fatal(err)
		}
	}
	x, h, err := d.Close(nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(h)
	if n := strings.Count(string(b), `<td class="oc-updated">`); n != diffHTMLRows {
		t.Errorf("%d rows in the page", n)
	}
	if !strings.Contains(string(b), "1\u202f000 more in diff.xlsx") {
		t.Error("no 'more in diff.xlsx'")
	}
	rows, _ := diffOpen(t, x).GetRows("Changes")
	if len(rows) != 6001 {
		t.Errorf("%d rows in the workbook", len(rows))
	}
}

// diffRaceEnabled reports whether the test binary was built with -race.
func diffRaceEnabled() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}

// diffCountRows counts the <row elements of a sheet part.
func diffCountRows(r io.Reader) (int, error) {
	buf := make([]byte, 64<<10)
	n, carry := 0, 0
	for {
		k, err := r.Read(buf[carry:])
		data := buf[:carry+k]
		n += strings.Count(string(data), "<row ")
		// keep a tail that may hold a split "<row "
		carry = copy(buf, data[max(0, len(data)-4):])
		n -= strings.Count(string(buf[:carry]), "<row ")
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// diffHeapSampler records the peak HeapInuse while it runs.
type diffHeapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func diffSampleHeap() *diffHeapSampler {
	s := &diffHeapSampler{stop: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > s.peak.Load() {
				s.peak.Store(ms.HeapInuse)
			}
			select {
			case <-s.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *diffHeapSampler) done() uint64 {
	close(s.stop)
	s.wg.Wait()
	return s.peak.Load()
}

// diffRun adds n update plans with three changed fields each, and every
// 50th record a create and a failure, then closes.
func diffRun(tb testing.TB, dir string, n int) (addTime time.Duration, x string) {
	d, err := NewDiff(dir, true)
	if err != nil {
		tb.Fatal(err)
	}
	rec := &record.Record{}
	plan := &Plan{Outcome: Updated, Changes: make([]Change, 3)}
	create := &Plan{Outcome: Created, Item: &Item{Targets: diffTargets, Values: make([]any, len(diffTargets))}}
	failed := errors.New("the Wawi refused the record")
	price := diffDec("19.99")
	start := time.Now()
	for i := range n {
		rec.Row = i + 2
		key := "SKU-" + strconv.Itoa(i)
		if i%50 == 49 {
			create.Key = key
			v := create.Item.Values
			v[0], v[1], v[2], v[3], v[4], v[5] = key, "Kaffeebecher Steingut 300 ml", price, int64(i), true, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
			if err := d.addPlan(rec, create, Created, nil); err != nil {
				tb.Fatal(err)
			}
			if err := d.addPlan(rec, nil, Failed, failed); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		plan.Key = key
		plan.Changes[0] = Change{Field: "Price.Gross", Old: json.Number("19.99"), New: price.Add(decimal.New(int64(i%100), -2))}
		plan.Changes[1] = Change{Field: "Quantity", Old: int64(i % 17), New: int64(i % 13)}
		plan.Changes[2] = Change{Field: "Name", Old: "Becher " + key, New: "Kaffeebecher " + key}
		if err := d.addPlan(rec, plan, Updated, nil); err != nil {
			tb.Fatal(err)
		}
	}
	addTime = time.Since(start)
	x, _, err = d.Close(&Summary{Job: "bench"}, nil, false)
	if err != nil {
		tb.Fatal(err)
	}
	return addTime, x
}

// TestDiffReportMemory: memory stays flat, the plan is not held.
func TestDiffReportMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	n := 50_000
	if diffRaceEnabled() {
		n = 10_000 // the race detector makes compression 20 times slower
	}
	runtime.GC()
	s := diffSampleHeap()
	_, x := diffRun(t, t.TempDir(), n)
	peak := s.done()
	t.Logf("%d records: peak HeapInuse %.1f MB", n, float64(peak)/(1<<20))
	if peak > 60<<20 {
		t.Errorf("peak HeapInuse %.1f MB, want under 60 MB", float64(peak)/(1<<20))
	}
	// count the rows in the sheet part; excelize's reader takes long under -race
	zr, err := zip.OpenReader(x)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	rc, err := zr.Open("xl/worksheets/sheet2.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	count, err := diffCountRows(rc)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + (n-n/50)*3; count != want {
		t.Errorf("%d Changes rows, want %d", count, want)
	}
}

// BenchmarkDiffReport200k adds 200,000 update plans (three changed fields
// each; every 50th record a create and a failure instead) and closes.
func BenchmarkDiffReport200k(b *testing.B) {
	const n = 200_000
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := diffSampleHeap()
		start := time.Now()
		addTime, x := diffRun(b, b.TempDir(), n)
		total := time.Since(start)
		peak := s.done()
		runtime.ReadMemStats(&after)
		fi, _ := os.Stat(x)
		b.ReportMetric(float64(addTime.Nanoseconds())/n/1000, "µs/Add")
		b.ReportMetric((total - addTime).Seconds(), "s-Close")
		b.ReportMetric(float64(peak)/(1<<20), "MB-peak-heap")
		b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/n, "B-alloc/record")
		b.ReportMetric(float64(fi.Size())/(1<<20), "MB-xlsx")
	}
}

// BenchmarkDiffReportAdd is the hot path: one update with three changes.
func BenchmarkDiffReportAdd(b *testing.B) {
	d, err := NewDiff(b.TempDir(), true)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Abort()
	rec := &record.Record{}
	plan := &Plan{Outcome: Updated, Changes: make([]Change, 3)}
	price := diffDec("19.99")
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		rec.Row = i + 2
		plan.Key = "SKU-12345"
		plan.Changes[0] = Change{Field: "Price.Gross", Old: json.Number("19.99"), New: price}
		plan.Changes[1] = Change{Field: "Quantity", Old: int64(i % 17), New: int64(i % 13)}
		plan.Changes[2] = Change{Field: "Name", Old: "Becher", New: "Kaffeebecher"}
		if err := d.addPlan(rec, plan, Updated, nil); err != nil {
			b.Fatal(err)
		}
		if i%100_000 == 99_999 { // bound the spool of long runs
			b.StopTimer()
			d.Abort()
			if d, err = NewDiff(b.TempDir(), true); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
}

// TestDiffReportNamesPlaceholders: a category the planning pass would
// create shows as its name, in the workbook and the HTML, where it came
// from a lookup that creates; a negative number elsewhere stays a number.
func TestDiffReportNamesPlaceholders(t *testing.T) {
	dir := t.TempDir()
	d, err := NewDiff(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	d.SetPlaceholders(func(id int64) (string, bool) {
		if id == -1 {
			return "Werkzeug > Messwerkzeuge", true
		}
		return "", false
	})
	tg := []mappings.Target{{Path: "SKU"}, {Path: "Categories[0].CategoryId", Type: mappings.Int, Creates: true}, {Path: "Stock", Type: mappings.Int}}
	create := &Plan{Outcome: Created, Key: "A-1", Item: &Item{Rec: diffRec(2), Targets: tg, Values: []any{"A-1", int64(-1), int64(-1)}}}
	update := &Plan{Outcome: Updated, Key: "A-2", Item: &Item{Rec: diffRec(3), Targets: tg},
		Changes: []Change{{Field: "Categories[0].CategoryId", Old: json.Number("4"), New: json.Number("-1")}}}
	for _, p := range []*Plan{create, update} {
		if err := d.addPlan(p.Item.Rec, p, p.Outcome, nil); err != nil {
			t.Fatal(err)
		}
	}
	x, h, err := d.Close(&Summary{Job: "j", DryRun: true, RecordsRead: 2, Created: 1, Updated: 1}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(x)
	if err != nil {
		t.Fatal(err)
	}
	testkit.CheckDimensions(t, x)
	defer f.Close()
	creates, _ := f.GetRows("Creates")
	changes, _ := f.GetRows("Changes")
	if len(creates) != 2 || creates[1][4] != "(new) Werkzeug > Messwerkzeuge" || creates[1][5] != "-1" {
		t.Errorf("Creates = %q", creates)
	}
	if len(changes) != 2 || changes[1][3] != "4" || changes[1][4] != "(new) Werkzeug > Messwerkzeuge" {
		t.Errorf("Changes = %q", changes)
	}
	html, _ := os.ReadFile(h)
	if !strings.Contains(string(html), "(new) Werkzeug &gt; Messwerkzeuge") {
		t.Errorf("the HTML report does not name the new category")
	}
}

// quotePrefixed reports whether a cell has Excel's quote prefix, which keeps
// formula-like text text when the cell is edited, without an apostrophe.
func quotePrefixed(t *testing.T, f *excelize.File, sheet, cell string) bool {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.GetStyle(id); err != nil { // loads the style sheet
		t.Fatal(err)
	}
	xf := f.Styles.CellXfs.Xf[id]
	return xf.QuotePrefix != nil && *xf.QuotePrefix
}
