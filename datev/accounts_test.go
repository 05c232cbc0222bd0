package datev

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func ptr[T any](v T) *T { return &v }

// TestRevenueDefaults: one case per default rule, for both charts.
func TestRevenueDefaults(t *testing.T) {
	cases := []struct {
		name           string
		sale           Sale
		noOSS          bool
		skr03, skr04   string
		kind           Kind
		euLand, euRate string
	}{
		{"domestic 19 %", Sale{Rate: dec("19"), Country: "DE"}, false, "8400", "4400", Domestic, "", ""},
		{"domestic 7 %", Sale{Rate: dec("7")}, false, "8300", "4300", Domestic, "", ""},
		{"intra-EU delivery with VAT id", Sale{Rate: dec("0"), Country: "FR", VATID: "fr 12345678901"}, false, "8125", "4125", IntraEU, "FR12345678901", ""},
		{"third-country export", Sale{Rate: dec("0"), Country: "CH"}, false, "8120", "4120", Export, "", ""},
		{"OSS destination rate", Sale{Rate: dec("20"), Country: "AT"}, false, "8320", "4320", OSS, "AT", "20"},
		{"OSS reduced rate", Sale{Rate: dec("5.5"), Country: "FR"}, false, "8320", "4320", OSS, "FR", "5.5"},
		{"EU sale taxed at home without OSS", Sale{Rate: dec("19"), Country: "AT"}, true, "8400", "4400", Domestic, "", ""},
		{"credit note books on the invoice's account", Sale{Rate: dec("19"), CreditNote: true}, false, "8400", "4400", Domestic, "", ""},
		{"the source's account wins", Sale{Rate: dec("19"), Account: "8401"}, false, "8401", "8401", Domestic, "", ""},
		{"a taxed sale to a third country is domestic", Sale{Rate: dec("19"), Country: "US"}, false, "8400", "4400", Domestic, "", ""},
	}
	for _, c := range cases {
		for _, chart := range []Chart{SKR03, SKR04} {
			t.Run(string(chart)+" "+c.name, func(t *testing.T) {
				a := Accounts{Chart: chart, NoOSS: c.noOSS}
				r, err := a.Revenue(c.sale)
				if err != nil {
					t.Fatal(err)
				}
				want := c.skr03
				if chart == SKR04 {
					want = c.skr04
				}
				if r.Account != want || r.Kind != c.kind || r.EULandUStID != c.euLand {
					t.Errorf("got %s %s %q, want %s %s %q", r.Account, r.Kind, r.EULandUStID, want, c.kind, c.euLand)
				}
				if got := ""; r.EUSteuersatz.Valid {
					if got = r.EUSteuersatz.Decimal.String(); got != c.euRate {
						t.Errorf("EU-Steuersatz %s, want %q", got, c.euRate)
					}
				} else if c.euRate != "" {
					t.Errorf("no EU-Steuersatz, want %s", c.euRate)
				}
			})
		}
	}
}

func TestRevenueRules(t *testing.T) {
	a := Accounts{Chart: SKR03, Rules: []Rule{
		{CreditNote: ptr(true), Rate: ptr(dec("19")), Account: "8736"},
		{Countries: []string{"CH", "NO"}, Account: "8338"},
		{Countries: []string{"EU"}, VATID: ptr(true), Account: "8126"},
		{Countries: []string{"THIRD"}, Account: "8121"},
		{Rate: ptr(dec("0")), Account: "8100"},
	}}
	cases := []struct {
		name string
		sale Sale
		want string
		from string
	}{
		{"credit note at 19 %", Sale{Rate: dec("19"), CreditNote: true}, "8736", "rule 1"},
		{"an invoice at 19 % is not a credit note", Sale{Rate: dec("19")}, "8400", "SKR03"},
		{"country list", Sale{Rate: dec("0"), Country: "NO"}, "8338", "rule 2"},
		{"EU with VAT id", Sale{Rate: dec("0"), Country: "NL", VATID: "NL1"}, "8126", "rule 3"},
		{"home is not EU for rules", Sale{Rate: dec("0"), Country: "DE", VATID: "DE1"}, "8100", "rule 5"},
		{"third country", Sale{Rate: dec("0"), Country: "US"}, "8121", "rule 4"},
		{"rate only", Sale{Rate: dec("0")}, "8100", "rule 5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := a.Revenue(c.sale)
			if err != nil {
				t.Fatal(err)
			}
			if r.Account != c.want || r.From != c.from {
				t.Errorf("got %s from %s, want %s from %s", r.Account, r.From, c.want, c.from)
			}
		})
	}
}

func TestRevenueWithoutDefault(t *testing.T) {
	for _, c := range []struct {
		name string
		a    Accounts
		sale Sale
		want string
	}{
		{"a domestic rate without default", Accounts{Chart: SKR04}, Sale{Rate: dec("0")}, "add a rule"},
		{"tax-free EU sale without VAT id", Accounts{Chart: SKR03}, Sale{Rate: dec("0"), Country: "IT"}, "needs the customer's VAT id"},
		{"no chart", Accounts{}, Sale{Rate: dec("19")}, "no chart"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.a.Revenue(c.sale)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want %q", err, c.want)
			}
		})
	}
}

func TestDebitors(t *testing.T) {
	for _, c := range []struct {
		name             string
		d                Debitors
		source, customer string
		want, err        string
	}{
		{"collective", Debitors{Collective: "10000"}, "", "K123", "10000", ""},
		{"the source's debitor wins", Debitors{Collective: "10000"}, "12345", "", "12345", ""},
		{"per customer", Debitors{PerCustomer: true, First: 10000, Last: 69999}, "", "K-00123", "10123", ""},
		{"per customer, out of range, falls back", Debitors{PerCustomer: true, First: 10000, Last: 69999, Collective: "70000"}, "", "60000", "70000", ""},
		{"per customer without digits and fallback", Debitors{PerCustomer: true, First: 10000, Last: 69999}, "", "ABC", "", "no collective debitor"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.d.Account(c.source, c.customer)
			if got != c.want || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
				t.Errorf("got %q %v, want %q %q", got, err, c.want, c.err)
			}
		})
	}
}

func TestPostingsReverseAndGroup(t *testing.T) {
	rev := Revenue{Account: "8400", Kind: Domestic}
	line := func(net, vat, gross string) Line {
		return Line{Rate: dec("19"), Net: money(net), VAT: money(vat), Gross: money(gross), Country: "DE", Revenue: rev}
	}
	d := Document{Number: "GS-7", Type: Credit, Reference: "RE-1001", Date: time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC), Debitor: "10000", Customer: "Muster GmbH",
		Lines: []Line{line("10.00", "1.90", "11.90"), line("20.00", "3.80", "23.80")}}
	ps := d.Postings(d.Text())
	if len(ps) != 1 {
		t.Fatalf("%d postings, want one per account and rate", len(ps))
	}
	p := ps[0]
	if !p.Booking.Umsatz.Equal(dec("-35.70")) || p.Booking.Konto != "10000" || p.Booking.Gegenkonto != "8400" || p.Booking.BUSchluessel != "" {
		t.Errorf("posting %+v", p.Booking)
	}
	if !p.VAT.Equal(dec("-5.70")) || !p.Net.Equal(dec("-30.00")) {
		t.Errorf("VAT %s net %s", p.VAT, p.Net)
	}
	if p.Booking.Belegfeld2 != "RE-1001" || p.Booking.Buchungstext != "Gutschrift GS-7 zu RE-1001 Muster GmbH" {
		t.Errorf("reference %q, text %q", p.Booking.Belegfeld2, p.Booking.Buchungstext)
	}
	// the line after: DATEV derives the tax from the gross amount, and
	// 3 × 0.05 gross at 19 % gives 0.02 tax, the lines 3 × 0.01: each
	// line is booked alone so that its tax rounds back to itself
	l := line("0.04", "0.01", "0.05")
	d2 := Document{Number: "RE-2", Type: Invoice, Debitor: "10000", Lines: []Line{l, l, l}}
	if ps := d2.Postings(""); len(ps) != 3 || !ps[0].VAT.Equal(dec("0.01")) {
		t.Errorf("split postings: %+v", ps)
	}
	// a credit note whose amounts the Wawi sent negative is not turned twice
	d3 := Document{Number: "GS-8", Type: Credit, Debitor: "10000", Lines: []Line{line("-10.00", "-1.90", "-11.90")}}
	if ps := d3.Postings(""); !ps[0].Gross.Equal(dec("-11.90")) {
		t.Errorf("negative credit note: %s", ps[0].Gross)
	}
	// a cancelled credit note books like an invoice
	d4 := Document{Number: "GS-9", Type: CreditCancellation, Debitor: "10000", Lines: []Line{line("10.00", "1.90", "11.90")}}
	if ps := d4.Postings(""); !ps[0].Gross.Equal(dec("11.90")) {
		t.Errorf("credit cancellation: %s", ps[0].Gross)
	}
}

func TestControlFindings(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	c := NewControl(day(1), day(31))
	rev := Revenue{Account: "8400"}
	mk := func(nr string, d int, gross string) *Document {
		g := dec(gross)
		v := DerivedVAT(g, dec("19"))
		return &Document{Number: nr, Date: day(d), Debitor: "10000", Lines: []Line{{Rate: dec("19"), Gross: MoneyOf(g), VAT: MoneyOf(v), Net: MoneyOf(g.Sub(v)), Country: "DE", Revenue: rev}}}
	}
	for i, d := range []*Document{mk("RE-1", 2, "119.00"), mk("RE-2", 3, "11.90"), mk("RE-5", 4, "1.19"), mk("RE-2", 5, "11.90")} {
		c.Add(d, d.Postings(""), i+2)
	}
	bad := mk("RE-6", 6, "10.00")
	ps := bad.Postings("")
	ps[0].Gross = dec("9.99") // the file holds another amount than the document
	c.Add(bad, ps, 6)
	out := mk("RE-7", 1, "10.00")
	out.Date = time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	c.Add(out, out.Postings(""), 7)
	c.Finish()
	if c.OK() {
		t.Fatal("OK despite a duplicate, a mismatch and a date outside the period")
	}
	var got []string
	for _, f := range c.Findings() {
		got = append(got, f.Document+": "+f.Problem)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"RE-2: kommt mehrfach vor (zuerst in Zeile 3)",
		"RE-6: Steuersatz 19.00 % DE: Beleg Netto/USt/Brutto 8.40/1.60/10.00, Buchungen 8.40/1.60/9.99",
		"RE-7: Belegdatum 01.02.2026 liegt außerhalb des Zeitraums 01.01.2026 bis 31.01.2026",
		": Summe Steuersatz 19.00 % DE",
		": Lücke im Nummernkreis: Nummern RE-3 bis RE-4 fehlen (2)",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("findings lack %q:\n%s", want, all)
		}
	}
	if err := c.Err(); err == nil || !strings.Contains(err.Error(), "Rechnung RE-6") {
		t.Errorf("Err %v", err)
	}
}

// The written file is read back and must hold what the check added up.
func TestControlComparesTheFile(t *testing.T) {
	h := testHeader()
	doc := &Document{Number: "GS-1", Type: Credit, Date: day(2026, 1, 9), Debitor: "10000",
		Lines: []Line{{Rate: dec("19"), Net: money("10.00"), VAT: money("1.90"), Gross: money("11.90"), Country: "DE", Revenue: Revenue{Account: "8400"}}}}
	ps := doc.Postings(doc.Text())
	var buf bytes.Buffer
	w, err := NewWriter(&buf, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if _, err := w.Write(&p.Booking); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	for _, c := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"as written", buf.Bytes(), true},
		{"another amount", bytes.Replace(buf.Bytes(), []byte("\r\n11,90;"), []byte("\r\n11,09;"), 1), false},
		{"the other side", bytes.Replace(buf.Bytes(), []byte(`;"H";`), []byte(`;"S";`), 1), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctl := NewControl(time.Time{}, time.Time{})
			ctl.Add(doc, ps, 2)
			sums := map[FileKey]decimal.Decimal{}
			if err := BookingSums(c.data, sums); err != nil {
				t.Fatal(err)
			}
			ctl.CompareFile(sums)
			if ctl.OK() != c.ok {
				t.Errorf("OK %v, findings %v", ctl.OK(), ctl.Findings())
			}
		})
	}
}

func money(s string) Money { return MoneyOf(dec(s)) }
