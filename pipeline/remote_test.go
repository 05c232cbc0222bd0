package pipeline

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/record"
)

// remoteRows reads "key,val" lines of the local file at source.path, as a
// file source does.
func init() {
	AddSourceType(SourceType{Name: "remotetest", Extensions: []string{".remotetest"}, ReadsFile: true,
		Open: func(ctx context.Context, spec *SourceSpec, env *Env) (Source, error) {
			b, err := os.ReadFile(spec.Path)
			if err != nil {
				return nil, err
			}
			var rows [][]string
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				rows = append(rows, strings.Split(l, ","))
			}
			return &fileRows{memRows{h: record.NewHeader([]string{"key", "val"}), rows: rows}}, nil
		}})
}

// fileRows has no InputID of its own: the journal must hash the file.
type fileRows struct{ memRows }

// InputID hides memRows' (a method of another signature is no InputIdentifier).
func (s *fileRows) InputID() {}

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// caFileOf writes srv's certificate for source.remote.ca_file.
func caFileOf(t *testing.T, srv *httptest.Server) string {
	p := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	return p
}

func TestRemoteSourceImportsOnceByContent(t *testing.T) {
	var gets atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		if user, pass, ok := r.BasicAuth(); !ok || user != "shop" || pass != "s3cret-pass" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "a,1\nb,2\n")
	}))
	defer srv.Close()
	ca := caFileOf(t, srv)
	dir := t.TempDir()
	w := newMemWawi(false, 0)
	memWawis.Store(t.Name(), w)
	var logs bytes.Buffer
	run := func() *Summary {
		job := &Job{Name: "remote", Dir: dir,
			Source: SourceSpec{Path: srv.URL + "/feed/prices.remotetest?sig=abc", Remote: &RemoteSpec{Username: "shop", Password: "s3cret-pass", CAFile: ca}},
			Mapping: mappings.Spec{Fields: []mappings.FieldSpec{
				{Target: "Key", Column: "key", Type: mappings.String},
				{Target: "Val", Column: "val", Type: mappings.String},
			}},
			Sink:    SinkSpec{Type: "journaltest-wawi", Path: t.Name()},
			Options: Options{Concurrency: 1},
		}
		inferTypes(job)
		sum, err := Run(context.Background(), job, RunOptions{ReportDir: filepath.Join(dir, "reports"), StateDir: filepath.Join(dir, "state"), Logger: newTextLogger(&logs)})
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	first := run()
	if first.Created != 2 || w.sent != 2 {
		t.Fatalf("first run: created %d, sent %d; want 2, 2", first.Created, w.sent)
	}
	second := run()
	if !second.AlreadyImported || w.sent != 2 {
		t.Fatalf("second run of the same remote file: already imported %v, sent %d; want true, 2", second.AlreadyImported, w.sent)
	}
	if gets.Load() != 2 {
		t.Errorf("downloads: %d, want one per run", gets.Load())
	}
	left, _ := filepath.Glob(filepath.Join(dir, "state", "downloads", "*"))
	if len(left) != 0 {
		t.Errorf("downloads left behind: %v", left)
	}
	if strings.Contains(logs.String(), "s3cret-pass") || strings.Contains(logs.String(), "sig=abc") {
		t.Errorf("log shows a secret:\n%s", logs.String())
	}
}

func TestSourceTypeForRemotePath(t *testing.T) {
	for _, p := range []string{"https://h/x/prices.remotetest?sig=1", "sftp://u@h:2222/in/prices_*.remotetest", "ftps://h/prices.remotetest"} {
		if got := SourceTypeForPath(p); got != "remotetest" {
			t.Errorf("type of %s: %q", p, got)
		}
		job := &Job{Dir: "/jobs", Source: SourceSpec{Path: p}}
		resolveJobPaths(job)
		if job.Source.Path != p {
			t.Errorf("remote path resolved against the job folder: %s", job.Source.Path)
		}
	}
}
