package xlsxcell

import (
	"testing"
)

func TestNeutralize(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "=SUM(A1)": "'=SUM(A1)", "+49 30": "'+49 30", "-5": "'-5", "@x": "'@x",
		"\tx": "'\tx", "\rx": "'\rx", "a=b": "a=b", "Schraube": "Schraube",
	} {
		if got := Neutralize(in); got != want {
			t.Errorf("Neutralize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSignificantDigits(t *testing.T) {
	for in, want := range map[string]int{
		"0": 0, "0.000": 0, "1": 1, "100": 1, "-0.0012300": 3, "123456789012345": 15,
		"1234567890123456": 16, "1.5": 2, "1e5": 2,
	} {
		if got := SignificantDigits(in); got != want {
			t.Errorf("SignificantDigits(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestTextWidth(t *testing.T) {
	for _, c := range []struct {
		s     string
		limit int
		want  int
	}{{"", 10, 0}, {"Größe", 10, 5}, {"ab\nabcd\nc", 10, 4}, {"abcdefghijkl", 10, 10}} {
		if got := TextWidth(c.s, c.limit); got != c.want {
			t.Errorf("TextWidth(%q, %d) = %d, want %d", c.s, c.limit, got, c.want)
		}
	}
}
