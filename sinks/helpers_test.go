package sinks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/internal/testkit"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

func ptr[T any](v T) *T { return &v }

func targets(spec ...string) []mappings.Target {
	// "Path:type" or "Path:type:Column"
	out := make([]mappings.Target, len(spec))
	for i, s := range spec {
		parts := strings.Split(s, ":")
		out[i] = mappings.Target{Path: parts[0], Type: mappings.Type(parts[1])}
		if len(parts) > 2 {
			out[i].Column = parts[2]
		}
	}
	return out
}

// run plans every row and applies those the sink accepts, as the ordered
// runner does; it returns the plans.
func run(t *testing.T, s pipeline.Sink, tg []mappings.Target, rows ...[]any) []*pipeline.Plan {
	t.Helper()
	ctx := context.Background()
	var plans []*pipeline.Plan
	for i, vals := range rows {
		it := &pipeline.Item{Rec: &record.Record{Seq: int64(i), Row: i + 2}, Targets: tg, Values: vals}
		p, err := s.Plan(ctx, it)
		if err != nil {
			t.Fatalf("plan row %d: %v", i, err)
		}
		if p.Outcome == pipeline.Created {
			if err := s.Apply(ctx, p); err != nil {
				t.Fatalf("apply row %d: %v", i, err)
			}
		}
		plans = append(plans, p)
	}
	return plans
}

func env(dir string, tg []mappings.Target) *pipeline.Env {
	return &pipeline.Env{JobDir: dir, Targets: tg}
}

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return l
}()

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustNotExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("%s exists (err=%v)", filepath.Base(path), err)
	}
}

func newTable(t *testing.T, f *excelize.File, sheet string, cols []Column, opts TableOptions) *Table {
	t.Helper()
	tab, err := NewTable(f, sheet, cols, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func saveBook(t *testing.T, f *excelize.File) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "reports", "book.xlsx")
	if err := SaveAtomic(f, path); err != nil {
		t.Fatal(err)
	}
	noTemp(t, filepath.Dir(path))
	return path
}

// Shared with other packages' tests (internal/testkit).
var dec = testkit.Dec

func dirNames(t *testing.T, dir string) []string     { return testkit.DirNames(t, dir) }
func noTemp(t *testing.T, dir string)                { testkit.NoTemp(t, dir) }
func zipPart(t *testing.T, path, name string) string { return testkit.ZipPart(t, path, name) }
