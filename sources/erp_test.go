package sources

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// testNow is the run's clock: 15 June 2025 in Berlin, so "last month" is May.
var testNow = time.Date(2025, 6, 15, 10, 0, 0, 0, mustLoc("Europe/Berlin"))

func mustLoc(name string) *time.Location {
	loc, err := LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var (
	mayStart = time.Date(2025, 5, 1, 0, 0, 0, 0, mustLoc("Europe/Berlin"))
	juneFrom = time.Date(2025, 6, 1, 0, 0, 0, 0, mustLoc("Europe/Berlin"))
)

const injection = `=cmd|' /C calc'!A0`

// testSeed: generated orders from 1 April to 30 June 2025 plus orders at the
// edges of May in Berlin (listed last: lists are ordered by Id), one without
// line items and one whose customer's company is a formula.
func testSeed(orders int) *erptest.Seed {
	s := erptest.Generate(erptest.GenConfig{Items: 30, Orders: orders, Seed: 7})
	cust, comp := s.Customers[0], s.Companies[0]
	add := func(at time.Time, company string, lines int) {
		o := erptest.SeedOrder{SalesOrder: erptest.SalesOrder{CustomerId: cust.Id, CompanyId: comp.Id, SalesOrderDate: erptest.T(at),
			BillingAddress: cust.BillingAddress}}
		o.BillingAddress.Company = company
		o.SalesOrderPaymentDetails.PaymentMethodId = 1
		for i := range lines {
			o.LineItems = append(o.LineItems, erptest.SalesOrderLineItem{SKU: s.Items[i].SKU, Quantity: erptest.D("3"),
				SalesPriceGross: erptest.D("11.90"), SalesPriceNet: erptest.D("10.00"), TaxRate: erptest.D("19"), Discount: erptest.D("5")})
		}
		s.Orders = append(s.Orders, o)
	}
	add(mayStart.Add(-time.Millisecond), "Edge April", 1)            // 30 April 23:59:59.999 Berlin: out
	add(mayStart, "Edge May first", 2)                               // 1 May 00:00:00 Berlin: in
	add(juneFrom.Add(-100*time.Nanosecond), "Edge May last", 1)      // 31 May 23:59:59.9999999: in
	add(juneFrom, "Edge June", 1)                                    // 1 June 00:00: out
	add(time.Date(2025, 5, 20, 9, 0, 0, 0, time.UTC), "No lines", 0) // in, one row without a line item
	add(time.Date(2025, 5, 21, 9, 0, 0, 0, time.UTC), injection, 1)  // in
	return s
}

func newClient(t testing.TB, baseURL string) *erp.Client {
	t.Helper()
	c, err := erp.New(erp.Config{BaseURL: baseURL, APIKey: "test-key", BackoffInitial: time.Millisecond, BackoffMax: 5 * time.Millisecond,
		MaxElapsed: 3 * time.Second, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testEnv(t testing.TB, c *erp.Client) *pipeline.Env {
	return &pipeline.Env{Conn: c, Concurrency: 4, JobName: "orders", StateDir: t.TempDir(), JobDir: t.TempDir(),
		Now: func() time.Time { return testNow }}
}

func lastMonth() map[string]string {
	return map[string]string{"createdSince": "start of last month", "createdUntil": "end of last month"}
}

func openSource(t testing.TB, spec pipeline.SourceSpec, env *pipeline.Env) *ERPSource {
	t.Helper()
	if spec.Type == "" {
		spec.Type = "erp"
	}
	src, err := OpenERP(context.Background(), &spec, env)
	if err != nil {
		t.Fatal(err)
	}
	return src.(*ERPSource)
}

func drain(t testing.TB, src pipeline.Source) []*record.Record {
	t.Helper()
	recs, err := drainErr(src)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func drainErr(src pipeline.Source) ([]*record.Record, error) {
	var out []*record.Record
	for {
		r, err := src.Next(context.Background())
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
}

// inMay lists the emulator's orders of May in Berlin, in list order.
func inMay(srv *erptest.Server) []erptest.SalesOrder {
	var out []erptest.SalesOrder
	for _, o := range srv.Orders() {
		if !o.SalesOrderDate.Before(mayStart) && o.SalesOrderDate.Before(juneFrom) {
			out = append(out, o)
		}
	}
	return out
}

func get(t testing.TB, r *record.Record, path string) string {
	t.Helper()
	v, ok := r.Lookup(path)
	if !ok {
		return "<missing>"
	}
	switch v := v.(type) {
	case nil:
		return "<nil>"
	case string:
		return v
	case json.Number:
		return string(v)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestERPSourceLastMonth(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: testSeed(300)})
	defer srv.Close()
	env := testEnv(t, newClient(t, srv.URL))
	src := openSource(t, pipeline.SourceSpec{Resource: "salesOrders", Filters: lastMonth(), PageSize: 10}, env)
	defer src.Close()
	if src.Header() != nil {
		t.Error("a document source has no header")
	}
	recs := drain(t, src)
	want := inMay(srv)
	if len(want) < 50 {
		t.Fatalf("test data: only %d orders in May", len(want))
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want the %d orders of May", len(recs), len(want))
	}
	companies := map[string]bool{}
	for i, r := range recs {
		if r.Row != i+1 || r.Seq != int64(i) {
			t.Fatalf("record %d: Row %d Seq %d", i, r.Row, r.Seq)
		}
		if got := get(t, r, "Number"); got != want[i].Number {
			t.Fatalf("record %d is %s, want %s (list order)", i, got, want[i].Number)
		}
		if _, ok := r.Doc["Id"].(json.Number); !ok {
			t.Fatalf("Id is %T, want json.Number", r.Doc["Id"])
		}
		// dates come in the merchant's zone; "not set" is nil
		d := get(t, r, "SalesOrderDate")
		if !strings.HasSuffix(d, "+02:00") {
			t.Fatalf("SalesOrderDate %s is not in Berlin summer time", d)
		}
		if at, _ := time.Parse(time.RFC3339Nano, d); !at.Equal(want[i].SalesOrderDate.Time) {
			t.Fatalf("SalesOrderDate %s, want the instant %v", d, want[i].SalesOrderDate)
		}
		if v := get(t, r, "CancellationDetails.Date"); !want[i].IsCancelled && v != "<nil>" {
			t.Fatalf("an unset date should be nil, got %s", v)
		}
		companies[get(t, r, "BillingAddress.Company")] = true
	}
	for _, c := range []string{"Edge May first", "Edge May last", "No lines", injection} {
		if !companies[c] {
			t.Errorf("order %q is missing", c)
		}
	}
	for _, c := range []string{"Edge April", "Edge June"} {
		if companies[c] {
			t.Errorf("order %q is outside May but was exported", c)
		}
	}
	if n := src.Requests(); n < int64(len(want)/10) {
		t.Errorf("Requests() = %d", n)
	}
}

// The API says only "created after/before this date". Whether the server
// includes its bounds or not, the source keeps exactly May.
func TestERPSourceBoundsWhateverTheServerMeans(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: testSeed(50)})
	defer srv.Close()
	// A Wawi that reads "after" and "before" strictly: shift the emulator's
	// inclusive bounds inwards by one tick.
	var sawSince, sawUntil atomic.Value
	strict := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		for _, p := range []struct {
			name  string
			shift time.Duration
			saw   *atomic.Value
		}{{"createdSince", 100, &sawSince}, {"createdUntil", -100, &sawUntil}} {
			if v := q.Get(p.name); v != "" {
				p.saw.Store(v)
				at, err := erptest.ParseTime(v)
				if err != nil {
					t.Errorf("%s=%s: %v", p.name, v, err)
				}
				q.Set(p.name, at.Add(p.shift).Format(time.RFC3339Nano))
			}
		}
		r.URL.RawQuery = q.Encode()
		srv.Emulator.ServeHTTP(w, r)
	})
	ts := httptest.NewServer(strict)
	defer ts.Close()
	for name, base := range map[string]string{"inclusive": srv.URL, "exclusive": ts.URL + erptest.BasePath} {
		env := testEnv(t, newClient(t, base))
		src := openSource(t, pipeline.SourceSpec{Resource: "salesOrders", Filters: lastMonth()}, env)
		recs := drain(t, src)
		src.Close()
		got := map[string]bool{}
		for _, r := range recs {
			got[get(t, r, "BillingAddress.Company")] = true
		}
		if len(recs) != len(inMay(srv)) || !got["Edge May first"] || !got["Edge May last"] || got["Edge April"] || got["Edge June"] {
			t.Errorf("%s server: %d records (want %d), edges %v", name, len(recs), len(inMay(srv)), got)
		}
	}
	// what went over the wire: the merchant's offset, a second of slack
	if v, _ := sawSince.Load().(string); v != "2025-04-30T23:59:59+02:00" {
		t.Errorf("createdSince sent as %q", v)
	}
	if v, _ := sawUntil.Load().(string); v != "2025-06-01T00:00:01+02:00" {
		t.Errorf("createdUntil sent as %q", v)
	}
}

func TestERPSourceLineItems(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: testSeed(200), Latency: time.Millisecond, Jitter: time.Millisecond})
	defer srv.Close()
	env := testEnv(t, newClient(t, srv.URL))
	src := openSource(t, pipeline.SourceSpec{Resource: "salesOrders", Include: "LineItems", Filters: lastMonth(), PageSize: 7}, env)
	defer src.Close()
	recs := drain(t, src)
	orders := inMay(srv)
	i := 0
	for doc, o := range orders {
		lines := srv.LineItems(o.Id)
		if len(lines) == 0 {
			r := recs[i]
			i++
			if get(t, r, "Number") != o.Number || get(t, r, "LineItem") != "{}" || get(t, r, "LineTotal") != "<missing>" {
				t.Errorf("order %s without lines: %v", o.Number, r.View())
			}
			if r.Document != doc+1 || r.Line != 0 {
				t.Errorf("order %s without lines: document %d line %d, want %d 0", o.Number, r.Document, r.Line, doc+1)
			}
			continue
		}
		gross := decimal.Zero
		for k, l := range lines {
			if i >= len(recs) {
				t.Fatalf("only %d records", len(recs))
			}
			r := recs[i]
			i++
			if r.Document != doc+1 || r.Line != k+1 {
				t.Fatalf("order %s line %d: document %d line %d, want %d %d", o.Number, k+1, r.Document, r.Line, doc+1, k+1)
			}
			if get(t, r, "Number") != o.Number || get(t, r, "LineItem.Id") != decimal.NewFromInt(int64(l.Id)).String() ||
				get(t, r, "LineItem.SKU") != l.SKU || !decimal.RequireFromString(get(t, r, "LineItem.Quantity")).Equal(l.Quantity.Decimal) {
				t.Fatalf("record %d: order %s line %d %s × %s, got %s line %s %s × %s", i, o.Number, l.Id, l.SKU, l.Quantity,
					get(t, r, "Number"), get(t, r, "LineItem.Id"), get(t, r, "LineItem.SKU"), get(t, r, "LineItem.Quantity"))
			}
			g, err := decimal.NewFromString(get(t, r, "LineTotal.Gross"))
			if err != nil {
				t.Fatal(err)
			}
			gross = gross.Add(g)
		}
		if !gross.Equal(o.SalesOrderPaymentDetails.TotalGrossAmount.Decimal) {
			t.Errorf("order %s: line gross totals add up to %s, TotalGrossAmount is %s", o.Number, gross, o.SalesOrderPaymentDetails.TotalGrossAmount)
		}
	}
	if i != len(recs) {
		t.Errorf("%d records, want %d", len(recs), i)
	}
	if n := srv.Counters().Route("GET /salesOrders/{salesOrderId}/lineitems"); n != int64(len(orders)) {
		t.Errorf("%d line item requests for %d orders", n, len(orders))
	}
	p := params(src.Parameters())
	if p["Documents"] != decimal.NewFromInt(int64(len(orders))).String() || p["Records (one per line item)"] != decimal.NewFromInt(int64(len(recs))).String() {
		t.Errorf("parameters: %v", p)
	}
}

func TestLineTotals(t *testing.T) {
	for _, tc := range []struct{ qty, net, gross, disc, wantNet, wantGross string }{
		{"3", "10.00", "11.90", "5", "28.50", "33.92"}, // 33.915 → 33.92
		{"1", "0.0042", "0.005", "0", "0.00", "0.01"},
		{"2.5", "4.2017", "5", "", "10.50", "12.50"},
		{"-1", "10", "11.90", "0", "-10.00", "-11.90"},
		{"1", "-0.005", "", "", "-0.01", ""}, // half away from zero
	} {
		line := map[string]any{"Quantity": json.Number(tc.qty), "SalesPriceNet": json.Number(tc.net)}
		if tc.gross != "" {
			line["SalesPriceGross"] = json.Number(tc.gross)
		}
		if tc.disc != "" {
			line["Discount"] = json.Number(tc.disc)
		}
		got := lineTotals(line)
		if g, _ := got["Net"].(json.Number); string(g) != tc.wantNet {
			t.Errorf("%+v: Net %v", tc, got["Net"])
		}
		if g, _ := got["Gross"].(json.Number); string(g) != tc.wantGross {
			t.Errorf("%+v: Gross %v", tc, got["Gross"])
		}
	}
}

func params(p [][2]string) map[string]string {
	m := map[string]string{}
	for _, kv := range p {
		m[kv[0]] = kv[1]
	}
	return m
}

func TestERPSourceParameters(t *testing.T) {
	env := testEnv(t, nil)
	env.DryRun = true
	src := openSource(t, pipeline.SourceSpec{Resource: "salesOrders", Filters: map[string]string{
		"createdSince": "start of last month", "createdUntil": "end of last month", "isCancelled": "False", "customerId": "17",
		"deliveredDate": "yesterday", "salesChannelId": "1-1-1"}}, env)
	p := params(src.Parameters())
	want := map[string]string{
		"Resource":       "salesOrders",
		"Time zone":      "Europe/Berlin",
		"createdSince":   "01.05.2025 00:00:00 (start of last month)",
		"createdUntil":   "31.05.2025 up to 23:59:59, whole day included (end of last month)",
		"isCancelled":    "false",
		"customerId":     "17",
		"deliveredDate":  "14.06.2025 (yesterday)",
		"salesChannelId": "1-1-1",
		"Period":         "01.05.2025 – 31.05.2025 (SalesOrderDate, Europe/Berlin)",
		"Documents":      "0",
	}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s = %q, want %q", k, p[k], v)
		}
	}
	q := src.query
	if q.Get("deliveredDate") != "2025-06-14" || q.Get("isCancelled") != "false" || q.Get("customerId") != "17" {
		t.Errorf("query %v", q)
	}
	// a dry run without a connection opens (etl validate) but cannot list
	if _, err := src.Next(context.Background()); err == nil || !strings.Contains(err.Error(), "Wawi connection") {
		t.Errorf("Next without a client: %v", err)
	}
}

func TestERPSourceSpecErrors(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:1/api")
	for _, tc := range []struct {
		spec pipeline.SourceSpec
		want string
	}{
		{pipeline.SourceSpec{}, "source.resource is required"},
		{pipeline.SourceSpec{Resource: "orders"}, `"orders" is unknown (known: accountingData, availabilities, categories, companies`},
		{pipeline.SourceSpec{Resource: "salesOrders/lineitems"}, "is unknown"},
		{pipeline.SourceSpec{Resource: "salesOrders", Include: "payments"}, "salesOrders can include lineitems"},
		{pipeline.SourceSpec{Resource: "customers", Include: "lineitems"}, "customers has no sub-resources"},
		{pipeline.SourceSpec{Resource: "salesOrders", Filters: map[string]string{"createdAfter": "today"}},
			"salesOrders has no filter createdAfter; the API declares: salesOrderNumber, externalOrderNumber"},
		{pipeline.SourceSpec{Resource: "salesOrders", Filters: map[string]string{"customerId": "abc"}}, `filters.customerId: "abc" is not an integer`},
		{pipeline.SourceSpec{Resource: "salesOrders", Filters: map[string]string{"isCancelled": "nope"}}, "not true or false"},
		{pipeline.SourceSpec{Resource: "salesOrders", Filters: map[string]string{"createdSince": "last tuesday"}}, "filters.createdSince: date"},
		{pipeline.SourceSpec{Resource: "salesOrders", TimeZone: "Europe/Bonn"}, `source.time_zone "Europe/Bonn"`},
		{pipeline.SourceSpec{Resource: "salesOrders", Incremental: &pipeline.IncrementalSpec{Field: "createdUntil"}},
			"incremental.field \"createdUntil\": use a date filter of salesOrders: createdSince"},
		{pipeline.SourceSpec{Resource: "companies", Incremental: &pipeline.IncrementalSpec{Field: "x"}}, "companies has no date filter"},
		{pipeline.SourceSpec{Resource: "stocks", Incremental: &pipeline.IncrementalSpec{Field: "x"}}, "stocks has no date filter"},
	} {
		_, err := OpenERP(context.Background(), &tc.spec, testEnv(t, c))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.spec, err, tc.want)
		}
	}
	// filters are matched like the server does, ignoring case, and sent in
	// the spec's spelling
	src := openSource(t, pipeline.SourceSpec{Resource: "SalesOrders", Filters: map[string]string{"CUSTOMERID": "5"}}, testEnv(t, c))
	if src.query.Get("customerId") != "5" {
		t.Errorf("query %v", src.query)
	}
	// no connection outside a dry run
	env := testEnv(t, nil)
	if _, err := OpenERP(context.Background(), &pipeline.SourceSpec{Resource: "items"}, env); err == nil {
		t.Error("opened without a connection")
	}
}

// 503s and 429s in the middle of paging are retried by the client; the
// export is complete and in order.
func TestERPSourceRetriesFaults(t *testing.T) {
	// 503s come from the emulator; 429s from a proxy that refuses every
	// fourth request, however fast the client goes (the emulator's budget
	// is never hit by a client that paces itself, or on a slow machine).
	for _, name := range []string{"503", "429"} {
		t.Run(name, func(t *testing.T) {
			opts := erptest.Options{Seed: testSeed(300), Rand: rand.New(rand.NewPCG(1, 2))}
			if name == "503" {
				opts.FailRate = 0.3
			}
			srv := erptest.NewServer(opts)
			defer srv.Close()
			url, refused := srv.URL, &atomic.Int64{}
			if name == "429" {
				ts := every4th429(srv, refused)
				defer ts.Close()
				url = ts.URL + erptest.BasePath
			}
			// A budget of attempts, not of time: every fourth request is
			// refused however slowly the client goes, and under the race
			// detector on a loaded machine three seconds can pass.
			cl, err := erp.New(erp.Config{BaseURL: url, APIKey: "test-key", BackoffInitial: time.Millisecond, BackoffMax: 5 * time.Millisecond,
				MaxElapsed: time.Minute, MaxAttempts: 12, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			env := testEnv(t, cl)
			src := openSource(t, pipeline.SourceSpec{Resource: "salesOrders", Include: "lineitems", Filters: lastMonth(), PageSize: 10}, env)
			defer src.Close()
			recs := drain(t, src)
			want := 0
			for _, o := range inMay(srv) {
				want += max(1, len(srv.LineItems(o.Id)))
			}
			if len(recs) != want {
				t.Errorf("%d records, want %d", len(recs), want)
			}
			c := srv.Counters()
			if c.FailedWithoutActing()+refused.Load() == 0 {
				t.Error("no fault was injected")
			}
			t.Logf("%d records; emulator: %d failed, %d answered 429; client retries %d", len(recs), c.FailedWithoutActing(), refused.Load(), env.Conn.(*erp.Client).Stats().Retries)
		})
	}
}

// every4th429 serves the emulator but answers every fourth API request 429
// with Retry-After: 0, counting them in refused.
func every4th429(srv *erptest.Server, refused *atomic.Int64) *httptest.Server {
	var n atomic.Int64
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%4 == 0 {
			refused.Add(1)
			w.Header().Set("Retry-After", "0")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"ErrorCode":"TooManyRequests","ErrorMessage":"slow down"}`))
			return
		}
		srv.Emulator.ServeHTTP(w, r)
	}))
}

// failAfter serves the emulator until n list pages were served, then
// answers 503 to everything.
func failAfter(srv *erptest.Server, n int64) *httptest.Server {
	var pages atomic.Int64
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/salesOrders") && pages.Add(1) > n {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"ErrorCode":"Unavailable","ErrorMessage":"down for maintenance"}`))
			return
		}
		srv.Emulator.ServeHTTP(w, r)
	}))
}

// A listing that cannot finish is an error from Next, and Commit refuses to
// move the watermark.
func TestERPSourceCannotFinish(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: testSeed(300)})
	defer srv.Close()
	ts := failAfter(srv, 3)
	defer ts.Close()
	env := testEnv(t, newClient(t, ts.URL+erptest.BasePath))
	spec := pipeline.SourceSpec{Resource: "salesOrders", Filters: lastMonth(), PageSize: 10,
		Incremental: &pipeline.IncrementalSpec{Field: "createdSince"}}
	src := openSource(t, spec, env)
	recs, err := drainErr(src)
	if err == nil || erp.StatusOf(err) != http.StatusServiceUnavailable {
		t.Fatalf("after %d records: %v, want the 503", len(recs), err)
	}
	if len(recs) > 30 {
		t.Errorf("%d records from 3 pages of 10", len(recs))
	}
	if _, err2 := src.Next(context.Background()); err2 == nil {
		t.Error("Next after a fatal error must keep failing")
	}
	if err := src.Commit(); err == nil {
		t.Error("Commit after a failed listing")
	}
	src.Close()
	if _, err := os.Stat(WatermarkPath(env.StateDir, env.JobName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a watermark was written: %v", err)
	}
}

// The source streams: a consumer that stops reading stops the fetching, so
// memory does not grow with the list.
func TestERPSourceBackpressure(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: testSeed(2000)})
	defer srv.Close()
	env := testEnv(t, newClient(t, srv.URL))
	env.Concurrency = 4
	src := openSource(t, pipeline.SourceSpec{Resource: "salesOrders", Include: "lineitems", PageSize: 10}, env)
	defer src.Close()
	if _, err := src.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	c := srv.Counters()
	pages, lines := c.Route("GET /salesOrders"), c.Route("GET /salesOrders/{salesOrderId}/lineitems")
	// 200 pages and 2000 orders exist; read-ahead is a few pages and a few
	// dozen orders
	if pages > 20 || lines > 60 {
		t.Errorf("after one record the source fetched %d pages and %d line item lists", pages, lines)
	}
	t.Logf("read-ahead after one record: %d pages, %d line item lists", pages, lines)
	start := time.Now()
	src.Close() // stops the fetchers in flight
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
}

// Close during a listing returns promptly, and so does a cancelled Next.
func TestERPSourceCancel(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: testSeed(500), Latency: 50 * time.Millisecond})
	defer srv.Close()
	env := testEnv(t, newClient(t, srv.URL))
	src := openSource(t, pipeline.SourceSpec{Resource: "salesOrders", Include: "lineitems", PageSize: 10}, env)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	var err error
	for err == nil {
		_, err = src.Next(ctx)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Next: %v", err)
	}
	src.Close()
}

func TestNormalizeDates(t *testing.T) {
	loc := mustLoc("Europe/Berlin")
	doc, err := parseDoc([]byte(`{
		"A": "2025-04-30T22:30:00.0000000+00:00",
		"B": "0001-01-01T00:00:00.0000000+00:00",
		"C": "0001-01-01T00:00:00",
		"D": "2025-01-15T13:00:00Z",
		"E": "2025-01-15T13:00:00",
		"F": "AU-2025-01-15",
		"G": {"H": "2025-12-31T23:30:00-01:00"},
		"I": [{"J": "2025-06-01T00:00:00+02:00"}, "x", "2025-06-01T00:00:00.1234567+02:00"],
		"K": 5,
		"L": "2025-06-01T00:00:00.0000000+02:00",
		"2025-06-01T00:00:00Z": "keys stay"
	}`), loc)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"A":                    "2025-05-01T00:30:00.0000000+02:00",
		"B":                    nil,
		"C":                    nil,
		"D":                    "2025-01-15T14:00:00.0000000+01:00",
		"E":                    "2025-01-15T13:00:00", // no offset: left as it is
		"F":                    "AU-2025-01-15",
		"G":                    map[string]any{"H": "2026-01-01T01:30:00.0000000+01:00"},
		"I":                    []any{map[string]any{"J": "2025-06-01T00:00:00.0000000+02:00"}, "x", "2025-06-01T00:00:00.1234567+02:00"},
		"K":                    json.Number("5"),
		"L":                    "2025-06-01T00:00:00.0000000+02:00",
		"2025-06-01T00:00:00Z": "keys stay",
	}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("got  %v\nwant %v", doc, want)
	}
}

// The query a job's filters become, for the record.
func TestERPSourceQuery(t *testing.T) {
	env := testEnv(t, newClient(t, "http://127.0.0.1:1/api"))
	src := openSource(t, pipeline.SourceSpec{Resource: "items", Filters: map[string]string{"changedSince": "-7d"}}, env)
	if got := src.query.Encode(); got != (url.Values{"changedSince": {"2025-06-07T23:59:59+02:00"}}).Encode() {
		t.Errorf("query %s", got)
	}
	src = openSource(t, pipeline.SourceSpec{Resource: "customers", Filters: map[string]string{"number": "K-1"}, TimeZone: "UTC"}, env)
	if got := src.query.Encode(); got != "number=K-1" {
		t.Errorf("query %s", got)
	}
	// an instant is taken as given
	src = openSource(t, pipeline.SourceSpec{Resource: "salesOrders", Filters: map[string]string{"createdSince": "2025-05-01T10:30:00Z"}}, env)
	if !src.lower.Equal(time.Date(2025, 5, 1, 10, 30, 0, 0, time.UTC)) || src.query.Get("createdSince") != "2025-05-01T12:29:59+02:00" {
		t.Errorf("lower %v query %v", src.lower, src.query)
	}
	// ISO dates, German dates
	src = openSource(t, pipeline.SourceSpec{Resource: "salesOrders", Filters: map[string]string{"createdSince": "01.03.2025", "createdUntil": "2025-03-31"}}, env)
	if src.period() != "01.03.2025 – 31.03.2025 (SalesOrderDate, Europe/Berlin)" {
		t.Errorf("period %s", src.period())
	}
}

// Every listable resource exports, paged (items, customers, stocks) or a
// plain array (companies, payment methods).
func TestERPSourceOtherResources(t *testing.T) {
	seed := testSeed(50)
	srv := erptest.NewServer(erptest.Options{Seed: seed})
	defer srv.Close()
	env := testEnv(t, newClient(t, srv.URL))
	for res, want := range map[string]int{
		"items": len(srv.Items()), "customers": len(srv.Customers()), "stocks": len(srv.StockRows()),
		"companies": len(seed.Companies), "paymentMethods": len(seed.PaymentMethods), "categories": len(srv.Categories()),
	} {
		src := openSource(t, pipeline.SourceSpec{Resource: res, PageSize: 7}, env)
		recs := drain(t, src)
		src.Close()
		if len(recs) != want || want == 0 {
			t.Errorf("%s: %d records, want %d", res, len(recs), want)
		}
	}
	// items changed in the last 30 days of the emulator's clock
	src := openSource(t, pipeline.SourceSpec{Resource: "items", Filters: map[string]string{"changedSince": "2025-06-01"}}, env)
	recs := drain(t, src)
	src.Close()
	n := 0
	for _, it := range srv.Items() {
		if !it.Changed.Before(juneFrom) {
			n++
		}
	}
	if len(recs) != n || n == 0 || n == len(srv.Items()) {
		t.Errorf("items changed since 1 June: %d, want %d of %d", len(recs), n, len(srv.Items()))
	}
}
