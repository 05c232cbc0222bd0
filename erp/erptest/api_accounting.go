package erptest

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// AccountingData is the spec's AccountingData: one finalized document
// (invoice, credit note, cancellation) with its booking lines.
type AccountingData struct {
	DocumentNumber           string
	DocumentId               int
	DocumentDate             Time
	SalesOrderNumber         string
	SalesOrderId             int
	ExternalSalesOrderNumber string
	DepartureCountry         Country
	ShipmentCountry          Country
	BillingAddress           Address
	ShipmentAddress          Address
	CurrencyIso              string
	Type                     int
	CompanyId                int
	CompanyVatId             string
	CustomerVatId            string
	SalesChannelId           string
	IsCancelled              bool
	AccountDataLineItems     []AccountingDataLineItem
}

// Country is the spec's Country.
type Country struct {
	CountryISO string
	StateISO   string
}

// AccountingDataLineItem is the spec's AccountingDataLineItem.
type AccountingDataLineItem struct {
	ItemId                   int
	Type                     int
	Name                     string
	TaxClassId               int
	GeneralLedgerAccount     string
	Quantity                 Dec
	VatRate                  Dec
	VatAmount                Dec
	TotalDiscountGrossAmount Dec
	TotalDiscountNetAmount   Dec
	TotalGrossAmount         Dec
	TotalNetAmount           Dec
	SortOrder                int
}

// Accounting document types (AccountingData.Type), the spec's enum.
const (
	DocInvoice                       = 0
	DocCredit                        = 1
	DocInvoiceCorrection             = 2
	DocInvoiceCancellation           = 3
	DocCreditCancellation            = 4
	DocInvoiceCorrectionCancellation = 5
)

// SeedLedgerAccount is the revenue account (Erlöskonto) the Wawi books an
// item's lines on, named by ItemId or SKU. Items without one get booking
// lines with an empty GeneralLedgerAccount.
type SeedLedgerAccount struct {
	ItemId  int    `json:",omitempty"`
	SKU     string `json:",omitempty"`
	Account string
}

// companyVatID is the merchant's VAT id on every document (the spec's
// Company has no field for it).
const companyVatID = "DE811907980"

// ledger is what the Wawi derives from its sales orders: invoices, their
// line items and the accounting documents. The emulator derives it from
// the orders whenever they changed (store.version), so that invoice and
// booking amounts always add up to the orders':
//
//   - every order with line items has one invoice (Id = the order's Id,
//     numbered RE200001, RE200002, … in order of Id), dated like the order,
//     with the order's payment status and amounts;
//   - a cancelled order's invoice IsCancelled and is reversed by an
//     InvoiceCancellation (type 3, STO…) dated at the cancellation;
//   - returned quantities (SalesOrderLineItem.QuantityReturned) are credited
//     by an InvoiceCorrection (type 2, GU…, the Rechnungskorrektur a
//     Gutschrift is in JTL-Wawi) a week after delivery (two weeks after the
//     order when undelivered);
//   - a booking line is the order line's gross total (lineGross), its net
//     the gross less VAT at the line's rate rounded to cents, its VAT the
//     difference, so net + VAT = gross on every line; amounts are positive,
//     Type says the direction;
//   - GeneralLedgerAccount is the item's account (Seed.LedgerAccounts) on
//     lines shipped within the departure country, empty elsewhere
//     (shipping, items without an account, EU and export lines, which a
//     Wawi books on accounts of their own).
type ledger struct {
	version      uint64
	invoices     []*Invoice
	invoiceByID  map[int]*Invoice
	orderOf      map[int]int // invoice id → order id
	invoiceLines map[int][]*InvoiceLineItem
	docs         []*AccountingData // by DocumentDate, Type, DocumentId

	jsonMu  sync.Mutex
	docJSON map[*AccountingData][]byte // each document's JSON (pageReply)
}

// ledgerCache holds the derived ledger and the item accounts (store.acct).
type ledgerCache struct {
	mu       sync.Mutex
	l        *ledger
	accounts map[int]string // item id → GeneralLedgerAccount
}

// ledger returns the ledger of the current state. The caller holds e.mu
// (read or write); the cache has its own lock because readers share e.mu.
func (s *store) ledger() *ledger {
	s.acct.mu.Lock()
	defer s.acct.mu.Unlock()
	if s.acct.l == nil || s.acct.l.version != s.version {
		s.acct.l = s.deriveLedger()
	}
	return s.acct.l
}

// loadLedgerAccounts loads Seed.LedgerAccounts (after the items).
func (s *store) loadLedgerAccounts(accts []SeedLedgerAccount) error {
	s.acct.accounts = make(map[int]string, len(accts))
	for _, a := range accts {
		it := s.itemByID[a.ItemId]
		if a.ItemId == 0 {
			it = s.itemBySKU[strings.ToLower(a.SKU)]
		}
		if it == nil {
			return fmt.Errorf("seed: ledger account %q: no item %d / %q", a.Account, a.ItemId, a.SKU)
		}
		s.acct.accounts[it.Id] = a.Account
	}
	return nil
}

var hundredDec = decimal.NewFromInt(100)

// bookingAmounts are the amounts of one booking line of l: for its whole
// quantity (kept = 0) the line's gross total; for a return (kept = what the
// customer keeps) what the invoice charged beyond the kept quantity, so that
// invoice less correction is exactly the kept quantity's total.
func bookingAmounts(l *SalesOrderLineItem, qty Dec, kept decimal.Decimal) (gross, net, vat, discGross, discNet decimal.Decimal) {
	gross = lineGross(l)
	if !kept.IsZero() || qty.LessThan(l.Quantity.Decimal) {
		k := *l
		k.Quantity = Dec{kept}
		gross = gross.Sub(lineGross(&k))
	}
	if !l.Discount.IsZero() {
		discGross = decimal.Max(decimal.Zero, qty.Mul(l.SalesPriceGross.Decimal).Round(2).Sub(gross))
	}
	div := hundredDec.Add(l.TaxRate.Decimal)
	net = gross.Mul(hundredDec).Div(div).Round(2)
	vat = gross.Sub(net)
	discNet = discGross.Mul(hundredDec).Div(div).Round(2)
	return
}

func (s *store) deriveLedger() *ledger {
	lg := &ledger{version: s.version, invoiceByID: make(map[int]*Invoice, len(s.orders)), orderOf: make(map[int]int, len(s.orders)),
		invoiceLines: make(map[int][]*InvoiceLineItem, len(s.orders))}
	var nInv, nCred, nStorno int
	for _, o := range s.orders {
		lines := s.lines[o.Id]
		if len(lines) == 0 {
			continue
		}
		nInv++
		p := &o.SalesOrderPaymentDetails
		inv := &Invoice{
			Id: o.Id, Number: fmt.Sprintf("RE%d", 200000+nInv), ExternalNumber: o.ExternalNumber, CompanyId: o.CompanyId,
			DepartureCountry: o.DepartureCountry, CustomerId: o.CustomerId, BillingAddress: o.BillingAddress, ShipmentAddress: o.Shipmentaddress,
			InvoiceDate: o.SalesOrderDate, ColorcodeId: o.ColorcodeId, IsExternalInvoice: o.IsExternalInvoice, Comment: o.Comment,
			CustomerComment: o.CustomerComment, IsCancelled: o.IsCancelled, LanguageIso: o.LanguageIso,
			InvoicePaymentDetails: InvoicePaymentDetail{
				PaymentMethodId: p.PaymentMethodId, PaymentStatus: p.PaymentStatus, TotalGrossAmount: p.TotalGrossAmount,
				CurrencyIso: p.CurrencyIso, CurrencyFactor: p.CurrencyFactor, StillToPay: p.StillToPay, PaymentTarget: p.PaymentTarget,
				CashDiscount: p.CashDiscount, CashDiscountDays: p.CashDiscountDays,
				NextDueDate: T(o.SalesOrderDate.AddDate(0, 0, p.PaymentTarget)),
			},
		}
		if o.IsCancelled {
			cd := o.CancellationDetails
			inv.CancellationDetails = InvoiceCancellationDetails{CancellationReasonId: cd.CancellationReasonId, CancellationComment: cd.CancellationComment, Date: cd.Date}
			inv.InvoicePaymentDetails.StillToPay = Dec{}
		}
		if inv.InvoicePaymentDetails.CurrencyIso == "" {
			inv.InvoicePaymentDetails.CurrencyIso = "EUR"
		}
		lg.invoices = append(lg.invoices, inv)
		lg.invoiceByID[inv.Id] = inv
		lg.orderOf[inv.Id] = o.Id
		ils := make([]*InvoiceLineItem, 0, len(lines))
		for _, l := range lines {
			ils = append(ils, &InvoiceLineItem{Id: l.Id, InvoiceId: inv.Id, SalesOrderId: o.Id, SalesOrderLineItemId: l.Id, ItemId: l.ItemId,
				Name: l.Name, SKU: l.SKU, Type: l.Type, Quantity: l.Quantity, SalesUnit: l.SalesUnit, SalesPriceNet: l.SalesPriceNet,
				SalesPriceGross: l.SalesPriceGross, Discount: l.Discount, PurchasePriceNet: l.PurchasePriceNet, TaxRate: l.TaxRate})
		}
		lg.invoiceLines[inv.Id] = ils

		doc := func(typ int, number string, date Time, qty func(*SalesOrderLineItem) Dec) *AccountingData {
			ship := o.Shipmentaddress
			if ship.CountryIso == "" {
				ship = o.BillingAddress
			}
			vatID := o.CustomerVatID
			if vatID == "" {
				vatID = o.BillingAddress.VatID
			}
			merchant := o.MerchantVatID
			if merchant == "" {
				merchant = companyVatID
			}
			cur := o.DepartureCountry.CurrencyIso
			if cur == "" {
				cur = "EUR"
			}
			d := &AccountingData{DocumentNumber: number, DocumentId: o.Id, DocumentDate: date, SalesOrderNumber: o.Number, SalesOrderId: o.Id,
				ExternalSalesOrderNumber: o.ExternalNumber, DepartureCountry: Country{CountryISO: o.DepartureCountry.CountryISO},
				ShipmentCountry: Country{CountryISO: ship.CountryIso}, BillingAddress: o.BillingAddress, ShipmentAddress: ship,
				CurrencyIso: cur, Type: typ, CompanyId: o.CompanyId, CompanyVatId: merchant, CustomerVatId: vatID,
				SalesChannelId: o.SalesChannelId, IsCancelled: typ == DocInvoice && o.IsCancelled,
				AccountDataLineItems: make([]AccountingDataLineItem, 0, len(lines))}
			domestic := strings.EqualFold(ship.CountryIso, o.DepartureCountry.CountryISO) || ship.CountryIso == ""
			for _, l := range lines {
				q := qty(l)
				if q.Sign() <= 0 {
					continue
				}
				gross, net, vat, dg, dn := bookingAmounts(l, q, l.Quantity.Sub(q.Decimal))
				taxClass := 1
				if it := s.itemByID[l.ItemId]; it != nil && it.TaxClassId != 0 {
					taxClass = it.TaxClassId
				} else if l.TaxRate.Equal(D("7")) {
					taxClass = 2
				}
				acct := ""
				if domestic && l.Type == LineItem {
					acct = s.acct.accounts[l.ItemId]
				}
				d.AccountDataLineItems = append(d.AccountDataLineItems, AccountingDataLineItem{
					ItemId: l.ItemId, Type: l.Type, Name: l.Name, TaxClassId: taxClass, GeneralLedgerAccount: acct, Quantity: q,
					VatRate: l.TaxRate, VatAmount: Dec{vat}, TotalDiscountGrossAmount: Dec{dg}, TotalDiscountNetAmount: Dec{dn},
					TotalGrossAmount: Dec{gross}, TotalNetAmount: Dec{net}, SortOrder: len(d.AccountDataLineItems) + 1,
				})
			}
			return d
		}
		all := func(l *SalesOrderLineItem) Dec { return l.Quantity }
		lg.docs = append(lg.docs, doc(DocInvoice, inv.Number, inv.InvoiceDate, all))
		if o.IsCancelled {
			nStorno++
			at := o.CancellationDetails.Date
			if at.IsZero() {
				at = o.SalesOrderDate
			}
			lg.docs = append(lg.docs, doc(DocInvoiceCancellation, fmt.Sprintf("STO%d", 400000+nStorno), at, all))
			continue
		}
		returned := false
		for _, l := range lines {
			returned = returned || l.QuantityReturned.Sign() > 0
		}
		if returned {
			nCred++
			at := o.SalesOrderDate.AddDate(0, 0, 14)
			if dd := o.SalesOrderShippingDetail.DeliveredDate; !dd.IsZero() {
				at = dd.AddDate(0, 0, 7)
			}
			lg.docs = append(lg.docs, doc(DocInvoiceCorrection, fmt.Sprintf("GU%d", 300000+nCred), T(at),
				func(l *SalesOrderLineItem) Dec { return l.QuantityReturned }))
		}
	}
	slices.SortStableFunc(lg.docs, func(a, b *AccountingData) int {
		return cmp.Or(a.DocumentDate.Compare(b.DocumentDate.Time), cmp.Compare(a.Type, b.Type), cmp.Compare(a.DocumentId, b.DocumentId))
	})
	return lg
}

// listAccountingData serves GET /accountingData. from and to include
// their bound. exportCurrencyInDepartureCountry is accepted; the
// emulator's documents are all in the departure country's currency.
func (e *Emulator) listAccountingData(c *call) reply {
	from, hasFrom := c.qTime("from")
	to, hasTo := c.qTime("to")
	comp, hasComp := c.qInt("companyId")
	typ, hasType := c.qInt("type")
	c.qBool("exportCurrencyInDepartureCountry")
	if hasType && (typ < 0 || typ > 7) {
		c.qerrs["type"] = "The value '" + c.q.Get("type") + "' is not valid for type."
	}
	if r := queryErrors(c); r != nil {
		return *r
	}
	number, size := e.paging(c)
	e.mu.RLock()
	defer e.mu.RUnlock()
	lg := e.st.ledger()
	docs := lg.docs
	if hasFrom || hasTo {
		// docs are sorted by date: the period is one slice of them
		lo, hi := 0, len(docs)
		if hasFrom {
			lo, _ = slices.BinarySearchFunc(docs, from, func(d *AccountingData, t time.Time) int { return d.DocumentDate.Compare(t) })
		}
		if hasTo {
			hi, _ = slices.BinarySearchFunc(docs, to.Add(time.Nanosecond), func(d *AccountingData, t time.Time) int { return d.DocumentDate.Compare(t) })
		}
		docs = docs[lo:max(lo, hi)]
	}
	if hasComp || hasType {
		kept := make([]*AccountingData, 0, len(docs))
		for _, d := range docs {
			if hasComp && d.CompanyId != comp || hasType && d.Type != typ {
				continue
			}
			kept = append(kept, d)
		}
		docs = kept
	}
	return lg.pageReply(paginate(docs, number, size))
}

// pageReply is jsonReply of the page, each document encoded once per
// ledger: a generated shop's pages cost the emulator more CPU to encode
// than the export takes to read them, on the same cores.
func (lg *ledger) pageReply(p PagedList[*AccountingData]) reply {
	env := PagedList[json.RawMessage]{TotalItems: p.TotalItems, PageNumber: p.PageNumber, PageSize: p.PageSize, Items: []json.RawMessage{},
		TotalPages: p.TotalPages, HasPreviousPage: p.HasPreviousPage, HasNextPage: p.HasNextPage, NextPageNumber: p.NextPageNumber,
		PreviousPageNumber: p.PreviousPageNumber}
	head, err := json.Marshal(env)
	if err != nil {
		return errorReply(http.StatusInternalServerError, "InternalServerError", err.Error(), nil)
	}
	const empty = `"Items":[]`
	i := bytes.Index(head, []byte(empty)) + len(empty) - 1 // before the ]
	items := make([][]byte, len(p.Items))
	n := len(head)
	lg.jsonMu.Lock()
	for j, d := range p.Items {
		b, ok := lg.docJSON[d]
		if !ok {
			if b, err = json.Marshal(d); err != nil {
				lg.jsonMu.Unlock()
				return errorReply(http.StatusInternalServerError, "InternalServerError", err.Error(), nil)
			}
			if lg.docJSON == nil {
				lg.docJSON = map[*AccountingData][]byte{}
			}
			lg.docJSON[d] = b
		}
		items[j] = b
		n += len(b) + 1
	}
	lg.jsonMu.Unlock()
	buf, _ := pageBodies.Get().(*[]byte)
	if buf == nil || cap(*buf) < n {
		b := make([]byte, 0, n+n/8)
		buf = &b
	}
	body := (*buf)[:0]
	body = append(body, head[:i]...)
	for j, b := range items {
		if j > 0 {
			body = append(body, ',')
		}
		body = append(body, b...)
	}
	body = append(body, head[i:]...)
	*buf = body
	return reply{status: http.StatusOK, body: body, release: func() { pageBodies.Put(buf) }}
}

// pageBodies recycles the bodies of accounting pages, a few hundred KB
// each: allocated afresh, every page was zeroed and faulted in again, CPU
// taken from the export that shares the machine in the benchmarks.
var pageBodies sync.Pool // of *[]byte
