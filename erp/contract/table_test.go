package contract

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wawi-etl/etl/erp/spec"
)

// The table in erp/spec (read with encoding/json by its generator) says
// what kin-openapi reads from the same document: operations, parameters,
// request and response schemas, and every component schema's fields.
func TestTableAgreesWithSpec(t *testing.T) {
	doc := Spec()
	if got := doc.Info.Extensions["x-application-version"]; got != spec.ApplicationVersion {
		t.Errorf("application version %v, table %q", got, spec.ApplicationVersion)
	}
	if len(AllOperations()) != len(spec.Operations()) {
		t.Errorf("%d operations, table %d", len(AllOperations()), len(spec.Operations()))
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			top := spec.OperationByID(op.OperationID)
			if top == nil || top.Method != method || top.Path != path {
				t.Errorf("%s %s %s: table has %+v", op.OperationID, method, path, top)
				continue
			}
			var want, got []string
			for _, p := range op.Parameters {
				want = append(want, paramKey(p.Value.In, p.Value.Name, p.Value.Schema.Value.Type.Slice(), enumText(p.Value.Schema.Value.Enum)))
			}
			for _, p := range top.Params {
				if p.In == "header" && strings.EqualFold(p.Name, "x-api-key") {
					continue // dropped by relax
				}
				got = append(got, paramKey(p.In, p.Name, nonEmpty(p.Type), p.Enum))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s parameters:\n table %q\n spec  %q", op.OperationID, got, want)
			}
			var body *openapi3.SchemaRef
			if op.RequestBody != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
					body = mt.Schema
				}
			}
			sameSchema(t, op.OperationID+" request", body, top.Request)
			for code, r := range op.Responses.Map() {
				status, err := strconv.Atoi(code)
				if err != nil {
					t.Fatalf("%s: status %q", op.OperationID, code)
				}
				if slices.Contains(GenericStatuses, status) && r.Value.Description != nil && strings.Contains(*r.Value.Description, "erp/contract") {
					continue // added by relax
				}
				tr, ok := top.Response(status)
				if !ok {
					t.Errorf("%s: response %s missing in the table", op.OperationID, code)
					continue
				}
				var s *openapi3.SchemaRef
				if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil && (mt.Schema.Ref != "" || !mt.Schema.Value.IsEmpty()) {
					s = mt.Schema
				}
				sameSchema(t, op.OperationID+" response "+code, s, tr.Schema)
			}
		}
	}
	if len(doc.Components.Schemas) != len(spec.SchemaNames()) {
		t.Errorf("%d schemas, table %d", len(doc.Components.Schemas), len(spec.SchemaNames()))
	}
	for name, ref := range doc.Components.Schemas {
		s := ref.Value
		ts := spec.SchemaNamed(name)
		if ts == nil {
			t.Errorf("schema %s missing in the table", name)
			continue
		}
		if !slices.Equal(s.Required, ts.Required) || !slices.Equal(s.Type.Slice(), nonEmpty(ts.Type)) || len(s.Properties) != len(ts.Props) {
			t.Errorf("schema %s: table %+v", name, ts)
		}
		for pn, p := range s.Properties {
			if ts.Prop(pn) == nil {
				t.Errorf("schema %s: property %s missing in the table", name, pn)
				continue
			}
			if pn == "Value" && strings.HasSuffix(name, "CustomFieldValue") && p.Value.Type == nil {
				continue // any JSON value: relaxed
			}
			sameSchema(t, name+"."+pn, p, ts.Prop(pn))
		}
	}
}

func paramKey(in, name string, typ []string, enum any) string {
	return fmt.Sprint(in, " ", name, " ", typ, " ", enum)
}

// enumText renders kin-openapi's enum members (float64 for numbers) as the
// table keeps them.
func enumText(enum []any) []string {
	out := make([]string, len(enum))
	for i, e := range enum {
		if f, ok := e.(float64); ok {
			out[i] = strconv.FormatFloat(f, 'f', -1, 64)
		} else {
			out[i] = fmt.Sprint(e)
		}
	}
	return out
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// sameSchema compares a schema as kin-openapi resolved it with the table's:
// the same component (by name) for a $ref, else type, format, items.
func sameSchema(t *testing.T, where string, ref *openapi3.SchemaRef, s *spec.Schema) {
	t.Helper()
	switch {
	case ref == nil && s == nil:
		return
	case ref == nil || s == nil:
		t.Errorf("%s: spec %v, table %v", where, ref, s)
		return
	}
	if ref.Ref != "" {
		if want := strings.TrimPrefix(ref.Ref, "#/components/schemas/"); s.Name != want {
			t.Errorf("%s: $ref %s, table %q", where, want, s.Name)
		}
		return
	}
	v := ref.Value
	if !slices.Equal(v.Type.Slice(), nonEmpty(s.Type)) || v.Format != s.Format || !slices.Equal(enumText(v.Enum), s.Enum) {
		t.Errorf("%s: spec %s %s, table %+v", where, v.Type.Slice(), v.Format, s)
	}
	maxLen := 0
	if v.MaxLength != nil {
		maxLen = int(*v.MaxLength)
	}
	if maxLen != s.MaxLength || int(v.MinLength) != s.MinLength || !sameLimit(v.Min, s.Min) || !sameLimit(v.Max, s.Max) {
		t.Errorf("%s: spec lengths %d..%d bounds %v..%v, table %+v", where, v.MinLength, maxLen, v.Min, v.Max, s)
	}
	if v.Items != nil || s.Items != nil {
		sameSchema(t, where+"[]", v.Items, s.Items)
	}
}

func sameLimit(p *float64, l spec.Limit) bool {
	if p == nil {
		return !l.Set
	}
	return l.Set && *p == l.V
}
