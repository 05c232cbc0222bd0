package pipeline

import (
	"fmt"
	"reflect"
	"strings"
)

// expandEnv replaces ${VAR} and ${VAR:-default} in every string of the job.
// Only the braced form is expanded, so a regex like `^\d+$` stays intact;
// $${ writes a literal ${.
func expandEnv(job *Job, lookup func(string) (string, bool)) error {
	return walkStrings(reflect.ValueOf(job).Elem(), "", func(where string, s string) (string, error) {
		out, err := expandString(s, lookup)
		if err != nil {
			return "", fmt.Errorf("%s: %w", strings.TrimPrefix(where, "."), err)
		}
		return out, nil
	})
}

func expandString(s string, lookup func(string) (string, bool)) (string, error) {
	if !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		if i > 0 && s[i-1] == '$' {
			b.WriteString(s[:i-1])
			b.WriteString("${")
			s = s[i+2:]
			continue
		}
		b.WriteString(s[:i])
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("unclosed ${ in %q", s)
		}
		expr := s[i+2 : i+end]
		name, def, hasDef := strings.Cut(expr, ":-")
		if name == "" {
			return "", fmt.Errorf("empty variable name in ${%s}", expr)
		}
		val, ok := lookup(name)
		switch {
		case ok && val != "":
			b.WriteString(val)
		case hasDef:
			b.WriteString(def)
		case ok:
			// set but empty: an explicit empty value is the user's choice
		default:
			return "", fmt.Errorf("environment variable %s is not set (write ${%s:-default} for a fallback)", name, name)
		}
		s = s[i+end+1:]
	}
}

// walkStrings visits every string reachable from v and replaces it with fn's
// result. where is a dotted path using the yaml names, for error messages.
func walkStrings(v reflect.Value, where string, fn func(string, string) (string, error)) error {
	switch v.Kind() {
	case reflect.String:
		out, err := fn(where, v.String())
		if err != nil {
			return err
		}
		if v.CanSet() {
			v.SetString(out)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return walkStrings(v.Elem(), where, fn)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := yamlName(f)
			if name == "-" {
				continue
			}
			if err := walkStrings(v.Field(i), where+"."+name, fn); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := walkStrings(v.Index(i), fmt.Sprintf("%s[%d]", where, i), fn); err != nil {
				return err
			}
		}
	case reflect.Map:
		if v.Type().Elem().Kind() != reflect.String {
			for _, k := range v.MapKeys() {
				// struct values in maps are not addressable: copy, walk, store
				cp := reflect.New(v.Type().Elem()).Elem()
				cp.Set(v.MapIndex(k))
				if err := walkStrings(cp, where+"."+fmt.Sprint(k), fn); err != nil {
					return err
				}
				v.SetMapIndex(k, cp)
			}
			return nil
		}
		for _, k := range v.MapKeys() {
			out, err := fn(where+"."+k.String(), v.MapIndex(k).String())
			if err != nil {
				return err
			}
			v.SetMapIndex(k, reflect.ValueOf(out).Convert(v.Type().Elem()))
		}
	}
	return nil
}

func yamlName(f reflect.StructField) string {
	tag := f.Tag.Get("yaml")
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}
