package sinks

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/wawi-etl/etl/erp/spec"
)

// The ERP sink reads the request schemas of the official spec (as the table
// in erp/spec) for three things: a target path that names no field of the
// body is refused when the sink opens, before any write; a value is sent with
// the JSON type the field has (a lookup result "3" goes out as 3); and the
// fields a create needs are known. References are already resolved in the
// table: a property's schema is the referenced component itself.

type apiSchema = spec.Schema

// schemaNamed returns a component schema by name.
func schemaNamed(name string) (*apiSchema, error) {
	s := spec.SchemaNamed(name)
	if s == nil {
		return nil, fmt.Errorf("the API spec has no schema %s", name)
	}
	return s, nil
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
	cur := s
	var out []string
	segs := strings.Split(path, ".")
	for i, seg := range segs {
		name, idx, hasIdx := splitIndex(seg)
		if cur == nil || len(cur.Props) == 0 {
			return "", 0, fmt.Sprintf("%q has no fields below it", strings.Join(out, "."))
		}
		prop, spelled := property(cur, name)
		if prop == nil {
			return "", 0, fmt.Sprintf("%q is not a field%s (fields: %s)", name, where(out), strings.Join(propNames(cur), ", "))
		}
		if hasIdx {
			if prop.Type != "array" || prop.Items == nil {
				return "", 0, fmt.Sprintf("%q is not a list", spelled)
			}
			out = append(out, spelled+"["+strconv.Itoa(idx)+"]")
			prop = prop.Items
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
		if it := s.Items; it != nil && len(it.Props) == 0 {
			return kindList
		}
	}
	return kindAny
}

func property(s *apiSchema, name string) (*apiSchema, string) {
	if p := s.Prop(name); p != nil {
		return p, name
	}
	for _, p := range s.Props {
		if strings.EqualFold(p.Name, name) {
			return p.Schema, p.Name
		}
	}
	return nil, ""
}

func propNames(s *apiSchema) []string {
	out := make([]string, 0, len(s.Props))
	for _, p := range s.Props {
		out = append(out, p.Name) // sorted in the table
	}
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
		p := s.Prop(k)
		if p == nil {
			continue
		}
		switch v := v.(type) {
		case map[string]any:
			out = append(out, missingRequired(p, v, prefix+k+".")...)
		case []any:
			if it := p.Items; it != nil {
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
