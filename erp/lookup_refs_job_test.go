package erp_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/sinks"
	"github.com/wawi-etl/etl/sources"
)

const refsJob = `name: refs-by-name
source: {type: csv, path: items.csv, delimiter: ";"}
mapping:
  lookups:
    steuer: {erp: taxClasses}
    warengruppe: {erp: productGroups}
    versand: {erp: shippingClasses}
    lieferstatus: {erp: availabilities}
    zustand: {erp: conditions}
    hersteller: {erp: manufacturers}
    artikel: {erp: items}
  fields:
    - {target: SKU, column: Artikelnummer, required: true}
    - {target: Name, column: Name}
    - {target: "Categories[0].CategoryId", column: Kategorie, type: int}
    - {target: TaxClassId, column: Steuer, lookup: steuer, type: int}
    - {target: ProductGroupId, column: Warengruppe, lookup: warengruppe, type: int}
    - {target: ShippingClassId, column: Versandklasse, lookup: versand, type: int}
    - {target: AvailabilityId, column: Lieferstatus, lookup: lieferstatus, type: int}
    - {target: ConditionId, column: Zustand, lookup: zustand, type: int}
    - {target: ManufacturerId, column: Hersteller, lookup: hersteller, type: int}
    - {target: "Components[0].ItemId", column: Komponente, lookup: artikel, type: int}
    - {target: "Components[0].Quantity", column: Menge, type: decimal}
sink: {type: erp, resource: items, operation: upsert, match_by: SKU}
options: {guardrails: {max_failed: "100%"}}
`

// References by name in an items import: every one resolves through its
// lookup; an ambiguous rate and an unknown manufacturer fail their record
// with a message that says what to do; a second run changes nothing.
func TestRefsByNameJob(t *testing.T) {
	pipeline.AddSourceType(sources.CSV)
	pipeline.AddSinkType(sinks.ERP)
	seed := &erptest.Seed{
		Categories:    []erptest.Category{{Id: 1, Name: "Textil"}},
		Manufacturers: []erptest.Manufacturer{{Id: 1, Name: "Knipex"}, {Id: 2, Name: "Wera"}},
		TaxClasses: []erptest.TaxClass{{Id: 1, Name: "Normaler Steuersatz", IsDefault: true, Type: 4},
			{Id: 2, Name: "Ermäßigter Steuersatz", Type: 3}, {Id: 3, Name: "Österreich 19 % Sonder", Type: 4}},
		ProductGroups: []erptest.ProductGroup{{Id: 1, Name: "Standard"}, {Id: 2, Name: "Bekleidung"}},
		Items:         []erptest.Item{{SKU: "KOMP-1", Name: "Knopf", Categories: []erptest.CategoryReference{{CategoryId: 1}}}},
	}
	seed.ShippingClasses = []erptest.ShippingClass{{Id: 1, Name: "Standard"}, {Id: 2, Name: "Sperrgut"}}
	srv := erptest.NewServer(erptest.Options{Seed: seed, Validate: true, Rand: rand.New(rand.NewPCG(5, 6))})
	t.Cleanup(func() {
		srv.Close()
		for _, v := range srv.ContractViolations() {
			t.Errorf("contract violation: %s", v)
		}
	})
	c, err := erp.New(erp.Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client(), BackoffInitial: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	csv := "Artikelnummer;Name;Kategorie;Steuer;Warengruppe;Versandklasse;Lieferstatus;Zustand;Hersteller;Komponente;Menge\n" +
		"SET-1;Set;1;7 %;bekleidung;Sperrgut;1-3 Werktage;New;wera;KOMP-1;2\n" +
		"SET-2;Set 2;1;19;Standard;Standard;sofort lieferbar;Neu;Knipex;;\n" +
		"SET-3;Set 3;1;Normaler Steuersatz;Standard;Standard;sofort lieferbar;B-Ware;Hazet;;\n"
	for name, body := range map[string]string{"items.csv": csv, "job.yaml": refsJob} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func() (*pipeline.Summary, string) {
		job, err := pipeline.LoadJob(filepath.Join(dir, "job.yaml"), pipeline.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		reports := t.TempDir()
		sum, err := pipeline.Run(context.Background(), job, pipeline.RunOptions{Conn: c, Resolver: erp.NewLookups(c),
			ReportDir: reports, StateDir: t.TempDir(), Force: true})
		if err != nil {
			t.Fatal(err)
		}
		return sum, workbookText(t, sum.ErrorWorkbook)
	}
	sum, errs := run()
	if sum.Created != 1 || sum.Failed != 2 {
		t.Fatalf("created %d failed %d: %s", sum.Created, sum.Failed, errs)
	}
	it, ok := srv.ItemBySKU("SET-1")
	if !ok || it.TaxClassId != 2 || it.ProductGroupId != 2 || it.ShippingClassId != 2 || it.AvailabilityId != 2 ||
		it.ConditionId != 1 || it.ManufacturerId != 2 || len(it.Components) != 1 || it.Components[0].ItemId != 1 {
		t.Errorf("SET-1 %+v", it)
	}
	for _, want := range []string{`"19" fits several taxClasses (Normaler Steuersatz, Österreich 19 % Sonder): name the tax class instead of its rate`,
		`"Hazet" is not in lookup table "hersteller": the Wawi knows Knipex, Wera`,
		`"B-Ware" is not in lookup table "zustand": the Wawi knows Neu / New, Gebraucht / Used`} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors lack %q:\n%s", want, errs)
		}
	}
	if sum, _ := run(); sum.Unchanged != 1 || sum.Created+sum.Updated != 0 {
		t.Errorf("second run: %+v", sum)
	}
}

// workbookText is every cell of a workbook, one row a line.
func workbookText(t *testing.T, path string) string {
	t.Helper()
	if path == "" {
		return ""
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sh := range f.GetSheetList() {
		rows, _ := f.GetRows(sh)
		for _, r := range rows {
			b.WriteString(strings.Join(r, " | ") + "\n")
		}
	}
	return b.String()
}
