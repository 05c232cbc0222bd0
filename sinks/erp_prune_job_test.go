package sinks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
)

// prune: true through a whole run: the dry run shows the deletions and
// writes nothing; max_deletes (default 0) stops a run that would delete
// before its first write; allowed, the run deletes what the file no longer
// names, and a second run deletes nothing.
func TestPruneJob(t *testing.T) {
	registerERPJobTypes()
	pipeline.AddSourceType(pipeline.SourceType{Name: "sinkstest-mem", Open: memOpen})
	seed := descSeed()
	seed.ItemDescriptions = append(seed.ItemDescriptions,
		erptest.ItemDescription{ItemId: 3, SalesChannelId: "1-1-1", LanguageIso: "de", Name: "Dübel"})
	srv := erptest.NewServer(erptest.Options{Seed: seed, Validate: true})
	defer srv.Close()
	c, err := erp.New(erp.Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// the loader makes source.path absolute
	memRows[filepath.Join(dir, "prune")] = [][]string{{"A-1", "de", "Schraube"}}
	memHeaders[filepath.Join(dir, "prune")] = []string{"sku", "lang", "name"}
	job := "name: prune\nsource: {type: sinkstest-mem, path: prune}\nmapping:\n  fields:\n" +
		"    - {target: Item.SKU, column: sku}\n    - {target: SalesChannelId, value: '1-1-1'}\n" +
		"    - {target: LanguageIso, column: lang}\n    - {target: Name, column: name}\n" +
		"sink: {type: erp, resource: items/descriptions, prune: true}\n"
	if err := os.WriteFile(filepath.Join(dir, "job.yaml"), []byte(job), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(dry bool, sets ...string) (*pipeline.Summary, error) {
		j, err := pipeline.LoadJob(filepath.Join(dir, "job.yaml"), pipeline.LoadOptions{Sets: sets})
		if err != nil {
			t.Fatal(err)
		}
		return pipeline.Run(context.Background(), j, pipeline.RunOptions{DryRun: dry, Conn: c, Resolver: erp.NewLookups(c),
			ReportDir: t.TempDir(), StateDir: t.TempDir()})
	}
	sum, err := run(true, "options.guardrails.max_deletes=5")
	if err != nil || sum.Deleted != 1 || srv.Counters().Writes != 0 {
		t.Fatalf("dry run: %v %+v, %d writes", err, sum, srv.Counters().Writes)
	}
	sum, err = run(false)
	if !errors.Is(err, pipeline.ErrGuardrail) || len(sum.Guardrails) != 1 || sum.Guardrails[0].Rule != "max_deletes" || srv.Counters().Writes != 0 {
		t.Fatalf("default max_deletes: %v %+v", err, sum)
	}
	sum, err = run(false, "options.guardrails.max_deletes=1")
	if err != nil || sum.Deleted != 1 || sum.DeletesFailed != 0 {
		t.Fatalf("run: %v %+v", err, sum)
	}
	var left []string
	for _, d := range srv.ItemDescriptions() {
		left = append(left, d.LanguageIso+":"+d.Name)
	}
	// item 1 keeps only what the file names; item 3 is not in the file
	if len(left) != 2 || left[0] != "de:Schraube" || left[1] != "de:Dübel" {
		t.Errorf("left %v", left)
	}
	w := srv.Counters().Writes
	sum, err = run(false, "options.guardrails.max_deletes=1")
	if err != nil || sum.Deleted != 0 || srv.Counters().Writes != w {
		t.Errorf("second run: %v %+v, %d writes", err, sum, srv.Counters().Writes-w)
	}
}
