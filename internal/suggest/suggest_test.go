package suggest

import "testing"

func TestClosest(t *testing.T) {
	for _, c := range []struct {
		word string
		cand []string
		want string
	}{
		{"delimitr", []string{"path", "delimiter", "encoding"}, "delimiter"},
		{"createdSnce", []string{"createdUntil", "createdSince", "isCancelled"}, "createdSince"},
		{"Artikelnumer", []string{"Artikelnummer", "EK netto"}, "Artikelnummer"},
		{"ecnoding", []string{"encoding"}, "encoding"}, // a swap is one edit
		{"sku", []string{"SKU"}, "SKU"},
		{"price", []string{"warehouse", "stock"}, ""}, // too far: no guess
		{"ab", []string{"xy"}, ""},
	} {
		got, ok := Closest(c.word, c.cand)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Closest(%q) = %q, %v; want %q", c.word, got, ok, c.want)
		}
	}
	if d := Distance("ca", "ac"); d != 1 {
		t.Errorf("swap: %d", d)
	}
}
