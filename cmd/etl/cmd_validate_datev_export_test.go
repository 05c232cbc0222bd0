package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
)

// accountingData as a CSV: one row per AccountDataLineItem with its
// document's fields, named as the API names them.
const accountingCSV = `DocumentNumber;DocumentDate;Type;ReferenceNumber;CustomerNumber;Company;CustomerVatId;ShipmentCountry;VatRate;TotalNetAmount;VatAmount;TotalGrossAmount;GeneralLedgerAccount
RE-1;2026-01-05;0;;K1;Muster GmbH;;DE;19;100.00;19.00;119.00;
RE-1;2026-01-05;0;;K1;Muster GmbH;;DE;7;10.00;0.70;10.70;
RE-2;2026-01-06;0;;K2;Duval SARL;FR123;FR;0;50.00;0.00;50.00;
GS-1;2026-01-07;1;RE-1;K1;Muster GmbH;;DE;19;100.00;19.00;119.00;
`

const accountingJob = `source:
  type: csv
  path: docs.csv
  delimiter: ";"
mapping:
  decimal: point
  fields:
    - {target: DocumentNumber, column: DocumentNumber}
    - {target: DocumentDate, column: DocumentDate, type: date, format: yyyy-mm-dd}
    - {target: Type, column: Type}
    - {target: ReferenceNumber, column: ReferenceNumber}
    - {target: CustomerNumber, column: CustomerNumber}
    - {target: Company, column: Company}
    - {target: CustomerVatId, column: CustomerVatId}
    - {target: ShipmentCountry, column: ShipmentCountry}
    - {target: VatRate, column: VatRate, type: decimal}
    - {target: TotalNetAmount, column: TotalNetAmount, type: decimal}
    - {target: VatAmount, column: VatAmount, type: decimal}
    - {target: TotalGrossAmount, column: TotalGrossAmount, type: decimal}
    - {target: GeneralLedgerAccount, column: GeneralLedgerAccount}
sink:
  type: datev
  path: out/EXTF_Buchungsstapel.csv
  datev:
    consultant: 29098
    client: 55003
    fiscal_year_start: "2026-01-01"
    chart: SKR03
    period: {from: 2026-01-01, to: 2026-01-31}
    debitors: true
    accounts:
      debitor: {per_customer: true, collective: 10000}
options:
  report_dir: reports
`

// An export that adds up is written and passes validate-datev; one that
// does not exits 1 and writes no DATEV file, only the control workbook.
func TestRunDATEVExportCompleteness(t *testing.T) {
	dir := t.TempDir()
	job := filepath.Join(dir, "job.yaml")
	os.WriteFile(job, []byte(accountingJob), 0o644)
	os.WriteFile(filepath.Join(dir, "docs.csv"), []byte(accountingCSV), 0o644)
	code, stdout, stderr := etl(t, "run", job)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	out := filepath.Join(dir, "out")
	names := dirNamesOf(t, out)
	want := []string{"EXTF_Buchungsstapel_202601_1.csv", "EXTF_Buchungsstapel_Kontrolle.xlsx", "EXTF_Debitoren.csv"}
	if !slices.Equal(names, want) {
		t.Fatalf("files %v, want %v", names, want)
	}
	if code, out, _ := etl(t, "validate-datev", filepath.Join(out, want[0]), filepath.Join(out, want[2])); code != 0 {
		t.Errorf("validate-datev: exit %d\n%s", code, out)
	}

	// RE-2's VAT id is gone: a tax-free sale to France without one has no account
	os.RemoveAll(out)
	os.WriteFile(filepath.Join(dir, "docs.csv"), []byte(strings.Replace(accountingCSV, "FR123", "", 1)), 0o644)
	code, _, stderr = etl(t, "run", job)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "records missing from the file before row 5: 1 (") {
		t.Errorf("stderr does not name the missing record:\n%s", stderr)
	}
	if names := dirNamesOf(t, out); !slices.Equal(names, []string{"EXTF_Buchungsstapel_Kontrolle.xlsx"}) {
		t.Errorf("files %v: want the control workbook only", names)
	}
	if !strings.Contains(stderr, "guardrail tripped: nothing was written: the DATEV export is incomplete") {
		t.Errorf("stderr does not say that nothing was written:\n%s", stderr)
	}
	// in German all of it: the findings are German anyway
	if code, _, stderr = etl(t, "run", "--lang", "de", job); code != 1 ||
		!strings.HasPrefix(stderr, "etl: DATEV-Export angehalten, nichts wurde geschrieben: die Buchungen sind unvollständig oder gehen nicht auf (siehe EXTF_Buchungsstapel_Kontrolle.xlsx): ") ||
		!strings.Contains(stderr, "Datensätze vor Zeile 5 fehlen") {
		t.Errorf("--lang de: exit %d\n%s", code, stderr)
	}
}

func dirNamesOf(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

const emulatorAccountsJob = `source:
  type: erp
  resource: accountingData
  include: lineitems
  time_zone: Europe/Berlin
  filters: {from: 2025-05-01, to: 2025-05-31}
mapping:
  fields:
    - {target: DocumentNumber, column: DocumentNumber}
    - {target: DocumentDate, column: DocumentDate, type: date}
    - {target: Type, column: Type}
    - {target: SalesOrderNumber, column: SalesOrderNumber}
    - {target: Company, column: BillingAddress.Company}
    - {target: LastName, column: BillingAddress.LastName}
    - {target: CustomerVatId, column: CustomerVatId}
    - {target: ShipmentCountry, column: ShipmentCountry.CountryISO}
    - {target: CurrencyIso, column: CurrencyIso}
    - {target: VatRate, column: LineItem.VatRate, type: decimal}
    - {target: TotalNetAmount, column: LineItem.TotalNetAmount, type: decimal}
    - {target: VatAmount, column: LineItem.VatAmount, type: decimal}
    - {target: TotalGrossAmount, column: LineItem.TotalGrossAmount, type: decimal}
    - {target: GeneralLedgerAccount, column: LineItem.GeneralLedgerAccount}
    - {target: SortOrder, column: LineItem.SortOrder}
sink:
  type: datev
  path: out/EXTF_Buchungsstapel.csv
  datev:
    consultant: 29098
    client: 55003
    fiscal_year_start: "2025-01-01"
    chart: SKR03
    period: {from: 2025-05-01, to: 2025-05-31}
    debitors: true
    accounts:
      debitor: {collective: 10000}
`

// The emulator's accountingData of May (invoices, cancellations,
// corrections; domestic, intra-EU and third-country customers) booked in
// document mode: the file passes validate-datev, and its gross amounts per
// revenue account, signed by Soll/Haben, are the documents' to the cent.
func TestRunDATEVAccountsAgainstEmulator(t *testing.T) {
	seed := erptest.Generate(erptest.GenConfig{Items: 30, Orders: 300, Seed: 7, Accounting: true})
	srv := erptest.NewServer(erptest.Options{Seed: seed, Now: func() time.Time { return erptest.DefaultNow }})
	defer srv.Close()
	t.Setenv("WAWI_URL", srv.URL)
	t.Setenv("WAWI_API_KEY", "k")
	dir := t.TempDir()
	job := filepath.Join(dir, "job.yaml")
	os.WriteFile(job, []byte(emulatorAccountsJob), 0o644)
	code, stdout, stderr := etl(t, "run", "--no-progress", "--report-dir", filepath.Join(dir, "reports"), "--state-dir", filepath.Join(dir, "state"), job)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	out := filepath.Join(dir, "out")
	bookings := filepath.Join(out, "EXTF_Buchungsstapel_202505_1.csv")
	if code, out, _ := etl(t, "validate-datev", bookings, filepath.Join(out, "EXTF_Debitoren.csv")); code != 0 {
		t.Fatalf("validate-datev: exit %d\n%s", code, out)
	}

	c, err := erp.New(erp.Config{BaseURL: srv.URL, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	var all erptest.PagedList[erptest.AccountingData]
	if err := c.Get(context.Background(), "/accountingData", map[string][]string{"pageSize": {"1000"}}, &all); err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	want := map[string]decimal.Decimal{} // revenue account → signed gross
	docs, reversals := 0, 0
	for _, d := range all.Items {
		if y, m, _ := d.DocumentDate.Time.In(berlin).Date(); y != 2025 || m != time.May {
			continue
		}
		docs++
		sign := decimal.NewFromInt(1)
		if d.Type == erptest.DocCredit || d.Type == erptest.DocInvoiceCorrection || d.Type == erptest.DocInvoiceCancellation {
			sign = sign.Neg()
			reversals++
		}
		for _, l := range d.AccountDataLineItems {
			acc := l.GeneralLedgerAccount
			if acc == "" {
				switch {
				case l.VatRate.String() == "19":
					acc = "8400"
				case l.VatRate.String() == "7":
					acc = "8300"
				case d.CustomerVatId != "":
					acc = "8125"
				default:
					acc = "8120"
				}
			}
			want[acc] = want[acc].Add(l.TotalGrossAmount.Decimal.Mul(sign))
		}
	}
	if docs < 50 || reversals == 0 {
		t.Fatalf("%d documents, %d reversing: the seed lacks cases", docs, reversals)
	}
	data, err := os.ReadFile(bookings)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]decimal.Decimal{}
	lines := strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
	for _, l := range lines[2:] {
		f := strings.Split(l, ";")
		amt := decimal.RequireFromString(strings.Replace(f[0], ",", ".", 1))
		if f[1] == `"H"` {
			amt = amt.Neg()
		}
		if f[6] != "10000" || f[8] != "" {
			t.Fatalf("booking %q: want debitor 10000 and no BU-Schlüssel", l)
		}
		got[f[7]] = got[f[7]].Add(amt)
	}
	t.Logf("%d documents (%d reversing), %d bookings, per account %v", docs, reversals, len(lines)-2, got)
	if len(got) != len(want) {
		t.Errorf("accounts %v, want %v", got, want)
	}
	for acc, w := range want {
		if !got[acc].Equal(w) {
			t.Errorf("account %s: file %s, documents %s", acc, got[acc], w)
		}
	}
}
