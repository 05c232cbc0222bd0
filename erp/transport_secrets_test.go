package erp

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Cloud credentials (the client secret to the token endpoint, bearer tokens
// to the API) go only over https, or plain http to loopback.
func TestCloudCredentialsOnlyOverHTTPS(t *testing.T) {
	cloud := func(base, token string) Config {
		return Config{BaseURL: base, ClientID: "client-1", ClientSecret: "secret-xyz-123", TenantID: testTenant, TokenURL: token}
	}
	for _, tc := range []struct {
		base, token string
		refused     string // the variable named in the error, "" = accepted
	}{
		{"https://api.jtl-cloud.com/erp/", "https://auth.jtl-cloud.com/oauth2/token", ""},
		{"http://127.0.0.1:8080/erp/", "http://127.0.0.1:8080/oauth2/token", ""},
		{"http://localhost:8080/erp/", "http://[::1]:8080/oauth2/token", ""},
		{"https://api.jtl-cloud.com/erp/", "http://auth.example.com/oauth2/token", "WAWI_TOKEN_URL"},
		{"http://api.example.com/erp/", "https://auth.jtl-cloud.com/oauth2/token", "WAWI_URL"},
		{"http://192.168.1.20/erp/", "https://auth.jtl-cloud.com/oauth2/token", "WAWI_URL"},
	} {
		_, err := New(cloud(tc.base, tc.token))
		var ce *ConfigError
		switch {
		case tc.refused == "" && err != nil:
			t.Errorf("%s %s: %v", tc.base, tc.token, err)
		case tc.refused != "" && (!errors.As(err, &ce) || !strings.Contains(err.Error(), tc.refused+" is plain http") || !strings.Contains(err.Error(), "https")):
			t.Errorf("%s %s: %v, want a refusal naming %s", tc.base, tc.token, err, tc.refused)
		case err != nil && strings.Contains(err.Error(), "secret-xyz-123"):
			t.Errorf("the secret in %v", err)
		}
	}
}

// An OnPremise key over plain http to a public address is worth a warning;
// LAN and loopback http is how OnPremise is normally reached.
func TestOnPremiseHTTPPublicWarns(t *testing.T) {
	for base, warn := range map[string]bool{
		"http://127.0.0.1:64110/api/eazybusiness/":        false,
		"http://192.168.0.10:64110/api/eazybusiness/":     false,
		"http://10.1.2.3/api/eazybusiness/":               false,
		"http://wawi-server:64110/api/eazybusiness/":      false,
		"http://wawi.local/api/eazybusiness/":             false,
		"https://wawi.example.com/api/eazybusiness/":      false,
		"http://wawi.example.com:64110/api/eazybusiness/": true,
		"http://203.0.113.7:64110/api/eazybusiness/":      true,
	} {
		var logs logBuffer
		if _, err := New(Config{BaseURL: base, APIKey: testKey, Logger: logs.logger()}); err != nil {
			t.Fatal(err)
		}
		out := logs.String()
		if got := strings.Contains(out, `"level":"WARN"`) && strings.Contains(out, "unencrypted"); got != warn {
			t.Errorf("%s: warned %v, want %v: %s", base, got, warn, out)
		}
		if strings.Contains(strings.ToLower(out), strings.ToLower(testKey)) {
			t.Errorf("%s: the key in the log", base)
		}
	}
}

// A server echoing the key in another case or encoding does not leak it.
func TestScrubEncodedAndCaseFolded(t *testing.T) {
	const secret = "Sec+ret/Key=42&x"
	forms := map[string]string{
		"lower":      strings.ToLower(testKey),
		"upper":      strings.ToUpper(testKey),
		"url":        url.QueryEscape(secret),
		"url lower":  strings.ToLower(url.QueryEscape(secret)),
		"path":       url.PathEscape(secret),
		"base64":     base64.StdEncoding.EncodeToString([]byte(secret)),
		"base64 url": base64.RawURLEncoding.EncodeToString([]byte(secret)),
		"json":       `Sec+ret\/Key=42\u0026x`,
		"json plain": `Sec+ret/Key=42\u0026x`,
	}
	for name, echo := range forms {
		c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			io.WriteString(w, "bad credentials: "+echo)
		}), nil)
		c.addSecret(secret)
		err := c.Get(context.Background(), "/items", nil, nil)
		if err == nil || strings.Contains(err.Error(), echo) || !strings.Contains(err.Error(), redacted) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Control characters in server texts are escaped before they reach a
// terminal or a log line: no cursor moves, no colours, no fake log lines.
func TestServerTextsEscaped(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, map[string]any{
			"ErrorCode":        "Bad\x1b[31mRed",
			"ErrorMessage":     "line one\nlevel=ERROR msg=forged\r\u202eevil\x07",
			"ValidationErrors": map[string]any{"SKU\x1b[2J": "too\tlong\x00"},
		})
	}), nil)
	err := c.Get(context.Background(), "/items", nil, nil)
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatal(err)
	}
	for _, s := range []string{err.Error(), ae.ErrorCode, ae.ErrorMessage, ae.ValidationErrors[`SKU\x1b[2J`]} {
		for _, r := range s {
			if r < 0x20 || r == 0x7f || r == 0x202e {
				t.Errorf("control character %U in %q", r, s)
			}
		}
	}
	want := `GET /items: 400 Bad Request: Bad\x1b[31mRed: line one\nlevel=ERROR msg=forged\r\u202eevil\x07: SKU\x1b[2J: too\tlong\x00`
	if err.Error() != want {
		t.Errorf("Error()\n got %q\nwant %q", err.Error(), want)
	}
}
