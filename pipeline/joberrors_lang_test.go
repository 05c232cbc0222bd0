package pipeline_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/pipeline"
)

// A job file with several mistakes gets all of them in one run, each at its
// line with whole lines of context, in the reader's language: the decoder
// alone stopped at the first unknown key, so a merchant fixed one typo per
// run.
func TestJobErrorsAllAtOnce(t *testing.T) {
	body := "name: test\n" +
		"source:\n" +
		"  path: in.csv\n" +
		"  delimter: \";\"\n" + // 4: a typo
		"mapping:\n" +
		"  fields:\n" +
		"    - {target: SKU, column: Artikelnummer, type: strng}\n" + // 7: a wrong enum value
		"    - {target: Preis, column: Preis, type: decimal, tranforms: [trim]}\n" + // 8: a typo in a flow mapping
		"sink:\n" +
		"  type: csv\n" +
		"  path: out.csv\n" +
		"  concurrency: 4\n" // 12: a key of another level
	cases := []struct {
		lang i18n.Lang
		want [][]string // per error, in line order: substrings
	}{
		{i18n.English, [][]string{
			{"job.yaml:4:3: source: ", `unknown field "delimter"; did you mean "delimiter"?`, ">  4 |   delimter: \";\"", "\n         ^\n"},
			{"job.yaml:7:", "value must be one of", `did you mean "string"?`},
			{"job.yaml:8:", `unknown field "tranforms"; did you mean "transforms"?`},
			{"job.yaml:12:3: sink: ", `unknown field "concurrency"; "concurrency" belongs under options:`},
		}},
		{i18n.German, [][]string{
			{"job.yaml:4:3: ", `unbekanntes Feld "delimter"; meinten Sie "delimiter"?`},
			{"job.yaml:7:", "erlaubt sind 'string'", `meinten Sie "string"?`},
			{"job.yaml:8:", `unbekanntes Feld "tranforms"; meinten Sie "transforms"?`},
			{"job.yaml:12:3: ", `"concurrency" gehört unter options:`},
		}},
	}
	path := jobFile(t, body)
	for _, c := range cases {
		t.Run(string(c.lang), func(t *testing.T) {
			_, err := pipeline.LoadJob(path, pipeline.LoadOptions{Lang: c.lang})
			var errs pipeline.JobErrors
			if !errors.As(err, &errs) {
				t.Fatalf("got %T %v, want every problem", err, err)
			}
			if len(errs) != len(c.want) {
				t.Fatalf("%d problems, want %d:\n%v", len(errs), len(c.want), err)
			}
			for i, want := range c.want {
				got := errs[i].Error()
				for _, w := range want {
					if !strings.Contains(got, w) {
						t.Errorf("problem %d:\n%s\nwant %q", i+1, got, w)
					}
				}
			}
		})
	}
}

// The lines around a problem are shown whole: go-yaml's printer stopped
// after a number of tokens, and a flow mapping's next lines came out cut
// ("  11 |   " with the key missing).
func TestJobErrorSnippetWholeLines(t *testing.T) {
	body := "source:\n  path: in.csv\n  delimiter: \";\"\n" +
		"mapping:\n  fields:\n    - {target: SKU, column: Artikelnummer, type: decimal, min: abc}\n" +
		"    - {target: Name, column: Bezeichnung}\n" +
		"sink:\n  type: csv\n  path: out.csv\n"
	_, err := pipeline.LoadJob(jobFile(t, body), pipeline.LoadOptions{})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{
		"job.yaml:6:",
		`unknown field "min"`,
		">  6 |     - {target: SKU, column: Artikelnummer, type: decimal, min: abc}",
		"   7 |     - {target: Name, column: Bezeichnung}",
		"   8 | sink:",
		"   9 |   type: csv",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("got\n%s\nwant %q", msg, want)
		}
	}
	// the caret stands under the key
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ">  6 |") {
			caret := strings.Index(lines[i+1], "^")
			if caret < 0 || !strings.HasPrefix(l[caret:], "min:") {
				t.Errorf("caret at %d of\n%s\n%s", caret, l, lines[i+1])
			}
		}
	}
}

// Values outside the schema's bounds and of the wrong kind are worded for
// the person editing YAML, in their language.
func TestJobSchemaMessages(t *testing.T) {
	for _, c := range []struct {
		body string
		lang i18n.Lang
		want string
	}{
		{"source: {path: in.csv}\nmapping: {fields: [{target: SKU, column: Artikelnummer}]}\nsink: {type: csv, path: out.csv}\noptions: {concurrency: 0}\n",
			i18n.English, "options.concurrency: at least 1, not 0"},
		{"source: {path: in.csv}\nmapping: {fields: [{target: SKU, column: Artikelnummer}]}\nsink: {type: csv, path: out.csv}\noptions: {concurrency: 0}\n",
			i18n.German, "options.concurrency: mindestens 1, nicht 0"},
		{"source: {path: in.csv}\nmapping: {fields: {target: SKU}}\nsink: {type: csv, path: out.csv}\n",
			i18n.German, "mapping.fields: hier wird eine Liste erwartet, nicht Einträge der Form schlüssel: wert"},
		{"source: {path: in.csv}\nmapping: {fields: {target: SKU}}\nsink: {type: csv, path: out.csv}\n",
			i18n.English, "mapping.fields: a list is expected here, not entries of the form key: value"},
	} {
		_, err := pipeline.LoadJob(jobFile(t, c.body), pipeline.LoadOptions{Lang: c.lang})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v\nwant %s", c.lang, err, c.want)
		}
	}
}

// An included mapping file's problems come all at once too, each with its
// file and line, and a key is only said to belong where an included file
// can hold it (under mapping:).
func TestIncludedFileErrorsAllAtOnce(t *testing.T) {
	dir := filepath.Dir(jobFile(t, "x: 1\n"))
	inc := "mapping:\n" +
		"  decimal: comma\n" +
		"  datefmt: dd.mm.yyyy\n" + // 3
		"  fields:\n" +
		"    - target: SKU\n" +
		"      column: Artikelnummer\n" +
		"      requird: true\n" + // 7
		"options: {concurrency: 4}\n" // 8: a job's key, not an included file's
	if err := os.WriteFile(filepath.Join(dir, "shared.yaml"), []byte(inc), 0o644); err != nil {
		t.Fatal(err)
	}
	job := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(job, []byte("source: {path: in.csv}\nmapping:\n  include: [shared.yaml]\nsink: {type: csv, path: out.csv}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := pipeline.LoadJob(job, pipeline.LoadOptions{Lang: i18n.German})
	var errs pipeline.JobErrors
	if !errors.As(err, &errs) || len(errs) != 3 {
		t.Fatalf("got %v, want 3 problems", err)
	}
	for i, want := range []string{
		`shared.yaml:3:3: mapping: unbekanntes Feld "datefmt"`,
		`shared.yaml:7:7: mapping.fields.0: unbekanntes Feld "requird"; meinten Sie "required"?`,
		`shared.yaml:8:1: unbekanntes Feld "options"`,
	} {
		if got := errs[i].Error(); !strings.HasPrefix(got, want) || strings.Contains(strings.SplitN(got, "\n", 2)[0], "gehört") {
			t.Errorf("problem %d: %s\nwant %s", i+1, got, want)
		}
	}
}
