// Package testkit holds the helpers that tests of several packages share:
// reading workbooks back (excelize, openpyxl), looking for files left
// behind, decimals. Only tests import it.
package testkit

import (
	"archive/zip"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// Dec parses a decimal literal of a test.
func Dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// DirNames lists the names in dir.
func DirNames(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// NoTemp fails when an atomic write left its temporary file in dir.
func NoTemp(t testing.TB, dir string) {
	t.Helper()
	for _, n := range DirNames(t, dir) {
		if strings.Contains(n, ".tmp-") {
			t.Errorf("temporary file left behind: %s", n)
		}
	}
}

// ZipParts reads every part of an XLSX package.
func ZipParts(t testing.TB, path string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = string(b)
	}
	return out
}

// ZipPart returns one part of an XLSX package.
func ZipPart(t testing.TB, path, name string) string {
	t.Helper()
	part, ok := ZipParts(t, path)[name]
	if !ok {
		t.Fatalf("%s has no part %s", path, name)
	}
	return part
}

// RandomDecimals covers small and large coefficients and scales, both
// signs, the same every run.
func RandomDecimals(n int) []decimal.Decimal {
	r := rand.New(rand.NewPCG(1, 2))
	out := []decimal.Decimal{decimal.Zero, decimal.New(0, -3), decimal.New(0, 4), Dec("19.90"), Dec("-0.5"),
		Dec("1e3"), decimal.New(5, 19), decimal.New(-7, -25), Dec("123456789012345678901234.5678")}
	for range n {
		var c int64
		switch r.IntN(3) {
		case 0:
			c = r.Int64N(1000)
		case 1:
			c = r.Int64N(1_000_000_000_000_000)
		default:
			c = r.Int64()
		}
		if r.IntN(2) == 0 {
			c = -c
		}
		out = append(out, decimal.New(c, int32(r.IntN(50)-30)))
	}
	return out
}

// OpenBook opens a workbook, closed when the test ends.
func OpenBook(t testing.TB, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// Cell is what CheckCells expects of one cell.
type Cell struct {
	Cell   string
	Type   excelize.CellType
	Raw    string // value as stored
	Shown  string // value through the number format, "" = don't check
	NumFmt string // custom number format, "" = don't check
}

// CheckCells compares cells of a sheet with what a test expects.
func CheckCells(t testing.TB, f *excelize.File, sheet string, checks []Cell) {
	t.Helper()
	for _, c := range checks {
		typ, err := f.GetCellType(sheet, c.Cell)
		if err != nil {
			t.Fatal(err)
		}
		if typ != c.Type {
			t.Errorf("%s: type %v, want %v", c.Cell, typ, c.Type)
		}
		raw, _ := f.GetCellValue(sheet, c.Cell, excelize.Options{RawCellValue: true})
		if raw != c.Raw {
			t.Errorf("%s: raw %q, want %q", c.Cell, raw, c.Raw)
		}
		if c.Shown != "" {
			if shown, _ := f.GetCellValue(sheet, c.Cell); shown != c.Shown {
				t.Errorf("%s: shown %q, want %q", c.Cell, shown, c.Shown)
			}
		}
		if c.NumFmt != "" {
			id, _ := f.GetCellStyle(sheet, c.Cell)
			st, err := f.GetStyle(id)
			if err != nil {
				t.Fatal(err)
			}
			if st.CustomNumFmt == nil || *st.CustomNumFmt != c.NumFmt {
				got := "<nil>"
				if st.CustomNumFmt != nil {
					got = *st.CustomNumFmt
				}
				t.Errorf("%s: number format %s (id %d), want %q", c.Cell, got, st.NumFmt, c.NumFmt)
			}
		}
	}
}

// OpenpyxlPython finds an interpreter that has openpyxl, the independent
// reader our workbooks are checked with, or skips the test saying how to
// get it. Debian's /usr/bin/python3 comes first: the python3 on PATH may be
// a pyenv one without it. CI installs python3-openpyxl.
func OpenpyxlPython(t testing.TB) string {
	t.Helper()
	cands := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		cands = append(cands, p)
	}
	for _, p := range cands {
		if exec.Command(p, "-c", "import openpyxl").Run() == nil {
			return p
		}
	}
	t.Skipf("openpyxl not found (tried %v): apt-get install python3-openpyxl to run the independent XLSX check", cands)
	return ""
}

var (
	dimensionTag = regexp.MustCompile(`<dimension ref="([^"]*)"`)
	cellRef      = regexp.MustCompile(`<c r="([A-Z]+)([0-9]+)"`)
)

// CheckDimensions checks that every sheet of the workbook at path states
// its used range: the <dimension> of each worksheet must span exactly its
// cells (A1 when it has none). Readers that trust it, as openpyxl's
// read-only mode does (load_workbook(read_only=True), the way Python
// scripts stream a large workbook), read only that range: a stale A1 makes
// a whole table read as one cell. The span is worked out here, apart from
// internal/xlsxw's, so that a mistake there shows.
func CheckDimensions(t testing.TB, path string) {
	t.Helper()
	for name, b := range ZipParts(t, path) {
		if !strings.HasPrefix(name, "xl/worksheets/sheet") || !strings.HasSuffix(name, ".xml") {
			continue
		}
		m := dimensionTag.FindStringSubmatch(b)
		if m == nil {
			t.Errorf("%s %s: no <dimension>", path, name)
			continue
		}
		minCol, minRow, maxCol, maxRow := 0, 0, 0, 0
		for _, c := range cellRef.FindAllStringSubmatch(b, -1) {
			col, _ := excelize.ColumnNameToNumber(c[1])
			row, _ := strconv.Atoi(c[2])
			if minRow == 0 {
				minCol, minRow, maxCol, maxRow = col, row, col, row
			}
			minCol, minRow, maxCol, maxRow = min(minCol, col), min(minRow, row), max(maxCol, col), max(maxRow, row)
		}
		want := "A1"
		if minRow > 0 {
			from, _ := excelize.CoordinatesToCellName(minCol, minRow)
			to, _ := excelize.CoordinatesToCellName(maxCol, maxRow)
			if want = from; to != from {
				want = from + ":" + to
			}
		}
		if got := m[1]; got != want {
			t.Errorf("%s %s: <dimension ref=%q>, but its cells span %s", path, name, got, want)
		}
	}
}
