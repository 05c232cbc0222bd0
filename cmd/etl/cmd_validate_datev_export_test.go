package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
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
	if !strings.Contains(stderr, "Datensätze vor Zeile 5 fehlen") {
		t.Errorf("stderr does not name the missing record:\n%s", stderr)
	}
	if names := dirNamesOf(t, out); !slices.Equal(names, []string{"EXTF_Buchungsstapel_Kontrolle.xlsx"}) {
		t.Errorf("files %v: want the control workbook only", names)
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
