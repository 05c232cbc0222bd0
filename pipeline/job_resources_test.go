package pipeline

import (
	"strings"
	"testing"
)

// The ERP sink's resources and operations are checked against erp's
// resource table when the job loads, before anything connects.
func TestLoadJobChecksERPSinkAgainstResourceTable(t *testing.T) {
	for _, c := range []struct{ sink, want string }{
		{"resource: customerGroups\n  operation: update", ""},
		{"resource: categories", ""},
		{"resource: stocks\n  operation: adjust", ""},
		{"resource: warehouses", `sink.resource "warehouses": the erp sink writes categories, customerGroups, customers, items, items/descriptions, salesOrders or stocks`},
		{"resource: categories\n  operation: adjust", `sink.operation "adjust": categories take upsert, update, create`},
		{"resource: items/descriptions\n  prune: true", "prune: runs do not delete yet"},
		{"resource: items\n  prune: true", "prune: items cannot be pruned"},
		{"operation: create", "sink.resource is missing (categories, customerGroups, customers, items, items/descriptions, salesOrders, stocks)"},
	} {
		body := "source:\n  path: a.csv\nmapping:\n  fields:\n    - target: Name\n      column: Name\nsink:\n  type: erp\n  " + c.sink + "\n"
		_, err := LoadJob(writeJob(t, body), LoadOptions{LookupEnv: env(nil)})
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.sink, err, c.want)
		}
	}
}
