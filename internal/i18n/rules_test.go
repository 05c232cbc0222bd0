package i18n

import "testing"

func TestRules(t *testing.T) {
	rs := NewRules([][2]string{
		{"{} must be {}", "{} muss {} sein"},
		{"{} is missing", "{} fehlt"},
	}, map[string]string{"comma": "Komma"})
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"decimal must be comma", "decimal muss Komma sein", true},
		{`"x" is missing`, `"x" fehlt`, true},
		{"something else", "something else", false},
		{"x is missing here", "x is missing here", false}, // the whole text, not a part
	} {
		got, ok := rs.Translate(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("%q: got %q %v, want %q %v", c.in, got, ok, c.want, c.ok)
		}
	}
	en, de := rs.All()[0].Example()
	if en != `"v1" must be "v2"` || de != `"v1" muss "v2" sein` {
		t.Errorf("example %q / %q", en, de)
	}
}
