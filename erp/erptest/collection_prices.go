package erptest

import (
	"fmt"
	"net/http"
	"strconv"
)

// An item's supplier data and prices, and the reference lists they point
// at (suppliers, sales channels, tax classes, product groups).

// ItemSupplier is the spec's ItemSupplier: what one supplier delivers an
// item for (Lieferantendaten).
type ItemSupplier struct {
	ItemId                        int
	SupplierId                    int
	Sku                           string
	ItemName                      string
	IsStandard                    bool
	PurchasePriceNet              Dec
	TaxRate                       Dec
	MinimumPurchaseQuantity       Dec
	PermissibleOrderQuantity      Dec
	DeliveryTime                  int
	UseSupplierDeliveryTime       bool
	Stocklevel                    Dec
	IsDropshipping                bool
	MergeStockLevel               bool
	Comment                       string
	PackagingUnit                 string
	AmountPackagingUnit           Dec
	PackagingUnitPurchasePriceNet Dec
	ScalePrices                   []SupplierItemScalePrice
}

// SupplierItemScalePrice is the spec's SupplierItemScalePrice.
type SupplierItemScalePrice struct {
	FromQuantity                 int
	PurchasePriceNet             Dec
	ReduceStandardPriceByPercent Dec
}

// ItemSalesChannelPrice is the spec's ItemSalesChannelPrice.
type ItemSalesChannelPrice struct {
	ItemId                       int
	SalesChannelId               string
	CustomerGroupId              int
	FromQuantity                 int
	NetPrice                     Dec
	ReduceStandardPriceByPercent Dec
}

// ItemCustomerPrice is the spec's ItemCustomerPrice.
type ItemCustomerPrice struct {
	ItemId                       int
	CustomerId                   int
	FromQuantity                 int
	NetPrice                     Dec
	ReduceStandardPriceByPercent Dec
}

// Supplier is the spec's Supplier.
type Supplier struct {
	Id                 int
	Name               string
	Type               string
	SupplierNo         string
	InternalCustomerId string
	LanguageISO        string
	FormOfAddress      string
	FirstName          string
	LastName           string
	Company            string
	Company2           string
	Contact            string
	Street             string
	Address2           string
	PostalCode         string
	City               string
	State              string
	CountryIso         string
	Phone              string
	PhoneExtension     string
	Fax                string
	Email              string
	Website            string
	Comment            string
	VatID              string
	Status             string
}

// SalesChannel is the spec's SalesChannel; its Id is text ("1-1-1").
type SalesChannel struct {
	Id                   string
	Type                 int
	Name                 string
	ItemCapabilities     ItemCapabilities
	CategoryCapabilities CategoryCapabilities
	DocumentationUrl     string
}

// ItemCapabilities is the spec's ItemCapabilities.
type ItemCapabilities struct {
	Descriptions, OnlineShopActivation, Prices, SpecialPrices, Images bool
}

// CategoryCapabilities is the spec's CategoryCapabilities.
type CategoryCapabilities struct {
	Descriptions, OnlineShopActivation bool
}

// TaxClass is the spec's TaxClass (Type 4: NormalerSatz, 3: ErmaessigterSatz).
type TaxClass struct {
	Id        int
	Name      string
	IsDefault bool
	Type      int
}

// ProductGroup is the spec's ProductGroup.
type ProductGroup struct {
	Id   int
	Name string
}

// refs are the reference lists; the seed's, or these defaults.
type refs struct {
	suppliers     []Supplier
	salesChannels []SalesChannel
	taxClasses    []TaxClass
	productGroups []ProductGroup
}

func defaultRefs() refs {
	return refs{
		salesChannels: []SalesChannel{
			{Id: "1-1-1", Type: 0, Name: "JTL-Wawi", ItemCapabilities: ItemCapabilities{Prices: true, SpecialPrices: true}},
			{Id: "2-1-1", Type: 1, Name: "Onlineshop", ItemCapabilities: ItemCapabilities{Descriptions: true, OnlineShopActivation: true, Prices: true, SpecialPrices: true, Images: true},
				CategoryCapabilities: CategoryCapabilities{Descriptions: true, OnlineShopActivation: true}},
		},
		taxClasses:    []TaxClass{{Id: 1, Name: "Normaler Steuersatz", IsDefault: true, Type: 4}, {Id: 2, Name: "Ermäßigter Steuersatz", Type: 3}},
		productGroups: []ProductGroup{{Id: 1, Name: "Standard"}},
	}
}

// loadRefs takes the seed's reference lists, defaults for those it lacks.
func (s *store) loadRefs(seed *Seed) {
	d := defaultRefs()
	s.refs.suppliers = seed.Suppliers
	s.refs.salesChannels = seed.SalesChannels
	if len(s.refs.salesChannels) == 0 {
		s.refs.salesChannels = d.salesChannels
	}
	s.refs.taxClasses = seed.TaxClasses
	if len(s.refs.taxClasses) == 0 {
		s.refs.taxClasses = d.taxClasses
	}
	s.refs.productGroups = seed.ProductGroups
	if len(s.refs.productGroups) == 0 {
		s.refs.productGroups = d.productGroups
	}
}

func (s *store) supplier(id int) *Supplier {
	for i := range s.refs.suppliers {
		if s.refs.suppliers[i].Id == id {
			return &s.refs.suppliers[i]
		}
	}
	return nil
}

func (s *store) salesChannel(id string) *SalesChannel {
	for i := range s.refs.salesChannels {
		if s.refs.salesChannels[i].Id == id {
			return &s.refs.salesChannels[i]
		}
	}
	return nil
}

// refList serves a reference list: GET only, a plain array.
type refList[T any] struct {
	path, op string
	list     func(*store) []T
}

func (d *refList[T]) routes() []route {
	return []route{{method: "GET", path: d.path, opID: d.op, h: func(e *Emulator, c *call) reply {
		if r := queryErrors(c); r != nil {
			return *r
		}
		e.mu.RLock()
		defer e.mu.RUnlock()
		l := d.list(e.st)
		if l == nil {
			l = []T{}
		}
		return jsonReply(http.StatusOK, l)
	}}}
}

func (d *refList[T]) paths() (list, item, param string, paged bool) { return d.path, "", "", false }

var refLists = []collection{
	&refList[Supplier]{path: "/suppliers", op: "SupplierHeader_QuerySuppliersAsync", list: func(s *store) []Supplier { return s.refs.suppliers }},
	&refList[SalesChannel]{path: "/salesChannels", op: "SalesChannelHeader_GetSalesChannelsAsync", list: func(s *store) []SalesChannel { return s.refs.salesChannels }},
	&refList[TaxClass]{path: "/taxClasses", op: "TaxClassHeader_QueryTaxClassesAsync", list: func(s *store) []TaxClass { return s.refs.taxClasses }},
	&refList[ProductGroup]{path: "/productGroups", op: "ProductGroupHeader_QueryProductGroupsAsync", list: func(s *store) []ProductGroup { return s.refs.productGroups }},
}

var itemSupplierDef = &childDef[ItemSupplier]{
	noun: "item supplier", parentNoun: "item",
	list: "/items/{itemId}/suppliers", item: "/items/{itemId}/suppliers/{supplierId}",
	parentParam: "itemId", keyParams: []string{"supplierId"},
	listOp: "ItemHeader_QueryItemSuppliersAsync", createOp: "ItemHeader_CreateItemSupplierAsync",
	patchOp: "ItemHeader_UpdateItemSupplierAsync", deleteOp: "ItemHeader_DeleteItemSupplierAsync",
	coll:         func(st *store) *children[ItemSupplier] { return st.itemSuppliers },
	parentExists: func(st *store, id int) bool { return st.itemByID[id] != nil },
	keyOf:        func(s *ItemSupplier) []string { return []string{strconv.Itoa(s.SupplierId)} },
	setParent:    func(s *ItemSupplier, id int) { s.ItemId = id },
	check: func(st *store, s *ItemSupplier) map[string]string {
		if st.supplier(s.SupplierId) == nil {
			return map[string]string{"SupplierId": fmt.Sprintf("The supplier %d does not exist.", s.SupplierId)}
		}
		// the price of a packaging unit follows the unit price
		s.PackagingUnitPurchasePriceNet = DecOf(s.PurchasePriceNet.Mul(s.AmountPackagingUnit.Decimal))
		if s.ScalePrices == nil {
			s.ScalePrices = []SupplierItemScalePrice{}
		}
		return nil
	},
	stored: oneStandardSupplier,
}

// oneStandardSupplier: an item has one standard supplier; setting it on one
// clears it on the others, as the Wawi does.
func oneStandardSupplier(st *store, pid int, s *ItemSupplier) {
	if !s.IsStandard {
		return
	}
	list := st.itemSuppliers.byParent[pid]
	for i, o := range list {
		if o.SupplierId != s.SupplierId && o.IsStandard {
			c := *o // stored records are replaced, never changed in place
			c.IsStandard = false
			list[i] = &c
		}
	}
}

var salesChannelPriceDef = &childDef[ItemSalesChannelPrice]{
	noun: "sales channel price", parentNoun: "item",
	list: "/items/{itemId}/salesChannelPrices", item: "/items/{itemId}/salesChannelPrices/{salesChannelId}/{customerGroupId}/{fromQuantity}",
	parentParam: "itemId", keyParams: []string{"salesChannelId", "customerGroupId", "fromQuantity"},
	listOp: "ItemHeader_QueryItemSalesChannelPriceAsync", createOp: "ItemHeader_CreateItemSalesChannelPriceAsync",
	patchOp: "ItemHeader_UpdateItemSalesChannelPriceAsync", deleteOp: "ItemHeader_DeleteItemSalesChannelPriceAsync",
	coll:         func(st *store) *children[ItemSalesChannelPrice] { return st.salesChannelPrices },
	parentExists: func(st *store, id int) bool { return st.itemByID[id] != nil },
	keyOf: func(p *ItemSalesChannelPrice) []string {
		return []string{p.SalesChannelId, strconv.Itoa(p.CustomerGroupId), strconv.Itoa(p.FromQuantity)}
	},
	setParent: func(p *ItemSalesChannelPrice, id int) { p.ItemId = id },
	check: func(st *store, p *ItemSalesChannelPrice) map[string]string {
		if sc := st.salesChannel(p.SalesChannelId); sc == nil || !sc.ItemCapabilities.Prices {
			return map[string]string{"SalesChannelId": fmt.Sprintf("The sales channel %q does not exist or takes no prices.", p.SalesChannelId)}
		}
		if p.CustomerGroupId != 0 && st.customerGroups.get(p.CustomerGroupId) == nil {
			return map[string]string{"CustomerGroupId": fmt.Sprintf("The customer group %d does not exist.", p.CustomerGroupId)}
		}
		return checkPrice(p.NetPrice, p.ReduceStandardPriceByPercent)
	},
}

var customerPriceDef = &childDef[ItemCustomerPrice]{
	noun: "customer price", parentNoun: "item",
	list: "/items/{itemId}/customerPrices", item: "/items/{itemId}/customerPrices/{customerId}/{fromQuantity}",
	parentParam: "itemId", keyParams: []string{"customerId", "fromQuantity"},
	listOp: "ItemHeader_QueryItemCustomerPricesAsync", createOp: "ItemHeader_CreateItemCustomerPriceAsync",
	patchOp: "ItemHeader_UpdateItemCustomerPriceAsync", deleteOp: "ItemHeader_DeleteItemCustomerPriceAsync",
	coll:         func(st *store) *children[ItemCustomerPrice] { return st.customerPrices },
	parentExists: func(st *store, id int) bool { return st.itemByID[id] != nil },
	keyOf: func(p *ItemCustomerPrice) []string {
		return []string{strconv.Itoa(p.CustomerId), strconv.Itoa(p.FromQuantity)}
	},
	setParent: func(p *ItemCustomerPrice, id int) { p.ItemId = id },
	check: func(st *store, p *ItemCustomerPrice) map[string]string {
		if st.customerByID[p.CustomerId] == nil {
			return map[string]string{"CustomerId": fmt.Sprintf("The customer %d does not exist.", p.CustomerId)}
		}
		return checkPrice(p.NetPrice, p.ReduceStandardPriceByPercent)
	},
}

// checkPrice: "If you use NetPrice, you can't use ReduceStandardPriceByPercent too."
func checkPrice(net, pct Dec) map[string]string {
	if !net.IsZero() && !pct.IsZero() {
		return map[string]string{"NetPrice": "Either NetPrice or ReduceStandardPriceByPercent can be used, not both."}
	}
	if net.IsNegative() {
		return map[string]string{"NetPrice": "The price must not be negative."}
	}
	return nil
}

// loadChildren adds seed records below their items, checked like a POST.
func loadChildren[T any](s *store, d *childDef[T], src []T, parentOf func(*T) int) error {
	col := d.coll(s)
	for i := range src {
		v := src[i]
		pid := parentOf(&v)
		if s.itemByID[pid] == nil {
			return fmt.Errorf("seed: %s for item %d, which does not exist", d.noun, pid)
		}
		if col.find(pid, d.keyOf(&v), d.keyOf) >= 0 {
			return fmt.Errorf("seed: item %d has two of %s %v", pid, d.noun, d.keyOf(&v))
		}
		if d.check != nil {
			if verrs := d.check(s, &v); len(verrs) > 0 {
				return fmt.Errorf("seed: %s %v of item %d: %v", d.noun, d.keyOf(&v), pid, verrs)
			}
		}
		col.byParent[pid] = append(col.byParent[pid], &v)
		if d.stored != nil {
			d.stored(s, pid, &v)
		}
	}
	return nil
}

func (s *store) loadPrices(seed *Seed) error {
	if err := loadChildren(s, itemSupplierDef, seed.ItemSuppliers, func(v *ItemSupplier) int { return v.ItemId }); err != nil {
		return err
	}
	if err := loadChildren(s, salesChannelPriceDef, seed.SalesChannelPrices, func(v *ItemSalesChannelPrice) int { return v.ItemId }); err != nil {
		return err
	}
	return loadChildren(s, customerPriceDef, seed.CustomerPrices, func(v *ItemCustomerPrice) int { return v.ItemId })
}

// ItemSuppliers returns every item's supplier data, by item.
func (e *Emulator) ItemSuppliers() []ItemSupplier {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.st.itemSuppliers.all()
}

// SalesChannelPrices returns every item's sales channel prices, by item.
func (e *Emulator) SalesChannelPrices() []ItemSalesChannelPrice {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.st.salesChannelPrices.all()
}

// CustomerPrices returns every item's customer prices, by item.
func (e *Emulator) CustomerPrices() []ItemCustomerPrice {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.st.customerPrices.all()
}
