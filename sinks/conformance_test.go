package sinks

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/pipeline/pipelinetest"
)

// Every sink passes the runner's conformance suite.
func TestSinkConformance(t *testing.T) {
	rows := make([][]string, 300)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("S%04d", i), fmt.Sprintf("%d.%02d", i+1, i%100), "Artikel"}
	}
	fileMapping := mappings.Spec{Fields: []mappings.FieldSpec{
		{Target: "SKU", Column: "sku"},
		{Target: "Price", Column: "price", Type: mappings.Decimal, Decimal: "point"},
		{Target: "Name", Column: "name"},
	}}
	bad := []string{"BAD", "zwölf", "x"}
	for name, open := range map[string]pipeline.SinkFactory{"csv": OpenCSV, "xlsx": OpenXLSX} {
		t.Run(name, func(t *testing.T) {
			pipelinetest.RunSinkSuite(t, pipelinetest.SinkSuite{
				Open: open,
				Spec: func(dir string) pipeline.SinkSpec {
					return pipeline.SinkSpec{Path: filepath.Join(dir, "out", "out."+name)}
				},
				Columns: []string{"sku", "price", "name"}, Rows: rows, BadRow: bad, Mapping: fileMapping,
			})
		})
	}

	t.Run("erp items", func(t *testing.T) {
		seed := erptest.Generate(erptest.GenConfig{Items: 120, Seed: 5})
		srv := erptest.NewServer(erptest.Options{Seed: seed})
		defer srv.Close()
		c, err := erp.New(erp.Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client()})
		if err != nil {
			t.Fatal(err)
		}
		items := srv.Items()
		var erpRows [][]string
		for i, it := range items {
			erpRows = append(erpRows, []string{it.SKU, fmt.Sprintf("%d.%02d", 10+i, i%100), "x"})
		}
		pipelinetest.RunSinkSuite(t, pipelinetest.SinkSuite{
			Open: OpenERP,
			Spec: func(string) pipeline.SinkSpec {
				return pipeline.SinkSpec{Resource: "items", Operation: "update"}
			},
			Columns: []string{"sku", "price", "name"}, Rows: erpRows, BadRow: bad,
			Mapping: mappings.Spec{Fields: []mappings.FieldSpec{
				{Target: "SKU", Column: "sku"},
				{Target: "ItemPriceData.SalesPriceNet", Column: "price", Type: mappings.Decimal, Decimal: "point"},
			}},
			Conn: c, Resolver: erp.NewLookups(c),
			// a new price each run, so that each run has writes to make
			Vary: func(run int, row []string) []string {
				row[1] = fmt.Sprintf("%d.%02d", 10+run, len(row[0])%100)
				return row
			},
			Writes: func() int64 { return srv.Counters().Writes },
		})
	})
}
