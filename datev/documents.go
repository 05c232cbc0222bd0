package datev

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// DocType is the type of an accounting document as the Wawi's
// accountingData names it (AccountingData.Type).
type DocType int

// The document types of GET /accountingData.
const (
	Invoice DocType = iota
	Credit
	InvoiceCorrection
	InvoiceCancellation
	CreditCancellation
	InvoiceCorrectionCancellation
	Liquidation
	LiquidationCancellation
)

var docTypeNames = []string{"Invoice", "Credit", "InvoiceCorrection", "InvoiceCancellation", "CreditCancellation",
	"InvoiceCorrectionCancellation", "Liquidation", "LiquidationCancellation"}

// German names for the control sheet and the booking text.
var docTypeGerman = []string{"Rechnung", "Gutschrift", "Rechnungskorrektur", "Rechnungsstorno", "Gutschriftstorno",
	"Storno Rechnungskorrektur", "Abrechnung", "Storno Abrechnung"}

func (t DocType) String() string {
	if t >= 0 && int(t) < len(docTypeNames) {
		return docTypeNames[t]
	}
	return strconv.Itoa(int(t))
}

// German is the type's German name.
func (t DocType) German() string {
	if t >= 0 && int(t) < len(docTypeGerman) {
		return docTypeGerman[t]
	}
	return t.String()
}

// ParseDocType takes the number (0..7) or the name (Invoice, Credit, ...).
func ParseDocType(s string) (DocType, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Invoice, nil
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < len(docTypeNames) {
		return DocType(n), nil
	}
	for i, n := range docTypeNames {
		if strings.EqualFold(n, s) {
			return DocType(i), nil
		}
	}
	return 0, fmt.Errorf("document type %q: 0..7 or %s", s, strings.Join(docTypeNames, ", "))
}

// Reverses reports whether the document undoes a sale: a credit note, a
// correction and the cancellation of an invoice are booked with Soll and
// Haben swapped; the cancellation of one of those undoes the undoing and
// books like an invoice.
func (t DocType) Reverses() bool {
	switch t {
	case Credit, InvoiceCorrection, InvoiceCancellation, LiquidationCancellation:
		return true
	}
	return false
}

// Line is one line of an accounting document (AccountDataLineItem) with
// its resolved revenue account.
type Line struct {
	Row     int // the input row, for messages
	Rate    decimal.Decimal
	Net     Money
	VAT     Money
	Gross   Money
	Country string // the sale's country ("" home)
	Revenue Revenue
}

// Document is an accounting document: an invoice, credit note or
// cancellation with its lines, as the Wawi's accountingData sends it.
type Document struct {
	Number    string
	Date      time.Time
	Type      DocType
	Reference string // the invoice a credit note or cancellation refers to
	Order     string // the sales order number
	Customer  string // name for the booking text
	Debitor   string // personal account
	Currency  string // "" or the header's currency: the amounts' currency
	Lines     []Line
}

// Direction is +1 when the document is booked with the debitor in Soll,
// -1 when it reverses. A reversing document whose gross total is negative
// carries its sign already (the Wawi sent the credit note's amounts
// negative) and is not turned round twice. The cancellation of a credit
// note or correction undoes a reversal: it books like an invoice, and a
// negative total is the sign of the reversal it cancels (sent negative
// the way the credit note was), turned round too.
func (d *Document) Direction() int {
	undoes := d.Type == CreditCancellation || d.Type == InvoiceCorrectionCancellation
	if !d.Type.Reverses() && !undoes {
		return 1
	}
	if t := d.total(); t.sign() < 0 == undoes {
		return -1
	}
	return 1
}

func (d *Document) total() exactSum {
	var total exactSum
	for _, l := range d.Lines {
		total.addSum(&l.Gross.s)
	}
	return total
}

// SignUnknown reports whether the document's sign convention cannot be
// told: a document that reverses or undoes a reversal, whose amounts of
// both signs add up to zero, may have been sent with its sign or without.
func (d *Document) SignUnknown() bool {
	if d.Type != CreditCancellation && d.Type != InvoiceCorrectionCancellation && !d.Type.Reverses() {
		return false
	}
	if t := d.total(); t.sign() != 0 {
		return false
	}
	for _, l := range d.Lines {
		if l.Gross.s.sign() != 0 {
			return true
		}
	}
	return false
}

// Posting is one booking of a document and the tax figures behind it.
type Posting struct {
	Booking Booking
	Rate    decimal.Decimal
	Country string
	Kind    Kind
	// Gross, Net and VAT signed from the debitor's side (an invoice
	// positive): Gross is the booked amount, VAT what DATEV derives from
	// it with the account's rate, Net the difference.
	Gross, Net, VAT decimal.Decimal
}

// DerivedVAT is the tax DATEV computes from a gross amount booked on an
// automatic account with the rate: gross × rate / (100 + rate), rounded
// to the cent half away from zero.
func DerivedVAT(gross, rate decimal.Decimal) decimal.Decimal {
	if rate.IsZero() {
		return decimal.Zero
	}
	hundred := decimal.NewFromInt(100)
	return gross.Mul(rate).DivRound(hundred.Add(rate), 8).Round(2)
}

type groupKey struct {
	account, euLand, country string
	kind                     Kind
}

// postingGroup is the lines of one posting: one revenue account, EU
// country, rate (by value: 19 and 19.00 are one) and country.
type postingGroup struct {
	groupKey
	rate  decimal.Decimal
	lines []Line
	// start and end bound lines in the document's while they are
	// consecutive there; end is -1 once they are a copy
	start, end int
}

// Postings books the document: per revenue account, rate and country one
// booking of the lines' gross sum (debitor to revenue account), unless the
// tax DATEV derives from that sum differs from the lines' tax; then each
// line is its own booking (a line's tax rounds back to itself when it was
// rounded from its net or gross). Lines without an amount are not booked.
func (d *Document) Postings(text string) []Posting { return d.AppendPostings(nil, text) }

// AppendPostings is Postings appended to dst: an export books one
// document after the other into the same slice.
func (d *Document) AppendPostings(dst []Posting, text string) []Posting {
	reverse := d.Direction() < 0
	// the groups in the order of their first line; a document has few, so
	// a list searched beats a map keyed by the rate's text
	var buf [4]postingGroup
	groups := buf[:0]
	for j, l := range d.Lines {
		i := 0
		for ; i < len(groups); i++ {
			g := &groups[i]
			if g.account == l.Revenue.Account && g.euLand == l.Revenue.EULandUStID && g.country == l.Country &&
				g.kind == l.Revenue.Kind && g.rate.Equal(l.Rate) {
				break
			}
		}
		if i == len(groups) {
			groups = append(groups, postingGroup{groupKey: groupKey{account: l.Revenue.Account, euLand: l.Revenue.EULandUStID,
				country: l.Country, kind: l.Revenue.Kind}, rate: l.Rate, start: j, end: j})
		}
		g := &groups[i]
		if g.end == j { // the group's lines so far run up to this one: a part of d.Lines, not a copy
			g.end++
			g.lines = d.Lines[g.start:g.end:g.end]
		} else {
			g.end = -1
			g.lines = append(g.lines, l)
		}
	}
	out := dst
	for _, grp := range groups {
		ls := grp.lines
		// the sums start from the first line, as its exponent
		grossSum, vatSum := ls[0].Gross.s, ls[0].VAT.s
		for _, l := range ls[1:] {
			grossSum.addSum(&l.Gross.s)
			vatSum.addSum(&l.VAT.s)
		}
		// the posting carries the group's total to the cent (the Wawi's
		// amounts may have four decimals)
		grossC := grossSum.cents()
		gross := grossC.value()
		var derived decimal.Decimal // DerivedVAT(gross) when the group is one posting
		if len(ls) > 1 {
			derived = derivedVAT(gross, ls[0].Rate)
		}
		parts := [][]Line{ls}
		split := len(ls) > 1 && !taxAgrees(grossSum, vatSum, startSum(derived))
		if split {
			parts = parts[:0]
			for i := range ls {
				parts = append(parts, ls[i:i+1])
			}
		}
		// split, a line in cents is booked as it is, else the cents its
		// running total adds: the parts add up to the total
		var run, ran exactSum
		for _, p := range parts {
			g := gross
			if split {
				exact := ran.equal(&run)
				run.addSum(&p[0].Gross.s)
				if exact && p[0].Gross.InCents() {
					g, ran = p[0].Gross.Decimal(), run
				} else {
					c := run.cents()
					part := difference2(c, ran)
					g, ran = part.value(), c
				}
			}
			if g.IsZero() {
				continue
			}
			if reverse {
				g = g.Neg() // as Mul(-1)
			}
			l := p[0]
			var v decimal.Decimal
			switch {
			case !split && len(ls) > 1 && reverse:
				v = derived.Neg() // DerivedVAT rounds half away from zero: symmetric
			case !split && len(ls) > 1:
				v = derived
			default:
				v = derivedVAT(g, l.Rate)
			}
			out = append(out, Posting{
				Booking: Booking{
					Umsatz: g, SollHaben: "S", Konto: d.Debitor, Gegenkonto: l.Revenue.Account,
					Belegdatum: d.Date, Belegfeld1: d.Number, Belegfeld2: d.belegfeld2(), Buchungstext: text,
					EULandUStID: l.Revenue.EULandUStID, EUSteuersatz: l.Revenue.EUSteuersatz,
				},
				Rate: l.Rate, Country: l.Country, Kind: l.Revenue.Kind, Gross: g, VAT: v, Net: difference(g, v),
			})
		}
	}
	return out
}

// difference is g.Sub(v), exponent included, without big.Int arithmetic
// where the numbers fit an int64.
func difference(g, v decimal.Decimal) decimal.Decimal {
	n := startSum(g)
	n.sub(v)
	return n.value()
}

// belegfeld2 is the invoice a reversing document refers to when it fits
// DATEV's 12 characters; the booking text names it in any case.
func (d *Document) belegfeld2() string {
	if d.Reference == "" || d.Type == Invoice {
		return ""
	}
	if utf8.RuneCountInString(d.Reference) > MaxBelegfeld2 {
		return ""
	}
	return d.Reference
}

// Text is the booking text: type, number, the referenced invoice of a
// correction and the customer, cut to 60 characters by the writer.
func (d *Document) Text() string {
	parts := []string{d.Type.German(), d.Number}
	if d.Type != Invoice && d.Type != Liquidation {
		switch {
		case d.Reference != "":
			parts = append(parts, "zu "+d.Reference)
		case d.Order != "":
			parts = append(parts, "zu Auftrag "+d.Order)
		}
	}
	if d.Customer != "" {
		parts = append(parts, d.Customer)
	}
	t := strings.Join(parts, " ")
	if utf8.RuneCountInString(t) > MaxBuchungstxt {
		t = string([]rune(t)[:MaxBuchungstxt]) // the customer's name is cut, the numbers stay
	}
	return t
}
