package erptest

import (
	"net/http"
	"strings"
)

// Invoice is the spec's Invoice.
type Invoice struct {
	Id                    int
	Number                string
	ExternalNumber        string
	CompanyId             int
	DepartureCountry      DepartureCountry // the spec's InvoiceDepartureCountry has the same fields
	CustomerId            int
	BillingAddress        Address
	ShipmentAddress       Address
	InvoiceDate           Time
	InvoicePaymentDetails InvoicePaymentDetail
	ColorcodeId           int
	DunningBlock          bool
	IsExternalInvoice     bool
	Comment               string
	CustomerComment       string
	IsCancelled           bool
	LanguageIso           string
	CancellationDetails   InvoiceCancellationDetails
}

// InvoicePaymentDetail is the spec's InvoicePaymentDetail.
type InvoicePaymentDetail struct {
	PaymentMethodId    int
	PaymentStatus      int
	TotalGrossAmount   Dec
	CurrencyIso        string
	CurrencyFactor     Dec
	StillToPay         Dec
	PaymentTarget      int
	CashDiscount       Dec
	CashDiscountDays   int
	StopPaymentRequest bool
	DunningLevel       int
	NextDueDate        Time
}

// InvoiceCancellationDetails is the spec's schema of that name.
type InvoiceCancellationDetails struct {
	CancellationReasonId int
	CancellationComment  string
	Date                 Time
}

// InvoiceLineItem is the spec's InvoiceLineItem.
type InvoiceLineItem struct {
	Id                   int
	InvoiceId            int
	SalesOrderId         int
	SalesOrderLineItemId int
	ItemId               int
	Name                 string
	SKU                  string
	Type                 int
	Quantity             Dec
	SalesUnit            string
	SalesPriceNet        Dec
	SalesPriceGross      Dec
	Discount             Dec
	PurchasePriceNet     Dec
	TaxRate              Dec
}

func init() {
	apiRoutes = append(apiRoutes,
		route{method: "GET", path: "/invoices", opID: "InvoiceHeader_QueryInvoicesAsync", h: (*Emulator).listInvoices},
		route{method: "GET", path: "/invoices/{invoiceId}", opID: "InvoiceHeader_GetInvoiceAsync", h: (*Emulator).getInvoice},
		route{method: "GET", path: "/invoices/{invoiceId}/lineitems", opID: "InvoiceHeader_QueryInvoiceLineItemsAsync", h: (*Emulator).listInvoiceLines},
		route{method: "GET", path: "/accountingData", opID: "AccountingDataHeader_QueryAccountingDataAsync", h: (*Emulator).listAccountingData},
	)
}

// listInvoices serves GET /invoices. The spec gives the list no date
// filter: a period is cut by the client.
func (e *Emulator) listInvoices(c *call) reply {
	num := strings.TrimSpace(c.q.Get("salesOrderNumber"))
	ext := strings.TrimSpace(c.q.Get("externalOrderNumber"))
	invNum := strings.TrimSpace(c.q.Get("invoiceNumber"))
	item, hasItem := c.qInt("itemId")
	cust, hasCust := c.qInt("customerId")
	pay, hasPay := c.qInt("paymentStatus")
	extInv, hasExtInv := c.qBool("isExternalInvoice")
	if hasPay && (pay < 0 || pay > 2) {
		c.qerrs["paymentStatus"] = "The value '" + c.q.Get("paymentStatus") + "' is not valid for paymentStatus."
	}
	if r := queryErrors(c); r != nil {
		return *r
	}
	number, size := e.paging(c)
	e.mu.RLock()
	defer e.mu.RUnlock()
	st := e.st
	lg := st.ledger()
	if num == "" && ext == "" && invNum == "" && !hasItem && !hasCust && !hasPay && !hasExtInv {
		return jsonReply(http.StatusOK, paginate(lg.invoices, number, size))
	}
	ids := e.filtered(c, func() []int {
		out := []int{}
		for _, inv := range lg.invoices {
			o := st.orderByID[lg.orderOf[inv.Id]]
			if num != "" && (o == nil || !strings.EqualFold(o.Number, num)) ||
				ext != "" && !strings.EqualFold(inv.ExternalNumber, ext) ||
				invNum != "" && !strings.EqualFold(inv.Number, invNum) ||
				hasCust && inv.CustomerId != cust || hasPay && inv.InvoicePaymentDetails.PaymentStatus != pay ||
				hasExtInv && inv.IsExternalInvoice != extInv {
				continue
			}
			if hasItem && !lg.invoiceHasItem(inv.Id, item) {
				continue
			}
			out = append(out, inv.Id)
		}
		return out
	})
	return jsonReply(http.StatusOK, pageByIDs(ids, number, size, func(id int) *Invoice { return lg.invoiceByID[id] }))
}

func (l *ledger) invoiceHasItem(invoiceID, itemID int) bool {
	for _, li := range l.invoiceLines[invoiceID] {
		if li.ItemId == itemID {
			return true
		}
	}
	return false
}

func (e *Emulator) getInvoice(c *call) reply {
	id, ok := c.pathID("invoiceId")
	e.mu.RLock()
	defer e.mu.RUnlock()
	inv := e.st.ledger().invoiceByID[id]
	if !ok || inv == nil {
		return notFound("invoice", c.r.PathValue("invoiceId"))
	}
	return jsonReply(http.StatusOK, inv)
}

func (e *Emulator) listInvoiceLines(c *call) reply {
	id, ok := c.pathID("invoiceId")
	e.mu.RLock()
	defer e.mu.RUnlock()
	lg := e.st.ledger()
	if !ok || lg.invoiceByID[id] == nil {
		return notFound("invoice", c.r.PathValue("invoiceId"))
	}
	lines := lg.invoiceLines[id]
	if lines == nil {
		lines = []*InvoiceLineItem{}
	}
	return jsonReply(http.StatusOK, lines)
}
