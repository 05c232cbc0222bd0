package datev

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"

	"github.com/wawi-etl/etl/internal/i18n"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func testHeader() Header {
	return Header{
		Created:       time.Date(2026, 2, 3, 10, 11, 12, 345e6, time.UTC),
		Beraternummer: 29098, Mandantennummer: 55003,
		WJBeginn: day(2026, 1, 1), Sachkontenlaenge: 4,
		DatumVom: day(2026, 1, 1), DatumBis: day(2026, 1, 31),
		Bezeichnung: "Rechnungen Januar", Diktatkuerzel: "WD", Chart: SKR03, ExportiertVon: "etl",
	}
}

func testBooking() Booking {
	return Booking{
		Umsatz: decimal.RequireFromString("119.00"), SollHaben: "S",
		Konto: "10000", Gegenkonto: "8400", BUSchluessel: "3",
		Belegdatum: day(2026, 1, 15), Belegfeld1: "RE2026-0001",
		Buchungstext: `Müller "Schrauben" GmbH`,
	}
}

// validFile is a file the writer makes from the test header and booking.
func validFile(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, testHeader())
	if err != nil {
		t.Fatal(err)
	}
	b := testBooking()
	if notes, err := w.Write(&b); err != nil || len(notes) != 0 {
		t.Fatalf("write: %v %v", notes, err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriterOutput(t *testing.T) {
	data := validFile(t)
	lines := strings.Split(string(data), "\r\n")
	if len(lines) != 4 || lines[3] != "" {
		t.Fatalf("want 3 CRLF lines, got %q", lines)
	}
	wantHeader := `"EXTF";700;21;"Buchungsstapel";13;20260203101112345;;"";"etl";"";29098;55003;20260101;4;20260101;20260131;"Rechnungen Januar";"WD";1;0;0;"EUR";;"";;;"03";;;"";""`
	if lines[0] != wantHeader {
		t.Errorf("header\n got %s\nwant %s", lines[0], wantHeader)
	}
	if n := strings.Count(lines[1], ";") + 1; n != Columns {
		t.Errorf("column names: %d fields", n)
	}
	row := strings.Split(lines[2], ";")
	if len(row) != Columns {
		t.Fatalf("booking has %d fields", len(row))
	}
	// Windows-1252: ü is one byte 0xFC; inner quotes doubled
	want := map[int]string{ColUmsatz: "119,00", ColSollHaben: `"S"`, ColKonto: "10000", ColGegenkonto: "8400",
		ColBUSchluessel: `"3"`, ColBelegdatum: "1501", ColBelegfeld1: `"RE2026-0001"`,
		ColBuchungstext: "\"M\xfcller \"\"Schrauben\"\" GmbH\"", ColWKZUmsatz: "", ColSkonto: ""}
	for col, v := range want {
		if row[col-1] != v {
			t.Errorf("column %d (%s) = %q, want %q", col, ColumnNames[col-1], row[col-1], v)
		}
	}
	if v := Check(data); len(v) != 0 {
		t.Errorf("the writer's file has violations: %v", v)
	}
}

func TestFormatBookingChanges(t *testing.T) {
	h := testHeader()
	b := testBooking()
	b.Umsatz = decimal.RequireFromString("-1234.5")
	b.Belegfeld1 = "RE 2026_0001"
	b.Buchungstext = "Zeile 1\r\nZeile 2 " + strings.Repeat("x", 60)
	b.Skonto = decimal.NewNullDecimal(decimal.Zero)
	line, notes, err := FormatBooking(&h, &b)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(line, ";")
	if f[0] != "1234,50" || f[1] != `"H"` {
		t.Errorf("negative amount: %s %s, want 1234,50 and H", f[0], f[1])
	}
	if f[ColBelegfeld1-1] != `"RE-2026-0001"` {
		t.Errorf("Belegfeld 1 = %s", f[ColBelegfeld1-1])
	}
	if got := f[ColBuchungstext-1]; len(got) != 62 || strings.ContainsAny(got, "\r\n") {
		t.Errorf("Buchungstext = %q, want 60 characters without line breaks", got)
	}
	if f[ColSkonto-1] != "" {
		t.Errorf("Skonto 0 = %q, want empty (DATEV refuses 0)", f[ColSkonto-1])
	}
	if len(notes) != 3 {
		t.Errorf("want 3 notes (Belegfeld 1, line breaks, length), got %v", notes)
	}
}

func TestFormatBookingRefuses(t *testing.T) {
	for name, mod := range map[string]func(*Booking){
		"zero amount":          func(b *Booking) { b.Umsatz = decimal.Zero },
		"three decimals":       func(b *Booking) { b.Umsatz = decimal.RequireFromString("1.005") },
		"account too long":     func(b *Booking) { b.Konto = "123456" },
		"account not a number": func(b *Booking) { b.Gegenkonto = "84A0" },
		"date outside period":  func(b *Booking) { b.Belegdatum = day(2026, 2, 1) },
		"Belegfeld 1 too long": func(b *Booking) { b.Belegfeld1 = strings.Repeat("A", 37) },
		"bad Soll/Haben":       func(b *Booking) { b.SollHaben = "X" },
	} {
		t.Run(name, func(t *testing.T) {
			h, b := testHeader(), testBooking()
			if _, _, err := FormatBooking(&h, &b); err != nil {
				t.Fatalf("valid booking refused: %v", err)
			}
			mod(&b)
			if _, _, err := FormatBooking(&h, &b); err == nil {
				t.Fatal("no error")
			}
		})
	}
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, testHeader())
	b := testBooking()
	b.Buchungstext = "Preis in ₽"
	if _, err := w.Write(&b); err == nil || !strings.Contains(err.Error(), "Windows-1252") {
		t.Errorf("a character outside Windows-1252: %v", err)
	}
}

// setField replaces field col (1-based) of line n (1-based) with raw bytes.
func setField(n, col int, raw string) func([]byte) []byte {
	return func(data []byte) []byte {
		lines := bytes.Split(data, []byte("\r\n"))
		f := bytes.Split(lines[n-1], []byte(";"))
		f[col-1] = []byte(raw)
		lines[n-1] = bytes.Join(f, []byte(";"))
		return bytes.Join(lines, []byte("\r\n"))
	}
}

// One case per rule: the valid file passes, the same file broken in
// exactly that way gives the violation at its line and column.
// germanFindings fails for a finding without German words: the adviser
// reads etl validate-datev in German (datev/checktext.go).
func germanFindings(t *testing.T, vs []Violation) {
	t.Helper()
	for _, v := range vs {
		if de := v.Text(i18n.German); de == v.Msg || de == "" {
			t.Errorf("no German for %q", v.Msg)
		}
	}
}

func TestCheckRules(t *testing.T) {
	cases := []struct {
		rule      string
		break_    func([]byte) []byte
		line, col int
		msg       string
	}{
		{"LF line end", func(d []byte) []byte { return bytes.Replace(d, []byte("\r\n"), []byte("\n"), 1) }, 1, 0, "CRLF"},
		{"last line unterminated", func(d []byte) []byte { return bytes.TrimSuffix(d, []byte("\r\n")) }, 3, 0, "does not end with CRLF"},
		{"undefined Windows-1252 byte", setField(3, ColBuchungstext, "\"a\x81b\""), 3, 0, "0x81"},
		{"UTF-8 byte order mark", func(d []byte) []byte { return append([]byte("\xef\xbb\xbf"), d...) }, 1, 1, "byte order mark"},
		{"unclosed quote", setField(3, ColBuchungstext, `"abc`), 3, 1, "not closed"},
		{"header field count", func(d []byte) []byte { return bytes.Replace(d, []byte(`;"";""`+"\r\n"), []byte(`;""`+"\r\n"), 1) }, 1, 1, "31"},
		{"Kennzeichen", setField(1, 1, `"DTVF"`), 1, 1, "EXTF"},
		{"Versionsnummer", setField(1, 2, "510"), 1, 2, "Versionsnummer"},
		{"Formatkategorie", setField(1, 3, "20"), 1, 3, "Formatkategorie"},
		{"Formatversion", setField(1, 5, "12"), 1, 5, "Formatversion"},
		{"Erzeugt am", setField(1, 6, "2026"), 1, 6, "Erzeugt am"},
		{"Beraternummer range", setField(1, 11, "999"), 1, 11, "Beraternummer"},
		{"Mandantennummer range", setField(1, 12, "100000"), 1, 12, "Mandantennummer"},
		{"WJ-Beginn date", setField(1, 13, "20261301"), 1, 13, "WJ-Beginn"},
		{"Sachkontenlänge range", setField(1, 14, "9"), 1, 14, "Sachkontenlänge"},
		{"period order", setField(1, 16, "20251231"), 1, 15, "before"},
		{"period within fiscal year", setField(1, 16, "20270131"), 1, 15, "fiscal year"},
		{"Bezeichnung length", setField(1, 17, `"`+strings.Repeat("B", 31)+`"`), 1, 17, "Bezeichnung"},
		{"Diktatkürzel length", setField(1, 18, `"WDX"`), 1, 18, "Diktat"},
		{"Festschreibung", setField(1, 21, "2"), 1, 21, "Festschreibung"},
		{"WKZ", setField(1, 22, `"Euro"`), 1, 22, "WKZ"},
		{"SKR", setField(1, 27, `"05"`), 1, 27, "SKR"},
		{"header text unquoted", setField(1, 17, "Rechnungen"), 1, 17, "not quoted"},
		{"column names count", func(d []byte) []byte { return bytes.Replace(d, []byte(";Abw. Skontokonto"), nil, 1) }, 2, 1, "125"},
		{"booking column count", func(d []byte) []byte {
			return bytes.Replace(d, []byte(";\r\n"), []byte("\r\n"), 1) // the last (empty) field of the booking
		}, 3, 1, "125"},
		{"amount with point", setField(3, ColUmsatz, "119.00"), 3, ColUmsatz, "Umsatz"},
		{"amount with sign", setField(3, ColUmsatz, "-119,00"), 3, ColUmsatz, "Umsatz"},
		{"amount one decimal", setField(3, ColUmsatz, "119,0"), 3, ColUmsatz, "Umsatz"},
		{"amount zero", setField(3, ColUmsatz, "0,00"), 3, ColUmsatz, "Umsatz"},
		{"amount quoted", setField(3, ColUmsatz, `"119,00"`), 3, ColUmsatz, "must not be quoted"},
		{"Soll/Haben", setField(3, ColSollHaben, `"X"`), 3, ColSollHaben, "Soll/Haben"},
		{"text unquoted", setField(3, ColSollHaben, "S"), 3, ColSollHaben, "must be quoted"},
		{"account too long", setField(3, ColKonto, "100000"), 3, ColKonto, "Sachkontenlänge"},
		{"personal account with 0", setField(3, ColGegenkonto, "08400"), 3, ColGegenkonto, "personal"},
		{"account not a number", setField(3, ColKonto, "10A00"), 3, ColKonto, "not a number"},
		{"BU-Schlüssel", setField(3, ColBUSchluessel, `"12345"`), 3, ColBUSchluessel, "BU-Schlüssel"},
		{"Belegdatum format", setField(3, ColBelegdatum, "15012026"), 3, ColBelegdatum, "TTMM"},
		{"Belegdatum outside period", setField(3, ColBelegdatum, "1502"), 3, ColBelegdatum, "period"},
		{"Belegdatum no such day", setField(3, ColBelegdatum, "3201"), 3, ColBelegdatum, "period"},
		{"Belegfeld 1 characters", setField(3, ColBelegfeld1, `"RE 2026_1"`), 3, ColBelegfeld1, "letters, digits"},
		{"Belegfeld 1 length", setField(3, ColBelegfeld1, `"`+strings.Repeat("A", 37)+`"`), 3, ColBelegfeld1, "at most 36"},
		{"Belegfeld 2 length", setField(3, ColBelegfeld2, `"`+strings.Repeat("A", 13)+`"`), 3, ColBelegfeld2, "at most 12"},
		{"Buchungstext length", setField(3, ColBuchungstext, `"`+strings.Repeat("A", 61)+`"`), 3, ColBuchungstext, "at most 60"},
		{"control character", setField(3, ColBuchungstext, "\"a\tb\""), 3, ColBuchungstext, "control character"},
		{"WKZ Umsatz", setField(3, ColWKZUmsatz, `"eur"`), 3, ColWKZUmsatz, "WKZ Umsatz"},
		{"Skonto pattern", setField(3, ColSkonto, "2"), 3, ColSkonto, "Skonto"},
	}
	valid := validFile(t)
	if v := Check(valid); len(v) != 0 {
		t.Fatalf("valid file: %v", v)
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			data := tc.break_(append([]byte(nil), valid...))
			if bytes.Equal(data, valid) {
				t.Fatal("the case does not change the file")
			}
			vs := Check(data)
			germanFindings(t, vs)
			for _, v := range vs {
				if v.Line == tc.line && (tc.col == 0 || v.Column == tc.col) && strings.Contains(v.Msg, tc.msg) {
					return
				}
			}
			t.Errorf("want a violation at %d:%d with %q, got %v", tc.line, tc.col, tc.msg, vs)
		})
	}
}

func TestCheckAcceptsPeriodAcrossYearEnd(t *testing.T) {
	h := testHeader()
	h.WJBeginn, h.DatumVom, h.DatumBis = day(2025, 7, 1), day(2025, 12, 1), day(2026, 1, 31)
	var buf bytes.Buffer
	w, err := NewWriter(&buf, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Time{day(2025, 12, 31), day(2026, 1, 2)} {
		b := testBooking()
		b.Belegdatum = d
		if _, err := w.Write(&b); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if v := Check(buf.Bytes()); len(v) != 0 {
		t.Errorf("%v", v)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	enc, err := Encode("Grüße € ß")
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := charmap.Windows1252.NewDecoder().Bytes(enc)
	if string(dec) != "Grüße € ß" || len(enc) != 9 {
		t.Errorf("%q", enc)
	}
}

// Row's tags are the column table: the positions this package names point
// at the fields of those names, and Line quotes text only.
func TestRowShape(t *testing.T) {
	rt := reflect.TypeFor[Row]()
	for col, field := range map[int]string{ColUmsatz: "Umsatz", ColSollHaben: "SollHabenKennzeichen", ColKonto: "Konto",
		ColGegenkonto: "Gegenkonto", ColBUSchluessel: "BUSchluessel", ColBelegdatum: "Belegdatum", ColBelegfeld1: "Belegfeld1",
		ColBuchungstext: "Buchungstext", ColKOST1: "KOST1Kostenstelle", ColEULandUStID: "EULandUndUStIDBestimmung",
		ColLeistungsdatum: "Leistungsdatum", Columns: "AbwSkontokonto"} {
		if got := rt.Field(col - 1).Name; got != field {
			t.Errorf("column %d is %s, want %s", col, got, field)
		}
	}
	if ColumnNames[0] != "Umsatz (ohne Soll/Haben-Kz)" || ColumnNames[48] != "Zusatzinformation- Inhalt 1" || ColumnNames[124] != "Abw. Skontokonto" {
		t.Errorf("column names %q %q %q", ColumnNames[0], ColumnNames[48], ColumnNames[124])
	}
	r := Row{Umsatz: "1,00", SollHabenKennzeichen: "S", Postensperre: "1", Beleglink: `a"b`}
	f := strings.Split(r.Line(), ";")
	if len(f) != Columns || f[0] != "1,00" || f[1] != `"S"` || f[14] != "1" || f[19] != `"a""b"` || f[2] != "" {
		t.Errorf("line %q", r.Line())
	}
}
