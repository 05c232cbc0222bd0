package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/wawi-etl/etl/erp/contract"
	"github.com/wawi-etl/etl/erp/erptest"
)

// The round trip checks every request and answer against the spec.
func init() { erptest.SetValidator(contract.Validator{}) }

// A merchant exports the items' supplier data to Excel, edits it, and
// imports it back. Unedited, the import writes nothing: what the export
// writes is what the import reads, field for field (scale prices, the
// standard supplier, the supplier by name).
func TestSupplierDataRoundTrip(t *testing.T) {
	seed, err := erptest.LoadSeed("../../samples/wawi-seed.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := erptest.NewServer(erptest.Options{Seed: seed, Validate: true})
	defer srv.Close()
	t.Setenv("WAWI_URL", srv.URL)
	t.Setenv("WAWI_API_KEY", "k")
	dir := t.TempDir()
	book := filepath.Join(dir, "lieferanten.xlsx")
	columns := `
    - {target: Artikelnummer, column: SKU}
    - {target: Lieferant, column: LineItem.SupplierId, lookup: lieferant}
    - {target: Lief.-Art.-Nr., column: LineItem.Sku}
    - {target: Bezeichnung, column: LineItem.ItemName}
    - {target: Standard, column: LineItem.IsStandard, type: bool}
    - {target: EK, column: LineItem.PurchasePriceNet, type: decimal}
    - {target: Staffel 1 ab, column: "LineItem.ScalePrices[0].FromQuantity", type: int}
    - {target: Staffel 1 EK, column: "LineItem.ScalePrices[0].PurchasePriceNet", type: decimal}
    - {target: Staffel 2 ab, column: "LineItem.ScalePrices[1].FromQuantity", type: int}
    - {target: Staffel 2 EK, column: "LineItem.ScalePrices[1].PurchasePriceNet", type: decimal}
    - {target: VE, column: LineItem.AmountPackagingUnit, type: decimal}
    - {target: Einheit, column: LineItem.PackagingUnit}
    - {target: Lieferzeit, column: LineItem.DeliveryTime, type: int}
    - {target: Bestand Lieferant, column: LineItem.Stocklevel, type: decimal}
`
	export := `name: supplier-data-export
source: {type: erp, resource: items, include: suppliers}
mapping:
  when: 'LineItem.SupplierId != nil'   # items without supplier data
  lookups:
    lieferant: {erp: suppliers.Name}
  fields:` + columns + `
sink: {type: xlsx, path: ` + book + `}
`
	imp := `name: supplier-data-import
source: {type: xlsx, path: ` + book + `}
mapping:
  lookups:
    lieferant: {erp: suppliers}
  fields:
    - {target: Item.SKU, column: Artikelnummer}
    - {target: SupplierId, column: Lieferant, lookup: lieferant, type: int}
    - {target: Sku, column: Lief.-Art.-Nr.}
    - {target: ItemName, column: Bezeichnung}
    - {target: IsStandard, column: Standard, type: bool}
    - {target: PurchasePriceNet, column: EK, type: decimal}
    - {target: "ScalePrices[0].FromQuantity", column: Staffel 1 ab, type: int}
    - {target: "ScalePrices[0].PurchasePriceNet", column: Staffel 1 EK, type: decimal}
    - {target: "ScalePrices[1].FromQuantity", column: Staffel 2 ab, type: int}
    - {target: "ScalePrices[1].PurchasePriceNet", column: Staffel 2 EK, type: decimal}
    - {target: AmountPackagingUnit, column: VE, type: decimal}
    - {target: PackagingUnit, column: Einheit}
    - {target: DeliveryTime, column: Lieferzeit, type: int}
    - {target: Stocklevel, column: Bestand Lieferant, type: decimal}
sink: {type: erp, resource: items/suppliers, operation: update}
`
	for name, body := range map[string]string{"export.yaml": export, "import.yaml": imp} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"run", "--no-progress", "--state-dir", filepath.Join(dir, "state")}
	if code, _, stderr := etl(t, append(args, "--report-dir", filepath.Join(dir, "export"), filepath.Join(dir, "export.yaml"))...); code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	if s := readSummary(t, filepath.Join(dir, "export")); s.Created != 16 {
		t.Fatalf("exported %d supplier records, want the seed's 16", s.Created)
	}
	before := srv.Counters().Writes
	if code, _, stderr := etl(t, append(args, "--report-dir", filepath.Join(dir, "import"), filepath.Join(dir, "import.yaml"))...); code != 0 {
		t.Fatalf("import: exit %d: %s", code, stderr)
	}
	s := readSummary(t, filepath.Join(dir, "import"))
	if s.RecordsRead != 16 || s.Unchanged != 16 || srv.Counters().Writes != before {
		t.Errorf("import of the unedited export: %+v, %d writes", s, srv.Counters().Writes-before)
	}
	for _, v := range srv.ContractViolations() {
		t.Errorf("contract violation: %s", v)
	}
}
