package erptest

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"

	"github.com/wawi-etl/etl/erp/spec"
)

// mergeStruct is mergeInto on a typed value: it returns a copy of old with
// patch applied as the Wawi applies a PATCH (declared properties only, nulls
// ignored, objects merged, scalars and arrays replaced). mergeInto on old's
// JSON form gives the same result, but it encodes and decodes the whole
// object twice, under the store's lock: at 16 PATCHes in flight that was
// most of the emulator's CPU, and the requests queued for it.
//
// Only the patched parts are decoded: the fields the patch replaces are
// zeroed in the copy first (so no slice, map or pointer of old is written
// through), the objects it merges are copied, and then the filtered patch is
// decoded onto the copy, which encoding/json does as a merge.
func mergeStruct[T any](old *T, patch map[string]any, s *spec.Schema) (T, error) {
	out := *old
	f := filterPatch(patch, s)
	detach(reflect.ValueOf(&out).Elem(), f, s)
	b, err := json.Marshal(f)
	if err != nil {
		return out, err
	}
	return out, json.Unmarshal(b, &out)
}

// filterPatch is the part of patch mergeInto takes.
func filterPatch(patch map[string]any, s *spec.Schema) map[string]any {
	out := make(map[string]any, len(patch))
	for k, v := range patch {
		prop := s.Prop(k)
		if prop == nil || v == nil {
			continue
		}
		if pm, ok := v.(map[string]any); ok && mergesObject(prop) {
			out[k] = filterPatch(pm, prop)
			continue
		}
		out[k] = v
	}
	return out
}

func mergesObject(s *spec.Schema) bool { return s.Type == "object" && len(s.Props) > 0 }

// detach prepares struct v for decoding f onto it: a field f replaces is
// zeroed, a field f merges into is made v's own (a pointed-to struct is
// copied) and prepared in turn.
func detach(v reflect.Value, f map[string]any, s *spec.Schema) {
	fields := jsonFields(v.Type())
	for k, val := range f {
		i, ok := fields[strings.ToLower(k)]
		if !ok {
			continue // encoding/json ignores it too
		}
		fv := v.Field(i)
		sub, isObj := val.(map[string]any)
		if !isObj || !mergesObject(s.Prop(k)) {
			fv.SetZero()
			continue
		}
		switch fv.Kind() {
		case reflect.Struct:
			detach(fv, sub, s.Prop(k))
		case reflect.Pointer:
			if !fv.IsNil() {
				cp := reflect.New(fv.Type().Elem())
				cp.Elem().Set(fv.Elem())
				fv.Set(cp)
				if cp.Elem().Kind() == reflect.Struct {
					detach(cp.Elem(), sub, s.Prop(k))
				}
			}
		default:
			fv.SetZero()
		}
	}
}

var jsonFieldCache sync.Map // reflect.Type → map[string]int

// jsonFields maps the lower-case JSON name of each exported field of struct
// type t to its index, as encoding/json matches names (case-insensitively).
func jsonFields(t reflect.Type) map[string]int {
	if m, ok := jsonFieldCache.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() || sf.Anonymous {
			continue
		}
		name := sf.Name
		if tag, ok := sf.Tag.Lookup("json"); ok {
			n, _, _ := strings.Cut(tag, ",")
			if n == "-" {
				continue
			}
			if n != "" {
				name = n
			}
		}
		m[strings.ToLower(name)] = i
	}
	jsonFieldCache.Store(t, m)
	return m
}
