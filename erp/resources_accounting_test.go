package erp

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestEmbeddedAndLocalFilters checks what TestResourcesMatchSpec cannot:
// an embedded sub-resource is an array of its schema in the parent's
// schema, Totals names fields the lines have, and local filters are ones
// the API lacks.
func TestEmbeddedAndLocalFilters(t *testing.T) {
	b, err := os.ReadFile("contract/openapi-cloud-1.0.json")
	if err != nil {
		t.Skip("spec not available:", err)
	}
	var spec struct {
		Paths      map[string]map[string]struct{ Parameters []struct{ Name string } }
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					Items struct {
						Ref string `json:"$ref"`
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	embedded := 0
	for _, name := range Resources() {
		r, _ := Resource(name)
		for _, s := range r.Sub {
			if s.Embedded == "" {
				continue
			}
			embedded++
			prop, ok := spec.Components.Schemas[r.Schema].Properties[s.Embedded]
			if !ok || strings.TrimPrefix(prop.Items.Ref, "#/components/schemas/") != s.Schema {
				t.Errorf("%s/%s: %s.%s is not an array of %s", r.Name, s.Name, r.Schema, s.Embedded, s.Schema)
			}
		}
		if tt := r.Totals; tt != nil {
			line := spec.Components.Schemas[r.Schema].Properties[tt.Lines].Items.Ref
			props := spec.Components.Schemas[strings.TrimPrefix(line, "#/components/schemas/")].Properties
			for _, f := range append([]string{tt.Rate}, tt.Sums...) {
				if _, ok := props[f]; !ok {
					t.Errorf("%s: Totals field %s is not in %s", r.Name, f, line)
				}
			}
			if _, ok := spec.Components.Schemas[r.Schema].Properties[tt.SignField]; !ok {
				t.Errorf("%s: no field %s", r.Name, tt.SignField)
			}
		}
		for k, field := range r.LocalDateFilters {
			for _, p := range spec.Paths[r.ListPath]["get"].Parameters {
				if strings.EqualFold(p.Name, k) {
					t.Errorf("%s: %s is a filter of the API, not a local one", r.Name, k)
				}
			}
			if _, ok := spec.Components.Schemas[r.Schema].Properties[field]; !ok {
				t.Errorf("%s: %s compares %s, which %s lacks", r.Name, k, field, r.Schema)
			}
			if p, ok := r.Filter(strings.ToLower(k)); !ok || p.Name != k || p.Type != "date-time" || r.Local(p.Name) != field {
				t.Errorf("%s: Filter(%s) = %+v", r.Name, k, p)
			}
		}
	}
	if embedded == 0 {
		t.Error("no embedded sub-resource")
	}
	inv, _ := Resource("invoices")
	if err := inv.ValidateFilters(map[string]string{"invoiceDateFrom": "x", "customerId": "1"}); err != nil {
		t.Error(err)
	}
	if err := inv.ValidateFilters(map[string]string{"createdSince": "x"}); err == nil || !strings.Contains(err.Error(), "invoiceDateUntil (applied by etl)") {
		t.Errorf("err %v", err)
	}
}
