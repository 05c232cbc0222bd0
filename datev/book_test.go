package datev

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// bookReference books the documents as an export did before Booker: the
// postings, AppendBooking of each, Control.Add. It returns the lines and
// notes in the order written.
func bookReference(h *Header, c *Control, docs []*Document) (lines []string, notes [][]Note) {
	var row Row
	for i, d := range docs {
		postings := d.AppendPostings(nil, d.Text())
		var written []Posting
		for _, p := range postings {
			enc, ns, err := AppendBooking(nil, h, &p.Booking, &row)
			if err != nil {
				c.Fail(d.Number, i+2, "Buchung nicht möglich: "+err.Error(), "cannot be booked: "+err.Error())
				continue
			}
			lines, notes = append(lines, string(enc)), append(notes, ns)
			written = append(written, p)
		}
		c.Add(d, written, i+2)
	}
	return lines, notes
}

func bookWith(t *testing.T, h *Header, c *Control, docs []*Document) (lines []string, notes [][]Note) {
	t.Helper()
	b := NewBooker(c)
	for i, d := range docs {
		err := b.Book(h, d, i+2, func(line []byte, ns []Note) error {
			lines, notes = append(lines, string(line)), append(notes, ns)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return lines, notes
}

// controlState is what a Control shows: findings, counts, sums per rate
// and country and per account, exponents included.
func controlState(c *Control) string {
	c.Finish()
	var b strings.Builder
	dec := func(d decimal.Decimal) string { return fmt.Sprintf("%s(e%d)", d, d.Exponent()) }
	fmt.Fprintf(&b, "documents %d bookings %d ok %v\n", c.Documents, c.Bookings, c.OK())
	for _, f := range c.Findings() {
		fmt.Fprintf(&b, "finding %+v\n", f)
	}
	for _, k := range c.TaxKeys() {
		s, f := c.Sum(k)
		fmt.Fprintf(&b, "tax %v: %s %s %s / %s %s %s\n", k, dec(s.Net), dec(s.VAT), dec(s.Gross), dec(f.Net), dec(f.VAT), dec(f.Gross))
	}
	keys, sums := c.Accounts()
	for i, k := range keys {
		fmt.Fprintf(&b, "account %v: %s %d\n", k, dec(sums[i].Umsatz), sums[i].Bookings)
	}
	return b.String()
}

// randomDocs are documents of every kind an export meets, the odd ones
// included: values to clean or refuse, amounts of any exponent, beyond
// int64, zero; duplicates, dates outside the period.
func randomDocs(r *rand.Rand, n int) []*Document {
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	rates := []decimal.Decimal{dec("19"), dec("19"), dec("7"), dec("0"), dec("19.00"), dec("20"), dec("5.5"), decimal.New(2, 1), dec("16.125")}
	var docs []*Document
	for i := range n {
		d := &Document{Type: DocType(r.IntN(8)), Date: day(2026, 1, 1+r.IntN(31)), Debitor: "10000",
			Number: fmt.Sprintf("RE-%d", 1000+i), Customer: pick("", "Muster GmbH", `Müller "Schrauben" GmbH`, "Erika Mustermann")}
		switch r.IntN(40) {
		case 0:
			d.Number = pick("RE 1/ä", "", strings.Repeat("9", 40), "RE-0012", "RE-12", "X", "RE-1000", "A12345678901234567890")
		case 1:
			d.Customer = pick("Łódź Sp. z o.o.", "Zeile\nzwei", strings.Repeat("Langer Name ", 8), "Café € ß", "bad \xff utf8", "\u0085x")
		case 2:
			d.Debitor = pick("0999", "abc", "", "123456")
		case 3:
			d.Date = pick2(r, day(2026, 2, 1), day(2025, 12, 31))
		case 4:
			d.Type = DocType(9)
		}
		if d.Type != Invoice {
			d.Reference = pick("", "RE-1001", "RE-100000000000001", `R"1"`)
			d.Order = pick("", "AU-7")
		}
		for range r.IntN(6) {
			rate := rates[r.IntN(len(rates))]
			exp := int32(-2)
			switch r.IntN(30) {
			case 0:
				exp = 0
			case 1:
				exp = -1
			case 2:
				exp = -3
			}
			g := decimal.New(r.Int64N(50000)-2000, exp)
			switch r.IntN(60) {
			case 0:
				g = decimal.Zero
			case 1:
				g = dec("123456789012.34")
			case 2:
				g = dec("123456789012345678901234.5")
			}
			v := DerivedVAT(g, rate)
			if r.IntN(8) == 0 {
				v = v.Add(dec("0.01"))
			}
			net := g.Sub(v)
			if r.IntN(50) == 0 {
				net = net.Add(dec("1"))
			}
			l := Line{Row: r.IntN(100), Rate: rate, Gross: MoneyOf(g), VAT: MoneyOf(v), Net: MoneyOf(net),
				Country: pick("DE", "DE", "AT", "FR", "CH"),
				Revenue: Revenue{Account: pick("8400", "8400", "8300", "8125", "84000"), Kind: Kind(pick("domestic", "oss", "intra_eu"))}}
			switch r.IntN(30) {
			case 0:
				l.Revenue.Account = pick("x", "", "0123", "123456789")
			case 1:
				l.Revenue.EULandUStID = pick("FR12345678901", "AT", "X\tY", strings.Repeat("A", 16), "ÄÖ")
			case 2:
				l.Revenue.EUSteuersatz = decimal.NewNullDecimal(pick2(r, dec("20"), dec("20.00"), dec("100"), dec("-1"), dec("20.005"), dec("5.5")))
			}
			d.Lines = append(d.Lines, l)
		}
		docs = append(docs, d)
	}
	// a document seen twice
	docs = append(docs, docs[3], docs[len(docs)/2])
	return docs
}

func pick2[T any](r *rand.Rand, v ...T) T { return v[r.IntN(len(v))] }

// Booker writes the lines and notes, and the control finds and adds up,
// what the reference way does, document for document.
func TestBookerIsReference(t *testing.T) {
	h := testHeader()
	for seed := range uint64(20) {
		docs := randomDocs(rand.New(rand.NewPCG(seed, 7)), 400)
		from, to := time.Time{}, time.Time{}
		if seed%2 == 1 {
			from, to = day(2026, 1, 2), day(2026, 1, 30)
		}
		want, wantC := NewControl(from, to), NewControl(from, to)
		_ = wantC
		wantLines, wantNotes := bookReference(&h, want, docs)
		got := NewControl(from, to)
		gotLines, gotNotes := bookWith(t, &h, got, docs)
		if len(gotLines) != len(wantLines) {
			t.Fatalf("seed %d: %d lines, want %d", seed, len(gotLines), len(wantLines))
		}
		for i := range wantLines {
			if gotLines[i] != wantLines[i] {
				t.Fatalf("seed %d line %d:\n got %q\nwant %q", seed, i, gotLines[i], wantLines[i])
			}
		}
		if !reflect.DeepEqual(gotNotes, wantNotes) {
			t.Errorf("seed %d: notes %v, want %v", seed, gotNotes, wantNotes)
		}
		if g, w := controlState(got), controlState(want); g != w {
			t.Errorf("seed %d: control\n%s\nwant\n%s", seed, g, w)
		}
	}
}

// The common documents take the fast way: the test above would pass
// with every document booked the reference way.
func TestBookerCommonDocumentsArePrepared(t *testing.T) {
	h := testHeader()
	b := NewBooker(NewControl(time.Time{}, time.Time{}))
	for _, d := range []*Document{
		{Number: "RE-1", Type: Invoice, Date: day(2026, 1, 5), Debitor: "10000", Customer: "Müller GmbH"},
		{Number: "GS-1", Type: Credit, Date: day(2026, 1, 31), Debitor: "10000", Reference: "RE-1", Customer: `"Zitat" & Co`},
		{Number: "STO400001", Type: InvoiceCancellation, Date: day(2026, 1, 1), Debitor: "10000", Order: "AU-1"},
	} {
		if !b.prepare(&h, d) {
			t.Errorf("%s is not prepared", d.Number)
		}
	}
}

// A number is a duplicate when type and number are the same, leading
// zeros and all: the control keeps the numbers of a series as numbers.
func TestControlDuplicatesByNumber(t *testing.T) {
	c := NewControl(time.Time{}, time.Time{})
	long := "RE-" + strings.Repeat("1", 19) // too long a suffix for an int64
	for i, d := range []struct {
		t  DocType
		nr string
	}{
		{Invoice, "RE-7"}, {Invoice, "RE-007"}, {Invoice, "RE-7"}, {Credit, "RE-7"}, {Invoice, "RE-07"},
		{Invoice, "X"}, {Invoice, "X"}, {Invoice, long}, {Invoice, long}, {Invoice, "7"}, {Invoice, "07"},
		{Invoice, "RE-007"}, {Invoice, "7"}, {Invoice, "RF-7"}, {Invoice, "RE-07"}, {Invoice, "RE-8"}, {Invoice, "RE-6"},
	} {
		c.Add(&Document{Number: d.nr, Type: d.t, Date: day(2026, 1, 5), Debitor: "10000"}, nil, i+2)
	}
	var got []string
	for _, f := range c.Findings() {
		if f.Stops {
			got = append(got, fmt.Sprintf("%d %s: %s", f.Row, f.Document, f.Problem))
		}
	}
	want := []string{
		"4 RE-7: kommt mehrfach vor (zuerst in Zeile 2): jeder Beleg genau einmal",
		"8 X: kommt mehrfach vor (zuerst in Zeile 7): jeder Beleg genau einmal",
		"10 " + long + ": kommt mehrfach vor (zuerst in Zeile 9): jeder Beleg genau einmal",
		"13 RE-007: kommt mehrfach vor (zuerst in Zeile 3): jeder Beleg genau einmal",
		"14 7: kommt mehrfach vor (zuerst in Zeile 11): jeder Beleg genau einmal",
		"16 RE-07: kommt mehrfach vor (zuerst in Zeile 6): jeder Beleg genau einmal",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
