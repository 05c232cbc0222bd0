package spec

import (
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	for _, c := range []struct {
		method, path, want string
		params             map[string]string
	}{
		{"GET", "/items", "ItemHeader_QueryItemsAsync", map[string]string{}},
		{"GET", "/items/7", "ItemHeader_GetItemAsync", map[string]string{"itemId": "7"}},
		{"GET", "/items/7/", "ItemHeader_GetItemAsync", map[string]string{"itemId": "7"}},
		{"POST", "/items", "ItemHeader_CreateItemAsync", map[string]string{}},
		{"DELETE", "/items/7/images/9", "ItemHeader_DeleteItemImageAsync", map[string]string{"itemId": "7", "imageId": "9"}},
		{"DELETE", "/items", "", nil},
		{"GET", "/nope", "", nil},
		{"GET", "/items/7/nope", "", nil},
	} {
		op, params := Find(c.method, c.path)
		got := ""
		if op != nil {
			got = op.ID
		}
		if got != c.want || len(params) != len(c.params) {
			t.Errorf("Find(%s %s) = %q %v, want %q %v", c.method, c.path, got, params, c.want, c.params)
			continue
		}
		for k, v := range c.params {
			if params[k] != v {
				t.Errorf("Find(%s %s) param %s = %q, want %q", c.method, c.path, k, params[k], v)
			}
		}
	}
}

// A literal segment wins over a parameter wherever the spec has both.
func TestFindPrefersLiterals(t *testing.T) {
	n := 0
	for _, op := range Operations() {
		path := op.Path
		if strings.Contains(path, "{") {
			continue
		}
		got, _ := Find(op.Method, path)
		if got != op {
			t.Errorf("Find(%s %s) = %v, want %s", op.Method, path, got, op.ID)
		}
		n++
	}
	if n < 50 {
		t.Errorf("only %d literal paths", n)
	}
}

func TestLookups(t *testing.T) {
	if len(Operations()) != 209 || len(SchemaNames()) != 219 {
		t.Errorf("%d operations, %d schemas", len(Operations()), len(SchemaNames()))
	}
	op := OperationByID("ItemHeader_CreateItemAsync")
	if op == nil || op.Method != "POST" || op.Path != "/items" || op.Request != SchemaNamed("CreateItem") {
		t.Fatalf("CreateItem operation: %+v", op)
	}
	if r, ok := op.Response(201); !ok || r.Schema == nil || r.Schema.Name == "" {
		t.Errorf("201 response: %+v", r)
	}
	if _, ok := op.Response(299); ok {
		t.Error("an undeclared status is declared")
	}
	s := SchemaNamed("CreateItem")
	if name := s.Prop("Name"); name == nil || name.Type != "string" || name.MinLength != 1 {
		t.Errorf("CreateItem.Name: %+v", name)
	}
	if cat := s.Prop("Categories"); cat == nil || cat.Type != "array" || cat.Items != SchemaNamed("CreateCategoryReference") {
		t.Errorf("CreateItem.Categories: %+v", cat)
	}
	if s.Prop("name") != nil || SchemaNamed("Nope") != nil || OperationByID("Nope") != nil {
		t.Error("lookups are exact")
	}
	if ApplicationVersion == "" {
		t.Error("no application version")
	}
}

func TestCoverage(t *testing.T) {
	var a, b Coverage
	a.Add("ItemHeader_GetItemAsync")
	b.Add("ItemHeader_GetItemAsync")
	b.Add("ItemHeader_CreateItemAsync")
	a.Merge(&b)
	if a.Count("ItemHeader_GetItemAsync") != 2 || len(a.Operations()) != 2 {
		t.Errorf("%v", a.Operations())
	}
	s := a.String()
	if !strings.HasPrefix(s, "2 of 209 spec operations exercised") || !strings.Contains(s, "GET    /items/{itemId}") {
		t.Errorf("%s", s)
	}
}
