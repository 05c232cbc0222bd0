package sinks

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// erpEnv is an emulator with contract validation, a client recording the
// bodies it sends, and helpers to run the ERP sink on rows.
type erpEnv struct {
	t   *testing.T
	srv *erptest.Server
	c   *erp.Client
	rec *bodyRecorder
}

type sentRequest struct {
	Method, Path, Query string
	Body                string
}

// bodyRecorder keeps what the client sent (after the emulator answered).
type bodyRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []sentRequest
}

func (b *bodyRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	b.mu.Lock()
	b.reqs = append(b.reqs, sentRequest{Method: r.Method, Path: strings.TrimPrefix(r.URL.Path, erptest.BasePath), Query: r.URL.RawQuery, Body: string(body)})
	b.mu.Unlock()
	return b.next.RoundTrip(r)
}

// sent returns the recorded requests of a method whose path starts with prefix.
func (b *bodyRecorder) sent(method, prefix string) []sentRequest {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []sentRequest
	for _, r := range b.reqs {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

type erpEnvOpts struct {
	validate bool // default on through newERPEnv
	pageSize int
	opts     erptest.Options
}

func newERPEnv(t *testing.T, seed *erptest.Seed) *erpEnv {
	t.Helper()
	return newERPEnvWith(t, seed, erpEnvOpts{validate: true})
}

func newERPEnvWith(t *testing.T, seed *erptest.Seed, o erpEnvOpts) *erpEnv {
	t.Helper()
	opts := o.opts
	opts.Seed = seed
	opts.Validate = o.validate
	if opts.Rand == nil {
		opts.Rand = rand.New(rand.NewPCG(7, 11))
	}
	srv := erptest.NewServer(opts)
	rec := &bodyRecorder{next: srv.Client().Transport}
	cfg := erp.Config{BaseURL: srv.URL, APIKey: "test-key", PageSize: o.pageSize,
		HTTPClient: &http.Client{Transport: rec}, BackoffInitial: time.Millisecond, BackoffMax: 5 * time.Millisecond,
		MaxAttempts: 10}
	c, err := erp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &erpEnv{t: t, srv: srv, c: c, rec: rec}
	t.Cleanup(func() {
		srv.Close()
		for _, v := range srv.ContractViolations() {
			t.Errorf("contract violation: %s", v)
		}
	})
	return e
}

// open opens the ERP sink for targets written "Path:type[:Column]".
func (e *erpEnv) open(spec pipeline.SinkSpec, tg []mappings.Target) *ERPSink {
	e.t.Helper()
	s, err := e.openErr(spec, tg)
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

func (e *erpEnv) openErr(spec pipeline.SinkSpec, tg []mappings.Target) (*ERPSink, error) {
	spec.Type = "erp"
	env := &pipeline.Env{Conn: e.c, Targets: tg, Concurrency: 8}
	s, err := OpenERP(context.Background(), &spec, env)
	if err != nil {
		return nil, err
	}
	return s.(*ERPSink), nil
}

func erpItem(tg []mappings.Target, row int, vals []any) *pipeline.Item {
	return &pipeline.Item{Rec: &record.Record{Seq: int64(row - 2), Row: row}, Targets: tg, Values: vals}
}

// planAll plans every row (rows numbered from 2, like a file with a
// header), concurrently when conc > 1, without applying.
func planAll(t *testing.T, s pipeline.Sink, tg []mappings.Target, conc int, rows [][]any) []*pipeline.Plan {
	t.Helper()
	plans := make([]*pipeline.Plan, len(rows))
	forEach(t, len(rows), conc, func(i int) error {
		p, err := s.Plan(context.Background(), erpItem(tg, i+2, rows[i]))
		plans[i] = p
		return err
	})
	return plans
}

// applyAll applies the plans that write, concurrently when conc > 1, and
// returns the Apply errors by row.
func applyAll(t *testing.T, s pipeline.Sink, plans []*pipeline.Plan, conc int) []error {
	t.Helper()
	errs := make([]error, len(plans))
	forEach(t, len(plans), conc, func(i int) error {
		p := plans[i]
		if p.Outcome == pipeline.Created || p.Outcome == pipeline.Updated {
			errs[i] = s.Apply(context.Background(), p)
		}
		return nil
	})
	return errs
}

// runRows plans and applies each row in one go, as the runner's workers do.
func runRows(t *testing.T, s pipeline.Sink, tg []mappings.Target, conc int, rows [][]any) ([]*pipeline.Plan, []error) {
	t.Helper()
	plans := make([]*pipeline.Plan, len(rows))
	errs := make([]error, len(rows))
	forEach(t, len(rows), conc, func(i int) error {
		p, err := s.Plan(context.Background(), erpItem(tg, i+2, rows[i]))
		if err != nil {
			return err
		}
		plans[i] = p
		if p.Outcome == pipeline.Created || p.Outcome == pipeline.Updated {
			errs[i] = s.Apply(context.Background(), p)
		}
		return nil
	})
	return plans, errs
}

func forEach(t *testing.T, n, conc int, f func(i int) error) {
	t.Helper()
	if conc < 1 {
		conc = 1
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, conc)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = f(i)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("row %d: %v", i+2, err)
		}
	}
}

func outcomes(plans []*pipeline.Plan) []string {
	out := make([]string, len(plans))
	for i, p := range plans {
		out[i] = p.Outcome.String()
	}
	return out
}

func noErrors(t *testing.T, errs []error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Errorf("apply row %d: %v", i+2, err)
		}
	}
}

// writes is the number of writes the emulator performed.
func (e *erpEnv) writes() int64 { return e.srv.Counters().Writes }

func (e *erpEnv) route(key string) int64 { return e.srv.Counters().Route(key) }

// baseSeed has two warehouses, categories, a manufacturer, a company,
// customers and a few items with stock.
func baseSeed() *erptest.Seed {
	return &erptest.Seed{
		Warehouses:    []erptest.Warehouse{{Id: 1, Name: "Hauptlager", Code: "HL", IsActive: true}, {Id: 2, Name: "Außenlager", Code: "AL", IsActive: true}},
		Categories:    []erptest.Category{{Id: 1, Name: "Werkzeug"}, {Id: 2, Name: "Zangen", ParentCategoryId: 1}, {Id: 3, Name: "Befestigung"}, {Id: 4, Name: "Zangen", ParentCategoryId: 3}},
		Companies:     []erptest.Company{{Id: 1, Name: "Muster GmbH"}},
		Manufacturers: []erptest.Manufacturer{{Id: 1, Name: "ACME GmbH"}, {Id: 2, Name: "Würth"}},
		PaymentMethods: []erptest.PaymentMethod{{Id: 1, Name: "Rechnung", IsActive: true, IsStandard: true},
			{Id: 2, Name: "PayPal", IsActive: true}},
		Customers: []erptest.Customer{
			{Number: "K1000", CustomerGroupId: 1, LanguageIso: "DE", InternalCompanyId: 1,
				BillingAddress: erptest.Address{Company: "Kunde Eins", City: "Köln", CountryIso: "DE", PostalCode: "50667"}},
			{Number: "K1001", CustomerGroupId: 1, LanguageIso: "DE", InternalCompanyId: 1,
				BillingAddress: erptest.Address{Company: "Kunde Zwei", City: "Bonn", CountryIso: "DE", PostalCode: "53111"}},
		},
		Items: []erptest.Item{
			seedItem("A-1", "Schraube", "4006381000001", "10.00", "5.00"),
			seedItem("A-2", "Mutter", "4006381000002", "2.50", "1.10"),
			seedItem("A-10", "Dübel", "4006381000010", "0.99", "0.40"),
			seedItem("B-1", "Zange", "4006381000099", "19.90", "9.00"),
			seedItem("B-2", "Zange klein", "4006381000099", "14.90", "7.00"), // same GTIN as B-1
		},
		Stock: []erptest.SeedStock{
			{SKU: "A-1", WarehouseId: 1, Quantity: erptest.D("10")},
			{SKU: "A-1", WarehouseId: 2, Quantity: erptest.D("3")},
			{SKU: "A-2", WarehouseId: 1, Quantity: erptest.D("7.5")},
		},
	}
}

func seedItem(sku, name, gtin, price, purchase string) erptest.Item {
	return erptest.Item{SKU: sku, Name: name, Categories: []erptest.CategoryReference{{CategoryId: 1}},
		Identifiers:   erptest.ItemIdentifiers{Gtin: gtin},
		ItemPriceData: erptest.ItemPrice{SalesPriceNet: erptest.D(price), PurchasePriceNet: erptest.D(purchase)}}
}
