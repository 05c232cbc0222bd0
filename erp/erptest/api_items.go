package erptest

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// apiRoutes are the implemented operations (paths relative to BasePath):
// these, then those of the keyed collections (collection.go).
var apiRoutes = append([]route{
	{method: "GET", path: "/info", opID: "InfoHeader_GetStatusAsync", h: (*Emulator).getInfo},
	{method: "POST", path: "/authentication", opID: "AuthenticationHeader_RegisterAppAsync", public: true, h: (*Emulator).postRegistration},
	{method: "GET", path: "/authentication/{registrationId}", opID: "AuthenticationHeader_FetchRegistrationStatusAsync", public: true, h: (*Emulator).getRegistration},

	{method: "GET", path: "/items", opID: "ItemHeader_QueryItemsAsync", h: (*Emulator).listItems},
	{method: "POST", path: "/items", opID: "ItemHeader_CreateItemAsync", write: true, h: (*Emulator).createItem},
	{method: "GET", path: "/items/{itemId}", opID: "ItemHeader_GetItemAsync", h: (*Emulator).getItem},
	{method: "PATCH", path: "/items/{itemId}", opID: "ItemHeader_UpdateItemAsync", write: true, h: (*Emulator).patchItem},

	{method: "GET", path: "/stocks", opID: "StockHeader_QueryStocksPerItemAsync", h: (*Emulator).listStock},
	{method: "POST", path: "/stocks", opID: "StockHeader_StockAdjustmentAsync", write: true, h: (*Emulator).adjustStock},
	{method: "GET", path: "/stocks/changes", opID: "StockHeader_QueryStockChangesAsync", h: (*Emulator).listStockChanges},

	{method: "GET", path: "/salesOrders", opID: "SalesOrderHeader_QuerySalesOrdersAsync", h: (*Emulator).listOrders},
	{method: "POST", path: "/salesOrders", opID: "SalesOrderHeader_CreateSalesOrderAsync", write: true, h: (*Emulator).createOrder},
	{method: "GET", path: "/salesOrders/{salesOrderId}", opID: "SalesOrderHeader_GetSalesOrderAsync", h: (*Emulator).getOrder},
	{method: "GET", path: "/salesOrders/{salesOrderId}/lineitems", opID: "SalesOrderHeader_QuerySalesOrderLineItemsAsync", h: (*Emulator).listLines},
	{method: "POST", path: "/salesOrders/{salesOrderId}/lineitems", opID: "SalesOrderHeader_CreateSalesOrderLineItemAsync", write: true, h: (*Emulator).createLines},

	{method: "GET", path: "/customers", opID: "CustomerHeader_QueryCustomersAsync", h: (*Emulator).listCustomers},
	{method: "POST", path: "/customers", opID: "CustomerHeader_CreateCustomerAsync", write: true, h: (*Emulator).createCustomer},
	{method: "GET", path: "/customers/{customerId}", opID: "CustomerHeader_GetCustomerAsync", h: (*Emulator).getCustomer},
	{method: "PATCH", path: "/customers/{customerId}", opID: "CustomerHeader_UpdateCustomerAsync", write: true, h: (*Emulator).patchCustomer},

	{method: "GET", path: "/warehouses", opID: "WarehouseHeader_QueryWarehousesAsync", h: (*Emulator).listWarehouses},
	{method: "GET", path: "/companies", opID: "CompanyHeader_QueryCompaniesAsync", h: (*Emulator).listCompanies},
	{method: "GET", path: "/paymentMethods", opID: "PaymentMethodHeader_QueryPaymentMethodsAsync", h: (*Emulator).listPaymentMethods},
	{method: "GET", path: "/shippingMethods", opID: "ShippingMethodHeader_QueryShippingMethodsAsync", h: (*Emulator).listShippingMethods},
	{method: "GET", path: "/manufacturers", opID: "ManufacturerHeader_QueryManufacturersAsync", h: (*Emulator).listManufacturers},
}, collectionRoutes()...)

func notFound(what string, id any) reply {
	return errorReply(http.StatusNotFound, "NotFound", fmt.Sprintf("No %s with the given ID (%v) exists.", what, id), nil)
}

func queryErrors(c *call) *reply {
	if len(c.qerrs) == 0 {
		return nil
	}
	r := validationReply(c.qerrs)
	return &r
}

// --- items ---

func (e *Emulator) listItems(c *call) reply {
	kw := strings.TrimSpace(c.q.Get("searchKeyWord"))
	cat, hasCat := c.qInt("categoryId")
	man, hasMan := c.qInt("manufacturerId")
	parent, hasParent := c.qInt("parentItemId")
	since, hasSince := c.qTime("changedSince")
	if r := queryErrors(c); r != nil {
		return *r
	}
	number, size := e.paging(c)
	e.mu.RLock()
	defer e.mu.RUnlock()
	st := e.st
	if kw == "" && !hasCat && !hasMan && !hasParent && !hasSince {
		return jsonReply(http.StatusOK, paginate(st.items, number, size))
	}
	ids := e.filtered(c, func() []int {
		var cand []*Item
		if kw != "" {
			if ids, ok := st.itemText.search(kw); ok {
				for _, id := range ids {
					if it := st.itemByID[id]; it != nil {
						cand = append(cand, it)
					}
				}
			} else {
				for _, it := range st.items {
					if st.itemText.contains(it.Id, kw) {
						cand = append(cand, it)
					}
				}
			}
		} else {
			cand = st.items
		}
		out := []int{}
		for _, it := range cand {
			if hasCat && !hasCategory(it, cat) || hasMan && it.ManufacturerId != man ||
				hasParent && it.ParentItemId != parent || hasSince && it.Changed.Before(since) {
				continue
			}
			out = append(out, it.Id)
		}
		return out
	})
	return jsonReply(http.StatusOK, pageByIDs(ids, number, size, func(id int) *Item { return st.itemByID[id] }))
}

func hasCategory(it *Item, id int) bool {
	for _, c := range it.Categories {
		if c.CategoryId == id {
			return true
		}
	}
	return false
}

func (e *Emulator) getItem(c *call) reply {
	id, ok := c.pathID("itemId")
	e.mu.RLock()
	defer e.mu.RUnlock()
	it := e.st.itemByID[id]
	if !ok || it == nil {
		return notFound("item", c.r.PathValue("itemId"))
	}
	return jsonReply(http.StatusOK, it)
}

// defaultItem is what a created item starts from before the body applies.
func defaultItem() Item {
	return Item{IsActive: true, ConditionId: 1, TaxClassId: 1, StorageOptions: ItemStorageOption{InventoryManagementActive: true}}
}

func (e *Emulator) createItem(c *call) reply {
	v, bad := decodeBody(c, "ItemHeader_CreateItemAsync")
	if bad != nil {
		return *bad
	}
	m := toMap(defaultItem())
	mergeInto(m, v.(map[string]any), requestSchema("ItemHeader_CreateItemAsync"))
	var it Item
	if err := fromJSONValue(m, &it); err != nil {
		return validationReply(map[string]string{"$": err.Error()})
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	if verrs := st.checkItemRefs(&it); len(verrs) > 0 {
		return validationReply(verrs)
	}
	if it.SKU == "" {
		it.SKU = st.newSKU()
	} else if st.itemBySKU[strings.ToLower(it.SKU)] != nil {
		return e.duplicate("SKU", fmt.Sprintf("An item with the SKU '%s' already exists.", it.SKU))
	}
	st.next.item++
	it.Id = st.next.item
	it.Added, it.Changed = T(c.now), T(c.now)
	for i := range it.Categories {
		it.Categories[i].Name = ""
	}
	st.normalizeItem(&it)
	st.putItem(&it)
	return jsonReply(http.StatusCreated, &it)
}

func (e *Emulator) duplicate(field, msg string) reply {
	e.count(func(c *Counters) { c.DuplicatesPrevented++ })
	return errorReply(http.StatusBadRequest, "ValidationFailed", msg, map[string]string{field: msg})
}

// checkItemRefs checks that referenced categories, manufacturer and
// components exist.
func (s *store) checkItemRefs(it *Item) map[string]string {
	verrs := map[string]string{}
	for i, c := range it.Categories {
		if s.categories.get(c.CategoryId) == nil {
			verrs[fmt.Sprintf("Categories[%d].CategoryId", i)] = fmt.Sprintf("The category %d does not exist.", c.CategoryId)
		}
	}
	if it.ManufacturerId != 0 && s.manufacturerByID[it.ManufacturerId] == nil {
		verrs["ManufacturerId"] = fmt.Sprintf("The manufacturer %d does not exist.", it.ManufacturerId)
	}
	for i, comp := range it.Components {
		if s.itemByID[comp.ItemId] == nil || comp.ItemId == it.Id {
			verrs[fmt.Sprintf("Components[%d].ItemId", i)] = fmt.Sprintf("The item %d cannot be a component.", comp.ItemId)
		}
	}
	return verrs
}

func (e *Emulator) patchItem(c *call) reply {
	id, ok := c.pathID("itemId")
	v, bad := decodeBody(c, "ItemHeader_UpdateItemAsync")
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	old := st.itemByID[id]
	if !ok || old == nil {
		return notFound("item", c.r.PathValue("itemId"))
	}
	if bad != nil {
		return *bad
	}
	patch := v.(map[string]any)
	it, err := mergeStruct(old, patch, requestSchema("ItemHeader_UpdateItemAsync"))
	if err != nil {
		return validationReply(map[string]string{"$": err.Error()})
	}
	if strings.TrimSpace(it.SKU) == "" {
		return validationReply(map[string]string{"SKU": "The SKU must not be empty."})
	}
	if verrs := st.checkItemRefs(&it); len(verrs) > 0 {
		return validationReply(verrs)
	}
	if other := st.itemBySKU[strings.ToLower(it.SKU)]; other != nil && other.Id != id {
		return e.duplicate("SKU", fmt.Sprintf("An item with the SKU '%s' already exists.", it.SKU))
	}
	if _, ok := patch["Categories"]; ok {
		for i := range it.Categories {
			it.Categories[i].Name = ""
		}
	}
	it.Id, it.Added, it.Changed = old.Id, old.Added, T(c.now)
	st.normalizeItem(&it)
	st.putItem(&it)
	return jsonReply(http.StatusCreated, &it)
}

// --- stock ---

func (e *Emulator) listStock(c *call) reply {
	item, hasItem := c.qInt("itemId")
	wh, hasWh := c.qInt("warehouseId")
	loc, hasLoc := c.qInt("storageLocationId")
	if r := queryErrors(c); r != nil {
		return *r
	}
	number, size := e.paging(c)
	e.mu.RLock()
	defer e.mu.RUnlock()
	rows := e.st.stockAll
	if hasItem {
		rows = e.st.stockByItem[item]
	}
	if hasWh || hasLoc {
		var out []*Stock
		for _, r := range rows {
			if (!hasWh || r.WarehouseId == wh) && (!hasLoc || r.StorageLocationId == loc) {
				out = append(out, r)
			}
		}
		rows = out
	}
	if rows == nil {
		rows = []*Stock{}
	}
	return jsonReply(http.StatusOK, paginate(rows, number, size))
}

type createStock struct {
	WarehouseId             int
	StorageLocationId       int
	ItemId                  int
	ShelfLifeExpirationDate Time
	BatchNumber             string
	Quantity                Dec
	Comment                 string
}

func (e *Emulator) adjustStock(c *call) reply {
	v, bad := decodeBody(c, "StockHeader_StockAdjustmentAsync")
	if bad != nil {
		return *bad
	}
	var in createStock
	if err := fromJSONValue(v, &in); err != nil {
		return validationReply(map[string]string{"$": err.Error()})
	}
	if in.Quantity.IsZero() {
		return validationReply(map[string]string{"Quantity": "The quantity of a stock adjustment must not be 0."})
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	it := st.itemByID[in.ItemId]
	if it == nil {
		return notFound("item", in.ItemId)
	}
	if st.warehouseByID[in.WarehouseId] == nil {
		return notFound("warehouse", in.WarehouseId)
	}
	proto := &Stock{ItemId: in.ItemId, WarehouseId: in.WarehouseId, StorageLocationId: in.StorageLocationId,
		BatchNumber: in.BatchNumber, ShelfLifeExpirationDate: in.ShelfLifeExpirationDate}
	if proto.StorageLocationId == 0 {
		proto.StorageLocationId = defaultLocation(in.WarehouseId)
	}
	current := decimal.Zero
	if r := st.stock[keyOf(proto)]; r != nil {
		current = r.QuantityTotal.Decimal
	}
	total := current.Add(in.Quantity.Decimal)
	if total.IsNegative() && !it.AllowNegativeStock {
		msg := fmt.Sprintf("The stock of item '%s' in warehouse %d would become negative (%s + %s = %s); the item does not allow negative stock.",
			it.SKU, in.WarehouseId, current, in.Quantity.Decimal, total)
		return errorReply(http.StatusBadRequest, "NegativeStock", msg, map[string]string{"Quantity": msg})
	}
	row := st.stockRow(proto)
	row.QuantityTotal = Dec{total}
	st.changes = append(st.changes, StockChange{
		ItemId: row.ItemId, WarehouseId: row.WarehouseId, StorageLocationId: row.StorageLocationId, Quantity: in.Quantity,
		ChangedDate: T(c.now), ShelfLifeExpirationDate: row.ShelfLifeExpirationDate, BatchNumber: row.BatchNumber,
		Comment: in.Comment, Username: "API",
	})
	st.version++
	return jsonReply(http.StatusCreated, row)
}

func (e *Emulator) listStockChanges(c *call) reply {
	item, hasItem := c.qInt("itemId")
	since, hasSince := c.qTime("startDate")
	if r := queryErrors(c); r != nil {
		return *r
	}
	number, size := e.paging(c)
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := []StockChange{}
	for _, ch := range e.st.changes {
		if (!hasItem || ch.ItemId == item) && (!hasSince || !ch.ChangedDate.Before(since)) {
			out = append(out, ch)
		}
	}
	return jsonReply(http.StatusOK, paginate(out, number, size))
}

func (e *Emulator) getInfo(c *call) reply {
	typ := "OnPremise"
	if e.opts.ClientID != "" {
		typ = "Cloud"
	}
	version := "1.0"
	if v, ok := contractAppVersion(); ok {
		version = v
	}
	return jsonReply(http.StatusOK, Status{Version: version, Timestamp: T(c.now.Truncate(time.Millisecond)), Tenant: e.opts.TenantID, Type: typ})
}
