package report

import (
	"strconv"
	"strings"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/mappings"
)

// ReasonText is a failure's reason as the reports show it, in the run's
// language. In German the mapping's field problems (the reasons a merchant
// fixes in the error workbook: empty required cells, numbers, dates, yes/no
// values, lookups, validation rules) are German; the Wawi's own answers and
// anything without a translation stay as they are.
func ReasonText(lang i18n.Lang, err error) string {
	if err == nil {
		return ""
	}
	if lang != i18n.German {
		return err.Error()
	}
	// the error itself, not one that wraps it: a wrapper says more
	switch e := err.(type) {
	case FieldErrors:
		if fes := e.FieldErrors(); len(fes) > 0 {
			parts := make([]string, len(fes))
			for i, f := range fes {
				parts[i] = germanFieldError(f)
			}
			return strings.Join(parts, "; ")
		}
	case *mappings.FieldError:
		return germanFieldError(e)
	}
	return err.Error()
}

// germanFieldError is mappings.FieldError.Error in German.
func germanFieldError(e *mappings.FieldError) string {
	return e.Text("Spalte", "Wert", germanReason(e.Reason))
}

// germanReasons are the mapping's reasons (mappings: decimal.go, date.go,
// serial.go, mapper.go, rules.go, transform.go, lookup_known.go), the more
// specific before the more general. TestGermanReasons words each once.
var germanReasons = i18n.NewRules([][2]string{
	{"required, but empty", "Pflichtfeld, aber leer"},
	{"not a number: no digits", "keine Zahl: keine Ziffern"},
	{"not a number: unexpected {}", "keine Zahl: unerwartetes Zeichen {}"},
	{"not a number: bad exponent {}", "keine Zahl: ungültiger Exponent {}"},
	{"not a whole number", "keine ganze Zahl"},
	{"too long for a number", "zu lang für eine Zahl"},
	{"too large for an int (max 9223372036854775807)", "zu groß für eine ganze Zahl (höchstens 9223372036854775807)"},
	{"{} is not a whole number after round/multiply", "{} ist nach round/multiply keine ganze Zahl"},
	{"exponent notation (E) needs a decimal point and no thousands separators", "Exponentenschreibweise (E) braucht einen Dezimalpunkt und keine Tausendertrennzeichen"},
	{"exponent {} out of range ({})", "Exponent {} außerhalb des Bereichs ({})"},
	{"ambiguous: {} is {} with a decimal {} or {} with a thousands {}; set decimal: comma or decimal: point",
		"mehrdeutig: {} ist {} mit {} als Dezimaltrennzeichen oder {} mit {} als Tausendertrennzeichen; decimal: comma oder decimal: point angeben"},
	{"more than one decimal separator {}", "mehr als ein Dezimaltrennzeichen {}"},
	{"{} after the decimal separator {}", "{} nach dem Dezimaltrennzeichen {}"},
	{"starts with {}", "beginnt mit {}"},
	{"mixes {} and {} as thousands separators", "mischt {} und {} als Tausendertrennzeichen"},
	{"{} must separate groups of 3 digits (decimal separator: {})", "{} muss Gruppen von 3 Ziffern trennen (Dezimaltrennzeichen: {})"},
	{"not a date (expected yyyy-mm-dd, dd.mm.yyyy or ISO 8601 date-time; set format: for other layouts)",
		"kein Datum (erwartet jjjj-mm-tt, tt.mm.jjjj oder ISO-8601-Datum mit Uhrzeit; für andere Schreibweisen format: angeben)"},
	{"not a valid date ({})", "kein gültiges Datum ({})"},
	{"does not match format {} ({})", "passt nicht zum Format {} ({})"},
	{"does not match format {}", "passt nicht zum Format {}"},
	{"serial date {} is after 9999-12-31", "Datumszahl {} liegt nach dem 31.12.9999"},
	{"serial date {} is before 1900-01-01", "Datumszahl {} liegt vor dem 01.01.1900"},
	{"serial date 60 is 1900-02-29, a day that does not exist (a spreadsheet compatibility bug)",
		"Datumszahl 60 ist der 29.02.1900, ein Tag, den es nicht gibt (ein Kompatibilitätsfehler von Tabellenkalkulationen)"},
	{"not a yes/no value (use ja/nein, yes/no, true/false, wahr/falsch, j/n, y/n, 1/0, or x for yes)",
		"kein Ja/Nein-Wert (ja/nein, yes/no, true/false, wahr/falsch, j/n, y/n, 1/0 oder x für ja verwenden)"},
	{"{} is not in lookup table {}: the Wawi has no {}", "{} steht nicht in der Nachschlagetabelle {}: die Wawi hat keine {}"},
	{"{} is not in lookup table {}: the Wawi knows {}", "{} steht nicht in der Nachschlagetabelle {}: die Wawi kennt {}"},
	{"{} is not in lookup table {}", "{} steht nicht in der Nachschlagetabelle {}"},
	{"does not match pattern {}", "passt nicht zum Muster {}"},
	{"does not match regex {}", "passt nicht zum regulären Ausdruck {}"},
	{"is below the minimum {}", "liegt unter dem Minimum {}"},
	{"is above the maximum {}", "liegt über dem Maximum {}"},
	{"is not one of: {}", "ist keiner der Werte: {}"},
	{"is {} characters long, more than max_length {}", "ist {} Zeichen lang, mehr als max_length {}"},
	{"is a list; map it with type: list", "ist eine Liste; mit type: list abbilden"},
	{"is an object, not a value; map one of its fields with a dotted path", "ist ein Objekt, kein Wert; eines seiner Felder mit einem Pfad mit Punkten abbilden"},
	{"is an object, not a list", "ist ein Objekt, keine Liste"},
	{"list elements must be plain values", "Listenelemente müssen einfache Werte sein"},
	{"unsupported type {}", "nicht unterstützter Typ {}"},
	{"a {} value cannot be a {}", "ein Wert vom Typ {} kann kein {} sein"},
}, germanWords)

// germanWords are the words the reasons put in their values (the
// separators' names).
var germanWords = map[string]string{"comma": "Komma", "point": "Punkt", "apostrophe": "Apostroph", "space": "Leerzeichen", "none": "keins"}

// germanReason is reason in German, or reason where no rule words it. A
// list element's reason (`element "x": …`, `element "x" …`) keeps its
// element.
func germanReason(reason string) string {
	if rest, ok := strings.CutPrefix(reason, "element "); ok {
		if q, err := strconv.QuotedPrefix(rest); err == nil {
			tail := rest[len(q):]
			if r, ok := strings.CutPrefix(tail, ": "); ok {
				return "Element " + q + ": " + germanReason(r)
			}
			if r, ok := strings.CutPrefix(tail, " "); ok {
				return "Element " + q + " " + germanReason(r)
			}
		}
	}
	de, _ := germanReasons.Translate(reason)
	return de
}
