// Package erp is the one client every ERP job goes through to talk to the
// JTL-Wawi REST API: authentication (Cloud OAuth 2.0 client credentials or
// OnPremise API key), the headers every call needs, retries with backoff, a
// shared rate limiter, a concurrency bound, typed errors and paging.
//
// Paths and field names of the API dialect (1.0) live in resources.go.
package erp

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"time"
)

// Defaults applied by New when a Config field is zero.
const (
	DefaultTokenURL         = "https://auth.jtl-cloud.com/oauth2/token"
	DefaultAPIVersion       = "1.0"
	DefaultTimeout          = 30 * time.Second
	DefaultMaxResponseBytes = 32 << 20
	DefaultPageSize         = 100
	DefaultMaxAttempts      = 6
	DefaultMaxElapsed       = 2 * time.Minute
	DefaultConcurrency      = 8
	DefaultBackoffInitial   = 500 * time.Millisecond
	DefaultBackoffMax       = 30 * time.Second
)

// Version is the etl version used in the default AppID (etl/<Version>) and
// AppVersion. The command sets it from its -ldflags version; it falls back
// to the module version of the build, else "dev".
var Version = buildVersion()

func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return strings.TrimPrefix(bi.Main.Version, "v")
	}
	return "dev"
}

// Mode is how the client authenticates.
type Mode string

const (
	// ModeOnPremise authenticates with `Authorization: Wawi <ApiKey>`.
	ModeOnPremise Mode = "onpremise"
	// ModeCloud authenticates with an OAuth 2.0 client-credentials JWT.
	ModeCloud Mode = "cloud"
)

// Config configures a Client. Zero values take the defaults above. Printing
// a Config (fmt, slog) never shows APIKey or ClientSecret.
type Config struct {
	// BaseURL of the API, e.g. http://127.0.0.1:64110/api/eazybusiness/ or
	// https://api.jtl-cloud.com/erp/ (trailing slash optional).
	BaseURL string
	// APIKey (OnPremise) from `etl register`, or APIKeyFile naming a file
	// holding it (read and trimmed by New; set only one).
	APIKey     string `json:"-"`
	APIKeyFile string
	// ClientID, ClientSecret, TenantID and TokenURL (Cloud).
	ClientID     string
	ClientSecret string `json:"-"`
	TenantID     string
	TokenURL     string
	// AppID (x-appid, default etl/<Version>), AppVersion (x-appversion,
	// default <Version>), APIVersion (api-version, default 1.0), RunAs
	// (x-runas, optional).
	AppID, AppVersion, APIVersion, RunAs string
	// RateLimit in requests per second shared by all goroutines; 0 means
	// unlimited until the server's X-RateLimit-* headers or a 429 say
	// otherwise. The server's headers set the rate below this; after a 429
	// the rate halves and then climbs back to what the headers allow. It is
	// never raised above this.
	RateLimit float64
	// Concurrency bounds the requests in flight (default 8).
	Concurrency int
	// Timeout of one HTTP exchange (default 30s).
	Timeout time.Duration
	// PageSize asked for when listing (default 100; the server may answer
	// with less).
	PageSize int
	// MaxResponseBytes bounds one answer read into memory (default 32 MiB:
	// a page of a few hundred records is well under 1 MiB). A larger
	// answer is refused, so that a broken or hostile server cannot exhaust
	// memory; Timeout ends an answer that never ends.
	MaxResponseBytes int64
	// MaxAttempts per call including the first (default 6) and MaxElapsed,
	// the time budget of one call across its retries (default 2m).
	MaxAttempts int
	MaxElapsed  time.Duration
	// BackoffInitial and BackoffMax shape the exponential backoff with
	// jitter between attempts (default 500ms and 30s).
	BackoffInitial time.Duration
	BackoffMax     time.Duration
	// HTTPClient is used for API and token calls (tests inject transports).
	// The client copies it and disables redirects on the copy.
	HTTPClient *http.Client `json:"-"`
	// Logger receives debug lines about retries and limits; nil discards.
	Logger *slog.Logger `json:"-"`
}

// ConfigFromEnv reads the WAWI_* variables through getenv (os.Getenv in
// production). WAWI_API_KEY_FILE is kept in APIKeyFile and read (trimmed) by
// New; Validate reports a file that cannot be read.
func ConfigFromEnv(getenv func(string) string) Config {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	c := Config{
		BaseURL:      get("WAWI_URL"),
		APIKey:       get("WAWI_API_KEY"),
		APIKeyFile:   get("WAWI_API_KEY_FILE"),
		ClientID:     get("WAWI_CLIENT_ID"),
		ClientSecret: get("WAWI_CLIENT_SECRET"),
		TenantID:     get("WAWI_TENANT_ID"),
		TokenURL:     get("WAWI_TOKEN_URL"),
		AppID:        get("WAWI_APP_ID"),
		AppVersion:   get("WAWI_APP_VERSION"),
		APIVersion:   get("WAWI_API_VERSION"),
		RunAs:        get("WAWI_RUN_AS"),
	}
	if c.TokenURL == "" {
		c.TokenURL = DefaultTokenURL
	}
	if c.APIVersion == "" {
		c.APIVersion = DefaultAPIVersion
	}
	return c
}

// LoadKeyFile reads APIKeyFile into APIKey (trimmed) and clears APIKeyFile.
// The error names the file, never its content.
func (c *Config) LoadKeyFile() error {
	if c.APIKeyFile == "" {
		return nil
	}
	if c.APIKey != "" {
		return &ConfigError{Msg: "set only one of WAWI_API_KEY and WAWI_API_KEY_FILE"}
	}
	b, err := os.ReadFile(c.APIKeyFile)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &ConfigError{Msg: fmt.Sprintf("cannot read the API key file %s (WAWI_API_KEY_FILE): %v", c.APIKeyFile, err)}
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return &ConfigError{Msg: fmt.Sprintf("the API key file %s (WAWI_API_KEY_FILE) is empty", c.APIKeyFile)}
	}
	c.APIKey, c.APIKeyFile = key, ""
	return nil
}

// ConfigError is an invalid or incomplete Config.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return "erp config: " + e.Msg }

// RunFatal is true: nothing can be sent with an invalid Config.
func (e *ConfigError) RunFatal() bool       { return true }
func (e *ConfigError) Retryable() bool      { return false }
func (e *ConfigError) OutcomeUnknown() bool { return false }

// Mode reports how the client authenticates: Cloud when ClientID is set,
// OnPremise otherwise.
func (c Config) Mode() Mode {
	if c.ClientID != "" {
		return ModeCloud
	}
	return ModeOnPremise
}

// Validate checks the Config without touching the network: a usable base
// URL and exactly one set of credentials.
func (c Config) Validate() error {
	if _, err := c.baseURL(); err != nil {
		return err
	}
	hasKey := c.APIKey != "" || c.APIKeyFile != ""
	hasCloud := c.ClientID != "" || c.ClientSecret != ""
	switch {
	case hasKey && hasCloud:
		return &ConfigError{Msg: "both OnPremise (WAWI_API_KEY) and Cloud credentials (WAWI_CLIENT_ID/WAWI_CLIENT_SECRET) are set; set only one"}
	case !hasKey && !hasCloud:
		return &ConfigError{Msg: "no credentials: set WAWI_API_KEY (or WAWI_API_KEY_FILE) for an OnPremise Wawi, or WAWI_CLIENT_ID, WAWI_CLIENT_SECRET and WAWI_TENANT_ID for JTL Cloud (get a key with `etl register`)"}
	case hasKey:
		cp := c
		if err := cp.LoadKeyFile(); err != nil {
			return err
		}
	case hasCloud:
		var missing []string
		if c.ClientID == "" {
			missing = append(missing, "WAWI_CLIENT_ID")
		}
		if c.ClientSecret == "" {
			missing = append(missing, "WAWI_CLIENT_SECRET")
		}
		if c.TenantID == "" {
			missing = append(missing, "WAWI_TENANT_ID")
		}
		if len(missing) > 0 {
			return &ConfigError{Msg: "Cloud mode needs " + strings.Join(missing, ", ")}
		}
		tu := c.TokenURL
		if tu == "" {
			tu = DefaultTokenURL
		}
		u, err := url.Parse(tu)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return &ConfigError{Msg: "WAWI_TOKEN_URL must be an http(s) URL without credentials"}
		}
		if err := c.checkCloudTransport(); err != nil {
			return err
		}
	}
	if err := headerSafe("WAWI_API_KEY", c.APIKey); err != nil {
		return err
	}
	for _, f := range [][2]string{{"WAWI_APP_ID", c.AppID}, {"WAWI_APP_VERSION", c.AppVersion}, {"WAWI_API_VERSION", c.APIVersion}, {"WAWI_RUN_AS", c.RunAs}, {"WAWI_TENANT_ID", c.TenantID}} {
		if err := headerSafe(f[0], f[1]); err != nil {
			return err
		}
	}
	switch {
	case c.RateLimit < 0:
		return &ConfigError{Msg: "rate limit must be >= 0 (0 = unlimited)"}
	case c.Concurrency < 0, c.Timeout < 0, c.PageSize < 0, c.MaxResponseBytes < 0, c.MaxAttempts < 0, c.MaxElapsed < 0, c.BackoffInitial < 0, c.BackoffMax < 0:
		return &ConfigError{Msg: "concurrency, timeout, page size, attempts and backoff must not be negative"}
	}
	return nil
}

// checkCloudTransport refuses to send the client secret (to WAWI_TOKEN_URL)
// or bearer tokens (to WAWI_URL) over plain http, except to loopback (a
// local proxy or the emulator): anyone on the way could reuse them.
func (c Config) checkCloudTransport() error {
	tu := c.TokenURL
	if tu == "" {
		tu = DefaultTokenURL
	}
	for _, f := range [][3]string{{"WAWI_TOKEN_URL", tu, "the client secret"}, {"WAWI_URL", c.BaseURL, "the access token"}} {
		u, err := url.Parse(f[1])
		if err != nil || u.Scheme != "http" || classifyHost(u.Hostname()) == hostLoopback {
			continue
		}
		return &ConfigError{Msg: fmt.Sprintf("%s is plain http (%s): Cloud credentials would travel unencrypted, so %s is not sent; use https (plain http is accepted only to localhost)", f[0], redactURL(f[1]), f[2])}
	}
	return nil
}

// headerSafe rejects values that cannot travel in an HTTP header. The
// message names the variable, never the value.
func headerSafe(name, v string) error {
	for _, r := range v {
		if r < 0x20 || r == 0x7f || r > 0x7e {
			return &ConfigError{Msg: name + " contains characters not allowed in an HTTP header"}
		}
	}
	return nil
}

// baseURL parses BaseURL and normalises its path to end in "/".
func (c Config) baseURL() (*url.URL, error) {
	if c.BaseURL == "" {
		return nil, &ConfigError{Msg: "WAWI_URL is not set (e.g. http://127.0.0.1:64110/api/eazybusiness/ or https://api.jtl-cloud.com/erp/)"}
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, &ConfigError{Msg: fmt.Sprintf("WAWI_URL %q is not an http(s) URL with a host (e.g. http://127.0.0.1:64110/api/eazybusiness/)", c.scrub(redactURL(c.BaseURL)))}
	}
	if u.User != nil {
		return nil, &ConfigError{Msg: "WAWI_URL must not contain credentials; use WAWI_API_KEY or WAWI_CLIENT_ID/WAWI_CLIENT_SECRET"}
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, &ConfigError{Msg: "WAWI_URL must not contain a query or fragment"}
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/"
	u.RawPath = ""
	return u, nil
}

// scrub replaces the Config's secrets in s, in any case and encoding.
func (c Config) scrub(s string) string {
	if c.APIKey == "" && c.ClientSecret == "" {
		return s
	}
	return scrubWith(secretPattern(c.APIKey, c.ClientSecret), s)
}

// redactURL drops userinfo and query from a URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if i := strings.IndexAny(s, "?@"); i >= 0 {
			return s[:i] + "…"
		}
		return s
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// withDefaults returns c with zero fields defaulted.
func (c Config) withDefaults() Config {
	if c.TokenURL == "" {
		c.TokenURL = DefaultTokenURL
	}
	if c.AppVersion == "" {
		c.AppVersion = Version
	}
	if c.AppID == "" {
		c.AppID = "etl/" + Version
	}
	if c.APIVersion == "" {
		c.APIVersion = DefaultAPIVersion
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.PageSize == 0 {
		c.PageSize = DefaultPageSize
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.MaxElapsed == 0 {
		c.MaxElapsed = DefaultMaxElapsed
	}
	if c.BackoffInitial == 0 {
		c.BackoffInitial = DefaultBackoffInitial
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = DefaultBackoffMax
	}
	if c.BackoffMax < c.BackoffInitial {
		c.BackoffMax = c.BackoffInitial
	}
	return c
}

const redacted = "[REDACTED]"

func mask(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// String renders the Config with secrets redacted.
func (c Config) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "erp.Config{Mode:%s BaseURL:%s", c.Mode(), c.scrub(redactURL(c.BaseURL)))
	if c.APIKey != "" {
		b.WriteString(" APIKey:" + redacted)
	}
	if c.APIKeyFile != "" {
		b.WriteString(" APIKeyFile:" + c.APIKeyFile)
	}
	if c.ClientID != "" {
		b.WriteString(" ClientID:" + c.ClientID)
	}
	if c.ClientSecret != "" {
		b.WriteString(" ClientSecret:" + redacted)
	}
	for _, f := range [][2]string{{"TenantID", c.TenantID}, {"TokenURL", redactURL(c.TokenURL)}, {"AppID", c.AppID}, {"AppVersion", c.AppVersion}, {"APIVersion", c.APIVersion}, {"RunAs", c.RunAs}} {
		if f[1] != "" {
			b.WriteString(" " + f[0] + ":" + f[1])
		}
	}
	fmt.Fprintf(&b, " RateLimit:%g Concurrency:%d Timeout:%s PageSize:%d MaxAttempts:%d MaxElapsed:%s}",
		c.RateLimit, c.Concurrency, c.Timeout, c.PageSize, c.MaxAttempts, c.MaxElapsed)
	return b.String()
}

// GoString is String, so %#v redacts too.
func (c Config) GoString() string { return c.String() }

// Format makes every verb (%v, %+v, %#v, %s, %q) print the redacted form.
func (c Config) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", c.String())
		return
	}
	_, _ = f.Write([]byte(c.String()))
}

// LogValue renders the Config for slog with secrets redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("mode", string(c.Mode())),
		slog.String("base_url", c.scrub(redactURL(c.BaseURL))),
		slog.String("api_key", mask(c.APIKey)),
		slog.String("api_key_file", c.APIKeyFile),
		slog.String("client_id", c.ClientID),
		slog.String("client_secret", mask(c.ClientSecret)),
		slog.String("tenant_id", c.TenantID),
		slog.String("token_url", redactURL(c.TokenURL)),
		slog.String("app_id", c.AppID),
		slog.String("app_version", c.AppVersion),
		slog.String("api_version", c.APIVersion),
		slog.String("run_as", c.RunAs),
		slog.Float64("rate_limit", c.RateLimit),
		slog.Int("concurrency", c.Concurrency),
		slog.Duration("timeout", c.Timeout),
		slog.Int("page_size", c.PageSize),
	)
}
