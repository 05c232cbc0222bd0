package datev

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/text/encoding/charmap"
)

// A file written to a Stream in parts, cut anywhere (inside a line,
// between CR and LF, after the last byte of a line without CRLF), is
// checked and added up as CheckSums checks the whole file.
func TestStreamIsCheckSums(t *testing.T) {
	good := string(validFile(t))
	lines := strings.SplitAfter(good, "\r\n")
	booking := lines[2]
	second := strings.Replace(strings.Replace(booking, "119,00", "0,05", 1), `"S"`, `"H"`, 1)
	files := map[string]string{
		"good":                good,
		"more":                good + second + booking + second,
		"odd amount":          good + strings.Replace(booking, "119,00", "119,5", 1) + booking,
		"short line":          good + "1,00;\"S\"\r\n" + booking,
		"bad amount":          good + strings.Replace(booking, "119,00", "x", 1) + booking,
		"open quote":          good + strings.Replace(booking, `"S"`, `"S`, 1),
		"no final CRLF":       strings.TrimSuffix(good+second, "\r\n"),
		"last line CR only":   strings.TrimSuffix(good+second, "\n"),
		"LF only":             good + strings.Replace(second, "\r\n", "\n", 1) + booking,
		"empty lines":         good + "\r\n\n\r\n" + booking,
		"CR inside":           good + strings.Replace(booking, ";;", ";\r;", 1),
		"not Windows-1252":    good + strings.Replace(booking, "Schrauben", "Schr\x81uben", 1),
		"header only":         lines[0] + lines[1],
		"header line only":    lines[0],
		"header without CRLF": strings.TrimSuffix(lines[0], "\r\n"),
		"empty":               "",
		"one LF":              "\n",
		"debitors":            string(validDebitorFile(t)),
		"debitor twice":       string(validDebitorFile(t)) + strings.SplitAfter(string(validDebitorFile(t)), "\r\n")[2],
	}
	// a file of many bookings on many accounts
	var booked bytes.Buffer
	h := testHeader()
	w, err := NewWriter(&booked, h)
	if err != nil {
		t.Fatal(err)
	}
	ctl := NewControl(time.Time{}, time.Time{})
	lines2, _ := bookReference(&h, ctl, randomDocs(rand.New(rand.NewPCG(1, 2)), 300))
	for _, l := range lines2 {
		w.WriteLine([]byte(l))
	}
	w.Flush()
	files["booked"] = booked.String()
	r := rand.New(rand.NewPCG(5, 6))
	for name, data := range files {
		want := map[FileKey]decimal.Decimal{}
		wantV, wantErr := CheckSums([]byte(data), want)
		var cuts [][]int // the sizes of the parts
		for size := 1; size <= 7; size++ {
			var c []int
			for n := 0; n < len(data); n += size {
				c = append(c, size)
			}
			cuts = append(cuts, c)
		}
		for range 30 {
			var c []int
			for n := 0; n < len(data); {
				k := 1 + r.IntN(300)
				c = append(c, k)
				n += k
			}
			cuts = append(cuts, c)
		}
		cuts = append(cuts, []int{len(data)}, []int{0, len(data), 0})
		for _, sizes := range cuts {
			parts := fmt.Sprint(sizes[:min(len(sizes), 8)]) // for the messages
			s := NewStream()
			rest := []byte(data)
			for _, k := range sizes {
				k = min(k, len(rest))
				part := append([]byte(nil), rest[:k]...)
				s.Write(part)
				for i := range part { // the caller's buffer is reused
					part[i] = 'x'
				}
				rest = rest[k:]
			}
			got := map[FileKey]decimal.Decimal{}
			gotV, gotErr := s.Finish(got)
			if !reflect.DeepEqual(gotV, wantV) {
				t.Fatalf("%s, parts %s: violations %v, want %v", name, parts, gotV, wantV)
			}
			if (gotErr == nil) != (wantErr == nil) || gotErr != nil && gotErr.Error() != wantErr.Error() {
				t.Fatalf("%s, parts %s: error %v, want %v", name, parts, gotErr, wantErr)
			}
			if len(got) != len(want) {
				t.Fatalf("%s, parts %s: sums %v, want %v", name, parts, got, want)
			}
			for k, v := range want {
				if !got[k].Equal(v) {
					t.Fatalf("%s, parts %s: %v = %s, want %s", name, parts, k, got[k], v)
				}
			}
		}
	}
}

// The checker reads Windows-1252 as its decoder does, every byte.
func TestCheckerDecodesWindows1252(t *testing.T) {
	var raw []byte
	for b := 0x20; b < 0x100; b++ {
		if !undefined1252[b] {
			raw = append(raw, byte(b))
		}
	}
	want, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	var c checker
	got, ok := c.decode(3, raw)
	if !ok || got != string(want) || len(c.v) != 0 {
		t.Errorf("decode %q %v %v, want %q", got, ok, c.v, want)
	}
}
