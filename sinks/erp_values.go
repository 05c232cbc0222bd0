package sinks

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/mappings"
)

// Values in the ERP sink. A mapped value (string, int64, decimal.Decimal,
// bool, time.Time, []string) is first brought to the JSON type of its API
// field (coerce), then compared with what the Wawi holds (sameValue: the
// Wawi's values arrive as json.Number, string, bool), and sent as JSON
// (wire: decimals as exact number literals, never through float64).

// coerce converts v to the kind of its API field. An error is a value the
// field cannot take ("12,x" for a number).
func coerce(v any, k fieldKind) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch k {
	case kindString:
		switch x := v.(type) {
		case string:
			return x, nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case decimal.Decimal:
			return x.String(), nil
		case bool:
			return strconv.FormatBool(x), nil
		case time.Time:
			return x.Format(time.RFC3339), nil
		}
	case kindInteger:
		switch x := v.(type) {
		case int64:
			return x, nil
		case decimal.Decimal:
			if x.IsInteger() {
				return x.IntPart(), nil
			}
			return nil, fmt.Errorf("%s is not a whole number", x)
		case string:
			s := strings.TrimSpace(x)
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n, nil
			}
			if d, err := decimal.NewFromString(s); err == nil && d.IsInteger() {
				return d.IntPart(), nil
			}
			return nil, fmt.Errorf("%q is not a whole number", x)
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case kindNumber:
		switch x := v.(type) {
		case decimal.Decimal:
			return x, nil
		case int64:
			return decimal.NewFromInt(x), nil
		case string:
			d, err := decimal.NewFromString(strings.TrimSpace(x))
			if err != nil {
				return nil, fmt.Errorf("%q is not a number", x)
			}
			return d, nil
		}
	case kindBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case string:
			b, err := strconv.ParseBool(strings.TrimSpace(x))
			if err != nil {
				return nil, fmt.Errorf("%q is not true or false", x)
			}
			return b, nil
		case int64:
			return x != 0, nil
		}
	case kindDateTime:
		switch x := v.(type) {
		case time.Time:
			return x, nil
		case string:
			t, ok := parseAPITime(x)
			if !ok {
				return nil, fmt.Errorf("%q is not a date", x)
			}
			return t, nil
		}
	case kindList:
		switch x := v.(type) {
		case []string:
			return x, nil
		case string:
			return []string{x}, nil
		}
	default:
		return v, nil
	}
	return nil, fmt.Errorf("a %s cannot be sent as %s", typeName(v), kindName(k))
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case int64:
		return "whole number"
	case decimal.Decimal:
		return "number"
	case bool:
		return "yes/no value"
	case time.Time:
		return "date"
	case []string:
		return "list"
	}
	return fmt.Sprintf("%T", v)
}

func kindName(k fieldKind) string {
	return [...]string{"any value", "text", "a whole number", "a number", "true/false", "a date", "a list"}[k]
}

// wire is v as JSON for a request body.
func wire(v any, date bool) any {
	switch x := v.(type) {
	case decimal.Decimal:
		return json.Number(x.String())
	case time.Time:
		if date {
			y, m, d := x.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
		}
		return x.Format(time.RFC3339Nano)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = wire(e, date)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = wire(e, date)
		}
		return out
	}
	return v
}

// dotNetLayouts are the date forms the Wawi writes: .NET round-trip with
// seven fraction digits and offset, or without offset.
var dotNetLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02"}

// parseAPITime reads a Wawi date. "0001-01-01T00:00:00" means not set and
// gives ok=false.
func parseAPITime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range dotNetLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if t.Year() <= 1 {
				return time.Time{}, false
			}
			return t, true
		}
	}
	return time.Time{}, false
}

func toDecimal(v any) (decimal.Decimal, bool) {
	switch x := v.(type) {
	case json.Number:
		d, err := decimal.NewFromString(string(x))
		return d, err == nil
	case string:
		d, err := decimal.NewFromString(strings.TrimSpace(x))
		return d, err == nil
	case decimal.Decimal:
		return x, true
	case int64:
		return decimal.NewFromInt(x), true
	case float64:
		return decimal.NewFromFloat(x), true
	case int:
		return decimal.NewFromInt(int64(x)), true
	}
	return decimal.Decimal{}, false
}

// sameValue reports whether the Wawi's current value cur equals the new
// value nv (coerced). Numbers compare by value (12.50 = 12.5), dates of a
// date target by calendar day, date-times by instant.
func sameValue(cur, nv any, typ mappings.Type) bool {
	switch n := nv.(type) {
	case nil:
		return cur == nil
	case decimal.Decimal, int64:
		c, ok := toDecimal(cur)
		d, _ := toDecimal(n)
		return ok && c.Equal(d)
	case string:
		switch c := cur.(type) {
		case string:
			return c == n
		case json.Number:
			if string(c) == n {
				return true
			}
			a, ok1 := toDecimal(c)
			b, ok2 := toDecimal(n)
			return ok1 && ok2 && a.Equal(b)
		case bool:
			return strconv.FormatBool(c) == n
		}
		return false
	case bool:
		c, ok := cur.(bool)
		return ok && c == n
	case time.Time:
		var c time.Time
		switch x := cur.(type) {
		case string:
			t, ok := parseAPITime(x)
			if !ok {
				return false
			}
			c = t
		case time.Time:
			c = x
		default:
			return false
		}
		if typ == mappings.Date {
			y1, m1, d1 := c.Date()
			y2, m2, d2 := n.Date()
			return y1 == y2 && m1 == m2 && d1 == d2
		}
		return c.Equal(n)
	case []string:
		list := asStrings(cur)
		if list == nil && cur != nil {
			return false
		}
		if len(list) != len(n) {
			return false
		}
		for i := range n {
			if list[i] != n[i] {
				return false
			}
		}
		return true
	}
	return fmt.Sprint(cur) == fmt.Sprint(nv)
}

func asStrings(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil
			}
			out = append(out, s)
		}
		return out
	}
	return nil
}

// oldValue presents the current value in the new value's type, for the
// change report: a json.Number becomes a decimal or int64, a date string a
// time.Time, "not set" nil.
func oldValue(cur, nv any) any {
	switch nv.(type) {
	case decimal.Decimal:
		if d, ok := toDecimal(cur); ok {
			return d
		}
	case int64:
		if d, ok := toDecimal(cur); ok && d.IsInteger() {
			return d.IntPart()
		}
	case string:
		if n, ok := cur.(json.Number); ok {
			return string(n)
		}
	case time.Time:
		if s, ok := cur.(string); ok {
			if t, ok := parseAPITime(s); ok {
				return t
			}
			return nil
		}
	case []string:
		if l := asStrings(cur); l != nil {
			return l
		}
	}
	if n, ok := cur.(json.Number); ok {
		if d, ok := toDecimal(n); ok {
			return d
		}
	}
	return cur
}

// compactValue is what the index keeps of a current value: scalars as they
// came, lists of text as []string, anything else dropped to its text.
func compactValue(v any) any {
	switch x := v.(type) {
	case nil, string, json.Number, bool:
		return x
	case []any:
		if l := asStrings(x); l != nil {
			return l
		}
	case float64:
		return json.Number(strconv.FormatFloat(x, 'f', -1, 64))
	}
	b, _ := json.Marshal(v)
	return string(b)
}
