package pipeline

import (
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

var setStep = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?$`)

// pathKeys are keys whose values are file paths; given with --set they are
// relative to the working directory.
var pathKeys = map[string]bool{
	"source.path": true, "sink.path": true, "options.report_dir": true,
	"options.state_dir": true, "erp.api_key_file": true,
}

// applySet sets one key of the decoded job: `source.path=today.csv`,
// `options.concurrency=4`, `mapping.fields[2].column=EAN`,
// `source.filters.createdSince=-7d`. The value is taken literally for text
// fields and parsed as YAML for everything else.
func applySet(job *Job, kv string, lookup func(string) (string, bool)) error {
	key, val, ok := strings.Cut(kv, "=")
	if !ok || key == "" {
		return fmt.Errorf("expected key.path=value")
	}
	val, err := expandString(val, lookup)
	if err != nil {
		return err
	}
	if pathKeys[key] && val != "" && !IsRemote(val) {
		if val, err = filepath.Abs(val); err != nil {
			return err
		}
	}
	v := reflect.ValueOf(job).Elem()
	steps := strings.Split(key, ".")
	for i, step := range steps {
		// maps take the rest of the key verbatim as their key, so filters
		// like "createdSince" need no quoting
		if v.Kind() == reflect.Map {
			if v.IsNil() {
				v.Set(reflect.MakeMap(v.Type()))
			}
			mk := strings.Join(steps[i:], ".")
			elem := reflect.New(v.Type().Elem()).Elem()
			if err := setScalar(elem, val); err != nil {
				return err
			}
			v.SetMapIndex(reflect.ValueOf(mk).Convert(v.Type().Key()), elem)
			return nil
		}
		m := setStep.FindStringSubmatch(step)
		if m == nil {
			return fmt.Errorf("%q is not a key", step)
		}
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			return fmt.Errorf("%s has no keys below it", strings.Join(steps[:i], "."))
		}
		f, names := fieldByYAMLName(v, m[1])
		if !f.IsValid() {
			return fmt.Errorf("unknown key %q under %q (known: %s)", m[1], strings.Join(steps[:i], "."), strings.Join(names, ", "))
		}
		v = f
		if m[2] != "" {
			if v.Kind() != reflect.Slice {
				return fmt.Errorf("%s is not a list", m[1])
			}
			n, _ := strconv.Atoi(m[2])
			if n > v.Len() {
				return fmt.Errorf("%s[%d]: the list has %d entries; an index may be at most %d to append", m[1], n, v.Len(), v.Len())
			}
			if n == v.Len() {
				v.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
			}
			v = v.Index(n)
		}
	}
	return setScalar(v, val)
}

func fieldByYAMLName(v reflect.Value, name string) (reflect.Value, []string) {
	t := v.Type()
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		yn := yamlName(f)
		if !f.IsExported() || yn == "-" {
			continue
		}
		if yn == name {
			return v.Field(i), nil
		}
		names = append(names, yn)
	}
	return reflect.Value{}, names
}

func setScalar(v reflect.Value, val string) error {
	if v.Kind() == reflect.Pointer {
		if val == "" {
			v.Set(reflect.Zero(v.Type()))
			return nil
		}
		nv := reflect.New(v.Type().Elem())
		if err := setScalar(nv.Elem(), val); err != nil {
			return err
		}
		v.Set(nv)
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(val)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", val)
		}
		v.SetInt(n)
	case reflect.Float64, reflect.Float32:
		f, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", val)
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, err := strconv.ParseBool(val)
		if err != nil {
			return fmt.Errorf("%q is not true or false", val)
		}
		v.SetBool(b)
	default:
		// lists and blocks: YAML flow syntax, e.g. [trim, upper]
		nv := reflect.New(v.Type())
		if err := yaml.UnmarshalWithOptions([]byte(val), nv.Interface(), yaml.Strict()); err != nil {
			return fmt.Errorf("%s", yaml.FormatError(err, false, false))
		}
		v.Set(nv.Elem())
	}
	return nil
}
