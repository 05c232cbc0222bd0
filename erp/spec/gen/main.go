// Command gen writes erp/spec's table (table.go) from the OpenAPI document:
//
//	go run ./gen -spec ../contract/openapi-cloud-1.0.json -o table.go
//
// It reads the document with encoding/json and fails on any construct the
// table cannot express (allOf, oneOf, a $ref with siblings, a non-numeric
// status), so that a new spec release cannot be summarised wrongly.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

func main() {
	specPath := flag.String("spec", "../contract/openapi-cloud-1.0.json", "the OpenAPI document")
	out := flag.String("o", "table.go", "the Go file to write")
	flag.Parse()
	doc, err := os.ReadFile(*specPath)
	if err != nil {
		fail(err)
	}
	src, err := generate(doc)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}

// schema is the subset of a JSON schema the table keeps. Keywords the
// table drops (description, example, readOnly, x-enumNames) are not decoded;
// the ones it cannot express are decoded to be refused.
type schema struct {
	Ref                  string             `json:"$ref"`
	Type                 string             `json:"type"`
	Format               string             `json:"format"`
	Required             []string           `json:"required"`
	Properties           map[string]*schema `json:"properties"`
	Items                *schema            `json:"items"`
	AdditionalProperties *schema            `json:"additionalProperties"`
	Enum                 []json.RawMessage  `json:"enum"`
	MinLength            *int               `json:"minLength"`
	MaxLength            *int               `json:"maxLength"`
	Minimum              *float64           `json:"minimum"`
	Maximum              *float64           `json:"maximum"`
	AllOf                []json.RawMessage  `json:"allOf"`
	OneOf                []json.RawMessage  `json:"oneOf"`
	AnyOf                []json.RawMessage  `json:"anyOf"`
	Not                  json.RawMessage    `json:"not"`
	Nullable             bool               `json:"nullable"`
}

type parameter struct {
	Ref      string  `json:"$ref"`
	Name     string  `json:"name"`
	In       string  `json:"in"`
	Required bool    `json:"required"`
	Schema   *schema `json:"schema"`
}

type content map[string]struct {
	Schema *schema `json:"schema"`
}

type operation struct {
	OperationID string       `json:"operationId"`
	Parameters  []*parameter `json:"parameters"`
	RequestBody *struct {
		Ref     string  `json:"$ref"`
		Content content `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Ref     string  `json:"$ref"`
		Content content `json:"content"`
	} `json:"responses"`
}

type document struct {
	Info struct {
		Version            string `json:"version"`
		ApplicationVersion string `json:"x-application-version"`
	} `json:"info"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]*schema `json:"schemas"`
	} `json:"components"`
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

type generator struct {
	doc     document
	buf     bytes.Buffer
	varName map[string]string // component name -> Go variable
	params  map[string]string // parameter literal -> Go variable
	pdefs   []string
}

func generate(data []byte) ([]byte, error) {
	g := &generator{varName: map[string]string{}, params: map[string]string{}}
	if err := json.Unmarshal(data, &g.doc); err != nil {
		return nil, fmt.Errorf("decoding the spec: %w", err)
	}
	if g.doc.Info.ApplicationVersion == "" {
		return nil, fmt.Errorf("the spec has no info.x-application-version")
	}
	names := sortedKeys(g.doc.Components.Schemas)
	taken := map[string]bool{}
	for _, n := range names {
		v := "s" + goIdent(n)
		for taken[v] {
			v += "_"
		}
		taken[v] = true
		g.varName[n] = v
	}

	var body bytes.Buffer
	fmt.Fprintf(&body, "// ApplicationVersion is the spec's info.x-application-version, the Wawi\n// release the document describes.\nconst ApplicationVersion = %q\n\n", g.doc.Info.ApplicationVersion)
	fmt.Fprintf(&body, "// Version is the spec's info.version.\nconst Version = %q\n\n", g.doc.Info.Version)

	// Component schemas, one variable each; $ref becomes a pointer to it.
	body.WriteString("var schemas = []*Schema{\n")
	for _, n := range names {
		fmt.Fprintf(&body, "&%s,\n", g.varName[n])
	}
	body.WriteString("}\n\nvar (\n")
	for _, n := range names {
		lit, err := g.schemaLit(g.doc.Components.Schemas[n], n, "#/components/schemas/"+n)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&body, "%s = %s\n", g.varName[n], strings.TrimPrefix(lit, "&"))
	}
	body.WriteString(")\n\n")

	// Operations, sorted by id.
	type opEntry struct {
		id, lit string
	}
	var ops []opEntry
	seen := map[string]bool{}
	for _, path := range sortedKeys(g.doc.Paths) {
		item := g.doc.Paths[path]
		for key := range item {
			if !slices.Contains(methods, key) {
				return nil, fmt.Errorf("paths %s: %q is not supported by the table", path, key)
			}
		}
		for _, m := range methods {
			raw, ok := item[m]
			if !ok {
				continue
			}
			var op operation
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("%s %s: %w", m, path, err)
			}
			if op.OperationID == "" || seen[op.OperationID] {
				return nil, fmt.Errorf("%s %s: missing or duplicate operationId %q", m, path, op.OperationID)
			}
			seen[op.OperationID] = true
			lit, err := g.operationLit(strings.ToUpper(m), path, &op)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", m, path, err)
			}
			ops = append(ops, opEntry{op.OperationID, lit})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].id < ops[j].id })
	body.WriteString("var operations = []*Operation{\n")
	for _, op := range ops {
		body.WriteString(op.lit + ",\n")
	}
	body.WriteString("}\n\n")
	body.WriteString("// Parameters shared by the operations (the same header on most of them).\nvar (\n")
	for _, d := range g.pdefs {
		body.WriteString(d + "\n")
	}
	body.WriteString(")\n")

	g.buf.WriteString("// Code generated by erp/spec/gen from openapi-cloud-1.0.json; DO NOT EDIT.\n\npackage spec\n\n")
	g.buf.Write(body.Bytes())
	src, err := format.Source(g.buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting the table: %w", err)
	}
	return src, nil
}

// schemaLit returns the Go expression for s: a pointer to a component's
// variable for a $ref, else &Schema{...}.
func (g *generator) schemaLit(s *schema, name, where string) (string, error) {
	if s == nil {
		return "nil", nil
	}
	if s.Ref != "" {
		n, ok := strings.CutPrefix(s.Ref, "#/components/schemas/")
		v := g.varName[n]
		if !ok || v == "" {
			return "", fmt.Errorf("%s: unresolvable $ref %q", where, s.Ref)
		}
		if !isZero(s, true) {
			return "", fmt.Errorf("%s: $ref with sibling keywords is not supported", where)
		}
		return "&" + v, nil
	}
	if len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) > 0 || len(s.Not) > 0 || s.Nullable {
		return "", fmt.Errorf("%s: allOf/oneOf/anyOf/not/nullable are not supported", where)
	}
	var f []string
	add := func(k, v string) { f = append(f, k+": "+v) }
	if name != "" {
		add("Name", strconv.Quote(name))
	}
	if s.Type != "" {
		add("Type", strconv.Quote(s.Type))
	}
	if s.Format != "" {
		add("Format", strconv.Quote(s.Format))
	}
	if len(s.Required) > 0 {
		add("Required", stringsLit(s.Required))
	}
	if len(s.Properties) > 0 {
		var ps []string
		for _, pn := range sortedKeys(s.Properties) {
			lit, err := g.schemaLit(s.Properties[pn], "", where+"/properties/"+pn)
			if err != nil {
				return "", err
			}
			ps = append(ps, fmt.Sprintf("{%q, %s},\n", pn, lit))
		}
		add("Props", "[]Prop{\n"+strings.Join(ps, ""))
		f[len(f)-1] += "}"
	}
	if s.Items != nil {
		lit, err := g.schemaLit(s.Items, "", where+"/items")
		if err != nil {
			return "", err
		}
		add("Items", lit)
	}
	if s.AdditionalProperties != nil {
		lit, err := g.schemaLit(s.AdditionalProperties, "", where+"/additionalProperties")
		if err != nil {
			return "", err
		}
		add("Extra", lit)
	}
	if len(s.Enum) > 0 {
		vals, err := enumValues(s.Enum)
		if err != nil {
			return "", fmt.Errorf("%s: %w", where, err)
		}
		add("Enum", stringsLit(vals))
	}
	if s.MinLength != nil && *s.MinLength > 0 {
		add("MinLength", strconv.Itoa(*s.MinLength))
	}
	if s.MaxLength != nil {
		if *s.MaxLength <= 0 {
			return "", fmt.Errorf("%s: maxLength %d is not supported", where, *s.MaxLength)
		}
		add("MaxLength", strconv.Itoa(*s.MaxLength))
	}
	if s.Minimum != nil {
		add("Min", "Limit{"+strconv.FormatFloat(*s.Minimum, 'g', -1, 64)+", true}")
	}
	if s.Maximum != nil {
		add("Max", "Limit{"+strconv.FormatFloat(*s.Maximum, 'g', -1, 64)+", true}")
	}
	if len(f) == 0 {
		return "&Schema{}", nil
	}
	if len(s.Properties) > 0 {
		return "&Schema{\n" + strings.Join(f, ",\n") + ",\n}", nil
	}
	return "&Schema{" + strings.Join(f, ", ") + "}", nil
}

func isZero(s *schema, ignoreRef bool) bool {
	c := *s
	if ignoreRef {
		c.Ref = ""
	}
	b, _ := json.Marshal(c)
	var empty schema
	e, _ := json.Marshal(empty)
	return bytes.Equal(b, e)
}

func (g *generator) operationLit(method, path string, op *operation) (string, error) {
	var f []string
	f = append(f, fmt.Sprintf("ID: %q, Method: %q, Path: %q", op.OperationID, method, path))
	var params []string
	for _, p := range op.Parameters {
		if p.Ref != "" {
			return "", fmt.Errorf("parameter $ref is not supported")
		}
		if p.Schema == nil || p.Schema.Ref != "" || p.Schema.Items != nil || len(p.Schema.Properties) > 0 {
			return "", fmt.Errorf("parameter %s: only scalar inline schemas are supported", p.Name)
		}
		lit := fmt.Sprintf("Param{Name: %q, In: %q", p.Name, p.In)
		if p.Schema.Type != "" {
			lit += fmt.Sprintf(", Type: %q", p.Schema.Type)
		}
		if p.Schema.Format != "" {
			lit += fmt.Sprintf(", Format: %q", p.Schema.Format)
		}
		if len(p.Schema.Enum) > 0 {
			vals, err := enumValues(p.Schema.Enum)
			if err != nil {
				return "", fmt.Errorf("parameter %s: %w", p.Name, err)
			}
			lit += ", Enum: " + stringsLit(vals)
		}
		if p.Required {
			lit += ", Required: true"
		}
		lit += "}"
		v, ok := g.params[lit]
		if !ok {
			base := "p" + goIdent(p.In) + goIdent(p.Name)
			v = base
			for n := 2; slices.ContainsFunc(g.pdefs, func(d string) bool { return strings.HasPrefix(d, v+" = ") }); n++ {
				v = base + strconv.Itoa(n) // a variant: another enum or required flag
			}
			g.params[lit] = v
			g.pdefs = append(g.pdefs, v+" = "+lit)
		}
		params = append(params, "&"+v)
	}
	if len(params) > 0 {
		f = append(f, "Params: []*Param{"+strings.Join(params, ", ")+"}")
	}
	if rb := op.RequestBody; rb != nil {
		if rb.Ref != "" {
			return "", fmt.Errorf("requestBody $ref is not supported")
		}
		for ct := range rb.Content {
			if ct != "application/json" {
				return "", fmt.Errorf("request content type %s is not supported", ct)
			}
		}
		if c, ok := rb.Content["application/json"]; ok {
			lit, err := g.schemaLit(c.Schema, "", op.OperationID+" request")
			if err != nil {
				return "", err
			}
			f = append(f, "Request: "+lit)
		}
	}
	var statuses []int
	for code, r := range op.Responses {
		n, err := strconv.Atoi(code)
		if err != nil || r.Ref != "" {
			return "", fmt.Errorf("response %q is not supported", code)
		}
		statuses = append(statuses, n)
	}
	slices.Sort(statuses)
	var rs []string
	for _, n := range statuses {
		r := op.Responses[strconv.Itoa(n)]
		lit := "nil"
		if c, ok := r.Content["application/json"]; ok && c.Schema != nil && !isZero(c.Schema, false) {
			var err error
			if lit, err = g.schemaLit(c.Schema, "", fmt.Sprintf("%s response %d", op.OperationID, n)); err != nil {
				return "", err
			}
		}
		rs = append(rs, fmt.Sprintf("{%d, %s}", n, lit))
	}
	if len(rs) > 0 {
		f = append(f, "Responses: []Response{"+strings.Join(rs, ", ")+"}")
	}
	return "{\n" + strings.Join(f, ",\n") + ",\n}", nil
}

// enumValues renders enum members as the table keeps them: strings
// unquoted, numbers and booleans as their JSON text.
func enumValues(raw []json.RawMessage) ([]string, error) {
	out := make([]string, len(raw))
	for i, r := range raw {
		var s string
		if err := json.Unmarshal(r, &s); err == nil {
			out[i] = s
			continue
		}
		var v any
		if err := json.Unmarshal(r, &v); err != nil {
			return nil, err
		}
		switch v.(type) {
		case float64, bool:
			out[i] = string(bytes.TrimSpace(r))
		default:
			return nil, fmt.Errorf("enum member %s is not a scalar", r)
		}
	}
	return out, nil
}

func stringsLit(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

// goIdent turns a schema, parameter or location name into an exported-style
// Go identifier part: x-api-key -> XApiKey, Item_Create -> Item_Create.
func goIdent(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			if up {
				r = unicode.ToUpper(r)
				up = false
			}
			b.WriteRune(r)
		default:
			up = true
		}
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
