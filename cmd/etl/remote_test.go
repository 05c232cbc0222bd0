package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/internal/remote/remotetest"
)

// --source https://... (here http:// with insecure_http, the test server's
// certificate not being trusted by the binary) reads the downloaded file as
// the type its extension names; plain http without it is refused.
func TestRunRemoteSource(t *testing.T) {
	data, err := os.ReadFile("../../samples/supplier-acme.csv")
	if err != nil {
		t.Fatal(err)
	}
	var gets int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets++
		w.Write(data)
	}))
	defer srv.Close()
	url := srv.URL + "/feeds/supplier-acme.csv?sig=123"
	dir := t.TempDir()
	args := normalizeArgs(t, "--source", url, "--state-dir", filepath.Join(dir, "state"))
	code, _, stderr := etl(t, args...)
	if code != exitCannotStart || !strings.Contains(stderr, "insecure_http") || gets != 0 {
		t.Fatalf("plain http: exit %d, %d requests: %s", code, gets, stderr)
	}
	code, stdout, stderr := etl(t, append(args[:len(args)-1], "--set", "source.remote.insecure_http=true", args[len(args)-1])...)
	if code != exitRecordsFail || gets != 1 {
		t.Fatalf("exit %d, %d requests: %s", code, gets, stderr)
	}
	if !strings.Contains(stdout, "read: ") || strings.Contains(stderr, "sig=123") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
}

// etl run on a supplier file over SFTP: the newest match of a pattern is
// read (and named), a tripped guardrail notifies and leaves the file where
// it is, an import without failures moves it to done/, and the password
// (from the environment) shows nowhere.
func TestRunSFTPSource(t *testing.T) {
	const password = "Ftp-Pa55-in-env"
	t.Setenv("SUPPLIER_SFTP_PASSWORD", password)
	wawi := seededWawi(t)
	hook, hookURL := newWebhook(t)
	srv, err := remotetest.NewSFTP(t.TempDir(), "acme", password)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	srv.WriteKnownHosts(kh)
	feed := filepath.Join(srv.Root, "feed")
	os.MkdirAll(feed, 0o755)
	old := time.Now().Add(-24 * time.Hour)
	os.WriteFile(filepath.Join(feed, "bestand_0612.csv"), acmeRows(t, 3), 0o644)
	os.Chtimes(filepath.Join(feed, "bestand_0612.csv"), old, old)
	// new levels for ACME-1003 and -1004, which the seeded Wawi holds
	changed := bytes.Replace(bytes.Replace(acmeRows(t, 3, 4), []byte(";1200;"), []byte(";1201;"), 1), []byte(";40;"), []byte(";41;"), 1)
	os.WriteFile(filepath.Join(feed, "bestand_0712.csv"), changed, 0o644)
	reports := filepath.Join(dir, "reports")
	args := func(extra ...string) []string {
		return append(append([]string{"run", "--no-progress", "--report-dir", reports, "--state-dir", filepath.Join(dir, "state"),
			"--source", srv.URL("feed/bestand_*.csv"),
			"--set", "source.remote.password=${SUPPLIER_SFTP_PASSWORD}",
			"--set", "source.remote.known_hosts=" + kh,
			"--set", "source.after.move_to=done",
			"--set", "options.notify.webhook.url=" + hookURL}, extra...), "../../jobs/supplier-stock.yaml")
	}
	check := func(stdout, stderr string) {
		t.Helper()
		summary, _ := os.ReadFile(filepath.Join(reports, "summary.json"))
		for what, text := range map[string]string{"stdout": stdout, "stderr": stderr, "summary.json": string(summary)} {
			if strings.Contains(text, password) {
				t.Errorf("%s shows the password:\n%s", what, text)
			}
		}
	}
	code, stdout, stderr := etl(t, args("--set", "options.guardrails.max_changes=0")...)
	check(stdout, stderr)
	if code != exitRecordsFail || hook.count() != 1 {
		t.Fatalf("guardrail: exit %d, %d notifications:\n%s", code, hook.count(), stderr)
	}
	if _, err := os.Stat(filepath.Join(feed, "bestand_0712.csv")); err != nil {
		t.Errorf("the file was moved after a tripped guardrail: %v", err)
	}
	if !strings.Contains(stderr, "source picked") || !strings.Contains(stderr, "bestand_0712.csv") {
		t.Errorf("stderr does not name the file picked:\n%s", stderr)
	}
	if s := readSummary(t, reports); !strings.HasSuffix(s.SourceFile, "/feed/bestand_0712.csv") || s.MovedTo != "" {
		t.Errorf("summary: source_file %q moved_to %q", s.SourceFile, s.MovedTo)
	}
	writes := wawi.Counters().Writes

	code, stdout, stderr = etl(t, args()...)
	check(stdout, stderr)
	if code != exitOK {
		t.Fatalf("import: exit %d:\n%s", code, stderr)
	}
	if wawi.Counters().Writes == writes {
		t.Errorf("nothing written")
	}
	if _, err := os.Stat(filepath.Join(feed, "done", "bestand_0712.csv")); err != nil {
		t.Errorf("not moved to done/: %v", err)
	}
	if s := readSummary(t, reports); !strings.HasSuffix(s.MovedTo, "/feed/done/bestand_0712.csv") {
		t.Errorf("summary moved_to %q", s.MovedTo)
	}
	if hook.count() != 1 {
		t.Errorf("a clean run notified (on: failure is the default)")
	}

	// an unknown host key is refused: nothing is read, the job cannot start
	os.WriteFile(kh, nil, 0o600)
	code, _, stderr = etl(t, args()...)
	if code != exitCannotStart || !strings.Contains(stderr, "refusing an unknown host") || strings.Contains(stderr, password) {
		t.Errorf("unknown host: exit %d:\n%s", code, stderr)
	}
}
