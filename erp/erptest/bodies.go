package erptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp/spec"
)

// Request bodies are checked against the spec's own schemas (required
// properties, JSON types, lengths, bounds, enums, int32 range, date-time) the
// way the Wawi's model binding does, so the emulator's 400 answers follow the
// spec without hand-written rules per field. The schemas come from the table
// in erp/spec (not from the Validator of Options.Validate); a check costs
// microseconds per body.

// requestSchema is the JSON request body schema of an operation.
func requestSchema(opID string) *spec.Schema {
	op := spec.OperationByID(opID)
	if op == nil || op.Request == nil {
		panic("erptest: operation " + opID + " has no JSON request body")
	}
	return op.Request
}

// decodeJSON parses b keeping numbers exact (json.Number).
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}

// toMap turns a struct into its JSON object form with exact numbers.
func toMap(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	m, err := decodeJSON(b)
	if err != nil {
		panic(err)
	}
	return m.(map[string]any)
}

// fromJSONValue decodes a JSON value (maps, slices, json.Number) into out.
func fromJSONValue(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// mergeInto applies patch onto dst as the Wawi applies a PATCH (or a create
// body onto defaults): only properties the schema declares are taken, null
// values are ignored, objects are merged recursively and everything else
// (scalars, arrays) is replaced.
func mergeInto(dst, patch map[string]any, s *spec.Schema) {
	for k, v := range patch {
		prop := s.Prop(k)
		if prop == nil || v == nil {
			continue
		}
		if pm, ok := v.(map[string]any); ok && prop.Type == "object" && len(prop.Props) > 0 {
			dm, ok := dst[k].(map[string]any)
			if !ok {
				dm = map[string]any{}
				dst[k] = dm
			}
			mergeInto(dm, pm, prop)
			continue
		}
		dst[k] = v
	}
}

// validateBody checks v against s and returns ASP.NET-style validation
// errors keyed by field path ("Name", "Categories[0].CategoryId").
func validateBody(v any, s *spec.Schema) map[string]string {
	errs := map[string]string{}
	checkValue(errs, "", v, s)
	if v == nil {
		errs["$"] = "A non-empty request body is required."
	}
	return errs
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func fieldName(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

func checkValue(errs map[string]string, path string, v any, s *spec.Schema) {
	if s == nil || v == nil {
		return
	}
	name := fieldName(path)
	switch s.Type {
	case "object":
		if len(s.Props) == 0 && s.Extra == nil {
			return // C#'s object (a custom field's Value): any JSON value
		}
		m, ok := v.(map[string]any)
		if !ok {
			errs[name] = fmt.Sprintf("The JSON value for %s must be an object.", name)
			return
		}
		for _, req := range s.Required {
			val, present := m[req]
			if str, isStr := val.(string); !present || val == nil || (isStr && str == "") {
				errs[joinPath(path, req)] = fmt.Sprintf("The %s field is required.", req)
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if prop := s.Prop(k); prop != nil {
				checkValue(errs, joinPath(path, k), m[k], prop)
			}
		}
		if ap := s.Extra; ap != nil {
			for _, k := range keys {
				if s.Prop(k) == nil {
					checkValue(errs, joinPath(path, k), m[k], ap)
				}
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			errs[name] = fmt.Sprintf("The JSON value for %s must be an array.", name)
			return
		}
		if s.Items != nil {
			for i, e := range a {
				checkValue(errs, fmt.Sprintf("%s[%d]", path, i), e, s.Items)
			}
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			errs[name] = fmt.Sprintf("The JSON value for %s must be a string.", name)
			return
		}
		n := len([]rune(str))
		if s.MaxLength > 0 && n > s.MaxLength {
			errs[name] = fmt.Sprintf("The field %s must be a string with a maximum length of %d.", name, s.MaxLength)
		}
		if s.MinLength > 1 && n < s.MinLength {
			errs[name] = fmt.Sprintf("The field %s must be a string with a minimum length of %d.", name, s.MinLength)
		}
		if s.Format == "date-time" {
			if _, err := ParseTime(str); err != nil {
				errs[name] = fmt.Sprintf("The JSON value for %s is not a valid date-time.", name)
			}
		}
		checkEnum(errs, name, v, s)
	case "integer":
		num, ok := v.(json.Number)
		if !ok {
			errs[name] = fmt.Sprintf("The JSON value for %s must be an integer.", name)
			return
		}
		i, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil || (s.Format == "int32" && (i < math.MinInt32 || i > math.MaxInt32)) {
			errs[name] = fmt.Sprintf("The JSON value %s for %s is not a valid %s.", num, name, orDefault(s.Format, "integer"))
			return
		}
		checkBounds(errs, name, decimal.NewFromInt(i), s)
		checkEnum(errs, name, v, s)
	case "number":
		num, ok := v.(json.Number)
		if !ok {
			errs[name] = fmt.Sprintf("The JSON value for %s must be a number.", name)
			return
		}
		d, err := decimal.NewFromString(string(num))
		if err != nil {
			errs[name] = fmt.Sprintf("The JSON value %s for %s is not a valid number.", num, name)
			return
		}
		checkBounds(errs, name, d, s)
	case "boolean":
		if _, ok := v.(bool); !ok {
			errs[name] = fmt.Sprintf("The JSON value for %s must be true or false.", name)
		}
	}
}

func checkBounds(errs map[string]string, name string, d decimal.Decimal, s *spec.Schema) {
	if s.Min.Set && d.LessThan(decimal.NewFromFloat(s.Min.V)) {
		errs[name] = fmt.Sprintf("The field %s must be between %v and %v.", name, s.Min.V, bound(s.Max))
	}
	if s.Max.Set && d.GreaterThan(decimal.NewFromFloat(s.Max.V)) {
		errs[name] = fmt.Sprintf("The field %s must be between %v and %v.", name, bound(s.Min), s.Max.V)
	}
}

func bound(l spec.Limit) any {
	if !l.Set {
		return "∞"
	}
	return l.V
}

func checkEnum(errs map[string]string, name string, v any, s *spec.Schema) {
	if len(s.Enum) == 0 {
		return
	}
	// The table keeps enum members as text: 3 and "3" compare as "3".
	if slices.Contains(s.Enum, fmt.Sprint(v)) {
		return
	}
	errs[name] = fmt.Sprintf("The value %v is not valid for %s.", v, name)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// summarize joins the validation messages in key order.
func summarize(errs map[string]string) string {
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, errs[k])
	}
	return strings.Join(parts, " ")
}
