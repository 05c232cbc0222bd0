package erptest

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// store is the emulator's state. Every method expects the caller to hold
// Emulator.mu (read lock for reads, write lock for writes). Lists are kept
// sorted by Id (the API's stable order); indexes answer the lookups the
// jobs do per record (SKU, order number, external number, stock per item).
type store struct {
	items     []*Item
	itemByID  map[int]*Item
	itemBySKU map[string]*Item // lower-case SKU: the Wawi compares case-insensitively
	itemText  *textIndex       // searchKeyWord

	stock       map[stockKey]*Stock
	stockByItem map[int][]*Stock
	stockAll    []*Stock // sorted by cmpStock
	changes     []StockChange

	orders      []*SalesOrder
	orderByID   map[int]*SalesOrder
	orderByNum  map[string]*SalesOrder   // lower-case number
	orderByExt  map[string][]*SalesOrder // lower-case external number
	orderByCust map[int][]*SalesOrder
	lines       map[int][]*SalesOrderLineItem

	customers     []*Customer
	customerByID  map[int]*Customer
	customerByNum map[string]*Customer
	customerText  *textIndex

	categories       *keyed[Category]
	customerGroups   *keyed[CustomerGroup]
	itemDescriptions *children[ItemDescription]
	itemImages       *imageStore
	// an item's supplier data and prices, and their reference lists
	itemSuppliers      *children[ItemSupplier]
	salesChannelPrices *children[ItemSalesChannelPrice]
	customerPrices     *children[ItemCustomerPrice]
	refs               refs
	specialPrices      map[int]*ItemSpecialPrice
	variations         *variationStore
	warehouses         []*Warehouse
	warehouseByID      map[int]*Warehouse
	companies          []*Company
	companyByID        map[int]*Company
	paymentMethods     []*PaymentMethod
	paymentByID        map[int]*PaymentMethod
	shippingMethods    []*ShippingMethod
	shippingByID       map[int]*ShippingMethod
	manufacturers      []*Manufacturer
	manufacturerByID   map[int]*Manufacturer
	cat                *catalogState // properties, custom fields, more reference lists (api_properties.go)

	next struct {
		item, order, line, customer, address, sku, orderNumber, customerNumber int
	}
	loading bool // newStore is filling the store
	// version changes on every write; cached query results carry it.
	version uint64
	acct    ledgerCache // invoices and accounting data derived from the orders (api_accounting.go)
}

type stockKey struct {
	item, warehouse, location int
	batch                     string
	shelfLife                 int64
}

func keyOf(s *Stock) stockKey {
	var sl int64
	if !s.ShelfLifeExpirationDate.IsZero() {
		sl = s.ShelfLifeExpirationDate.Unix()
	}
	return stockKey{s.ItemId, s.WarehouseId, s.StorageLocationId, s.BatchNumber, sl}
}

func cmpStock(a, b *Stock) int {
	return cmp.Or(cmp.Compare(a.ItemId, b.ItemId), cmp.Compare(a.WarehouseId, b.WarehouseId),
		cmp.Compare(a.StorageLocationId, b.StorageLocationId), strings.Compare(a.BatchNumber, b.BatchNumber),
		a.ShelfLifeExpirationDate.Compare(b.ShelfLifeExpirationDate.Time))
}

func byID[T any](id func(*T) int) func(a, b *T) int {
	return func(a, b *T) int { return cmp.Compare(id(a), id(b)) }
}

// defaultLocation is the id of a warehouse's default storage location.
func defaultLocation(warehouseID int) int { return warehouseID * 100 }

func locationName(warehouseID, location int) string {
	if location == defaultLocation(warehouseID) {
		return "Standard"
	}
	return "Lagerplatz " + strconv.Itoa(location)
}

// newStore builds the state from seed (which is not modified).
func newStore(seed *Seed, now time.Time) (*store, error) {
	if seed == nil {
		seed = &Seed{}
	}
	ni, no, ns := len(seed.Items), len(seed.Orders), len(seed.Stock)
	s := &store{
		itemByID: make(map[int]*Item, ni), itemBySKU: make(map[string]*Item, ni), itemText: newTextIndex(),
		stock: make(map[stockKey]*Stock, ns), stockByItem: make(map[int][]*Stock, ni),
		orderByID: make(map[int]*SalesOrder, no), orderByNum: make(map[string]*SalesOrder, no), orderByExt: make(map[string][]*SalesOrder, no),
		orderByCust: map[int][]*SalesOrder{}, lines: make(map[int][]*SalesOrderLineItem, no),
		customerByID: map[int]*Customer{}, customerByNum: map[string]*Customer{}, customerText: newTextIndex(),
		categories: newKeyed(func(c *Category) *int { return &c.Id }), customerGroups: newKeyed(func(g *CustomerGroup) *int { return &g.Id }),
		itemDescriptions: newChildren[ItemDescription](),
		itemSuppliers:    newChildren[ItemSupplier](), salesChannelPrices: newChildren[ItemSalesChannelPrice](), customerPrices: newChildren[ItemCustomerPrice](),
		specialPrices: map[int]*ItemSpecialPrice{},
		variations:    newVariationStore(),
		warehouseByID: map[int]*Warehouse{}, companyByID: map[int]*Company{},
		paymentByID: map[int]*PaymentMethod{}, shippingByID: map[int]*ShippingMethod{}, manufacturerByID: map[int]*Manufacturer{},
	}
	s.next.address = 1000000 // ids of addresses the emulator creates
	s.itemImages = newImageStore()
	// Kinds the seed leaves empty get Generate's base data.
	base := Generate(GenConfig{Now: now})
	for _, load := range []func() error{
		func() error { return s.loadBase(seed, base) },
		func() error { return s.loadItems(seed.Items, now) },
		func() error { return s.loadCatalog(&seed.CatalogSeed) },
		func() error { return s.loadCustomers(seed.Customers, base) },
		func() error { return s.loadDescriptions(seed.ItemDescriptions) },
		func() error { s.loadRefs(seed); return s.loadPrices(seed) },
		func() error { return s.loadImages(seed.ItemImages) },
		func() error { return s.loadStock(seed.Stock) },
		func() error { return s.loadOrders(seed.Orders, now) },
		func() error { return s.loadLedgerAccounts(seed.LedgerAccounts) },
	} {
		if err := load(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// loadBase loads the base data (companies, warehouses, ...), from the seed
// or, where it has none, from base.
func (s *store) loadBase(seed, base *Seed) error {
	pick := func(n int) bool { return n == 0 }

	companies := seed.Companies
	if pick(len(companies)) {
		companies = base.Companies
	}
	if err := loadList(companies, &s.companies, s.companyByID, func(c *Company) *int { return &c.Id }, "company"); err != nil {
		return err
	}
	warehouses := seed.Warehouses
	if pick(len(warehouses)) {
		warehouses = base.Warehouses
	}
	if err := loadList(warehouses, &s.warehouses, s.warehouseByID, func(w *Warehouse) *int { return &w.Id }, "warehouse"); err != nil {
		return err
	}
	for _, w := range s.warehouses {
		if w.Type.Scope == nil {
			w.Type.Scope = []string{}
		}
		if w.Type.Id == "" {
			w.Type = WarehouseType{Id: "Standard", Name: "Standardlager", Scope: []string{}}
		}
	}
	pms := seed.PaymentMethods
	if pick(len(pms)) {
		pms = base.PaymentMethods
	}
	if err := loadList(pms, &s.paymentMethods, s.paymentByID, func(p *PaymentMethod) *int { return &p.Id }, "payment method"); err != nil {
		return err
	}
	sms := seed.ShippingMethods
	if pick(len(sms)) {
		sms = base.ShippingMethods
	}
	if err := loadList(sms, &s.shippingMethods, s.shippingByID, func(p *ShippingMethod) *int { return &p.Id }, "shipping method"); err != nil {
		return err
	}
	mans := seed.Manufacturers
	if pick(len(mans)) {
		mans = base.Manufacturers
	}
	if err := loadList(mans, &s.manufacturers, s.manufacturerByID, func(m *Manufacturer) *int { return &m.Id }, "manufacturer"); err != nil {
		return err
	}
	cats := seed.Categories
	if pick(len(cats)) {
		cats = base.Categories
	}
	if err := s.categories.load(cats, "category"); err != nil {
		return err
	}
	groups := seed.CustomerGroups
	if pick(len(groups)) {
		groups = base.CustomerGroups
	}
	if err := s.customerGroups.load(groups, "customer group"); err != nil {
		return err
	}
	for _, c := range s.categories.list {
		if c.Level == 0 {
			c.Level = 1
			for p := s.categories.get(c.ParentCategoryId); p != nil && c.Level < 50; p = s.categories.get(p.ParentCategoryId) {
				c.Level++
			}
		}
	}
	return nil
}

// loadItems loads the seed's items.
func (s *store) loadItems(seedItems []Item, now time.Time) error {
	// Items.
	for _, it := range seedItems {
		s.next.item = max(s.next.item, it.Id)
	}
	items := slices.Clone(seedItems) // one allocation; the seed stays untouched
	s.items = make([]*Item, 0, len(items))
	for i := range items {
		it := &items[i]
		if it.Id == 0 {
			s.next.item++
			it.Id = s.next.item
		}
		if s.itemByID[it.Id] != nil {
			return fmt.Errorf("seed: item Id %d appears twice", it.Id)
		}
		if it.SKU == "" {
			it.SKU = s.newSKU()
		}
		if s.itemBySKU[strings.ToLower(it.SKU)] != nil {
			return fmt.Errorf("seed: SKU %q appears twice", it.SKU)
		}
		if it.Added.IsZero() {
			it.Added = T(now)
		}
		if it.Changed.IsZero() {
			it.Changed = it.Added
		}
		for _, c := range it.Categories {
			if c.Name == "" {
				it.Categories = slices.Clone(it.Categories) // normalizeItem fills the names
				break
			}
		}
		s.normalizeItem(it)
		s.putItem(it)
	}
	slices.SortFunc(s.items, byID(func(i *Item) int { return i.Id }))
	return nil
}

// loadCustomers loads the seed's customers, or base's when it has none.
func (s *store) loadCustomers(seedCustomers []Customer, base *Seed) error {
	// Customers.
	customers := seedCustomers
	if len(customers) == 0 {
		customers = base.Customers
	}
	for _, c := range customers {
		s.next.customer = max(s.next.customer, c.Id)
	}
	for i := range customers {
		c := customers[i]
		if c.Id == 0 {
			s.next.customer++
			c.Id = s.next.customer
		}
		if s.customerByID[c.Id] != nil {
			return fmt.Errorf("seed: customer Id %d appears twice", c.Id)
		}
		if c.Number == "" {
			c.Number = s.newCustomerNumber()
		}
		if s.customerByNum[strings.ToLower(c.Number)] != nil {
			return fmt.Errorf("seed: customer number %q appears twice", c.Number)
		}
		s.normalizeCustomer(&c)
		s.putCustomer(&c)
	}
	slices.SortFunc(s.customers, byID(func(c *Customer) int { return c.Id }))
	return nil
}

// loadStock loads the seed's stock levels.
func (s *store) loadStock(seedStock []SeedStock) error {
	// Stock.
	s.loading = true
	for _, st := range seedStock {
		id := st.ItemId
		if id == 0 {
			if it := s.itemBySKU[strings.ToLower(st.SKU)]; it != nil {
				id = it.Id
			}
		}
		if s.itemByID[id] == nil {
			return fmt.Errorf("seed: stock for unknown item (ItemId %d, SKU %q)", st.ItemId, st.SKU)
		}
		if s.warehouseByID[st.WarehouseId] == nil {
			return fmt.Errorf("seed: stock in unknown warehouse %d", st.WarehouseId)
		}
		row := &Stock{ItemId: id, WarehouseId: st.WarehouseId, StorageLocationId: st.StorageLocationId, BatchNumber: st.BatchNumber}
		if st.ShelfLifeExpirationDate != nil {
			row.ShelfLifeExpirationDate = *st.ShelfLifeExpirationDate
		}
		r := s.stockRow(row)
		r.QuantityTotal = Dec{r.QuantityTotal.Add(st.Quantity.Decimal)}
	}
	s.loading = false
	slices.SortFunc(s.stockAll, cmpStock)
	return nil
}

// loadOrders loads the seed's sales orders and their line items.
func (s *store) loadOrders(seedOrders []SeedOrder, now time.Time) error {
	// Orders.
	for _, o := range seedOrders {
		s.next.order = max(s.next.order, o.Id)
		for _, l := range o.LineItems {
			s.next.line = max(s.next.line, l.Id)
		}
	}
	nLines := 0
	for i := range seedOrders {
		nLines += len(seedOrders[i].LineItems)
	}
	orderSlab := make([]SalesOrder, len(seedOrders))
	lineSlab := make([]SalesOrderLineItem, 0, nLines)
	s.orders = make([]*SalesOrder, 0, len(seedOrders))
	for i := range seedOrders {
		so := &seedOrders[i]
		orderSlab[i] = so.SalesOrder
		o := &orderSlab[i]
		if o.Id == 0 {
			s.next.order++
			o.Id = s.next.order
		}
		if s.orderByID[o.Id] != nil {
			return fmt.Errorf("seed: sales order Id %d appears twice", o.Id)
		}
		if o.Number == "" {
			o.Number = s.newOrderNumber()
		}
		if s.orderByNum[strings.ToLower(o.Number)] != nil {
			return fmt.Errorf("seed: sales order number %q appears twice", o.Number)
		}
		if o.SalesOrderDate.IsZero() {
			o.SalesOrderDate = T(now)
		}
		if s.customerByID[o.CustomerId] == nil || s.companyByID[o.CompanyId] == nil {
			return fmt.Errorf("seed: sales order %s: unknown customer %d or company %d", o.Number, o.CustomerId, o.CompanyId)
		}
		lines := make([]*SalesOrderLineItem, 0, len(so.LineItems))
		for j := range so.LineItems {
			lineSlab = append(lineSlab, so.LineItems[j])
			l := &lineSlab[len(lineSlab)-1]
			if l.Id == 0 {
				s.next.line++
				l.Id = s.next.line
			}
			l.SalesOrderId = o.Id
			if err := s.normalizeLine(l); err != nil {
				return fmt.Errorf("seed: sales order %s: %w", o.Number, err)
			}
			lines = append(lines, l)
		}
		s.putOrder(o)
		s.lines[o.Id] = lines
		if o.SalesOrderPaymentDetails.TotalGrossAmount.IsZero() && len(lines) > 0 {
			s.recalc(o)
		}
	}
	slices.SortFunc(s.orders, byID(func(o *SalesOrder) int { return o.Id }))
	return nil
}

func loadList[T any](src []T, dst *[]*T, index map[int]*T, id func(*T) *int, what string) error {
	next := 0
	for i := range src {
		next = max(next, *id(&src[i]))
	}
	for i := range src {
		v := src[i]
		if *id(&v) == 0 {
			next++
			*id(&v) = next
		}
		if index[*id(&v)] != nil {
			return fmt.Errorf("seed: %s Id %d appears twice", what, *id(&v))
		}
		index[*id(&v)] = &v
		*dst = append(*dst, &v)
	}
	slices.SortFunc(*dst, func(a, b *T) int { return cmp.Compare(*id(a), *id(b)) })
	return nil
}

func (s *store) newSKU() string {
	for {
		s.next.sku++
		sku := fmt.Sprintf("ART%07d", s.next.sku)
		if s.itemBySKU[strings.ToLower(sku)] == nil {
			return sku
		}
	}
}

func (s *store) newOrderNumber() string {
	for {
		s.next.orderNumber++
		n := fmt.Sprintf("AU%d", 100000+s.next.orderNumber)
		if s.orderByNum[strings.ToLower(n)] == nil {
			return n
		}
	}
}

func (s *store) newCustomerNumber() string {
	for {
		s.next.customerNumber++
		n := strconv.Itoa(10000 + s.next.customerNumber)
		if s.customerByNum[strings.ToLower(n)] == nil {
			return n
		}
	}
}

// normalizeItem makes every array non-nil and fills category names.
func (s *store) normalizeItem(it *Item) {
	if it.Categories == nil {
		it.Categories = []CategoryReference{}
	}
	for i := range it.Categories {
		if c := s.categories.get(it.Categories[i].CategoryId); c != nil && it.Categories[i].Name == "" {
			it.Categories[i].Name = c.Name
		}
	}
	if it.Components == nil {
		it.Components = []ItemComponent{}
	}
	if it.ChildItems == nil {
		it.ChildItems = []int{}
	}
	if it.Identifiers.Asins == nil {
		it.Identifiers.Asins = []string{}
	}
	if it.Quantities.MinimumPurchaseQuantityForCustomerGroup == nil {
		it.Quantities.MinimumPurchaseQuantityForCustomerGroup = []ItemMinimumPurchaseQuantityForCustomerGroup{}
	}
}

// putItem adds or replaces it in the lists and indexes (the caller keeps
// s.items sorted: new Ids are always the largest).
func (s *store) putItem(it *Item) {
	if old := s.itemByID[it.Id]; old != nil {
		delete(s.itemBySKU, strings.ToLower(old.SKU))
		i, _ := slices.BinarySearchFunc(s.items, it.Id, func(x *Item, id int) int { return cmp.Compare(x.Id, id) })
		s.items[i] = it
	} else {
		s.items = append(s.items, it)
	}
	s.itemByID[it.Id] = it
	s.itemBySKU[strings.ToLower(it.SKU)] = it
	id := it.Identifiers
	s.itemText.set(it.Id, it.SKU, it.Name, id.Gtin, id.ManufacturerNumber, id.ISBN, id.UPC, id.AmazonFnsku,
		id.OwnIdentifier, strings.Join(id.Asins, "\x00"))
	s.version++
}

func (s *store) normalizeCustomer(c *Customer) {
	o := &c.OtherAddresses
	for _, p := range []*[]Address{&o.OtherBillingAddresses, &o.OtherShippingAddresses, &o.OtherCustomerAddresses} {
		if *p == nil {
			*p = []Address{}
		} else {
			*p = slices.Clone(*p)
		}
	}
	for _, a := range []*Address{&c.BillingAddress, &c.Shipmentaddress, &c.CustomAddress} {
		if a.Id == 0 && (a.City != "" || a.LastName != "" || a.Company != "") {
			s.next.address++
			a.Id = s.next.address
		}
	}
}

func (s *store) putCustomer(c *Customer) {
	if old := s.customerByID[c.Id]; old != nil {
		delete(s.customerByNum, strings.ToLower(old.Number))
		i, _ := slices.BinarySearchFunc(s.customers, c.Id, func(x *Customer, id int) int { return cmp.Compare(x.Id, id) })
		s.customers[i] = c
	} else {
		s.customers = append(s.customers, c)
	}
	s.customerByID[c.Id] = c
	s.customerByNum[strings.ToLower(c.Number)] = c
	b := c.BillingAddress
	s.customerText.set(c.Id, c.Number, b.Company, b.FirstName, b.LastName, b.EmailAddress, b.City, b.PostalCode, c.EbayUsername)
	s.version++
}

func (s *store) putOrder(o *SalesOrder) {
	s.orders = append(s.orders, o)
	s.orderByID[o.Id] = o
	s.orderByNum[strings.ToLower(o.Number)] = o
	if o.ExternalNumber != "" {
		k := strings.ToLower(o.ExternalNumber)
		s.orderByExt[k] = append(s.orderByExt[k], o)
	}
	s.orderByCust[o.CustomerId] = append(s.orderByCust[o.CustomerId], o)
	s.version++
}

// normalizeLine fills a line item from its item (by ItemId or SKU).
func (s *store) normalizeLine(l *SalesOrderLineItem) error {
	var it *Item
	switch {
	case l.ItemId != 0:
		if it = s.itemByID[l.ItemId]; it == nil {
			return fmt.Errorf("item %d does not exist", l.ItemId)
		}
	case l.SKU != "":
		it = s.itemBySKU[strings.ToLower(l.SKU)]
	}
	if it != nil {
		l.ItemId = it.Id
		if l.SKU == "" {
			l.SKU = it.SKU
		}
		if l.Name == "" {
			l.Name = it.Name
		}
		if l.Type == LineBlank {
			l.Type = LineItem
		}
	}
	if l.SalesUnit == "" {
		l.SalesUnit = "Stk"
	}
	hundred := decimal.NewFromInt(100)
	switch {
	case l.SalesPriceGross.IsZero() && !l.SalesPriceNet.IsZero():
		l.SalesPriceGross = Dec{l.SalesPriceNet.Mul(hundred.Add(l.TaxRate.Decimal)).Div(hundred).Round(4)}
	case l.SalesPriceNet.IsZero() && !l.SalesPriceGross.IsZero():
		l.SalesPriceNet = Dec{l.SalesPriceGross.Mul(hundred).Div(hundred.Add(l.TaxRate.Decimal)).Round(4)}
	}
	return nil
}

// lineGross is a line's gross total: Quantity × SalesPriceGross less
// Discount percent, rounded to cents (half away from zero).
func lineGross(l *SalesOrderLineItem) decimal.Decimal {
	hundred := decimal.NewFromInt(100)
	v := l.Quantity.Mul(l.SalesPriceGross.Decimal)
	if !l.Discount.IsZero() {
		v = v.Mul(hundred.Sub(l.Discount.Decimal)).Div(hundred)
	}
	return v.Round(2)
}

// recalc sets the order's TotalGrossAmount and StillToPay from its lines.
func (s *store) recalc(o *SalesOrder) {
	total := decimal.Zero
	for _, l := range s.lines[o.Id] {
		total = total.Add(lineGross(l))
	}
	p := &o.SalesOrderPaymentDetails
	p.TotalGrossAmount = Dec{total}
	switch p.PaymentStatus {
	case Payed:
		p.StillToPay = Dec{}
	case PartialPayed:
		p.StillToPay = Dec{total.Div(decimal.NewFromInt(2)).Round(2)}
	default:
		p.StillToPay = Dec{total}
	}
	s.version++
}

// stockRow returns the row for proto's key, creating it (quantity 0).
func (s *store) stockRow(proto *Stock) *Stock {
	if proto.StorageLocationId == 0 {
		proto.StorageLocationId = defaultLocation(proto.WarehouseId)
	}
	k := keyOf(proto)
	if r := s.stock[k]; r != nil {
		return r
	}
	r := &Stock{
		WarehouseId: proto.WarehouseId, StorageLocationId: proto.StorageLocationId,
		StorageLocationName: locationName(proto.WarehouseId, proto.StorageLocationId),
		ItemId:              proto.ItemId, ShelfLifeExpirationDate: proto.ShelfLifeExpirationDate, BatchNumber: proto.BatchNumber,
	}
	s.stock[k] = r
	rows := append(s.stockByItem[r.ItemId], r)
	slices.SortFunc(rows, cmpStock)
	s.stockByItem[r.ItemId] = rows
	if s.loading {
		s.stockAll = append(s.stockAll, r) // sorted once at the end of newStore
	} else {
		i, _ := slices.BinarySearchFunc(s.stockAll, r, cmpStock)
		s.stockAll = slices.Insert(s.stockAll, i, r)
	}
	s.version++
	return r
}

// stockOf sums an item's stock in a warehouse (all locations and batches).
func (s *store) stockOf(itemID, warehouseID int) decimal.Decimal {
	sum := decimal.Zero
	for _, r := range s.stockByItem[itemID] {
		if warehouseID == 0 || r.WarehouseId == warehouseID {
			sum = sum.Add(r.QuantityTotal.Decimal)
		}
	}
	return sum
}
