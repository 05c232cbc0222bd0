package sinks

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

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
	if sum.Created != 5 || sum.Failed != 2 {
		t.Fatalf("summary %+v", sum)
	}
	want := map[string][]string{
		"MP-24001": {"ACME-1001", "ACME-1002", "ACME-1007", "Versandkosten"},
		"MP-24002": {"ACME-1004", "ACME-1016", "Versandkosten"}, // free shipping is a line at 0
		"MP-24003": {"ACME-1005", "ACME-1010", "Versandkosten"},
		"MP-24004": {"ACME-1008", "Versandkosten"},
		"MP-24005": {"ACME-1011"}, // no shipping cost given: no shipping line; customer by e-mail
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
	for _, ext := range []string{"MP-24006", "MP-24007"} {
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
		if len(r) > 3 && strings.HasPrefix(r[0], "MP-") {
			got = append(got, r[0]+"/"+r[3])
		}
	}
	if strings.Join(got, ",") != "MP-24006/ACME-1013,MP-24006/ACME-1014,MP-24007/ACME-1017" {
		t.Errorf("errors.xlsx rows %v (all: %v)", got, rows)
	}
}
