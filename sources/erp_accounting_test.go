package sources

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp/contract"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
)

// accountingSeed: a generated shop with EU and export customers, returns and
// cancellations from April to June 2025, plus domestic orders at the edges
// of May in Berlin (their invoices are dated like them).
func accountingSeed() *erptest.Seed {
	s := erptest.Generate(erptest.GenConfig{Items: 30, Orders: 300, Seed: 7, Accounting: true})
	cust := s.Customers[0]
	for _, at := range []time.Time{mayStart.Add(-time.Millisecond), mayStart, juneFrom.Add(-100 * time.Nanosecond), juneFrom} {
		s.Orders = append(s.Orders, erptest.SeedOrder{
			SalesOrder: erptest.SalesOrder{CustomerId: cust.Id, CompanyId: 1, SalesOrderDate: erptest.T(at), BillingAddress: cust.BillingAddress,
				DepartureCountry: erptest.DepartureCountry{CountryISO: "DE", CurrencyIso: "EUR", CurrencyFactor: erptest.D("1")}},
			LineItems: []erptest.SalesOrderLineItem{{SKU: s.Items[0].SKU, Quantity: erptest.D("1"), SalesPriceGross: erptest.D("11.90"), TaxRate: erptest.D("19")}},
		})
	}
	return s
}

func inMonthMay(t time.Time) bool { return !t.Before(mayStart) && t.Before(juneFrom) }

// TestInvoicesPeriodApplied: GET /invoices has no date filter, so the source
// pages the whole list in parallel and keeps the merchant's May itself,
// edges included; include: lineitems gives one record per invoice line.
func TestInvoicesPeriodApplied(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: accountingSeed(), Validate: true, Validator: contract.Validator{}})
	defer srv.Close()
	env := testEnv(t, newClient(t, srv.URL))
	src := openSource(t, pipeline.SourceSpec{Resource: "invoices", Include: "lineitems", PageSize: 25, TimeZone: "Europe/Berlin",
		Filters: map[string]string{"invoiceDateFrom": "start of last month", "invoiceDateUntil": "end of last month"}}, env)
	defer src.Close()
	recs := drain(t, src)

	wantLines := 0
	var want []string
	invoiced := 0
	for _, o := range srv.Orders() {
		ls := srv.LineItems(o.Id)
		if len(ls) == 0 {
			continue
		}
		invoiced++
		if inMonthMay(o.SalesOrderDate.Time) {
			want = append(want, o.Number)
			wantLines += len(ls)
		}
	}
	var got []string
	for _, r := range recs {
		if n := get(t, r, "Number"); !slices.Contains(got, n) {
			got = append(got, n)
		}
		if get(t, r, "LineItem.InvoiceId") != get(t, r, "Id") {
			t.Fatalf("line %s of invoice %s", get(t, r, "LineItem.Id"), get(t, r, "Id"))
		}
	}
	if len(recs) != wantLines || len(got) != len(want) || len(want) < 50 {
		t.Errorf("%d records of %d invoices, want %d lines of %d invoices", len(recs), len(got), wantLines, len(want))
	}
	// the edges: 1 May 00:00 and 31 May 23:59:59.9999999 in, their neighbours out
	dates := map[string]bool{}
	for _, r := range recs {
		dates[get(t, r, "InvoiceDate")] = true
	}
	for d, in := range map[string]bool{"2025-05-01T00:00:00.0000000+02:00": true, "2025-05-31T23:59:59.9999999+02:00": true,
		"2025-04-30T23:59:59.9990000+02:00": false, "2025-06-01T00:00:00.0000000+02:00": false} {
		if dates[d] != in {
			t.Errorf("invoice dated %s: exported %v, want %v", d, dates[d], in)
		}
	}
	// every page of the list was read (the emulator also counts a retry
	// after a slow answer), line items only for the invoices kept
	c := srv.Counters()
	pages := int64((invoiced + 24) / 25)
	if src.Requests() != pages+int64(len(want)) || c.ByRoute["GET /invoices"] < pages || c.ByRoute["GET /invoices/{invoiceId}/lineitems"] < int64(len(want)) {
		t.Errorf("%d requests (emulator: %v), want %d pages and %d line item lists", src.Requests(), c.ByRoute, pages, len(want))
	}
	if v := srv.ContractViolations(); len(v) > 0 {
		t.Errorf("contract: %v", v)
	}
	p := params(src.Parameters())
	if !strings.Contains(p["invoiceDateFrom"], "01.05.2025 00:00:00") || !strings.Contains(p["invoiceDateFrom"], "applied by etl") ||
		!strings.Contains(p["invoiceDateUntil"], "31.05.2025 23:59:59") || !strings.Contains(p["Period"], "InvoiceDate") {
		t.Errorf("parameters %v", p)
	}

	// No incremental export: the API cannot ask for what is new.
	spec := &pipeline.SourceSpec{Type: "erp", Resource: "invoices", Filters: map[string]string{"invoiceDateFrom": "-7d"},
		Incremental: &pipeline.IncrementalSpec{Field: "invoiceDateFrom"}}
	if _, err := OpenERP(context.Background(), spec, env); err == nil || !strings.Contains(err.Error(), "no date filter") {
		t.Errorf("incremental invoices: %v", err)
	}
}

// TestAccountingDataPeriodAndTotals: from/to ask the server for the
// merchant's month (a second wider) and the source keeps it exactly; each
// document carries its sums per rate, credit notes and cancellations
// negative; include: lineitems reads the embedded booking lines without a
// request of their own.
func TestAccountingDataPeriodAndTotals(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: accountingSeed(), Validate: true, Validator: contract.Validator{}})
	defer srv.Close()
	var all erptest.PagedList[erptest.AccountingData]
	c := newClient(t, srv.URL)
	if err := c.Get(context.Background(), "/accountingData", map[string][]string{"pageSize": {"1000"}}, &all); err != nil {
		t.Fatal(err)
	}
	for _, tz := range []string{"Europe/Berlin", "UTC"} {
		t.Run(tz, func(t *testing.T) {
			loc := mustLoc(tz)
			from, to := time.Date(2025, 5, 1, 0, 0, 0, 0, loc), time.Date(2025, 6, 1, 0, 0, 0, 0, loc)
			env := testEnv(t, c)
			src := openSource(t, pipeline.SourceSpec{Resource: "accountingData", PageSize: 20, TimeZone: tz,
				Filters: map[string]string{"from": "start of last month", "to": "end of last month"}}, env)
			defer src.Close()
			recs := drain(t, src)
			want := map[string]erptest.AccountingData{}
			for _, d := range all.Items {
				if !d.DocumentDate.Before(from) && d.DocumentDate.Before(to) {
					want[d.DocumentNumber] = d
				}
			}
			if len(recs) != len(want) || len(want) < 50 {
				t.Fatalf("%d documents, want %d", len(recs), len(want))
			}
			negative := 0
			for _, r := range recs {
				d, ok := want[get(t, r, "DocumentNumber")]
				if !ok {
					t.Fatalf("%s is outside the period", get(t, r, "DocumentNumber"))
				}
				sign := decimal.NewFromInt(1)
				if d.Type == erptest.DocInvoiceCorrection || d.Type == erptest.DocInvoiceCancellation {
					sign = sign.Neg()
					negative++
				}
				gross, byRate := decimal.Zero, map[string]decimal.Decimal{}
				for _, l := range d.AccountDataLineItems {
					gross = gross.Add(l.TotalGrossAmount.Decimal)
					byRate[l.VatRate.String()] = byRate[l.VatRate.String()].Add(l.VatAmount.Decimal)
				}
				if got := get(t, r, "Totals.TotalGrossAmount"); got != gross.Mul(sign).StringFixed(2) {
					t.Errorf("%s: Totals.TotalGrossAmount %s, want %s", d.DocumentNumber, got, gross.Mul(sign).StringFixed(2))
				}
				for rate, vat := range byRate {
					if got := get(t, r, "Totals.ByRate."+rate+".VatAmount"); got != vat.Mul(sign).StringFixed(2) {
						t.Errorf("%s: VAT at %s %%: %s, want %s", d.DocumentNumber, rate, got, vat.Mul(sign).StringFixed(2))
					}
				}
			}
			if negative == 0 {
				t.Error("no credit note or cancellation in the month")
			}
			p := params(src.Parameters())
			if !strings.Contains(p["Period"], "DocumentDate, "+tz) {
				t.Errorf("period %q", p["Period"])
			}

			// the same month with its booking lines, one record each
			src = openSource(t, pipeline.SourceSpec{Resource: "accountingData", Include: "lineitems", PageSize: 20, TimeZone: tz,
				Filters: map[string]string{"from": "start of last month", "to": "end of last month"}}, env)
			defer src.Close()
			lines := drain(t, src)
			wantLines := 0
			for _, d := range want {
				wantLines += len(d.AccountDataLineItems)
			}
			if len(lines) != wantLines || src.Requests() != int64((len(want)+19)/20) && src.Requests() != int64((len(want)+19)/20+1) {
				t.Errorf("%d lines in %d requests, want %d lines, one request per page", len(lines), src.Requests(), wantLines)
			}
			if get(t, lines[0], "LineItem.SortOrder") != "1" || get(t, lines[0], "LineItem.VatRate") == "<missing>" {
				t.Errorf("first line %v", lines[0].LineItem)
			}
		})
	}
	// Berlin's May starts two hours before UTC's: the document of 1 May
	// 00:00 Berlin is April's in UTC.
	if v := srv.ContractViolations(); len(v) > 0 {
		t.Errorf("contract: %v", v)
	}
}

// TestAccountingDataIncremental: from feeds a watermark on DocumentDate; a
// second run exports only the documents added since.
func TestAccountingDataIncremental(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: accountingSeed()})
	defer srv.Close()
	c := newClient(t, srv.URL)
	env := testEnv(t, c)
	spec := pipeline.SourceSpec{Resource: "accountingData", Filters: map[string]string{"from": "start of last month"},
		Incremental: &pipeline.IncrementalSpec{Field: "from", Key: "DocumentNumber"}}
	first := runInc(t, env, spec, true)
	if first.rows < 50 {
		t.Fatalf("first run: %d documents", first.rows)
	}
	createOrder(t, c, time.Date(2025, 7, 10, 9, 0, 0, 0, time.UTC), "Neu GmbH") // after every generated document
	second := runInc(t, env, spec, true)
	if second.rows != 1 {
		t.Errorf("second run: %d documents, want the new invoice", second.rows)
	}
}
