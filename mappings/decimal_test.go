package mappings

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in   string
		sep  DecimalSep
		want string // decimal.String(); "" when an error is expected
		err  string // substring of the error
	}{
		// explicit comma
		{"1.234,56", SepComma, "1234.56", ""},
		{"1234,56", SepComma, "1234.56", ""},
		{"1.234", SepComma, "1234", ""},
		{"1.234.567", SepComma, "1234567", ""},
		{"0,5", SepComma, "0.5", ""},
		{",5", SepComma, "0.5", ""},
		{"1,234", SepComma, "1.234", ""},
		{"1.5", SepComma, "", `"." must separate groups of 3 digits`},
		{"1,234.5", SepComma, "", `"." after the decimal separator ","`},
		{"1,2,3", SepComma, "", "more than one decimal separator"},
		{"1.23.456", SepComma, "", "groups of 3"},
		{"1234.567", SepComma, "", "groups of 3"},
		{"0.123", SepComma, "", "groups of 3"},
		{"1.234,", SepComma, "1234", ""},
		{"1E3", SepComma, "", "exponent"},
		// explicit point
		{"1,234.56", SepPoint, "1234.56", ""},
		{"1234.56", SepPoint, "1234.56", ""},
		{"1,234", SepPoint, "1234", ""},
		{"1.234", SepPoint, "1.234", ""},
		{"1,5", SepPoint, "", `"," must separate groups of 3 digits`},
		{"1.5E-3", SepPoint, "0.0015", ""},
		{"2e2", SepPoint, "200", ""},
		{"1,234e2", SepPoint, "", "exponent"},
		// auto
		{"1.234,56", SepAuto, "1234.56", ""},
		{"1,234.56", SepAuto, "1234.56", ""},
		{"12,5", SepAuto, "12.5", ""},
		{"12.50", SepAuto, "12.5", ""},
		{"1.234.567", SepAuto, "1234567", ""},
		{"1,234,567", SepAuto, "1234567", ""},
		{"1,234,567.8", SepAuto, "1234567.8", ""},
		{"0,125", SepAuto, "0.125", ""},
		{",125", SepAuto, "0.125", ""},
		{"1234,567", SepAuto, "1234.567", ""},
		{"1,2345", SepAuto, "1.2345", ""},
		{"1,234", SepAuto, "", `ambiguous: "1,234" is 1.234 with a decimal comma or 1234 with a thousands comma`},
		{"1.234", SepAuto, "", "ambiguous"},
		{"999.000", SepAuto, "", "ambiguous"},
		{"-1,234", SepAuto, "", "ambiguous"},
		{"1 234,5", SepAuto, "1234.5", ""},
		{"1 234", SepAuto, "1234", ""},
		{"1'234.50", SepAuto, "1234.5", ""},
		{"1’234’567", SepAuto, "1234567", ""},
		{"1\u00a0234,56", SepAuto, "1234.56", ""},
		{"1\u202f234,56", SepAuto, "1234.56", ""},
		{"1 234.567", SepAuto, "1234.567", ""}, // space grouping: the lone point is decimal
		{"1,234.567,8", SepAuto, "", `"." after the decimal separator ","`},
		{"1.5E3", SepAuto, "1500", ""},
		{"1,5E3", SepAuto, "", "exponent"},
		{"12 50", SepAuto, "", "space must separate groups of 3 digits"},
		{"1 234'567", SepAuto, "", "mixes space and apostrophe"},
		// sign, spaces, currency
		{"  42  ", SepAuto, "42", ""},
		{"-12,50", SepAuto, "-12.5", ""},
		{"+7", SepAuto, "7", ""},
		{"\u22123,5", SepAuto, "-3.5", ""},
		{"12,50 €", SepAuto, "12.5", ""},
		{"€12,50", SepAuto, "12.5", ""},
		{"-€ 12,50", SepAuto, "-12.5", ""},
		{"€ -12,50", SepAuto, "-12.5", ""},
		{"EUR 1.234,56", SepAuto, "1234.56", ""},
		{"1.234,56 eur", SepAuto, "1234.56", ""},
		{"CHF 1'234.50", SepAuto, "1234.5", ""},
		{"$1,234.50", SepAuto, "1234.5", ""},
		{"- 5", SepAuto, "-5", ""},
		{"007", SepAuto, "7", ""},
		{"-0", SepAuto, "0", ""},
		{"123456789012345678901234567890,5", SepAuto, "123456789012345678901234567890.5", ""},
		// garbage
		{"", SepAuto, "", "no digits"},
		{"€", SepAuto, "", "no digits"},
		{"-", SepAuto, "", "no digits"},
		{".", SepAuto, "", "no digits"},
		{"abc", SepAuto, "", `unexpected 'a'`},
		{"12abc", SepAuto, "", `unexpected 'a'`},
		{"1-2", SepAuto, "", `unexpected '-'`},
		{"--1", SepAuto, "", `unexpected '-'`},
		{"12 € €", SepAuto, "", `unexpected '€'`},
		{"1,,5", SepAuto, "", "groups of 3"},
		{",", SepAuto, "", "no digits"},
		{"1.", SepPoint, "1", ""},
		{"1e", SepPoint, "", "bad exponent"},
		{"1e+", SepPoint, "", "bad exponent"},
		{"1e999", SepPoint, "", "out of range"},
		{"1e+-5", SepPoint, "", "bad exponent"},
		{"1.234.", SepComma, "", "groups of 3"},
		{"'123", SepAuto, "", "starts with apostrophe"},
		{strings.Repeat("1", 500), SepAuto, "", "too long"},
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.in, tt.sep)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseDecimal(%q, %v) = %v, %v; want error containing %q", tt.in, tt.sep, got, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseDecimal(%q, %v): %v", tt.in, tt.sep, err)
			continue
		}
		if want := decimal.RequireFromString(tt.want); !got.Equal(want) || got.String() != tt.want {
			t.Errorf("ParseDecimal(%q, %v) = %s, want %s", tt.in, tt.sep, got, tt.want)
		}
	}
}

func TestParseDecimalKeepsScale(t *testing.T) {
	d, err := ParseDecimal("12,50", SepComma)
	if err != nil {
		t.Fatal(err)
	}
	if d.Exponent() != -2 || d.StringFixed(-d.Exponent()) != "12.50" {
		t.Errorf("got %s with exponent %d, want 12.50 with -2", d, d.Exponent())
	}
}

func TestParseDecimalSheet(t *testing.T) {
	// Stored spreadsheet numbers use a point; a lone "." with 3 digits is
	// then decimal, not ambiguous.
	for in, want := range map[string]string{"1.234": "1.234", "1234.5": "1234.5", "4.5E-2": "0.045", "1.234,5": "1234.5"} {
		d, err := parseDecimalSheet(in, SepAuto)
		if err != nil || d.String() != want {
			t.Errorf("parseDecimalSheet(%q) = %s, %v; want %s", in, d, err, want)
		}
	}
	if _, err := parseDecimalSheet("1,234", SepAuto); err == nil {
		t.Error(`parseDecimalSheet("1,234") should stay ambiguous`)
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in    string
		sep   DecimalSep
		sheet bool
		want  int64
		err   string
	}{
		{"42", SepAuto, false, 42, ""},
		{"-42", SepAuto, false, -42, ""},
		{"+42", SepAuto, false, 42, ""},
		{" 42 ", SepAuto, false, 42, ""},
		{"1.000", SepComma, false, 1000, ""},
		{"1,000", SepPoint, false, 1000, ""},
		{"1.000", SepPoint, false, 1, ""},
		{"1.000", SepAuto, false, 0, "ambiguous"},
		{"1.000", SepAuto, true, 1, ""},
		{"1.000.000", SepAuto, false, 1000000, ""},
		{"1.5", SepAuto, false, 0, "not a whole number"},
		{"1,5", SepComma, false, 0, "not a whole number"},
		{"3,0", SepComma, false, 3, ""},
		{"0,00", SepComma, false, 0, ""},
		{"1E3", SepPoint, false, 1000, ""},
		{"9223372036854775807", SepAuto, false, 9223372036854775807, ""},
		{"-9223372036854775808", SepAuto, false, -9223372036854775808, ""},
		{"9223372036854775808", SepAuto, false, 0, "too large"},
		{"99999999999999999999", SepAuto, false, 0, "too large"},
		{"1E30", SepPoint, false, 0, "too large"},
		{"12 Stück", SepAuto, false, 0, "unexpected 'S'"},
		{"-", SepAuto, false, 0, "no digits"},
	}
	for _, tt := range tests {
		got, err := parseInt(tt.in, tt.sep, tt.sheet)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseInt(%q, %v) = %d, %v; want error %q", tt.in, tt.sep, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseInt(%q, %v) = %d, %v; want %d", tt.in, tt.sep, got, err, tt.want)
		}
	}
}

func TestParseBool(t *testing.T) {
	for _, s := range []string{"ja", "JA", "Yes", "true", "TRUE", "wahr", "1", "x", "X", "j", "y", "Y"} {
		if v, ok := parseBool(s); !ok || !v {
			t.Errorf("parseBool(%q) = %v, %v; want true", s, v, ok)
		}
	}
	for _, s := range []string{"nein", "Nein", "no", "false", "falsch", "0", "n", "N"} {
		if v, ok := parseBool(s); !ok || v {
			t.Errorf("parseBool(%q) = %v, %v; want false", s, v, ok)
		}
	}
	for _, s := range []string{"maybe", "2", "xx", "\x11", "jein", "on"} {
		if _, ok := parseBool(s); ok {
			t.Errorf("parseBool(%q) accepted", s)
		}
	}
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"1.234,56", "1,234.56", "-12,50 €", "1'234.5", "1.5E-3", "0,125", "1,234", "€", "1 234", "\u22121", "9999999999999999999.99"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, sepByte uint8) {
		sep := DecimalSep(sepByte % 3)
		d, err := ParseDecimal(s, sep)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		// A parsed decimal reads back exactly from its canonical text.
		text := d.String()
		back, err := ParseDecimal(text, SepPoint)
		if err != nil {
			t.Fatalf("ParseDecimal(%q) = %s, which does not read back: %v", s, text, err)
		}
		if !back.Equal(d) || back.String() != text {
			t.Fatalf("ParseDecimal(%q) = %s, reads back as %s", s, text, back)
		}
		ref, err := decimal.NewFromString(text)
		if err != nil || !ref.Equal(d) {
			t.Fatalf("ParseDecimal(%q) = %s, shopspring reads %s, %v", s, text, ref, err)
		}
	})
}

// FuzzPlainDecimal: the fast path agrees with the full parser on every text
// it takes.
func FuzzPlainDecimal(f *testing.F) {
	for _, s := range []string{"19.90", "-0,50", "+7", "007.5", "1.", ".5", "1,234", "123456789012345678", "1234567890123456789", "12.5.1", "-"} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, sepByte uint8) {
		sep := DecimalSep(sepByte % 3)
		m, exp, ok := plainDecimal(s, sep)
		if !ok {
			return
		}
		var n number
		if err := scanNumber(s, sep, false, &n); err != nil {
			t.Fatalf("plainDecimal(%q, %v) = %d e%d, the parser says %v", s, sep, m, exp, err)
		}
		wm, wexp, wok := n.small()
		if !wok || wm != m || wexp != exp {
			t.Fatalf("plainDecimal(%q, %v) = %d e%d, the parser %d e%d (%v)", s, sep, m, exp, wm, wexp, wok)
		}
	})
}
