package sinks

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/xuri/excelize/v2"
)

// jobs/orders-lines.yaml: the rows of an order, wherever they are in the
// file, make one order with its lines in file order and a shipping line;
// an order with a bad row fails whole and errors.xlsx holds all its rows.
func TestERPOrderRowsPerLineItem(t *testing.T) {
	registerERPJobTypes()
	srv, c := erpJobServer(t)
	job, err := pipeline.LoadJob("../jobs/orders-lines.yaml", pipeline.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	reports := t.TempDir()
	sum, err := pipeline.Run(context.Background(), job, pipeline.RunOptions{Conn: c, Resolver: erp.NewLookups(c), ReportDir: reports, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 8 || sum.Failed != 3 {
		t.Fatalf("summary %+v", sum)
	}
	want := map[string][]string{
		"MP-24001": {"ACME-1001", "ACME-1002", "ACME-1007", "Versandkosten"},
		"MP-24002": {"ACME-1004", "ACME-1016", "Versandkosten"}, // free shipping is a line at 0
		"MP-24003": {"ACME-1005", "ACME-1010", "Versandkosten"},
		"MP-24004": {"ACME-1008", "Versandkosten"},
		"MP-24005": {"ACME-1011"}, // no shipping cost given: no shipping line; customer by e-mail
		"MP-24008": {"ACME-1019", "ACME-1020", "Versandkosten"},
		"MP-24009": {"ACME-1020", "Versandkosten"},
		"MP-24010": {"ACME-1022", "Versandkosten"},
	}
	for ext, skus := range want {
		o, ok := findOrder(srv, ext)
		if !ok {
			t.Errorf("%s not created", ext)
			continue
		}
		var got []string
		for _, l := range srv.LineItems(o.Id) {
			if l.SKU != "" {
				got = append(got, l.SKU)
			} else {
				got = append(got, l.Name)
			}
		}
		if strings.Join(got, ",") != strings.Join(skus, ",") {
			t.Errorf("%s lines %v, want %v", ext, got, skus)
		}
	}
	o1, _ := findOrder(srv, "MP-24001")
	lines := srv.LineItems(o1.Id)
	if !lines[1].Quantity.Equal(erptest.D("2")) || !lines[1].SalesPriceGross.Equal(erptest.D("19.95")) || !lines[3].SalesPriceGross.Equal(erptest.D("4.90")) || !lines[3].Quantity.Equal(erptest.D("1")) {
		t.Errorf("MP-24001 lines: %+v", lines)
	}
	if o5, _ := findOrder(srv, "MP-24005"); o5.CustomerId != 2 {
		t.Errorf("MP-24005: customer %d, want 2 (K10002 by its e-mail)", o5.CustomerId)
	}
	// first-time buyers: one customer for Anna's two orders, one for Lukas
	o8, _ := findOrder(srv, "MP-24008")
	o9, _ := findOrder(srv, "MP-24009")
	o10, _ := findOrder(srv, "MP-24010")
	if o8.CustomerId == 0 || o8.CustomerId != o9.CustomerId || o10.CustomerId == o8.CustomerId || o10.CustomerId == 0 {
		t.Errorf("new customers: MP-24008 %d, MP-24009 %d, MP-24010 %d", o8.CustomerId, o9.CustomerId, o10.CustomerId)
	}
	byMail := map[string]int{}
	for _, c := range srv.Customers() {
		byMail[c.BillingAddress.EmailAddress]++
		if c.BillingAddress.EmailAddress == "anna.koenig@example.net" && (c.BillingAddress.City != "München" || c.CustomerGroupId != 1 || c.LanguageIso != "DE") {
			t.Errorf("new customer %+v", c)
		}
	}
	if byMail["anna.koenig@example.net"] != 1 || byMail["lukas.maier@example.at"] != 1 {
		t.Errorf("customers by e-mail: %v", byMail)
	}
	for _, ext := range []string{"MP-24006", "MP-24007", "MP-24011"} {
		if _, ok := findOrder(srv, ext); ok {
			t.Errorf("%s was created", ext)
		}
	}
	// errors.xlsx: both rows of MP-24006 and the row of MP-24007
	f, err := excelize.OpenFile(filepath.Join(reports, "errors.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows[1:] {
		if len(r) > 10 && strings.HasPrefix(r[0], "MP-") {
			got = append(got, r[0]+"/"+r[10])
			if r[0] == "MP-24007" && !strings.Contains(r[len(r)-1], `no customer "K99999"`) {
				t.Errorf("MP-24007: %s", r[len(r)-1])
			}
			if r[0] == "MP-24011" && !strings.Contains(r[len(r)-1], `says "K10001", row 13 "K10003": the rows of one group must agree`) {
				t.Errorf("MP-24011: %s", r[len(r)-1])
			}
		}
	}
	if strings.Join(got, ",") != "MP-24006/ACME-1013,MP-24006/ACME-1014,MP-24007/ACME-1017,MP-24011/ACME-1023,MP-24011/ACME-1025" {
		t.Errorf("errors.xlsx rows %v (all: %v)", got, rows)
	}
}

// Lost answers (the write done, the answer a 500/504) on every kind of
// write of the row-per-line job: each order, line list and new customer
// exists once, and a second run writes nothing.
func TestERPOrderRowsLostAnswers(t *testing.T) {
	registerERPJobTypes()
	seed, err := erptest.LoadSeed("../samples/wawi-seed.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := erptest.NewServer(erptest.Options{Seed: seed, Validate: true, LostWriteRate: 0.4, Rand: rand.New(rand.NewPCG(5, 6))})
	t.Cleanup(srv.Close)
	c, err := erp.New(erp.Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client(), BackoffInitial: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	job, err := pipeline.LoadJob("../jobs/orders-lines.yaml", pipeline.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	run := func() *pipeline.Summary {
		sum, err := pipeline.Run(context.Background(), job, pipeline.RunOptions{Conn: c, Resolver: erp.NewLookups(c), ReportDir: t.TempDir(), StateDir: state, Force: true})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	sum := run()
	if sum.Created != 8 || sum.Failed != 3 {
		t.Fatalf("summary: created %d failed %d", sum.Created, sum.Failed)
	}
	lost := srv.Counters().LostWrites()
	if lost == 0 {
		t.Fatal("no answer was lost: the test tests nothing")
	}
	byMail := map[string]int{}
	for _, cu := range srv.Customers() {
		byMail[cu.BillingAddress.EmailAddress]++
	}
	orders := map[string]int{}
	for _, o := range srv.Orders() {
		orders[o.ExternalNumber]++
		if n := len(srv.LineItems(o.Id)); n == 0 {
			t.Errorf("%s has no line items", o.ExternalNumber)
		}
	}
	for k, n := range byMail {
		if n != 1 && k != "" {
			t.Errorf("%d customers with e-mail %s", n, k)
		}
	}
	for k, n := range orders {
		if n != 1 {
			t.Errorf("%d orders %s", n, k)
		}
	}
	w := srv.Counters().Writes
	if again := run(); again.Created+again.Updated != 0 || srv.Counters().Writes != w {
		t.Fatalf("second run: created %d updated %d, %d writes", again.Created, again.Updated, srv.Counters().Writes-w)
	}
	t.Logf("%d answers lost", lost)
}
