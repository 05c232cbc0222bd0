package sources

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
)

// An items export can include the items' supplier data, group prices and
// special price: one record per supplier or price (the special price is one
// record per item); an item without any is one record with an empty one.
func TestERPSourceIncludesSupplierDataAndPrices(t *testing.T) {
	seed := &erptest.Seed{
		Items:     []erptest.Item{{Id: 1, SKU: "A-1", Name: "Schraube"}, {Id: 2, SKU: "A-2", Name: "Mutter"}},
		Suppliers: []erptest.Supplier{{Id: 1, Name: "Würth"}, {Id: 2, Name: "Hahn"}},
		ItemSuppliers: []erptest.ItemSupplier{{ItemId: 1, SupplierId: 1, Sku: "W-1", IsStandard: true},
			{ItemId: 1, SupplierId: 2, Sku: "H-1", ScalePrices: []erptest.SupplierItemScalePrice{{FromQuantity: 10, PurchasePriceNet: erptest.D("0.5")}}}},
		SalesChannelPrices: []erptest.ItemSalesChannelPrice{{ItemId: 2, SalesChannelId: "1-1-1", CustomerGroupId: 1, FromQuantity: 1, NetPrice: erptest.D("2.5")}},
	}
	srv := erptest.NewServer(erptest.Options{Seed: seed})
	defer srv.Close()
	env := testEnv(t, newClient(t, srv.URL))
	for _, c := range []struct{ include, want string }{
		{"suppliers", "A-1 1 W-1 true <missing>; A-1 2 H-1 false 10; A-2 <missing> <missing> <missing> <missing>"},
		{"salesChannelPrices", "A-1 {}; A-2 1-1-1/1/1 2.5"},
		{"specialprices", "A-1 false []; A-2 false []"},
	} {
		src := openSource(t, pipeline.SourceSpec{Resource: "items", Include: c.include}, env)
		var got []string
		for _, r := range drain(t, src) {
			switch c.include {
			case "suppliers":
				got = append(got, strings.Join([]string{get(t, r, "SKU"), get(t, r, "LineItem.SupplierId"), get(t, r, "LineItem.Sku"),
					get(t, r, "LineItem.IsStandard"), get(t, r, "LineItem.ScalePrices[0].FromQuantity")}, " "))
			case "salesChannelPrices":
				if get(t, r, "LineItem") == "{}" {
					got = append(got, get(t, r, "SKU")+" {}")
					continue
				}
				got = append(got, fmt.Sprintf("%s %s/%s/%s %s", get(t, r, "SKU"), get(t, r, "LineItem.SalesChannelId"),
					get(t, r, "LineItem.CustomerGroupId"), get(t, r, "LineItem.FromQuantity"), get(t, r, "LineItem.NetPrice")))
			default:
				got = append(got, strings.Join([]string{get(t, r, "SKU"), get(t, r, "LineItem.IsActive"), get(t, r, "LineItem.SpecialPrice")}, " "))
			}
		}
		src.Close()
		if s := strings.Join(got, "; "); s != c.want {
			t.Errorf("include %s:\n got %s\nwant %s", c.include, s, c.want)
		}
	}
}
