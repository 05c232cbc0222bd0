package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var verb = regexp.MustCompile(`%[-+# 0]*[0-9.]*[a-zA-Z%]`)

// Both catalogs know every message, with the same arguments in the same
// order: a German text that drops a %d would print %!(EXTRA ...).
func TestCatalogs(t *testing.T) {
	for id, en := range english {
		de, ok := german[id]
		if !ok {
			t.Errorf("%s: no German text", id)
			continue
		}
		if a, b := verb.FindAllString(en, -1), verb.FindAllString(de, -1); !slices.Equal(a, b) {
			t.Errorf("%s: English has %v, German %v", id, a, b)
		}
	}
	for id := range german {
		if _, ok := english[id]; !ok {
			t.Errorf("%s: no English text", id)
		}
	}
	// umlauts, not their ASCII stand-ins
	for id, de := range german {
		for _, bad := range []string{"datensaetze", "geaendert", "unveraendert", "uebersprungen", "fuer", "pruefen",
			"schluessel", "bestaende", "koennen", "muessen", "ueber", "waehlen", "gewaehrt", "oeffnen", "moeglich"} {
			if strings.Contains(strings.ToLower(de), bad) {
				t.Errorf("%s: %q spells an umlaut in ASCII: %s", id, bad, de)
			}
		}
	}
}

func TestT(t *testing.T) {
	if got := German.T("exit.failed", 2, 36); got != "2 von 36 Datensätzen fehlgeschlagen" {
		t.Error(got)
	}
	if got := English.T("exit.failed", 2, 36); got != "2 of 36 records failed" {
		t.Error(got)
	}
	if got := German.Plural(1, "ping.company", "ping.companies"); got != "1 Firma" {
		t.Error(got)
	}
	if got := German.Plural(2, "ping.company", "ping.companies"); got != "2 Firmen" {
		t.Error(got)
	}
	if got := English.Plural(1, "ping.company", "ping.companies"); got != "1 company" {
		t.Error(got)
	}
	if got := English.Plural(2, "ping.company", "ping.companies"); got != "2 companies" {
		t.Error(got)
	}
	if got := Lang("").T("no.such.id"); got != "no.such.id" {
		t.Error(got)
	}
}
