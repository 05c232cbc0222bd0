package datev

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// Documents whose amounts the Wawi computed consistently, with four
// decimals or two (tax from the gross to four decimals, or from the net to
// the cent), all book, and the check agrees with every one.
func TestConsistentDocumentsAgree(t *testing.T) {
	h := testHeader()
	r := rand.New(rand.NewPCG(1, 2))
	for _, mode := range []string{"gross4", "net4-gross2", "net2"} {
		stops := 0
		const n = 2000
		for range n {
			d := &Document{Number: "RE-1", Date: day(2026, 1, 5), Debitor: "10000"}
			for range 1 + r.IntN(6) {
				rate := dec("19")
				if r.IntN(3) == 0 {
					rate = dec("7")
				}
				var g, v decimal.Decimal
				f := rate.Div(rate.Add(dec("100")))
				switch mode {
				case "gross4":
					g = decimal.New(r.Int64N(2000000), -4)
					v = g.Mul(f).Round(4)
				case "net4-gross2":
					g = decimal.New(r.Int64N(20000), -2)
					v = g.Mul(f).Round(4)
				case "net2":
					net := decimal.New(r.Int64N(20000), -2)
					v = net.Mul(rate).Div(dec("100")).Round(2)
					g = net.Add(v)
				}
				d.Lines = append(d.Lines, Line{Rate: rate, Gross: MoneyOf(g), VAT: MoneyOf(v), Net: MoneyOf(g.Sub(v)), Country: "DE", Revenue: Revenue{Account: "8400", Kind: Domestic}})
			}
			c := NewControl(time.Time{}, time.Time{})
			bookWith(t, &h, c, []*Document{d})
			if c.Finish(); !c.OK() {
				stops++
				if stops < 3 {
					t.Logf("%v", c.Err())
				}
			}
		}
		if stops > 0 {
			t.Errorf("%s: %d of %d documents stop", mode, stops, n)
		}
	}
}
