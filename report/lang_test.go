package report

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/mappings"
)

// diffLangBuild writes a small report in lang: an update of the purchase
// price, a create, a failure and a guardrail that listed 100 of 1,200
// records.
func diffLangBuild(t *testing.T, lang i18n.Lang) (xlsxPath, htmlPath string) {
	t.Helper()
	d, err := NewDiffWith(t.TempDir(), true, DiffOptions{Lang: lang, Planned: true, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	tg := []mappings.Target{{Path: "SKU", Type: mappings.String}, {Path: "ItemPriceData.PurchasePriceNet", Type: mappings.Decimal}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.addPlan(diffRec(2), diffUpdatePlan(2, "A-1", Change{Field: "ItemPriceData.PurchasePriceNet", Old: diffDec("10.00"), New: diffDec("12.50")}), Updated, nil))
	must(d.addPlan(diffRec(3), &Plan{Outcome: Created, Key: "A-2", Item: &Item{Rec: diffRec(3), Targets: tg, Values: []any{"A-2", diffDec("5.00")}}}, Created, nil))
	must(d.addPlan(diffRec(4), &Plan{Outcome: Failed, Key: "A-3", Err: errString("refused")}, Failed, errString("refused")))
	trip := GuardrailTrip{Rule: "max_failed", Limit: "10%", Found: "1200 of 1500 records would fail", Count: 1200, Of: 1500}
	for i := range 100 {
		trip.Records = append(trip.Records, TripRecord{Row: i + 2, Key: "K", Detail: "x"})
	}
	x, h, err := d.Close(&Summary{Job: "prices", DryRun: true, Created: 1, Updated: 1, Failed: 1, RecordsRead: 3}, []GuardrailTrip{trip}, false)
	must(err)
	return x, h
}

type errString string

func (e errString) Error() string { return string(e) }

func TestDiffReportGerman(t *testing.T) {
	x, h := diffLangBuild(t, i18n.German)
	f := diffOpen(t, x)
	if got := strings.Join(f.GetSheetList(), ","); got != "Übersicht,Änderungen,Neuanlagen,Fehler" {
		t.Fatalf("sheets %s", got)
	}
	ch, _ := f.GetRows("Änderungen")
	if got := strings.Join(ch[0], "|"); got != "Zeile|Schlüssel|Feld|Bisheriger Wert|Neuer Wert|Änderung %|Ergebnis" {
		t.Errorf("header %s", got)
	}
	if ch[1][2] != "Einkaufspreis netto · ItemPriceData.PurchasePriceNet" || ch[1][6] != "würde geändert" {
		t.Errorf("change row %q", ch[1])
	}
	cr, _ := f.GetRows("Neuanlagen")
	if strings.Join(cr[0], "|") != "Zeile|Schlüssel|Ergebnis|Artikelnummer · SKU|Einkaufspreis netto · ItemPriceData.PurchasePriceNet" || cr[1][2] != "würde angelegt" {
		t.Errorf("creates %q", cr)
	}
	sr, _ := f.GetRows("Übersicht")
	var text strings.Builder
	for _, r := range sr {
		text.WriteString(strings.Join(r, "\t") + "\n")
	}
	for _, want := range []string{"Änderungsbericht des Imports: prices",
		"Es wurde nichts geschrieben: Die Schutzregel max_failed (Grenze 10%) hat ausgelöst: 1200 von 1500 Datensätzen würden fehlschlagen",
		"… 1\u202f100 weitere in diff.xlsx", "würde fehlschlagen\t1", "unverändert\t0", "gesamt\t3", "API-Anfragen", "Modus\tvon einer Schutzregel gestoppt"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, text.String())
		}
	}
	page, err := os.ReadFile(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<html lang="de">`, "Änderungsbericht des Imports", "Einkaufspreis netto · ItemPriceData.PurchasePriceNet",
		"würde geändert", "1\u202f100 weitere in diff.xlsx", "Bisheriger Wert", "Datensätze nach Ergebnis"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("diff.html lacks %q", want)
		}
	}
}

func TestDiffReportEnglish(t *testing.T) {
	x, h := diffLangBuild(t, i18n.English)
	f := diffOpen(t, x)
	if got := strings.Join(f.GetSheetList(), ","); got != "Summary,Changes,Creates,Errors" {
		t.Fatalf("sheets %s", got)
	}
	ch, _ := f.GetRows("Changes")
	if ch[1][2] != "Net purchase price · ItemPriceData.PurchasePriceNet" || ch[1][6] != "would be updated" {
		t.Errorf("change row %q", ch[1])
	}
	page, err := os.ReadFile(h)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<html lang="en">`, "1200 of 1500 records would fail", "… 1\u202f100 more in diff.xlsx", "would be created"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("diff.html lacks %q", want)
		}
	}
}

// Every text the reports translate has its German.
func TestGermanDictionaryComplete(t *testing.T) {
	calls := regexp.MustCompile(`(?:\bt|\.T|\.Tf|tr\(lang,)\(?\s*"((?:[^"\\]|\\.)+)"`)
	files, _ := filepath.Glob("*.go")
	files = append(files, "diffreport.html.tmpl")
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range calls.FindAllStringSubmatch(string(b), -1) {
			n++
			key := strings.ReplaceAll(m[1], `\"`, `"`)
			if _, ok := german[key]; !ok {
				t.Errorf("%s: no German for %q", name, key)
			}
		}
	}
	if n < 50 {
		t.Errorf("found %d translated texts; the pattern is broken", n)
	}
	for _, o := range append(diffOutcomeNames[:], plannedOutcomeNames[:]...) {
		if _, ok := german[o]; !ok {
			t.Errorf("no German for outcome %q", o)
		}
	}
}

// A resumed run's report says how many records the interrupted run had
// written already.
func TestDiffReportResumed(t *testing.T) {
	d, err := NewDiffWith(t.TempDir(), false, DiffOptions{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.addPlan(diffRec(2), diffUpdatePlan(2, "A-1", Change{Field: "Stock", Old: int64(1), New: int64(2)}), Updated, nil); err != nil {
		t.Fatal(err)
	}
	x, h, err := d.Close(&Summary{Job: "stock", Updated: 1, RecordsRead: 1, Resumed: 40, Requests: 3}, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := diffOpen(t, x).GetRows("Summary")
	var text strings.Builder
	for _, r := range rows {
		text.WriteString(strings.Join(r, "\t") + "\n")
	}
	if !strings.Contains(text.String(), "Resumed (written by the interrupted run)\t40") || !strings.Contains(text.String(), "API requests\t3") {
		t.Errorf("summary sheet:\n%s", text.String())
	}
	page, _ := os.ReadFile(h)
	if !strings.Contains(string(page), "<th>Resumed (written by the interrupted run)</th><td>40</td>") {
		t.Error("diff.html does not show the resumed count")
	}
}
