package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/wawi-etl/etl/erp/erptest"
)

// Generated inputs and the Wawi they meet. Every generator is deterministic
// (fixed PRNG seeds) and returns what the import must end with, so tests
// compare the Wawi with the file rather than with the last run.

var warehouses = []string{"Hauptlager", "Außenlager"} // Ids 1 and 2 (Generate's base data)

func whID(name string) int {
	for i, w := range warehouses {
		if w == name {
			return i + 1
		}
	}
	panic("unknown warehouse " + name)
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// comma writes a decimal as the supplier does: 2 places, decimal comma.
func comma(d decimal.Decimal) string { return strings.Replace(d.StringFixed(2), ".", ",", 1) }

// cents is a random amount between lo and hi euros.
func cents(r *rand.Rand, lo, hi int) decimal.Decimal {
	return decimal.New(int64(lo*100+r.IntN((hi-lo)*100)), -2)
}

// writeCP1252 writes ";"-separated rows in Windows-1252 with CRLF line ends,
// as the supplier's Excel export does; fields with ; " or line breaks are
// quoted.
func writeCP1252(t *testing.T, path string, rows [][]string) { writeCSV(t, path, rows, ';') }

// writeCSV is writeCP1252 with another separator.
func writeCSV(t *testing.T, path string, rows [][]string, sep byte) {
	t.Helper()
	var b strings.Builder
	for _, row := range rows {
		for i, f := range row {
			if i > 0 {
				b.WriteByte(sep)
			}
			if strings.ContainsAny(f, string(sep)+"\"\r\n") {
				f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
			}
			b.WriteString(f)
		}
		b.WriteString("\r\n")
	}
	enc, err := charmap.Windows1252.NewEncoder().String(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(enc), 0o644); err != nil {
		t.Fatal(err)
	}
}

// --- the supplier file (jobs/supplier-prices.yaml, jobs/supplier-stock.yaml) ---

var supplierHeader = []string{"Artikelnummer", "Bezeichnung", "EAN", "Hersteller", "EK netto", "VK netto", "UVP", "Bestand", "Lager", "Gewicht kg", "Lieferbar ab", "Aktiv"}

// supplierRow is one line of ACME's file and what the Wawi holds of it.
type supplierRow struct {
	SKU, Name, Lager string
	EK, VK           decimal.Decimal // in the file
	Stock            int64           // in the file (Bestand)
	inWawi           bool
	oldEK, oldVK     decimal.Decimal // in the Wawi
	oldStock         int64           // in the Wawi, warehouse Lager
	otherStock       int64           // in the Wawi, the other warehouse (the file never names it)
	badPrice         bool            // "EK netto" is garbage: the price job fails the row
	badStock         bool            // "Bestand" is garbage: the stock job fails the row
}

type supplier struct {
	rows []supplierRow
	seed *erptest.Seed
}

// genSupplier makes n rows of ACME's file (ACME-1000 …) and the Wawi before
// the import: 90 % of the SKUs are carried (the rest is skipped by
// on_missing: skip); about 70 % of the prices and 60 % of the stock levels
// differ from the Wawi (prices by at most ±30 %, inside the 50 % guardrail);
// 3 % of the levels drop to 0 (inside the 10 % guardrail); 1 % of the rows
// has a garbage price, another 1 % a garbage stock figure.
func genSupplier(n int, seed uint64) *supplier {
	r := rand.New(rand.NewPCG(seed, 0xac3e))
	s := &supplier{seed: &erptest.Seed{}}
	for i := range n {
		row := supplierRow{SKU: fmt.Sprintf("ACME-%04d", 1000+i), Lager: warehouses[r.IntN(2)], inWawi: r.IntN(10) != 0}
		row.Name = fmt.Sprintf("%s %s Größe %d", []string{"Schraube", "Dübel", "Zange", "Säge", "Bohrer", "Maßband"}[r.IntN(6)],
			[]string{"Edelstahl", "Messing", "verzinkt", "für Außen"}[r.IntN(4)], 1+r.IntN(12))
		row.oldEK = cents(r, 2, 80)
		row.oldVK = row.oldEK.Mul(dec("1.6")).Round(2)
		row.EK, row.VK = row.oldEK, row.oldVK
		if r.IntN(10) < 7 {
			f := decimal.NewFromFloat(0.7 + 0.6*r.Float64()).Round(2) // 0.70 … 1.30
			row.EK = row.oldEK.Mul(f).Round(2)
			row.VK = row.EK.Mul(dec("1.6")).Round(2)
		}
		row.oldStock = int64(r.IntN(200))
		row.Stock = row.oldStock
		switch k := r.IntN(100); {
		case k < 3:
			row.Stock = 0
		case k < 60:
			row.Stock = int64(r.IntN(300))
		}
		if r.IntN(3) == 0 {
			row.otherStock = int64(1 + r.IntN(50))
		}
		switch k := r.IntN(100); {
		case k == 0:
			row.badPrice = true
		case k == 1:
			row.badStock = true
		}
		s.rows = append(s.rows, row)
		if !row.inWawi {
			continue
		}
		s.seed.Items = append(s.seed.Items, erptest.Item{SKU: row.SKU, Name: row.Name, IsActive: true,
			Categories:    []erptest.CategoryReference{{CategoryId: 1}},
			ItemPriceData: erptest.ItemPrice{PurchasePriceNet: erptest.DecOf(row.oldEK), SalesPriceNet: erptest.DecOf(row.oldVK)}})
		if row.oldStock > 0 {
			s.seed.Stock = append(s.seed.Stock, erptest.SeedStock{SKU: row.SKU, WarehouseId: whID(row.Lager), Quantity: erptest.DecOf(decimal.NewFromInt(row.oldStock))})
		}
		if row.otherStock > 0 {
			s.seed.Stock = append(s.seed.Stock, erptest.SeedStock{SKU: row.SKU, WarehouseId: 3 - whID(row.Lager), Quantity: erptest.DecOf(decimal.NewFromInt(row.otherStock))})
		}
	}
	return s
}

// write writes the file; edit may doctor each row's fields first.
func (s *supplier) write(t *testing.T, path string, edit func(i int, f []string)) string {
	t.Helper()
	writeCP1252(t, path, s.table(edit))
	return path
}

// table is the file's header and rows as text.
func (s *supplier) table(edit func(i int, f []string)) [][]string {
	rows := [][]string{supplierHeader}
	d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, row := range s.rows {
		ek, stock := comma(row.EK), fmt.Sprint(row.Stock)
		if row.badPrice {
			ek = strings.Replace(ek, ",", ",x", 1)
		}
		if row.badStock {
			stock = "n/a"
		}
		f := []string{row.SKU, row.Name, fmt.Sprintf("400638%07d", i), "ACME GmbH", ek, comma(row.VK),
			comma(row.VK.Mul(dec("1.4")).Round(2)), stock, row.Lager, "1,250", d.AddDate(0, 0, i%60).Format("02.01.2006"), "ja"}
		if edit != nil {
			edit(i, f)
		}
		rows = append(rows, f)
	}
	return rows
}

// priceCounts is what jobs/supplier-prices.yaml makes of the file.
func (s *supplier) priceCounts() counts {
	c := counts{Read: int64(len(s.rows))}
	for _, r := range s.rows {
		switch {
		case r.badPrice:
			c.Failed++
		case !r.inWawi:
			c.Skipped++
		case !r.EK.Equal(r.oldEK) || !r.VK.Equal(r.oldVK):
			c.Updated++
		default:
			c.Unchanged++
		}
	}
	return c
}

// stockCounts is what jobs/supplier-stock.yaml makes of the file.
func (s *supplier) stockCounts() counts {
	c := counts{Read: int64(len(s.rows))}
	for _, r := range s.rows {
		switch {
		case r.badStock:
			c.Failed++
		case !r.inWawi:
			c.Skipped++
		case r.Stock != r.oldStock:
			c.Updated++
		default:
			c.Unchanged++
		}
	}
	return c
}

// --- goods receipt (testdata/stock-receipt.yaml, stock adjust) ---

// receiptRow adds Delta to the stock of SKU in Lager, which holds Before.
type receiptRow struct {
	SKU, Lager, Note string
	Before, Delta    decimal.Decimal
}

type receipt struct {
	rows []receiptRow
	seed *erptest.Seed
}

// genReceipt makes n receipt lines, each for another item and warehouse;
// deltas are mostly positive, a few are corrections down that keep the
// stock at or above zero, a few have a fraction.
func genReceipt(n int, seed uint64) *receipt {
	r := rand.New(rand.NewPCG(seed, 0x4ece))
	rc := &receipt{seed: &erptest.Seed{}}
	for i := range n {
		row := receiptRow{SKU: fmt.Sprintf("RCV-%05d", 10000+i), Lager: warehouses[r.IntN(2)], Note: fmt.Sprintf("LS-%06d", 500000+i),
			Before: decimal.NewFromInt(int64(r.IntN(40)))}
		switch k := r.IntN(100); {
		case k < 8 && row.Before.IsPositive():
			row.Delta = decimal.NewFromInt(-int64(1 + r.IntN(int(row.Before.IntPart()))))
		case k < 12:
			row.Delta = decimal.New(int64(5+r.IntN(200)), -1) // 0.5 … 20.4
		default:
			row.Delta = decimal.NewFromInt(int64(1 + r.IntN(60)))
		}
		rc.rows = append(rc.rows, row)
		rc.seed.Items = append(rc.seed.Items, erptest.Item{SKU: row.SKU, Name: "Wareneingang Artikel " + fmt.Sprint(i), IsActive: true,
			Categories: []erptest.CategoryReference{{CategoryId: 1}}, ItemPriceData: erptest.ItemPrice{SalesPriceNet: erptest.D("9.99")}})
		if row.Before.IsPositive() {
			rc.seed.Stock = append(rc.seed.Stock, erptest.SeedStock{SKU: row.SKU, WarehouseId: whID(row.Lager), Quantity: erptest.DecOf(row.Before)})
		}
	}
	return rc
}

func (rc *receipt) write(t *testing.T, path string) string {
	t.Helper()
	rows := [][]string{{"Artikelnummer", "Lager", "Zugang", "Lieferschein"}}
	for _, row := range rc.rows {
		rows = append(rows, []string{row.SKU, row.Lager, strings.Replace(row.Delta.String(), ".", ",", 1), row.Note})
	}
	writeCP1252(t, path, rows)
	return path
}

// --- sales orders (testdata/orders-create.yaml) ---

var orderHeader = []string{"Bestellnummer", "Kundennummer", "Datum", "Artikel1", "Menge1", "Preis1", "Artikel2", "Menge2", "Preis2"}

type orderLine struct {
	SKU        string
	Qty, Price decimal.Decimal
}

type orderRow struct {
	Ext, Customer string
	Date          time.Time
	Lines         []orderLine
	inWawi        bool // the Wawi has it already (an earlier import)
}

type orders struct {
	rows []orderRow
	seed *erptest.Seed
}

// genOrders makes n orders of 20 customers over 30 items, one or two line
// items each; 10 % of them are in the Wawi already and stay unchanged.
func genOrders(n int, seed uint64) *orders {
	r := rand.New(rand.NewPCG(seed, 0x0dde))
	o := &orders{seed: &erptest.Seed{}}
	for i := range 20 {
		o.seed.Customers = append(o.seed.Customers, erptest.Customer{Id: i + 1, Number: fmt.Sprintf("K%05d", 20001+i), CustomerGroupId: 1, InternalCompanyId: 1,
			LanguageIso: "DE", BillingAddress: erptest.Address{FirstName: "Kunde", LastName: fmt.Sprint(i), Street: "Hauptstraße 1",
				PostalCode: "50667", City: "Köln", CountryIso: "DE"}})
	}
	for i := range 30 {
		o.seed.Items = append(o.seed.Items, erptest.Item{SKU: fmt.Sprintf("ORD-%03d", i), Name: fmt.Sprintf("Bestellartikel %d", i), IsActive: true,
			Categories: []erptest.CategoryReference{{CategoryId: 1}}, ItemPriceData: erptest.ItemPrice{SalesPriceNet: erptest.D("10.00")},
			AllowNegativeStock: true})
	}
	base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		row := orderRow{Ext: fmt.Sprintf("SHOP-%06d", 300000+i), Customer: fmt.Sprintf("K%05d", 20001+r.IntN(20)),
			Date: base.AddDate(0, 0, r.IntN(28)), inWawi: r.IntN(10) == 0}
		for range 1 + r.IntN(2) {
			row.Lines = append(row.Lines, orderLine{SKU: fmt.Sprintf("ORD-%03d", r.IntN(30)),
				Qty: decimal.NewFromInt(int64(1 + r.IntN(5))), Price: cents(r, 1, 120)})
		}
		o.rows = append(o.rows, row)
		if !row.inWawi {
			continue
		}
		so := erptest.SeedOrder{SalesOrder: erptest.SalesOrder{ExternalNumber: row.Ext, CompanyId: 1, CustomerId: customerID(row.Customer),
			SalesOrderDate: erptest.T(row.Date)}}
		for _, l := range row.Lines {
			so.LineItems = append(so.LineItems, erptest.SalesOrderLineItem{SKU: l.SKU, Quantity: erptest.DecOf(l.Qty), SalesPriceGross: erptest.DecOf(l.Price), Type: erptest.LineItem})
		}
		o.seed.Orders = append(o.seed.Orders, so)
	}
	return o
}

// customerID is the Id genOrders gives customer number K2000n.
func customerID(number string) int {
	var n int
	fmt.Sscanf(number, "K%d", &n)
	return n - 20000
}

func (o *orders) write(t *testing.T, path string) string {
	t.Helper()
	rows := [][]string{orderHeader}
	for _, row := range o.rows {
		f := []string{row.Ext, row.Customer, row.Date.Format("02.01.2006"), "", "", "", "", "", ""}
		for i, l := range row.Lines {
			f[3+3*i], f[4+3*i], f[5+3*i] = l.SKU, l.Qty.String(), comma(l.Price)
		}
		rows = append(rows, f)
	}
	writeCP1252(t, path, rows)
	return path
}

func (o *orders) counts() counts {
	c := counts{Read: int64(len(o.rows))}
	for _, r := range o.rows {
		if r.inWawi {
			c.Unchanged++
		} else {
			c.Created++
		}
	}
	return c
}

// --- the old shop's catalog (jobs/catalog-migration.yaml) ---

// catalogCategories are in the Wawi before the migration, by path; the file
// also names paths that are not (created by the job).
var catalogCategories = []string{"Werkzeug", "Werkzeug > Zangen", "Werkzeug > Schlüssel", "Garten", "Garten > Bewässerung"}

var catalogNewPaths = []string{"Werkzeug > Sägen", "Garten > Schneiden", "Elektro > Akkugeräte", "Elektro > Bohren", "Farben & Lacke"}

var catalogMakers = []string{"Knipex", "Wera", "Bosch", "Gardena", "Makita"}

type catalogRow struct {
	SKU, Name, Category, Maker, EAN, Description string
	Price                                        decimal.Decimal
	state                                        string // new, same, changed
}

type catalog struct {
	rows []catalogRow
	seed *erptest.Seed
}

// genCatalog makes n products: 40 % new, 30 % in the Wawi as the file says,
// 30 % in the Wawi with another name or price.
func genCatalog(n int, seed uint64) *catalog {
	r := rand.New(rand.NewPCG(seed, 0xca7a))
	c := &catalog{seed: &erptest.Seed{}}
	for i, p := range catalogCategories {
		parts := strings.Split(p, " > ")
		cat := erptest.Category{Id: i + 1, Name: parts[len(parts)-1], Level: len(parts)}
		if len(parts) == 2 {
			cat.ParentCategoryId = indexOf(catalogCategories, parts[0]) + 1
		}
		c.seed.Categories = append(c.seed.Categories, cat)
	}
	for i, m := range catalogMakers {
		c.seed.Manufacturers = append(c.seed.Manufacturers, erptest.Manufacturer{Id: i + 1, Name: m})
	}
	paths := append(append([]string(nil), catalogCategories...), catalogNewPaths...)
	for i := range n {
		row := catalogRow{SKU: fmt.Sprintf("OS-%05d", 20000+i),
			Name:     fmt.Sprintf("%s %d", []string{"Kombizange", "Akku-Bohrschrauber", "Gartenschlauch", "Ringschlüssel", "Stichsäge"}[r.IntN(5)], 100+i),
			Category: paths[r.IntN(len(paths))], Maker: catalogMakers[r.IntN(len(catalogMakers))],
			EAN: fmt.Sprintf("40037730%05d", i), Price: cents(r, 3, 250)}
		if r.IntN(2) == 0 {
			row.Description = fmt.Sprintf("Artikel %d aus dem alten Shop; Maße ± 1 mm.", i)
		}
		switch k := r.IntN(10); {
		case k < 4:
			row.state = "new"
		case k < 7:
			row.state = "same"
		default:
			row.state = "changed"
		}
		if !slicesContains(catalogCategories, row.Category) {
			row.state = "new" // its category does not exist yet, so neither does it
		}
		c.rows = append(c.rows, row)
		if row.state == "new" {
			continue
		}
		it := erptest.Item{SKU: row.SKU, Name: row.Name, Description: row.Description, IsActive: true,
			ManufacturerId: indexOf(catalogMakers, row.Maker) + 1,
			Categories:     []erptest.CategoryReference{{CategoryId: indexOf(catalogCategories, row.Category) + 1}},
			Identifiers:    erptest.ItemIdentifiers{Gtin: row.EAN}, ItemPriceData: erptest.ItemPrice{SalesPriceNet: erptest.DecOf(row.Price)}}
		if row.state == "changed" {
			if r.IntN(2) == 0 {
				it.Name += " (alt)"
			} else {
				it.ItemPriceData.SalesPriceNet = erptest.DecOf(row.Price.Add(dec("1.00")))
			}
		}
		c.seed.Items = append(c.seed.Items, it)
	}
	return c
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func slicesContains(list []string, s string) bool { return indexOf(list, s) >= 0 }

// write writes the old shop's export: sheet Artikel, a title in row 1, the
// header in row 2, prices as numbers, EANs as text.
func (c *catalog) write(t *testing.T, path string) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Artikel"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(sw.SetRow("A1", []any{"Artikelexport Shop (alt), Stand 30.06.2025"}))
	must(sw.SetRow("A2", []any{"Artikelnummer", "Artikelname", "Kategorie", "Hersteller", "Preis", "EAN", "Beschreibung"}))
	for i, row := range c.rows {
		price, _ := row.Price.Float64()
		vals := []any{row.SKU, row.Name, row.Category, row.Maker, price, row.EAN, nil}
		if row.Description != "" {
			vals[6] = row.Description
		}
		must(sw.SetRow(fmt.Sprintf("A%d", i+3), vals))
	}
	must(sw.Flush())
	must(f.SaveAs(path))
	return path
}

func (c *catalog) counts() counts {
	n := counts{Read: int64(len(c.rows))}
	for _, r := range c.rows {
		switch r.state {
		case "new":
			n.Created++
		case "same":
			n.Unchanged++
		default:
			n.Updated++
		}
	}
	return n
}

func tempFile(t *testing.T, name string) string { return filepath.Join(t.TempDir(), name) }
