package datev

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"
)

// bookingSumsByText is BookingSums as it was before it added up cents:
// the reference the faster readings must agree with.
func bookingSumsByText(data []byte, into map[FileKey]decimal.Decimal) error {
	lines := strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
	for i, raw := range lines {
		if i < 2 {
			continue
		}
		text, err := charmap.Windows1252.NewDecoder().String(raw)
		if err != nil {
			return err
		}
		f, msg := splitLine(text)
		if msg != "" || len(f) != Columns {
			return fmt.Errorf("line %d: not a booking (%s)", i+1, msg)
		}
		amt, err := decimal.NewFromString(strings.Replace(f[ColUmsatz-1].text, ",", ".", 1))
		if err != nil {
			return fmt.Errorf("line %d: Umsatz %q", i+1, f[ColUmsatz-1].text)
		}
		k := FileKey{f[ColKonto-1].text, f[ColGegenkonto-1].text, f[ColSollHaben-1].text}
		into[k] = into[k].Add(amt)
	}
	return nil
}

func decimalText(m map[FileKey]decimal.Decimal) map[FileKey]string {
	out := map[FileKey]string{}
	for k, v := range m {
		out[k] = v.StringFixed(2)
	}
	return out
}

// AppendBooking writes what Encode(FormatBooking) writes, and fails as it
// does: the export writes through it.
func TestAppendBookingIsEncodedFormatBooking(t *testing.T) {
	h := testHeader()
	var bs []Booking
	for _, mod := range []func(*Booking){
		func(*Booking) {},
		func(b *Booking) { b.Umsatz = decimal.RequireFromString("-1234.5"); b.Belegfeld2 = `R"1"` },
		func(b *Booking) { b.Buchungstext = "Grüße € ß\n\"zitiert\"" },
		func(b *Booking) { b.Belegfeld1 = "RE 2026_ä.1"; b.EULandUStID = "FR12345678901" },
		func(b *Booking) {
			b.EUSteuersatz = decimal.NewNullDecimal(decimal.RequireFromString("20"))
			b.KOST1 = "K;1"
		},
		func(b *Booking) { b.Buchungstext = "Łódź" },                             // not in Windows-1252
		func(b *Booking) { b.Umsatz = decimal.Zero },                             // refused
		func(b *Booking) { b.Buchungstext = strings.Repeat("x", 70) + "\u0100" }, // cut before the character
	} {
		b := testBooking()
		mod(&b)
		bs = append(bs, b)
	}
	var row Row
	buf := []byte("prefix;")
	for i, b := range bs {
		line, notes, err := FormatBooking(&h, &b)
		var want []byte
		if err == nil {
			want, err = Encode(line)
		}
		got, gotNotes, gotErr := AppendBooking(buf, &h, &b, &row)
		if (err == nil) != (gotErr == nil) || err != nil && err.Error() != gotErr.Error() {
			t.Errorf("%d: error %v, want %v", i, gotErr, err)
		}
		if !reflect.DeepEqual(notes, gotNotes) {
			t.Errorf("%d: notes %v, want %v", i, gotNotes, notes)
		}
		if err != nil {
			if string(got) != "prefix;" {
				t.Errorf("%d: %q appended on error", i, got)
			}
			continue
		}
		if string(got) != "prefix;"+string(want) {
			t.Errorf("%d:\n got %q\nwant %q", i, got, "prefix;"+string(want))
		}
	}
}

// CheckSums finds what Check finds and adds up what BookingSums adds up,
// on a good file and on broken ones.
func TestCheckSumsIsCheckAndBookingSums(t *testing.T) {
	good := string(validFile(t))
	lines := strings.SplitAfter(good, "\r\n")
	booking := lines[2]
	second := strings.Replace(strings.Replace(booking, "119,00", "0,05", 1), `"S"`, `"H"`, 1)
	odd := strings.Replace(booking, "119,00", "119,5", 1)
	for name, data := range map[string]string{
		"good":          good,
		"more":          good + second + booking + second,
		"odd amount":    good + odd + booking,
		"short line":    good + "1,00;\"S\"\r\n" + booking,
		"quote":         good + strings.Replace(booking, "119,00", `11"9,00`, 1) + booking,
		"bad amount":    good + strings.Replace(booking, "119,00", "x", 1) + booking,
		"open quote":    good + strings.Replace(booking, `"S"`, `"S`, 1),
		"no final CRLF": strings.TrimSuffix(good+second, "\r\n"),
	} {
		want := map[FileKey]decimal.Decimal{}
		wantErr := bookingSumsByText([]byte(data), want)
		wantV := Check([]byte(data))
		fast := map[FileKey]decimal.Decimal{}
		if err := BookingSums([]byte(data), fast); (err == nil) != (wantErr == nil) || !reflect.DeepEqual(decimalText(fast), decimalText(want)) {
			t.Errorf("%s: BookingSums %v %v, want %v %v", name, fast, err, want, wantErr)
		}
		got := map[FileKey]decimal.Decimal{}
		gotV, gotErr := CheckSums([]byte(data), got)
		if !reflect.DeepEqual(gotV, wantV) {
			t.Errorf("%s: violations %v, want %v", name, gotV, wantV)
		}
		if (wantErr == nil) != (gotErr == nil) || wantErr != nil && wantErr.Error() != gotErr.Error() {
			t.Errorf("%s: error %v, want %v", name, gotErr, wantErr)
		}
		if len(got) != len(want) {
			t.Errorf("%s: sums %v, want %v", name, got, want)
		}
		for k, v := range want {
			if !got[k].Equal(v) {
				t.Errorf("%s: %v = %s, want %s", name, k, got[k], v)
			}
		}
	}
	want := map[FileKey]decimal.Decimal{}
	if err := BookingSums([]byte(good+second+booking), want); err != nil {
		t.Fatal(err)
	}
	if s := want[FileKey{"10000", "8400", "S"}]; !s.Equal(decimal.RequireFromString("238")) {
		t.Errorf("Soll sum %s, want 238", s)
	}
	if s := want[FileKey{"10000", "8400", "H"}]; !s.Equal(decimal.RequireFromString("0.05")) {
		t.Errorf("Haben sum %s, want 0.05", s)
	}
}
