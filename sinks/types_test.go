package sinks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/pipeline"
)

// The ERP sink's resources and operations are checked against erp's
// resource table when the job loads, before anything connects.
func TestLoadJobChecksERPSinkAgainstResourceTable(t *testing.T) {
	pipeline.AddSinkType(ERP)
	for _, c := range []struct{ sink, want string }{
		{"resource: customerGroups\n  operation: update", ""},
		{"resource: categories", ""},
		{"resource: stocks\n  operation: adjust", ""},
		{"resource: warehouses", `sink.resource "warehouses": the erp sink writes categories, customerGroups, customers, items, items/customerPrices, items/descriptions, items/salesChannelPrices, items/specialprices, items/suppliers, salesOrders or stocks`},
		{"resource: categories\n  operation: adjust", `sink.operation "adjust": categories take upsert, update, create`},
		{"resource: items/descriptions\n  prune: true", ""},
		{"resource: items\n  prune: true", "prune: items cannot be pruned"},
		{"operation: create", "sink.resource is missing (categories, customerGroups, customers, items, items/customerPrices, items/descriptions, items/salesChannelPrices, items/specialprices, items/suppliers, salesOrders, stocks)"},
	} {
		body := "source:\n  type: sinkstest-mem\n  path: a\nmapping:\n  fields:\n    - target: Name\n      column: Name\nsink:\n  type: erp\n  " + c.sink + "\n"
		p := filepath.Join(t.TempDir(), "job.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := pipeline.LoadJob(p, pipeline.LoadOptions{})
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.sink, err, c.want)
		}
	}
}

// etl validate (pipeline.Check) knows the ERP sink without a connection:
// a target the API does not have is placed at its line (with the resource
// that writes it), and a sink that may create names the fields a create
// needs that the mapping does not give.
func TestValidateKnowsTheERPSink(t *testing.T) {
	pipeline.AddSinkType(ERP)
	pipeline.AddSourceType(pipeline.SourceType{Name: "sinkstest-mem", Open: memOpen})
	dir := t.TempDir()
	memRows[filepath.Join(dir, "in")] = [][]string{{"A-1", "1.5", "x"}}
	for _, c := range []struct{ fields, sink, want string }{
		{"    - {target: SKU, column: sku}\n    - {target: 'Suppliers[0].PurchasePriceNet', column: price, type: decimal}\n",
			"resource: items\n  operation: update", `job.yaml:6:16: target "Suppliers[0].PurchasePriceNet": "Suppliers" is not a field`},
		{"    - {target: SKU, column: sku}\n    - {target: 'Suppliers[0].PurchasePriceNet', column: price, type: decimal}\n",
			"resource: items\n  operation: update", "suppliers are written with resource: items/suppliers"},
		{"    - {target: SKU, column: sku}\n", "resource: items\n  operation: upsert",
			"a new one needs Categories, Name: map Categories and Name, or use operation: update"},
		{"    - {target: SKU, column: sku}\n    - {target: ItemPriceData.SalesPriceNet, column: price, type: decimal}\n", "resource: items\n  operation: update", ""},
	} {
		body := "source: {type: sinkstest-mem, path: in}\nmapping:\n  decimal: point\n  fields:\n" + c.fields + "sink:\n  type: erp\n  " + c.sink + "\n"
		p := filepath.Join(dir, "job.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		job, err := pipeline.LoadJob(p, pipeline.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		err = pipeline.Check(context.Background(), job, nil)
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.fields, err, c.want)
		}
	}
}
