package erp

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testKey    = "FB622234-98A7-46FA-A01B-06C9D0971AAF"
	testTenant = "6a1b9c55-6d3e-4bd5-8c7f-3f1e9c0e7a11"
	basePath   = "/api/eazybusiness"
)

// testConfig is an OnPremise config with fast retries for srv.
func testConfig(srvURL string) Config {
	return Config{
		BaseURL:        srvURL + basePath + "/",
		APIKey:         testKey,
		AppID:          "etl-test/1.0.0",
		AppVersion:     "1.0.0",
		APIVersion:     "1.0",
		Timeout:        2 * time.Second,
		BackoffInitial: time.Millisecond,
		BackoffMax:     5 * time.Millisecond,
		MaxElapsed:     5 * time.Second,
	}
}

// newTestClient starts a server with h and a client for it; mut adjusts the
// config.
func newTestClient(t *testing.T, h http.Handler, mut func(*Config)) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := testConfig(srv.URL)
	if mut != nil {
		mut(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, srv
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func errorBody(code, msg string, ve map[string]string) map[string]any {
	m := map[string]any{"ErrorCode": code, "ErrorMessage": msg}
	if ve != nil {
		m["ValidationErrors"] = ve
	}
	return m
}

// recorder keeps the requests a server saw.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
	body [][]byte
	n    atomic.Int64
}

func (r *recorder) add(req *http.Request) {
	var b bytes.Buffer
	_, _ = b.ReadFrom(req.Body)
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Clone(req.Context()))
	r.body = append(r.body, b.Bytes())
	r.mu.Unlock()
	r.n.Add(1)
}

func (r *recorder) all() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.reqs...)
}

// logBuffer is a slog JSON handler at debug level writing into a buffer.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// lostResponse reads the request and closes the connection without an
// answer: the request arrived, the response is lost.
func lostResponse(w http.ResponseWriter, r *http.Request) {
	_, _ = new(bytes.Buffer).ReadFrom(r.Body)
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		conn.Close()
	}
}
