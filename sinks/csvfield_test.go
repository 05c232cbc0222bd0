package sinks

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// FuzzCSVLine checks that lines rendered on the workers are byte for byte
// what encoding/csv's Writer writes for the same fields and delimiter.
func FuzzCSVLine(f *testing.F) {
	f.Add("a", "b,c", `say "hi"`, byte(','))
	f.Add(" lead", "x\r\ny", `\.`, byte(';'))
	f.Add("\u00a0nbsp", "\xa0latin", "tab\there", byte('\t'))
	f.Add("", "\u2003em", "p|q", byte('|'))
	f.Fuzz(func(t *testing.T, a, b, c string, d byte) {
		var comma byte
		switch d % 4 {
		case 0:
			comma = ','
		case 1:
			comma = ';'
		case 2:
			comma = '\t'
		default:
			comma = '|'
		}
		fields := []string{a, b, c}
		var want bytes.Buffer
		w := csv.NewWriter(&want)
		w.Comma = rune(comma)
		if err := w.Write(fields); err != nil {
			t.Skip(err)
		}
		w.Flush()
		var got []byte
		for i, fl := range fields {
			if i > 0 {
				got = append(got, comma)
			}
			if i == 1 {
				got = appendCSVField(got, []byte(fl), comma) // the typed path
			} else {
				got = appendCSVField(got, fl, comma)
			}
		}
		got = append(got, '\n')
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("fields %q with %q:\n got %q\nwant %q", fields, comma, got, want.Bytes())
		}
	})
}
