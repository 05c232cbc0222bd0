package pipeline_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/pipeline"
)

// Hostile job files are refused quickly and with their place, before the
// decoder expands anything.
func TestHostileJobFiles(t *testing.T) {
	bomb := func(under string) string {
		var b strings.Builder
		b.WriteString("name: bomb\nsource: {path: in.csv}\nsink: {path: out.csv}\nmapping:\n  " + under + ":\n")
		b.WriteString(`    l0: &a0 {values: {x: "lol", y: "lol", z: "lol"}}` + "\n")
		for i := 1; i <= 10; i++ {
			refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", ")
			fmt.Fprintf(&b, "    l%d: &a%d [%s]\n", i, i, refs)
		}
		b.WriteString("  fields:\n    - {target: A, column: A}\n")
		return b.String()
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, body := range map[string]string{
		"lookups.yaml": bomb("lookups"),
		"unknown.yaml": bomb("x-anchors"),
	} {
		_, err := pipeline.LoadJob(write(name, body), pipeline.LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), "alias bomb") || !strings.Contains(err.Error(), name+":") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	big := write("big.yaml", "name: big\n# "+strings.Repeat("x", 9<<20)+"\n")
	if _, err := pipeline.LoadJob(big, pipeline.LoadOptions{}); err == nil || !strings.Contains(err.Error(), "larger than 8 MB") {
		t.Errorf("9 MB job: err = %v", err)
	}

	// a few aliases, as people use them, are fine
	in := write("in.csv", "A;B\n1;2\n")
	_ = in
	ok := "name: ok\nsource: {path: in.csv, delimiter: \";\"}\nsink: {path: out.csv}\nmapping:\n  lookups:\n    l1: &tbl {values: {a: b}}\n    l2: *tbl\n  fields:\n    - {target: A, column: A, lookup: l1}\n    - {target: B, column: B, lookup: l2}\n"
	if _, err := pipeline.LoadJob(write("ok.yaml", ok), pipeline.LoadOptions{}); err != nil {
		t.Errorf("job with aliases: %v", err)
	}
}
