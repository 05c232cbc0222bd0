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

// ColumnNames are the 125 columns of format version 13, in file order.
var ColumnNames = [Columns]string{
	"Umsatz (ohne Soll/Haben-Kz)", "Soll/Haben-Kennzeichen", "WKZ Umsatz", "Kurs", "Basis-Umsatz",
	"WKZ Basis-Umsatz", "Konto", "Gegenkonto (ohne BU-Schlüssel)", "BU-Schlüssel", "Belegdatum",
	"Belegfeld 1", "Belegfeld 2", "Skonto", "Buchungstext", "Postensperre",
	"Diverse Adressnummer", "Geschäftspartnerbank", "Sachverhalt", "Zinssperre", "Beleglink",
	"Beleginfo - Art 1", "Beleginfo - Inhalt 1", "Beleginfo - Art 2", "Beleginfo - Inhalt 2", "Beleginfo - Art 3",
	"Beleginfo - Inhalt 3", "Beleginfo - Art 4", "Beleginfo - Inhalt 4", "Beleginfo - Art 5", "Beleginfo - Inhalt 5",
	"Beleginfo - Art 6", "Beleginfo - Inhalt 6", "Beleginfo - Art 7", "Beleginfo - Inhalt 7", "Beleginfo - Art 8",
	"Beleginfo - Inhalt 8", "KOST1 - Kostenstelle", "KOST2 - Kostenstelle", "Kost-Menge", "EU-Land u. UStID (Bestimmung)",
	"EU-Steuersatz (Bestimmung)", "Abw. Versteuerungsart", "Sachverhalt L+L", "Funktionsergänzung L+L", "BU 49 Hauptfunktionstyp",
	"BU 49 Hauptfunktionsnummer", "BU 49 Funktionsergänzung", "Zusatzinformation - Art 1", "Zusatzinformation- Inhalt 1", "Zusatzinformation - Art 2",
	"Zusatzinformation- Inhalt 2", "Zusatzinformation - Art 3", "Zusatzinformation- Inhalt 3", "Zusatzinformation - Art 4", "Zusatzinformation- Inhalt 4",
	"Zusatzinformation - Art 5", "Zusatzinformation- Inhalt 5", "Zusatzinformation - Art 6", "Zusatzinformation- Inhalt 6", "Zusatzinformation - Art 7",
	"Zusatzinformation- Inhalt 7", "Zusatzinformation - Art 8", "Zusatzinformation- Inhalt 8", "Zusatzinformation - Art 9", "Zusatzinformation- Inhalt 9",
	"Zusatzinformation - Art 10", "Zusatzinformation- Inhalt 10", "Zusatzinformation - Art 11", "Zusatzinformation- Inhalt 11", "Zusatzinformation - Art 12",
	"Zusatzinformation- Inhalt 12", "Zusatzinformation - Art 13", "Zusatzinformation- Inhalt 13", "Zusatzinformation - Art 14", "Zusatzinformation- Inhalt 14",
	"Zusatzinformation - Art 15", "Zusatzinformation- Inhalt 15", "Zusatzinformation - Art 16", "Zusatzinformation- Inhalt 16", "Zusatzinformation - Art 17",
	"Zusatzinformation- Inhalt 17", "Zusatzinformation - Art 18", "Zusatzinformation- Inhalt 18", "Zusatzinformation - Art 19", "Zusatzinformation- Inhalt 19",
	"Zusatzinformation - Art 20", "Zusatzinformation- Inhalt 20", "Stück", "Gewicht", "Zahlweise",
	"Forderungsart", "Veranlagungsjahr", "Zugeordnete Fälligkeit", "Skontotyp", "Auftragsnummer",
	"Buchungstyp", "USt-Schlüssel (Anzahlungen)", "EU-Land (Anzahlungen)", "Sachverhalt L+L (Anzahlungen)", "EU-Steuersatz (Anzahlungen)",
	"Erlöskonto (Anzahlungen)", "Herkunft-Kz", "Buchungs GUID", "KOST-Datum", "SEPA-Mandatsreferenz",
	"Skontosperre", "Gesellschaftername", "Beteiligtennummer", "Identifikationsnummer", "Zeichnernummer",
	"Postensperre bis", "Bezeichnung SoBil-Sachverhalt", "Kennzeichen SoBil-Buchung", "Festschreibung", "Leistungsdatum",
	"Datum Zuord. Steuerperiode", "Fälligkeit", "Generalumkehr (GU)", "Steuersatz", "Land",
	"Abrechnungsreferenz", "BVV-Position", "EU-Land u. UStID (Ursprung)", "EU-Steuersatz (Ursprung)", "Abw. Skontokonto",
}

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

// numeric are the columns written without quotes (amounts, rates,
// accounts, dates, flags, numbers); every other non-empty field is text and
// quoted. The split follows DATEV's field types (Betrag, Zahl, Konto, Datum
// versus Text), as OCA's datev_export_dtvf (datev_export_dtvf/datev.py)
// quotes them.
var numeric = func() map[int]bool {
	m := map[int]bool{}
	for _, c := range []int{1, 4, 5, 7, 8, 10, 13, 15, 17, 18, 19, 39, 41, 43, 44, 45, 46, 47,
		88, 89, 90, 92, 93, 94, 97, 99, 100, 101, 104, 106, 108, 111, 113, 114, 115, 116, 117, 119, 122, 124, 125} {
		m[c] = true
	}
	return m
}()

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
