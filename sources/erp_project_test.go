package sources

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/report"
)

// A source told which columns the job reads (ProjectColumns) maps every
// record exactly as one that decodes whole documents, in the same order
// with the same places, while what the job does not read is not there.
func TestProjectionMapsTheSame(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: accountingSeed()})
	defer srv.Close()
	c := newClient(t, srv.URL)
	for _, tc := range []struct {
		name, job string
		edit      func(*pipeline.Job)
		// paths a projected record has not (unless it came whole, see
		// TestProjectionKeepsIdentity)
		absent []string
	}{
		{name: "datev", job: "datev-export.yaml",
			absent: []string{"AccountDataLineItems", "Totals", "ShipmentAddress", "DepartureCountry", "BillingAddress.Street", "LineItem.ItemId", "LineTotal"}},
		{name: "totals", job: "datev-export.yaml", edit: func(j *pipeline.Job) {
			j.Mapping.Fields = append(j.Mapping.Fields, mappings.FieldSpec{Target: "G19", Column: "Totals.ByRate.19.TotalGrossAmount", Type: "decimal"},
				mappings.FieldSpec{Target: "N", Column: "Totals.TotalNetAmount", Type: "decimal"}, mappings.FieldSpec{Target: "T", Column: "Totals"})
		}, absent: []string{"AccountDataLineItems", "ShipmentAddress", "BillingAddress.Street", "LineItem.ItemId"}},
		{name: "lines by index", job: "datev-export.yaml", edit: func(j *pipeline.Job) {
			j.Mapping.Fields = []mappings.FieldSpec{{Target: "N", Column: "DocumentNumber"}, {Target: "R", Column: "AccountDataLineItems[1].VatRate"},
				{Target: "A", Column: "BillingAddress"}, {Target: "L", Column: "LineItem.TotalNetAmount"}}
		}, absent: []string{"AccountDataLineItems[0].ItemId", "LineItem.ItemId", "ShipmentAddress", "Totals"}},
		{name: "lines fetched", job: "orders-to-excel.yaml", absent: []string{"Shipmentaddress", "SalesOrderShippingDetail", "BillingAddress.Street", "LineItem.ItemId"}},
		{name: "two sheets", job: "orders-two-sheets.yaml", absent: []string{"Shipmentaddress", "LineItem.ItemId", "BillingAddress.Street"}},
		{name: "incremental", job: "orders-to-excel.yaml", edit: func(j *pipeline.Job) {
			j.Source.Incremental = &pipeline.IncrementalSpec{Field: "createdSince", Key: "Id"}
		}, absent: []string{"Shipmentaddress", "LineItem.ItemId"}},
		{name: "orders whole", job: "orders-to-excel.yaml", edit: func(j *pipeline.Job) {
			j.Source.Include = ""
			j.Mapping.Fields = j.Mapping.Fields[:5]
		}, absent: []string{"Shipmentaddress", "SalesOrderShippingDetail", "LineItem", "LineTotal"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			job, err := pipeline.LoadJob(filepath.Join("..", "jobs", tc.job), pipeline.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.edit != nil {
				tc.edit(job)
			}
			// an expression reads any column, and the runner projects
			// nothing: here the source's part is what is tested
			var fields []mappings.FieldSpec
			var cols []string
			for _, f := range job.Mapping.Fields {
				if f.Expr == "" {
					fields = append(fields, f)
					cols = append(cols, f.Column)
				}
			}
			job.Mapping.Fields = fields
			m, err := mappings.Compile(&job.Mapping, nil, mappings.Options{BaseDir: job.Dir, Resolver: erp.NewLookups(c)})
			if err != nil {
				t.Fatal(err)
			}
			whole := openSource(t, job.Source, testEnv(t, c))
			defer whole.Close()
			part := openSource(t, job.Source, testEnv(t, c))
			defer part.Close()
			part.ProjectColumns(pipeline.Projection{Columns: cols, Identity: report.DocKeys()})
			wr, pr := drain(t, whole), drain(t, part)
			if len(wr) != len(pr) || len(wr) < 50 {
				t.Fatalf("%d records projected, %d whole", len(pr), len(wr))
			}
			cut := 0
			for i, w := range wr {
				p := pr[i]
				if p.Seq != w.Seq || p.Row != w.Row || p.Document != w.Document || p.Line != w.Line {
					t.Fatalf("record %d at %d/%d/%d/%d, whole at %d/%d/%d/%d", i, p.Seq, p.Row, p.Document, p.Line, w.Seq, w.Row, w.Document, w.Line)
				}
				wm, err := m.Apply(context.Background(), w)
				if err != nil {
					t.Fatal(err)
				}
				pm, err := m.Apply(context.Background(), p)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(pm, wm) {
					t.Fatalf("record %d maps to %v, whole to %v", i, pm.Values, wm.Values)
				}
				if reflect.DeepEqual(p.View(), w.View()) {
					continue // came whole
				}
				cut++
				for _, a := range tc.absent {
					if _, ok := p.Lookup(a); ok {
						t.Fatalf("record %d has %s: %v", i, a, docJSON(p.View()))
					}
				}
			}
			if cut < len(wr)/2 {
				t.Fatalf("%d of %d records projected", cut, len(wr))
			}
			for _, a := range tc.absent {
				found := false
				for _, w := range wr {
					if _, ok := w.Lookup(a); ok {
						found = true
						break
					}
				}
				if !found && a != "LineTotal" && a != "LineItem" {
					t.Errorf("no whole record has %s: the check proves nothing", a)
				}
			}
			if !reflect.DeepEqual(part.Parameters(), whole.Parameters()) {
				t.Errorf("parameters %v, whole %v", part.Parameters(), whole.Parameters())
			}
		})
	}
}

func docJSON(doc map[string]any) string {
	b, _ := json.Marshal(doc)
	return string(b)
}

// A document whose records would have none of the identity paths comes
// whole: the error workbook shows such a record as its whole document.
func TestProjectionKeepsIdentity(t *testing.T) {
	def, _ := erp.Resource("accountingData")
	s := &ERPSource{def: def, sub: def.Sub["lineitems"], loc: time.UTC}
	s.ProjectColumns(pipeline.Projection{Columns: []string{"DocumentNumber", "LineItem.VatRate"}, Identity: report.DocKeys()})
	for _, tc := range []struct {
		raw   string
		whole bool
	}{
		{`{"DocumentNumber":"R1","Type":0,"ShipmentAddress":{"City":"Köln"},"AccountDataLineItems":[{"Name":"A","VatRate":19,"ItemId":4}]}`, false},
		// the document's number names every record of it
		{`{"DocumentNumber":"R2","Type":0,"ShipmentAddress":{"City":"Köln"},"AccountDataLineItems":[]}`, false},
		{`{"DocumentNumber":"R3","Type":0,"ShipmentAddress":{"City":"Köln"},"AccountDataLineItems":[{"Name":"A","VatRate":19},{"VatRate":7}]}`, false},
		// without it, a record of a line without a name has nothing
		{`{"DocumentNumber":null,"Type":0,"ShipmentAddress":{"City":"Köln"},"AccountDataLineItems":[]}`, true},
		{`{"Type":0,"ShipmentAddress":{"City":"Köln"},"AccountDataLineItems":[{"Name":"A","VatRate":19},{"VatRate":7}]}`, true},
		{`{"DocumentNumber":{"de":"R4"},"Type":0,"ShipmentAddress":{"City":"Köln"},"AccountDataLineItems":[{"Name":{"de":"A"},"VatRate":19}]}`, true},
	} {
		it, err := s.decodeItem([]byte(tc.raw), nil)
		if err != nil {
			t.Fatal(err)
		}
		whole, _ := parseDoc([]byte(tc.raw), time.UTC)
		if got := reflect.DeepEqual(it.doc, whole); got != tc.whole || it.part == tc.whole {
			t.Errorf("%s: whole %v (part %v), want whole %v: %v", tc.raw, got, it.part, tc.whole, docJSON(it.doc))
		}
	}
}
