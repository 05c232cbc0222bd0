package datev

import (
	"reflect"
	"strings"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding/charmap"
)

// Row is one line of a Buchungsstapel: the 125 columns of format version
// 13 in file order, each the field's formatted text ("" for empty). The tag
// is DATEV's column name and ",num" for a field written bare (amounts,
// rates, accounts, dates, flags: DATEV's Betrag, Zahl, Konto and Datum);
// every other non-empty field is text and written quoted. The names and
// types follow DATEV's format description and OCA's datev_export_dtvf
// (datev_export_dtvf/datev.py), which lists format version 12; version 13
// adds column 125, Abw. Skontokonto.
//
// gocarina/gocsv's struct tags were tried for it and are not used (nor
// for the Header): gocsv writes through encoding/csv, which quotes a field
// only when it holds the separator, a quote or a line break, while DATEV
// wants every text field quoted (even S) and numbers never. Marshalling
// {"1,00", "S", `"S"`} gives 1,00 quoted (it holds the separator of
// encoding/csv's default), S bare and """S""": a value quoted beforehand is
// quoted again, and the writer gocsv can be given sees strings only,
// without the type that decides. Lines end in LF, too. Row.Line writes the
// fields itself, from the tags.
type Row struct {
	Umsatz                      string `datev:"Umsatz (ohne Soll/Haben-Kz),num"`    // 1
	SollHabenKennzeichen        string `datev:"Soll/Haben-Kennzeichen"`             // 2
	WKZUmsatz                   string `datev:"WKZ Umsatz"`                         // 3
	Kurs                        string `datev:"Kurs,num"`                           // 4
	BasisUmsatz                 string `datev:"Basis-Umsatz,num"`                   // 5
	WKZBasisUmsatz              string `datev:"WKZ Basis-Umsatz"`                   // 6
	Konto                       string `datev:"Konto,num"`                          // 7
	Gegenkonto                  string `datev:"Gegenkonto (ohne BU-Schlüssel),num"` // 8
	BUSchluessel                string `datev:"BU-Schlüssel"`                       // 9
	Belegdatum                  string `datev:"Belegdatum,num"`                     // 10
	Belegfeld1                  string `datev:"Belegfeld 1"`                        // 11
	Belegfeld2                  string `datev:"Belegfeld 2"`                        // 12
	Skonto                      string `datev:"Skonto,num"`                         // 13
	Buchungstext                string `datev:"Buchungstext"`                       // 14
	Postensperre                string `datev:"Postensperre,num"`                   // 15
	DiverseAdressnummer         string `datev:"Diverse Adressnummer"`               // 16
	Geschaeftspartnerbank       string `datev:"Geschäftspartnerbank,num"`           // 17
	Sachverhalt                 string `datev:"Sachverhalt,num"`                    // 18
	Zinssperre                  string `datev:"Zinssperre,num"`                     // 19
	Beleglink                   string `datev:"Beleglink"`                          // 20
	BeleginfoArt1               string `datev:"Beleginfo - Art 1"`                  // 21
	BeleginfoInhalt1            string `datev:"Beleginfo - Inhalt 1"`               // 22
	BeleginfoArt2               string `datev:"Beleginfo - Art 2"`                  // 23
	BeleginfoInhalt2            string `datev:"Beleginfo - Inhalt 2"`               // 24
	BeleginfoArt3               string `datev:"Beleginfo - Art 3"`                  // 25
	BeleginfoInhalt3            string `datev:"Beleginfo - Inhalt 3"`               // 26
	BeleginfoArt4               string `datev:"Beleginfo - Art 4"`                  // 27
	BeleginfoInhalt4            string `datev:"Beleginfo - Inhalt 4"`               // 28
	BeleginfoArt5               string `datev:"Beleginfo - Art 5"`                  // 29
	BeleginfoInhalt5            string `datev:"Beleginfo - Inhalt 5"`               // 30
	BeleginfoArt6               string `datev:"Beleginfo - Art 6"`                  // 31
	BeleginfoInhalt6            string `datev:"Beleginfo - Inhalt 6"`               // 32
	BeleginfoArt7               string `datev:"Beleginfo - Art 7"`                  // 33
	BeleginfoInhalt7            string `datev:"Beleginfo - Inhalt 7"`               // 34
	BeleginfoArt8               string `datev:"Beleginfo - Art 8"`                  // 35
	BeleginfoInhalt8            string `datev:"Beleginfo - Inhalt 8"`               // 36
	KOST1Kostenstelle           string `datev:"KOST1 - Kostenstelle"`               // 37
	KOST2Kostenstelle           string `datev:"KOST2 - Kostenstelle"`               // 38
	KostMenge                   string `datev:"Kost-Menge,num"`                     // 39
	EULandUndUStIDBestimmung    string `datev:"EU-Land u. UStID (Bestimmung)"`      // 40
	EUSteuersatzBestimmung      string `datev:"EU-Steuersatz (Bestimmung),num"`     // 41
	AbwVersteuerungsart         string `datev:"Abw. Versteuerungsart"`              // 42
	SachverhaltLL               string `datev:"Sachverhalt L+L,num"`                // 43
	FunktionsergaenzungLL       string `datev:"Funktionsergänzung L+L,num"`         // 44
	BU49Hauptfunktionstyp       string `datev:"BU 49 Hauptfunktionstyp,num"`        // 45
	BU49Hauptfunktionsnummer    string `datev:"BU 49 Hauptfunktionsnummer,num"`     // 46
	BU49Funktionsergaenzung     string `datev:"BU 49 Funktionsergänzung,num"`       // 47
	ZusatzinformationArt1       string `datev:"Zusatzinformation - Art 1"`          // 48
	ZusatzinformationInhalt1    string `datev:"Zusatzinformation- Inhalt 1"`        // 49
	ZusatzinformationArt2       string `datev:"Zusatzinformation - Art 2"`          // 50
	ZusatzinformationInhalt2    string `datev:"Zusatzinformation- Inhalt 2"`        // 51
	ZusatzinformationArt3       string `datev:"Zusatzinformation - Art 3"`          // 52
	ZusatzinformationInhalt3    string `datev:"Zusatzinformation- Inhalt 3"`        // 53
	ZusatzinformationArt4       string `datev:"Zusatzinformation - Art 4"`          // 54
	ZusatzinformationInhalt4    string `datev:"Zusatzinformation- Inhalt 4"`        // 55
	ZusatzinformationArt5       string `datev:"Zusatzinformation - Art 5"`          // 56
	ZusatzinformationInhalt5    string `datev:"Zusatzinformation- Inhalt 5"`        // 57
	ZusatzinformationArt6       string `datev:"Zusatzinformation - Art 6"`          // 58
	ZusatzinformationInhalt6    string `datev:"Zusatzinformation- Inhalt 6"`        // 59
	ZusatzinformationArt7       string `datev:"Zusatzinformation - Art 7"`          // 60
	ZusatzinformationInhalt7    string `datev:"Zusatzinformation- Inhalt 7"`        // 61
	ZusatzinformationArt8       string `datev:"Zusatzinformation - Art 8"`          // 62
	ZusatzinformationInhalt8    string `datev:"Zusatzinformation- Inhalt 8"`        // 63
	ZusatzinformationArt9       string `datev:"Zusatzinformation - Art 9"`          // 64
	ZusatzinformationInhalt9    string `datev:"Zusatzinformation- Inhalt 9"`        // 65
	ZusatzinformationArt10      string `datev:"Zusatzinformation - Art 10"`         // 66
	ZusatzinformationInhalt10   string `datev:"Zusatzinformation- Inhalt 10"`       // 67
	ZusatzinformationArt11      string `datev:"Zusatzinformation - Art 11"`         // 68
	ZusatzinformationInhalt11   string `datev:"Zusatzinformation- Inhalt 11"`       // 69
	ZusatzinformationArt12      string `datev:"Zusatzinformation - Art 12"`         // 70
	ZusatzinformationInhalt12   string `datev:"Zusatzinformation- Inhalt 12"`       // 71
	ZusatzinformationArt13      string `datev:"Zusatzinformation - Art 13"`         // 72
	ZusatzinformationInhalt13   string `datev:"Zusatzinformation- Inhalt 13"`       // 73
	ZusatzinformationArt14      string `datev:"Zusatzinformation - Art 14"`         // 74
	ZusatzinformationInhalt14   string `datev:"Zusatzinformation- Inhalt 14"`       // 75
	ZusatzinformationArt15      string `datev:"Zusatzinformation - Art 15"`         // 76
	ZusatzinformationInhalt15   string `datev:"Zusatzinformation- Inhalt 15"`       // 77
	ZusatzinformationArt16      string `datev:"Zusatzinformation - Art 16"`         // 78
	ZusatzinformationInhalt16   string `datev:"Zusatzinformation- Inhalt 16"`       // 79
	ZusatzinformationArt17      string `datev:"Zusatzinformation - Art 17"`         // 80
	ZusatzinformationInhalt17   string `datev:"Zusatzinformation- Inhalt 17"`       // 81
	ZusatzinformationArt18      string `datev:"Zusatzinformation - Art 18"`         // 82
	ZusatzinformationInhalt18   string `datev:"Zusatzinformation- Inhalt 18"`       // 83
	ZusatzinformationArt19      string `datev:"Zusatzinformation - Art 19"`         // 84
	ZusatzinformationInhalt19   string `datev:"Zusatzinformation- Inhalt 19"`       // 85
	ZusatzinformationArt20      string `datev:"Zusatzinformation - Art 20"`         // 86
	ZusatzinformationInhalt20   string `datev:"Zusatzinformation- Inhalt 20"`       // 87
	Stueck                      string `datev:"Stück,num"`                          // 88
	Gewicht                     string `datev:"Gewicht,num"`                        // 89
	Zahlweise                   string `datev:"Zahlweise,num"`                      // 90
	Forderungsart               string `datev:"Forderungsart"`                      // 91
	Veranlagungsjahr            string `datev:"Veranlagungsjahr,num"`               // 92
	ZugeordneteFaelligkeit      string `datev:"Zugeordnete Fälligkeit,num"`         // 93
	Skontotyp                   string `datev:"Skontotyp,num"`                      // 94
	Auftragsnummer              string `datev:"Auftragsnummer"`                     // 95
	Buchungstyp                 string `datev:"Buchungstyp"`                        // 96
	UStSchluesselAnzahlungen    string `datev:"USt-Schlüssel (Anzahlungen),num"`    // 97
	EULandAnzahlungen           string `datev:"EU-Land (Anzahlungen)"`              // 98
	SachverhaltLLAnzahlungen    string `datev:"Sachverhalt L+L (Anzahlungen),num"`  // 99
	EUSteuersatzAnzahlungen     string `datev:"EU-Steuersatz (Anzahlungen),num"`    // 100
	ErloeskontoAnzahlungen      string `datev:"Erlöskonto (Anzahlungen),num"`       // 101
	HerkunftKz                  string `datev:"Herkunft-Kz"`                        // 102
	BuchungsGUID                string `datev:"Buchungs GUID"`                      // 103
	KOSTDatum                   string `datev:"KOST-Datum,num"`                     // 104
	SEPAMandatsreferenz         string `datev:"SEPA-Mandatsreferenz"`               // 105
	Skontosperre                string `datev:"Skontosperre,num"`                   // 106
	Gesellschaftername          string `datev:"Gesellschaftername"`                 // 107
	Beteiligtennummer           string `datev:"Beteiligtennummer,num"`              // 108
	Identifikationsnummer       string `datev:"Identifikationsnummer"`              // 109
	Zeichnernummer              string `datev:"Zeichnernummer"`                     // 110
	PostensperreBis             string `datev:"Postensperre bis,num"`               // 111
	BezeichnungSoBilSachverhalt string `datev:"Bezeichnung SoBil-Sachverhalt"`      // 112
	KennzeichenSoBilBuchung     string `datev:"Kennzeichen SoBil-Buchung,num"`      // 113
	Festschreibung              string `datev:"Festschreibung,num"`                 // 114
	Leistungsdatum              string `datev:"Leistungsdatum,num"`                 // 115
	DatumZuordSteuerperiode     string `datev:"Datum Zuord. Steuerperiode,num"`     // 116
	Faelligkeit                 string `datev:"Fälligkeit,num"`                     // 117
	GeneralumkehrGU             string `datev:"Generalumkehr (GU)"`                 // 118
	Steuersatz                  string `datev:"Steuersatz,num"`                     // 119
	Land                        string `datev:"Land"`                               // 120
	Abrechnungsreferenz         string `datev:"Abrechnungsreferenz"`                // 121
	BVVPosition                 string `datev:"BVV-Position,num"`                   // 122
	EULandUndUStIDUrsprung      string `datev:"EU-Land u. UStID (Ursprung)"`        // 123
	EUSteuersatzUrsprung        string `datev:"EU-Steuersatz (Ursprung),num"`       // 124
	AbwSkontokonto              string `datev:"Abw. Skontokonto,num"`               // 125
}

// rowFields are Row's columns from its tags: names and which are numbers.
var rowFields = func() (f [Columns]struct {
	name    string
	numeric bool
}) {
	t := reflect.TypeFor[Row]()
	if t.NumField() != Columns {
		panic("datev: Row does not have 125 fields")
	}
	for i := range Columns {
		tag := t.Field(i).Tag.Get("datev")
		name, num := strings.CutSuffix(tag, ",num")
		f[i].name, f[i].numeric = name, num
	}
	return f
}()

// Row holds strings only, in column order, so it has the layout of an
// array of them: fields reads it as one, without reflection per column
// (a third of the export's formatting time). The init check keeps that true.
func init() {
	t := reflect.TypeFor[Row]()
	for i := range Columns {
		f := t.Field(i)
		if f.Type.Kind() != reflect.String || f.Offset != uintptr(i)*unsafe.Sizeof("") {
			panic("datev: Row is not 125 strings in a row")
		}
	}
}

func (r *Row) fields() *[Columns]string { return (*[Columns]string)(unsafe.Pointer(r)) }

// appendEncoded appends the row as Line renders it, in Windows-1252, and
// reports false (with dst as it was) when a character is not in the code
// page: Encode of Line then says which.
func (r *Row) appendEncoded(dst []byte) ([]byte, bool) {
	start := len(dst)
	for i, s := range r.fields() {
		if i > 0 {
			dst = append(dst, ';')
		}
		switch {
		case s == "":
		case rowFields[i].numeric:
			var ok bool
			if dst, ok = append1252(dst, s, false); !ok {
				return dst[:start], false
			}
		default:
			dst = append(dst, '"')
			var ok bool
			if dst, ok = append1252(dst, s, true); !ok {
				return dst[:start], false
			}
			dst = append(dst, '"')
		}
	}
	return dst, true
}

// append1252 appends s in Windows-1252, doubling quotes when quote is set.
func append1252(dst []byte, s string, quote bool) ([]byte, bool) {
	for _, c := range s {
		switch {
		case c == '"' && quote:
			dst = append(dst, '"', '"')
		case c < utf8.RuneSelf:
			dst = append(dst, byte(c))
		default:
			b, ok := charmap.Windows1252.EncodeRune(c)
			if !ok || c == utf8.RuneError {
				return dst, false
			}
			dst = append(dst, b)
		}
	}
	return dst, true
}

// Line renders the row without its CRLF, in UTF-8: numbers bare, text
// quoted with inner quotes doubled, empty fields empty.
func (r *Row) Line() string {
	v := reflect.ValueOf(r).Elem()
	var b strings.Builder
	for i := range Columns {
		if i > 0 {
			b.WriteByte(';')
		}
		s := v.Field(i).String()
		switch {
		case s == "":
		case rowFields[i].numeric:
			b.WriteString(s)
		default:
			b.WriteString(q(s))
		}
	}
	return b.String()
}
