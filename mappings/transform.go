package mappings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/invopop/jsonschema"
	"github.com/shopspring/decimal"
)

// Transform names and their argument counts. Text transforms run in the
// order written on the text before it is typed; round and multiply run after
// typing on the number, in their own written order.
var transformArgs = map[string]int{
	"trim":     0,
	"upper":    0,
	"lower":    0,
	"replace":  2,
	"regex":    1,
	"default":  1,
	"round":    1,
	"multiply": 1,
	"prefix":   1,
	"suffix":   1,
	"split":    1,
}

var transformNames = []string{"trim", "upper", "lower", "replace", "regex", "default", "round", "multiply", "prefix", "suffix", "split"}

// UnmarshalYAML implements goccy/go-yaml's InterfaceUnmarshaler. That form
// (rather than BytesUnmarshaler) decodes with the job's own decoder, so
// yaml.Strict() and the file positions of errors carry through. It accepts
// a bare name or a one-key map; a sequence gives several arguments, a scalar
// one, kept as written (multiply: 1.10 stays "1.10"):
//
//	transforms:
//	  - trim
//	  - replace: [",", "."]
//	  - round: 2
//	  - default: "0"
//
// Names and argument counts are checked by Compile (as SpecErrors with key
// "transforms"), so one run reports them together with the other problems.
func (t *Transform) UnmarshalYAML(unmarshal func(any) error) error {
	var node ast.Node
	if err := unmarshal(&node); err != nil {
		return err
	}
	return t.fromNode(node)
}

func (t *Transform) fromNode(node ast.Node) error {
	shapeErr := func(n ast.Node) error {
		return &yaml.SyntaxError{
			Message: "a transform is a name (- trim) or a map with one key (- replace: [old, new])",
			Token:   n.GetToken(),
		}
	}
	switch n := node.(type) {
	case *ast.TagNode:
		return t.fromNode(n.Value)
	case *ast.StringNode:
		*t = Transform{Name: n.Value}
		return nil
	case *ast.MappingNode:
		if len(n.Values) != 1 {
			return shapeErr(n)
		}
		return t.fromPair(n.Values[0])
	case *ast.MappingValueNode:
		return t.fromPair(n)
	}
	return shapeErr(node)
}

func (t *Transform) fromPair(mv *ast.MappingValueNode) error {
	name, ok := scalarText(mv.Key)
	if !ok {
		return &yaml.SyntaxError{Message: "transform name must be a string", Token: mv.Key.GetToken()}
	}
	*t = Transform{Name: name}
	switch v := mv.Value.(type) {
	case *ast.SequenceNode:
		t.Args = make([]string, 0, len(v.Values))
		for _, el := range v.Values {
			s, ok := scalarText(el)
			if !ok {
				return &yaml.SyntaxError{Message: "transform arguments must be plain values", Token: el.GetToken()}
			}
			t.Args = append(t.Args, s)
		}
	case *ast.NullNode:
	default:
		s, ok := scalarText(v)
		if !ok {
			return &yaml.SyntaxError{Message: "transform argument must be a value or a list of values", Token: v.GetToken()}
		}
		t.Args = []string{s}
	}
	return nil
}

// scalarText returns a scalar as written, so that multiply: 1.10 stays "1.10"
// instead of passing through float64.
func scalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.TagNode:
		return scalarText(v.Value)
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		return v.Value.Value, true
	case *ast.NullNode:
		return "", true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		return v.GetToken().Value, true
	}
	return "", false
}

// MarshalYAML writes the same forms UnmarshalYAML reads.
func (t Transform) MarshalYAML() (any, error) {
	switch len(t.Args) {
	case 0:
		return t.Name, nil
	case 1:
		return yaml.MapSlice{{Key: t.Name, Value: t.Args[0]}}, nil
	}
	return yaml.MapSlice{{Key: t.Name, Value: t.Args}}, nil
}

// MarshalJSON writes "trim" or {"replace": [",", "."]}, the shape of the
// JSON schema.
func (t Transform) MarshalJSON() ([]byte, error) {
	switch len(t.Args) {
	case 0:
		return json.Marshal(t.Name)
	case 1:
		return json.Marshal(map[string]string{t.Name: t.Args[0]})
	}
	return json.Marshal(map[string][]string{t.Name: t.Args})
}

// UnmarshalJSON reads the forms MarshalJSON writes; numbers keep their text.
func (t *Transform) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	switch v := v.(type) {
	case string:
		*t = Transform{Name: v}
		return nil
	case map[string]any:
		if len(v) != 1 {
			break
		}
		for name, arg := range v {
			*t = Transform{Name: name}
			args, isList := arg.([]any)
			if !isList {
				args = []any{arg}
			}
			for _, a := range args {
				switch a := a.(type) {
				case string:
					t.Args = append(t.Args, a)
				case json.Number:
					t.Args = append(t.Args, a.String())
				case bool:
					t.Args = append(t.Args, strconv.FormatBool(a))
				case nil:
					if isList {
						t.Args = append(t.Args, "")
					}
				default:
					return fmt.Errorf("transform %s: arguments must be plain values", name)
				}
			}
		}
		return nil
	}
	return fmt.Errorf("a transform is a name (\"trim\") or an object with one key ({\"replace\": [old, new]})")
}

// JSONSchema describes the two forms for github.com/invopop/jsonschema.
func (Transform) JSONSchema() *jsonschema.Schema {
	str := func(desc string) *jsonschema.Schema {
		return &jsonschema.Schema{Type: "string", Description: desc}
	}
	scalar := func(desc string) *jsonschema.Schema {
		return &jsonschema.Schema{Description: desc, AnyOf: []*jsonschema.Schema{{Type: "string"}, {Type: "number"}, {Type: "boolean"}}}
	}
	two := uint64(2)
	one := uint64(1)
	props := jsonschema.NewProperties()
	props.Set("replace", &jsonschema.Schema{Type: "array", Items: &jsonschema.Schema{Type: "string"}, MinItems: &two, MaxItems: &two, Description: "[old, new]: replace every old with new"})
	props.Set("regex", str("keep the first capture group of the first match, or the whole match; no match is an error"))
	props.Set("default", scalar("value used when the text is empty"))
	props.Set("round", &jsonschema.Schema{Type: "integer", Description: "round the number to n decimal places, half away from zero"})
	props.Set("multiply", &jsonschema.Schema{Description: "multiply the number by a decimal factor, e.g. \"1.19\"", AnyOf: []*jsonschema.Schema{{Type: "string"}, {Type: "number"}}})
	props.Set("prefix", scalar("text put in front of a non-empty value"))
	props.Set("suffix", scalar("text put after a non-empty value"))
	props.Set("split", &jsonschema.Schema{Type: "string", MinLength: &one, Description: "split into a list at this separator"})
	return &jsonschema.Schema{
		Description: "a transform: trim, upper, lower, or a map with one key",
		OneOf: []*jsonschema.Schema{
			{Type: "string", Enum: []any{"trim", "upper", "lower"}},
			{Type: "object", Properties: props, AdditionalProperties: jsonschema.FalseSchema, MinProperties: &one, MaxProperties: &one},
		},
	}
}

// stepKind is a compiled text transform.
type stepKind uint8

const (
	stepTrim stepKind = iota
	stepUpper
	stepLower
	stepReplace
	stepRegex
	stepDefault
	stepPrefix
	stepSuffix
)

type textStep struct {
	kind stepKind
	a, b string
	re   *regexp.Regexp
}

// apply runs one text transform. Only default acts on empty text: a prefix on
// an empty cell would otherwise invent a value.
func (s *textStep) apply(v string) (string, error) {
	switch s.kind {
	case stepTrim:
		return strings.TrimSpace(v), nil
	case stepUpper:
		return strings.ToUpper(v), nil
	case stepLower:
		return strings.ToLower(v), nil
	case stepReplace:
		return strings.ReplaceAll(v, s.a, s.b), nil
	case stepDefault:
		if v == "" {
			return s.a, nil
		}
		return v, nil
	}
	if v == "" {
		return v, nil
	}
	switch s.kind {
	case stepPrefix:
		return s.a + v, nil
	case stepSuffix:
		return v + s.a, nil
	case stepRegex:
		m := s.re.FindStringSubmatchIndex(v)
		if m == nil {
			return "", reasonf("does not match regex %q", s.a)
		}
		if len(m) >= 4 && m[2] >= 0 {
			return v[m[2]:m[3]], nil
		}
		return v[m[0]:m[1]], nil
	}
	return v, nil
}

// numStep is round or multiply, applied to the typed number.
type numStep struct {
	round  bool
	places int32
	factor decimal.Decimal
}

func (s *numStep) apply(d decimal.Decimal) decimal.Decimal {
	if s.round {
		return d.Round(s.places) // half away from zero: 2.345 → 2.35, -2.345 → -2.35
	}
	return d.Mul(s.factor)
}

// transforms is a field's compiled transform list.
type transforms struct {
	pre      []textStep // before split, or all text steps without split
	split    string
	hasSplit bool
	post     []textStep // per list element, after split
	num      []numStep
}

// compileTransforms checks and prepares a transform list; each problem is
// reported through bad with the 1-based step number.
func compileTransforms(ts []Transform, bad func(msg string)) transforms {
	var out transforms
	for i, t := range ts {
		step := fmt.Sprintf("step %d (%s)", i+1, t.Name)
		want, known := transformArgs[t.Name]
		if !known {
			bad(fmt.Sprintf("%s: unknown transform (known: %s)", step, strings.Join(transformNames, ", ")) + didYouMean(t.Name, transformNames))
			continue
		}
		if len(t.Args) != want {
			switch want {
			case 0:
				bad(fmt.Sprintf("%s takes no argument; write - %s", step, t.Name))
			case 1:
				bad(fmt.Sprintf("%s takes one argument: - %s: x", step, t.Name))
			default:
				bad(fmt.Sprintf("%s takes %d arguments: - %s: [old, new]", step, want, t.Name))
			}
			continue
		}
		var ts textStep
		switch t.Name {
		case "trim":
			ts.kind = stepTrim
		case "upper":
			ts.kind = stepUpper
		case "lower":
			ts.kind = stepLower
		case "replace":
			if t.Args[0] == "" {
				bad(step + ": the text to replace must not be empty")
				continue
			}
			ts = textStep{kind: stepReplace, a: t.Args[0], b: t.Args[1]}
		case "regex":
			re, err := regexp.Compile(t.Args[0])
			if err != nil {
				bad(fmt.Sprintf("%s: %v", step, err))
				continue
			}
			ts = textStep{kind: stepRegex, a: t.Args[0], re: re}
		case "default":
			ts = textStep{kind: stepDefault, a: t.Args[0]}
		case "prefix":
			ts = textStep{kind: stepPrefix, a: t.Args[0]}
		case "suffix":
			ts = textStep{kind: stepSuffix, a: t.Args[0]}
		case "round":
			n, err := strconv.Atoi(t.Args[0])
			if err != nil || n < -18 || n > 30 {
				bad(fmt.Sprintf("%s: places must be a whole number from -18 to 30, not %q", step, t.Args[0]))
				continue
			}
			out.num = append(out.num, numStep{round: true, places: int32(n)})
			continue
		case "multiply":
			f, err := ParseDecimal(t.Args[0], SepPoint)
			if err != nil {
				bad(fmt.Sprintf("%s: factor %q: %v (write it with a decimal point, e.g. \"1.19\")", step, t.Args[0], err))
				continue
			}
			out.num = append(out.num, numStep{factor: f})
			continue
		case "split":
			if t.Args[0] == "" {
				bad(step + ": the separator must not be empty")
				continue
			}
			if out.hasSplit {
				bad(step + ": only one split per field")
				continue
			}
			out.split, out.hasSplit = t.Args[0], true
			continue
		}
		if out.hasSplit {
			out.post = append(out.post, ts)
		} else {
			out.pre = append(out.pre, ts)
		}
	}
	return out
}

// runSteps applies text steps in order.
func runSteps(steps []textStep, v string) (string, error) {
	for i := range steps {
		var err error
		if v, err = steps[i].apply(v); err != nil {
			return v, err
		}
	}
	return v, nil
}
