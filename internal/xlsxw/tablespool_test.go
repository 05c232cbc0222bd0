package xlsxw

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/mappings"
)

// spoolTestRows are rows of every kind of cell a Table writes: text that
// needs escaping, preserving, quoting or wrapping, integers, decimals of
// several scales, floats, booleans, dates, date-times, lists, empty cells
// and, Lenient, values written as their exact text.
func spoolTestRows() [][]any {
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	return [][]any{
		{"plain", int64(1), dec("19.90"), 0.1 + 0.2, true, day, day.Add(13*time.Hour + 30*time.Minute), []string{"a", "b"}},
		{" lead & <tags> \"q\" 'a'", int64(-42), dec("1000.125"), 1e20, false, day.AddDate(-100, 0, 0), time.Date(2024, 1, 1, 23, 59, 59, 500_000_000, berlin), nil},
		{"=SUM(A1:A2)", int64(999_999_999_999_999), dec("-0.0000001"), 123456789.123456789, nil, nil, nil, []string{}},
		{"two\nlines", int64(1_000_000_000_000_000), dec("12345678901234567890"), 5e-300, true, time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC), nil, "x"},
		{"_x0041_ Größe 🙂\ttab", nil, dec("7"), float64(3), nil, day, day, []string{"only"}},
		{"", int64(0), dec("0.00"), -0.0, false, nil, nil, nil},
		{"\r\ntrailing ", int8(5), dec("1e3"), float32(1.5), true, nil, nil, 42},
	}
}

func spoolTestTable(t *testing.T, path string, opts TableOptions) *Table {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	cols := []Column{{Name: "Text"}, {Name: "Qty", Type: mappings.Int}, {Name: "Price", Type: mappings.Decimal},
		{Name: "Float", Type: mappings.Decimal}, {Name: "Flag", Type: mappings.Bool}, {Name: "Day", Type: mappings.Date},
		{Name: "At", Type: mappings.DateTime}, {Name: "List"}}
	opts.Lenient, opts.Neutralize, opts.SampleRows = true, true, 3
	tab := newTable(t, f, "Data", cols, opts)
	defer tab.Close()
	for i, r := range spoolTestRows() {
		row, err := tab.Append(r)
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if err := tab.AddComment(row, 2, "etl", "held back"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tab.AppendTotals("Total", []int{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := Save(f, path, atomicfile.Options{}, tab.Spool()); err != nil {
		t.Fatal(err)
	}
	return tab
}

// A spooled Table writes the same workbook as a streamed one: every cell's
// type, value, formula and style, and the rest of the sheet (widths, panes,
// autofilter or table, comment link) byte for byte; only the used range is
// the real one instead of excelize's "A1".
func TestSpooledTableReadsAsStreamed(t *testing.T) {
	for _, opts := range []TableOptions{{AutoFilter: true, FreezeHeader: true}, {TableStyle: "TableStyleLight1"}} {
		t.Run(fmt.Sprint(opts.TableStyle != ""), func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("TMPDIR", filepath.Join(dir, "tmp"))
			if err := os.Mkdir(os.Getenv("TMPDIR"), 0o755); err != nil {
				t.Fatal(err)
			}
			streamed, spooled := filepath.Join(dir, "streamed.xlsx"), filepath.Join(dir, "spooled.xlsx")
			if tab := spoolTestTable(t, streamed, opts); tab.Spool() != nil {
				t.Fatal("a table is spooled only when asked")
			}
			opts.Spool = true
			tab := spoolTestTable(t, spooled, opts)
			if tab.Spool() == nil || tab.Spool().Rows() != int64(len(spoolTestRows())+1) {
				t.Fatalf("spooled rows: %+v", tab.Spool())
			}
			if left := dirNames(t, os.Getenv("TMPDIR")); len(left) != 0 {
				t.Errorf("Close left %v", left)
			}

			want, got := cellDump(t, streamed), cellDump(t, spooled)
			if len(want) != len(got) || len(want) < 50 {
				t.Fatalf("%d cells streamed, %d spooled", len(want), len(got))
			}
			for i := range want {
				if want[i] != got[i] {
					t.Errorf("cell\n streamed %s\n spooled  %s", want[i], got[i])
				}
			}
			dim := regexp.MustCompile(`<dimension ref="[^"]*"`)
			data := regexp.MustCompile(`(?s)<sheetData>.*</sheetData>`)
			outside := func(path string) (string, string) {
				xml := zipPart(t, path, "xl/worksheets/sheet1.xml")
				return data.ReplaceAllString(dim.ReplaceAllString(xml, ""), ""), dim.FindString(xml)
			}
			// readers such as Excel drop a text's outer spaces without it
			preserve := func(path string) int {
				return strings.Count(zipPart(t, path, "xl/worksheets/sheet1.xml"), `<t xml:space="preserve">`)
			}
			if w, g := preserve(streamed), preserve(spooled); w < 2 || g < w {
				t.Errorf("xml:space=preserve on %d texts streamed, %d spooled", w, g)
			}
			ws, _ := outside(streamed)
			gs, gdim := outside(spooled)
			if ws != gs {
				t.Errorf("sheet outside the rows differs:\n streamed %s\n spooled  %s", ws, gs)
			}
			if gdim != `<dimension ref="A1:H9"` {
				t.Errorf("spooled used range %s", gdim)
			}
			for _, part := range []string{"xl/styles.xml", "xl/workbook.xml", "xl/comments1.xml"} {
				if zipPart(t, streamed, part) != zipPart(t, spooled, part) {
					t.Errorf("%s differs", part)
				}
			}
		})
	}
}

// cellDump reads every cell of the sheet Data as a reader sees it.
func cellDump(t *testing.T, path string) []string {
	t.Helper()
	f := openBook(t, path)
	rows, err := f.GetRows("Data", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for r, row := range rows {
		for c := range row {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			typ, _ := f.GetCellType("Data", ref)
			raw, _ := f.GetCellValue("Data", ref, excelize.Options{RawCellValue: true})
			shown, _ := f.GetCellValue("Data", ref)
			formula, _ := f.GetCellFormula("Data", ref)
			id, _ := f.GetCellStyle("Data", ref)
			st, _ := f.GetStyle(id)
			style := ""
			if st != nil {
				if st.CustomNumFmt != nil {
					style = *st.CustomNumFmt
				}
				if st.Font != nil && st.Font.Bold {
					style += " bold"
				}
				if st.Alignment != nil && st.Alignment.WrapText {
					style += " wrap"
				}
			}
			out = append(out, fmt.Sprintf("%s t=%d %q shown %q f=%q s=%d %s", ref, typ, raw, shown, formula, id, strings.TrimSpace(style)))
		}
	}
	return out
}
