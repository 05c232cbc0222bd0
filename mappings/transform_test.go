package mappings

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/invopop/jsonschema"
)

func TestTransformYAML(t *testing.T) {
	src := `
transforms:
  - trim
  - "upper"
  - replace: [",", "."]
  - replace: [" ", ""]
  - replace: ["a", ~]
  - round: 2
  - multiply: 1.10
  - multiply: "1.19"
  - default: "0"
  - default: 0
  - default: ""
  - prefix: X-
  - split: ","
  - regex: '(\d+)'
  - {suffix: "!"}
  - trim:
`
	var got struct {
		Transforms []Transform `yaml:"transforms"`
	}
	if err := yaml.UnmarshalWithOptions([]byte(src), &got, yaml.Strict()); err != nil {
		t.Fatal(yaml.FormatError(err, false, true))
	}
	want := []Transform{
		{Name: "trim"},
		{Name: "upper"},
		{Name: "replace", Args: []string{",", "."}},
		{Name: "replace", Args: []string{" ", ""}},
		{Name: "replace", Args: []string{"a", ""}},
		{Name: "round", Args: []string{"2"}},
		{Name: "multiply", Args: []string{"1.10"}},
		{Name: "multiply", Args: []string{"1.19"}},
		{Name: "default", Args: []string{"0"}},
		{Name: "default", Args: []string{"0"}},
		{Name: "default", Args: []string{""}},
		{Name: "prefix", Args: []string{"X-"}},
		{Name: "split", Args: []string{","}},
		{Name: "regex", Args: []string{`(\d+)`}},
		{Name: "suffix", Args: []string{"!"}},
		{Name: "trim"},
	}
	if !reflect.DeepEqual(got.Transforms, want) {
		t.Errorf("got  %#v\nwant %#v", got.Transforms, want)
	}
}

func TestTransformYAMLErrors(t *testing.T) {
	tests := []struct{ src, pos, msg string }{
		{"transforms:\n  - {replace: [a, b], trim: x}\n", "[2:5]", "a map with one key"},
		{"transforms:\n  - [trim]\n", "[2:5]", "a transform is a name"},
		{"transforms:\n  - replace: [a, [b]]\n", "[2:18]", "plain values"},
		{"transforms:\n  - default: {a: b}\n", "[2:14]", "a value or a list"},
	}
	for _, tt := range tests {
		var got struct {
			Transforms []Transform `yaml:"transforms"`
		}
		err := yaml.UnmarshalWithOptions([]byte(tt.src), &got, yaml.Strict())
		if err == nil {
			t.Errorf("%q: no error", tt.src)
			continue
		}
		formatted := yaml.FormatError(err, false, true)
		if !strings.HasPrefix(formatted, tt.pos) || !strings.Contains(formatted, tt.msg) || !strings.Contains(formatted, "^") {
			t.Errorf("%q: got\n%s\nwant %s ... %s with a caret", tt.src, formatted, tt.pos, tt.msg)
		}
	}
}

func TestTransformJSON(t *testing.T) {
	in := []Transform{{Name: "trim"}, {Name: "round", Args: []string{"2"}}, {Name: "replace", Args: []string{",", "."}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `["trim",{"round":"2"},{"replace":[",","."]}]` {
		t.Errorf("json: %s", b)
	}
	var back []Transform
	if err := json.Unmarshal([]byte(`["trim",{"round":2},{"multiply":1.10},{"replace":[",","."]}]`), &back); err != nil {
		t.Fatal(err)
	}
	want := []Transform{{Name: "trim"}, {Name: "round", Args: []string{"2"}}, {Name: "multiply", Args: []string{"1.10"}}, {Name: "replace", Args: []string{",", "."}}}
	if !reflect.DeepEqual(back, want) {
		t.Errorf("got %#v", back)
	}
	if err := json.Unmarshal([]byte(`[{"a":1,"b":2}]`), &back); err == nil {
		t.Error("two keys accepted")
	}
	y, err := yaml.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var again []Transform
	if err := yaml.Unmarshal(y, &again); err != nil || !reflect.DeepEqual(again, in) {
		t.Errorf("yaml round trip: %s -> %#v, %v", y, again, err)
	}
}

func TestTransformJSONSchema(t *testing.T) {
	s := new(jsonschema.Reflector).Reflect(&FieldSpec{})
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs map[string]struct {
			OneOf []struct {
				Type          string          `json:"type"`
				Enum          []string        `json:"enum"`
				Properties    map[string]any  `json:"properties"`
				Additional    json.RawMessage `json:"additionalProperties"`
				MinProperties int             `json:"minProperties"`
				MaxProperties int             `json:"maxProperties"`
			} `json:"oneOf"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	tr, ok := doc.Defs["Transform"]
	if !ok || len(tr.OneOf) != 2 {
		t.Fatalf("no Transform oneOf in %s", b)
	}
	if tr.OneOf[0].Type != "string" || !reflect.DeepEqual(tr.OneOf[0].Enum, []string{"trim", "upper", "lower"}) {
		t.Errorf("bare names: %+v", tr.OneOf[0])
	}
	obj := tr.OneOf[1]
	if obj.Type != "object" || obj.MinProperties != 1 || obj.MaxProperties != 1 || string(obj.Additional) != "false" {
		t.Errorf("object form: %+v", obj)
	}
	for _, name := range transformNames {
		if _, ok := obj.Properties[name]; !ok && transformArgs[name] > 0 {
			t.Errorf("schema lacks %s", name)
		}
	}
}

func TestTextSteps(t *testing.T) {
	tests := []struct {
		ts   []Transform
		in   string
		want string
		err  string
	}{
		{[]Transform{{Name: "trim"}}, "  a b \t", "a b", ""},
		{[]Transform{{Name: "upper"}}, "straße", "STRAßE", ""},
		{[]Transform{{Name: "lower"}}, "ÄBC", "äbc", ""},
		{[]Transform{{Name: "replace", Args: []string{",", "."}}}, "1,5,6", "1.5.6", ""},
		{[]Transform{{Name: "replace", Args: []string{" ", ""}}}, "a b c", "abc", ""},
		{[]Transform{{Name: "regex", Args: []string{`(\d+)`}}}, "Art 123-4", "123", ""},
		{[]Transform{{Name: "regex", Args: []string{`\d+`}}}, "Art 123-4", "123", ""},
		{[]Transform{{Name: "regex", Args: []string{`(x)?\d`}}}, "a1", "1", ""}, // group did not take part: whole match
		{[]Transform{{Name: "regex", Args: []string{`\d+`}}}, "none", "", `does not match regex "\\d+"`},
		{[]Transform{{Name: "regex", Args: []string{`\d+`}}}, "", "", ""},
		{[]Transform{{Name: "default", Args: []string{"0"}}}, "", "0", ""},
		{[]Transform{{Name: "default", Args: []string{"0"}}}, "5", "5", ""},
		{[]Transform{{Name: "trim"}, {Name: "default", Args: []string{"n/a"}}}, "   ", "n/a", ""},
		{[]Transform{{Name: "default", Args: []string{"n/a"}}, {Name: "trim"}}, "   ", "", ""},
		{[]Transform{{Name: "prefix", Args: []string{"DE-"}}}, "123", "DE-123", ""},
		{[]Transform{{Name: "prefix", Args: []string{"DE-"}}}, "", "", ""},
		{[]Transform{{Name: "suffix", Args: []string{" kg"}}}, "5", "5 kg", ""},
		{[]Transform{{Name: "suffix", Args: []string{" kg"}}}, "", "", ""},
	}
	for _, tt := range tests {
		var bad []string
		c := compileTransforms(tt.ts, func(m string) { bad = append(bad, m) })
		if len(bad) > 0 {
			t.Fatalf("%v: %v", tt.ts, bad)
		}
		got, err := runSteps(c.pre, tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%v(%q) = %q, %v; want error %q", tt.ts, tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%v(%q) = %q, %v; want %q", tt.ts, tt.in, got, err, tt.want)
		}
	}
}

func TestCompileTransformErrors(t *testing.T) {
	tests := []struct {
		t   Transform
		msg string
	}{
		{Transform{Name: "trimm"}, "step 1 (trimm): unknown transform (known: trim, upper"},
		{Transform{Name: "trim", Args: []string{"x"}}, "step 1 (trim) takes no argument"},
		{Transform{Name: "replace", Args: []string{"x"}}, "step 1 (replace) takes 2 arguments"},
		{Transform{Name: "replace", Args: []string{"", "x"}}, "must not be empty"},
		{Transform{Name: "regex", Args: []string{"("}}, "missing closing )"},
		{Transform{Name: "round"}, "takes one argument"},
		{Transform{Name: "round", Args: []string{"2.5"}}, "places must be a whole number"},
		{Transform{Name: "multiply", Args: []string{"abc"}}, `factor "abc"`},
		{Transform{Name: "split", Args: []string{""}}, "separator must not be empty"},
	}
	for _, tt := range tests {
		var bad []string
		compileTransforms([]Transform{tt.t}, func(m string) { bad = append(bad, m) })
		if len(bad) != 1 || !strings.Contains(bad[0], tt.msg) {
			t.Errorf("%v: got %q, want %q", tt.t, bad, tt.msg)
		}
	}
}
