package sinks

import (
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
