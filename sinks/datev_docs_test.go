package sinks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/testkit"

	"github.com/wawi-etl/etl/datev"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/pipeline/pipelinetest"
)

// Records shaped like the Wawi's accountingData: one per AccountDataLineItem
// with its document's fields (DocumentNumber, DocumentDate, Type, ...).
var docTargets = targets("DocumentNumber:string", "DocumentDate:date", "Type:string", "ReferenceNumber:string",
	"CustomerNumber:string", "Company:string", "CustomerVatId:string", "ShipmentCountry:string",
	"VatRate:decimal", "TotalNetAmount:decimal", "VatAmount:decimal", "TotalGrossAmount:decimal", "GeneralLedgerAccount:string")

func docLineRow(nr string, d int, typ, ref, customer, country, vatID, rate, net, vat, gross, gl string) []any {
	return []any{nr, day(2026, 1, d), typ, ref, customer, "Muster GmbH", vatID, country,
		decimal.RequireFromString(rate), decimal.RequireFromString(net), decimal.RequireFromString(vat), decimal.RequireFromString(gross), gl}
}

func docSpec(dir, chart string, debitor pipeline.DATEVDebitorSpec) *pipeline.SinkSpec {
	s := datevSpec(dir)
	s.DATEV.Chart = chart
	s.DATEV.Accounts = &pipeline.DATEVAccountsSpec{Debitor: debitor}
	s.DATEV.Period = &pipeline.DATEVPeriodSpec{From: "2026-01-01", To: "2026-01-31"}
	return s
}

// sampleDocs: an invoice with two rates, its credit note, an intra-EU
// delivery, an export, an OSS sale (RE-1004 is missing: a gap) and a
// line whose account the Wawi names.
func sampleDocs() [][]any {
	return [][]any{
		docLineRow("RE-1001", 5, "0", "", "K100", "DE", "", "19", "100.00", "19.00", "119.00", ""),
		docLineRow("RE-1001", 5, "0", "", "K100", "DE", "", "19", "10.00", "1.90", "11.90", ""),
		docLineRow("RE-1001", 5, "0", "", "K100", "DE", "", "7", "20.00", "1.40", "21.40", ""),
		docLineRow("GS-1", 9, "Credit", "RE-1001", "K100", "DE", "", "19", "10.00", "1.90", "11.90", ""),
		docLineRow("RE-1002", 10, "0", "", "K200", "FR", "FR12345678901", "0", "500.00", "0.00", "500.00", ""),
		docLineRow("RE-1003", 11, "0", "", "K300", "CH", "", "0", "80.00", "0.00", "80.00", ""),
		docLineRow("RE-1005", 12, "0", "", "K400", "AT", "", "20", "50.00", "10.00", "60.00", ""),
		docLineRow("RE-1006", 13, "0", "", "K100", "DE", "", "19", "1.00", "0.19", "1.19", "8401"),
	}
}

// fileSums parses a Buchungsstapel and sums Umsatz per Konto, Gegenkonto
// and Soll/Haben, as the control sheet's account sums should show them.
func fileSums(t *testing.T, lines []string) map[[3]string]decimal.Decimal {
	t.Helper()
	out := map[[3]string]decimal.Decimal{}
	for _, l := range lines[2:] {
		f := strings.Split(l, ";")
		amt := decimal.RequireFromString(strings.Replace(f[0], ",", ".", 1))
		k := [3]string{f[6], f[7], strings.Trim(f[1], `"`)}
		out[k] = out[k].Add(amt)
	}
	return out
}

func TestDATEVDocuments(t *testing.T) {
	for _, c := range []struct {
		chart                               string
		r19, r7, intraEU, export, oss, note string
	}{
		{"SKR03", "8400", "8300", "8125", "8120", "8320", ""},
		{"SKR04", "4400", "4300", "4125", "4120", "4320", ""},
	} {
		t.Run(c.chart, func(t *testing.T) {
			dir := t.TempDir()
			spec := docSpec(dir, c.chart, pipeline.DATEVDebitorSpec{PerCustomer: true})
			s := openDATEV(t, spec, docTargets)
			plans := run(t, s, docTargets, sampleDocs()...)
			for i, p := range plans {
				if p.Outcome != pipeline.Created {
					t.Fatalf("row %d: %v %v", i, p.Outcome, p.Err)
				}
			}
			if err := s.Close(context.Background(), true); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			if got, want := dirNames(t, out), []string{"EXTF_Buchungsstapel_202601_1.csv", "EXTF_Buchungsstapel_Kontrolle.xlsx"}; !slices.Equal(got, want) {
				t.Fatalf("files %v, want %v", got, want)
			}
			lines := datevLines(t, filepath.Join(out, "EXTF_Buchungsstapel_202601_1.csv"))
			var got []string
			for _, l := range lines[2:] {
				f := strings.Split(l, ";")
				// Umsatz, S/H, Konto, Gegenkonto, BU, Belegfeld 1 and 2, Text, EU-Land, EU-Steuersatz
				got = append(got, strings.Join([]string{f[0], f[1], f[6], f[7], f[8], f[10], f[11], f[13], f[39], f[40]}, " "))
			}
			want := []string{
				`130,90 "S" 10100 ` + c.r19 + `  "RE-1001"  "Rechnung RE-1001 Muster GmbH"  `,
				`21,40 "S" 10100 ` + c.r7 + `  "RE-1001"  "Rechnung RE-1001 Muster GmbH"  `,
				`11,90 "H" 10100 ` + c.r19 + `  "GS-1" "RE-1001" "Gutschrift GS-1 zu RE-1001 Muster GmbH"  `,
				`500,00 "S" 10200 ` + c.intraEU + `  "RE-1002"  "Rechnung RE-1002 Muster GmbH" "FR12345678901" `,
				`80,00 "S" 10300 ` + c.export + `  "RE-1003"  "Rechnung RE-1003 Muster GmbH"  `,
				`60,00 "S" 10400 ` + c.oss + `  "RE-1005"  "Rechnung RE-1005 Muster GmbH" "AT" 20,00`,
				`1,19 "S" 10100 8401  "RE-1006"  "Rechnung RE-1006 Muster GmbH"  `,
			}
			if !slices.Equal(got, want) {
				t.Errorf("bookings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}

			// the control workbook's account sums are the file's
			f, err := excelize.OpenFile(filepath.Join(out, "EXTF_Buchungsstapel_Kontrolle.xlsx"))
			if err != nil {
				t.Fatal(err)
			}
			testkit.CheckDimensions(t, filepath.Join(out, "EXTF_Buchungsstapel_Kontrolle.xlsx"))
			defer f.Close()
			if got := f.GetSheetList(); !slices.Equal(got, []string{datev.SheetOverview, datev.SheetRates, datev.SheetAccounts, datev.SheetFindings}) {
				t.Errorf("sheets %v", got)
			}
			if f.GetActiveSheetIndex() != 0 {
				t.Errorf("opens on sheet %d, want the overview", f.GetActiveSheetIndex())
			}
			rows, _ := f.GetRows(datev.SheetAccounts, excelize.Options{RawCellValue: true})
			sheet := map[[3]string]decimal.Decimal{}
			for _, r := range rows[1:] {
				if r[0] == "Summe" {
					continue
				}
				sheet[[3]string{r[0], r[1], r[4]}] = sheet[[3]string{r[0], r[1], r[4]}].Add(decimal.RequireFromString(r[6]))
			}
			file := fileSums(t, lines)
			if len(sheet) != len(file) {
				t.Errorf("control sheet %v, file %v", sheet, file)
			}
			for k, v := range file {
				if !sheet[k].Equal(v) {
					t.Errorf("account %v: control sheet %s, file %s", k, sheet[k], v)
				}
			}
			over, _ := f.GetRows(datev.SheetOverview)
			if over[1][1] != "vollständig: Export geschrieben" {
				t.Errorf("overview result %q", over[1][1])
			}
			finds, _ := f.GetRows(datev.SheetFindings)
			if len(finds) != 2 || !strings.Contains(finds[1][3], "Nummer RE-1004 fehlt") || finds[1][4] != "nein" {
				t.Errorf("findings %q", finds)
			}
			rates, _ := f.GetRows(datev.SheetRates, excelize.Options{RawCellValue: true})
			for _, r := range rates[1 : len(rates)-1] {
				if r[9] != "stimmt" || r[2] != r[5] || r[3] != r[6] || r[4] != r[7] {
					t.Errorf("rates row %q", r)
				}
			}
		})
	}
}

// A document whose bookings would not carry its amounts stops the export:
// no DATEV file, the control workbook names the document, the error
// counts as a guardrail (exit 1).
func TestDATEVDocumentsMismatchWritesNothing(t *testing.T) {
	for _, c := range []struct {
		name         string
		rows         [][]any
		want, wantEn string
	}{
		{"net + VAT is not gross", [][]any{
			docLineRow("RE-1", 5, "0", "", "K1", "DE", "", "19", "100.00", "19.00", "119.01", ""),
		}, "RE-1: Netto 100.00 + USt 19.00 ist nicht Brutto 119.01", "Invoice RE-1: net 100.00 + VAT 19.00 is not gross 119.01 (row 2)"},
		{"the tax DATEV derives differs from the document's", [][]any{
			docLineRow("RE-1", 5, "0", "", "K1", "DE", "", "19", "100.00", "18.00", "118.00", ""),
		}, "Rechnung RE-1: Steuersatz 19.00 % DE: Beleg Netto/USt/Brutto 100.00/18.00/118.00, Buchungen 99.16/18.84/118.00",
			"Invoice RE-1: tax rate 19.00 % DE: document net/VAT/gross 100.00/18.00/118.00, bookings 99.16/18.84/118.00"},
		{"a document twice", [][]any{
			docLineRow("RE-1", 5, "0", "", "K1", "DE", "", "19", "100.00", "19.00", "119.00", ""),
			docLineRow("RE-2", 5, "0", "", "K1", "DE", "", "19", "100.00", "19.00", "119.00", ""),
			docLineRow("RE-1", 5, "0", "", "K1", "DE", "", "19", "100.00", "19.00", "119.00", ""),
		}, "RE-1: kommt mehrfach vor (zuerst in Zeile 2)", "Invoice RE-1: appears more than once (first in row 2): every document exactly once (row 4)"},
		{"a document's lines twice in a row", [][]any{
			docLineRow("RE-1", 5, "0", "", "K1", "DE", "", "19", "100.00", "19.00", "119.00", ""),
			docLineRow("RE-1", 5, "0", "", "K1", "DE", "", "19", "100.00", "19.00", "119.00", ""),
		}, "RE-1: kommt mehrfach vor (zuerst in Zeile 2)", "Invoice RE-1: appears more than once (first in row 2)"},
		{"a document outside the period", [][]any{
			append(docLineRow("RE-1", 5, "0", "", "K1", "DE", "", "19", "100.00", "19.00", "119.00", "")[:1:1],
				append([]any{day(2026, 2, 1)}, docLineRow("RE-1", 5, "0", "", "K1", "DE", "", "19", "100.00", "19.00", "119.00", "")[2:]...)...),
		}, "RE-1: Belegdatum 01.02.2026 liegt außerhalb des Zeitraums", "Invoice RE-1: document date 01.02.2026 is outside the period 01.01.2026 to 31.01.2026"},
		{"a line that failed", [][]any{
			docLineRow("RE-1", 5, "0", "", "K1", "DE", "", "19", "100.00", "19.00", "119.00", ""),
			docLineRow("RE-1", 5, "0", "", "K1", "DE", "", "0", "5.00", "0.00", "5.00", ""), // no account for 0 % at home
			docLineRow("RE-2", 6, "0", "", "K1", "DE", "", "19", "100.00", "19.00", "119.00", ""),
		}, "1 Datensätze vor Zeile 4 fehlen", "records missing from the file before row 4: 1 ("},
		{"the last line failed", [][]any{
			docLineRow("RE-1", 5, "0", "", "K1", "DE", "", "19", "100.00", "19.00", "119.00", ""),
			docLineRow("RE-1", 5, "0", "", "K1", "DE", "", "0", "5.00", "0.00", "5.00", ""),
		}, "1 Datensätze am Ende der Eingabe fehlen", "records missing from the file at the end of the input: 1 ("},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			// the line's position tells a document's second copy from its next line
			tg := append(docTargets[:len(docTargets):len(docTargets)], targets("SortOrder:string")...)
			rows := make([][]any, len(c.rows))
			for i, r := range c.rows {
				rows[i] = append(r[:len(r):len(r)], "1")
			}
			s := openDATEV(t, docSpec(dir, "SKR03", pipeline.DATEVDebitorSpec{Collective: 10000}), tg)
			run(t, s, tg, rows...)
			err := s.Close(context.Background(), true)
			// the findings as the control workbook words them in German, and
			// in English in etl's English
			if !errors.Is(err, pipeline.ErrGuardrail) || !strings.Contains(pipeline.TextIn(err, "de"), c.want) {
				t.Fatalf("err %v, want a guardrail naming %q", pipeline.TextIn(err, "de"), c.want)
			}
			if en := err.Error(); !strings.Contains(en, c.wantEn) || strings.Contains(en, "Zeile") {
				t.Errorf("in English: %v, want it to name %q", en, c.wantEn)
			}
			out := filepath.Join(dir, "out")
			if got := dirNames(t, out); !slices.Equal(got, []string{"EXTF_Buchungsstapel_Kontrolle.xlsx"}) {
				t.Errorf("files %v: want the control workbook only", got)
			}
			if s.OutputPath() != "" {
				t.Errorf("output %q", s.OutputPath())
			}
			f, err := excelize.OpenFile(filepath.Join(out, "EXTF_Buchungsstapel_Kontrolle.xlsx"))
			if err != nil {
				t.Fatal(err)
			}
			testkit.CheckDimensions(t, filepath.Join(out, "EXTF_Buchungsstapel_Kontrolle.xlsx"))
			defer f.Close()
			over, _ := f.GetRows(datev.SheetOverview)
			if !strings.HasPrefix(over[1][1], "FEHLER") {
				t.Errorf("overview result %q", over[1][1])
			}
		})
	}
}

func TestDATEVDocumentsControlWithOpenpyxl(t *testing.T) {
	py := openpyxlPython(t)
	dir := t.TempDir()
	s := openDATEV(t, docSpec(dir, "SKR03", pipeline.DATEVDebitorSpec{Collective: 10000}), docTargets)
	run(t, s, docTargets, sampleDocs()...)
	if err := s.Close(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	b := readWithOpenpyxl(t, py, filepath.Join(dir, "out", "EXTF_Buchungsstapel_Kontrolle.xlsx"))
	if !slices.Equal(b.Sheets, []string{datev.SheetOverview, datev.SheetRates, datev.SheetAccounts, datev.SheetFindings}) {
		t.Fatalf("sheets %v", b.Sheets)
	}
	rates := b.Data[datev.SheetRates]
	checkPy(t, rates, []pyWant{
		{"A1", "s", `"Steuersatz %"`, ""},
		{"A2", "n", `20`, "0.00"},
		{"B2", "s", `"AT"`, ""},
		{"E2", "n", `60`, "#,##0.00 [$€-407]"},
		{"J2", "s", `"stimmt"`, ""},
	})
	if rates.Freeze == nil || *rates.Freeze != "A2" {
		t.Errorf("freeze %v", rates.Freeze)
	}
	if c := rates.Cells["A1"]; !c.Bold {
		t.Error("header not bold")
	}
	acc := b.Data[datev.SheetAccounts]
	last := acc.MaxRow
	if c := acc.Cells["A"+itoa(last)]; string(c.Value) != `"Summe"` {
		t.Errorf("accounts: last row %s, want the totals", c.Value)
	}
	// the amounts as DATEV books them, each positive with its S/H:
	// 130.90 + 21.40 + 11.90 (H) + 500 + 80 + 60 + 1.19
	if c := acc.Cells["G"+itoa(last)]; c.Type != "f" || string(c.Cached) != "805.39" {
		t.Errorf("accounts total %s %s / %s, want a SUM of 805.39", c.Type, c.Value, c.Cached)
	}
}

// The job syntax of document mode, as a job file writes it.
func TestLoadJobDATEVAccounts(t *testing.T) {
	pipeline.AddSinkType(DATEV)
	fields := "mapping:\n  fields:\n    - {target: DocumentNumber, column: DocumentNumber}\n"
	head := "source:\n  type: sinkstest-mem\n  path: a\n" + fields +
		"sink:\n  type: datev\n  path: EXTF_Buchungsstapel.csv\n  datev:\n    consultant: 29098\n    client: 55003\n    fiscal_year_start: \"2026-01-01\"\n    chart: SKR04\n"
	for _, c := range []struct{ name, datev, want string }{
		{"full", `    period: {from: start of last month, to: end of last month}
    debitors: true
    accounts:
      debitor: {per_customer: true, first: 20000, collective: 10000}
      oss: true
      rules:
        - {credit_note: true, rate: 19, account: 4720}
        - {country: [EU], vat_id: true, account: 4125}
        - {rate: 5.5, country: [FR], account: 4321}
`, ""},
		{"no debitor", "    accounts: {rules: [{rate: 19, account: 4400}]}\n", "set collective"},
		{"a rule without account", "    accounts:\n      debitor: {collective: 10000}\n      rules: [{rate: 19}]\n", "missing property 'account'"},
		{"a rate that is no number", "    accounts:\n      debitor: {collective: 10000}\n      rules: [{rate: nineteen, account: 4400}]\n", `"nineteen" is not a number`},
		{"period without accounts", "    period: {from: 2026-01-01, to: 2026-01-31}\n", "apply to document mode"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := head + c.datev
			if c.name == "period without accounts" {
				body = strings.Replace(body, "DocumentNumber}", "Umsatz}", 1)
			}
			p := filepath.Join(t.TempDir(), "job.yaml")
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			job, err := pipeline.LoadJob(p, pipeline.LoadOptions{})
			if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if c.want != "" {
				return
			}
			a := job.Sink.DATEV.Accounts
			if len(a.Rules) != 3 || a.Rules[0].Rate != "19" || a.Rules[2].Rate != "5.5" || a.Rules[1].Country[0] != "EU" || !*a.Rules[1].VATID ||
				a.Debitor.First != 20000 || !a.Debitor.PerCustomer || !job.Sink.DATEV.Debitors || job.Sink.DATEV.Period.From != "start of last month" {
				t.Errorf("decoded %+v", a)
			}
		})
	}
}

func TestDATEVDocumentsConformance(t *testing.T) {
	rows := make([][]string, 300)
	for i := range rows {
		// documents of one to three lines
		rows[i] = []string{fmt.Sprintf("RE-%05d", i/3), fmt.Sprintf("%d.00", i%50+1)}
	}
	v := func(s string) *string { return &s }
	pipelinetest.RunSinkSuite(t, pipelinetest.SinkSuite{
		Open: OpenDATEV,
		Spec: func(dir string) pipeline.SinkSpec {
			return *docSpec(dir, "SKR03", pipeline.DATEVDebitorSpec{Collective: 10000})
		},
		// no bad row: in document mode a record that fails stops the whole
		// export (TestDATEVDocumentsMismatchWritesNothing)
		Columns: []string{"nr", "net"}, Rows: rows,
		Mapping: mappings.Spec{Fields: []mappings.FieldSpec{
			{Target: "DocumentNumber", Column: "nr"},
			{Target: "DocumentDate", Value: v("2026-01-15"), Type: mappings.Date},
			{Target: "VatRate", Value: v("0"), Type: mappings.Decimal},
			{Target: "ShipmentCountry", Value: v("CH")},
			{Target: "TotalNetAmount", Column: "net", Type: mappings.Decimal, Decimal: "point"},
			{Target: "VatAmount", Value: v("0"), Type: mappings.Decimal},
			{Target: "TotalGrossAmount", Column: "net", Type: mappings.Decimal, Decimal: "point"},
		}},
	})
}

// A document number DATEV cannot take as it is is a reported change of
// the plan; a document without amount is listed and does not stop the
// export; the summary names the control workbook among the outputs.
func TestDATEVDocumentsChangesAndNotes(t *testing.T) {
	dir := t.TempDir()
	s := openDATEV(t, docSpec(dir, "SKR03", pipeline.DATEVDebitorSpec{Collective: 10000}), docTargets)
	plans := run(t, s, docTargets,
		docLineRow("RE 7_1", 5, "0", "", "K1", "DE", "", "19", "100.00", "19.00", "119.00", ""),
		docLineRow("RE-8", 6, "0", "", "K1", "DE", "", "19", "0.00", "0.00", "0.00", ""),
	)
	if c := plans[0].Changes; len(c) != 1 || c[0].Field != "Belegfeld 1" || c[0].New != "RE-7-1" {
		t.Errorf("changes %+v", c)
	}
	if err := s.Close(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if got, want := s.OutputPath(), filepath.Join(out, "EXTF_Buchungsstapel_202601_1.csv")+", "+filepath.Join(out, "EXTF_Buchungsstapel_Kontrolle.xlsx"); got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	if lines := datevLines(t, filepath.Join(out, "EXTF_Buchungsstapel_202601_1.csv")); len(lines) != 3 || !strings.Contains(lines[2], `"RE-7-1"`) {
		t.Errorf("bookings %q", lines[2:])
	}
	f, err := excelize.OpenFile(filepath.Join(out, "EXTF_Buchungsstapel_Kontrolle.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	testkit.CheckDimensions(t, filepath.Join(out, "EXTF_Buchungsstapel_Kontrolle.xlsx"))
	defer f.Close()
	finds, _ := f.GetRows(datev.SheetFindings)
	if len(finds) != 2 || finds[1][0] != "RE-8" || !strings.Contains(finds[1][3], "ohne Betrag") || finds[1][4] != "nein" {
		t.Errorf("findings %q", finds)
	}
}

// sink.datev.period takes absolute dates by itself and relative ones
// through DateResolver, which cmd/etl sets to the sources' parser.
func TestDATEVPeriodDates(t *testing.T) {
	spec := &pipeline.DATEVPeriodSpec{From: "start of last month", To: "31.01.2026"}
	env := &pipeline.Env{Now: func() time.Time { return time.Date(2026, 2, 10, 12, 0, 0, 0, time.UTC) }}
	if _, _, err := datevPeriod(spec, env); err == nil || !strings.Contains(err.Error(), "period.from") {
		t.Errorf("without a resolver: %v", err)
	}
	defer func(r func(string, time.Time, *time.Location) (time.Time, error)) { DateResolver = r }(DateResolver)
	var asked []string
	DateResolver = func(expr string, now time.Time, loc *time.Location) (time.Time, error) {
		asked = append(asked, expr+"@"+loc.String())
		if expr == "start of last month" {
			return time.Date(2026, 1, 1, 0, 0, 0, 0, loc), nil
		}
		return datevDate(expr)
	}
	from, to, err := datevPeriod(spec, env)
	if err != nil || !from.Equal(day(2026, 1, 1)) || !to.Equal(day(2026, 1, 31)) || asked[0] != "start of last month@Europe/Berlin" {
		t.Errorf("period %s..%s %v, asked %v", from, to, err, asked)
	}
}
