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
		// 57.527 is booked as 57.53, from which DATEV derives 9.19 tax:
		// within a cent of the exact 9.1849, so the check agrees
		fourDecimals("RE-3", [3]string{"48.3421", "9.1849", "57.5270"}),
	}
	want := []string{"3,00;\"S\"", "1,00;\"S\"", "20,01;\"H\"", "57,53;\"S\""}
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

// A group booked line by line (the lines' tax, each rounded to the cent,
// is more than a cent off what DATEV derives from their total) books the
// cents of the lines' running total: the parts add up to the group's total
// to the cent, not to the sum of each line rounded, and the check agrees.
func TestSplitPostingsAddUpToTheTotal(t *testing.T) {
	h := testHeader()
	// 10 × 0.0549 is 0.549: 0.55; each line rounded would be 10 × 0.05
	var lines [][3]string
	for range 10 {
		lines = append(lines, [3]string{"0.0449", "0.01", "0.0549"})
	}
	d := fourDecimals("RE-1", lines...)
	const want = "0.05 0.06 0.05 0.06 0.05 0.06 0.05 0.06 0.05 0.06"
	var ref []string
	for _, p := range d.Postings("") {
		ref = append(ref, p.Gross.StringFixed(2))
	}
	if got := strings.Join(ref, " "); got != want {
		t.Errorf("postings %s, want %s", got, want)
	}
	c := NewControl(time.Time{}, time.Time{})
	booked, _ := bookWith(t, &h, c, []*Document{d})
	var got []string
	for _, l := range booked {
		got = append(got, strings.Replace(l[:strings.IndexByte(l, ';')], ",", ".", 1))
	}
	if g := strings.Join(got, " "); g != want {
		t.Errorf("booker %s, want %s", g, want)
	}
	if c.Finish(); !c.OK() {
		t.Error(c.Err())
	}
}

// More decimals do not hide a wrong tax: a cent or more off the tax DATEV
// derives from the booked gross (9.19 of 57.53) stops the export.
func TestFourDecimalAmountsWrongTaxStops(t *testing.T) {
	h := testHeader()
	for _, d := range []*Document{
		fourDecimals("RE-1", [3]string{"52.5270", "5.0000", "57.5270"}),
		fourDecimals("RE-2", [3]string{"48.3270", "9.2000", "57.5270"}),
	} {
		c := NewControl(time.Time{}, time.Time{})
		bookWith(t, &h, c, []*Document{d})
		if c.Finish(); c.OK() {
			t.Errorf("%s: the check agrees with tax %s", d.Number, d.Lines[0].VAT)
		}
	}
}

// Four-decimal amounts each rounded on their own may miss net + tax =
// gross by less than a cent (0.8404 + 0.1597 = 1.0001): the line is booked;
// a cent or more off still stops.
func TestFourDecimalLineSubCentDifference(t *testing.T) {
	h := testHeader()
	for _, c := range []struct {
		line [3]string
		ok   bool
	}{
		{[3]string{"0.8404", "0.1597", "1.0000"}, true},
		{[3]string{"0.8503", "0.1597", "1.0000"}, false},
		{[3]string{"0.85", "0.16", "1.00"}, false},
	} {
		ctl := NewControl(time.Time{}, time.Time{})
		bookWith(t, &h, ctl, []*Document{fourDecimals("RE-1", c.line)})
		if ctl.Finish(); ctl.OK() != c.ok {
			t.Errorf("%v: ok %v, want %v (%v)", c.line, ctl.OK(), c.ok, ctl.Err())
		}
	}
}
