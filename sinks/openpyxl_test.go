package sinks

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/internal/testkit"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

type pyCell struct {
	Type   string          `json:"type"`
	Value  json.RawMessage `json:"value"`
	Cached json.RawMessage `json:"cached"`
	Fmt    string          `json:"fmt"`
	Bold   bool            `json:"bold"`
	IsDate bool            `json:"is_date"`
	Quote  bool            `json:"quote"` // Excel's quote prefix: stays text when edited
	Font   string          `json:"font"`
}

type pySheet struct {
	Freeze   *string            `json:"freeze"`
	Filter   *string            `json:"filter"`
	Widths   map[string]float64 `json:"widths"`
	Cells    map[string]pyCell  `json:"cells"`
	Comments map[string]string  `json:"comments"`
	MaxRow   int                `json:"max_row"`
}

type pyBook struct {
	Sheets []string           `json:"sheets"`
	Data   map[string]pySheet `json:"data"`
}

func readWithOpenpyxl(t *testing.T, py, path string) pyBook {
	t.Helper()
	cmd := exec.Command(py, "testdata/read_xlsx.py", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openpyxl could not read %s: %v\n%s", path, err, stderr.String())
	}
	var b pyBook
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return b
}

// want: type, value as JSON text (numbers exactly as Python's repr prints
// them), number format ("" = don't check).
type pyWant struct {
	cell, typ, value, fmt string
}

func checkPy(t *testing.T, s pySheet, wants []pyWant) {
	t.Helper()
	for _, w := range wants {
		c, ok := s.Cells[w.cell]
		if !ok {
			t.Errorf("openpyxl: %s is empty", w.cell)
			continue
		}
		if c.Type != w.typ || string(c.Value) != w.value {
			t.Errorf("openpyxl: %s = %s %s, want %s %s", w.cell, c.Type, c.Value, w.typ, w.value)
		}
		if w.fmt != "" && c.Fmt != w.fmt {
			t.Errorf("openpyxl: %s format %q, want %q", w.cell, c.Fmt, w.fmt)
		}
	}
}

func TestXLSXWithOpenpyxl(t *testing.T) {
	py := openpyxlPython(t)

	path, _ := writeXLSX(t, pipeline.SinkSpec{}, sinkTargets(), sinkRows()...)
	b := readWithOpenpyxl(t, py, path)
	if len(b.Sheets) != 1 || b.Sheets[0] != "Data" {
		t.Fatalf("sheets %v", b.Sheets)
	}
	s := b.Data["Data"]
	if c := s.Cells["B2"]; !c.Quote {
		t.Error("openpyxl: the formula-like B2 has no quote prefix")
	}
	if c := s.Cells["A1"]; c.Font == "" || !c.Bold {
		t.Errorf("openpyxl: header font %q bold %v, want a named bold font", c.Font, c.Bold)
	}
	checkPy(t, s, []pyWant{
		{"A1", "s", `"SKU"`, ""},
		{"B2", "s", `"=HYPERLINK(\"http://evil\")"`, ""},
		{"C2", "n", `42`, "0"},
		{"D2", "n", `1234.56`, "#,##0.00"},
		{"E2", "b", `true`, ""},
		{"F2", "d", `"2024-02-29T00:00:00"`, "dd.mm.yyyy"},
		{"G2", "d", `"2024-03-15T13:45:30"`, "dd.mm.yyyy hh:mm"},
		{"H2", "s", `"a|b"`, ""},
		{"D3", "n", `-0.1`, ""},
		{"E3", "b", `false`, ""},
		{"F3", "d", `"1900-01-01T00:00:00"`, ""},
		{"C4", "n", `123456789012345`, ""},
		{"D4", "n", `19.99`, ""},
		{"F4", "d", `"1900-03-01T00:00:00"`, ""},
		{"D5", "n", `1e-07`, ""},
	})
	if !s.Cells["A1"].Bold {
		t.Error("openpyxl: header not bold")
	}
	if s.Freeze == nil || *s.Freeze != "A2" {
		t.Errorf("openpyxl: freeze %v", s.Freeze)
	}
	if s.Filter == nil || strings.ReplaceAll(*s.Filter, "$", "") != "A1:H5" {
		t.Errorf("openpyxl: autofilter %v", s.Filter)
	}
	if s.Widths["B"] < 50 || s.Widths["A"] >= s.Widths["B"] {
		t.Errorf("openpyxl: widths %v", s.Widths)
	}
	if s.MaxRow != 5 {
		t.Errorf("openpyxl: %d rows, want header + 4", s.MaxRow)
	}

	// a report workbook: totals with cached results, a comment, a second sheet
	f := excelize.NewFile()
	defer f.Close()
	tab, err := NewTable(f, "Orders", []Column{{Name: "Order"}, {Name: "Qty", Type: mappings.Int},
		{Name: "Net", Type: mappings.Decimal}}, TableOptions{AutoFilter: true, FreezeHeader: true, Neutralize: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][]any{{"A-1", int64(2), dec("0.1")}, {"+A-2", int64(3), dec("0.2")}} {
		row, err := tab.Append(r)
		if err != nil {
			t.Fatal(err)
		}
		if row == 3 {
			if err := tab.AddComment(row, 2, "etl", "check this price"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tab.AppendTotals("Total", []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	other, err := NewTable(f, "Notes", []Column{{Name: "n"}}, TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Append([]any{"hello"}); err != nil {
		t.Fatal(err)
	}
	if err := other.Flush(); err != nil {
		t.Fatal(err)
	}
	rb := readWithOpenpyxl(t, py, saveBook(t, f))
	if strings.Join(rb.Sheets, ",") != "Orders,Notes" {
		t.Fatalf("sheets %v", rb.Sheets)
	}
	o := rb.Data["Orders"]
	checkPy(t, o, []pyWant{
		{"A3", "s", `"+A-2"`, ""},
		{"A4", "s", `"Total"`, ""},
		{"B4", "f", `"=SUM(B2:B3)"`, "0"},
		{"C4", "f", `"=SUM(C2:C3)"`, "#,##0.00"},
	})
	if got := string(o.Cells["C4"].Cached); got != "0.3" {
		t.Errorf("openpyxl: cached total %s, want 0.3", got)
	}
	if got := string(o.Cells["B4"].Cached); got != "5" {
		t.Errorf("openpyxl: cached total %s, want 5", got)
	}
	if !o.Cells["C4"].Bold {
		t.Error("openpyxl: totals not bold")
	}
	if !strings.Contains(o.Comments["C3"], "check this price") {
		t.Errorf("openpyxl: comments %v", o.Comments)
	}
	if o.Filter == nil || strings.ReplaceAll(*o.Filter, "$", "") != "A1:C3" {
		t.Errorf("openpyxl: autofilter %v", o.Filter)
	}
	checkPy(t, rb.Data["Notes"], []pyWant{{"A2", "s", `"hello"`, ""}})
}

// Shared with other packages' tests (internal/testkit).
func openpyxlPython(t *testing.T) string { return testkit.OpenpyxlPython(t) }
