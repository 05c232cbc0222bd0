package datev

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"
)

// Kind is the tax treatment of a sale, which picks its revenue account.
type Kind string

// The treatments the default accounts cover.
const (
	Domestic Kind = "domestic" // taxed at home (19 %, 7 %); also an EU sale below the OSS threshold
	IntraEU  Kind = "intra_eu" // tax-free intra-EU delivery to a business with a VAT id (§ 4 Nr. 1b UStG)
	Export   Kind = "export"   // tax-free export to a third country (§ 4 Nr. 1a UStG)
	OSS      Kind = "oss"      // distance sale taxed in the EU destination country (One-Stop-Shop)
)

// Default revenue accounts (Erlöskonten) of DATEV's standard charts. All
// are automatic accounts (AM): DATEV takes the tax from the account, so
// their bookings carry no BU-Schlüssel.
//
//   - 8400/4400 Erlöse 19 % USt, 8300/4300 Erlöse 7 % USt: DATEV
//     Kontenrahmen SKR 03 and SKR 04 (DATEV-Kontenrahmen nach dem
//     Bilanzrichtlinie-Umsetzungsgesetz, Art.-Nr. 11174 and 11175).
//   - 8125/4125 Steuerfreie innergemeinschaftliche Lieferungen § 4 Nr. 1b
//     UStG, with the recipient's VAT id in "EU-Land u. UStID" for the
//     Zusammenfassende Meldung: same charts.
//   - 8120/4120 Steuerfreie Umsätze § 4 Nr. 1a UStG (Ausfuhr Drittland):
//     same charts.
//   - 8320/4320 Erlöse aus im anderen EU-Land steuerpflichtigen Lieferungen
//     (OSS, Fernverkauf über der Lieferschwelle), with the destination
//     country in "EU-Land u. UStID (Bestimmung)" and its rate in
//     "EU-Steuersatz (Bestimmung)": http://www.taxpool.net/HTML/oss_fernverkauf_an_privatperso.htm
//     ("8320-8329 (SKR03) / 4320-4329 (SKR04): Erlöse im anderen EU-Land
//     steuerpflichtigen Lieferungen"), and the booking example of
//     https://www.steuerberater-pressler.de/im_anderen_eu-land_steuerpflichtige_lieferungen_-_lieferschwelle_uberschritten/
//     (Debitor 10000 / 8320 in SKR 03, / 4320 in SKR 04).
//
// The debitor range 10000-69999 (Sachkontenlänge 4, personal accounts five
// digits) is the same in both charts.
var defaultRevenue = map[Chart]struct {
	rate19, rate7, intraEU, export, oss string
}{
	SKR03: {rate19: "8400", rate7: "8300", intraEU: "8125", export: "8120", oss: "8320"},
	SKR04: {rate19: "4400", rate7: "4300", intraEU: "4125", export: "4120", oss: "4320"},
}

var rate19, rate7 = decimal.NewFromInt(19), decimal.NewFromInt(7)

// DefaultRevenueAccount is the chart's account for a treatment and rate,
// "" when the chart has no default for it (a domestic rate other than 19 or
// 7 %): the job then needs a rule.
func DefaultRevenueAccount(c Chart, k Kind, rate decimal.Decimal) string {
	d, ok := defaultRevenue[c]
	if !ok {
		return ""
	}
	switch k {
	case Domestic:
		switch {
		case rate.Equal(rate19):
			return d.rate19
		case rate.Equal(rate7):
			return d.rate7
		}
	case IntraEU:
		return d.intraEU
	case Export:
		return d.export
	case OSS:
		return d.oss
	}
	return ""
}

// euCountries are the member states (ISO 3166 codes; Greece's VAT prefix is
// EL, its country code GR, both are accepted). XI, Northern Ireland, counts
// for goods.
var euCountries = map[string]bool{
	"AT": true, "BE": true, "BG": true, "CY": true, "CZ": true, "DE": true, "DK": true, "EE": true, "ES": true,
	"FI": true, "FR": true, "GR": true, "EL": true, "HR": true, "HU": true, "IE": true, "IT": true, "LT": true,
	"LU": true, "LV": true, "MT": true, "NL": true, "PL": true, "PT": true, "RO": true, "SE": true, "SI": true,
	"SK": true, "XI": true,
}

// IsEU reports whether an ISO country code is an EU member state.
func IsEU(country string) bool { return euCountries[strings.ToUpper(country)] }

// Sale is what decides a line's revenue account.
type Sale struct {
	Rate       decimal.Decimal // VAT rate in percent
	Country    string          // ISO code of the destination (shipment) country; "" is home
	VATID      string          // the customer's VAT id, "" for none
	CreditNote bool            // the document reverses a sale (credit note, cancellation)
	Account    string          // the account the source names (the Wawi's GeneralLedgerAccount), "" for none
}

// Rule is one rule of a job's accounts: every condition set must hold; the
// first rule that matches gives the account.
type Rule struct {
	Rate       *decimal.Decimal
	Countries  []string // ISO codes; "EU" matches any member state but home, "THIRD" any other country
	VATID      *bool    // the customer has a VAT id
	CreditNote *bool
	Account    string
}

// Accounts picks a sale's revenue account: the account the source names,
// else the first matching rule, else the chart's default for the sale's
// treatment.
type Accounts struct {
	Chart Chart
	Home  string // the merchant's country, default DE
	// NoOSS: the merchant does not use the One-Stop-Shop, so a taxed sale to
	// another EU country is taxed at home (below the threshold).
	NoOSS bool
	Rules []Rule
	// IgnoreSource: rules and defaults even where the source names an
	// account.
	IgnoreSource bool
}

// Revenue is the account of a line and what the booking says with it.
type Revenue struct {
	Account string
	Kind    Kind
	// EULandUStID is column 40: the VAT id for an intra-EU delivery, the
	// destination country for an OSS sale.
	EULandUStID string
	// EUSteuersatz is column 41, the destination country's rate (OSS).
	EUSteuersatz decimal.NullDecimal
	// From says where the account came from: "source", "rule N", "SKR03".
	From string
}

func (a *Accounts) home() string {
	if a.Home == "" {
		return "DE"
	}
	return strings.ToUpper(a.Home)
}

// Classify gives a sale's treatment: a foreign EU sale with a VAT id and
// no tax is intra-EU, a third-country sale without tax an export, a taxed
// foreign EU sale OSS (unless NoOSS); everything else domestic.
func (a *Accounts) Classify(s Sale) Kind {
	c := strings.ToUpper(strings.TrimSpace(s.Country))
	if c == "" || c == a.home() {
		return Domestic
	}
	zero := s.Rate.IsZero()
	switch {
	case IsEU(c) && zero && strings.TrimSpace(s.VATID) != "":
		return IntraEU
	case IsEU(c) && !zero && !a.NoOSS:
		return OSS
	case !IsEU(c) && zero:
		return Export
	}
	return Domestic
}

// Revenue resolves a sale's revenue account.
func (a *Accounts) Revenue(s Sale) (Revenue, error) {
	k := a.Classify(s)
	r := Revenue{Kind: k}
	country := strings.ToUpper(strings.TrimSpace(s.Country))
	switch k {
	case IntraEU:
		// DATEV wants the VAT id with its country prefix
		r.EULandUStID = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s.VATID), " ", ""))
	case OSS:
		r.EULandUStID = country
		r.EUSteuersatz = decimal.NullDecimal{Decimal: s.Rate, Valid: true}
	}
	if acc := strings.TrimSpace(s.Account); acc != "" && !a.IgnoreSource {
		r.Account, r.From = acc, "source"
		return r, nil
	}
	for i, rule := range a.Rules {
		if rule.matches(s, country, a) {
			r.Account, r.From = rule.Account, fmt.Sprintf("rule %d", i+1)
			return r, nil
		}
	}
	if acc := DefaultRevenueAccount(a.Chart, k, s.Rate); acc != "" {
		r.Account, r.From = acc, string(a.Chart)
		return r, nil
	}
	switch {
	case a.Chart == "":
		return r, fmt.Errorf("no revenue account: the source names none, no rule matches (rate %s %%, country %q) and no chart (SKR03, SKR04) gives a default", s.Rate, country)
	case k == Domestic && s.Rate.IsZero() && country != "" && country != a.home() && IsEU(country):
		return r, fmt.Errorf("no revenue account for a tax-free sale to %s without a VAT id: an intra-EU delivery needs the customer's VAT id; add a rule", country)
	}
	return r, fmt.Errorf("no revenue account for rate %s %% (%s, country %q): %s has defaults for 19 and 7 %% at home, intra-EU deliveries, exports and OSS; add a rule", s.Rate, k, country, a.Chart)
}

func (r *Rule) matches(s Sale, country string, a *Accounts) bool {
	if r.Rate != nil && !r.Rate.Equal(s.Rate) {
		return false
	}
	if r.VATID != nil && *r.VATID != (strings.TrimSpace(s.VATID) != "") {
		return false
	}
	if r.CreditNote != nil && *r.CreditNote != s.CreditNote {
		return false
	}
	if len(r.Countries) == 0 {
		return true
	}
	if country == "" {
		country = a.home()
	}
	for _, c := range r.Countries {
		switch c = strings.ToUpper(c); {
		case c == country:
			return true
		case c == "EU" && IsEU(country) && country != a.home():
			return true
		case c == "THIRD" && !IsEU(country):
			return true
		}
	}
	return false
}

// Debitors gives a document's personal account: the one the source names,
// else the customer's own (PerCustomer), else the collective account.
type Debitors struct {
	// Collective is the Sammeldebitor, also the fallback for customers
	// without a number that fits.
	Collective string
	// PerCustomer: First + the digits of the customer number, within
	// First..Last (default 10000..69999 for Sachkontenlänge 4).
	PerCustomer bool
	First, Last int64
}

// Account resolves the debitor of a document.
func (d *Debitors) Account(fromSource, customerNumber string) (string, error) {
	if a := strings.TrimSpace(fromSource); a != "" {
		return a, nil
	}
	if d.PerCustomer {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, customerNumber)
		digits = strings.TrimLeft(digits, "0")
		if digits != "" && len(digits) <= 12 {
			n, _ := decimal.NewFromString(digits)
			acc := n.IntPart() + d.First
			if acc <= d.Last {
				return fmt.Sprint(acc), nil
			}
		}
		if d.Collective != "" {
			return d.Collective, nil
		}
		return "", fmt.Errorf("customer number %q gives no debitor within %d..%d (%d + its digits) and there is no collective debitor to fall back to", customerNumber, d.First, d.Last, d.First)
	}
	if d.Collective == "" {
		return "", fmt.Errorf("no debitor: set accounts.debitor (collective or per_customer)")
	}
	return d.Collective, nil
}
