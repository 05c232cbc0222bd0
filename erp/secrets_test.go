package erp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fmtAll renders v every way a program might print or log it.
func fmtAll(v any) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%v|%+v|%#v|%s|%q|", v, v, v, v, v)
	fmt.Fprintln(&b, v)
	slog.New(slog.NewJSONHandler(&b, nil)).Info("x", "v", v)
	slog.New(slog.NewTextHandler(&b, nil)).Info("x", "v", v)
	fmt.Fprintf(&b, "%v", struct{ C any }{v})
	fmt.Fprintf(&b, "%+v", []any{v})
	return b.String()
}

func TestConfigRedaction(t *testing.T) {
	cfg := Config{BaseURL: "http://127.0.0.1:64110/api/eazybusiness/", APIKey: "KEY-0123456789abcdef", ClientSecret: "CLIENT-SECRET-fedcba", ClientID: "cid"}
	out := fmtAll(cfg) + fmtAll(&cfg)
	for _, secret := range []string{cfg.APIKey, cfg.ClientSecret} {
		if strings.Contains(out, secret) {
			t.Fatalf("secret printed:\n%s", out)
		}
	}
	if !strings.Contains(out, redacted) || !strings.Contains(out, "127.0.0.1:64110") || !strings.Contains(out, "cid") {
		t.Errorf("redacted form lacks the useful parts:\n%s", out)
	}
	b, _ := json.Marshal(cfg)
	if bytes.Contains(b, []byte("KEY-0123")) || bytes.Contains(b, []byte("CLIENT-SECRET")) {
		t.Errorf("json: %s", b)
	}
	// Printing a client (which holds the config) does not leak either.
	c, err := New(Config{BaseURL: "http://127.0.0.1:1/", APIKey: cfg.APIKey})
	if err != nil {
		t.Fatal(err)
	}
	if s := fmtAll(c.Config()); strings.Contains(s, cfg.APIKey) {
		t.Errorf("client config printed the key: %s", s)
	}
}

// TestSecretsNeverInErrorsOrLogs makes requests fail every way we can think
// of, with servers that echo the credentials back, and checks that neither
// the API key, the client secret nor a token shows up in an error or a log
// line.
func TestSecretsNeverInErrorsOrLogs(t *testing.T) {
	const (
		apiKey       = "SUPERSECRET-API-KEY-4f1c9e"
		clientSecret = "SUPERSECRET-CLIENT-7d2a1b"
		token        = "SUPERSECRET-TOKEN-eyJhbGciOi"
	)
	secrets := []string{apiKey, clientSecret, token, "SUPERSECRET"}
	var logs logBuffer
	var errs []error
	check := func(name string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", name)
			return
		}
		errs = append(errs, err)
	}

	// An API that echoes every header it got, in every field of an
	// ErrorResponse, with several statuses.
	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			all := fmt.Sprint(r.Header)
			w.Header().Set("Retry-After", "0")
			writeJSON(w, status, map[string]any{
				"ErrorCode": all, "ErrorMessage": "bad key " + r.Header.Get("Authorization"),
				"ValidationErrors": map[string]any{r.Header.Get("x-api-key"): []string{all}},
				"Stacktrace":       all,
			})
		}
	}
	base := func(url string) Config {
		return Config{BaseURL: url, APIKey: apiKey, Logger: logs.logger(), MaxAttempts: 2, RateLimit: 1000,
			BackoffInitial: time.Millisecond, BackoffMax: time.Millisecond, Timeout: 200 * time.Millisecond}
	}
	for _, status := range []int{400, 401, 403, 412, 422, 429, 500, 503} {
		srv := httptest.NewServer(echo(status))
		c, err := New(base(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		check(fmt.Sprint("GET ", status), c.Get(context.Background(), "/items", nil, nil))
		check(fmt.Sprint("POST ", status), c.Post(context.Background(), "/items", nil, map[string]any{}, nil, nil))
		srv.Close()
	}
	// HTML error page echoing the key.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		fmt.Fprintf(w, "<html><body>no route for key %s</body></html>", r.Header.Get("x-api-key"))
	}))
	c, _ := New(base(srv.URL))
	check("html", c.Get(context.Background(), "/items", nil, nil))
	srv.Close()

	// Connection refused, and a server that hangs (timeout).
	check("refused", func() error { c, _ := New(base(srv.URL)); return c.Get(context.Background(), "/items", nil, nil) }())
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // lets the server notice the client leaving
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	c, _ = New(base(hang.URL))
	check("timeout", c.Post(context.Background(), "/items", nil, map[string]any{}, nil, func(context.Context) (bool, error) { return false, errors.New("check failed") }))
	hang.CloseClientConnections()
	hang.Close()

	// Bad URLs, one carrying credentials.
	for _, u := range []string{"http://user:" + apiKey + "@host/api/", "ftp://host/" + apiKey, "::" + apiKey, ""} {
		_, err := New(Config{BaseURL: u, APIKey: apiKey})
		check("bad url "+u[:min(len(u), 8)], err)
	}
	// An API key file that is missing: the error names the file only.
	_, err := New(Config{BaseURL: "http://h/", APIKeyFile: filepath.Join(t.TempDir(), "missing")})
	check("key file", err)
	// A key with a newline is rejected without echoing it.
	_, err = New(Config{BaseURL: "http://h/", APIKey: apiKey + "\n"})
	check("key with newline", err)

	// Cloud: a token endpoint that echoes the client's Basic header and
	// secret in its error, one that fails with 500, one unreachable, and a
	// token the API rejects and echoes.
	tokSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, sec, _ := r.BasicAuth()
		switch r.URL.Path {
		case "/echo":
			writeJSON(w, 401, map[string]string{"error": "invalid_client " + sec, "error_description": r.Header.Get("Authorization")})
		case "/plain":
			w.WriteHeader(400)
			fmt.Fprintf(w, "denied %s %s", sec, r.Header.Get("Authorization"))
		case "/500":
			w.WriteHeader(500)
			fmt.Fprint(w, sec)
		case "/ok":
			writeJSON(w, 200, map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": 3600})
		}
	}))
	defer tokSrv.Close()
	api := httptest.NewServer(echo(401))
	defer api.Close()
	for _, path := range []string{"/echo", "/plain", "/500", "/ok"} {
		c, err := New(Config{BaseURL: api.URL, ClientID: "cid", ClientSecret: clientSecret, TenantID: testTenant,
			TokenURL: tokSrv.URL + path, Logger: logs.logger(), MaxAttempts: 2, BackoffInitial: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		check("cloud "+path, c.Get(context.Background(), "/items", nil, nil))
	}
	c, _ = New(Config{BaseURL: api.URL, ClientID: "cid", ClientSecret: clientSecret, TenantID: testTenant,
		TokenURL: srv.URL + "/token", Logger: logs.logger(), MaxAttempts: 2, BackoffInitial: time.Millisecond})
	check("cloud token refused", c.Get(context.Background(), "/items", nil, nil))

	// Config errors in cloud mode.
	_, err = New(Config{BaseURL: "http://h/", ClientSecret: clientSecret})
	check("cloud incomplete", err)

	var all strings.Builder
	for _, err := range errs {
		all.WriteString(err.Error() + "\n" + fmtAll(err) + "\n")
		var ae *APIError
		if errors.As(err, &ae) {
			all.WriteString(ae.ErrorCode + ae.ErrorMessage + ae.Stacktrace + fmt.Sprint(ae.ValidationErrors))
		}
	}
	all.WriteString(logs.String())
	for _, s := range secrets {
		if i := strings.Index(all.String(), s); i >= 0 {
			out := all.String()
			t.Fatalf("secret %q leaked:\n…%s…", s, out[max(0, i-300):min(len(out), i+100)])
		}
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("expected retry log lines, got:\n%s", logs.String())
	}
	if len(errs) < 25 {
		t.Errorf("only %d failures exercised", len(errs))
	}
}

func TestConfigFromEnv(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte("  FILE-KEY-123456\n"), 0o600)
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	cfg := ConfigFromEnv(env(map[string]string{"WAWI_URL": "http://h:5883/api/eazybusiness", "WAWI_API_KEY_FILE": keyFile, "WAWI_RUN_AS": "3", "WAWI_APP_ID": "x/1"}))
	if cfg.Mode() != ModeOnPremise || cfg.TokenURL != DefaultTokenURL || cfg.APIVersion != "1.0" || cfg.RunAs != "3" || cfg.AppID != "x/1" {
		t.Errorf("cfg %v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Config().APIKey != "FILE-KEY-123456" {
		t.Error("key file not read and trimmed")
	}
	eff := c.Config()
	if eff.Timeout != 30*time.Second || eff.PageSize != 100 || eff.MaxAttempts != 6 || eff.MaxElapsed != 2*time.Minute || eff.Concurrency != 8 || eff.AppVersion == "" {
		t.Errorf("defaults %+v", eff)
	}
	if !strings.HasPrefix(New2(t, Config{BaseURL: "http://h/", APIKey: "k123"}).Config().AppID, "etl/") {
		t.Error("default AppID is not etl/<version>")
	}

	cloud := ConfigFromEnv(env(map[string]string{"WAWI_URL": "https://api.jtl-cloud.com/erp/", "WAWI_CLIENT_ID": "id", "WAWI_CLIENT_SECRET": "s", "WAWI_TENANT_ID": testTenant}))
	if cloud.Mode() != ModeCloud || cloud.Validate() != nil {
		t.Errorf("cloud %v %v", cloud, cloud.Validate())
	}

	for name, tc := range map[string]struct {
		env  map[string]string
		want []string
	}{
		"neither":       {map[string]string{"WAWI_URL": "http://h/"}, []string{"WAWI_API_KEY", "WAWI_CLIENT_ID"}},
		"both":          {map[string]string{"WAWI_URL": "http://h/", "WAWI_API_KEY": "k", "WAWI_CLIENT_ID": "i"}, []string{"WAWI_API_KEY", "WAWI_CLIENT_ID"}},
		"key and file":  {map[string]string{"WAWI_URL": "http://h/", "WAWI_API_KEY": "k", "WAWI_API_KEY_FILE": keyFile}, []string{"WAWI_API_KEY_FILE"}},
		"missing file":  {map[string]string{"WAWI_URL": "http://h/", "WAWI_API_KEY_FILE": keyFile + ".nope"}, []string{keyFile + ".nope"}},
		"cloud partial": {map[string]string{"WAWI_URL": "http://h/", "WAWI_CLIENT_ID": "i"}, []string{"WAWI_CLIENT_SECRET", "WAWI_TENANT_ID"}},
		"no url":        {map[string]string{"WAWI_API_KEY": "k"}, []string{"WAWI_URL"}},
		"bad url":       {map[string]string{"WAWI_URL": "localhost:5883", "WAWI_API_KEY": "k"}, []string{"WAWI_URL"}},
	} {
		err := ConfigFromEnv(env(tc.env)).Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%s: err %v", name, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not name %s", name, err, w)
			}
		}
	}
}

func New2(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
