package remote

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// caFile writes srv's certificate for Options.CAFile.
func caFile(t *testing.T, srv *httptest.Server) string {
	p := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	return p
}

func TestHTTPRefusesPlainHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "x") }))
	defer srv.Close()
	dir := t.TempDir()
	if _, err := Fetch(context.Background(), srv.URL+"/a.csv", Options{}, dir); err == nil || !strings.Contains(err.Error(), "insecure_http") {
		t.Fatalf("plain http: %v, want a refusal naming insecure_http", err)
	}
	f, err := Fetch(context.Background(), srv.URL+"/a.csv", Options{InsecureHTTP: true}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(f.Local); string(b) != "x" || filepath.Ext(f.Local) != ".csv" {
		t.Errorf("downloaded %s = %q", f.Local, b)
	}
}

func TestHTTPVerifiesCertificates(t *testing.T) {
	retries := noWait(t)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "x") }))
	defer srv.Close()
	if _, err := Fetch(context.Background(), srv.URL+"/a.csv", Options{}, t.TempDir()); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("self-signed server: %v, want a certificate error", err)
	}
	if retries.Load() != 0 {
		t.Errorf("retried a certificate error %d times", retries.Load())
	}
	if _, err := Fetch(context.Background(), srv.URL+"/a.csv", Options{CAFile: caFile(t, srv)}, t.TempDir()); err != nil {
		t.Errorf("with its certificate in ca_file: %v", err)
	}
	if _, err := Fetch(context.Background(), srv.URL+"/a_*.csv", Options{CAFile: caFile(t, srv)}, t.TempDir()); err == nil || !strings.Contains(err.Error(), "cannot list") {
		t.Errorf("a glob over https: %v", err)
	}
}

func TestHTTPRetriesAndLimits(t *testing.T) {
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
	retries := noWait(t)
	dir := t.TempDir()
	o := Options{Token: "tok-123456", MaxBytes: 1000, Retries: 2, CAFile: caFile(t, srv)}
	f, err := Fetch(context.Background(), srv.URL+"/flaky.csv", o, dir)
	if err != nil || n.Load() != 3 {
		t.Fatalf("flaky: %v after %d requests, want success on the third", err, n.Load())
	}
	os.Remove(f.Local)
	if _, err := Fetch(context.Background(), srv.URL+"/big.csv", o, dir); err == nil || !strings.Contains(err.Error(), "max_bytes") {
		t.Errorf("big: %v, want the size limit", err)
	}
	retries.Store(0)
	if _, err := Fetch(context.Background(), srv.URL+"/cut.csv", o, dir); err == nil || retries.Load() != 2 {
		t.Errorf("cut: %v after %d retries, want an error after 2", err, retries.Load())
	}
	if _, err := Fetch(context.Background(), srv.URL+"/x.csv", Options{CAFile: o.CAFile}, dir); err == nil || !strings.Contains(err.Error(), "403") || strings.Contains(err.Error(), "tok-") {
		t.Errorf("no token: %v, want 403 without the token", err)
	}
	onlyFiles(t, dir)
}
