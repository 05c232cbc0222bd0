package erptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// Seed is the emulator's initial state and the JSON format of
// `etl emulator --seed FILE`. Records use the spec's field names; Ids that
// are 0 are assigned, SKUs and numbers that are empty are generated, and
// category names in Item.Categories are filled in from Categories. Each of
// companies, warehouses, categories, customer groups, manufacturers,
// customers, payment and shipping methods that the seed leaves empty gets Generate's base data, so
// that a seed of items alone (or no seed) is usable.
//
//	{
//	  "items": [{"SKU": "A-1", "Name": "Screw", "Categories": [{"CategoryId": 1}],
//	             "ItemPriceData": {"SalesPriceNet": 0.19}}],
//	  "categories": [{"Id": 1, "Name": "Hardware"}],
//	  "stock": [{"SKU": "A-1", "WarehouseId": 1, "Quantity": 250}],
//	  "orders": [{"Number": "AU1", "CustomerId": 1, "CompanyId": 1,
//	              "LineItems": [{"SKU": "A-1", "Quantity": 3, "SalesPriceGross": 0.23}]}]
//	}
type Seed struct {
	Items          []Item          `json:"items,omitempty"`
	Warehouses     []Warehouse     `json:"warehouses,omitempty"`
	Categories     []Category      `json:"categories,omitempty"`
	CustomerGroups []CustomerGroup `json:"customerGroups,omitempty"`
	// ItemDescriptions name their item by ItemId.
	ItemDescriptions []ItemDescription `json:"itemDescriptions,omitempty"`
	Customers        []Customer        `json:"customers,omitempty"`
	Companies        []Company         `json:"companies,omitempty"`
	PaymentMethods   []PaymentMethod   `json:"paymentMethods,omitempty"`
	ShippingMethods  []ShippingMethod  `json:"shippingMethods,omitempty"`
	Manufacturers    []Manufacturer    `json:"manufacturers,omitempty"`
	Stock            []SeedStock       `json:"stock,omitempty"`
	// Reference lists; sales channels, tax classes and product groups
	// the seed leaves empty get defaults (1-1-1 JTL-Wawi, 2-1-1 Onlineshop;
	// Normaler and Ermäßigter Steuersatz; Standard).
	Suppliers     []Supplier     `json:"suppliers,omitempty"`
	SalesChannels []SalesChannel `json:"salesChannels,omitempty"`
	TaxClasses    []TaxClass     `json:"taxClasses,omitempty"`
	ProductGroups []ProductGroup `json:"productGroups,omitempty"`
	// Properties, custom fields, shipping classes, ... (api_properties.go).
	CatalogSeed
	// An item's supplier data and prices name their item by ItemId.
	ItemSuppliers      []ItemSupplier          `json:"itemSuppliers,omitempty"`
	SalesChannelPrices []ItemSalesChannelPrice `json:"salesChannelPrices,omitempty"`
	CustomerPrices     []ItemCustomerPrice     `json:"customerPrices,omitempty"`
	Orders             []SeedOrder             `json:"orders,omitempty"`

	// ItemImages name their item by ItemId; ImageData is base64.
	ItemImages []SeedItemImage `json:"itemImages,omitempty"`
	// LedgerAccounts are the items' revenue accounts on booking lines
	// (GET /accountingData); invoices and accounting documents are derived
	// from the orders (see api_accounting.go).
	LedgerAccounts []SeedLedgerAccount `json:"ledgerAccounts,omitempty"`
}

// SeedStock is an initial stock quantity. The item is given by ItemId or
// SKU; StorageLocationId 0 means the warehouse's default location.
type SeedStock struct {
	ItemId                  int    `json:",omitempty"`
	SKU                     string `json:",omitempty"`
	WarehouseId             int
	StorageLocationId       int    `json:",omitempty"`
	BatchNumber             string `json:",omitempty"`
	ShelfLifeExpirationDate *Time  `json:",omitempty"`
	Quantity                Dec
}

// SeedOrder is a sales order with its line items. A line item may name its
// item by SKU alone. When SalesOrderPaymentDetails.TotalGrossAmount is 0 it
// is computed from the line items.
type SeedOrder struct {
	SalesOrder
	LineItems []SalesOrderLineItem `json:",omitempty"`
}

// LoadSeed reads a seed file. Unknown fields are errors (a misspelt field
// would otherwise silently vanish).
func LoadSeed(path string) (*Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Seed
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	return &s, nil
}

// WriteSeed writes s as indented JSON to path.
func WriteSeed(path string, s *Seed) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
