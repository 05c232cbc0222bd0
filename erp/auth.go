package erp

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// authenticator puts credentials on a request.
type authenticator interface {
	// apply sets the credential headers and returns an opaque handle of the
	// credential used, for invalidate.
	apply(ctx context.Context, h http.Header) (used string, err error)
	// invalidate drops the credential used, when it is still the current
	// one; it reports whether a fresh one can be fetched.
	invalidate(used string) bool
}

// keyAuth is OnPremise: `Authorization: Wawi <ApiKey>`. The spec's security
// scheme declares the same key as the x-api-key header (required parameter
// of 201 operations), so both are sent.
type keyAuth struct{ key string }

func (a keyAuth) apply(_ context.Context, h http.Header) (string, error) {
	h.Set("Authorization", "Wawi "+a.key)
	h.Set("X-Api-Key", a.key)
	return "", nil
}

func (keyAuth) invalidate(string) bool { return false }

// tokenAuth is Cloud: OAuth 2.0 client credentials (HTTP Basic client
// id:secret, grant_type=client_credentials), the token cached until shortly
// before expires_in runs out.
type tokenAuth struct {
	cc      *clientcredentials.Config
	hc      *http.Client
	fetches *atomic.Int64
	scrub   func(string) string
	onToken func(string) // registers the token for scrubbing

	mu      sync.Mutex
	tok     *oauth2.Token
	fetched time.Time
	now     func() time.Time
}

func newTokenAuth(cfg Config, hc *http.Client, fetches *atomic.Int64, scrub func(string) string, onToken func(string)) *tokenAuth {
	return &tokenAuth{
		cc: &clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     cfg.TokenURL,
			AuthStyle:    oauth2.AuthStyleInHeader,
		},
		hc: hc, fetches: fetches, scrub: scrub, onToken: onToken, now: time.Now,
	}
}

// fresh reports whether the cached token can still be used: it is refreshed
// a margin before expiry (a quarter of its lifetime, at most a minute).
func (a *tokenAuth) fresh() bool {
	if a.tok == nil || a.tok.AccessToken == "" {
		return false
	}
	if a.tok.Expiry.IsZero() {
		return true
	}
	margin := min(a.tok.Expiry.Sub(a.fetched)/4, time.Minute)
	return a.now().Add(margin).Before(a.tok.Expiry)
}

func (a *tokenAuth) apply(ctx context.Context, h http.Header) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.fresh() {
		if err := a.fetch(ctx); err != nil {
			return "", err
		}
	}
	h.Set("Authorization", "Bearer "+a.tok.AccessToken)
	return a.tok.AccessToken, nil
}

func (a *tokenAuth) fetch(ctx context.Context) error {
	a.fetches.Add(1)
	ctx = context.WithValue(ctx, oauth2.HTTPClient, a.hc)
	start := a.now()
	tok, err := a.cc.Token(ctx)
	if err != nil {
		return a.tokenError(err)
	}
	a.tok, a.fetched = tok, start
	a.onToken(tok.AccessToken)
	return nil
}

// tokenError turns an oauth2 failure into an AuthError; texts from the
// token endpoint are scrubbed of secrets.
func (a *tokenAuth) tokenError(err error) error {
	ae := &AuthError{TokenURL: redactURL(a.cc.TokenURL)}
	// a.scrub also escapes control characters in the endpoint's texts
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.Response != nil {
			ae.Status = re.Response.StatusCode
		}
		ae.Code = a.scrub(re.ErrorCode)
		ae.Description = a.scrub(re.ErrorDescription)
		if ae.Code == "" && ae.Description == "" && len(re.Body) > 0 {
			ae.Description = a.scrub(excerpt(re.Body))
		}
		ae.Temporary = ae.Status >= 500 || ae.Status == http.StatusTooManyRequests
		return ae
	}
	// A transport failure (url.Error naming the token URL, never the
	// secret, which travels in the Authorization header).
	ae.Err = scrubbedError{msg: a.scrub(err.Error()), err: err}
	ae.Temporary = transient(err)
	return ae
}

func (a *tokenAuth) invalidate(used string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok != nil && a.tok.AccessToken == used {
		a.tok = nil
	}
	return true
}

// scrubbedError keeps a cause for errors.Is/As and a scrubbed message.
type scrubbedError struct {
	msg string
	err error
}

func (e scrubbedError) Error() string { return e.msg }
func (e scrubbedError) Unwrap() error { return e.err }
