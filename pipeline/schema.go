package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"
	"github.com/invopop/jsonschema"
	validator "github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/internal/schemac"
)

// Schema returns the JSON Schema of job files, generated from the Go types
// so that it cannot drift from what the decoder accepts (or the prebuilt
// one, see UsePrebuiltSchema).
func Schema() []byte {
	j, _, _ := currentSchema()
	return j
}

// FreshSchema is Schema generated from the Go types and the registry now,
// whatever UsePrebuiltSchema was given: what a prebuilt schema must equal.
func FreshSchema() ([]byte, error) {
	return generateSchema()
}

// UsePrebuiltSchema makes the schema of job files b, the output of
// FreshSchema saved when the program was built, instead of generating it
// on first use: generating is ~5 ms of every run's start (reflection and
// three JSON passes), compiling it the rest. compiled, if not nil, returns
// b compiled (schemac.Compile), e.g. from a compile the program started
// early. The program's tests must check that b equals FreshSchema. A type
// registered afterwards drops b.
func UsePrebuiltSchema(b []byte, compiled func() (*validator.Schema, error)) {
	schemaMu.Lock()
	defer schemaMu.Unlock()
	schemaPrebuilt = bytes.TrimRight(b, "\n")
	schemaPrebuiltCompiled = compiled
	schemaBuilt = false
}

// The schema is built on first use and again after the registry changed:
// the enums of source.type and sink.type are the registered types.
var (
	schemaMu       sync.Mutex
	schemaBuilt    bool
	schemaJSON     []byte
	schemaCompiled *validator.Schema
	schemaErr      error
	// see UsePrebuiltSchema
	schemaPrebuilt         []byte
	schemaPrebuiltCompiled func() (*validator.Schema, error)
)

func currentSchema() ([]byte, *validator.Schema, error) {
	schemaMu.Lock()
	defer schemaMu.Unlock()
	if !schemaBuilt {
		buildSchema()
		schemaBuilt = true
	}
	return schemaJSON, schemaCompiled, schemaErr
}

// schemaStale is called by the registry when a type was added.
func schemaStale() {
	schemaMu.Lock()
	schemaBuilt = false
	schemaPrebuilt, schemaPrebuiltCompiled = nil, nil // they have the types of before
	schemaMu.Unlock()
}

func buildSchema() {
	if schemaPrebuilt != nil {
		schemaJSON, schemaErr = schemaPrebuilt, nil
		if schemaPrebuiltCompiled != nil {
			schemaCompiled, schemaErr = schemaPrebuiltCompiled()
			return
		}
	} else {
		schemaJSON, schemaErr = generateSchema()
	}
	if schemaErr != nil {
		return
	}
	schemaCompiled, schemaErr = schemac.Compile(schemac.JobURL, schemaJSON)
}

// generateSchema reflects the schema from the Go types and the registry.
// It touches no package state: FreshSchema calls it without the lock.
func generateSchema() ([]byte, error) {
	r := &jsonschema.Reflector{FieldNameTag: "yaml", RequiredFromJSONSchemaTags: false}
	s := r.Reflect(&Job{})
	s.Title = "etl job file"
	s.Description = "A job moves records from a source through a mapping to a sink. See README.md."
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	loosenScalars(doc)
	setTypeEnums(doc)
	describeRefs(doc)
	return json.MarshalIndent(doc, "", "  ")
}

// The schema of an included mapping file: the job schema with mapping as
// its only key.
var (
	includeSchemaOnce sync.Once
	includeSchema     *validator.Schema
	includeSchemaErr  error
)

// checkIncludeFile validates an included mapping file that did not decode,
// so that its every problem is named at once, as a job file's are.
func checkIncludeFile(l i18n.Lang) func(display string, src []byte) error {
	return func(display string, src []byte) error {
		includeSchemaOnce.Do(func() {
			doc, defs := schemaDoc()
			// the root is a $ref to the job's definition
			job, _ := defs[strings.TrimPrefix(fmt.Sprint(doc["$ref"]), "#/$defs/")].(map[string]any)
			props, _ := job["properties"].(map[string]any)
			if props["mapping"] == nil {
				includeSchemaErr = errors.New("the job schema has no mapping")
				return
			}
			inc := map[string]any{
				"$schema":              doc["$schema"],
				"$defs":                defs,
				"type":                 "object",
				"properties":           map[string]any{"mapping": props["mapping"]},
				"required":             []any{"mapping"},
				"additionalProperties": false,
			}
			b, err := json.Marshal(inc)
			if err != nil {
				includeSchemaErr = err
				return
			}
			includeSchema, includeSchemaErr = schemac.Compile("etl-mapping-include.json", b)
		})
		if includeSchemaErr != nil {
			return nil
		}
		if errs, ok := validateAgainst(includeSchema, "mapping", display, src, l); ok && len(errs) > 0 {
			return errs
		}
		return nil
	}
}

// loosenScalars lets free-text fields take any YAML scalar: `value: 0` or
// `isCancelled: false` are text to us, and YAML users should not have to
// quote them. Fields with an enum keep their exact type.
func loosenScalars(n any) {
	switch v := n.(type) {
	case map[string]any:
		if v["type"] == "string" && v["enum"] == nil && v["pattern"] == nil {
			v["type"] = []any{"string", "number", "boolean"}
		}
		for _, c := range v {
			loosenScalars(c)
		}
	case []any:
		for _, c := range v {
			loosenScalars(c)
		}
	}
}

// validateSchema checks a job file against the schema and returns every
// violation with its place in the file, in l's language: each unknown key
// (a typo, a key at the wrong level) with the key it probably meant. ok is
// false when src is not YAML (the errors then say why).
func validateSchema(file string, src []byte, l i18n.Lang) (errs JobErrors, ok bool) {
	_, compiled, serr := currentSchema()
	if serr != nil {
		return JobErrors{{File: file, Msg: "internal: job schema: " + serr.Error()}}, true
	}
	return validateAgainst(compiled, "", file, src, l)
}

// validateAgainst is validateSchema with the schema given; under limits
// where an unknown key is said to belong ("mapping" for an included file,
// which holds nothing else).
func validateAgainst(compiled *validator.Schema, under, file string, src []byte, l i18n.Lang) (errs JobErrors, ok bool) {
	js, err := yaml.YAMLToJSON(src)
	if err != nil {
		return JobErrors{{File: file, Msg: err.Error()}}, false
	}
	inst, err := validator.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return JobErrors{{File: file, Msg: err.Error()}}, false
	}
	err = compiled.Validate(inst)
	if err == nil {
		return nil, true
	}
	ve, isVE := err.(*validator.ValidationError)
	if !isVE {
		return JobErrors{{File: file, Msg: err.Error()}}, true
	}
	seen := map[string]bool{}
	for _, leaf := range leaves(ve) {
		path := yamlPath(inst, leaf.InstanceLocation)
		if ap, ok := leaf.ErrorKind.(*kind.AdditionalProperties); ok {
			for _, key := range ap.Properties {
				kp := appendYAMLKey(path, key)
				if seen[kp] {
					continue
				}
				seen[kp] = true
				je := &JobError{File: file, Path: kp, Msg: l.T("job.unknown_field", key) + unknownKeyHint(l, key, kp, under)}
				je.Line, je.Col = keyPosition(src, kp)
				je.Snippet = snippetAt(src, je.Line, je.Col)
				if len(leaf.InstanceLocation) > 0 {
					je.Msg = strings.Join(leaf.InstanceLocation, ".") + ": " + je.Msg
				}
				errs = append(errs, je)
			}
			continue
		}
		if seen[path] {
			continue
		}
		seen[path] = true
		je := &JobError{File: file, Path: path, Msg: schemaMessage(l, leaf.ErrorKind)}
		if _, ok := leaf.ErrorKind.(*kind.Type); ok {
			if v, ok := valueAt(inst, leaf.InstanceLocation).(string); ok && len(v) <= 40 {
				je.Msg += fmt.Sprintf(" (%q)", v) // yes, ja, 1,5: what was written
			}
		}
		if e, ok := leaf.ErrorKind.(*kind.Enum); ok {
			if got, ok := e.Got.(string); ok {
				want := make([]string, 0, len(e.Want))
				for _, w := range e.Want {
					want = append(want, fmt.Sprint(w))
				}
				je.Msg += didYouMeanIn(l, got, want)
			}
		}
		je.Line, je.Col, je.Snippet = positionOf(src, path)
		if len(leaf.InstanceLocation) > 0 {
			je.Msg = strings.Join(leaf.InstanceLocation, ".") + ": " + je.Msg
		}
		errs = append(errs, je)
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	return errs, true
}

// valueAt is the instance's value at a JSON pointer's tokens, nil when
// there is none.
func valueAt(inst any, loc []string) any {
	cur := inst
	for _, tok := range loc {
		switch v := cur.(type) {
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil
			}
			cur = v[i]
		case map[string]any:
			cur = v[tok]
		default:
			return nil
		}
	}
	return cur
}

// appendYAMLKey is path followed by the map key key, quoted where the key
// holds a character of path syntax.
func appendYAMLKey(path, key string) string {
	if strings.ContainsAny(key, ".[]' ") {
		return path + ".'" + key + "'"
	}
	return path + "." + key
}

func leaves(e *validator.ValidationError) []*validator.ValidationError {
	if len(e.Causes) == 0 {
		return []*validator.ValidationError{e}
	}
	var out []*validator.ValidationError
	for _, c := range e.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// yamlPath turns a JSON pointer's tokens into a go-yaml path, telling list
// indexes from map keys by looking at the instance.
func yamlPath(inst any, loc []string) string {
	var b strings.Builder
	b.WriteString("$")
	cur := inst
	for _, tok := range loc {
		switch v := cur.(type) {
		case []any:
			i, _ := strconv.Atoi(tok)
			fmt.Fprintf(&b, "[%d]", i)
			if i < len(v) {
				cur = v[i]
			}
		case map[string]any:
			b.WriteString(appendYAMLKey("", tok))
			cur = v[tok]
		default:
			b.WriteString("." + tok)
		}
	}
	return b.String()
}

// setTypeEnums lists the registered types as the allowed values of
// source.type and sink.type, so editors complete them and a typo is caught
// with the others' names.
func setTypeEnums(doc any) {
	defs, _ := doc.(map[string]any)["$defs"].(map[string]any)
	for def, types := range map[string][]string{"SourceSpec": SourceTypes(), "SinkSpec": SinkTypes()} {
		d, _ := defs[def].(map[string]any)
		props, _ := d["properties"].(map[string]any)
		t, _ := props["type"].(map[string]any)
		if t == nil || len(types) == 0 {
			continue
		}
		enum := make([]any, len(types))
		for i, n := range types {
			enum[i] = n
		}
		t["enum"] = enum
	}
}

// describeRefs gives a property that is only a reference to a definition
// (totals: {$ref: Totals}) the definition's description, so that an editor
// shows help on hovering over every key.
func describeRefs(doc any) {
	defs, _ := doc.(map[string]any)["$defs"].(map[string]any)
	var walk func(n any)
	walk = func(n any) {
		switch v := n.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && v["description"] == nil {
				if d, ok := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any); ok && d["description"] != nil {
					v["description"] = d["description"]
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(doc)
}
