package erptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// allDocs pages GET /accountingData with query q to the end.
func allDocs(t *testing.T, ts *testServer, q string) []AccountingData {
	t.Helper()
	var out []AccountingData
	for page := 1; ; page++ {
		var p PagedList[AccountingData]
		must(t, ts.call("GET", fmt.Sprintf("/accountingData?pageSize=250&pageNumber=%d%s", page, q), nil), 200).decode(t, &p)
		out = append(out, p.Items...)
		if !p.HasNextPage {
			if len(out) != p.TotalItems {
				t.Fatalf("read %d documents, TotalItems %d", len(out), p.TotalItems)
			}
			return out
		}
	}
}

// TestAccountingSumsAddUp: the booking data of a generated shop adds up to
// its orders to the cent, line by line, per rate, and over all documents.
func TestAccountingSumsAddUp(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: Generate(GenConfig{Items: 60, Orders: 400, Seed: 5, Accounting: true})})
	docs := allDocs(t, ts, "")

	types := map[int]int{}
	rates := map[string]int{}
	countries := map[string]bool{}
	var withGL, withoutGL, euWithVatID int
	signed := decimal.Zero // invoices − cancellations − corrections
	for _, d := range docs {
		types[d.Type]++
		countries[d.ShipmentCountry.CountryISO] = true
		perRate := map[string][3]decimal.Decimal{}
		for _, l := range d.AccountDataLineItems {
			if !l.TotalNetAmount.Add(l.VatAmount.Decimal).Equal(l.TotalGrossAmount.Decimal) {
				t.Errorf("%s line %d: net %s + VAT %s != gross %s", d.DocumentNumber, l.SortOrder, l.TotalNetAmount, l.VatAmount, l.TotalGrossAmount)
			}
			for _, v := range []Dec{l.TotalNetAmount, l.VatAmount, l.TotalGrossAmount} {
				if v.Exponent() < -2 || v.Sign() < 0 {
					t.Errorf("%s line %d: amount %s is not positive cents", d.DocumentNumber, l.SortOrder, v)
				}
			}
			r := l.VatRate.String()
			rates[r]++
			s := perRate[r]
			perRate[r] = [3]decimal.Decimal{s[0].Add(l.TotalNetAmount.Decimal), s[1].Add(l.VatAmount.Decimal), s[2].Add(l.TotalGrossAmount.Decimal)}
			if l.GeneralLedgerAccount != "" {
				withGL++
			} else {
				withoutGL++
			}
			switch d.Type {
			case DocInvoice:
				signed = signed.Add(l.TotalGrossAmount.Decimal)
			case DocInvoiceCancellation, DocInvoiceCorrection:
				signed = signed.Sub(l.TotalGrossAmount.Decimal)
			}
		}
		for r, s := range perRate {
			if !s[0].Add(s[1]).Equal(s[2]) {
				t.Errorf("%s rate %s: net %s + VAT %s != gross %s", d.DocumentNumber, r, s[0], s[1], s[2])
			}
		}
		if d.ShipmentCountry.CountryISO != "DE" && d.CustomerVatId != "" {
			euWithVatID++
			for _, l := range d.AccountDataLineItems {
				if !l.VatRate.IsZero() {
					t.Errorf("%s to %s with VAT id: rate %s", d.DocumentNumber, d.ShipmentCountry.CountryISO, l.VatRate)
				}
			}
		}
	}
	if types[DocInvoice] == 0 || types[DocInvoiceCorrection] == 0 || types[DocInvoiceCancellation] == 0 {
		t.Errorf("document types %v: want invoices, corrections and cancellations", types)
	}
	for _, r := range []string{"19", "7", "0"} {
		if rates[r] == 0 {
			t.Errorf("no booking line at %s %%: %v", r, rates)
		}
	}
	if len(countries) < 4 || euWithVatID == 0 || withGL == 0 || withoutGL == 0 {
		t.Errorf("countries %v, EU documents with VAT id %d, lines with/without account %d/%d", countries, euWithVatID, withGL, withoutGL)
	}

	// The orders' side: what was sold and kept.
	want := decimal.Zero
	invoiced := 0
	for _, o := range ts.Orders() {
		lines := ts.LineItems(o.Id)
		if len(lines) == 0 {
			continue
		}
		invoiced++
		if o.IsCancelled {
			continue
		}
		for _, l := range lines {
			kept := l
			kept.Quantity = Dec{l.Quantity.Sub(l.QuantityReturned.Decimal)}
			want = want.Add(lineGross(&kept))
		}
	}
	if !signed.Equal(want) {
		t.Errorf("invoices − cancellations − corrections = %s, orders less returns = %s", signed, want)
	}
	if types[DocInvoice] != invoiced {
		t.Errorf("%d invoices for %d orders with line items", types[DocInvoice], invoiced)
	}

	// Each invoice's total is its order's and its booking lines'.
	var invs PagedList[Invoice]
	must(t, ts.call("GET", "/invoices?pageSize=1000", nil), 200).decode(t, &invs)
	if invs.TotalItems != invoiced {
		t.Fatalf("GET /invoices: %d, want %d", invs.TotalItems, invoiced)
	}
	booked := map[string]decimal.Decimal{}
	for _, d := range docs {
		if d.Type == DocInvoice {
			for _, l := range d.AccountDataLineItems {
				booked[d.DocumentNumber] = booked[d.DocumentNumber].Add(l.TotalGrossAmount.Decimal)
			}
		}
	}
	for _, inv := range invs.Items {
		o, _ := ts.Order(inv.Id)
		if !inv.InvoicePaymentDetails.TotalGrossAmount.Equal(o.SalesOrderPaymentDetails.TotalGrossAmount) ||
			!booked[inv.Number].Equal(inv.InvoicePaymentDetails.TotalGrossAmount.Decimal) {
			t.Errorf("invoice %s: total %s, order %s, booked %s", inv.Number, inv.InvoicePaymentDetails.TotalGrossAmount,
				o.SalesOrderPaymentDetails.TotalGrossAmount, booked[inv.Number])
		}
	}
}

func TestAccountingDataFilters(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: Generate(GenConfig{Items: 30, Orders: 200, Seed: 3, Accounting: true})})
	all := allDocs(t, ts, "")
	for i := 1; i < len(all); i++ {
		if all[i].DocumentDate.Before(all[i-1].DocumentDate.Time) {
			t.Fatalf("not sorted by date at %d", i)
		}
	}
	// from and to include their bounds.
	from, to := all[10].DocumentDate.Time, all[40].DocumentDate.Time
	q := "&from=" + url.QueryEscape(from.Format(time.RFC3339Nano)) + "&to=" + url.QueryEscape(to.Format(time.RFC3339Nano))
	got := allDocs(t, ts, q)
	want := 0
	for _, d := range all {
		if !d.DocumentDate.Before(from) && !d.DocumentDate.After(to) {
			want++
		}
	}
	if len(got) != want || got[0].DocumentNumber != all[10].DocumentNumber {
		t.Errorf("from/to: %d documents (first %s), want %d (first %s)", len(got), got[0].DocumentNumber, want, all[10].DocumentNumber)
	}
	for _, typ := range []int{DocInvoice, DocInvoiceCorrection, DocInvoiceCancellation, DocCredit} {
		n := 0
		for _, d := range all {
			if d.Type == typ {
				n++
			}
		}
		if got := allDocs(t, ts, fmt.Sprintf("&type=%d&companyId=1", typ)); len(got) != n {
			t.Errorf("type %d: %d documents, want %d", typ, len(got), n)
		}
	}
	if got := allDocs(t, ts, "&companyId=2"); len(got) != 0 {
		t.Errorf("companyId=2: %d documents", len(got))
	}
	ts.badRequests = true
	wantValidation(t, ts.call("GET", "/accountingData?type=9", nil), "type")
	wantValidation(t, ts.call("GET", "/accountingData?from=yesterday", nil), "from")
}

func TestInvoiceRoutes(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: Generate(GenConfig{Items: 30, Orders: 120, Seed: 9, Accounting: true})})
	o, _ := ts.Order(17)
	lines := ts.LineItems(17)

	var p PagedList[Invoice]
	must(t, ts.call("GET", "/invoices?pageSize=7&pageNumber=2", nil), 200).decode(t, &p)
	if len(p.Items) != 7 || p.PageNumber != 2 || !p.HasNextPage || p.Items[0].Id != 8 {
		t.Errorf("paging: %d items, page %d, first %d", len(p.Items), p.PageNumber, p.Items[0].Id)
	}
	for _, q := range []string{"salesOrderNumber=" + o.Number, "invoiceNumber=RE200017", "externalOrderNumber=" + url.QueryEscape(o.ExternalNumber)} {
		if q == "externalOrderNumber=" {
			continue
		}
		var got PagedList[Invoice]
		must(t, ts.call("GET", "/invoices?"+q, nil), 200).decode(t, &got)
		if got.TotalItems != 1 || got.Items[0].Id != 17 || got.Items[0].Number != "RE200017" {
			t.Errorf("%s: %+v", q, got.Items)
		}
	}
	count := func(q string, keep func(Invoice, []SalesOrderLineItem) bool) {
		t.Helper()
		want := 0
		for _, o := range ts.Orders() {
			inv := Invoice{CustomerId: o.CustomerId, IsExternalInvoice: o.IsExternalInvoice,
				InvoicePaymentDetails: InvoicePaymentDetail{PaymentStatus: o.SalesOrderPaymentDetails.PaymentStatus}}
			if ls := ts.LineItems(o.Id); len(ls) > 0 && keep(inv, ls) {
				want++
			}
		}
		var got PagedList[Invoice]
		must(t, ts.call("GET", "/invoices?pageSize=1000&"+q, nil), 200).decode(t, &got)
		if got.TotalItems != want || want == 0 && q != "isExternalInvoice=true" {
			t.Errorf("%s: %d invoices, want %d", q, got.TotalItems, want)
		}
	}
	count("customerId="+fmt.Sprint(o.CustomerId), func(i Invoice, _ []SalesOrderLineItem) bool { return i.CustomerId == o.CustomerId })
	count("paymentStatus=0", func(i Invoice, _ []SalesOrderLineItem) bool { return i.InvoicePaymentDetails.PaymentStatus == 0 })
	count("isExternalInvoice=true", func(i Invoice, _ []SalesOrderLineItem) bool { return i.IsExternalInvoice })
	count(fmt.Sprintf("itemId=%d", lines[0].ItemId), func(_ Invoice, ls []SalesOrderLineItem) bool {
		for _, l := range ls {
			if l.ItemId == lines[0].ItemId {
				return true
			}
		}
		return false
	})

	var inv Invoice
	must(t, ts.call("GET", "/invoices/17", nil), 200).decode(t, &inv)
	if inv.CustomerId != o.CustomerId || !inv.InvoiceDate.Equal(o.SalesOrderDate.Time) || inv.BillingAddress.City != o.BillingAddress.City {
		t.Errorf("invoice 17: %+v", inv)
	}
	var ils []InvoiceLineItem
	must(t, ts.call("GET", "/invoices/17/lineitems", nil), 200).decode(t, &ils)
	if len(ils) != len(lines) || ils[0].SalesOrderLineItemId != lines[0].Id || !ils[0].Quantity.Equal(lines[0].Quantity) || ils[0].InvoiceId != 17 {
		t.Errorf("line items: %+v", ils)
	}
	must(t, ts.call("GET", "/invoices/99999", nil), http.StatusNotFound)
	must(t, ts.call("GET", "/invoices/99999/lineitems", nil), http.StatusNotFound)
	ts.badRequests = true
	wantValidation(t, ts.call("GET", "/invoices?paymentStatus=7", nil), "paymentStatus")
}

// TestInvoicesFollowOrders: an order created through the API is invoiced
// at once; faults apply to the new routes like to every other.
func TestInvoicesFollowOrders(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: Generate(GenConfig{Items: 5, Orders: 3})})
	must(t, ts.call("POST", "/salesOrders", `{"CompanyId":1,"CustomerId":1,"Number":"X-1"}`), 201)
	var before PagedList[Invoice]
	must(t, ts.call("GET", "/invoices?salesOrderNumber=X-1", nil), 200).decode(t, &before)
	must(t, ts.call("POST", "/salesOrders/4/lineitems", `[{"ItemId":1,"Quantity":3,"SalesPriceGross":1.19,"TaxRate":19}]`), 201)
	var after PagedList[Invoice]
	must(t, ts.call("GET", "/invoices?salesOrderNumber=X-1", nil), 200).decode(t, &after)
	if before.TotalItems != 0 || after.TotalItems != 1 || !after.Items[0].InvoicePaymentDetails.TotalGrossAmount.Equal(D("3.57")) {
		t.Fatalf("before %d, after %+v", before.TotalItems, after.Items)
	}
	docs := allDocs(t, ts, "&type=0")
	last := docs[len(docs)-1].AccountDataLineItems[0]
	if !last.TotalNetAmount.Equal(D("3")) || !last.VatAmount.Equal(D("0.57")) {
		t.Errorf("booking line %+v", last)
	}
	ts.SetFaults(Faults{FailRate: 1})
	for _, p := range []string{"/invoices", "/invoices/1", "/invoices/1/lineitems", "/accountingData"} {
		if r := ts.call("GET", p, nil); r.status != 503 && r.status != 502 {
			t.Errorf("%s with FailRate 1: %d", p, r.status)
		}
	}
}

func TestSeedLedgerAccounts(t *testing.T) {
	t.Parallel()
	seed := &Seed{Items: []Item{{SKU: "A-1", Name: "a", Categories: []CategoryReference{{CategoryId: 1}}}},
		LedgerAccounts: []SeedLedgerAccount{{SKU: "a-1", Account: "8400"}},
		Orders: []SeedOrder{{SalesOrder: SalesOrder{CustomerId: 1, CompanyId: 1, DepartureCountry: DepartureCountry{CountryISO: "DE"}},
			LineItems: []SalesOrderLineItem{{SKU: "A-1", Quantity: D("2"), SalesPriceGross: D("10.70"), TaxRate: D("7")},
				{Name: "Versand", Type: LineShipping, Quantity: D("1"), SalesPriceGross: D("4.90"), TaxRate: D("19")}}}}}
	ts := newServer(t, Options{Seed: seed})
	docs := allDocs(t, ts, "")
	if len(docs) != 1 || len(docs[0].AccountDataLineItems) != 2 {
		t.Fatalf("%+v", docs)
	}
	item, ship := docs[0].AccountDataLineItems[0], docs[0].AccountDataLineItems[1]
	if item.GeneralLedgerAccount != "8400" || ship.GeneralLedgerAccount != "" || !item.TotalNetAmount.Equal(D("20")) ||
		!item.VatAmount.Equal(D("1.40")) || !ship.TotalNetAmount.Equal(D("4.12")) || !ship.VatAmount.Equal(D("0.78")) {
		t.Errorf("lines %+v", docs[0].AccountDataLineItems)
	}
	if _, err := New(Options{Seed: &Seed{LedgerAccounts: []SeedLedgerAccount{{SKU: "nope", Account: "8400"}}}}); err == nil {
		t.Error("a ledger account of an unknown item was accepted")
	}
}

// TestAccountingPagesEncodedOnce: a page built from the documents' cached
// JSON is the page json.Marshal makes of the list, the first time and
// again, with filters and past the end.
func TestAccountingPagesEncodedOnce(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: Generate(GenConfig{Items: 40, Orders: 150, Seed: 7, Accounting: true})})
	for _, q := range []string{"pageSize=40&pageNumber=1", "pageSize=40&pageNumber=2", "pageSize=40&pageNumber=1",
		"pageSize=7&pageNumber=3&type=0", "pageSize=40&pageNumber=99", "pageSize=13&pageNumber=2&from=2026-01-01T00:00:00Z"} {
		got := must(t, ts.call("GET", "/accountingData?"+q, nil), 200).body
		var p PagedList[AccountingData]
		if err := json.Unmarshal(got, &p); err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %.300s\nwant %.300s", q, got, want)
		}
		if q == "pageSize=40&pageNumber=1" && len(p.Items) != 40 {
			t.Errorf("%s: %d documents", q, len(p.Items))
		}
	}
}

// TestAccountingPagesInParallel: pages asked for at once, whose bodies are
// recycled once sent, each come whole and as json.Marshal makes them, with
// their Content-Length.
func TestAccountingPagesInParallel(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: Generate(GenConfig{Items: 40, Orders: 300, Seed: 11, Accounting: true})})
	var want [][]byte
	for page := 1; page <= 8; page++ {
		var p PagedList[AccountingData]
		must(t, ts.call("GET", fmt.Sprintf("/accountingData?pageSize=30&pageNumber=%d", page), nil), 200).decode(t, &p)
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b)
	}
	var wg sync.WaitGroup
	for round := range 4 {
		for page := 1; page <= 8; page++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := doRequest(t, "GET", fmt.Sprintf("%s/accountingData?pageSize=30&pageNumber=%d", ts.URL, page), nil)
				if r.status != 200 || !bytes.Equal(r.body, want[page-1]) {
					t.Errorf("round %d page %d: %d, %.200s", round, page, r.status, r.body)
				}
				if cl := r.header.Get("Content-Length"); cl != strconv.Itoa(len(r.body)) {
					t.Errorf("round %d page %d: Content-Length %q for %d bytes", round, page, cl, len(r.body))
				}
			}()
		}
	}
	wg.Wait()
}
