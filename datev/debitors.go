package datev

import (
	"bufio"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// Debitoren/Kreditoren (data category 16, format version 5): the personal
// accounts with names and addresses, so the adviser's debitors are named.
// The 254 columns follow DATEV's format description
// (https://developer.datev.de/datev/platform/de/dtvf/formate/stammdaten/debitoren-kreditoren)
// as alyf-de's erpnext_datev lists them
// (erpnext_datev/utils/datev_constants.py, DEBTOR_CREDITOR_COLUMNS, format
// version 5; it numbers the "Leerfeld" columns to tell them apart, DATEV's
// own files do not). The header is the Buchungsstapel's, with category 16,
// format name "Debitoren/Kreditoren", version 5 and no period, currency or
// Buchungstyp (erpnext_datev/utils/datev_csv.py, get_header).
const (
	DebitorCategory = 16
	DebitorVersion  = 5
	DebitorFields   = 254
	DebitorFormat   = "Debitoren/Kreditoren"
)

// DebitorColumnNames are the 254 columns of format version 5, in file order.
var DebitorColumnNames = [DebitorFields]string{
	"Konto", "Name (Adressatentyp Unternehmen)", "Unternehmensgegenstand",
	"Name (Adressatentyp natürl. Person)", "Vorname (Adressatentyp natürl. Person)",
	"Name (Adressatentyp keine Angabe)", "Adressatentyp", "Kurzbezeichnung", "EU-Land", "EU-USt-IdNr.",
	"Anrede", "Titel/Akad. Grad", "Adelstitel", "Namensvorsatz", "Adressart", "Straße", "Postfach",
	"Postleitzahl", "Ort", "Land", "Versandzusatz", "Adresszusatz", "Abweichende Anrede",
	"Abw. Zustellbezeichnung 1", "Abw. Zustellbezeichnung 2", "Kennz. Korrespondenzadresse",
	"Adresse gültig von", "Adresse gültig bis", "Telefon", "Bemerkung (Telefon)", "Telefon Geschäftsleitung",
	"Bemerkung (Telefon GL)", "E-Mail", "Bemerkung (E-Mail)", "Internet", "Bemerkung (Internet)", "Fax",
	"Bemerkung (Fax)", "Sonstige", "Bemerkung (Sonstige)", "Bankleitzahl 1", "Bankbezeichnung 1",
	"Bankkonto-Nummer 1", "Länderkennzeichen 1", "IBAN 1", "Leerfeld", "SWIFT-Code 1", "Abw. Kontoinhaber 1",
	"Kennz. Haupt-Bankverb. 1", "Bankverb. 1 Gültig von", "Bankverb. 1 Gültig bis", "Bankleitzahl 2",
	"Bankbezeichnung 2", "Bankkonto-Nummer 2", "Länderkennzeichen 2", "IBAN 2", "Leerfeld", "SWIFT-Code 2",
	"Abw. Kontoinhaber 2", "Kennz. Haupt-Bankverb. 2", "Bankverb. 2 gültig von", "Bankverb. 2 gültig bis",
	"Bankleitzahl 3", "Bankbezeichnung 3", "Bankkonto-Nummer 3", "Länderkennzeichen 3", "IBAN 3", "Leerfeld",
	"SWIFT-Code 3", "Abw. Kontoinhaber 3", "Kennz. Haupt-Bankverb. 3", "Bankverb. 3 gültig von",
	"Bankverb. 3 gültig bis", "Bankleitzahl 4", "Bankbezeichnung 4", "Bankkonto-Nummer 4",
	"Länderkennzeichen 4", "IBAN 4", "Leerfeld", "SWIFT-Code 4", "Abw. Kontoinhaber 4",
	"Kennz. Haupt-Bankverb. 4", "Bankverb. 4 Gültig von", "Bankverb. 4 Gültig bis", "Bankleitzahl 5",
	"Bankbezeichnung 5", "Bankkonto-Nummer 5", "Länderkennzeichen 5", "IBAN 5", "Leerfeld", "SWIFT-Code 5",
	"Abw. Kontoinhaber 5", "Kennz. Haupt-Bankverb. 5", "Bankverb. 5 gültig von", "Bankverb. 5 gültig bis",
	"Leerfeld", "Briefanrede", "Grußformel", "Kundennummer", "Steuernummer", "Sprache", "Ansprechpartner",
	"Vertreter", "Sachbearbeiter", "Diverse-Konto", "Ausgabeziel", "Währungssteuerung", "Kreditlimit (Debitor)",
	"Zahlungsbedingung", "Fälligkeit in Tagen (Debitor)", "Skonto in Prozent (Debitor)",
	"Kreditoren-Ziel 1 (Tage)", "Kreditoren-Skonto 1 (%)", "Kreditoren-Ziel 2 (Tage)",
	"Kreditoren-Skonto 2 (%)", "Kreditoren-Ziel 3 Brutto (Tage)", "Kreditoren-Ziel 4 (Tage)",
	"Kreditoren-Skonto 4 (%)", "Kreditoren-Ziel 5 (Tage)", "Kreditoren-Skonto 5 (%)", "Mahnung", "Kontoauszug",
	"Mahntext 1", "Mahntext 2", "Mahntext 3", "Kontoauszugstext", "Mahnlimit Betrag", "Mahnlimit %",
	"Zinsberechnung", "Mahnzinssatz 1", "Mahnzinssatz 2", "Mahnzinssatz 3", "Lastschrift", "Verfahren",
	"Mandantenbank", "Zahlungsträger", "Indiv. Feld 1", "Indiv. Feld 2", "Indiv. Feld 3", "Indiv. Feld 4",
	"Indiv. Feld 5", "Indiv. Feld 6", "Indiv. Feld 7", "Indiv. Feld 8", "Indiv. Feld 9", "Indiv. Feld 10",
	"Indiv. Feld 11", "Indiv. Feld 12", "Indiv. Feld 13", "Indiv. Feld 14", "Indiv. Feld 15",
	"Abweichende Anrede (Rechnungsadresse)", "Adressart (Rechnungsadresse)", "Straße (Rechnungsadresse)",
	"Postfach (Rechnungsadresse)", "Postleitzahl (Rechnungsadresse)", "Ort (Rechnungsadresse)",
	"Land (Rechnungsadresse)", "Versandzusatz (Rechnungsadresse)", "Adresszusatz (Rechnungsadresse)",
	"Abw. Zustellbezeichnung 1 (Rechnungsadresse)", "Abw. Zustellbezeichnung 2 (Rechnungsadresse)",
	"Adresse Gültig von (Rechnungsadresse)", "Adresse Gültig bis (Rechnungsadresse)", "Bankleitzahl 6",
	"Bankbezeichnung 6", "Bankkonto-Nummer 6", "Länderkennzeichen 6", "IBAN 6", "Leerfeld", "SWIFT-Code 6",
	"Abw. Kontoinhaber 6", "Kennz. Haupt-Bankverb. 6", "Bankverb 6 gültig von", "Bankverb 6 gültig bis",
	"Bankleitzahl 7", "Bankbezeichnung 7", "Bankkonto-Nummer 7", "Länderkennzeichen 7", "IBAN 7", "Leerfeld",
	"SWIFT-Code 7", "Abw. Kontoinhaber 7", "Kennz. Haupt-Bankverb. 7", "Bankverb 7 gültig von",
	"Bankverb 7 gültig bis", "Bankleitzahl 8", "Bankbezeichnung 8", "Bankkonto-Nummer 8", "Länderkennzeichen 8",
	"IBAN 8", "Leerfeld", "SWIFT-Code 8", "Abw. Kontoinhaber 8", "Kennz. Haupt-Bankverb. 8",
	"Bankverb 8 gültig von", "Bankverb 8 gültig bis", "Bankleitzahl 9", "Bankbezeichnung 9",
	"Bankkonto-Nummer 9", "Länderkennzeichen 9", "IBAN 9", "Leerfeld", "SWIFT-Code 9", "Abw. Kontoinhaber 9",
	"Kennz. Haupt-Bankverb. 9", "Bankverb 9 gültig von", "Bankverb 9 gültig bis", "Bankleitzahl 10",
	"Bankbezeichnung 10", "Bankkonto-Nummer 10", "Länderkennzeichen 10", "IBAN 10", "Leerfeld", "SWIFT-Code 10",
	"Abw. Kontoinhaber 10", "Kennz. Haupt-Bankverb. 10", "Bankverb 10 gültig von", "Bankverb 10 gültig bis",
	"Nummer Fremdsystem", "Insolvent", "SEPA-Mandatsreferenz 1", "SEPA-Mandatsreferenz 2",
	"SEPA-Mandatsreferenz 3", "SEPA-Mandatsreferenz 4", "SEPA-Mandatsreferenz 5", "SEPA-Mandatsreferenz 6",
	"SEPA-Mandatsreferenz 7", "SEPA-Mandatsreferenz 8", "SEPA-Mandatsreferenz 9", "SEPA-Mandatsreferenz 10",
	"Verknüpftes OPOS-Konto", "Mahnsperre bis", "Lastschriftsperre bis", "Zahlungssperre bis",
	"Gebührenberechnung", "Mahngebühr 1", "Mahngebühr 2", "Mahngebühr 3", "Pauschalberechnung",
	"Verzugspauschale 1", "Verzugspauschale 2", "Verzugspauschale 3", "Alternativer Suchname", "Status",
	"Anschrift manuell geändert (Korrespondenzadresse)", "Anschrift individuell (Korrespondenzadresse)",
	"Anschrift manuell geändert (Rechnungsadresse)", "Anschrift individuell (Rechnungsadresse)",
	"Fristberechnung bei Debitor", "Mahnfrist 1", "Mahnfrist 2", "Mahnfrist 3", "Letzte Frist",
}

// DebitorRow is one line of a Debitoren/Kreditoren file: the columns this
// package writes, typed, each tagged with DATEV's column name (",num" for a
// number written bare); the other columns stay empty. Lengths are DATEV's
// field lengths (max tag).
//
// gocarina/gocsv is not used here either, for the reason Row gives: its
// encoding/csv writer quotes by content, DATEV by type (text always, numbers
// never). A debitor line has 254 columns of which a shop fills about
// fifteen, so the struct names those and Line places them by column name.
type DebitorRow struct {
	Konto           string `datev:"Konto,num"`
	NameUnternehmen string `datev:"Name (Adressatentyp Unternehmen)" max:"50"`
	NamePerson      string `datev:"Name (Adressatentyp natürl. Person)" max:"30"`
	VornamePerson   string `datev:"Vorname (Adressatentyp natürl. Person)" max:"30"`
	NameKeineAngabe string `datev:"Name (Adressatentyp keine Angabe)" max:"50"`
	Adressatentyp   string `datev:"Adressatentyp" max:"1"` // 0 keine Angabe, 1 natürliche Person, 2 Unternehmen
	Kurzbezeichnung string `datev:"Kurzbezeichnung" max:"15"`
	EULand          string `datev:"EU-Land" max:"2"`
	EUUStIdNr       string `datev:"EU-USt-IdNr." max:"13"` // without the country prefix, which is EULand
	Adressart       string `datev:"Adressart" max:"3"`     // STR street, PF post box, GK major customer
	Strasse         string `datev:"Straße" max:"36"`
	Postleitzahl    string `datev:"Postleitzahl" max:"10"`
	Ort             string `datev:"Ort" max:"30"`
	Land            string `datev:"Land" max:"2"`
	EMail           string `datev:"E-Mail" max:"60"`
	Kundennummer    string `datev:"Kundennummer" max:"15"`
}

// debitorFields maps DebitorRow's fields to their columns.
var debitorFields = func() (f []struct {
	col     int // 0-based
	numeric bool
	max     int
}) {
	t := reflect.TypeFor[DebitorRow]()
	for i := range t.NumField() {
		name, num := strings.CutSuffix(t.Field(i).Tag.Get("datev"), ",num")
		col := -1
		for j, n := range DebitorColumnNames {
			if n == name {
				col = j
				break
			}
		}
		if col < 0 {
			panic("datev: DebitorRow names no column " + name)
		}
		var max int
		fmt.Sscan(t.Field(i).Tag.Get("max"), &max)
		f = append(f, struct {
			col     int
			numeric bool
			max     int
		}{col, num, max})
	}
	return f
}()

// debitorColumn is a column's field in DebitorRow, -1 for one it leaves empty.
var debitorColumn = func() (m [DebitorFields]int) {
	for i := range m {
		m[i] = -1
	}
	for i, f := range debitorFields {
		m[f.col] = i
	}
	return m
}()

// Line renders the row without its CRLF, in UTF-8, cleaning text fields
// (control characters) and cutting them to DATEV's lengths; each change is
// a Note.
func (r *DebitorRow) Line() (string, []Note) {
	v := reflect.ValueOf(r).Elem()
	var notes []Note
	cells := make([]string, DebitorFields)
	for i, f := range debitorFields {
		s := v.Field(i).String()
		if s == "" {
			continue
		}
		if f.numeric {
			cells[f.col] = s
			continue
		}
		c, n := cleanText(DebitorColumnNames[f.col], s, f.max)
		notes = append(notes, n...)
		cells[f.col] = q(c)
	}
	return strings.Join(cells, ";"), notes
}

// FormatDebitorHeader renders the header line of a Debitoren/Kreditoren
// file: the Buchungsstapel's fields without period, Bezeichnung, Buchungstyp
// and currency.
func FormatDebitorHeader(h *Header) string {
	skr := ""
	switch h.Chart {
	case SKR03:
		skr = "03"
	case SKR04:
		skr = "04"
	}
	f := [HeaderFields]string{
		q("EXTF"), "700", fmt.Sprint(DebitorCategory), q(DebitorFormat), fmt.Sprint(DebitorVersion),
		h.Created.Format("20060102150405") + fmt.Sprintf("%03d", h.Created.Nanosecond()/1e6), "", q(""), q(h.ExportiertVon), q(""),
		fmt.Sprint(h.Beraternummer), fmt.Sprint(h.Mandantennummer), h.WJBeginn.Format("20060102"), fmt.Sprint(h.Sachkontenlaenge), "",
		"", q(""), q(""), "", "",
		"", q(""), "", q(""), "",
		"", q(skr), "", "", q(""),
		q(""),
	}
	return strings.Join(f[:], ";")
}

// FormatDebitorColumnNames renders line 2 of a Debitoren/Kreditoren file.
func FormatDebitorColumnNames() string { return strings.Join(DebitorColumnNames[:], ";") }

// DebitorWriter writes a Debitoren/Kreditoren file.
type DebitorWriter struct {
	w    *bufio.Writer
	h    Header
	seen map[string]bool
}

// NewDebitorWriter checks h (the period is not used) and writes the first
// two lines.
func NewDebitorWriter(w io.Writer, h Header) (*DebitorWriter, error) {
	probe := h
	probe.DatumVom, probe.DatumBis = h.WJBeginn, h.WJBeginn
	if err := probe.Validate(); err != nil {
		return nil, err
	}
	bw := bufio.NewWriter(w)
	for _, l := range []string{FormatDebitorHeader(&h), FormatDebitorColumnNames()} {
		enc, err := Encode(l)
		if err != nil {
			return nil, fmt.Errorf("datev header: %w", err)
		}
		bw.Write(enc)
		bw.WriteString("\r\n")
	}
	return &DebitorWriter{w: bw, h: h, seen: map[string]bool{}}, nil
}

// Write checks and writes one debitor: the account is a personal account
// (Sachkontenlänge + 1 digits), once per file, with a name.
func (w *DebitorWriter) Write(r *DebitorRow) ([]Note, error) {
	if msg := personalAccountProblem(r.Konto, w.h.Sachkontenlaenge); msg != "" {
		return nil, fmt.Errorf("Konto %q %s", r.Konto, msg)
	}
	if w.seen[r.Konto] {
		return nil, fmt.Errorf("Konto %s is in the file already", r.Konto)
	}
	if r.NameUnternehmen == "" && r.NamePerson == "" && r.NameKeineAngabe == "" {
		return nil, fmt.Errorf("Konto %s has no name", r.Konto)
	}
	line, notes := r.Line()
	enc, err := Encode(line)
	if err != nil {
		return notes, err
	}
	w.seen[r.Konto] = true
	w.w.Write(enc)
	_, err = w.w.WriteString("\r\n")
	return notes, err
}

// Flush writes what is buffered.
func (w *DebitorWriter) Flush() error { return w.w.Flush() }

// personalAccountProblem: a debitor or kreditor has exactly
// Sachkontenlänge + 1 digits and does not start with 0.
func personalAccountProblem(a string, length int) string {
	switch {
	case a == "" || strings.Trim(a, "0123456789") != "":
		return "is not a number"
	case len(a) != length+1:
		return fmt.Sprintf("has %d digits: a personal account has %d (Sachkontenlänge %d + 1)", len(a), length+1, length)
	case a[0] == '0':
		return "starts with 0: a personal account starts with 1..9"
	}
	return ""
}

// SplitVATID splits a VAT id into its country prefix and number for the
// EU-Land and EU-USt-IdNr. columns ("DE 123456789" gives DE, 123456789).
func SplitVATID(id string) (country, number string) {
	id = strings.ToUpper(strings.Join(strings.Fields(id), ""))
	if len(id) > 2 && id[0] >= 'A' && id[0] <= 'Z' && id[1] >= 'A' && id[1] <= 'Z' {
		return id[:2], id[2:]
	}
	return "", id
}
