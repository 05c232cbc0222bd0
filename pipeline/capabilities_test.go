package pipeline_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// memSource yields n rows of one column and keeps a watermark: Commit is
// counted, and fails when commitErr is set.
type memSource struct {
	n, i      int
	header    *record.Header
	commits   *atomic.Int64
	commitErr error
}

func (s *memSource) Header() *record.Header { return s.header }
func (s *memSource) Next(ctx context.Context) (*record.Record, error) {
	if s.i == s.n {
		return nil, io.EOF
	}
	s.i++
	return &record.Record{Seq: int64(s.i - 1), Row: s.i + 1, Header: s.header, Fields: []string{"v"}}, nil
}
func (s *memSource) Close() error { return nil }
func (s *memSource) Commit() error {
	s.commits.Add(1)
	return s.commitErr
}

var _ pipeline.Committer = (*memSource)(nil)

func registerMem(name string, commits *atomic.Int64, commitErr error) {
	pipeline.AddSourceType(pipeline.SourceType{Name: name, NeedsConn: true,
		Open: func(ctx context.Context, spec *pipeline.SourceSpec, env *pipeline.Env) (pipeline.Source, error) {
			return &memSource{n: 5, header: record.NewHeader([]string{"A"}), commits: commits, commitErr: commitErr}, nil
		}})
}

func memJob(t *testing.T, srcType, out string) *pipeline.Job {
	t.Helper()
	dir := t.TempDir()
	job := "name: mem\nsource:\n  type: " + srcType + "\n  resource: items\nmapping:\n  fields:\n    - {target: A, column: A}\nsink:\n  type: csv\n  path: " + out + "\n"
	p := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(p, []byte(job), 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := pipeline.LoadJob(p, pipeline.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// A source's state (an export's watermark) is committed after the sink's
// output, never when the output could not be saved; a state that cannot be
// saved fails the run.
func TestCommitAfterOutput(t *testing.T) {
	var commits atomic.Int64
	registerMem("captest-mem", &commits, nil)
	out := filepath.Join(t.TempDir(), "out.csv")
	sum, err := pipeline.Run(context.Background(), memJob(t, "captest-mem", out), pipeline.RunOptions{ReportDir: t.TempDir()})
	if err != nil || commits.Load() != 1 || sum.Output != out {
		t.Fatalf("good run: err %v, commits %d, output %q", err, commits.Load(), sum.Output)
	}

	// the output's name is taken by a folder: the rename fails
	blocked := filepath.Join(t.TempDir(), "out.csv")
	if err := os.MkdirAll(filepath.Join(blocked, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	commits.Store(0)
	sum, err = pipeline.Run(context.Background(), memJob(t, "captest-mem", blocked), pipeline.RunOptions{ReportDir: t.TempDir()})
	if err == nil || commits.Load() != 0 || sum.Output != "" {
		t.Fatalf("unsaved output: err %v, commits %d, output %q", err, commits.Load(), sum.Output)
	}

	// dry runs commit nothing
	sum, err = pipeline.Run(context.Background(), memJob(t, "captest-mem", out), pipeline.RunOptions{DryRun: true, ReportDir: t.TempDir()})
	if err != nil || commits.Load() != 0 {
		t.Fatalf("dry run: err %v, commits %d", err, commits.Load())
	}

	var failing atomic.Int64
	registerMem("captest-memfail", &failing, errors.New("disk full"))
	_, err = pipeline.Run(context.Background(), memJob(t, "captest-memfail", out), pipeline.RunOptions{ReportDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "watermark") || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("watermark not saved: err = %v", err)
	}
}

// A file sink never writes onto one of the job's inputs, however the path
// is spelled: the run is refused before anything is read.
func TestOutputIsNotAnInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("A\nx\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	jobPath := filepath.Join(dir, "job.yaml")
	job := "name: self\nsource:\n  path: in.csv\nmapping:\n  fields:\n    - {target: A, column: A}\nsink:\n  type: csv\n  path: out.csv\n"
	if err := os.WriteFile(jobPath, []byte(job), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{"in.csv", "sub/../in.csv", "link.csv", "job.yaml"} {
		t.Run(out, func(t *testing.T) {
			j, err := pipeline.LoadJob(jobPath, pipeline.LoadOptions{Sets: []string{"sink.path=" + filepath.Join(dir, out)}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = pipeline.Run(context.Background(), j, pipeline.RunOptions{ReportDir: t.TempDir()})
			var se *pipeline.StartError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), "would destroy") {
				t.Fatalf("err = %v, want a start error", err)
			}
			if b, _ := os.ReadFile(in); string(b) != "A\nx\n" {
				t.Fatalf("input changed: %q", b)
			}
			if b, _ := os.ReadFile(jobPath); string(b) != job {
				t.Fatalf("job file changed")
			}
		})
	}
}
