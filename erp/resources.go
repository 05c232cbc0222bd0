package erp

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Paths and field names of the API dialect 1.0 (openapi-cloud-1.0.json).
// Everything a job needs to know about the API's shape lives in this file so
// a 2.x dialect (paths /v2/..., camelCase fields, GUID ids) can be added
// beside it.
const (
	PathInfo                 = "/info"
	PathAuthentication       = "/authentication"
	PathAuthenticationStatus = "/authentication/{registrationId}"

	QueryPageNumber       = "pageNumber"
	QueryPageSize         = "pageSize"
	QueryDisableWorkflows = "disableAutomaticWorkflows"

	// PathItemImageData answers the picture of an item's image.
	PathItemImageData = "/items/imagedata/{imageId}"

	// HeaderChallengeCode is sent on the registration calls.
	HeaderChallengeCode = "x-challengecode"
)

// Param is a query parameter the spec declares, with its type: string,
// integer, boolean or date-time, and the allowed values when the spec
// enumerates them.
type Param struct {
	Name, Type string
	Enum       []string
}

func p(name, typ string, enum ...string) Param { return Param{Name: name, Type: typ, Enum: enum} }

// Check validates a (resolved) filter value against the parameter's type
// and enum.
func (p Param) Check(v string) error {
	var err error
	switch p.Type {
	case "integer":
		_, err = strconv.ParseInt(v, 10, 32)
	case "boolean":
		_, err = strconv.ParseBool(v)
	case "date-time":
		_, err = time.Parse(time.RFC3339, v)
	}
	if err != nil {
		return fmt.Errorf("%s: %q is not a valid %s", p.Name, v, p.Type)
	}
	if len(p.Enum) > 0 && !slices.Contains(p.Enum, v) {
		return fmt.Errorf("%s: %q is not one of %s", p.Name, v, strings.Join(p.Enum, ", "))
	}
	return nil
}

// NaturalKey is a field that identifies a record to a merchant, and the
// list filter that finds candidates for it. Lookup may match more than the
// field (items' searchKeyWord matches SKU and other identifiers): compare
// Field on the answers.
type NaturalKey struct {
	Field  string // dotted path in the record, e.g. SKU, Identifiers.Gtin
	Lookup string // list query parameter, "" when none
}

// ResourceDef describes one API resource. It is data: the client, the ERP
// source, the ERP sink's generic planner, the job checks and the emulator's
// tests all read the same row (see "How to add a Wawi resource" in package
// sinks).
type ResourceDef struct {
	Name       string // as used in job files: items, salesOrders, ...
	ListPath   string // GET; may contain the parent's {param} (sub-resources)
	ItemPath   string // GET/PATCH/DELETE one record, "" when the API has none
	CreatePath string // POST, "" when the API cannot create
	Patchable  bool   // PATCH ItemPath exists
	Deletable  bool   // DELETE ItemPath exists
	PathParam  string // name of the id in ItemPath, e.g. itemId (single-key resources)
	IDField    string // "Id", "" when records have no id (stocks)
	// Key says which fields of a record fill which of ItemPath's own
	// parameters (the parent's excepted), in path order:
	// /items/{itemId}/descriptions/{salesChannelId}/{languageIso} has
	// {SalesChannelId salesChannelId} {LanguageIso languageIso}. nil means
	// {IDField PathParam}.
	Key []KeyParam
	// Parent is set for a sub-resource: the resource that holds it and how a
	// record names that parent.
	Parent *ParentRef
	// Paged: the list answers the PagedList envelope; false: a plain array.
	Paged bool
	// Singleton: a sub-resource that is one record per parent (an item's
	// special prices): ListPath answers that record, ItemPath (the same
	// path) takes its PATCH, and it has no key of its own.
	Singleton   bool
	NaturalKeys []NaturalKey
	// ListQuery are the list filters the spec declares (paging excluded);
	// CreateQuery and UpdateQuery the query parameters of POST and PATCH.
	ListQuery, CreateQuery, UpdateQuery []Param
	// Schema names in the spec: the record, the create and update bodies.
	Schema, CreateSchema, UpdateSchema string
	// API scopes the list, create and update calls need (reads are also
	// granted by all.read).
	ListScope, CreateScope, UpdateScope string
	// CreateRequired are the fields the create schema requires.
	CreateRequired []string
	// Import makes the resource an import target (sink type: erp); nil:
	// it cannot be imported.
	Import *Import
	// Sub are sub-resources, e.g. salesOrders → lineitems.
	Sub map[string]*ResourceDef
	// LocalDateFilters are date filters the API lacks, which the ERP source
	// applies itself to a document field while paging (filter name →
	// field). GET /invoices has no date filter: a period of invoices is cut
	// from the whole list, and nothing is sent for these names.
	LocalDateFilters map[string]string
	// Embedded, on a sub-resource, names the array of the parent's
	// documents that holds its records (accountingData's
	// AccountDataLineItems): the API has no list of their own for them.
	Embedded string
	// Totals, when set, has the ERP source add the sums of each document's
	// embedded lines, per tax rate and in all (see Totals).
	Totals *Totals
	// Complete: every document of the list must be read (accounting). A
	// list that shrinks while it is paged may have shifted one past the
	// reader, so the ERP source fails instead of only warning.
	Complete bool
	// SameRecord are the fields that tell the records of a Complete list
	// apart when IDField does not: a record that comes twice, because the
	// list grew before the page it was on, is taken once. nil means
	// IDField. accountingData has no id of its own: an invoice and its
	// cancellation share DocumentId, invoices and credit notes count their
	// ids apart.
	SameRecord []string
}

// RecordKey are the fields that tell two records of the list apart: the
// ones SameRecord names, else IDField, else none.
func (r *ResourceDef) RecordKey() []string {
	if len(r.SameRecord) > 0 {
		return r.SameRecord
	}
	if r.IDField != "" {
		return []string{r.IDField}
	}
	return nil
}

// Totals describes the sums the ERP source adds to a document under the key
// Totals: {Field: sum, ..., ByRate: {"19": {Field: sum, ...}, "7": ...}}
// (a rate 5.5 is keyed 5_5, so a mapping can name Totals.ByRate.5_5.X).
// Sums are exact decimals, negated for a document whose SignField is one of
// Negative, so credit notes and cancellations subtract.
type Totals struct {
	Lines     string   // the array of lines, e.g. AccountDataLineItems
	Rate      string   // a line's tax rate, e.g. VatRate
	Sums      []string // a line's amounts, e.g. TotalNetAmount
	SignField string   // e.g. Type
	Negative  []string // values of SignField that count negative
}

// KeyParam is one path parameter of ItemPath and the record field that
// fills it.
type KeyParam struct {
	Field string // in the record: Id, SalesChannelId, LanguageIso
	Param string // in ItemPath: categoryId, salesChannelId
}

// ParentRef says how the records of a sub-resource name their parent.
type ParentRef struct {
	Resource string // the parent's resource name, e.g. items
	Param    string // the path parameter its id fills, e.g. itemId
	// Target is the prefix under which a mapping names the parent: targets
	// Item.SKU, Item.Identifiers.Gtin (a natural key of the parent, found
	// by its lookup) or Item.Id (the id itself). They are not sent.
	Target string
}

// KeyParams are the record fields that fill ItemPath's own parameters.
func (r *ResourceDef) KeyParams() []KeyParam {
	if r.Key != nil {
		return r.Key
	}
	if r.IDField == "" || r.PathParam == "" {
		return nil
	}
	return []KeyParam{{Field: r.IDField, Param: r.PathParam}}
}

// ItemURL is ItemPath with the id filled in (path-escaped), for a
// resource keyed by one id and without parent.
func (r *ResourceDef) ItemURL(id any) string {
	return fillParam(r.ItemPath, r.PathParam, id)
}

// ListURL is ListPath with a parent id filled in (sub-resources); for a
// top-level resource it is ListPath.
func (r *ResourceDef) ListURL(parentID any) string {
	if i := strings.IndexByte(r.ListPath, '{'); i >= 0 {
		j := strings.IndexByte(r.ListPath[i:], '}')
		return fillParam(r.ListPath, r.ListPath[i+1:i+j], parentID)
	}
	return r.ListPath
}

func fillParam(tmpl, param string, v any) string {
	return strings.Replace(tmpl, "{"+param+"}", url.PathEscape(fmt.Sprint(v)), 1)
}

// FillPath fills every {param} of tmpl from vals, path-escaped (a
// languageIso "de/at" cannot reach another path). A parameter vals lacks,
// or gives as "", is an error: a half-filled URL must never be sent.
func FillPath(tmpl string, vals map[string]string) (string, error) {
	var b strings.Builder
	rest := tmpl
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("path %s: unclosed {", tmpl)
		}
		name := rest[i+1 : i+j]
		v, ok := vals[name]
		if !ok || v == "" {
			return "", fmt.Errorf("path %s: no value for {%s}", tmpl, name)
		}
		b.WriteString(rest[:i])
		b.WriteString(url.PathEscape(v))
		rest = rest[i+j+1:]
	}
}

// PathParams lists the {params} of a path template in order.
func PathParams(tmpl string) []string {
	var out []string
	for rest := tmpl; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return out
		}
		out = append(out, rest[i+1:i+j])
		rest = rest[i+j+1:]
	}
}

// Filter finds a declared list filter by name, ignoring case (the server
// binds query names case-insensitively); it returns the spec's spelling.
// LocalDateFilters are found too, as date-time filters (Local tells them).
func (r *ResourceDef) Filter(name string) (Param, bool) {
	for _, p := range r.ListQuery {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	for k := range r.LocalDateFilters {
		if strings.EqualFold(k, name) {
			return Param{Name: k, Type: "date-time"}, true
		}
	}
	return Param{}, false
}

// Local returns the document field a filter the API lacks compares
// (LocalDateFilters), "" for a filter the API has.
func (r *ResourceDef) Local(filter string) string { return r.LocalDateFilters[filter] }

// ValidateFilters checks that every key is a list filter the spec declares
// for this resource; the error lists the allowed names.
func (r *ResourceDef) ValidateFilters(filters map[string]string) error {
	var bad []string
	for k := range filters {
		if _, ok := r.Filter(k); !ok {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	allowed := make([]string, len(r.ListQuery))
	for i, p := range r.ListQuery {
		allowed[i] = p.Name
	}
	local := make([]string, 0, len(r.LocalDateFilters))
	for k := range r.LocalDateFilters {
		local = append(local, k+" (applied by etl)")
	}
	sort.Strings(local)
	allowed = append(allowed, local...)
	if len(allowed) == 0 {
		return fmt.Errorf("%s takes no filters (got %s)", r.Name, strings.Join(bad, ", "))
	}
	return fmt.Errorf("%s has no filter %s; the API declares: %s", r.Name, strings.Join(bad, ", "), strings.Join(allowed, ", "))
}

// NaturalKey returns the natural key named field (case-insensitive).
func (r *ResourceDef) NaturalKey(field string) (NaturalKey, bool) {
	for _, k := range r.NaturalKeys {
		if strings.EqualFold(k.Field, field) || strings.EqualFold(lastSegment(k.Field), field) {
			return k, true
		}
	}
	return NaturalKey{}, false
}

func lastSegment(s string) string {
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// Lookup reads a dotted field (Identifiers.Gtin) from a decoded record.
func Lookup(rec map[string]any, field string) (any, bool) {
	var cur any = rec
	for part := range strings.SplitSeq(field, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

var (
	disableWF = p(QueryDisableWorkflows, "boolean")
	byName    = []NaturalKey{{Field: "Name"}}
)

// dialect10 is API version 1.0.
var dialect10 = map[string]*ResourceDef{
	"items": {
		Name: "items", ListPath: "/items", ItemPath: "/items/{itemId}", CreatePath: "/items",
		ListScope: "item.queryitems", CreateScope: "item.createitem", UpdateScope: "item.updateitem",
		Patchable: true, PathParam: "itemId", IDField: "Id", Paged: true,
		// searchKeyWord matches SKU and identifiers, in part too: the planner
		// keeps the answers whose key field equals the key.
		NaturalKeys: []NaturalKey{{Field: "SKU", Lookup: "searchKeyWord"}, {Field: "Identifiers.Gtin", Lookup: "searchKeyWord"},
			{Field: "Identifiers.ManufacturerNumber", Lookup: "searchKeyWord"}, {Field: "Identifiers.ISBN", Lookup: "searchKeyWord"},
			{Field: "Identifiers.UPC", Lookup: "searchKeyWord"}, {Field: "Identifiers.AmazonFnsku", Lookup: "searchKeyWord"},
			{Field: "Identifiers.OwnIdentifier", Lookup: "searchKeyWord"}},
		ListQuery: []Param{p("searchKeyWord", "string"), p("categoryId", "integer"), p("manufacturerId", "integer"),
			p("parentItemId", "integer"), p("changedSince", "date-time"), p("isActiveOnSalesChannelId", "string")},
		CreateQuery: []Param{disableWF}, UpdateQuery: []Param{disableWF},
		Schema: "Item", CreateSchema: "CreateItem", UpdateSchema: "UpdateItem",
		CreateRequired: []string{"Categories", "Name"},
		Import: &Import{Noun: "item",
			MatchBy: []string{"SKU", "Identifiers.Gtin", "Identifiers.ManufacturerNumber", "Identifiers.ISBN",
				"Identifiers.UPC", "Identifiers.AmazonFnsku", "Identifiers.OwnIdentifier"},
			Aliases: map[string]string{"gtin": "Identifiers.Gtin", "ean": "Identifiers.Gtin"}},
		Sub: map[string]*ResourceDef{
			// One description per sales channel and language; a job names
			// the item by Item.SKU (or another key of items, or Item.Id).
			"descriptions": {
				Name: "descriptions", ListPath: "/items/{itemId}/descriptions", CreatePath: "/items/{itemId}/descriptions",
				ItemPath:  "/items/{itemId}/descriptions/{salesChannelId}/{languageIso}",
				ListScope: "item.queryitemdescriptions", CreateScope: "item.createitemdescription", UpdateScope: "item.updateitemdescription",
				Patchable: true, Deletable: true,
				Parent: &ParentRef{Resource: "items", Param: "itemId", Target: "Item"},
				Key:    []KeyParam{{Field: "SalesChannelId", Param: "salesChannelId"}, {Field: "LanguageIso", Param: "languageIso"}},
				Schema: "ItemDescription", CreateSchema: "CreateItemDescription", UpdateSchema: "UpdateItemDescription",
				CreateRequired: []string{"Name", "LanguageIso", "SalesChannelId"},
				Import:         &Import{Noun: "item description", Prune: true},
			},
			// The item's supplier data (Lieferantendaten): one record per
			// supplier; IsStandard marks the one standard supplier, and the
			// Wawi unsets it on the others when one is set.
			"suppliers": {
				Name: "suppliers", ListPath: "/items/{itemId}/suppliers", CreatePath: "/items/{itemId}/suppliers",
				ItemPath:  "/items/{itemId}/suppliers/{supplierId}",
				ListScope: "item.queryitemsuppliers", CreateScope: "item.createitemsupplier", UpdateScope: "item.updateitemsupplier",
				Patchable: true, Deletable: true,
				Parent: &ParentRef{Resource: "items", Param: "itemId", Target: "Item"},
				Key:    []KeyParam{{Field: "SupplierId", Param: "supplierId"}},
				Schema: "ItemSupplier", CreateSchema: "CreateItemSupplier", UpdateSchema: "UpdateItemSupplier",
				CreateRequired: []string{"SupplierId"},
				Import: &Import{Noun: "item supplier", Prune: true, Exclusive: "IsStandard",
					KeyNames: map[string]string{"SupplierId": "suppliers.Name"}},
			},
			// Sales prices per sales channel and customer group (0: all
			// groups), with quantity scales (FromQuantity 0: the base price).
			"salesChannelPrices": {
				Name: "salesChannelPrices", ListPath: "/items/{itemId}/salesChannelPrices", CreatePath: "/items/{itemId}/salesChannelPrices",
				ItemPath:  "/items/{itemId}/salesChannelPrices/{salesChannelId}/{customerGroupId}/{fromQuantity}",
				ListScope: "item.queryitemsaleschannelprice", CreateScope: "item.createitemsaleschannelprice", UpdateScope: "item.updateitemsaleschannelprice",
				Patchable: true, Deletable: true,
				Parent: &ParentRef{Resource: "items", Param: "itemId", Target: "Item"},
				Key: []KeyParam{{Field: "SalesChannelId", Param: "salesChannelId"}, {Field: "CustomerGroupId", Param: "customerGroupId"},
					{Field: "FromQuantity", Param: "fromQuantity"}},
				Schema: "ItemSalesChannelPrice", CreateSchema: "CreateItemSalesChannelPrice", UpdateSchema: "UpdateItemSalesChannelPrice",
				CreateRequired: []string{"SalesChannelId"},
				Import: &Import{Noun: "sales channel price", Prune: true,
					KeyNames: map[string]string{"SalesChannelId": "salesChannels.Name", "CustomerGroupId": "customerGroups.Name"}},
			},
			// The item's special price (Sonderpreis): one record per item
			// with its period (StartDate, EndDate with EndDateActive) and
			// the prices per sales channel and customer group, a list sent
			// whole.
			"specialprices": {
				Name: "specialprices", ListPath: "/items/{itemId}/specialprices", ItemPath: "/items/{itemId}/specialprices",
				ListScope: "item.queryitemspecialprice", UpdateScope: "item.updateitemspecialprice",
				Patchable: true, Singleton: true,
				Parent: &ParentRef{Resource: "items", Param: "itemId", Target: "Item"},
				Key:    []KeyParam{},
				Schema: "ItemSpecialPrice", UpdateSchema: "UpdateItemSpecialPrice",
				Import: &Import{Noun: "special price"},
			},
			// The item's images: ImageData (base64) goes in on create and
			// comes out only through ImageDataPath; the list carries no
			// hash of it. SortNumber (1: the main image) is unique per sales
			// channel and item and set by PATCH only. Written by the items
			// import's image part (sinks/erp_product_images.go).
			"images": {
				Name: "images", ListPath: "/items/{itemId}/images", CreatePath: "/items/{itemId}/images",
				ItemPath:  "/items/{itemId}/images/{imageId}",
				ListScope: "item.queryitemimages", CreateScope: "item.createitemimage", UpdateScope: "item.updateitemimage",
				Patchable: true, Deletable: true,
				Parent: &ParentRef{Resource: "items", Param: "itemId", Target: "Item"},
				Key:    []KeyParam{{Field: "ImageId", Param: "imageId"}},
				Schema: "ItemImage", CreateSchema: "CreateItemImage", UpdateSchema: "UpdateItemImage",
				CreateRequired: []string{"ImageData", "Filename", "SalesChannelId"},
			},
			// Prices of one customer, with quantity scales.
			"customerPrices": {
				Name: "customerPrices", ListPath: "/items/{itemId}/customerPrices", CreatePath: "/items/{itemId}/customerPrices",
				ItemPath:  "/items/{itemId}/customerPrices/{customerId}/{fromQuantity}",
				ListScope: "item.queryitemcustomerprices", CreateScope: "item.createitemcustomerprice", UpdateScope: "item.updateitemcustomerprice",
				Patchable: true, Deletable: true,
				Parent: &ParentRef{Resource: "items", Param: "itemId", Target: "Item"},
				Key:    []KeyParam{{Field: "CustomerId", Param: "customerId"}, {Field: "FromQuantity", Param: "fromQuantity"}},
				Schema: "ItemCustomerPrice", CreateSchema: "CreateItemCustomerPrice", UpdateSchema: "UpdateItemCustomerPrice",
				CreateRequired: []string{"CustomerId"},
				Import: &Import{Noun: "customer price", Prune: true,
					KeyNames: map[string]string{"CustomerId": "customers.Number"}},
			},
		},
	},
	"stocks": {
		// POST /stocks adds Quantity to the current stock: an adjustment.
		Name: "stocks", ListPath: "/stocks", CreatePath: "/stocks", Paged: true,
		ListScope: "stock.querystocksperitem", CreateScope: "stock.stockadjustment",
		NaturalKeys: []NaturalKey{{Field: "ItemId", Lookup: "itemId"}, {Field: "WarehouseId", Lookup: "warehouseId"}, {Field: "StorageLocationId", Lookup: "storageLocationId"}},
		ListQuery:   []Param{p("itemId", "integer"), p("warehouseId", "integer"), p("storageLocationId", "integer")},
		CreateQuery: []Param{disableWF},
		Schema:      "Stock", CreateSchema: "CreateStock",
		CreateRequired: []string{"WarehouseId", "ItemId", "Quantity"},
		Import:         &Import{Planner: PlannerStocks, Noun: "stock", Operations: []string{"set", "adjust"}},
	},
	"salesOrders": {
		Name: "salesOrders", ListPath: "/salesOrders", ItemPath: "/salesOrders/{salesOrderId}", CreatePath: "/salesOrders",
		ListScope: "salesorder.querysalesorders", CreateScope: "salesorder.createsalesorder", UpdateScope: "salesorder.updatesalesorder",
		Patchable: true, PathParam: "salesOrderId", IDField: "Id", Paged: true,
		NaturalKeys: []NaturalKey{{Field: "Number", Lookup: "salesOrderNumber"}, {Field: "ExternalNumber", Lookup: "externalOrderNumber"}},
		ListQuery: []Param{p("salesOrderNumber", "string"), p("externalOrderNumber", "string"), p("billingNumber", "string"),
			p("itemId", "integer"), p("customerId", "integer"), p("paymentStatus", "integer", "0", "1", "2"), p("paymentMethodId", "integer"),
			p("deliveryCompleteStatus", "integer", "0", "1", "2"), p("createdUserId", "integer"), p("companyId", "integer"),
			p("salesChannelId", "string"), p("createdSince", "date-time"), p("createdUntil", "date-time"), p("colorId", "integer"),
			p("ebayUsername", "string"), p("shippingMethodId", "integer"), p("deliveredDate", "date-time"),
			p("isCancelled", "boolean"), p("onHoldReasonId", "integer"), p("isExternalInvoice", "boolean")},
		CreateQuery: []Param{p("renameSalesOrderNumberWhenAlreadyExists", "boolean"), disableWF},
		UpdateQuery: []Param{p("recalculateTax", "integer", "0", "1", "2"), disableWF},
		Schema:      "SalesOrder", CreateSchema: "CreateSalesOrder", UpdateSchema: "UpdateSalesOrder",
		CreateRequired: []string{"CompanyId", "CustomerId"},
		Import: &Import{Planner: PlannerSalesOrders, Noun: "sales order", Operations: []string{"create"},
			MatchBy: []string{"ExternalNumber", "Number"}},
		Sub: map[string]*ResourceDef{
			"lineitems": {
				Name: "lineitems", ListPath: "/salesOrders/{salesOrderId}/lineitems", CreatePath: "/salesOrders/{salesOrderId}/lineitems",
				ListScope: "salesorder.querysalesorderlineitems", CreateScope: "salesorder.createsalesorderlineitem",
				PathParam: "salesOrderId", IDField: "Id", Paged: false,
				NaturalKeys: []NaturalKey{{Field: "SKU"}},
				// POST takes an array of CreateSalesOrderLineItem.
				Schema: "SalesOrderLineItem", CreateSchema: "CreateSalesOrderLineItem",
				CreateRequired: []string{"Quantity"},
			},
		},
	},
	// Invoices: the list has no date filter, so invoiceDateFrom and
	// invoiceDateUntil are applied by etl to InvoiceDate while paging the
	// whole list; nor does it have one to export only what is new.
	"invoices": {
		Name: "invoices", ListPath: "/invoices", ItemPath: "/invoices/{invoiceId}",
		ListScope: "invoice.queryinvoices", PathParam: "invoiceId", IDField: "Id", Paged: true, Complete: true,
		NaturalKeys: []NaturalKey{{Field: "Number", Lookup: "invoiceNumber"}},
		ListQuery: []Param{p("salesOrderNumber", "string"), p("externalOrderNumber", "string"), p("invoiceNumber", "string"),
			p("itemId", "integer"), p("customerId", "integer"), p("paymentStatus", "integer", "0", "1", "2"), p("isExternalInvoice", "boolean")},
		LocalDateFilters: map[string]string{"invoiceDateFrom": "InvoiceDate", "invoiceDateUntil": "InvoiceDate"},
		Schema:           "Invoice",
		Sub: map[string]*ResourceDef{
			"lineitems": {
				Name: "lineitems", ListPath: "/invoices/{invoiceId}/lineitems", ListScope: "invoice.queryinvoicelineitems",
				PathParam: "invoiceId", IDField: "Id", Schema: "InvoiceLineItem",
			},
		},
	},
	// Finalized documents (invoices, credit notes, cancellations,
	// corrections) with their booking lines embedded; from and to compare
	// DocumentDate.
	"accountingData": {
		Name: "accountingData", ListPath: "/accountingData", Paged: true, Complete: true,
		SameRecord:  []string{"Type", "DocumentId", "DocumentNumber"},
		ListScope:   "accountingdata.queryaccountingdata",
		NaturalKeys: []NaturalKey{{Field: "DocumentNumber"}},
		ListQuery: []Param{p("from", "date-time"), p("to", "date-time"), p("companyId", "integer"),
			p("type", "integer", "0", "1", "2", "3", "4", "5", "6", "7"), p("exportCurrencyInDepartureCountry", "boolean")},
		Schema: "AccountingData",
		// Credit (1), InvoiceCorrection (2), InvoiceCancellation (3) and
		// LiquidationCancellation (7) take revenue back.
		Totals: &Totals{Lines: "AccountDataLineItems", Rate: "VatRate", Sums: []string{"TotalNetAmount", "VatAmount", "TotalGrossAmount"},
			SignField: "Type", Negative: []string{"1", "2", "3", "7"}},
		Sub: map[string]*ResourceDef{
			"lineitems": {Name: "lineitems", Embedded: "AccountDataLineItems", Schema: "AccountingDataLineItem"},
		},
	},
	"customers": {
		Name: "customers", ListPath: "/customers", ItemPath: "/customers/{customerId}", CreatePath: "/customers",
		ListScope: "customer.querycustomers", CreateScope: "customer.createcustomer", UpdateScope: "customer.updatecustomer",
		Patchable: true, Deletable: true, PathParam: "customerId", IDField: "Id", Paged: true,
		NaturalKeys: []NaturalKey{{Field: "Number", Lookup: "number"}},
		ListQuery:   []Param{p("searchKeyWord", "string"), p("number", "string"), p("groupId", "integer"), p("categoryId", "integer")},
		CreateQuery: []Param{disableWF}, UpdateQuery: []Param{disableWF},
		Schema: "Customer", CreateSchema: "CreateCustomer", UpdateSchema: "UpdateCustomer",
		CreateRequired: []string{"CustomerGroupId", "BillingAddress", "LanguageIso", "InternalCompanyId"},
		Import:         &Import{Noun: "customer", MatchBy: []string{"Number"}},
	},
	"categories": {
		Name: "categories", ListPath: "/categories", ItemPath: "/categories/{categoryId}", CreatePath: "/categories",
		ListScope: "category.querycategories", CreateScope: "category.createcategory", UpdateScope: "category.updatecategory",
		Patchable: true, PathParam: "categoryId", IDField: "Id", Paged: true,
		NaturalKeys: byName,
		Schema:      "Category", CreateSchema: "CreateCategory", UpdateSchema: "UpdateCategory",
		CreateRequired: []string{"Name"},
		// The spec has no unique key; names are what merchants know (the
		// same name under two parents is refused as ambiguous).
		Import: &Import{Noun: "category", MatchBy: []string{"Name"}},
	},
	"customerGroups": {
		Name: "customerGroups", ListPath: "/customerGroups", ItemPath: "/customerGroups/{customergroupId}", CreatePath: "/customerGroups",
		ListScope: "customergroup.querycustomergroups", CreateScope: "customergroup.createcustomergroup", UpdateScope: "customergroup.updatecustomergroup",
		Patchable: true, Deletable: true, PathParam: "customergroupId", IDField: "Id",
		NaturalKeys: byName,
		Schema:      "CustomerGroup", CreateSchema: "CreateCustomerGroup", UpdateSchema: "UpdateCustomerGroup",
		CreateRequired: []string{"Name"},
		Import:         &Import{Noun: "customer group", MatchBy: []string{"Name"}},
	},
	"warehouses": {
		Name: "warehouses", ListPath: "/warehouses", IDField: "Id", Paged: true,
		ListScope:   "warehouse.querywarehouses",
		NaturalKeys: []NaturalKey{{Field: "Name"}, {Field: "Code"}},
		ListQuery:   []Param{p("isActive", "boolean")},
		Schema:      "Warehouse",
	},
	"companies":       {Name: "companies", ListScope: "company.querycompanies", ListPath: "/companies", IDField: "Id", NaturalKeys: byName, Schema: "Company"},
	"paymentMethods":  {Name: "paymentMethods", ListScope: "paymentmethod.querypaymentmethods", ListPath: "/paymentMethods", IDField: "Id", NaturalKeys: byName, Schema: "PaymentMethod"},
	"shippingMethods": {Name: "shippingMethods", ListScope: "shippingmethod.queryshippingmethods", ListPath: "/shippingMethods", IDField: "Id", NaturalKeys: byName, Schema: "ShippingMethod"},
	"manufacturers":   {Name: "manufacturers", ListScope: "manufacturer.querymanufacturers", ListPath: "/manufacturers", IDField: "Id", NaturalKeys: byName, Schema: "Manufacturer"},
	// Reference lists for name lookups (see lookup_refs.go): plain arrays.
	"suppliers":     {Name: "suppliers", ListScope: "supplier.querysuppliers", ListPath: "/suppliers", IDField: "Id", NaturalKeys: []NaturalKey{{Field: "Name"}, {Field: "SupplierNo"}}, Schema: "Supplier"},
	"salesChannels": {Name: "salesChannels", ListScope: "saleschannel.getsaleschannels", ListPath: "/salesChannels", IDField: "Id", NaturalKeys: byName, Schema: "SalesChannel"},
	"taxClasses":    {Name: "taxClasses", ListScope: "taxclass.querytaxclasses", ListPath: "/taxClasses", IDField: "Id", NaturalKeys: byName, Schema: "TaxClass"},
	"productGroups": {Name: "productGroups", ListScope: "productgroup.queryproductgroups", ListPath: "/productGroups", IDField: "Id", NaturalKeys: byName, Schema: "ProductGroup"},
	// An item's shipping class, availability and condition (lookup_refs.go).
	"shippingClasses": {Name: "shippingClasses", ListScope: "shippingclass.queryshippingclasses", ListPath: "/shippingClasses", IDField: "Id", NaturalKeys: byName, Schema: "ShippingClass"},
	"availabilities":  {Name: "availabilities", ListScope: "availability.queryavailabilities", ListPath: "/availabilities", IDField: "Id", NaturalKeys: byName, Schema: "Availability"},
	"conditions":      {Name: "conditions", ListScope: "condition.queryconditions", ListPath: "/conditions", IDField: "Id", Schema: "Condition"},
}

// Resource finds a resource by name (case-insensitive: salesOrders,
// salesorders). Sub-resources are named parent/sub, e.g. salesOrders/lineitems.
func Resource(name string) (*ResourceDef, bool) {
	parent, sub, hasSub := strings.Cut(name, "/")
	for k, r := range dialect10 {
		if !strings.EqualFold(k, parent) {
			continue
		}
		if !hasSub {
			return r, true
		}
		for sk, s := range r.Sub {
			if strings.EqualFold(sk, sub) {
				return s, true
			}
		}
	}
	return nil, false
}

// Resources lists the resource names, sorted.
func Resources() []string {
	names := make([]string, 0, len(dialect10))
	for k := range dialect10 {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// resourceForListPath finds the resource whose ListPath template matches a
// concrete path (/salesOrders/12/lineitems), for paging decisions.
func resourceForListPath(p string) *ResourceDef {
	p = "/" + strings.Trim(p, "/")
	for _, r := range dialect10 {
		if pathMatches(r.ListPath, p) {
			return r
		}
		for _, s := range r.Sub {
			if pathMatches(s.ListPath, p) {
				return s
			}
		}
	}
	return nil
}

func pathMatches(tmpl, p string) bool {
	ts, ps := strings.Split(tmpl, "/"), strings.Split(p, "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") {
			if ps[i] == "" {
				return false
			}
			continue
		}
		if !strings.EqualFold(ts[i], ps[i]) {
			return false
		}
	}
	return true
}
