package xlsxw

import (
	"archive/zip"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/xlsxcell"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func dirNames(t *testing.T, dir string) []string {
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

func noTemp(t *testing.T, dir string) {
	t.Helper()
	for _, n := range dirNames(t, dir) {
		if strings.Contains(n, ".tmp-") {
			t.Errorf("temporary file left behind: %s", n)
		}
	}
}

// zipPart returns one part of an XLSX package.
func zipPart(t *testing.T, path, name string) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
	}
	t.Fatalf("%s has no part %s", path, name)
	return ""
}

// randomDecimals covers small and large coefficients and scales, both signs.
func randomDecimals(n int) []decimal.Decimal {
	r := rand.New(rand.NewPCG(1, 2))
	out := []decimal.Decimal{decimal.Zero, decimal.New(0, -3), decimal.New(0, 4), dec("19.90"), dec("-0.5"),
		dec("1e3"), decimal.New(5, 19), decimal.New(-7, -25), dec("123456789012345678901234.5678")}
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

func TestDecimalFloatFastPathMatchesParseFloat(t *testing.T) {
	n := 0
	for _, d := range randomDecimals(50000) {
		f, _, ok := decimalFloat(d)
		g, s, okSlow := decimalFloatSlow(d)
		if ok != okSlow || f != g {
			t.Fatalf("%s: fast %v %v, slow %v %v", d, f, ok, g, okSlow)
		}
		if ok {
			n++
			// what excelize writes is the decimal itself
			back := decimal.RequireFromString(strconv.FormatFloat(f, 'f', -1, 64))
			if !back.Equal(d) {
				t.Fatalf("%s comes back as %s", d, back)
			}
		} else if xlsxcell.SignificantDigits(s) <= MaxSignificant && d.Abs().LessThan(dec("1e300")) && d.Abs().GreaterThan(dec("1e-300")) {
			t.Fatalf("%s refused though it fits", d)
		}
	}
	if n < 10000 {
		t.Fatalf("only %d representable cases: the generator is off", n)
	}
}

func openBook(t *testing.T, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

type cellCheck struct {
	cell   string
	typ    excelize.CellType
	raw    string // value as stored
	shown  string // value through the number format, "" = don't check
	numFmt string // custom number format, "" = don't check
}

func checkCells(t *testing.T, f *excelize.File, sheet string, checks []cellCheck) {
	t.Helper()
	for _, c := range checks {
		typ, err := f.GetCellType(sheet, c.cell)
		if err != nil {
			t.Fatal(err)
		}
		if typ != c.typ {
			t.Errorf("%s: type %v, want %v", c.cell, typ, c.typ)
		}
		raw, _ := f.GetCellValue(sheet, c.cell, excelize.Options{RawCellValue: true})
		if raw != c.raw {
			t.Errorf("%s: raw %q, want %q", c.cell, raw, c.raw)
		}
		if c.shown != "" {
			if shown, _ := f.GetCellValue(sheet, c.cell); shown != c.shown {
				t.Errorf("%s: shown %q, want %q", c.cell, shown, c.shown)
			}
		}
		if c.numFmt != "" {
			id, _ := f.GetCellStyle(sheet, c.cell)
			st, err := f.GetStyle(id)
			if err != nil {
				t.Fatal(err)
			}
			if st.CustomNumFmt == nil || *st.CustomNumFmt != c.numFmt {
				got := "<nil>"
				if st.CustomNumFmt != nil {
					got = *st.CustomNumFmt
				}
				t.Errorf("%s: number format %s (id %d), want %q", c.cell, got, st.NumFmt, c.numFmt)
			}
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

const (
	tNum  = excelize.CellTypeUnset // a number cell has no t attribute (t="n" is the default)
	tStr  = excelize.CellTypeInlineString
	tBool = excelize.CellTypeBool
)

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return l
}()
