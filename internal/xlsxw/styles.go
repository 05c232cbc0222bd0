package xlsxw

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
)

// FontName is the font of every style etl makes. A font without a name
// falls back to the reader's default, which LibreOffice shows as a serif.
const FontName = "Calibri"

// Font is the regular font of cells.
func Font() *excelize.Font { return &excelize.Font{Family: FontName, Size: 11} }

// BoldFont is the font of headers and labels.
func BoldFont() *excelize.Font { return &excelize.Font{Bold: true, Family: FontName, Size: 11} }

// TextStyles adds the styles of text cells to f: wrapped (text with line
// breaks shows them), quote-prefixed (text that looks like a formula stays
// text when someone edits the cell, without a visible apostrophe), and both.
func TextStyles(f *excelize.File) (wrap, quote, wrapQuote int, err error) {
	if wrap, err = f.NewStyle(&excelize.Style{Font: Font(), Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}); err != nil {
		return
	}
	if quote, err = f.NewStyle(&excelize.Style{Font: Font(), Alignment: &excelize.Alignment{Vertical: "bottom"}}); err != nil {
		return
	}
	// distinct alignments, so excelize does not hand back the wrap style
	if wrapQuote, err = f.NewStyle(&excelize.Style{Font: Font(), Alignment: &excelize.Alignment{WrapText: true, Vertical: "top", Horizontal: "general"}}); err != nil {
		return
	}
	// excelize has no option for the quote prefix; its style sheet holds
	// the cell formats just made
	if f.Styles == nil || f.Styles.CellXfs == nil || max(quote, wrapQuote) >= len(f.Styles.CellXfs.Xf) {
		return 0, 0, 0, fmt.Errorf("internal: no cell format %d in the style sheet", quote)
	}
	yes := true
	f.Styles.CellXfs.Xf[quote].QuotePrefix = &yes
	f.Styles.CellXfs.Xf[wrapQuote].QuotePrefix = &yes
	return wrap, quote, wrapQuote, nil
}

// PrintSetup prints a sheet landscape, one page wide and as many tall as
// it takes, with the first titleRows rows (the header) on every page.
func PrintSetup(f *excelize.File, sheet string, titleRows int) error {
	landscape, wide, tall, fit := "landscape", 1, 0, true
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &wide, FitToHeight: &tall}); err != nil {
		return err
	}
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	if titleRows <= 0 {
		return nil
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
		RefersTo: fmt.Sprintf("'%s'!$1:$%d", escapeSheet(sheet), titleRows)})
}

// escapeSheet doubles the apostrophes of a sheet name for a quoted reference.
func escapeSheet(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		out = append(out, r)
		if r == '\'' {
			out = append(out, r)
		}
	}
	return string(out)
}

// exactOf is the exact value of a number a Table writes as a decimal cell.
func exactOf(v any) decimal.Decimal {
	switch x := v.(type) {
	case decimal.Decimal:
		return x
	case *decimal.Decimal:
		if x != nil {
			return *x
		}
	case int64:
		return decimal.NewFromInt(x)
	case int:
		return decimal.NewFromInt(int64(x))
	case int32:
		return decimal.NewFromInt(int64(x))
	case int16:
		return decimal.NewFromInt(int64(x))
	case int8:
		return decimal.NewFromInt(int64(x))
	case uint32:
		return decimal.NewFromInt(int64(x))
	case uint16:
		return decimal.NewFromInt(int64(x))
	case uint8:
		return decimal.NewFromInt(int64(x))
	case uint64:
		return decimal.NewFromUint64(x)
	case uint:
		return decimal.NewFromUint64(uint64(x))
	case float64:
		return decimal.NewFromFloat(round15(x))
	case float32:
		return decimal.NewFromFloat32(x)
	}
	return decimal.Decimal{}
}

// MoneyName reports a column or field that holds an amount of money by its
// name (SalesPriceNet, Einkaufspreis, TotalGross, Betrag): such numbers show
// cents, 129 as 129.00 beside 29.95.
func MoneyName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"price", "preis", "amount", "betrag", "total", "summe", "gross", "brutto", "netto", "cost", "kosten"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return strings.HasSuffix(n, "net")
}

// WithScale is d with at least scale decimals, trailing zeros added: 129
// is 129.00 for scale 2. The value is the same.
func WithScale(d decimal.Decimal, scale int) decimal.Decimal {
	if -int(d.Exponent()) >= scale {
		return d
	}
	return decimal.NewFromBigInt(d.Shift(int32(scale)).BigInt(), -int32(scale))
}
