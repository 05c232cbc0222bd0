package erp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func TestHeadersOnPremise(t *testing.T) {
	var rec recorder
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		writeJSON(w, 200, map[string]any{"Id": 1})
	}), func(c *Config) { c.RunAs = "7"; c.TenantID = testTenant })
	ctx := context.Background()
	if err := c.Get(ctx, "/items/1", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Patch(ctx, "items/1", nil, map[string]any{"Name": "x"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Post(ctx, "/items", url.Values{QueryDisableWorkflows: {"true"}}, map[string]any{"Name": "x"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	reqs := rec.all()
	if len(reqs) != 3 {
		t.Fatalf("got %d requests", len(reqs))
	}
	for i, r := range reqs {
		want := map[string]string{
			"Authorization": "Wawi " + testKey,
			"x-api-key":     testKey,
			"x-appid":       "etl-test/1.0.0",
			"x-appversion":  "1.0.0",
			"api-version":   "1.0",
			"x-runas":       "7",
			"tenant-id":     testTenant,
			"X-Tenant-ID":   testTenant,
			"Accept":        "application/json",
		}
		for k, v := range want {
			if got := r.Header.Get(k); got != v {
				t.Errorf("request %d %s %s: header %s = %q, want %q", i, r.Method, r.URL.Path, k, got, v)
			}
		}
		if r.Method != http.MethodGet && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s without JSON content type", r.Method)
		}
	}
	if reqs[0].URL.Path != basePath+"/items/1" || reqs[1].URL.Path != basePath+"/items/1" || reqs[2].URL.Path != basePath+"/items" {
		t.Errorf("paths: %s %s %s", reqs[0].URL.Path, reqs[1].URL.Path, reqs[2].URL.Path)
	}
	if reqs[2].URL.RawQuery != "disableAutomaticWorkflows=true" {
		t.Errorf("query %q", reqs[2].URL.RawQuery)
	}
	if string(rec.body[2]) != `{"Name":"x"}` {
		t.Errorf("body %s", rec.body[2])
	}
	st := c.Stats()
	if st.Requests != 3 || st.ByMethod["GET"] != 1 || st.ByMethod["PATCH"] != 1 || st.ByMethod["POST"] != 1 || st.Retries != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestHeadersOptionalOnesAbsent(t *testing.T) {
	var rec recorder
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		w.WriteHeader(204)
	}), nil)
	if err := c.Get(context.Background(), "/items", nil, nil); err != nil {
		t.Fatal(err)
	}
	r := rec.all()[0]
	for _, h := range []string{"x-runas", "tenant-id", "X-Tenant-ID"} {
		if v, ok := r.Header[http.CanonicalHeaderKey(h)]; ok {
			t.Errorf("%s sent: %q", h, v)
		}
	}
}

func TestBaseURLNormalisation(t *testing.T) {
	var rec recorder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		w.WriteHeader(204)
	}))
	defer srv.Close()
	for _, base := range []string{srv.URL + "/api/eazybusiness", srv.URL + "/api/eazybusiness/", srv.URL + "/api/eazybusiness//"} {
		cfg := testConfig(srv.URL)
		cfg.BaseURL = base
		c, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/items", "items", "//items"} {
			if err := c.Get(context.Background(), p, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Get(context.Background(), "/../secret", nil, nil); err == nil {
			t.Error("a path climbing out of the base URL was accepted")
		}
		if err := c.Get(context.Background(), "/items?x=1", nil, nil); err == nil {
			t.Error("a query in the path was accepted")
		}
	}
	for _, r := range rec.all() {
		if r.URL.Path != "/api/eazybusiness/items" {
			t.Errorf("path %q", r.URL.Path)
		}
	}
	// A root base URL works too.
	cfg := testConfig(srv.URL)
	cfg.BaseURL = srv.URL
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != srv.URL+"/" {
		t.Errorf("BaseURL %q", c.BaseURL())
	}
	if err := c.Get(context.Background(), "items/5", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := rec.all()[len(rec.all())-1].URL.Path; got != "/items/5" {
		t.Errorf("path %q", got)
	}
}

// cloudServer is a token endpoint and an API that accepts the tokens it
// issued.
type cloudServer struct {
	t         *testing.T
	fetches   atomic.Int64
	expiresIn int
	reject    func(token string) bool // API answers 401 for these tokens
	apiReqs   recorder
	srv       *httptest.Server
}

func newCloudServer(t *testing.T) *cloudServer {
	cs := &cloudServer{t: t, expiresIn: 3600}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok || id != "client-1" || secret != "S3CR3T-client-secret" {
			writeJSON(w, 401, map[string]string{"error": "invalid_client"})
			return
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_secret") != "" {
			writeJSON(w, 400, map[string]string{"error": "invalid_request"})
			return
		}
		n := cs.fetches.Add(1)
		writeJSON(w, 200, map[string]any{"access_token": fmt.Sprintf("jwt-%d", n), "token_type": "Bearer", "expires_in": cs.expiresIn})
	})
	mux.HandleFunc("/erp/", func(w http.ResponseWriter, r *http.Request) {
		cs.apiReqs.add(r)
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !strings.HasPrefix(tok, "jwt-") || (cs.reject != nil && cs.reject(tok)) {
			writeJSON(w, 401, errorBody("Unauthorized", "token rejected", nil))
			return
		}
		writeJSON(w, 200, map[string]any{"Version": "1.8.10.0", "Tenant": "eazybusiness", "Type": "WAWI-Api", "Timestamp": "2025-01-01T00:00:00Z"})
	})
	cs.srv = httptest.NewServer(mux)
	t.Cleanup(cs.srv.Close)
	return cs
}

func (cs *cloudServer) client(t *testing.T, log *logBuffer) *Client {
	cfg := Config{
		BaseURL: cs.srv.URL + "/erp", ClientID: "client-1", ClientSecret: "S3CR3T-client-secret",
		TenantID: testTenant, TokenURL: cs.srv.URL + "/oauth2/token",
		BackoffInitial: time.Millisecond, BackoffMax: 2 * time.Millisecond, Timeout: 2 * time.Second,
	}
	if log != nil {
		cfg.Logger = log.logger()
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCloudTokenCachedAndHeaders(t *testing.T) {
	cs := newCloudServer(t)
	c := cs.client(t, nil)
	if c.Mode() != ModeCloud {
		t.Fatal("not cloud mode")
	}
	for range 3 {
		if _, err := c.Info(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := cs.fetches.Load(); n != 1 {
		t.Errorf("token fetched %d times, want 1 (cached)", n)
	}
	for _, r := range cs.apiReqs.all() {
		if r.Header.Get("Authorization") != "Bearer jwt-1" || r.Header.Get("tenant-id") != testTenant || r.Header.Get("X-Tenant-ID") != testTenant {
			t.Errorf("headers %v", r.Header)
		}
		if r.Header.Get("x-api-key") != "" || r.Header.Get("x-appid") == "" || r.Header.Get("api-version") != "1.0" {
			t.Errorf("headers %v", r.Header)
		}
	}
	if st := c.Stats(); st.TokenFetches != 1 || st.Requests != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestCloudTokenRefreshedBeforeExpiry(t *testing.T) {
	cs := newCloudServer(t)
	cs.expiresIn = 3600
	c := cs.client(t, nil)
	ta := c.auth.(*tokenAuth)
	now := time.Now()
	ta.now = func() time.Time { return now }
	ctx := context.Background()
	if _, err := c.Info(ctx); err != nil {
		t.Fatal(err)
	}
	now = now.Add(50 * time.Minute) // 10 min left: more than the 1 min margin
	if _, err := c.Info(ctx); err != nil {
		t.Fatal(err)
	}
	if n := cs.fetches.Load(); n != 1 {
		t.Fatalf("fetches %d, want 1", n)
	}
	now = now.Add(9*time.Minute + 30*time.Second) // 30 s left: inside the margin
	if _, err := c.Info(ctx); err != nil {
		t.Fatal(err)
	}
	if n := cs.fetches.Load(); n != 2 {
		t.Fatalf("fetches %d, want 2 (refreshed before expiry)", n)
	}
	reqs := cs.apiReqs.all()
	if got := reqs[len(reqs)-1].Header.Get("Authorization"); got != "Bearer jwt-2" {
		t.Errorf("last call used %q", got)
	}
}

func TestCloud401RefreshesAndRetriesOnce(t *testing.T) {
	cs := newCloudServer(t)
	cs.reject = func(tok string) bool { return tok == "jwt-1" } // revoked
	c := cs.client(t, nil)
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info["Tenant"] != "eazybusiness" {
		t.Errorf("info %v", info)
	}
	if n := cs.fetches.Load(); n != 2 {
		t.Errorf("fetches %d, want 2", n)
	}
	if n := cs.apiReqs.n.Load(); n != 2 {
		t.Errorf("API requests %d, want 2", n)
	}

	// Always 401: one refresh, then an auth error, no backoff retries.
	cs2 := newCloudServer(t)
	cs2.reject = func(string) bool { return true }
	c2 := cs2.client(t, nil)
	_, err = c2.Info(context.Background())
	if !IsAuth(err) || IsRetryable(err) || IsPermanent(err) {
		t.Fatalf("err %v: IsAuth %v", err, IsAuth(err))
	}
	if n := cs2.apiReqs.n.Load(); n != 2 {
		t.Errorf("API requests %d, want 2 (one retry with a fresh token)", n)
	}
	if n := cs2.fetches.Load(); n != 2 {
		t.Errorf("fetches %d, want 2", n)
	}
}

func TestOnPremise401IsAuthNoRetry(t *testing.T) {
	var n atomic.Int64
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeJSON(w, 401, errorBody("", "Unauthorized", nil))
	}), nil)
	err := c.Get(context.Background(), "/items", nil, nil)
	if !IsAuth(err) || n.Load() != 1 {
		t.Fatalf("err %v after %d requests", err, n.Load())
	}
}

func TestTokenEndpointRejects(t *testing.T) {
	cs := newCloudServer(t)
	cfg := Config{BaseURL: cs.srv.URL + "/erp", ClientID: "client-1", ClientSecret: "wrong-secret", TenantID: testTenant,
		TokenURL: cs.srv.URL + "/oauth2/token", BackoffInitial: time.Millisecond}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Info(context.Background())
	var ae *AuthError
	if !errors.As(err, &ae) || !IsAuth(err) || IsRetryable(err) || ae.Code != "invalid_client" || ae.Status != 401 {
		t.Fatalf("err %v", err)
	}
	if cs.apiReqs.n.Load() != 0 || cs.fetches.Load() != 0 {
		t.Error("the API was called without a token")
	}
}

func TestErrorResponseDecoding(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   string
		ve     map[string]string
	}{
		{"jtl", 400, `{"ErrorCode":"ValidationError","ErrorMessage":"Invalid data","ValidationErrors":{"SKU":"already exists"},"Stacktrace":"at X"}`,
			"POST /items: 400 Bad Request: ValidationError: Invalid data: SKU: already exists", map[string]string{"SKU": "already exists"}},
		{"only-validation", 400, `{"ValidationErrors":{"SKU":"already exists"}}`,
			"POST /items: 400 Bad Request: SKU: already exists", map[string]string{"SKU": "already exists"}},
		{"array-validation", 422, `{"ErrorMessage":"Business rule","ValidationErrors":{"Name":["required","too short"],"Categories":["empty"]}}`,
			"POST /items: 422 Unprocessable Entity: Business rule: Categories: empty; Name: required; too short", map[string]string{"Name": "required; too short", "Categories": "empty"}},
		{"problem-details", 400, `{"title":"One or more validation errors occurred.","errors":{"Name":["The Name field is required."]}}`,
			"POST /items: 400 Bad Request: One or more validation errors occurred.: Name: The Name field is required.", map[string]string{"Name": "The Name field is required."}},
		{"html", 404, `<html><body><h1>Not Found</h1></body></html>`, "POST /items: 404 Not Found: Not Found (the API has no such path: check WAWI_URL, e.g. http://HOST:PORT/api/eazybusiness/ or https://api.jtl-cloud.com/erp/)", nil},
		{"empty", 412, ``, "POST /items: 412 Precondition Failed", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}), nil)
			err := c.Post(context.Background(), "/items", url.Values{"secretQuery": {"zzz"}}, map[string]any{}, nil, nil)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("%T %v", err, err)
			}
			if err.Error() != tc.want {
				t.Errorf("Error()\n got %q\nwant %q", err.Error(), tc.want)
			}
			if fmt.Sprint(ae.ValidationErrors) != fmt.Sprint(tc.ve) {
				t.Errorf("ValidationErrors %v", ae.ValidationErrors)
			}
			if strings.Contains(err.Error(), "zzz") {
				t.Error("query string in the error")
			}
			if !IsPermanent(err) || IsRetryable(err) || errors.Is(err, ErrUnknownOutcome) {
				t.Errorf("classification of %d", tc.status)
			}
		})
	}
}

func TestClassification(t *testing.T) {
	for _, tc := range []struct {
		status                int
		retry, perm, auth     bool
		postUnknown, postOnce bool
	}{
		{400, false, true, false, false, true},
		{401, false, false, true, false, true},
		{402, false, true, false, false, true},
		{403, false, true, false, false, true},
		{404, false, true, false, false, true},
		{409, false, true, false, false, true},
		{412, false, true, false, false, true},
		{422, false, true, false, false, true},
		{429, true, false, false, false, false},
		{500, true, false, false, true, true},
		{502, true, false, false, true, true},
		{503, true, false, false, true, true},
		{504, true, false, false, true, true},
	} {
		e := &APIError{Status: tc.status}
		if IsRetryable(e) != tc.retry || IsPermanent(e) != tc.perm || IsAuth(e) != tc.auth {
			t.Errorf("%d: retryable %v permanent %v auth %v", tc.status, IsRetryable(e), IsPermanent(e), IsAuth(e))
		}
		// Wrapped errors classify the same (by type, not text).
		if w := fmt.Errorf("job: %w", e); IsRetryable(w) != tc.retry || IsPermanent(w) != tc.perm {
			t.Errorf("%d wrapped", tc.status)
		}
		// A POST answered with the status: in doubt for 5xx, repeated only for 429.
		var n atomic.Int64
		c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				writeJSON(w, tc.status, errorBody("", "x", nil))
				return
			}
			writeJSON(w, 201, map[string]any{"Id": 1})
		}), nil)
		err := c.Post(context.Background(), "/items", nil, map[string]any{}, nil, nil)
		if got := errors.Is(err, ErrUnknownOutcome); got != tc.postUnknown {
			t.Errorf("POST %d: unknown outcome %v (%v)", tc.status, got, err)
		}
		if once := n.Load() == 1; once != tc.postOnce {
			t.Errorf("POST %d: %d requests", tc.status, n.Load())
		}
	}
	if !IsRetryable(&TransportError{Err: syscall.ECONNREFUSED}) || !IsRetryable(&TransportError{Err: timeoutError{time.Second}}) || IsRetryable(&TransportError{Err: errors.New("x509: unknown authority")}) {
		t.Error("transport classification")
	}
	if IsRetryable(&UnknownOutcomeError{Err: &APIError{Status: 503}}) {
		t.Error("an unknown outcome must not be retryable")
	}
	if !IsPermanent(&ConfigError{Msg: "x"}) || IsRetryable(nil) || IsPermanent(nil) || IsAuth(nil) {
		t.Error("misc classification")
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	var n atomic.Int64
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "0.15")
			writeJSON(w, 429, errorBody("", "slow down", nil))
			return
		}
		writeJSON(w, 200, map[string]any{"ok": true})
	}), nil)
	clk := newFakeClock(true)
	c.setClock(clk)
	var out map[string]any
	if err := c.Get(context.Background(), "/items", nil, &out); err != nil {
		t.Fatal(err)
	}
	s := clk.Sleeps()
	if len(s) != 1 || s[0] < 150*time.Millisecond || s[0] > 150*time.Millisecond*5/4 {
		t.Errorf("waits %v, Retry-After said one of 150ms (and up to a quarter more)", s)
	}
	st := c.Stats()
	if st.RateLimited != 1 || st.Retries != 1 || st.Requests != 2 || st.BackoffWaits != 1 || len(s) != 1 || st.BackoffWaited != s[0] {
		t.Errorf("stats %+v", st)
	}
}

// A rate limit whose budget another app spends early in each window
// answers 429 with Retry-After: 1 (whole seconds) to requests late in a
// window. A client that waited exactly the second came back at the same
// point of the window every time, was refused 18 times and gave up;
// waits drawn a little past Retry-After leave that point.
func TestRetryAfterDoesNotLockToTheWindow(t *testing.T) {
	clk := newFakeClock(true)
	start := clk.Now().Add(95 * time.Millisecond) // the call starts late in a 100 ms window
	clk.Advance(95 * time.Millisecond)
	var refused atomic.Int64
	var lastRefusal time.Time // the handler runs one request at a time here
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !lastRefusal.IsZero() && clk.Now().Sub(lastRefusal) < time.Second {
			t.Errorf("came back %v after a Retry-After: 1", clk.Now().Sub(lastRefusal))
		}
		lastRefusal = time.Time{}
		// the headers the Wawi (and the emulator) send: 20 per 100 ms
		w.Header().Set("X-RateLimit-Limit", "20")
		w.Header().Set("X-RateLimit-Interval-Length-Seconds", "0.1")
		if clk.Now().Sub(start.Add(-95*time.Millisecond))%(100*time.Millisecond) >= 80*time.Millisecond {
			refused.Add(1)
			lastRefusal = clk.Now()
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, errorBody("", "budget spent", nil))
			return
		}
		w.Header().Set("X-RateLimit-Remaining", "10")
		writeJSON(w, 200, map[string]any{"ok": true})
	}), func(c *Config) { c.MaxElapsed = DefaultMaxElapsed })
	c.setClock(clk)
	for i := range 50 {
		var out map[string]any
		if err := c.Get(context.Background(), "/items", nil, &out); err != nil {
			t.Fatalf("call %d after %d refusals: %v", i, refused.Load(), err)
		}
		// the next call starts late in a window again
		clk.Advance(100*time.Millisecond - clk.Now().Sub(start)%(100*time.Millisecond))
	}
	if n := refused.Load(); n < 50 || n > 50*5 {
		t.Errorf("%d refusals for 50 calls, each refused once at least", n)
	}
}

func TestRetryAfterBeyondBudgetFailsFast(t *testing.T) {
	var n atomic.Int64
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(503)
	}), func(c *Config) { c.MaxElapsed = time.Second })
	clk := newFakeClock(true)
	c.setClock(clk)
	err := c.Get(context.Background(), "/items", nil, nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 503 || ae.RetryAfter != time.Hour {
		t.Fatalf("err %v", err)
	}
	if s := clk.Sleeps(); len(s) != 0 || n.Load() != 1 {
		t.Errorf("waited %v, %d requests", s, n.Load())
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"5":                             5 * time.Second,
		"0":                             0,
		"-3":                            0,
		"junk":                          0,
		"Wed, 01 Jan 2025 12:00:30 GMT": 30 * time.Second,
		"Wed, 01 Jan 2025 11:00:00 GMT": 0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
}

func TestBackoffCaps(t *testing.T) {
	var n atomic.Int64
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeJSON(w, 503, errorBody("", "maintenance", nil))
	}), func(c *Config) { c.MaxAttempts = 3 })
	err := c.Get(context.Background(), "/items", nil, nil)
	if StatusOf(err) != 503 || !IsRetryable(err) {
		t.Fatalf("err %v", err)
	}
	if n.Load() != 3 {
		t.Errorf("%d attempts, want 3", n.Load())
	}
	if st := c.Stats(); st.Retries != 2 {
		t.Errorf("retries %d", st.Retries)
	}

	// MaxElapsed bounds the time across retries.
	n.Store(0)
	c2, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(502)
	}), func(c *Config) {
		c.MaxAttempts = 1000
		c.BackoffInitial = 20 * time.Millisecond
		c.BackoffMax = 20 * time.Millisecond
		c.MaxElapsed = 100 * time.Millisecond
	})
	clk := newFakeClock(true)
	c2.setClock(clk)
	err = c2.Get(context.Background(), "/items", nil, nil)
	if StatusOf(err) != 502 {
		t.Fatalf("err %v", err)
	}
	// waits of 10-30ms (20ms ± 50 % jitter) within 100ms: 3 to 10 of them,
	// one request more than waits
	waits := clk.Sleeps()
	if clk.total() > 100*time.Millisecond || len(waits) < 3 || len(waits) > 10 || n.Load() != int64(len(waits)+1) {
		t.Errorf("waited %v (%s) and made %d attempts with a 100ms budget", waits, clk.total(), n.Load())
	}
}

func TestContextCancelStopsRetries(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(503)
	}), func(c *Config) {
		c.MaxAttempts = 1000
		c.BackoffInitial = 10 * time.Millisecond
		c.BackoffMax = 10 * time.Millisecond
	})
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	clk := newFakeClock(true)
	clk.onSleep = func(n int) {
		if n == 3 {
			cancel(context.DeadlineExceeded)
		}
	}
	c.setClock(clk)
	err := c.Get(ctx, "/items", nil, nil)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "503") {
		t.Fatalf("err %v", err)
	}
	if st := c.Stats(); st.Requests != 3 {
		t.Errorf("%d requests, the context ended during the third wait", st.Requests)
	}
}

func TestRateLimitHeadersLowerLimiter(t *testing.T) {
	var n atomic.Int64
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "600")
		w.Header().Set("X-RateLimit-Interval-Length-Seconds", "60")
		w.Header().Set("X-RateLimit-Remaining", "599")
		if n.Add(1) == 2 {
			writeJSON(w, 429, errorBody("", "too many", nil))
			return
		}
		w.WriteHeader(204)
	}), nil)
	if c.Stats().RateLimit != 0 {
		t.Fatal("a configured 0 must start unlimited")
	}
	if err := c.Get(context.Background(), "/items", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := c.Stats().RateLimit; got != 10*headroom {
		t.Fatalf("rate after headers %v, want 10/s less headroom", got)
	}
	if err := c.Get(context.Background(), "/items", nil, nil); err != nil { // 429, then OK
		t.Fatal(err)
	}
	st := c.Stats()
	if st.RateLimit >= 10 || st.RateLimit < float64(minRate) || st.RateLimited != 1 {
		t.Fatalf("after a 429: %+v", st)
	}
}

func TestRateLimitNeverRaisedAboveConfigured(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "1000")
		w.Header().Set("X-RateLimit-Interval-Length-Seconds", "1")
		w.WriteHeader(204)
	}), func(c *Config) { c.RateLimit = 50 })
	if err := c.Get(context.Background(), "/items", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := c.Stats().RateLimit; got != 50 {
		t.Errorf("rate %v, want the configured 50", got)
	}
}

func TestLimiter429FromUnlimitedUsesObservedRate(t *testing.T) {
	l := newLimiter(0, nil, nil)
	base := time.Now()
	for i := range 11 { // 11 requests over 1 s: 10/s
		l.recent[i] = base.Add(time.Duration(i) * 100 * time.Millisecond)
	}
	l.n, l.i = 11, 11
	l.observe(http.Header{}, 429)
	if got := l.Limit(); got < 4.9 || got > 5.1 {
		t.Errorf("limit %v, want half the observed 10/s", got)
	}
	l.observe(http.Header{}, 429) // same second: not halved again
	if got := l.Limit(); got < 4.9 {
		t.Errorf("halved twice within a second: %v", got)
	}
	if l.Limit() == rate.Inf {
		t.Error("still unlimited")
	}
}

func TestSharedLimiterPacesGoroutines(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }),
		func(c *Config) { c.RateLimit = 100 })
	clk := newFakeClock(false) // time stands still: every request reserves its slot at the same instant
	c.setClock(clk)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 3 {
				_ = c.Get(context.Background(), "/items", nil, nil)
			}
		})
	}
	wg.Wait()
	// 12 requests at 100/s with burst 1: the first goes at once, the others
	// wait 10ms, 20ms, ... 110ms for their slots.
	waits := clk.Sleeps()
	slices.Sort(waits)
	if len(waits) != 11 || waits[0] != 10*time.Millisecond || waits[10] != 110*time.Millisecond {
		t.Errorf("limiter waits %v, want 10ms..110ms", waits)
	}
	if st := c.Stats(); st.LimiterWaits != 11 || st.Requests != 12 {
		t.Errorf("stats %+v", st)
	}
}

func TestConcurrencyBound(t *testing.T) {
	var cur, peak atomic.Int64
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(10 * time.Millisecond)
		cur.Add(-1)
		w.WriteHeader(204)
	}), func(c *Config) { c.Concurrency = 2 })
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _ = c.Get(context.Background(), "/items", nil, nil) })
	}
	wg.Wait()
	if p := peak.Load(); p > 2 || p < 1 {
		t.Errorf("peak in flight %d, bound 2", p)
	}
}

func TestPostNeverRetriedWithoutLanded(t *testing.T) {
	var n atomic.Int64
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		lostResponse(w, r)
	}), nil)
	err := c.Post(context.Background(), "/stocks", nil, map[string]any{"ItemId": 1, "WarehouseId": 1, "Quantity": 5}, nil, nil)
	var ue *UnknownOutcomeError
	if !errors.As(err, &ue) || !errors.Is(err, ErrUnknownOutcome) {
		t.Fatalf("err %T %v", err, err)
	}
	var te *TransportError
	if !errors.As(err, &te) || !te.Sent {
		t.Errorf("cause %v", ue.Err)
	}
	if n.Load() != 1 {
		t.Errorf("POST sent %d times", n.Load())
	}
	if IsRetryable(err) || c.Stats().UnknownOutcomes != 1 {
		t.Error("an unknown outcome must not look retryable")
	}
}

func TestPostTimeoutIsUnknownOutcome(t *testing.T) {
	var n atomic.Int64
	release := make(chan struct{})
	defer close(release)
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), func(c *Config) { c.Timeout = 50 * time.Millisecond })
	err := c.Post(context.Background(), "/items", nil, map[string]any{"Name": "x"}, nil, nil)
	if !errors.Is(err, ErrUnknownOutcome) || !strings.Contains(err.Error(), "timeout") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if n.Load() != 1 {
		t.Errorf("sent %d times", n.Load())
	}
	// The same timeout on a GET is retried.
	n.Store(0)
	err = c.Get(context.Background(), "/items", nil, nil)
	if n.Load() < 2 || !IsRetryable(err) {
		t.Errorf("GET after timeouts: %v, %d attempts", err, n.Load())
	}
}

func TestPostRetriedWhenNotSent(t *testing.T) {
	// The first attempt fails before anything is written (connection
	// refused): repeating a POST is safe.
	var calls atomic.Int64
	var rec recorder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		writeJSON(w, 201, map[string]any{"Id": 42})
	}))
	defer srv.Close()
	cfg := testConfig(srv.URL)
	cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if calls.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &syscallErr{syscall.ECONNREFUSED}}
		}
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := c.Post(context.Background(), "/items", nil, map[string]any{"Name": "x"}, &out, nil); err != nil {
		t.Fatal(err)
	}
	if out["Id"] != json.Number("42") || rec.n.Load() != 1 || calls.Load() != 2 {
		t.Errorf("out %v, server saw %d, attempts %d", out, rec.n.Load(), calls.Load())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// syscallErr stands in for *os.SyscallError wrapping an errno.
type syscallErr struct{ errno syscall.Errno }

func (e *syscallErr) Error() string { return "connect: " + e.errno.Error() }
func (e *syscallErr) Unwrap() error { return e.errno }

func TestPostLanded(t *testing.T) {
	for _, landed := range []bool{true, false} {
		t.Run(fmt.Sprint("landed=", landed), func(t *testing.T) {
			var posts, checks atomic.Int64
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if posts.Add(1) == 1 {
					lostResponse(w, r)
					return
				}
				writeJSON(w, 201, map[string]any{"Id": 7, "SKU": "A-1"})
			}), nil)
			check := func(ctx context.Context) (bool, error) {
				checks.Add(1)
				return landed, nil
			}
			var out map[string]any
			err := c.Post(context.Background(), "/items", nil, map[string]any{"SKU": "A-1"}, &out, check)
			if landed {
				if !errors.Is(err, ErrLandedElsewhere) || errors.Is(err, ErrUnknownOutcome) {
					t.Fatalf("err %v", err)
				}
				if posts.Load() != 1 || out != nil {
					t.Errorf("posts %d, out %v", posts.Load(), out)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				if posts.Load() != 2 || out["Id"] != json.Number("7") {
					t.Errorf("posts %d, out %v", posts.Load(), out)
				}
			}
			if checks.Load() != 1 {
				t.Errorf("landed asked %d times", checks.Load())
			}
		})
	}
}

func TestPostLandedCheckFails(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(lostResponse), nil)
	checkErr := errors.New("lookup failed")
	err := c.Post(context.Background(), "/items", nil, map[string]any{}, nil, func(context.Context) (bool, error) { return false, checkErr })
	if !errors.Is(err, ErrUnknownOutcome) || !errors.Is(err, checkErr) {
		t.Fatalf("err %v", err)
	}
}

func TestPostLandedAttemptsExhausted(t *testing.T) {
	var posts, checks atomic.Int64
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		w.WriteHeader(502)
	}), func(c *Config) { c.MaxAttempts = 2 })
	err := c.Post(context.Background(), "/items", nil, map[string]any{}, nil, func(context.Context) (bool, error) {
		checks.Add(1)
		return false, nil
	})
	if !errors.Is(err, ErrUnknownOutcome) || StatusOf(err) != 502 {
		t.Fatalf("err %v", err)
	}
	if posts.Load() != 2 || checks.Load() != 2 {
		t.Errorf("posts %d checks %d", posts.Load(), checks.Load())
	}
}

func TestGetRetriedAfterLostResponse(t *testing.T) {
	var n atomic.Int64
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			lostResponse(w, r)
			return
		}
		writeJSON(w, 200, map[string]any{"Price": 19.99})
	}), nil)
	var out map[string]any
	if err := c.Get(context.Background(), "/items/1", nil, &out); err != nil {
		t.Fatal(err)
	}
	if out["Price"] != json.Number("19.99") {
		t.Errorf("price %#v, want json.Number", out["Price"])
	}
}

func TestPatchRetried(t *testing.T) {
	var n atomic.Int64
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			w.WriteHeader(504)
			return
		}
		writeJSON(w, 201, map[string]any{"Id": 1})
	}), nil)
	if err := c.Patch(context.Background(), "/items/1", nil, json.RawMessage(`{"Name":"y"}`), nil); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 3 {
		t.Errorf("%d attempts", n.Load())
	}
}

func TestExactNumbers(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"Amount":12345678901234567.89,"Qty":3}`)
	}), nil)
	var m map[string]any
	if err := c.Get(context.Background(), "/x", nil, &m); err != nil {
		t.Fatal(err)
	}
	if m["Amount"] != json.Number("12345678901234567.89") {
		t.Errorf("%#v", m["Amount"])
	}
	var a any
	if err := c.Get(context.Background(), "/x", nil, &a); err != nil {
		t.Fatal(err)
	}
	if a.(map[string]any)["Qty"] != json.Number("3") {
		t.Errorf("%#v", a)
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var n atomic.Int64
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, "https://elsewhere.example/api/?k=v", http.StatusMovedPermanently)
	}), nil)
	err := c.Get(context.Background(), "/info", nil, nil)
	if StatusOf(err) != 301 || !strings.Contains(err.Error(), "redirected to https://elsewhere.example/api/") || strings.Contains(err.Error(), "k=v") {
		t.Fatalf("err %v", err)
	}
	if n.Load() != 1 {
		t.Error("redirect followed")
	}
}

func TestConnectionRefusedRetriedThenReported(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	cfg := testConfig(u)
	cfg.MaxAttempts = 3
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Get(context.Background(), "/info", nil, nil)
	if !errors.Is(err, syscall.ECONNREFUSED) || !IsRetryable(err) {
		t.Fatalf("err %v", err)
	}
	if st := c.Stats(); st.Requests != 3 {
		t.Errorf("requests %d", st.Requests)
	}
}

func TestInfo(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != basePath+"/info" {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, 200, map[string]any{"Version": "1.8.10.0", "Timestamp": "2023-02-01T12:45:00Z", "Tenant": "eazybusiness", "Type": "WAWI-Api"})
	}), nil)
	info, err := c.Info(context.Background())
	if err != nil || info["Type"] != "WAWI-Api" {
		t.Fatalf("%v %v", info, err)
	}
}

func TestPostCancelledAfterSendIsUnknownOutcome(t *testing.T) {
	var n atomic.Int64
	started := make(chan struct{}, 4)
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			writeJSON(w, 429, errorBody("", "later", nil)) // an earlier, harmless failure
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		started <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}), func(c *Config) { c.RateLimit = 1000 })
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	err := c.Post(ctx, "/items", nil, map[string]any{}, nil, nil)
	if !errors.Is(err, ErrUnknownOutcome) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
}

// With as many requests in flight as the client allows, every connection
// is kept for the next round: none is closed as answers come in and dialled
// again (http.DefaultTransport keeps two per host).
func TestClientKeepsConnectionsOfItsConcurrency(t *testing.T) {
	const conc, rounds = 8, 5
	var dialled atomic.Int64
	var arrived sync.WaitGroup
	var mu sync.Mutex
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ch := release
		mu.Unlock()
		arrived.Done()
		<-ch // every request of the round is in flight at once
		writeJSON(w, 200, map[string]any{"Id": 1})
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialled.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	cfg := testConfig(srv.URL)
	cfg.Concurrency = conc
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range rounds {
		arrived.Add(conc)
		var done sync.WaitGroup
		for range conc {
			done.Go(func() {
				if err := c.Get(context.Background(), "/items/1", nil, nil); err != nil {
					t.Error(err)
				}
			})
		}
		arrived.Wait()
		mu.Lock()
		close(release)
		release = make(chan struct{})
		mu.Unlock()
		done.Wait()
	}
	// A connection may come back to the pool a moment after the next
	// round asked for one: a few extra dials are the transport's race, not
	// churn (without keeping them, every round dials conc - 2 anew).
	if n := dialled.Load(); n > conc+rounds {
		t.Errorf("%d connections for %d rounds of %d requests in flight; want about %d", n, rounds, conc, conc)
	}
}
