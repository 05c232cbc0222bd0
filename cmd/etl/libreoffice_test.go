package main

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSupplierNormalizeInLibreOffice opens the example job's workbook in
// LibreOffice, an independent reader, and reads the cells as they are shown:
// amounts with two decimals and grouping, dates as dd.mm.yyyy, the
// formula-like name as plain text, the accented text intact. Skipped
// without soffice or with -short (LibreOffice takes a few seconds to start).
func TestSupplierNormalizeInLibreOffice(t *testing.T) {
	soffice, err := exec.LookPath("soffice")
	if err != nil || testing.Short() {
		t.Skip("LibreOffice check skipped (no soffice, or -short)")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "out.xlsx")
	code, _, stderr := etl(t, "run", "--no-progress", "--report-dir", filepath.Join(dir, "reports"),
		"--set", "sink.path="+out, "../../jobs/supplier-normalize.yaml")
	if code != exitRecordsFail { // three rows of the sample are broken on purpose
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// 44,34,76: comma, quote, UTF-8; the 9th token true: cells as shown
	cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,1031,false,true,true,false,false", "--outdir", dir, out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	f, err := os.Open(filepath.Join(dir, "out.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 34 {
		t.Fatalf("LibreOffice shows %d rows, want the header and 33 records", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	bySKU := map[string][]string{}
	for _, r := range rows[1:] {
		bySKU[r[col["SKU"]]] = r
	}
	// the number as shown, whatever the locale: 1,234.56 or 1.234,56
	amount := func(s string) string { return strings.NewReplacer(",", "", ".", "").Replace(s) }
	for _, c := range []struct{ sku, field, want string }{
		{"ACME-1021", "RetailPrice", "1,234.56"},
		{"ACME-1021", "SalesPriceNet", "27.34"},
		{"ACME-1021", "AvailableFrom", "21.09.2026"},
		{"ACME-1021", "Name", "Akku 18 V – 4,0 Ah"},
		{"ACME-1001", "AvailableFrom", "01.01.2026"},
		{"ACME-1001", "PurchasePriceNet", "29.48"},
		{"ACME-1001", "Stock", "0"},
		{"ACME-1001", "Name", "Edelstahl-Schraube M4 × 20"},
		{"ACME-1001", "Warehouse", "Outside storage"},
		// text, not a formula (that would show Klick); quote-prefixed, so
		// no apostrophe is shown
		{"ACME-1018", "Name", `=HYPERLINK("http://example.invalid";"Klick")`},
	} {
		r, ok := bySKU[c.sku]
		if !ok {
			t.Fatalf("%s is not in the workbook LibreOffice shows", c.sku)
		}
		got := r[col[c.field]]
		switch c.field {
		case "RetailPrice", "SalesPriceNet", "PurchasePriceNet":
			if amount(got) != amount(c.want) || len(got) != len(c.want) {
				t.Errorf("%s %s shows %q, want %q (in the locale's separators)", c.sku, c.field, got, c.want)
			}
		default:
			if got != c.want {
				t.Errorf("%s %s shows %q, want %q", c.sku, c.field, got, c.want)
			}
		}
	}
	if a := bySKU["ACME-1001"][col["Active"]]; a != "TRUE" && a != "WAHR" {
		t.Errorf("Active shows %q, want a boolean", a)
	}
}
