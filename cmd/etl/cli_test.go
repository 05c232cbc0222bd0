package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/report"
)

func TestRunWithoutJobPrintsUsage(t *testing.T) {
	code, _, stderr := etl(t, "run")
	if code != exitCannotStart {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr, "Usage:") || !strings.Contains(stderr, "--dry-run") || !strings.Contains(stderr, "etl run jobs/") {
		t.Errorf("no usage: %s", stderr)
	}
}

func normalizeArgs(t *testing.T, extra ...string) []string {
	dir := t.TempDir()
	return append([]string{"run", "--no-progress", "--report-dir", filepath.Join(dir, "r"),
		"--set", "sink.path=" + filepath.Join(dir, "out.xlsx")}, append(extra, "../../jobs/supplier-normalize.yaml")...)
}

// The summary and the exit message speak German with --lang de or a
// German locale, English otherwise.
func TestSummaryInGermanAndEnglish(t *testing.T) {
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "de_DE.UTF-8")
	code, stdout, stderr := etl(t, normalizeArgs(t)...)
	if code != exitRecordsFail {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"gelesen:", "geschrieben", "unverändert", "übersprungen", "fehlgeschlagen in", "Ausgabe: ", "Fehler: ", "erneut mit --source"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("German summary lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "Datensätzen fehlgeschlagen") {
		t.Errorf("German exit message: %s", stderr)
	}

	code, stdout, stderr = etl(t, normalizeArgs(t, "--lang", "en")...)
	if code != exitRecordsFail {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, " read: ") || !strings.Contains(stdout, " written, ") || !strings.Contains(stderr, "records failed") {
		t.Errorf("English with --lang en:\n%s\n%s", stdout, stderr)
	}
}

// --log-format json: every line on stdout and stderr is one JSON object,
// the summary and the last error line included.
func TestLogFormatJSONEveryLine(t *testing.T) {
	code, stdout, stderr := etl(t, normalizeArgs(t, "--log-format", "json")...)
	if code != exitRecordsFail {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var summary map[string]any
	for name, out := range map[string]string{"stdout": stdout, "stderr": stderr} {
		lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
		for _, l := range lines {
			var obj map[string]any
			if err := json.Unmarshal([]byte(l), &obj); err != nil {
				t.Errorf("%s: not JSON: %q", name, l)
				continue
			}
			if obj["msg"] == "summary" {
				summary = obj
			}
		}
	}
	if summary == nil || summary["records_read"] == nil || summary["failed"] == nil || summary["error_workbook"] == nil {
		t.Errorf("no summary object: %v\n%s", summary, stdout)
	}
}

func TestPingCountsCompanies(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{})
	defer srv.Close()
	t.Setenv("WAWI_URL", srv.URL)
	t.Setenv("WAWI_API_KEY", "k")
	code, stdout, stderr := etl(t, "ping", "--lang", "en")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "(1 company)") || strings.Contains(stdout, "tenant") {
		t.Errorf("ping:\n%s", stdout)
	}
	code, stdout, _ = etl(t, "ping", "--lang", "de")
	if code != exitOK || !strings.Contains(stdout, "(1 Firma)") || !strings.Contains(stdout, "Zugangsdaten akzeptiert") {
		t.Errorf("ping auf Deutsch:\n%s", stdout)
	}
}

// With --key-file the key goes to the file only.
func TestRegisterKeyFileDoesNotPrintTheKey(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{RegistrationAutoAccept: time.Millisecond})
	defer srv.Close()
	t.Setenv("WAWI_URL", srv.URL)
	keyFile := filepath.Join(t.TempDir(), "wawi.key")
	code, stdout, stderr := etl(t, "register", "--challenge", "abc", "--poll", "10ms", "--key-file", keyFile)
	if code != exitOK {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	key, err := os.ReadFile(keyFile)
	if err != nil || len(bytes.TrimSpace(key)) == 0 {
		t.Fatalf("key file: %v %q", err, key)
	}
	if strings.Contains(stdout+stderr, string(bytes.TrimSpace(key))) {
		t.Errorf("the key is printed although it went to %s:\n%s", keyFile, stdout)
	}
	if !strings.Contains(stdout, "WAWI_API_KEY_FILE=") {
		t.Errorf("no hint how to use the file:\n%s", stdout)
	}
}

// A missing source file is named with the job file and the line of its
// path; a misspelt Wawi filter with its line, under source.filters.
func TestRunSourceErrorsPointAtTheLine(t *testing.T) {
	dir := t.TempDir()
	job := filepath.Join(dir, "job.yaml")
	os.WriteFile(job, []byte("name: x\nsource:\n  path: nope.csv\nmapping: {fields: [{target: SKU, column: A}]}\nsink: {type: csv, path: out.csv}\n"), 0o644)
	code, _, stderr := etl(t, "run", "--no-progress", "--report-dir", dir, job)
	if code != exitCannotStart || !strings.Contains(stderr, "job.yaml:3:9: cannot open the source") {
		t.Errorf("exit %d: %s", code, stderr)
	}

	srv := erptest.NewServer(erptest.Options{})
	defer srv.Close()
	t.Setenv("WAWI_URL", srv.URL)
	t.Setenv("WAWI_API_KEY", "k")
	os.WriteFile(job, []byte("name: x\nsource:\n  type: erp\n  resource: salesOrders\n  filters:\n    createdSnce: 2025-05-01\nsink: {type: csv, path: out.csv}\n"), 0o644)
	code, _, stderr = etl(t, "run", "--no-progress", "--report-dir", dir, "--state-dir", dir, job)
	if code != exitCannotStart || !strings.Contains(stderr, "job.yaml:6:") || !strings.Contains(stderr, "source.filters:") ||
		strings.Contains(stderr, "source.path") || !strings.Contains(stderr, `did you mean "createdSince"?`) {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// The schema the example jobs point at is the one etl prints (generated
// from the types): `make schema` after changing a job type. etl checks job
// files against this file, embedded (package etl): a stale copy would
// check them against the types of before.
func TestShippedSchemaIsCurrent(t *testing.T) {
	shipped, err := os.ReadFile("../../etl-job.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := etl(t, "schema")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if string(shipped) != stdout {
		t.Error("etl-job.schema.json is stale: run make schema")
	}
	// every key has help for an editor to show
	var doc any
	if err := json.Unmarshal(shipped, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(n any, at string)
	props := 0
	walk = func(n any, at string) {
		switch v := n.(type) {
		case map[string]any:
			if ps, ok := v["properties"].(map[string]any); ok {
				for k, p := range ps {
					props++
					if pm, _ := p.(map[string]any); pm["description"] == nil {
						t.Errorf("%s.%s has no description", at, k)
					}
				}
			}
			for k, c := range v {
				walk(c, at+"/"+k)
			}
		case []any:
			for _, c := range v {
				walk(c, at)
			}
		}
	}
	walk(doc, "")
	if props < 100 {
		t.Errorf("%d properties: the walk missed some", props)
	}
}

func TestPingExplainsInGerman(t *testing.T) {
	t.Setenv("WAWI_URL", "http://127.0.0.1:1/api/eazybusiness/")
	t.Setenv("WAWI_API_KEY", "k")
	code, stdout, stderr := etl(t, "ping", "--lang", "de")
	if code != exitCannotStart || !strings.Contains(stderr, "nicht erreichbar") || !strings.Contains(stderr, "Prüfen Sie WAWI_URL") ||
		!strings.Contains(stdout, "FEHLGESCHLAGEN") {
		t.Errorf("exit %d:\n%s\n%s", code, stdout, stderr)
	}
}

func TestMissingJobFileAndWrongFlag(t *testing.T) {
	code, _, stderr := etl(t, "run", "--no-progress", "nope.yaml")
	if code != exitCannotStart || !strings.Contains(stderr, "nope.yaml: there is no such job file") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	code, _, stderr = etl(t, "--lang", "de", "validate", "nope.yaml")
	if code != exitCannotStart || !strings.Contains(stderr, "Diese Job-Datei gibt es nicht") || !strings.Contains(stderr, "1 von 1 Job-Dateien") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	code, _, stderr = etl(t, "run", "--frobnicate", "x.yaml")
	if code != exitCannotStart || !strings.Contains(stderr, "(see etl run --help)") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// A guardrail that stops an import is explained in German: the rule, what
// the plan would have done, and the records with German field names.
func TestGuardrailInGerman(t *testing.T) {
	srv := seededWawi(t)
	dir := t.TempDir()
	code, stdout, stderr := etl(t, "run", "--lang", "de", "--no-progress", "--report-dir", dir, "--state-dir", dir,
		"--set", "options.guardrails.max_price_change=1%", "../../jobs/supplier-prices.yaml")
	if code != exitRecordsFail {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"ANGEHALTEN, nichts wurde geschrieben: Schutzregel max_price_change (Grenze 1%) ausgelöst:",
		"Datensätze würden einen Preis", "Zeile 5 ACME-1004: Einkaufspreis netto: 54,09 → 56,94 (5,3 %)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("lacks %q:\n%s", want, stdout)
		}
	}
	if c := srv.Counters(); c.Writes != 0 {
		t.Errorf("%d writes", c.Writes)
	}
}

// A guardrail lists its first records; the rest are counted from all that
// broke it, not from the list (5 of 1,200 shown: 1,195 more).
func TestGuardrailMoreCount(t *testing.T) {
	trip := report.GuardrailTrip{Rule: "max_failed", Limit: "10%", Found: "1200 of 1300 records would fail", Count: 1200, Of: 1300}
	for i := range 100 {
		trip.Records = append(trip.Records, report.TripRecord{Row: i + 2, Detail: "bad"})
	}
	var b strings.Builder
	printSummary(&b, false, i18n.English, &pipeline.Summary{Job: "j", Guardrails: []report.GuardrailTrip{trip}}, false)
	if !strings.Contains(b.String(), "1195 more") {
		t.Errorf("summary:\n%s", b.String())
	}
}

// The advice under errors.xlsx matches the case: re-import the workbook
// only for rows of a file; Wawi documents are fixed in the Wawi, and a run
// that stopped is run again.
func TestSummaryAdviceMatchesTheCase(t *testing.T) {
	for _, c := range []struct {
		name      string
		sum       pipeline.Summary
		want, not string
	}{
		{"file rows", pipeline.Summary{Job: "j", Source: "csv", Sink: "erp", JobFile: "j.yaml", ErrorWorkbook: "e.xlsx"}, "--source e.xlsx", "etl ping"},
		{"wawi documents", pipeline.Summary{Job: "j", Source: "erp", Sink: "xlsx", ErrorWorkbook: "e.xlsx"}, "fix them in the Wawi", "--source"},
		{"run stopped", pipeline.Summary{Job: "j", Source: "csv", Sink: "erp", ErrorWorkbook: "e.xlsx", Fatal: "connection refused"}, "etl ping", "--source"},
	} {
		var b strings.Builder
		printSummary(&b, false, i18n.English, &c.sum, false)
		if !strings.Contains(b.String(), c.want) || strings.Contains(b.String(), c.not) {
			t.Errorf("%s: summary\n%s\nwant %q, not %q", c.name, b.String(), c.want, c.not)
		}
	}
}

// The error workbook gives a merchant's mistakes in the run's language; its
// columns keep their names, so the fixed workbook reads back either way.
func TestErrorWorkbookReasonsInGerman(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "preise.csv")
	if err := os.WriteFile(src, []byte("Art.-Nr.;EK netto\nA-1;12,50\n;3,00\nA-3;k. A.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	job := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(job, []byte(`source: {type: csv, path: preise.csv, delimiter: ";"}
mapping:
  fields:
    - {target: SKU, column: Art.-Nr., required: true}
    - {target: Price, column: EK netto, type: decimal, decimal: comma}
sink: {type: csv, path: out.csv}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ lang, empty, number string }{
		{"en", `SKU (column "Art.-Nr."): required, but empty`, `Price (column "EK netto"): value "k. A.": not a number: unexpected 'k'`},
		{"de", `SKU (Spalte "Art.-Nr."): Pflichtfeld, aber leer`, `Price (Spalte "EK netto"): Wert "k. A.": keine Zahl: unerwartetes Zeichen 'k'`},
	} {
		reports := filepath.Join(dir, "reports-"+c.lang)
		code, _, stderr := etl(t, "run", "--lang", c.lang, "--no-progress", "--report-dir", reports, job)
		if code != exitRecordsFail {
			t.Fatalf("%s: exit %d: %s", c.lang, code, stderr)
		}
		f, err := excelize.OpenFile(filepath.Join(reports, "errors.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows("Errors")
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{{"Art.-Nr.", "EK netto", "_row", "_field", "_error"}, {"", "3,00", "3", "SKU", c.empty}, {"A-3", "k. A.", "4", "Price", c.number}}
		if fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("%s: errors.xlsx\n got %q\nwant %q", c.lang, rows, want)
		}
	}
}

// The advice is in the run's language, summary.json's stays English.
func TestSummaryAdviceInGerman(t *testing.T) {
	for _, c := range []struct {
		sum  pipeline.Summary
		want string
	}{
		{pipeline.Summary{Job: "j", Source: "csv", Sink: "erp", JobFile: "j.yaml", ErrorWorkbook: "e.xlsx", Fatal: "connection refused"},
			"Nächster Schritt: Der Lauf wurde vorzeitig beendet: Wenn die Wawi nicht erreichbar war, die Verbindung mit etl ping prüfen"},
		{pipeline.Summary{Job: "j", Source: "erp", Sink: "xlsx", ErrorWorkbook: "e.xlsx"},
			"Nächster Schritt: Die fehlgeschlagenen Datensätze stammen aus der Wawi und stehen in e.xlsx"},
	} {
		var b strings.Builder
		printSummary(&b, false, i18n.German, &c.sum, false)
		if !strings.Contains(b.String(), c.want) || strings.Contains(b.String(), "The run stopped") || strings.Contains(b.String(), "The failed records") {
			t.Errorf("summary\n%s\nwant %q", b.String(), c.want)
		}
		if strings.Contains(c.sum.NextStep(), "Wawi nicht") {
			t.Errorf("summary.json's advice: %s", c.sum.NextStep())
		}
	}
}

// A run stopped by max_failed names its records' problems in the run's
// language on the console, and its last line too.
func TestFailedGuardrailInGerman(t *testing.T) {
	seededWawi(t)
	dir := t.TempDir()
	src := filepath.Join(dir, "acme.csv")
	// two of two rows fail: over max_failed's 20 %
	if err := os.WriteFile(src, []byte("Artikelnummer;EK netto;VK netto;Bestand;Lieferzeit\n;1,00;2,00;5;2\nACME-1001;12,3x;2,00;5;2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := etl(t, "run", "--lang", "de", "--no-progress", "--dry-run", "--report-dir", dir, "--state-dir", dir,
		"--source", src, "../../jobs/supplier-prices.yaml")
	if code != exitRecordsFail {
		t.Fatalf("exit %d: %s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{`(Spalte "Artikelnummer"): Pflichtfeld, aber leer`, `(Spalte "EK netto"): Wert "12,3x": keine Zahl: unerwartetes Zeichen 'x'`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "etl: Schutzregel ausgelöst: nichts wurde geschrieben") {
		t.Errorf("stderr: %s", stderr)
	}
}

// One record that failed in the earlier import is one, not "1 … sind".
func TestAlreadyImportedFailedCount(t *testing.T) {
	for n, want := range map[int64]string{1: "1 Datensatz ist damals fehlgeschlagen: Korrigieren Sie ihn", 3: "3 ihrer Datensätze sind damals fehlgeschlagen: Korrigieren Sie sie"} {
		var b strings.Builder
		printSummary(&b, false, i18n.German, &pipeline.Summary{Job: "j", AlreadyImported: true, AlreadyImportedFailed: n}, false)
		if !strings.Contains(b.String(), want) {
			t.Errorf("%d: %s", n, b.String())
		}
	}
}

// The mistakes a merchant makes most when a run will not start are said in
// German: the connection settings, a column the supplier renamed, a file
// that is not there. (In English the connection settings' message has no
// second prefix of the client's own.)
func TestStartProblemsInGerman(t *testing.T) {
	t.Setenv("WAWI_URL", "")
	t.Setenv("WAWI_API_KEY", "")
	code, _, stderr := etl(t, "run", "--lang", "de", "--no-progress", "--dry-run", "../../jobs/supplier-prices.yaml")
	if code != exitCannotStart || !strings.Contains(stderr, "Verbindung zur Wawi: WAWI_URL ist nicht gesetzt (z. B. ") || strings.Contains(stderr, "erp config") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	code, _, stderr = etl(t, "run", "--lang", "en", "--no-progress", "--dry-run", "../../jobs/supplier-prices.yaml")
	if code != exitCannotStart || !strings.Contains(stderr, "etl: ERP connection: WAWI_URL is not set (e.g. ") || strings.Contains(stderr, "erp config") {
		t.Errorf("English: exit %d: %s", code, stderr)
	}
	srv := erptest.NewServer(erptest.Options{})
	defer srv.Close()
	t.Setenv("WAWI_URL", srv.URL)
	code, _, stderr = etl(t, "run", "--lang", "de", "--no-progress", "--dry-run", "../../jobs/supplier-prices.yaml")
	if code != exitCannotStart || !strings.Contains(stderr, "keine Zugangsdaten: für eine OnPremise-Wawi WAWI_API_KEY") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	t.Setenv("WAWI_API_KEY", "k")
	dir := t.TempDir()
	renamed := filepath.Join(dir, "acme.csv")
	if err := os.WriteFile(renamed, []byte("Artikelnummer;EK-Preis;VK netto;Bestand\nACME-1001;1,00;2,00;5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ source, want string }{
		{renamed, `Spalte "EK netto" gibt es in der Datei nicht (vorhandene Spalten: Artikelnummer, EK-Preis, VK netto, Bestand)`},
		{filepath.Join(dir, "fehlt.csv"), "die Quelle lässt sich nicht öffnen: die Datei " + filepath.Join(dir, "fehlt.csv") + " gibt es nicht"},
	} {
		code, _, stderr := etl(t, "run", "--lang", "de", "--no-progress", "--dry-run", "--report-dir", dir, "--state-dir", dir, "--source", c.source, "../../jobs/supplier-prices.yaml")
		if code != exitCannotStart || !strings.Contains(stderr, c.want) {
			t.Errorf("exit %d: %s\nwant %s", code, stderr, c.want)
		}
		if strings.Contains(stderr, "path: ../samples/supplier-acme.csv") {
			// the file given with --source is not the job file's line
			t.Errorf("points at the job's source.path:\n%s", stderr)
		}
		code, _, stderr = etl(t, "validate", "--lang", "de", "--set", "source.path="+c.source, "../../jobs/supplier-prices.yaml")
		if code != exitCannotStart || !strings.Contains(stderr, c.want) {
			t.Errorf("validate: exit %d: %s\nwant %s", code, stderr, c.want)
		}
	}
}

// The datev sink's settings are checked in the adviser's language: the
// texts the sink writes and the German rules must not drift apart.
func TestDATEVSettingsInGerman(t *testing.T) {
	dir := t.TempDir()
	job := filepath.Join(dir, "dv.yaml")
	if err := os.WriteFile(job, []byte(`source: {type: csv, path: b.csv, delimiter: ";"}
mapping:
  fields:
    - {target: Umsatzz, column: Betrag}
sink:
  type: datev
  path: out/Buchungen.csv
  datev: {consultant: 1001, client: 1, fiscal_year_start: 2026-01-01, period: {from: 2026-01-01, to: 2026-01-31}}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.csv"), []byte("Betrag\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := etl(t, "validate", "--lang", "de", job)
	for _, want := range []string{
		`sink.path "Buchungen.csv": eine DATEV-Datei heißt EXTF_….csv`,
		`period und debitors gelten nur für Belege: sink.datev.accounts angeben`,
		`"Umsatzz" ist keine DATEV-Spalte, die der datev-Sink schreibt (Umsatz, `,
		`meinten Sie "Umsatz"?`,
	} {
		if code != exitCannotStart || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, lacks %q:\n%s", code, want, stderr)
		}
	}
}

// A sheet the workbook does not have is pointed out at source.sheet, with
// the sheets it has, in German.
func TestMissingSheetInGerman(t *testing.T) {
	dir := t.TempDir()
	job := filepath.Join(dir, "xl.yaml")
	wb, err := filepath.Abs("../../samples/catalog-oldshop.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(job, []byte("source:\n  type: xlsx\n  path: "+wb+"\n  sheet: Artikelz\nmapping:\n  fields:\n    - {target: SKU, column: Artikelnummer}\nsink: {type: csv, path: out.csv}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := etl(t, "validate", "--lang", "de", job)
	if code != exitCannotStart || !strings.Contains(stderr, `xl.yaml:4:10: die Quelle lässt sich nicht öffnen: `) ||
		!strings.Contains(stderr, `das Blatt "Artikelz" (source.sheet) gibt es nicht; die Arbeitsmappe hat: 1 "Artikel"`) {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
