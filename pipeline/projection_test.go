package pipeline_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
	"github.com/wawi-etl/etl/report"
)

// docSource yields documents and notes what ProjectColumns was told.
type docSource struct {
	n         int
	projected *[]pipeline.Projection
}

func (s *docSource) Header() *record.Header { return nil }
func (s *docSource) Close() error           { return nil }
func (s *docSource) Next(ctx context.Context) (*record.Record, error) {
	if s.n == 0 {
		return nil, io.EOF
	}
	s.n--
	return &record.Record{Row: 1, Doc: map[string]any{"A": "x", "B": map[string]any{"C": "y"}}}, nil
}
func (s *docSource) ProjectColumns(p pipeline.Projection) { *s.projected = append(*s.projected, p) }

var _ pipeline.ColumnProjector = (*docSource)(nil)

// The runner tells a source that can decode only what the job reads the
// mapping's columns and the error workbook's identifying paths, and tells
// it nothing when an expression or a when condition may read any column.
func TestRunnerProjectsSourceColumns(t *testing.T) {
	var got []pipeline.Projection
	pipeline.AddSourceType(pipeline.SourceType{Name: "projtest-docs", NeedsConn: true,
		Open: func(ctx context.Context, spec *pipeline.SourceSpec, env *pipeline.Env) (pipeline.Source, error) {
			return &docSource{n: 3, projected: &got}, nil
		}})
	for _, tc := range []struct {
		name, mapping string
		want          []string // nil: not projected
	}{
		{"columns", "    - {target: A, column: A}\n    - {target: C, column: B.C}\n    - {target: K, value: k}\n", []string{"A", "B.C"}},
		{"expr", "    - {target: A, column: A}\n    - {target: C, expr: 'B.C'}\n", nil},
		{"when", "  when: A == 'x'\n  fields:\n    - {target: A, column: A}\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got = nil
			dir := t.TempDir()
			fields := "  fields:\n" + tc.mapping
			if tc.name == "when" {
				fields = tc.mapping
			}
			job := "name: proj\nsource:\n  type: projtest-docs\n  resource: items\nmapping:\n" + fields + "sink:\n  type: csv\n  path: out.csv\n"
			p := filepath.Join(dir, "job.yaml")
			if err := os.WriteFile(p, []byte(job), 0o644); err != nil {
				t.Fatal(err)
			}
			j, err := pipeline.LoadJob(p, pipeline.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			sum, err := pipeline.Run(context.Background(), j, pipeline.RunOptions{ReportDir: t.TempDir()})
			if err != nil || sum.RecordsRead != 3 {
				t.Fatalf("run: %v, %+v", err, sum)
			}
			if tc.want == nil {
				if len(got) != 0 {
					t.Fatalf("projected %+v", got)
				}
				return
			}
			want := pipeline.Projection{Columns: tc.want, Identity: report.DocKeys()}
			if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
				t.Fatalf("projections %+v, want one %+v", got, want)
			}
		})
	}
}
