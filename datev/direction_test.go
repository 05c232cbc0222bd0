package datev

import (
	"strings"
	"testing"
	"time"
)

// Whichever sign the Wawi sends a document's amounts with, a credit note
// or cancellation books on Haben, the cancellation of a credit note or
// correction on Soll (it undoes a reversal); only an invoice's sign is
// taken as it is. A reversing document whose amounts of both signs add up
// to zero cannot tell its sign convention: the check stops.
func TestDirectionWhicheverSign(t *testing.T) {
	h := testHeader()
	doc := func(typ DocType, gross ...string) *Document {
		d := &Document{Number: "B-1", Type: typ, Date: day(2026, 1, 5), Debitor: "10000"}
		for i, g := range gross {
			rate := []string{"19", "7"}[i%2]
			v := DerivedVAT(dec(g), dec(rate))
			d.Lines = append(d.Lines, Line{Rate: dec(rate), Gross: MoneyOf(dec(g)), VAT: MoneyOf(v), Net: MoneyOf(dec(g).Sub(v)),
				Country: "DE", Revenue: Revenue{Account: map[string]string{"19": "8400", "7": "8300"}[rate], Kind: Domestic}})
		}
		return d
	}
	for _, c := range []struct {
		d    *Document
		want string // Umsatz and S/H of each booking; "stop" for a stopping check
	}{
		{doc(Invoice, "11.90"), `11,90 "S"`},
		{doc(Invoice, "-11.90"), `11,90 "H"`},
		{doc(Credit, "11.90"), `11,90 "H"`},
		{doc(Credit, "-11.90"), `11,90 "H"`},
		{doc(InvoiceCancellation, "-11.90"), `11,90 "H"`},
		{doc(CreditCancellation, "11.90"), `11,90 "S"`},
		{doc(CreditCancellation, "-11.90"), `11,90 "S"`},
		{doc(InvoiceCorrectionCancellation, "-11.90", "-1.07"), `11,90 "S" 1,07 "S"`},
		{doc(Credit, "-11.90", "1.07"), `11,90 "H" 1,07 "S"`},
		{doc(CreditCancellation, "-11.90", "1.07"), `11,90 "S" 1,07 "H"`},
		{doc(Credit, "11.90", "-11.90"), "stop"},
		{doc(CreditCancellation, "11.90", "-11.90"), "stop"},
		{doc(Invoice, "11.90", "-11.90"), `11,90 "S" 11,90 "H"`},
		{doc(Credit, "0.00"), ""},
	} {
		for name, book := range map[string]func(*Control) []string{
			"booker":    func(ctl *Control) []string { l, _ := bookWith(t, &h, ctl, []*Document{c.d}); return l },
			"reference": func(ctl *Control) []string { l, _ := bookReference(&h, ctl, []*Document{c.d}); return l },
		} {
			ctl := NewControl(time.Time{}, time.Time{})
			var got []string
			for _, l := range book(ctl) {
				f := strings.Split(l, ";")
				got = append(got, f[0]+" "+f[1])
			}
			g := strings.Join(got, " ")
			if ctl.Finish(); !ctl.OK() {
				g = "stop"
			}
			if g != c.want {
				t.Errorf("%s %s %v: %q, want %q (%v)", name, c.d.Type, c.d.Lines, g, c.want, ctl.Err())
			}
		}
	}
}
