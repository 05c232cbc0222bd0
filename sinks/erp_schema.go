package sinks

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/wawi-etl/etl/erp/contract"
)

// The ERP sink reads the request schemas of the official spec (embedded in
// erp/contract) for three things: a target path that names no field of the
// body is refused when the sink opens, before any write; a value is sent with
// the JSON type the field has (a lookup result "3" goes out as 3); and the
// fields a create needs are known. Only components.schemas is decoded, with
// plain encoding/json: a few milliseconds, not the full OpenAPI load.

type apiSchema struct {
	Ref        string                `json:"$ref"`
	Type       string                `json:"type"`
	Format     string                `json:"format"`
	Required   []string              `json:"required"`
	Properties map[string]*apiSchema `json:"properties"`
	Items      *apiSchema            `json:"items"`
}

var apiSchemas = sync.OnceValues(func() (map[string]*apiSchema, error) {
	var doc struct {
		Components struct {
			Schemas map[string]*apiSchema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(contract.SpecJSON(), &doc); err != nil {
		return nil, fmt.Errorf("the embedded API spec: %w", err)
	}
	return doc.Components.Schemas, nil
})

// schemaNamed returns a component schema by name.
func schemaNamed(name string) (*apiSchema, error) {
	all, err := apiSchemas()
	if err != nil {
		return nil, err
	}
	s := all[name]
	if s == nil {
		return nil, fmt.Errorf("the API spec has no schema %s", name)
	}
	return s, nil
}

// deref follows $ref.
func deref(s *apiSchema) *apiSchema {
	for i := 0; s != nil && s.Ref != "" && i < 8; i++ {
		all, _ := apiSchemas()
		s = all[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
	}
	return s
}

// fieldKind is the JSON type a body field has.
type fieldKind uint8

const (
	kindAny fieldKind = iota // not known: sent as mapped
	kindString
	kindInteger
	kindNumber
	kindBool
	kindDateTime
	kindList // array of scalars (Asins)
)

// resolvePath finds path (SKU, ItemPriceData.SalesPriceNet,
// Categories[0].CategoryId) in s, ignoring case, and returns it in the spec's
// spelling with the leaf's kind. An empty message means found.
func resolvePath(s *apiSchema, path string) (canon string, kind fieldKind, msg string) {
	cur := deref(s)
	var out []string
	segs := strings.Split(path, ".")
	for i, seg := range segs {
		name, idx, hasIdx := splitIndex(seg)
		if cur == nil || len(cur.Properties) == 0 {
			return "", 0, fmt.Sprintf("%q has no fields below it", strings.Join(out, "."))
		}
		prop, spelled := property(cur, name)
		if prop == nil {
			return "", 0, fmt.Sprintf("%q is not a field%s (fields: %s)", name, where(out), strings.Join(propNames(cur), ", "))
		}
		prop = deref(prop)
		if hasIdx {
			if prop.Type != "array" || prop.Items == nil {
				return "", 0, fmt.Sprintf("%q is not a list", spelled)
			}
			out = append(out, spelled+"["+strconv.Itoa(idx)+"]")
			prop = deref(prop.Items)
		} else {
			out = append(out, spelled)
		}
		if i == len(segs)-1 {
			return strings.Join(out, "."), kindOf(prop), ""
		}
		cur = prop
	}
	return strings.Join(out, "."), kindAny, ""
}

func where(parents []string) string {
	if len(parents) == 0 {
		return ""
	}
	return " of " + strings.Join(parents, ".")
}

func kindOf(s *apiSchema) fieldKind {
	if s == nil {
		return kindAny
	}
	switch s.Type {
	case "string":
		if s.Format == "date-time" || s.Format == "date" {
			return kindDateTime
		}
		return kindString
	case "integer":
		return kindInteger
	case "number":
		return kindNumber
	case "boolean":
		return kindBool
	case "array":
		if it := deref(s.Items); it != nil && len(it.Properties) == 0 {
			return kindList
		}
	}
	return kindAny
}

func property(s *apiSchema, name string) (*apiSchema, string) {
	if p, ok := s.Properties[name]; ok {
		return p, name
	}
	for k, p := range s.Properties {
		if strings.EqualFold(k, name) {
			return p, k
		}
	}
	return nil, ""
}

func propNames(s *apiSchema) []string {
	out := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) > 30 {
		out = append(out[:30], "...")
	}
	return out
}

// splitIndex splits "Name[3]" into Name and 3.
func splitIndex(seg string) (string, int, bool) {
	open := strings.IndexByte(seg, '[')
	if open < 0 || !strings.HasSuffix(seg, "]") {
		return seg, 0, false
	}
	n, err := strconv.Atoi(seg[open+1 : len(seg)-1])
	if err != nil || n < 0 {
		return seg, 0, false
	}
	return seg[:open], n, true
}

// missingRequired lists the required fields of s (recursively into the
// objects doc has) that doc lacks or leaves empty, as dotted paths.
func missingRequired(s *apiSchema, doc map[string]any, prefix string) []string {
	s = deref(s)
	if s == nil {
		return nil
	}
	var out []string
	for _, r := range s.Required {
		v, ok := doc[r]
		if !ok || v == nil || isEmptyValue(v) {
			out = append(out, prefix+r)
		}
	}
	for k, v := range doc {
		p := deref(s.Properties[k])
		if p == nil {
			continue
		}
		switch v := v.(type) {
		case map[string]any:
			out = append(out, missingRequired(p, v, prefix+k+".")...)
		case []any:
			if it := deref(p.Items); it != nil {
				for i, el := range v {
					if m, ok := el.(map[string]any); ok {
						out = append(out, missingRequired(it, m, fmt.Sprintf("%s%s[%d].", prefix, k, i))...)
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func isEmptyValue(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.TrimSpace(v) == ""
	case []any:
		return len(v) == 0
	case []string:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}
