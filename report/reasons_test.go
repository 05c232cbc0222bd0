package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/mappings"
)

// Every rule words its own English example in German, with the values in
// place.
func TestGermanReasons(t *testing.T) {
	for _, r := range germanReasons.All() {
		en, de := r.Example()
		if got := germanReason(en); got != de {
			t.Errorf("%q:\n got %q\nwant %q", en, got, de)
		}
	}
	for _, c := range [][2]string{
		{`element "a": not a whole number`, `Element "a": keine ganze Zahl`},
		{`element "b" is above the maximum 5`, `Element "b" liegt über dem Maximum 5`},
		{`ambiguous: "1.234" is 1.234 with a decimal point or 1234 with a thousands point; set decimal: comma or decimal: point`,
			`mehrdeutig: "1.234" ist 1.234 mit Punkt als Dezimaltrennzeichen oder 1234 mit Punkt als Tausendertrennzeichen; decimal: comma oder decimal: point angeben`},
		{"something new", "something new"},
	} {
		if got := germanReason(c[0]); got != c[1] {
			t.Errorf("%q:\n got %q\nwant %q", c[0], got, c[1])
		}
	}
}

// The reasons the mapping gives (found in its source, where a record's
// field fails) all have German words: a reason added later without them
// fails here.
func TestGermanReasonsComplete(t *testing.T) {
	// a reason's text at the places that fail a field: the literal and
	// whether more is appended to it
	sites := regexp.MustCompile(`(?:reasonError\(|reasonf\(|fail\(res, [^,]+, (?:fmt\.Sprintf\()?|report\((?:fmt\.Sprintf\()?|const boolHelp = |errNotDate = errors\.New\(|msg := fmt\.Sprintf\()("(?:[^"\\]|\\.)*")(\s*\+)?`)
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[qsdvT]`)
	// reasons put together from more than one literal, as they read
	composed := map[string]string{
		"is ":              "is 7 characters long, more than max_length 5",
		"not a valid date": "not a valid date (month out of range)",
	}
	files, _ := filepath.Glob(filepath.Join("..", "mappings", "*.go"))
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || filepath.Base(name) == "compile.go" {
			continue // compile.go: the job's mistakes, not a record's
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range sites.FindAllStringSubmatch(string(b), -1) {
			lit, err := strconv.Unquote(m[1])
			if err != nil {
				t.Fatalf("%s: %s: %v", name, m[1], err)
			}
			if strings.HasPrefix(lit, "element ") || lit == "%s: the Wawi has no %s" || lit == "%s: the Wawi knows %s" {
				continue // wrappers of another reason, worded with it
			}
			example := verbs.ReplaceAllString(lit, `"x"`)
			if m[2] != "" {
				if c, ok := composed[lit]; ok {
					example = c
				} else {
					example += "5" // "is below the minimum " + the rule's value
				}
			}
			n++
			if germanReason(example) == example {
				t.Errorf("%s: no German for the reason %q (example %q)", filepath.Base(name), lit, example)
			}
		}
	}
	if n < 30 {
		t.Errorf("found %d reasons; the pattern is broken", n)
	}
}

type testFieldErrors []*mappings.FieldError

func (fe testFieldErrors) Error() string {
	parts := make([]string, len(fe))
	for i, f := range fe {
		parts[i] = f.Error()
	}
	return strings.Join(parts, "; ")
}
func (fe testFieldErrors) FieldErrors() []*mappings.FieldError { return fe }

func TestReasonText(t *testing.T) {
	fes := testFieldErrors{
		{Target: "PurchasePriceNet", Column: "EK netto", Value: "k. A.", Reason: "not a number: unexpected 'k'"},
		{Target: "SKU", Column: "Art.-Nr.", Reason: "required, but empty"},
	}
	if got, want := ReasonText(i18n.English, fes), fes.Error(); got != want {
		t.Errorf("English: %q, want %q", got, want)
	}
	want := `PurchasePriceNet (Spalte "EK netto"): Wert "k. A.": keine Zahl: unerwartetes Zeichen 'k'; SKU (Spalte "Art.-Nr."): Pflichtfeld, aber leer`
	if got := ReasonText(i18n.German, fes); got != want {
		t.Errorf("German:\n got %q\nwant %q", got, want)
	}
	if got := ReasonText(i18n.German, fes[1]); got != `SKU (Spalte "Art.-Nr."): Pflichtfeld, aber leer` {
		t.Errorf("one field error: %q", got)
	}
	// a wrapped error that says more, and the Wawi's answers, stay as they are
	wrapped := fmt.Errorf("row 3: %w", fes)
	if got := ReasonText(i18n.German, wrapped); got != wrapped.Error() {
		t.Errorf("wrapped: %q", got)
	}
	api := errors.New("PATCH /items/7: 400 ValidationFailed: SKU is required")
	if got := ReasonText(i18n.German, api); got != api.Error() {
		t.Errorf("API error: %q", got)
	}
	if ReasonText(i18n.German, nil) != "" {
		t.Error("nil error")
	}
}
