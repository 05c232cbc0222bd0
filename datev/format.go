// Package datev writes and checks the DATEV format (Buchungsstapel, EXTF)
// that German tax advisers import bookings from. It knows nothing of the
// Wawi: a Header and Bookings in, a file out; a file in, violations out.
//
// The rules follow DATEV's format description for header version 700,
// data category 21 (Buchungsstapel), format version 13:
//
//   - https://developer.datev.de/datev/platform/de/dtvf/formate/header
//   - https://developer.datev.de/datev/platform/de/dtvf/formate/buchungsstapel
//
// and were compared with two open implementations: OCA's
// datev_export_dtvf (github.com/OCA/l10n-germany,
// datev_export_dtvf/datev.py: the 31 header fields, the column names of
// format version 12 — version 13 adds "Abw. Skontokonto" — their lengths
// and which are quoted) and alyf-de's erpnext_datev
// (erpnext_datev/utils/datev_constants.py: the columns with DATEV's notes,
// e.g. that Skonto 0 is not allowed).
//
// The file: Windows-1252, fields separated by ';', lines ended by CRLF; line
// 1 the header (31 fields), line 2 the column names (125), then one line
// per booking. Text fields are quoted with inner quotes doubled; numbers,
// amounts, dates and accounts are not; an empty field is empty.
package datev

import (
	"fmt"
	"strings"
	"time"
)

// Limits of a Buchungsstapel.
const (
	HeaderFields   = 31
	Columns        = 125
	MaxBookings    = 99999 // bookings per file
	MaxBelegfeld1  = 36
	MaxBelegfeld2  = 12
	MaxBuchungstxt = 60
	MaxBezeichnung = 30
	MaxDiktat      = 2
)

// ColumnNames are the 125 columns of format version 13, in file order
// (from Row's tags).
var ColumnNames = func() (n [Columns]string) {
	for i, f := range rowFields {
		n[i] = f.name
	}
	return n
}()

// Column positions (1-based, as DATEV numbers them) of the fields this
// package writes and checks.
const (
	ColUmsatz         = 1
	ColSollHaben      = 2
	ColWKZUmsatz      = 3
	ColKurs           = 4
	ColBasisUmsatz    = 5
	ColKonto          = 7
	ColGegenkonto     = 8
	ColBUSchluessel   = 9
	ColBelegdatum     = 10
	ColBelegfeld1     = 11
	ColBelegfeld2     = 12
	ColSkonto         = 13
	ColBuchungstext   = 14
	ColKOST1          = 37
	ColKOST2          = 38
	ColEULandUStID    = 40
	ColLeistungsdatum = 115
)

// Chart is the chart of accounts the header names (field 27, SKR).
type Chart string

// The charts of accounts DATEV's standard SKR 03 and SKR 04.
const (
	SKR03 Chart = "SKR03"
	SKR04 Chart = "SKR04"
)

// Header is the first line of a Buchungsstapel (31 fields). Fields the
// struct does not name are written empty or with their fixed value.
type Header struct {
	Created          time.Time // Erzeugt am (field 6)
	Beraternummer    int       // 11: 1001..9999999
	Mandantennummer  int       // 12: 1..99999
	WJBeginn         time.Time // 13: first day of the fiscal year
	Sachkontenlaenge int       // 14: 4..8 (personal accounts have one digit more)
	DatumVom         time.Time // 15: period of the bookings, within one fiscal year
	DatumBis         time.Time // 16
	Bezeichnung      string    // 17: ≤ 30
	Diktatkuerzel    string    // 18: ≤ 2
	Festschreibung   bool      // 21: false (0) lets the adviser review before locking
	WKZ              string    // 22: currency, default EUR
	Chart            Chart     // 27: "03" or "04" (hint for the adviser)
	ExportiertVon    string    // 9: the program or user that wrote the file
}

// Validate checks the header's own rules; the errors name the fields.
func (h *Header) Validate() error {
	var errs []string
	if h.Beraternummer < 1001 || h.Beraternummer > 9999999 {
		errs = append(errs, fmt.Sprintf("Beraternummer %d is not within 1001..9999999", h.Beraternummer))
	}
	if h.Mandantennummer < 1 || h.Mandantennummer > 99999 {
		errs = append(errs, fmt.Sprintf("Mandantennummer %d is not within 1..99999", h.Mandantennummer))
	}
	if h.Sachkontenlaenge < 4 || h.Sachkontenlaenge > 8 {
		errs = append(errs, fmt.Sprintf("Sachkontenlänge %d is not within 4..8", h.Sachkontenlaenge))
	}
	if h.WJBeginn.IsZero() || h.DatumVom.IsZero() || h.DatumBis.IsZero() {
		errs = append(errs, "WJ-Beginn, Datum vom and Datum bis are required")
	} else if msg := periodProblem(h.WJBeginn, h.DatumVom, h.DatumBis); msg != "" {
		errs = append(errs, msg)
	}
	if n := len([]rune(h.Bezeichnung)); n > MaxBezeichnung {
		errs = append(errs, fmt.Sprintf("Bezeichnung has %d characters, at most %d", n, MaxBezeichnung))
	}
	if n := len([]rune(h.Diktatkuerzel)); n > MaxDiktat {
		errs = append(errs, fmt.Sprintf("Diktatkürzel has %d characters, at most %d", n, MaxDiktat))
	}
	if h.WKZ != "" && !isCurrency(h.WKZ) {
		errs = append(errs, fmt.Sprintf("WKZ %q is not an ISO currency code", h.WKZ))
	}
	if h.Chart != "" && h.Chart != SKR03 && h.Chart != SKR04 {
		errs = append(errs, fmt.Sprintf("chart %q: use SKR03 or SKR04", h.Chart))
	}
	if len(errs) > 0 {
		return fmt.Errorf("datev header: %s", strings.Join(errs, "; "))
	}
	return nil
}

// periodProblem: Datum vom ≤ Datum bis, both within the fiscal year that
// starts at WJ-Beginn (DATEV refuses a batch across fiscal years).
func periodProblem(wj, vom, bis time.Time) string {
	end := wj.AddDate(1, 0, 0)
	switch {
	case bis.Before(vom):
		return fmt.Sprintf("Datum bis %s is before Datum vom %s", bis.Format("20060102"), vom.Format("20060102"))
	case vom.Before(wj) || !bis.Before(end):
		return fmt.Sprintf("period %s..%s is not within the fiscal year starting %s", vom.Format("20060102"), bis.Format("20060102"), wj.Format("20060102"))
	}
	return ""
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// belegfeld1OK reports whether c is one of the characters DATEV allows in
// Belegfeld 1: letters, digits and $ & % * + - /.
func belegfeld1OK(c rune) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.ContainsRune("$&%*+-/", c)
}
