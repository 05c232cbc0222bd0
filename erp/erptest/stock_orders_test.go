package erptest

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func stockSeed() *Seed {
	return &Seed{
		Items: []Item{
			{SKU: "S-1", Name: "Normal", Categories: []CategoryReference{{CategoryId: 1}}},
			{SKU: "S-2", Name: "Oversale", Categories: []CategoryReference{{CategoryId: 1}}, AllowNegativeStock: true},
		},
		Stock: []SeedStock{{SKU: "S-1", WarehouseId: 1, Quantity: D("10")}},
	}
}

func TestStockAdjustments(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: stockSeed()})
	post := func(body string) *resp {
		t.Helper()
		return ts.call("POST", "/stocks?disableAutomaticWorkflows=true", body)
	}
	var row Stock
	must(t, post(`{"ItemId":1,"WarehouseId":1,"Quantity":5,"Comment":"delivery"}`), 201).decode(t, &row)
	if !row.QuantityTotal.Equal(D("15")) || row.StorageLocationId != 100 || row.StorageLocationName != "Standard" {
		t.Errorf("after +5: %+v", row)
	}
	// It adds; it does not set. Posting the same adjustment twice doubles it.
	must(t, post(`{"ItemId":1,"WarehouseId":1,"Quantity":5}`), 201)
	must(t, post(`{"ItemId":1,"WarehouseId":1,"Quantity":-3}`), 201)
	if q := ts.Stock(1, 1); !q.Equal(D("17").Decimal) {
		t.Errorf("stock %s, want 17", q)
	}
	// Exact decimals: 0.1 + 0.2 is 0.3.
	must(t, post(`{"ItemId":2,"WarehouseId":2,"Quantity":0.1}`), 201)
	r := must(t, post(`{"ItemId":2,"WarehouseId":2,"Quantity":0.2}`), 201)
	if !strings.Contains(string(r.body), `"QuantityTotal":0.3,`) {
		t.Errorf("0.1+0.2: %s", r.body)
	}
	// Negative stock is refused unless the item allows it.
	e := wantValidation(t, post(`{"ItemId":1,"WarehouseId":1,"Quantity":-17.5}`), "Quantity")
	if e.ErrorCode != "NegativeStock" {
		t.Errorf("error %+v", e)
	}
	if q := ts.Stock(1, 1); !q.Equal(D("17").Decimal) {
		t.Errorf("refused adjustment changed the stock: %s", q)
	}
	must(t, post(`{"ItemId":1,"WarehouseId":1,"Quantity":-17}`), 201) // down to exactly 0 is fine
	must(t, post(`{"ItemId":2,"WarehouseId":1,"Quantity":-4}`), 201)
	if q := ts.Stock(2, 1); !q.Equal(D("-4").Decimal) {
		t.Errorf("oversale item: %s", q)
	}
	// A storage location of its own is a row of its own.
	must(t, post(`{"ItemId":1,"WarehouseId":1,"StorageLocationId":105,"Quantity":1}`), 201)
	var rows PagedList[Stock]
	must(t, ts.call("GET", "/stocks?itemId=1", nil), 200).decode(t, &rows)
	if rows.TotalItems != 2 || rows.Items[1].StorageLocationId != 105 || !rows.Items[0].QuantityTotal.IsZero() {
		t.Errorf("rows %+v", rows.Items)
	}
	must(t, ts.call("GET", "/stocks?warehouseId=2", nil), 200).decode(t, &rows)
	if rows.TotalItems != 1 || rows.Items[0].ItemId != 2 {
		t.Errorf("warehouse 2 %+v", rows.Items)
	}
	must(t, ts.call("GET", "/stocks?itemId=1&storageLocationId=105", nil), 200).decode(t, &rows)
	if rows.TotalItems != 1 {
		t.Errorf("location filter %+v", rows.Items)
	}
	must(t, ts.call("GET", "/stocks?pageSize=2&pageNumber=2", nil), 200).decode(t, &rows)
	if rows.TotalItems != 4 || len(rows.Items) != 2 {
		t.Errorf("paging %+v", rows)
	}
	// Stock changes list every adjustment made.
	var ch PagedList[StockChange]
	must(t, ts.call("GET", "/stocks/changes?itemId=1", nil), 200).decode(t, &ch)
	if ch.TotalItems != 5 || !ch.Items[0].Quantity.Equal(D("5")) || ch.Items[0].Comment != "delivery" {
		t.Errorf("changes %+v", ch.Items)
	}
	must(t, ts.call("GET", "/stocks/changes?startDate="+url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)), nil), 200).decode(t, &ch)
	if ch.TotalItems != 0 {
		t.Errorf("changes since the future: %d", ch.TotalItems)
	}
	if n := len(ts.StockChanges()); n != 8 {
		t.Errorf("%d changes", n)
	}

	ts.badRequests = true
	must(t, post(`{"ItemId":99,"WarehouseId":1,"Quantity":1}`), 404)
	must(t, post(`{"ItemId":1,"WarehouseId":99,"Quantity":1}`), 404)
	wantValidation(t, post(`{"ItemId":1,"WarehouseId":1,"Quantity":0}`), "Quantity")
	wantValidation(t, post(`{"ItemId":1,"Quantity":1}`), "WarehouseId")
	wantValidation(t, post(`{"ItemId":1,"WarehouseId":1}`), "Quantity")
}

func orderSeed() *Seed {
	s := Generate(GenConfig{Items: 20, Orders: 0, Customers: 3})
	return s
}

func TestOrderCreate(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: orderSeed()})
	var o SalesOrder
	must(t, ts.call("POST", "/salesOrders?disableAutomaticWorkflows=true", `{"CompanyId":1,"CustomerId":2,"ExternalNumber":"SHOP-1"}`), 201).decode(t, &o)
	cust := ts.Customers()[1]
	if o.Number == "" || o.BillingAddress.City != cust.BillingAddress.City || o.BillingAddress.Id == 0 ||
		o.SalesOrderPaymentDetails.CurrencyIso != "EUR" || o.SalesOrderDate.IsZero() || o.SalesOrderPaymentDetails.PaymentStatus != UnPayed {
		t.Errorf("created %+v", o)
	}
	// Line items: totals are exact and follow the lines.
	var lines []SalesOrderLineItem
	must(t, ts.call("POST", fmt.Sprintf("/salesOrders/%d/lineitems", o.Id),
		`[{"SKU":"SKU-000003","Quantity":3,"SalesPriceGross":19.99,"TaxRate":19},{"Name":"Gravur","Quantity":1,"SalesPriceGross":0.10,"TaxRate":19,"Discount":50}]`), 201).decode(t, &lines)
	if len(lines) != 2 || lines[0].ItemId != 3 || lines[0].Name == "" || lines[0].Type != LineItem || lines[1].Type != LineBlank ||
		lines[0].SalesOrderId != o.Id || !lines[0].SalesPriceNet.Equal(D("16.7983")) {
		t.Errorf("lines %+v", lines)
	}
	must(t, ts.call("GET", fmt.Sprintf("/salesOrders/%d", o.Id), nil), 200).decode(t, &o)
	if !o.SalesOrderPaymentDetails.TotalGrossAmount.Equal(D("60.02")) || !o.SalesOrderPaymentDetails.StillToPay.Equal(D("60.02")) {
		t.Errorf("total %s / %s, want 60.02 (59.97 + 0.05)", o.SalesOrderPaymentDetails.TotalGrossAmount.Decimal, o.SalesOrderPaymentDetails.StillToPay.Decimal)
	}
	must(t, ts.call("POST", fmt.Sprintf("/salesOrders/%d/lineitems", o.Id), `[{"ItemId":4,"Quantity":1.5,"SalesPriceNet":10,"TaxRate":7}]`), 201)
	must(t, ts.call("GET", fmt.Sprintf("/salesOrders/%d/lineitems", o.Id), nil), 200).decode(t, &lines)
	if len(lines) != 3 || !lines[2].SalesPriceGross.Equal(D("10.7")) {
		t.Errorf("lines %+v", lines)
	}
	if got, _ := ts.Order(o.Id); !got.SalesOrderPaymentDetails.TotalGrossAmount.Equal(D("76.07")) {
		t.Errorf("total %s, want 76.07", got.SalesOrderPaymentDetails.TotalGrossAmount.Decimal)
	}

	// Numbers are unique unless renaming is asked for.
	must(t, ts.call("POST", "/salesOrders", `{"CompanyId":1,"CustomerId":1,"Number":"WEB-7"}`), 201)
	wantValidation(t, ts.call("POST", "/salesOrders", `{"CompanyId":1,"CustomerId":1,"Number":"web-7"}`), "Number")
	must(t, ts.call("POST", "/salesOrders?renameSalesOrderNumberWhenAlreadyExists=true", `{"CompanyId":1,"CustomerId":1,"Number":"WEB-7"}`), 201).decode(t, &o)
	if o.Number != "WEB-7-1" {
		t.Errorf("renamed to %q", o.Number)
	}
	must(t, ts.call("POST", "/salesOrders?renameSalesOrderNumberWhenAlreadyExists=true", `{"CompanyId":1,"CustomerId":1,"Number":"WEB-7"}`), 201).decode(t, &o)
	if o.Number != "WEB-7-2" {
		t.Errorf("renamed to %q", o.Number)
	}
	must(t, ts.call("POST", "/salesOrders?renameSalesOrderNumberWhenAlreadyExists=true", `{"CompanyId":1,"CustomerId":1,"Number":"WEB-8"}`), 201).decode(t, &o)
	if o.Number != "WEB-8" {
		t.Errorf("not renamed: %q", o.Number)
	}
	c := ts.Counters()
	if c.DuplicatesPrevented != 1 || c.Renamed != 2 || c.Writes != 7 || c.WorkflowsDisabled != 1 {
		t.Errorf("counters %+v", c)
	}
	if _, ok := ts.OrderByNumber("web-7-2"); !ok {
		t.Error("OrderByNumber")
	}
	// Explicit addresses are kept.
	must(t, ts.call("POST", "/salesOrders", `{"CompanyId":1,"CustomerId":1,"BillingAddress":{"City":"Bonn","CountryIso":"DE","LastName":"Beethoven"}}`), 201).decode(t, &o)
	if o.BillingAddress.City != "Bonn" || o.Shipmentaddress.City != ts.Customers()[0].Shipmentaddress.City {
		t.Errorf("addresses %+v / %+v", o.BillingAddress, o.Shipmentaddress)
	}

	ts.badRequests = true
	wantValidation(t, ts.call("POST", "/salesOrders", `{"Number":"X"}`), "CompanyId", "CustomerId")
	wantValidation(t, ts.call("POST", "/salesOrders", `{"CompanyId":1,"CustomerId":99}`), "CustomerId")
	wantValidation(t, ts.call("POST", "/salesOrders", `{"CompanyId":5,"CustomerId":1}`), "CompanyId")
	wantValidation(t, ts.call("POST", "/salesOrders", `{"CompanyId":1,"CustomerId":1,"BillingAddress":{"City":"Bonn"}}`), "BillingAddress.CountryIso")
	wantValidation(t, ts.call("POST", "/salesOrders", `{"CompanyId":1,"CustomerId":1,"SalesOrderPaymentDetails":{"PaymentMethodId":42}}`), "SalesOrderPaymentDetails.PaymentMethodId")
	must(t, ts.call("GET", "/salesOrders/999", nil), 404)
	must(t, ts.call("GET", "/salesOrders/999/lineitems", nil), 404)
	must(t, ts.call("POST", "/salesOrders/999/lineitems", `[{"Name":"x","Quantity":1}]`), 400)
	wantValidation(t, ts.call("POST", "/salesOrders/1/lineitems", `[{"Name":"x"}]`), "[0].Quantity")
	wantValidation(t, ts.call("POST", "/salesOrders/1/lineitems", `[{"ItemId":999,"Quantity":1}]`), "[0].ItemId")
	wantValidation(t, ts.call("POST", "/salesOrders/1/lineitems", `[{"Name":"x","Quantity":-1}]`), "[0].Quantity")
	wantValidation(t, ts.call("POST", "/salesOrders/1/lineitems", `{"Name":"x","Quantity":1}`), "body")
}

func TestOrderFilters(t *testing.T) {
	t.Parallel()
	seed := Generate(GenConfig{Items: 50, Orders: 300, Customers: 20, Seed: 9})
	ts := newServer(t, Options{Seed: seed})
	orders := ts.Orders()
	lines := map[int][]SalesOrderLineItem{}
	for _, o := range orders {
		lines[o.Id] = ts.LineItems(o.Id)
	}
	list := func(query string) []int {
		t.Helper()
		var ids []int
		for page := 1; ; page++ {
			var p PagedList[SalesOrder]
			must(t, ts.call("GET", fmt.Sprintf("/salesOrders?%s&pageSize=100&pageNumber=%d", query, page), nil), 200).decode(t, &p)
			for _, o := range p.Items {
				ids = append(ids, o.Id)
			}
			if !p.HasNextPage {
				return ids
			}
		}
	}
	since, until := orders[100].SalesOrderDate.Time, orders[250].SalesOrderDate.Time
	ext := ""
	for _, o := range orders {
		if o.ExternalNumber != "" {
			ext = o.ExternalNumber
		}
	}
	cases := []struct {
		query string
		pred  func(SalesOrder) bool
	}{
		{"createdSince=" + url.QueryEscape(since.Format(time.RFC3339)), func(o SalesOrder) bool { return !o.SalesOrderDate.Before(since) }},
		{"createdSince=" + url.QueryEscape(since.Format(time.RFC3339)) + "&createdUntil=" + url.QueryEscape(until.Format(DotNetLayout)),
			func(o SalesOrder) bool { return !o.SalesOrderDate.Before(since) && !o.SalesOrderDate.After(until) }},
		{"externalOrderNumber=" + strings.ToLower(ext), func(o SalesOrder) bool { return o.ExternalNumber == ext }},
		{"salesOrderNumber=AU100042", func(o SalesOrder) bool { return o.Number == "AU100042" }},
		{"customerId=7", func(o SalesOrder) bool { return o.CustomerId == 7 }},
		{"customerId=7&paymentStatus=2", func(o SalesOrder) bool { return o.CustomerId == 7 && o.SalesOrderPaymentDetails.PaymentStatus == 2 }},
		{"paymentStatus=0", func(o SalesOrder) bool { return o.SalesOrderPaymentDetails.PaymentStatus == 0 }},
		{"isCancelled=true", func(o SalesOrder) bool { return o.IsCancelled }},
		{"isCancelled=false&companyId=1", func(o SalesOrder) bool { return !o.IsCancelled }},
		{"shippingMethodId=2", func(o SalesOrder) bool { return o.SalesOrderShippingDetail.ShippingMethodId == 2 }},
		{"deliveryCompleteStatus=1", func(o SalesOrder) bool { return o.SalesOrderShippingDetail.DeliveryCompleteStatus == 1 }},
		{"itemId=5", func(o SalesOrder) bool {
			return slices.ContainsFunc(lines[o.Id], func(l SalesOrderLineItem) bool { return l.ItemId == 5 })
		}},
	}
	for _, c := range cases {
		var want []int
		for _, o := range orders {
			if c.pred(o) {
				want = append(want, o.Id)
			}
		}
		if got := list(c.query); !slices.Equal(got, want) || len(want) == 0 {
			t.Errorf("%s: got %d %v, want %d %v", c.query, len(got), head(got), len(want), head(want))
		}
	}
	ts.badRequests = true
	wantValidation(t, ts.call("GET", "/salesOrders?createdSince=yesterday", nil), "createdSince")
	wantValidation(t, ts.call("GET", "/salesOrders?isCancelled=maybe", nil), "isCancelled")
}

func TestCustomers(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{})
	var cu Customer
	must(t, ts.call("POST", "/customers", `{"CustomerGroupId":1,"LanguageIso":"DE","InternalCompanyId":1,
		"BillingAddress":{"FirstName":"Erika","LastName":"Mustermann","City":"Köln","CountryIso":"DE","EmailAddress":"erika@example.com"},
		"PaymentSettings":{"Discount":2.5}}`), 201).decode(t, &cu)
	if cu.Number != "10011" || cu.Shipmentaddress.City != "Köln" || cu.BillingAddress.Id == 0 || !cu.PaymentSettings.Discount.Equal(D("2.5")) {
		t.Errorf("created %+v", cu)
	}
	must(t, ts.call("POST", "/customers", `{"Number":"K-1","CustomerGroupId":1,"LanguageIso":"DE","InternalCompanyId":1,"BillingAddress":{"City":"Ulm","CountryIso":"DE"}}`), 201)
	wantValidation(t, ts.call("POST", "/customers", `{"Number":"k-1","CustomerGroupId":1,"LanguageIso":"DE","InternalCompanyId":1,"BillingAddress":{"City":"Ulm","CountryIso":"DE"}}`), "Number")

	var p PagedList[Customer]
	must(t, ts.call("GET", "/customers?number=K-1", nil), 200).decode(t, &p)
	if p.TotalItems != 1 || p.Items[0].Number != "K-1" {
		t.Errorf("by number %+v", p)
	}
	must(t, ts.call("GET", "/customers?searchKeyWord=mustermann", nil), 200).decode(t, &p)
	if p.TotalItems != 1 || p.Items[0].Id != cu.Id {
		t.Errorf("search %+v", p)
	}
	must(t, ts.call("GET", "/customers?groupId=1&pageSize=5", nil), 200).decode(t, &p)
	if p.TotalItems != 12 || len(p.Items) != 5 {
		t.Errorf("group %d", p.TotalItems)
	}
	// PATCH merges nested addresses.
	var after Customer
	must(t, ts.call("PATCH", fmt.Sprintf("/customers/%d", cu.Id), `{"BillingAddress":{"City":"Bonn"},"Website":"https://x.example"}`), 201).decode(t, &after)
	if after.BillingAddress.City != "Bonn" || after.BillingAddress.LastName != "Mustermann" || after.BillingAddress.Id != cu.BillingAddress.Id ||
		after.Website != "https://x.example" || after.Number != cu.Number {
		t.Errorf("patched %+v", after)
	}
	must(t, ts.call("GET", fmt.Sprintf("/customers/%d", cu.Id), nil), 200)
	ts.badRequests = true
	wantValidation(t, ts.call("PATCH", fmt.Sprintf("/customers/%d", cu.Id), `{"Number":"K-1"}`), "Number")
	must(t, ts.call("GET", "/customers/999", nil), 404)
	must(t, ts.call("PATCH", "/customers/999", `{}`), 404)
	wantValidation(t, ts.call("POST", "/customers", `{"CustomerGroupId":1}`), "BillingAddress", "LanguageIso", "InternalCompanyId")
	if ts.Counters().DuplicatesPrevented != 2 {
		t.Errorf("duplicates %d", ts.Counters().DuplicatesPrevented)
	}
}
