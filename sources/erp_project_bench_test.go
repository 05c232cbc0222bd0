package sources

import (
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"slices"
	"testing"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/internal/procstat"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/report"
)

// BenchmarkAccountingPages is the source's CPU per page of GET
// /accountingData in jobs/datev-export.yaml (decoding, totals, one record
// per booking line), whole and projected, the pages read beforehand:
//
//	go test -run XXX -bench AccountingPages ./sources/
func BenchmarkAccountingPages(b *testing.B) {
	srv := erptest.NewServer(erptest.Options{Seed: erptest.Generate(erptest.GenConfig{Items: 200, Orders: 2000, Seed: 7, Accounting: true})})
	defer srv.Close()
	c := newClient(b, srv.URL)
	var pages []*erp.Page
	for p, err := range c.Pages(context.Background(), "/accountingData", url.Values{}, erp.PageOptions{PageSize: 100}) {
		if err != nil {
			b.Fatal(err)
		}
		// the items copied out of the page's body: decodePage releases a
		// page, and its body goes back to the client for the next one
		items := make([]json.RawMessage, len(p.Items))
		for i, it := range p.Items {
			items[i] = slices.Clone(it)
		}
		pages = append(pages, &erp.Page{PageNumber: p.PageNumber, PageSize: p.PageSize, TotalItems: p.TotalItems, TotalPages: p.TotalPages, Items: items})
		p.Release()
	}
	job, err := pipeline.LoadJob(filepath.Join("..", "jobs", "datev-export.yaml"), pipeline.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var cols []string
	for _, f := range job.Mapping.Fields {
		cols = append(cols, f.Column)
	}
	job.Source.Filters = nil
	for _, projected := range []bool{false, true} {
		name := "whole"
		if projected {
			name = "projected"
		}
		b.Run(name, func(b *testing.B) {
			s := openSource(b, job.Source, testEnv(b, c))
			if projected {
				s.ProjectColumns(pipeline.Projection{Columns: cols, Identity: report.DocKeys()})
			}
			b.ReportAllocs()
			lines := 0
			cpu0 := procstat.SelfCPU()
			for b.Loop() {
				for _, p := range pages {
					r := s.decodePage(&erp.Page{PageNumber: p.PageNumber, PageSize: p.PageSize, TotalItems: p.TotalItems, TotalPages: p.TotalPages, Items: p.Items})
					if r.err != nil {
						b.Fatal(r.err)
					}
					for _, it := range r.items {
						s.cur, s.curLines, s.line = it, it.embedded, 0
						for s.nextLine() != nil {
							lines++
						}
					}
				}
			}
			b.ReportMetric(float64(lines)/float64(b.N)/float64(len(pages)), "lines/page")
			// the machine may be shared: CPU time says more than wall time
			b.ReportMetric(float64((procstat.SelfCPU()-cpu0).Microseconds())/float64(b.N)/float64(len(pages)), "cpu-µs/page")
		})
	}
}

// BenchmarkParseAccountingDoc is one accounting document read for
// jobs/datev-export.yaml, whole and projected.
func BenchmarkParseAccountingDoc(b *testing.B) {
	raw := []byte(`{"DocumentNumber":"RE200001","DocumentId":1,"DocumentDate":"2025-04-01T17:02:40.0000000+00:00","SalesOrderNumber":"AU100001","SalesOrderId":1,"ExternalSalesOrderNumber":"","DepartureCountry":{"CountryISO":"DE","StateISO":""},"ShipmentCountry":{"CountryISO":"DE","StateISO":""},"BillingAddress":{"Id":4,"Company":"","Company2":"","FormOfAddress":"","Title":"","FirstName":"Emma","LastName":"Becker","Street":"Bergstraße 91","Address2":"","PostalCode":"04109","City":"Leipzig","State":"","CountryIso":"DE","VatID":"","PhoneNumber":"","MobilePhoneNumber":"","EmailAddress":"kunde4@example.com","Fax":""},"ShipmentAddress":{"Id":4,"Company":"","Company2":"","FormOfAddress":"","Title":"","FirstName":"Emma","LastName":"Becker","Street":"Bergstraße 91","Address2":"","PostalCode":"04109","City":"Leipzig","State":"","CountryIso":"DE","VatID":"","PhoneNumber":"","MobilePhoneNumber":"","EmailAddress":"kunde4@example.com","Fax":""},"CurrencyIso":"EUR","Type":0,"CompanyId":1,"CompanyVatId":"DE811907980","CustomerVatId":"","SalesChannelId":"1","IsCancelled":false,"AccountDataLineItems":[{"ItemId":87,"Type":1,"Name":"Edelstahl Schraube 2 m","TaxClassId":1,"GeneralLedgerAccount":"8400","Quantity":5,"VatRate":19,"VatAmount":352.10,"TotalDiscountGrossAmount":245.02,"TotalDiscountNetAmount":205.90,"TotalGrossAmount":2205.23,"TotalNetAmount":1853.13,"SortOrder":1},{"ItemId":74,"Type":1,"Name":"Stahl Winkel 50 cm","TaxClassId":1,"GeneralLedgerAccount":"","Quantity":3,"VatRate":19,"VatAmount":403.22,"TotalDiscountGrossAmount":0,"TotalDiscountNetAmount":0.00,"TotalGrossAmount":2525.46,"TotalNetAmount":2122.24,"SortOrder":2},{"ItemId":173,"Type":1,"Name":"Chrom Griff M8","TaxClassId":1,"GeneralLedgerAccount":"","Quantity":3,"VatRate":19,"VatAmount":563.58,"TotalDiscountGrossAmount":0,"TotalDiscountNetAmount":0.00,"TotalGrossAmount":3529.80,"TotalNetAmount":2966.22,"SortOrder":3},{"ItemId":146,"Type":1,"Name":"Titan Mutter klein","TaxClassId":1,"GeneralLedgerAccount":"","Quantity":1,"VatRate":19,"VatAmount":56.90,"TotalDiscountGrossAmount":0,"TotalDiscountNetAmount":0.00,"TotalGrossAmount":3529.80,"TotalNetAmount":2966.22,"SortOrder":4}]}`)
	def, _ := erp.Resource("accountingData")
	s := &ERPSource{def: def, sub: def.Sub["lineitems"], loc: mustLoc("Europe/Berlin")}
	s.ProjectColumns(pipeline.Projection{Columns: []string{"DocumentNumber", "DocumentDate", "Type", "SalesOrderNumber", "BillingAddress.Company",
		"BillingAddress.FirstName", "BillingAddress.LastName", "CustomerVatId", "ShipmentCountry.CountryISO", "CurrencyIso", "LineItem.VatRate",
		"LineItem.TotalNetAmount", "LineItem.VatAmount", "LineItem.TotalGrossAmount", "LineItem.GeneralLedgerAccount"}, Identity: report.DocKeys()})
	var scratch jsonScratch
	for _, n := range []*projNode{nil, s.proj.doc} {
		name := "whole"
		if n != nil {
			name = "projected"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parseDocPart(raw, s.loc, n, &scratch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
