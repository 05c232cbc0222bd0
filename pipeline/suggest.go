package pipeline

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/internal/suggest"
)

// didYouMean is the hint appended to a message naming a misspelt name.
func didYouMean(word string, candidates []string) string {
	return didYouMeanIn(i18n.English, word, candidates)
}

// didYouMeanIn is didYouMean in l's language.
func didYouMeanIn(l i18n.Lang, word string, candidates []string) string {
	return suggest.Hint(word, candidates, func(s string) string { return l.T("job.did_you_mean", s) })
}

// keyPathAt is the YAML path of the mapping key at line:col of src, e.g.
// $.source.encodng; "" when there is none.
func keyPathAt(src []byte, line, col int) string {
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return ""
	}
	v := &keyFinder{line: line, col: col}
	for _, d := range f.Docs {
		ast.Walk(v, d)
	}
	return v.path
}

type keyFinder struct {
	line, col int
	path      string
}

func (v *keyFinder) Visit(n ast.Node) ast.Visitor {
	if mv, ok := n.(*ast.MappingValueNode); ok && v.path == "" {
		if tk := mv.Key.GetToken(); tk != nil && tk.Position.Line == v.line && tk.Position.Column == v.col {
			v.path = mv.GetPath()
			if v.path == "" || !strings.HasSuffix(v.path, tk.Value) {
				v.path = mv.Key.GetPath()
			}
		}
	}
	return v
}

// schemaDoc is the job schema as a JSON document and its definitions; nil
// when it cannot be built.
func schemaDoc() (doc, defs map[string]any) {
	raw, _, err := currentSchema()
	if err != nil || json.Unmarshal(raw, &doc) != nil {
		return nil, nil
	}
	defs, _ = doc["$defs"].(map[string]any)
	return doc, defs
}

// keysAt lists the keys the job schema allows in the object that holds the
// key at path (e.g. $.source.encodng: the keys of source).
func keysAt(path string) []string {
	doc, defs := schemaDoc()
	if doc == nil {
		return nil
	}
	resolve := func(n map[string]any) map[string]any {
		for range 8 { // $ref chains are short; a cycle must not hang
			ref, ok := n["$ref"].(string)
			if !ok {
				return n
			}
			next, _ := defs[strings.TrimPrefix(ref, "#/$defs/")].(map[string]any)
			if next == nil {
				return n
			}
			n = next
		}
		return n
	}
	node := resolve(doc)
	parts := splitYAMLPath(path)
	if len(parts) == 0 {
		return nil
	}
	for _, p := range parts[:len(parts)-1] {
		if strings.HasPrefix(p, "[") {
			items, _ := node["items"].(map[string]any)
			if items == nil {
				return nil
			}
			node = resolve(items)
			continue
		}
		props, _ := node["properties"].(map[string]any)
		next, _ := props[p].(map[string]any)
		if next == nil {
			// a map of named things, e.g. mapping.lookups.<name>
			next, _ = node["additionalProperties"].(map[string]any)
		}
		if next == nil {
			return nil
		}
		node = resolve(next)
	}
	props, _ := node["properties"].(map[string]any)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	return keys
}

// keyHomes lists where in a job file the schema allows key, as paths a
// person reads (options, mapping.fields[]): a key written at the wrong
// level is better answered with where it belongs than with a look-alike
// name of this level.
func keyHomes(key string) []string {
	doc, defs := schemaDoc()
	if doc == nil {
		return nil
	}
	var homes []string
	var walk func(n map[string]any, path string, depth int, seen map[string]bool)
	walk = func(n map[string]any, path string, depth int, seen map[string]bool) {
		if depth > 6 || len(homes) > 3 {
			return
		}
		if ref, ok := n["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/$defs/")
			next, _ := defs[name].(map[string]any)
			if next == nil || seen[name] {
				return
			}
			seen = maps.Clone(seen)
			seen[name] = true
			n = next
		}
		props, _ := n["properties"].(map[string]any)
		names := slices.Sorted(maps.Keys(props))
		for _, k := range names {
			if k == key {
				homes = append(homes, strings.TrimPrefix(path, "."))
			}
		}
		for _, k := range names {
			if c, ok := props[k].(map[string]any); ok {
				walk(c, path+"."+k, depth+1, seen)
			}
		}
		if items, ok := n["items"].(map[string]any); ok {
			walk(items, path+"[]", depth+1, seen)
		}
	}
	walk(doc, "", 0, map[string]bool{})
	return homes
}

// unknownKeyHint is what follows "unknown field" for key at path: where the
// key belongs when the schema has it elsewhere (below under, when given),
// else the key of this level it probably is.
func unknownKeyHint(l i18n.Lang, key, path, under string) string {
	homes := keyHomes(key)
	if under != "" {
		homes = slices.DeleteFunc(homes, func(h string) bool {
			return h != under && !strings.HasPrefix(h, under+".") && !strings.HasPrefix(h, under+"[")
		})
	}
	if len(homes) > 0 && len(homes) <= 3 {
		for i, h := range homes {
			if h == "" {
				homes[i] = l.Pick("die oberste Ebene", "the top level")
			} else {
				homes[i] = h + ":"
			}
		}
		return "; " + l.T("job.key_belongs", key, strings.Join(homes, l.Pick(" oder ", " or ")))
	}
	return didYouMeanIn(l, key, keysAt(path))
}

// splitYAMLPath splits $.a.b[0].c into a, b, [0], c.
func splitYAMLPath(path string) []string {
	path = strings.TrimPrefix(path, "$")
	var out []string
	for _, seg := range strings.Split(path, ".") {
		for seg != "" {
			i := strings.IndexByte(seg, '[')
			switch {
			case i < 0:
				out = append(out, strings.Trim(seg, "'"))
				seg = ""
			case i > 0:
				out = append(out, strings.Trim(seg[:i], "'"))
				seg = seg[i:]
			default:
				j := strings.IndexByte(seg, ']')
				if j < 0 {
					j = len(seg) - 1
				}
				out = append(out, seg[:j+1])
				seg = seg[j+1:]
			}
		}
	}
	return out
}
