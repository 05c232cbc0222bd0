package xlsxcell

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"
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

func TestWriteRoundTrip(t *testing.T) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for r := 1; r <= 1000; r++ {
		cell, _ := excelize.CoordinatesToCellName(1, r)
		if err := sw.SetRow(cell, []any{r, fmt.Sprintf("Zeile %d", r)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(f, &buf); err != nil {
		t.Fatal(err)
	}
	back, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := back.GetCellValue("Sheet1", "B1000"); v != "Zeile 1000" {
		t.Errorf("B1000 = %q", v)
	}
	if v, _ := back.GetCellValue("Sheet1", "A500"); v != "500" {
		t.Errorf("A500 = %q", v)
	}
}
