package erptest

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wawi-etl/etl/erp/spec"
)

func contractAppVersion() (string, bool) {
	return spec.ApplicationVersion, spec.ApplicationVersion != ""
}

// --- sales orders ---

func (e *Emulator) listOrders(c *call) reply {
	num := strings.TrimSpace(c.q.Get("salesOrderNumber"))
	ext := strings.TrimSpace(c.q.Get("externalOrderNumber"))
	billing := strings.TrimSpace(c.q.Get("billingNumber"))
	channel := strings.TrimSpace(c.q.Get("salesChannelId"))
	item, hasItem := c.qInt("itemId")
	cust, hasCust := c.qInt("customerId")
	pay, hasPay := c.qInt("paymentStatus")
	pm, hasPM := c.qInt("paymentMethodId")
	dcs, hasDCS := c.qInt("deliveryCompleteStatus")
	user, hasUser := c.qInt("createdUserId")
	comp, hasComp := c.qInt("companyId")
	color, hasColor := c.qInt("colorId")
	sm, hasSM := c.qInt("shippingMethodId")
	hold, hasHold := c.qInt("onHoldReasonId")
	since, hasSince := c.qTime("createdSince")
	until, hasUntil := c.qTime("createdUntil")
	delivered, hasDelivered := c.qTime("deliveredDate")
	cancelled, hasCancelled := c.qBool("isCancelled")
	extInv, hasExtInv := c.qBool("isExternalInvoice")
	if r := queryErrors(c); r != nil {
		return *r
	}
	number, size := e.paging(c)
	e.mu.RLock()
	defer e.mu.RUnlock()
	st := e.st
	filters := num != "" || ext != "" || billing != "" || channel != "" || hasItem || hasCust || hasPay || hasPM || hasDCS ||
		hasUser || hasComp || hasColor || hasSM || hasHold || hasSince || hasUntil || hasDelivered || hasCancelled || hasExtInv
	if !filters {
		return jsonReply(http.StatusOK, paginate(st.orders, number, size))
	}
	ids := e.filtered(c, func() []int {
		cand := st.orders
		switch {
		case num != "":
			cand = nil
			if o := st.orderByNum[strings.ToLower(num)]; o != nil {
				cand = []*SalesOrder{o}
			}
		case ext != "":
			cand = st.orderByExt[strings.ToLower(ext)]
		case hasCust:
			cand = st.orderByCust[cust]
		}
		out := []int{}
		for _, o := range cand {
			p, s := &o.SalesOrderPaymentDetails, &o.SalesOrderShippingDetail
			if ext != "" && !strings.EqualFold(o.ExternalNumber, ext) ||
				billing != "" && !strings.EqualFold(o.BillingNumber, billing) ||
				channel != "" && o.SalesChannelId != channel ||
				hasCust && o.CustomerId != cust || hasPay && p.PaymentStatus != pay || hasPM && p.PaymentMethodId != pm ||
				hasDCS && s.DeliveryCompleteStatus != dcs || hasUser && o.UserCreatedId != user || hasComp && o.CompanyId != comp ||
				hasColor && o.ColorcodeId != color || hasSM && s.ShippingMethodId != sm || hasHold && s.OnHoldReasonId != hold ||
				hasSince && o.SalesOrderDate.Before(since) || hasUntil && o.SalesOrderDate.After(until) ||
				hasDelivered && !sameDay(s.DeliveredDate, delivered) ||
				hasCancelled && o.IsCancelled != cancelled || hasExtInv && o.IsExternalInvoice != extInv {
				continue
			}
			if hasItem && !st.orderHasItem(o.Id, item) {
				continue
			}
			out = append(out, o.Id)
		}
		return out
	})
	return jsonReply(http.StatusOK, pageByIDs(ids, number, size, func(id int) *SalesOrder { return st.orderByID[id] }))
}

func sameDay(a Time, b time.Time) bool {
	if a.IsZero() {
		return false
	}
	y1, m1, d1 := a.UTC().Date()
	y2, m2, d2 := b.UTC().Date()
	return y1 == y2 && m1 == m2 && d1 == d2
}

func (s *store) orderHasItem(orderID, itemID int) bool {
	for _, l := range s.lines[orderID] {
		if l.ItemId == itemID {
			return true
		}
	}
	return false
}

func (e *Emulator) getOrder(c *call) reply {
	id, ok := c.pathID("salesOrderId")
	e.mu.RLock()
	defer e.mu.RUnlock()
	o := e.st.orderByID[id]
	if !ok || o == nil {
		return notFound("sales order", c.r.PathValue("salesOrderId"))
	}
	return jsonReply(http.StatusOK, o)
}

func defaultOrder() SalesOrder {
	return SalesOrder{
		DepartureCountry:         DepartureCountry{CountryISO: "DE", CurrencyIso: "EUR", CurrencyFactor: D("1")},
		SalesOrderPaymentDetails: SalesOrderPaymentDetail{CurrencyIso: "EUR", CurrencyFactor: D("1")},
		LanguageIso:              "DE", SalesChannelId: "1", UserCreatedId: 1, UserId: 1,
	}
}

func (e *Emulator) createOrder(c *call) reply {
	const op = "SalesOrderHeader_CreateSalesOrderAsync"
	rename, _ := c.qBool("renameSalesOrderNumberWhenAlreadyExists")
	if r := queryErrors(c); r != nil {
		return *r
	}
	v, bad := decodeBody(c, op)
	if bad != nil {
		return *bad
	}
	body := v.(map[string]any)
	m := toMap(defaultOrder())
	mergeInto(m, body, requestSchema(op))
	var o SalesOrder
	if err := fromJSONValue(m, &o); err != nil {
		return validationReply(map[string]string{"$": err.Error()})
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	verrs := map[string]string{}
	if st.companyByID[o.CompanyId] == nil {
		verrs["CompanyId"] = fmt.Sprintf("The company %d does not exist.", o.CompanyId)
	}
	cust := st.customerByID[o.CustomerId]
	if cust == nil {
		verrs["CustomerId"] = fmt.Sprintf("The customer %d does not exist.", o.CustomerId)
	}
	if id := o.SalesOrderPaymentDetails.PaymentMethodId; id != 0 && st.paymentByID[id] == nil {
		verrs["SalesOrderPaymentDetails.PaymentMethodId"] = fmt.Sprintf("The payment method %d does not exist.", id)
	}
	if id := o.SalesOrderShippingDetail.ShippingMethodId; id != 0 && st.shippingByID[id] == nil {
		verrs["SalesOrderShippingDetail.ShippingMethodId"] = fmt.Sprintf("The shipping method %d does not exist.", id)
	}
	if len(verrs) > 0 {
		return validationReply(verrs)
	}
	if o.Number == "" {
		o.Number = st.newOrderNumber()
	} else if st.orderByNum[strings.ToLower(o.Number)] != nil {
		if !rename {
			return e.duplicate("Number", fmt.Sprintf("A sales order with the number '%s' already exists.", o.Number))
		}
		base := o.Number
		for i := 1; st.orderByNum[strings.ToLower(o.Number)] != nil; i++ {
			o.Number = fmt.Sprintf("%s-%d", base, i)
		}
		e.count(func(c *Counters) { c.Renamed++ })
	}
	if _, given := body["BillingAddress"]; !given {
		o.BillingAddress = cust.BillingAddress
	}
	if _, given := body["Shipmentaddress"]; !given {
		o.Shipmentaddress = cust.Shipmentaddress
		if o.Shipmentaddress.City == "" {
			o.Shipmentaddress = o.BillingAddress
		}
	}
	for _, a := range []*Address{&o.BillingAddress, &o.Shipmentaddress} {
		st.next.address++
		a.Id = st.next.address
	}
	if o.SalesOrderPaymentDetails.PaymentMethodId == 0 {
		o.SalesOrderPaymentDetails.PaymentMethodId = cust.PaymentSettings.PaymentMethodId
	}
	if o.SalesOrderDate.IsZero() {
		o.SalesOrderDate = T(c.now)
	}
	o.CustomerVatID = strings.TrimSpace(o.CustomerVatID)
	st.next.order++
	o.Id = st.next.order
	st.putOrder(&o)
	st.lines[o.Id] = []*SalesOrderLineItem{}
	return jsonReply(http.StatusCreated, &o)
}

func (e *Emulator) listLines(c *call) reply {
	id, ok := c.pathID("salesOrderId")
	e.mu.RLock()
	defer e.mu.RUnlock()
	if !ok || e.st.orderByID[id] == nil {
		return notFound("sales order", c.r.PathValue("salesOrderId"))
	}
	lines := e.st.lines[id]
	if lines == nil {
		lines = []*SalesOrderLineItem{}
	}
	return jsonReply(http.StatusOK, lines)
}

func (e *Emulator) createLines(c *call) reply {
	const op = "SalesOrderHeader_CreateSalesOrderLineItemAsync"
	id, ok := c.pathID("salesOrderId")
	v, bad := decodeBody(c, op)
	if bad != nil {
		return *bad
	}
	var in []SalesOrderLineItem
	itemSchema := requestSchema(op).Items
	for _, x := range v.([]any) {
		m := toMap(SalesOrderLineItem{})
		mergeInto(m, x.(map[string]any), itemSchema)
		var l SalesOrderLineItem
		if err := fromJSONValue(m, &l); err != nil {
			return validationReply(map[string]string{"$": err.Error()})
		}
		in = append(in, l)
	}
	if len(in) == 0 {
		return validationReply(map[string]string{"$": "At least one line item is required."})
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	o := st.orderByID[id]
	if !ok || o == nil {
		// The spec declares no 404 here; the Wawi answers 400.
		return errorReply(http.StatusBadRequest, "NotFound", fmt.Sprintf("No sales order with the given ID (%s) exists.", c.r.PathValue("salesOrderId")), nil)
	}
	if o.IsCancelled {
		return errorReply(http.StatusBadRequest, "SalesOrderCancelled", fmt.Sprintf("The sales order %s is cancelled.", o.Number), nil)
	}
	verrs := map[string]string{}
	for i := range in {
		l := &in[i]
		if l.ItemId != 0 && st.itemByID[l.ItemId] == nil {
			verrs[fmt.Sprintf("[%d].ItemId", i)] = fmt.Sprintf("The item %d does not exist.", l.ItemId)
		}
		if l.ItemId == 0 && l.SKU == "" && l.Name == "" {
			verrs[fmt.Sprintf("[%d].Name", i)] = "A line item needs an ItemId, a SKU or a Name."
		}
	}
	if len(verrs) > 0 {
		return validationReply(verrs)
	}
	created := make([]*SalesOrderLineItem, 0, len(in))
	for i := range in {
		l := in[i]
		st.next.line++
		l.Id, l.SalesOrderId = st.next.line, o.Id
		if err := st.normalizeLine(&l); err != nil {
			return validationReply(map[string]string{fmt.Sprintf("[%d].ItemId", i): err.Error()})
		}
		created = append(created, &l)
	}
	st.lines[o.Id] = append(st.lines[o.Id], created...)
	st.recalc(o)
	return jsonReply(http.StatusCreated, created)
}
