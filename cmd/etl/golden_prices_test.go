package main

import (
	"fmt"
	"strings"

	"github.com/wawi-etl/etl/erp/erptest"
)

// goldenSupplierData writes the items' supplier data the Wawi holds.
func goldenSupplierData(b *strings.Builder, srv *erptest.Server) {
	sup := srv.ItemSuppliers()
	fmt.Fprintf(b, "-- Wawi: %d supplier records, %d writes\n", len(sup), srv.Counters().Writes)
	for _, s := range sup {
		var scales []string
		for _, p := range s.ScalePrices {
			scales = append(scales, fmt.Sprintf("%d:%s", p.FromQuantity, p.PurchasePriceNet))
		}
		fmt.Fprintf(b, "item %d supplier %d %q %q standard %v purchase %s scales [%s] unit %s %q delivery %d (%v) stock %s\n",
			s.ItemId, s.SupplierId, s.Sku, s.ItemName, s.IsStandard, s.PurchasePriceNet, strings.Join(scales, " "),
			s.AmountPackagingUnit, s.PackagingUnit, s.DeliveryTime, s.UseSupplierDeliveryTime, s.Stocklevel)
	}
}

// goldenGroupPrices writes the items' sales channel prices the Wawi holds.
func goldenGroupPrices(b *strings.Builder, srv *erptest.Server) {
	ps := srv.SalesChannelPrices()
	fmt.Fprintf(b, "-- Wawi: %d sales channel prices, %d writes\n", len(ps), srv.Counters().Writes)
	for _, p := range ps {
		fmt.Fprintf(b, "item %d channel %s group %d from %d net %s\n", p.ItemId, p.SalesChannelId, p.CustomerGroupId, p.FromQuantity, p.NetPrice)
	}
}
