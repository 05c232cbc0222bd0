package pipeline

import (
	"errors"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/internal/i18n"
)

// Every rule words its own English example in German, with the values in
// place, and the hint at the end too.
func TestGermanJobMessages(t *testing.T) {
	for _, r := range germanJobMessages.All() {
		en, de := r.Example()
		if got := germanJobMessage(en); got != de {
			t.Errorf("%q:\n got %q\nwant %q", en, got, de)
		}
	}
	for _, c := range [][2]string{
		{`column "EK netto" is not in the file (columns: A, B); did you mean "EK-Netto"?`, `Spalte "EK netto" gibt es in der Datei nicht (vorhandene Spalten: A, B); meinten Sie "EK-Netto"?`},
		{`mapping.fields.0: target is required`, `mapping.fields.0: target fehlt`},
		{"something new", "something new"},
	} {
		if got := germanJobMessage(c[0]); got != c[1] {
			t.Errorf("%q:\n got %q\nwant %q", c[0], got, c[1])
		}
	}
}

// The job's own errors are worded in German, also inside a StartError;
// other errors and English runs are left as they are.
func TestLocalizeJobError(t *testing.T) {
	one := &JobError{File: "j.yaml", Line: 3, Col: 5, Msg: "target is required"}
	errs := JobErrors{one, {File: "j.yaml", Msg: "sink.path is missing: where should the output go?"}}
	got := LocalizeJobError(i18n.German, &StartError{Err: errs})
	var je JobErrors
	if !errors.As(got, &je) || len(je) != 2 || je[0].Msg != "target fehlt" || je[1].Msg != "sink.path fehlt: Wohin soll die Ausgabe geschrieben werden?" || je[0].Line != 3 {
		t.Errorf("got %v", got)
	}
	if one.Msg != "target is required" {
		t.Errorf("the original changed: %q", one.Msg)
	}
	if got := LocalizeJobError(i18n.English, one); got != error(one) {
		t.Errorf("English: %v", got)
	}
	other := errors.New("target is required")
	if got := LocalizeJobError(i18n.German, other); got != other {
		t.Errorf("another error: %v", got)
	}
}

// A resource the Wawi does not have is pointed out at source.resource with
// the nearest one it has.
func TestUnknownResourceHint(t *testing.T) {
	job := &Job{File: "none.yaml", Source: SourceSpec{Type: "erp", Resource: "salesOrderz"}}
	je := SourceErrorAt(job, errors.New(`source: source.resource "salesOrderz" is unknown (known: items, salesOrders, stocks)`))
	if je.Path != "$.source.resource" || !strings.HasSuffix(je.Msg, `; did you mean "salesOrders"?`) {
		t.Errorf("%+v", je)
	}
	if de := germanJobMessage(strings.TrimPrefix(je.Msg, "source.resource: ")); !strings.Contains(de, `gibt es nicht (bekannt: items, salesOrders, stocks); meinten Sie "salesOrders"?`) {
		t.Errorf("German: %s", de)
	}
}
