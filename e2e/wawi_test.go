package e2e

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp/erptest"
)

// Reading the emulator's state after a run.

// stockOf is the stock of an item in a warehouse (all storage locations).
func stockOf(t *testing.T, srv *erptest.Server, sku string, wh int) decimal.Decimal {
	t.Helper()
	it, ok := srv.ItemBySKU(sku)
	if !ok {
		t.Fatalf("no item %s in the Wawi", sku)
	}
	return srv.Stock(it.Id, wh)
}

// duplicates lists the keys that occur more than once, case-insensitively
// (the Wawi's collation).
func duplicates(keys []string) []string {
	seen := map[string]int{}
	for _, k := range keys {
		seen[strings.ToLower(k)]++
	}
	var out []string
	for k, n := range seen {
		if n > 1 {
			out = append(out, fmt.Sprintf("%s ×%d", k, n))
		}
	}
	sort.Strings(out)
	return out
}

func itemSKUs(srv *erptest.Server) []string {
	var out []string
	for _, it := range srv.Items() {
		out = append(out, it.SKU)
	}
	return out
}

func orderExternalNumbers(srv *erptest.Server) []string {
	var out []string
	for _, o := range srv.Orders() {
		out = append(out, o.ExternalNumber)
	}
	return out
}

// noDuplicates fails the test when an item SKU or an order's external
// number exists twice: what a write repeated after a lost answer makes.
func noDuplicates(t *testing.T, srv *erptest.Server) {
	t.Helper()
	if d := duplicates(itemSKUs(srv)); len(d) > 0 {
		t.Errorf("items duplicated: %v", d)
	}
	if d := duplicates(orderExternalNumbers(srv)); len(d) > 0 {
		t.Errorf("sales orders duplicated: %v", d)
	}
	// The emulator refuses a second item with a taken SKU (the Wawi does
	// too): a refusal means etl repeated a create that had landed.
	if n := srv.Counters().DuplicatesPrevented; n != 0 {
		t.Errorf("%d creates refused as duplicates: a landed write was repeated", n)
	}
}

// stockState is every stock level, by SKU and warehouse, summed over
// storage locations, as text ("ACME-1000@1" -> "12.5").
func stockState(srv *erptest.Server) map[string]string {
	sums := map[string]decimal.Decimal{}
	sku := map[int]string{}
	for _, it := range srv.Items() {
		sku[it.Id] = it.SKU
	}
	for _, r := range srv.StockRows() {
		k := fmt.Sprintf("%s@%d", sku[r.ItemId], r.WarehouseId)
		sums[k] = sums[k].Add(r.QuantityTotal.Decimal)
	}
	out := map[string]string{}
	for k, v := range sums {
		if !v.IsZero() {
			out[k] = v.String()
		}
	}
	return out
}

// orderState is every sales order by external number: customer, date and
// line items as text.
func orderState(srv *erptest.Server) map[string]string {
	out := map[string]string{}
	for _, o := range srv.Orders() {
		var b strings.Builder
		fmt.Fprintf(&b, "customer %d company %d %s:", o.CustomerId, o.CompanyId, o.SalesOrderDate.Format("2006-01-02"))
		for _, l := range srv.LineItems(o.Id) {
			fmt.Fprintf(&b, " %s×%s@%s", l.SKU, l.Quantity.String(), l.SalesPriceGross.String())
		}
		out[o.ExternalNumber] += b.String() + ";"
	}
	return out
}

// itemState is every item by SKU: name, prices, category, manufacturer,
// GTIN and description as text.
func itemState(srv *erptest.Server) map[string]string {
	out := map[string]string{}
	for _, it := range srv.Items() {
		var cats []int
		for _, c := range it.Categories {
			cats = append(cats, c.CategoryId)
		}
		out[it.SKU] = fmt.Sprintf("%q net %s purchase %s categories %v manufacturer %d gtin %s %q",
			it.Name, it.ItemPriceData.SalesPriceNet.String(), it.ItemPriceData.PurchasePriceNet.String(), cats,
			it.ManufacturerId, it.Identifiers.Gtin, it.Description)
	}
	return out
}

// diffMaps lists the keys whose values differ, at most 10.
func diffMaps(got, want map[string]string) []string {
	var out []string
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		if got[k] != want[k] {
			out = append(out, fmt.Sprintf("%s: got %q, want %q", k, got[k], want[k]))
			if len(out) == 10 {
				out = append(out, "…")
				break
			}
		}
	}
	return out
}

// writesOf is the writes the emulator performed (lost answers included).
func writesOf(srv *erptest.Server) int64 { return srv.Counters().Writes }
