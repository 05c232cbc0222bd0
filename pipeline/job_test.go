package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeJob(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "job.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadJobErrorsPointAtTheLine(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string
	}{
		{"unknown key", "source:\n  type: csv\n  path: a.csv\n  delimeter: ';'\nsink:\n  type: csv\n  path: b.csv\n",
			[]string{"job.yaml:4:3", `unknown field "delimeter"`, "^"}},
		{"wrong type", "source:\n  type: csv\n  path: a.csv\n  header_row: first\nsink:\n  path: b.csv\n",
			[]string{"job.yaml:4:", "header_row"}},
		{"duplicate key", "source:\n  type: csv\n  path: a.csv\n  path: c.csv\nsink:\n  path: b.csv\n",
			[]string{"job.yaml:4:3", "already defined"}},
		{"bad enum", "source:\n  type: cvs\n  path: a.csv\nsink:\n  path: b.csv\n",
			[]string{"job.yaml:2:", "source.type", "cvs"}},
		{"syntax", "source: [\n", []string{"job.yaml:1:"}},
		{"missing sink path", "source:\n  path: a.csv\nsink:\n  type: xlsx\n", []string{"sink.path is missing"}},
		{"empty", "\n", []string{"job file is empty"}},
		{"unset env", "source:\n  path: ${NOPE}/a.csv\nsink:\n  path: b.csv\n", []string{"NOPE is not set", "source.path"}},
		{"lines sheet on csv", linesJob("lineitems", "type: csv\n  path: o.csv\n  lines_sheet: Lines"),
			[]string{"job.yaml:8:", "applies to xlsx sinks", "CSV file has no second sheet"}},
		{"lines sheet without line items", linesJob("", "type: xlsx\n  path: o.xlsx\n  lines_sheet: Lines"),
			[]string{"job.yaml:8:", "include: lineitems"}},
		{"lines sheet named like the sheet", linesJob("lineitems", "type: xlsx\n  path: o.xlsx\n  lines_sheet: data"),
			[]string{"job.yaml:8:", "the orders sheet"}},
		{"lines sheet named Parameter", linesJob("lineitems", "type: xlsx\n  path: o.xlsx\n  sheet: Orders\n  parameters_sheet: true\n  lines_sheet: Parameter"),
			[]string{"job.yaml:10:", "parameters sheet"}},
		{"lines key without lines sheet", linesJob("lineitems", "type: xlsx\n  path: o.xlsx\n  lines_key: Number"),
			[]string{"set sink.lines_sheet too"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadJob(writeJob(t, c.body), LoadOptions{LookupEnv: env(nil)})
			if err == nil {
				t.Fatal("expected an error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

// linesJob is an ERP export of four lines (include: lineitems unless
// include is "") with the given sink lines from line 6 on.
func linesJob(include, sink string) string {
	third := "page_size: 10"
	if include != "" {
		third = "include: " + include
	}
	return "source:\n  type: erp\n  resource: salesOrders\n  " + third + "\nsink:\n  " + sink + "\n"
}

func TestLoadJobEnvSetAndPaths(t *testing.T) {
	p := writeJob(t, `name: demo
source:
  path: ${DATA_DIR:-in}/supplier.csv
  delimiter: ";"
mapping:
  fields:
    - target: SKU
      column: Artikelnummer
      validate:
        pattern: '^\d+$'
sink:
  type: xlsx
  path: out/clean.xlsx
erp:
  api_key: ${WAWI_KEY}
`)
	dir := filepath.Dir(p)
	job, err := LoadJob(p, LoadOptions{
		LookupEnv: env(map[string]string{"WAWI_KEY": "s3cret"}),
		Sets:      []string{"options.concurrency=3", "mapping.fields[0].column=SKU", "source.filters.createdSince=-7d", "sink.neutralize_formulas=false"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := job.Source.Path, filepath.Join(dir, "in", "supplier.csv"); got != want {
		t.Errorf("source.path = %q, want %q", got, want)
	}
	if job.Source.Type != "csv" {
		t.Errorf("source.type inferred = %q, want csv", job.Source.Type)
	}
	if got, want := job.Sink.Path, filepath.Join(dir, "out", "clean.xlsx"); got != want {
		t.Errorf("sink.path = %q, want %q", got, want)
	}
	if job.ERP.APIKey != "s3cret" {
		t.Errorf("erp.api_key not expanded: %q", job.ERP.APIKey)
	}
	if job.Mapping.Fields[0].Validate.Pattern != `^\d+$` {
		t.Errorf("a $ in a regex must survive expansion: %q", job.Mapping.Fields[0].Validate.Pattern)
	}
	if job.Options.Concurrency != 3 || job.Mapping.Fields[0].Column != "SKU" || job.Source.Filters["createdSince"] != "-7d" {
		t.Errorf("--set not applied: %+v %+v %v", job.Options, job.Mapping.Fields[0], job.Source.Filters)
	}
	if job.Sink.NeutralizeFormulas == nil || *job.Sink.NeutralizeFormulas {
		t.Errorf("--set of a *bool not applied")
	}
	cwd, _ := os.Getwd()
	job, err = LoadJob(p, LoadOptions{LookupEnv: env(map[string]string{"WAWI_KEY": "x"}), Sets: []string{"source.path=today.csv"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cwd, "today.csv"); job.Source.Path != want {
		t.Errorf("--set source.path resolves against the working directory: %q, want %q", job.Source.Path, want)
	}
	for _, bad := range []string{"source.nope=1", "options.concurrency=many", "mapping.fields[5].column=x", "novalue"} {
		if _, err := LoadJob(p, LoadOptions{LookupEnv: env(map[string]string{"WAWI_KEY": "x"}), Sets: []string{bad}}); err == nil {
			t.Errorf("--set %s: expected an error", bad)
		}
	}
}

func TestSchemaIsValidJSONAndAcceptsScalars(t *testing.T) {
	s := Schema()
	if !strings.Contains(string(s), `"source"`) || !strings.Contains(string(s), `"mapping"`) {
		t.Fatalf("schema lacks top-level keys: %.200s", s)
	}
	p := writeJob(t, "source:\n  path: a.csv\nmapping:\n  fields:\n    - target: Qty\n      value: 0\nsink:\n  path: b.csv\n")
	if _, err := LoadJob(p, LoadOptions{LookupEnv: env(nil)}); err != nil {
		t.Fatalf("value: 0 should be accepted: %v", err)
	}
}
