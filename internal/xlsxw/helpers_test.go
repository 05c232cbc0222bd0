package xlsxw

import (
	"strconv"
	"testing"
	"time"

	"github.com/wawi-etl/etl/internal/testkit"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/xlsxcell"
)

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

// Shared with other packages' tests (internal/testkit).
var dec = testkit.Dec

func dirNames(t *testing.T, dir string) []string     { return testkit.DirNames(t, dir) }
func noTemp(t *testing.T, dir string)                { testkit.NoTemp(t, dir) }
func zipPart(t *testing.T, path, name string) string { return testkit.ZipPart(t, path, name) }

var randomDecimals = testkit.RandomDecimals

func openBook(t *testing.T, path string) *excelize.File { return testkit.OpenBook(t, path) }

type cellCheck = testkit.Cell

func checkCells(t *testing.T, f *excelize.File, sheet string, checks []cellCheck) {
	t.Helper()
	testkit.CheckCells(t, f, sheet, checks)
}
