package pipeline_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/pipeline"
)

// A job name is one folder under reports/, whatever it holds.
func TestReportFolderStaysInReports(t *testing.T) {
	dir := setup(t, 3, map[int]bool{1: true}, nil)
	work := filepath.Join(dir, "a", "b")
	must(t, os.MkdirAll(work, 0o755))
	t.Chdir(work)
	sum, err := pipeline.Run(context.Background(), load(t, dir, "name=../../x"), pipeline.RunOptions{})
	must(t, err)
	folder := filepath.Join(work, "reports", "_.._x")
	for _, name := range []string{"summary.json", "errors.xlsx"} {
		if _, err := os.Stat(filepath.Join(folder, name)); err != nil {
			t.Errorf("%s not in %s: %v", name, folder, err)
		}
	}
	if sum.ErrorWorkbook != filepath.Join("reports", "_.._x", "errors.xlsx") {
		t.Errorf("error workbook %q", sum.ErrorWorkbook)
	}
	for _, outside := range []string{filepath.Join(dir, "a", "x"), filepath.Join(dir, "x")} {
		if _, err := os.Stat(outside); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the report went to %s: %v", outside, err)
		}
	}
}

// A --report-dir that is a file stops the run before it writes anything.
func TestReportDirThatIsAFileIsRefused(t *testing.T) {
	dir := setup(t, 3, nil, nil)
	file := filepath.Join(dir, "r")
	must(t, os.WriteFile(file, []byte("keep"), 0o644))
	sum, err := pipeline.Run(context.Background(), load(t, dir), pipeline.RunOptions{ReportDir: file})
	var se *pipeline.StartError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), file+" is a file") {
		t.Fatalf("err = %v, want a StartError saying the report folder is a file", err)
	}
	if sum.RecordsRead != 0 {
		t.Errorf("%d records read", sum.RecordsRead)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the sink wrote output: %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Errorf("the file became %q", b)
	}
}

// The diff report and the summary number outcomes alike.
func TestOutcomesMatchReport(t *testing.T) {
	for o := pipeline.Created; o <= pipeline.Failed; o++ {
		var s pipeline.Summary
		pipeline.CountOutcomeForTest(&s, o)
		got := []int64{s.Created, s.Updated, s.Unchanged, s.Skipped, s.Failed}
		for i, n := range got {
			want := int64(0)
			if pipeline.Outcome(i) == o {
				want = 1
			}
			if n != want {
				t.Errorf("%v: outcome %d counted %d times", o, i, n)
			}
		}
	}
}
