package datev

import (
	"strings"
	"testing"
	"time"
)

// Two documents whose numbers become one Belegfeld 1 (RE_1 is RE-1) are
// two documents DATEV cannot tell apart: the check stops and names them.
func TestControlSameBelegfeld1(t *testing.T) {
	h := testHeader()
	doc := func(nr string) *Document {
		return &Document{Number: nr, Date: day(2026, 1, 5), Debitor: "10000", Lines: []Line{{Rate: dec("19"), Net: MoneyOf(dec("10.00")),
			VAT: MoneyOf(dec("1.90")), Gross: MoneyOf(dec("11.90")), Country: "DE", Revenue: Revenue{Account: "8400", Kind: Domestic}}}}
	}
	for _, c := range []struct {
		numbers []string
		stops   []string // the stopping findings, as Problem prefixes
	}{
		{[]string{"RE-1", "RE_1"}, []string{`Belegfeld 1 "RE-1" ist die Nummer eines anderen Belegs (Zeile 2)`}},
		{[]string{"RE_1", "RE-1"}, []string{`Belegfeld 1 "RE-1" hat schon Beleg "RE_1" (Zeile 2), dessen Nummer`}},
		{[]string{"RE 1_ü", "RE-1_ü"}, []string{`Belegfeld 1 "RE-1-ue" hat schon Beleg "RE 1_ü" (Zeile 2)`}},
		{[]string{"RE X", "RE-X"}, []string{`Belegfeld 1 "RE-X" hat schon Beleg "RE X" (Zeile 2), dessen Nummer`}},
		{[]string{"RE-X", "RE X"}, []string{`Belegfeld 1 "RE-X" ist die Nummer eines anderen Belegs (Zeile 2)`}},
		{[]string{"RE_5", "RE_5"}, []string{"kommt mehrfach vor"}},
		{[]string{"RE_5", "RE_6", "RE-7"}, nil},
	} {
		var docs []*Document
		for _, n := range c.numbers {
			docs = append(docs, doc(n))
		}
		for name, book := range map[string]func(*Control){
			"booker":    func(ctl *Control) { bookWith(t, &h, ctl, docs) },
			"reference": func(ctl *Control) { bookReference(&h, ctl, docs) },
		} {
			ctl := NewControl(time.Time{}, time.Time{})
			book(ctl)
			ctl.Finish()
			var got []string
			for _, f := range ctl.Findings() {
				if f.Stops {
					got = append(got, f.Problem)
				}
			}
			if len(got) != len(c.stops) {
				t.Errorf("%s %v: findings %q, want %q", name, c.numbers, got, c.stops)
				continue
			}
			for i, w := range c.stops {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("%s %v: finding %q, want %q...", name, c.numbers, got[i], w)
				}
			}
		}
	}
}
