package datev

import (
	"strings"
	"testing"
	"time"
)

// fourDecimals is a document whose line amounts have four decimals, as
// the Wawi may send them: each posting carries its group's total to the
// cent, and the check compares the document's sums to the cent.
func fourDecimals(number string, lines ...[3]string) *Document {
	d := &Document{Number: number, Date: day(2026, 1, 5), Debitor: "10000"}
	for _, l := range lines {
		d.Lines = append(d.Lines, Line{Rate: dec("19"), Net: MoneyOf(dec(l[0])), VAT: MoneyOf(dec(l[1])), Gross: MoneyOf(dec(l[2])),
			Country: "DE", Revenue: Revenue{Account: "8400", Kind: Domestic}})
	}
	return d
}

func TestPostingsOfFourDecimalAmounts(t *testing.T) {
	h := testHeader()
	docs := []*Document{
		// net and tax with four decimals, gross in cents: 3 × 1.00
		fourDecimals("RE-1", [3]string{"0.8403", "0.1597", "1.00"}, [3]string{"0.8403", "0.1597", "1.00"}, [3]string{"0.8403", "0.1597", "1.00"}),
		// gross with four decimals: 0.9999 is 1.00, not 3 × 0.33
		fourDecimals("RE-2", [3]string{"0.2801", "0.0532", "0.3333"}, [3]string{"0.2801", "0.0532", "0.3333"}, [3]string{"0.2801", "0.0532", "0.3333"}),
		// a credit note the same way round
		func() *Document {
			d := fourDecimals("GS-1", [3]string{"16.8067", "3.1933", "20.0000"}, [3]string{"0.0042", "0.0008", "0.0050"})
			d.Type, d.Reference = Credit, "RE-1"
			return d
		}(),
	}
	want := []string{"3,00;\"S\"", "1,00;\"S\"", "20,01;\"H\""}
	for name, book := range map[string]func(*Control) []string{
		"booker":    func(c *Control) []string { l, _ := bookWith(t, &h, c, docs); return l },
		"reference": func(c *Control) []string { l, _ := bookReference(&h, c, docs); return l },
	} {
		c := NewControl(time.Time{}, time.Time{})
		lines := book(c)
		if len(lines) != len(want) {
			t.Fatalf("%s: %d bookings %q, want %d", name, len(lines), lines, len(want))
		}
		for i, w := range want {
			if !strings.HasPrefix(lines[i], w) {
				t.Errorf("%s: booking %d %q, want %s...", name, i, lines[i], w)
			}
		}
		c.Finish()
		if !c.OK() {
			t.Errorf("%s: %v", name, c.Err())
		}
	}
}

// A group booked line by line (its tax is not what DATEV derives from the
// total) books the cents of the lines' running total: the parts add up to
// the group's total to the cent, not to the sum of each line rounded.
func TestSplitPostingsAddUpToTheTotal(t *testing.T) {
	h := testHeader()
	// 3 × 0.0549 is 0.1647: 0.16; each line rounded would be 3 × 0.05
	d := fourDecimals("RE-1", [3]string{"0.0429", "0.0120", "0.0549"}, [3]string{"0.0429", "0.0120", "0.0549"}, [3]string{"0.0429", "0.0120", "0.0549"})
	var ref []string
	for _, p := range d.Postings("") {
		ref = append(ref, p.Gross.StringFixed(2))
	}
	if got, want := strings.Join(ref, " "), "0.05 0.06 0.05"; got != want {
		t.Errorf("postings %s, want %s", got, want)
	}
	lines, _ := bookWith(t, &h, NewControl(time.Time{}, time.Time{}), []*Document{d})
	var got []string
	for _, l := range lines {
		got = append(got, l[:strings.IndexByte(l, ';')])
	}
	if g, w := strings.Join(got, " "), "0,05 0,06 0,05"; g != w {
		t.Errorf("booker %s, want %s", g, w)
	}
}
