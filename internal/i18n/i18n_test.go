package i18n

import "testing"

func TestDetect(t *testing.T) {
	for _, c := range []struct {
		flag string
		env  map[string]string
		want Lang
	}{
		{"", nil, English},
		{"de", map[string]string{"LANG": "en_US.UTF-8"}, German},
		{"en", map[string]string{"LANG": "de_DE.UTF-8"}, English},
		{"", map[string]string{"LANG": "de_DE.UTF-8"}, German},
		{"", map[string]string{"LANG": "de_AT"}, German},
		{"", map[string]string{"LC_ALL": "C", "LANG": "de_DE.UTF-8"}, English},
		{"", map[string]string{"LC_MESSAGES": "de_CH.UTF-8", "LANG": "en_GB"}, German},
		{"", map[string]string{"LANG": "fr_FR"}, English},
	} {
		if got := detect(c.flag, func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("flag %q env %v: %s, want %s", c.flag, c.env, got, c.want)
		}
	}
	if German.Pick("Artikel", "items") != "Artikel" || English.Pick("Artikel", "items") != "items" {
		t.Error("Pick")
	}
}
