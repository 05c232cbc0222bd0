package pipeline

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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

// trustTLS makes downloads trust srv's certificate and retry at once.
func trustTLS(t *testing.T, srv *httptest.Server) {
	oldT, oldB := remoteTransport, remoteBackoff
	remoteTransport = srv.Client().Transport
	remoteBackoff = func(int) time.Duration { return 0 }
	t.Cleanup(func() { remoteTransport, remoteBackoff = oldT, oldB })
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
	trustTLS(t, srv)
	dir := t.TempDir()
	w := newMemWawi(false, 0)
	memWawis.Store(t.Name(), w)
	var logs bytes.Buffer
	run := func() *Summary {
		job := &Job{Name: "remote", Dir: dir,
			Source: SourceSpec{Path: srv.URL + "/feed/prices.remotetest?sig=abc", Remote: &RemoteSpec{Username: "shop", Password: "s3cret-pass"}},
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

func TestDownloadRefusesPlainHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "x") }))
	defer srv.Close()
	dir := t.TempDir()
	if _, err := Download(context.Background(), srv.URL+"/a.csv", nil, dir, nil); err == nil || !strings.Contains(err.Error(), "insecure_http") {
		t.Fatalf("plain http: %v, want a refusal naming insecure_http", err)
	}
	local, err := Download(context.Background(), srv.URL+"/a.csv", &RemoteSpec{InsecureHTTP: true}, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(local); string(b) != "x" || filepath.Ext(local) != ".csv" {
		t.Errorf("downloaded %s = %q", local, b)
	}
}

func TestDownloadVerifiesCertificates(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "x") }))
	defer srv.Close()
	// the default transport does not trust the test server's certificate,
	// and trying again would not change that
	var tries atomic.Int32
	oldB := remoteBackoff
	remoteBackoff = func(int) time.Duration { tries.Add(1); return 0 }
	defer func() { remoteBackoff = oldB }()
	if _, err := Download(context.Background(), srv.URL+"/a.csv", &RemoteSpec{Retries: 0}, t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("self-signed server: %v, want a certificate error", err)
	}
	if tries.Load() != 0 {
		t.Errorf("retried a certificate error %d times", tries.Load())
	}
}

func TestDownloadRetriesAndLimits(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-123456" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/flaky.csv") && n.Add(1) < 3:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case strings.HasSuffix(r.URL.Path, "/big.csv"):
			w.Write(bytes.Repeat([]byte("x"), 2000))
		case strings.HasSuffix(r.URL.Path, "/cut.csv"):
			// announces more than it sends: a connection that broke off
			w.Header().Set("Content-Length", "100")
			w.Write([]byte("partial"))
		default:
			io.WriteString(w, "ok")
		}
	}))
	defer srv.Close()
	trustTLS(t, srv)
	dir := t.TempDir()
	spec := &RemoteSpec{Token: "tok-123456", MaxBytes: 1000, Retries: 2}
	local, err := Download(context.Background(), srv.URL+"/flaky.csv", spec, dir, nil)
	if err != nil || n.Load() != 3 {
		t.Fatalf("flaky: %v after %d requests, want success on the third", err, n.Load())
	}
	os.Remove(local)
	if _, err := Download(context.Background(), srv.URL+"/big.csv", spec, dir, nil); err == nil || !strings.Contains(err.Error(), "max_bytes") {
		t.Errorf("big: %v, want the size limit", err)
	}
	if _, err := Download(context.Background(), srv.URL+"/cut.csv", spec, dir, nil); err == nil {
		t.Errorf("cut: no error")
	}
	if _, err := Download(context.Background(), srv.URL+"/x.csv", &RemoteSpec{}, dir, nil); err == nil || !strings.Contains(err.Error(), "403") || strings.Contains(err.Error(), "tok-") {
		t.Errorf("no token: %v, want 403 without the token", err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("files left: %v (no .part may remain)", left)
	}
}

func TestSourceTypeForRemotePath(t *testing.T) {
	if got := SourceTypeForPath("https://h/x/prices.remotetest?sig=1"); got != "remotetest" {
		t.Errorf("type of a URL with a query: %q", got)
	}
	job := &Job{Dir: "/jobs", Source: SourceSpec{Path: "https://h/a.csv"}}
	resolveJobPaths(job)
	if job.Source.Path != "https://h/a.csv" {
		t.Errorf("remote path resolved against the job folder: %s", job.Source.Path)
	}
}
