package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
