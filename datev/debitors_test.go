package datev

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/internal/i18n"
)

func testDebitors() []DebitorRow {
	return []DebitorRow{
		{Konto: "10100", NameUnternehmen: "Muster GmbH", Adressatentyp: "2", EULand: "DE", EUUStIdNr: "123456789",
			Adressart: "STR", Strasse: "Hauptstraße 1", Postleitzahl: "10115", Ort: "Berlin", Land: "DE", Kundennummer: "K100"},
		{Konto: "10200", NamePerson: "Duval", VornamePerson: "Anne", Adressatentyp: "1", Ort: "Lyon", Land: "FR"},
	}
}

func validDebitorFile(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewDebitorWriter(&buf, testHeader())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range testDebitors() {
		if notes, err := w.Write(&r); err != nil || len(notes) != 0 {
			t.Fatalf("write: %v %v", notes, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func debitorCol(name string) int {
	for i, n := range DebitorColumnNames {
		if n == name {
			return i + 1
		}
	}
	panic(name)
}

func TestDebitorFileShape(t *testing.T) {
	data := validDebitorFile(t)
	lines := strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines", len(lines))
	}
	h := strings.Split(lines[0], ";")
	if len(h) != HeaderFields || h[2] != "16" || h[3] != `"Debitoren/Kreditoren"` || h[4] != "5" || h[14] != "" || h[15] != "" || h[12] != "20260101" {
		t.Errorf("header %q", h)
	}
	if n := len(strings.Split(lines[1], ";")); n != DebitorFields {
		t.Errorf("column names: %d", n)
	}
	f := strings.Split(lines[2], ";")
	if len(f) != DebitorFields || f[0] != "10100" || f[debitorCol("Name (Adressatentyp Unternehmen)")-1] != `"Muster GmbH"` ||
		f[debitorCol("Ort")-1] != `"Berlin"` || f[debitorCol("Kundennummer")-1] != `"K100"` || f[debitorCol("Telefon")-1] != "" {
		t.Errorf("row %q", f[:20])
	}
}

// One case per rule of a Debitoren/Kreditoren file.
func TestCheckDebitorRules(t *testing.T) {
	q := func(s string) string { return `"` + s + `"` }
	cases := []struct {
		rule      string
		break_    func([]byte) []byte
		line, col int
		msg       string
	}{
		{"Formatname", setField(1, 4, q("Buchungsstapel")), 1, 4, "Formatname"},
		{"Formatversion", setField(1, 5, "4"), 1, 5, "Formatversion"},
		{"WJ-Beginn required", setField(1, 13, ""), 1, 13, "WJ-Beginn"},
		{"a period, if given, is a date", setField(1, 15, "2026"), 1, 15, "Datum vom"},
		{"column names count", func(d []byte) []byte { return bytes.Replace(d, []byte(";Letzte Frist"), nil, 1) }, 2, 1, "254"},
		{"row column count", func(d []byte) []byte { return bytes.Replace(d, []byte(";\r\n"), []byte("\r\n"), 1) }, 3, 1, "254"},
		{"Konto length", setField(3, 1, "1010"), 3, 1, "personal account has 5"},
		{"Konto starts with 0", setField(3, 1, "01010"), 3, 1, "starts with 0"},
		{"Konto not a number", setField(3, 1, "1010X"), 3, 1, "not a number"},
		{"Konto quoted", setField(3, 1, q("10100")), 3, 1, "must not be quoted"},
		{"Konto twice", setField(4, 1, "10100"), 4, 1, "line 3 already"},
		{"a name", setField(4, debitorCol("Name (Adressatentyp natürl. Person)"), ""), 4, debitorCol("Name (Adressatentyp Unternehmen)"), "no name"},
		{"Adressatentyp", setField(3, debitorCol("Adressatentyp"), q("3")), 3, debitorCol("Adressatentyp"), "Adressatentyp"},
		{"EU-Land of a VAT id", setField(3, debitorCol("EU-Land"), q("CH")), 3, debitorCol("EU-Land"), "EU member state"},
		{"Land ISO code", setField(3, debitorCol("Land"), q("Deu")), 3, debitorCol("Land"), "ISO code"},
		{"name length", setField(3, 2, q(strings.Repeat("N", 51))), 3, 2, "at most 50"},
		{"Postleitzahl length", setField(3, debitorCol("Postleitzahl"), q(strings.Repeat("1", 11))), 3, debitorCol("Postleitzahl"), "at most 10"},
		{"text unquoted", setField(3, debitorCol("Ort"), "Berlin"), 3, debitorCol("Ort"), "must be quoted"},
		{"control character", setField(3, debitorCol("Ort"), "\"Ber\tlin\""), 3, debitorCol("Ort"), "control character"},
	}
	valid := validDebitorFile(t)
	if v := Check(valid); len(v) != 0 {
		t.Fatalf("valid file: %v", v)
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			data := tc.break_(append([]byte(nil), valid...))
			if bytes.Equal(data, valid) {
				t.Fatal("the case does not change the file")
			}
			germanFindings(t, Check(data))
			for _, v := range Check(data) {
				if v.Line == tc.line && (tc.col == 0 || v.Column == tc.col) && strings.Contains(v.Msg, tc.msg) {
					return
				}
			}
			t.Errorf("want a violation at %d:%d with %q, got %v", tc.line, tc.col, tc.msg, Check(data))
		})
	}
}

func TestDebitorWriterRefuses(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewDebitorWriter(&buf, testHeader())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		row  DebitorRow
		want string
	}{
		{DebitorRow{Konto: "8400", NameUnternehmen: "X"}, "personal account"},
		{DebitorRow{Konto: "10100"}, "no name"},
		{DebitorRow{Konto: "10100", NameUnternehmen: "Zoë ☃"}, "Windows-1252"},
	} {
		if _, err := w.Write(&c.row); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", c.row, err, c.want)
		}
	}
	if _, err := w.Write(&DebitorRow{Konto: "10100", NameUnternehmen: "X"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(&DebitorRow{Konto: "10100", NameUnternehmen: "Y"}); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("second 10100: %v", err)
	}
	notes, err := w.Write(&DebitorRow{Konto: "10200", NameUnternehmen: strings.Repeat("N", 55)})
	if err != nil || len(notes) != 1 || !strings.Contains(notes[0].Reason, "50") {
		t.Errorf("long name: %v %v", notes, err)
	}
}

// Every German rule words its own English example, with the values in
// place.
func TestGermanViolationRules(t *testing.T) {
	for _, r := range germanViolations.All() {
		en, de := r.Example()
		if got := (Violation{Msg: en}).Text(i18n.German); got != de {
			t.Errorf("%q:\n got %q\nwant %q", en, got, de)
		}
	}
	v := Violation{Line: 3, Column: 2, Msg: `Soll/Haben-Kennzeichen "X": S or H`}
	if got := v.StringIn(i18n.German); got != `3:2: Soll/Haben-Kennzeichen "X": S oder H` {
		t.Errorf("got %q", got)
	}
	if got := v.StringIn(i18n.English); got != v.String() {
		t.Errorf("English: %q", got)
	}
}
