package mappings

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/record"
)

// writeFiles creates files below dir; names may contain folders.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadIncludes(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"shared/base.yaml": `mapping:
  decimal: comma
  include: [common/ids.yaml]
  lookups:
    countries: {file: countries.csv}
  fields:
    - {target: Price, column: Preis, type: decimal}
    - {target: Country, column: Land, lookup: countries}
`,
		"shared/common/ids.yaml": `mapping:
  date_format: dd.mm.yyyy
  fields:
    - {target: SKU, column: SKU, required: true}
    - {target: Date, column: Datum, type: date}
`,
		"shared/extra.yaml": `mapping:
  include: [common/ids.yaml]
  fields:
    - {target: Name, column: Name}
`,
		"shared/countries.csv": "k,v\nDeutschland,DE\n",
	})
	spec := decodeSpec(t, `
mapping:
  include: [shared/base.yaml, shared/extra.yaml]
  fields:
    - {target: Stock, column: Bestand, type: int}
`)
	if err := LoadIncludes(spec, dir); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range spec.Fields {
		got = append(got, f.Target+"@"+f.From+"#"+string(rune('0'+f.FromIndex))+" "+f.Decimal+f.Format)
	}
	want := []string{
		"SKU@shared/common/ids.yaml#0 ",
		"Date@shared/common/ids.yaml#1 dd.mm.yyyy",
		"Price@shared/base.yaml#0 comma",
		"Country@shared/base.yaml#1 ",
		"Name@shared/extra.yaml#0 ",
		"Stock@#0 ",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if spec.Include != nil {
		t.Errorf("include not cleared: %v", spec.Include)
	}
	if l := spec.Lookups["countries"]; l.File != filepath.Join(dir, "shared/countries.csv") || l.From != "shared/base.yaml" {
		t.Errorf("lookup %+v", l)
	}

	// The merged spec compiles; lookup files resolve against their own file.
	h := record.NewHeader([]string{"SKU", "Datum", "Preis", "Land", "Name", "Bestand"})
	m, err := Compile(spec, h, Options{BaseDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	res := apply(t, m, row(h, 2, "A", "5.3.2024", "1.234,5", "Deutschland", "n", "7"))
	if len(res.Errs) > 0 || res.Values[3] != "DE" || res.Values[2].(interface{ String() string }).String() != "1234.5" {
		t.Errorf("values %v %v", res.Values, errStrings(res.Errs))
	}

	// Errors in included fields point into the included file.
	h2 := record.NewHeader([]string{"SKU"})
	_, err = Compile(spec, h2, Options{BaseDir: dir})
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatal(err)
	}
	if e := ce.Errs[0]; e.Field != 1 || e.File != "shared/common/ids.yaml" || e.FileField != 1 ||
		!strings.HasPrefix(e.Error(), `shared/common/ids.yaml: mapping.fields[1].column: column "Datum" is not in the file`) {
		t.Errorf("first error %+v: %s", e, e)
	}
}

func TestLoadIncludesErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
		check func(t *testing.T, err error)
	}{
		{
			name: "cycle",
			files: map[string]string{
				"a.yaml":     "mapping:\n  include: [sub/b.yaml]\n",
				"sub/b.yaml": "mapping:\n  include: [../a.yaml]\n",
			},
			want: "sub/b.yaml: mapping.include[0]: include cycle: a.yaml → sub/b.yaml → a.yaml",
		},
		{
			name:  "self",
			files: map[string]string{"a.yaml": "mapping:\n  include: [a.yaml]\n"},
			want:  "a.yaml: mapping.include[0]: include cycle: a.yaml → a.yaml",
		},
		{
			name: "strict",
			files: map[string]string{"a.yaml": `mapping:
  fields:
    - target: SKU
      colum: Artikelnummer
`},
			want: "a.yaml:4:7: unknown field \"colum\"\n",
			check: func(t *testing.T, err error) {
				var ie *IncludeError
				if !errors.As(err, &ie) || ie.Line != 4 || ie.Column != 7 || !strings.Contains(ie.Source, "colum: Artikelnummer") || !strings.Contains(ie.Source, "^") {
					t.Errorf("IncludeError %+v", ie)
				}
			},
		},
		{
			name:  "bad transform in include",
			files: map[string]string{"a.yaml": "mapping:\n  fields:\n    - {target: A, column: B, transforms: [[x]]}\n"},
			want:  "a.yaml:3:43: a transform is a name",
		},
		{
			name:  "syntax",
			files: map[string]string{"a.yaml": "mapping:\n  fields: [\n"},
			want:  "a.yaml:2:",
		},
		{
			name:  "no mapping",
			files: map[string]string{"a.yaml": "# nothing\n"},
			want:  "a.yaml: has no mapping: block",
		},
		{
			name:  "job-level keys",
			files: map[string]string{"a.yaml": "source: {type: csv}\nmapping: {}\n"},
			want:  `a.yaml:1:1: unknown field "source"`,
		},
		{
			name:  "when",
			files: map[string]string{"a.yaml": "mapping:\n  when: x\n"},
			want:  "a.yaml: mapping.when is not allowed in an included file",
		},
		{
			name:  "missing",
			files: map[string]string{"a.yaml": "mapping:\n  include: [gone.yaml]\n"},
			want:  "a.yaml: mapping.include[0]: open ",
		},
		{
			name: "lookup conflict",
			files: map[string]string{
				"a.yaml": "mapping:\n  include: [b.yaml, c.yaml]\n",
				"b.yaml": "mapping:\n  lookups:\n    l: {values: {x: '1'}}\n",
				"c.yaml": "mapping:\n  lookups:\n    l: {values: {x: '2'}}\n",
			},
			want: `a.yaml: mapping.include[1]: lookup "l" is defined differently in b.yaml and c.yaml`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			spec := &Spec{Include: []string{"a.yaml"}}
			err := LoadIncludes(spec, dir)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("got %v\nwant prefix %s", err, tt.want)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestLoadIncludesOverridesAndDiamond(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"b.yaml": "mapping:\n  include: [d.yaml]\n  lookups:\n    l: {values: {x: '1'}}\n",
		"c.yaml": "mapping:\n  include: [d.yaml]\n  lookups:\n    l: {values: {x: '1'}}\n",
		"d.yaml": "mapping:\n  fields:\n    - {target: D, column: D}\n",
	})
	spec := &Spec{Include: []string{"b.yaml", "c.yaml"}, Lookups: map[string]LookupSpec{"l": {Values: map[string]string{"x": "job"}}}}
	if err := LoadIncludes(spec, dir); err != nil {
		t.Fatal(err)
	}
	if len(spec.Fields) != 1 || spec.Fields[0].Target != "D" {
		t.Errorf("diamond merged twice: %+v", spec.Fields)
	}
	if spec.Lookups["l"].Values["x"] != "job" {
		t.Errorf("job lookup lost: %+v", spec.Lookups)
	}
	// an unloaded include is a compile error, not silently ignored
	_, err := Compile(&Spec{Include: []string{"b.yaml"}}, record.NewHeader([]string{"D"}), Options{})
	if err == nil || !strings.Contains(err.Error(), "mapping.include: includes are not loaded") {
		t.Errorf("got %v", err)
	}
}
