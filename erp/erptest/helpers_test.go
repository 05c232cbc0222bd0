package erptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp/contract"
)

// coverage collects the spec operations every test server served.
var coverage contract.Coverage

func TestMain(m *testing.M) {
	code := m.Run()
	fmt.Println("erptest:", coverage.String())
	os.Exit(code)
}

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 7, 1, 10, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type testServer struct {
	*Server
	t *testing.T
	// badRequests: the test sends requests that break the contract on
	// purpose; only the emulator's responses must then be clean.
	badRequests bool
	// allowed are substrings of violations the test provokes on purpose.
	allowed []string
}

// newServer starts an emulator with contract validation on and a seeded
// fault generator. At cleanup it fails the test on any contract violation
// in the emulator's responses (and in the requests unless badRequests).
func newServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	opts.Validate = true
	return startServer(t, opts)
}

// newUncheckedServer is newServer without contract validation, for the
// loops of a thousand requests that count faults (validation under -race
// would make them slow; the answers' shapes are checked elsewhere).
func newUncheckedServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	return startServer(t, opts)
}

func startServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	if opts.Rand == nil {
		opts.Rand = rand.New(rand.NewPCG(42, 7))
	}
	ts := &testServer{Server: NewServer(opts), t: t}
	t.Cleanup(func() {
		ts.Close()
		coverage.Merge(ts.Coverage())
		for _, v := range ts.ContractViolations() {
			if slices.ContainsFunc(ts.allowed, func(a string) bool { return strings.Contains(v, a) }) {
				continue
			}
			if strings.Contains(v, ": response ") || !ts.badRequests {
				t.Errorf("contract violation: %s", v)
			}
		}
	})
	return ts
}

type resp struct {
	status int
	body   []byte
	header http.Header
}

func (r *resp) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// errResp decodes an ErrorResponse.
func (r *resp) errResp(t *testing.T) ErrorResponse {
	t.Helper()
	var e ErrorResponse
	r.decode(t, &e)
	return e
}

func (r *resp) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

var stdHeaders = http.Header{
	"Authorization": {"Wawi test-key"},
	"X-Appid":       {"erptest/1.0"},
	"X-Appversion":  {"1.0"},
	"Api-Version":   {"1.0"},
}

// call sends a request to the API (path relative to the base URL) with the
// standard headers, changed by hdr ("" value deletes a header). body may be
// a string (sent as is) or a value (sent as JSON).
func (ts *testServer) call(method, path string, body any, hdr ...string) *resp {
	ts.t.Helper()
	return doRequest(ts.t, method, ts.URL+path, body, hdr...)
}

func doRequest(t *testing.T, method, url string, body any, hdr ...string) *resp {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	r, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range stdHeaders {
		r.Header[k] = v
	}
	if rd != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			r.Header.Del(hdr[i])
		} else {
			r.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &resp{status: res.StatusCode, body: b, header: res.Header}
}

// must fails the test unless the response has the status.
func must(t *testing.T, r *resp, status int) *resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("want %d, got %s", status, r)
	}
	return r
}

// wantValidation checks a 400 ErrorResponse with ValidationErrors on the keys.
func wantValidation(t *testing.T, r *resp, keys ...string) ErrorResponse {
	t.Helper()
	must(t, r, http.StatusBadRequest)
	e := r.errResp(t)
	for _, k := range keys {
		if e.ValidationErrors[k] == "" {
			t.Errorf("want a validation error on %q, got %v", k, e.ValidationErrors)
		}
	}
	return e
}
