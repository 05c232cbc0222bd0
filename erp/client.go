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
	"net/http/httptrace"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"golang.org/x/time/rate"
)

// Client talks to one Wawi. It is safe for concurrent use; all goroutines
// share its rate limiter, concurrency bound and token.
type Client struct {
	cfg  Config
	base *url.URL
	hc   *http.Client
	auth authenticator // nil: registration-only client
	lim  *limiter
	sem  chan struct{}
	hdr  http.Header // what every request carries (setHeaders), cloned per request
	log  *slog.Logger
	clk  clock
	st   counters
	// pageHint is the size a page of a list answered without
	// Content-Length is read into (fetchPage)
	pageHint atomic.Int64

	secretsMu sync.RWMutex
	secrets   []string       // API key, client secret, client id:secret
	tokens    []string       // the latest access tokens
	secretRe  *regexp.Regexp // every form of secrets and tokens, see secretPattern
}

type counters struct {
	requests, retries, rateLimited, tokenFetches, unknown atomic.Int64
	backoffWaits, backoffWaited                           atomic.Int64
	get, post, patch, del, other                          atomic.Int64
}

// Stats are the client's counters since New.
type Stats struct {
	Requests        int64            // HTTP exchanges with the API (token calls excluded)
	ByMethod        map[string]int64 // Requests by HTTP method
	Retries         int64            // attempts after the first, all calls
	RateLimited     int64            // 429 answers
	TokenFetches    int64            // Cloud token requests
	UnknownOutcomes int64            // writes sent whose answer was lost
	RateLimit       float64          // current limiter rate in req/s, 0 = unlimited
	LimiterWaits    int64            // requests the rate limiter held back
	LimiterWaited   time.Duration    // their total delay
	BackoffWaits    int64            // waits before a retry (backoff or Retry-After)
	BackoffWaited   time.Duration    // their total length
}

// New validates cfg, applies defaults and returns a client. It does not
// touch the network.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.LoadKeyFile(); err != nil {
		return nil, err
	}
	if err := headerSafe("the API key", cfg.APIKey); err != nil {
		return nil, err
	}
	return newClient(cfg, true)
}

// NewForRegistration returns a client without credentials, for Register:
// only BaseURL is needed.
func NewForRegistration(cfg Config) (*Client, error) {
	cfg.APIKey, cfg.APIKeyFile, cfg.ClientID, cfg.ClientSecret = "", "", "", ""
	if _, err := cfg.baseURL(); err != nil {
		return nil, err
	}
	return newClient(cfg, false)
}

func newClient(cfg Config, withAuth bool) (*Client, error) {
	cfg = cfg.withDefaults()
	base, err := cfg.baseURL()
	if err != nil {
		return nil, err
	}
	src := cfg.HTTPClient
	if src == nil {
		src = &http.Client{Transport: newTransport(cfg.Concurrency)}
	}
	hc := *src
	// Never follow redirects: custom headers (x-api-key) would travel to
	// wherever the Location points, and an http→https redirect is a
	// misconfigured WAWI_URL worth naming.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		cfg:  cfg,
		base: base,
		hc:   &hc,
		clk:  realClock{},
		lim:  newLimiter(cfg.RateLimit, log, realClock{}),
		sem:  make(chan struct{}, cfg.Concurrency),
		hdr:  make(http.Header, 8),
		log:  log,
	}
	c.setHeaders(c.hdr)
	// secretPattern adds the encoded forms (URL, base64, JSON) of each.
	c.addSecret(cfg.APIKey)
	c.addSecret(cfg.ClientSecret)
	if cfg.ClientSecret != "" {
		c.addSecret(cfg.ClientID + ":" + cfg.ClientSecret) // HTTP Basic
		c.addSecret(url.QueryEscape(cfg.ClientID) + ":" + url.QueryEscape(cfg.ClientSecret))
	}
	if withAuth && cfg.Mode() == ModeOnPremise && base.Scheme == "http" && classifyHost(base.Hostname()) == hostPublic {
		// LAN http is how an OnPremise Wawi is usually reached; over the
		// internet the key would travel readable.
		log.Warn("erp: WAWI_URL is plain http to a public address: the API key travels unencrypted; use https (a reverse proxy) or a LAN address", "host", base.Hostname())
	}
	if withAuth {
		switch cfg.Mode() {
		case ModeCloud:
			c.auth = newTokenAuth(cfg, c.hc, &c.st.tokenFetches, c.scrub, c.addToken)
		default:
			c.auth = keyAuth{key: cfg.APIKey}
		}
	}
	return c, nil
}

// newTransport is http.DefaultTransport keeping up to conc idle
// connections to the Wawi instead of 2: with conc requests in flight, the
// default closes all but two connections as their answers come in, so
// nearly every request dialled a new one (a handshake of latency and CPU
// each, and a socket in TIME_WAIT per request).
func newTransport(conc int) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = max(conc, 2)
	t.MaxIdleConns = max(t.MaxIdleConns, conc)
	return t
}

// Config returns the effective configuration (defaults applied). Printing
// it redacts secrets.
func (c *Client) Config() Config { return c.cfg }

// Mode reports how the client authenticates.
func (c *Client) Mode() Mode { return c.cfg.Mode() }

// BaseURL is the normalised base URL, ending in "/".
func (c *Client) BaseURL() string { return c.base.String() }

// Stats returns a snapshot of the counters.
func (c *Client) Stats() Stats {
	s := Stats{
		Requests:        c.st.requests.Load(),
		Retries:         c.st.retries.Load(),
		RateLimited:     c.st.rateLimited.Load(),
		TokenFetches:    c.st.tokenFetches.Load(),
		UnknownOutcomes: c.st.unknown.Load(),
		ByMethod:        map[string]int64{},
	}
	for m, n := range map[string]*atomic.Int64{http.MethodGet: &c.st.get, http.MethodPost: &c.st.post, http.MethodPatch: &c.st.patch, http.MethodDelete: &c.st.del, "OTHER": &c.st.other} {
		if v := n.Load(); v > 0 {
			s.ByMethod[m] = v
		}
	}
	if l := c.lim.Limit(); l != rate.Inf {
		s.RateLimit = float64(l)
	}
	s.LimiterWaits, s.LimiterWaited = c.lim.waits.Load(), time.Duration(c.lim.waited.Load())
	s.BackoffWaits, s.BackoffWaited = c.st.backoffWaits.Load(), time.Duration(c.st.backoffWaited.Load())
	return s
}

// setClock makes the client (its limiter and retry waits) run on clk;
// tests count waits with a fake clock instead of measuring them.
func (c *Client) setClock(clk clock) {
	c.clk = clk
	c.lim.clk = clk
}

func (c *Client) countMethod(m string) {
	c.st.requests.Add(1)
	switch m {
	case http.MethodGet:
		c.st.get.Add(1)
	case http.MethodPost:
		c.st.post.Add(1)
	case http.MethodPatch:
		c.st.patch.Add(1)
	case http.MethodDelete:
		c.st.del.Add(1)
	default:
		c.st.other.Add(1)
	}
}

// addSecret registers a string that must never appear in errors or logs.
func (c *Client) addSecret(s string) {
	if len(s) < 4 {
		return
	}
	c.secretsMu.Lock()
	c.secrets = append(c.secrets, s)
	c.secretRe = secretPattern(append(c.secrets, c.tokens...)...)
	c.secretsMu.Unlock()
}

// addToken registers an access token, keeping only the latest few.
func (c *Client) addToken(tok string) {
	if len(tok) < 4 {
		return
	}
	c.secretsMu.Lock()
	defer c.secretsMu.Unlock()
	c.tokens = append(c.tokens, tok)
	if n := len(c.tokens); n > 3 {
		c.tokens = append([]string(nil), c.tokens[n-3:]...)
	}
	c.secretRe = secretPattern(append(c.secrets, c.tokens...)...)
}

// scrub replaces every known secret in s, in any case and encoding
// (secretPattern), and escapes control characters (escapeControl): s came
// from the server or the network and is headed for a terminal or a log.
func (c *Client) scrub(s string) string {
	c.secretsMu.RLock()
	re := c.secretRe
	c.secretsMu.RUnlock()
	return escapeControl(scrubWith(re, s))
}

// Get reads path into out (nil discards the body). Numbers decoded into
// any/map[string]any are json.Number, so amounts stay exact.
func (c *Client) Get(ctx context.Context, path string, query url.Values, out any) error {
	return c.call(ctx, &call{method: http.MethodGet, path: path, query: query}, out)
}

// Patch sends body (JSON; []byte/json.RawMessage as is) to path. PATCH
// sends absolute values of the fields to change and is retried like GET.
func (c *Client) Patch(ctx context.Context, path string, query url.Values, body, out any) error {
	b, err := marshalBody(body)
	if err != nil {
		return fmt.Errorf("PATCH %s: %w", path, err)
	}
	return c.call(ctx, &call{method: http.MethodPatch, path: path, query: query, body: b, hasBody: true}, out)
}

// Post creates at path. A POST is repeated only when the server surely did
// not act on it (connection refused, 429, 401 cured by a fresh token).
// When the outcome is unknown (sent, then timeout, 5xx or connection lost):
//   - landed == nil: the error is an *UnknownOutcomeError (errors.Is
//     ErrUnknownOutcome), never retried;
//   - otherwise after the backoff wait landed is asked whether the write
//     took effect: true → the error matches ErrLandedElsewhere and out is
//     not filled (read the object back); false → the POST is repeated.
func (c *Client) Post(ctx context.Context, path string, query url.Values, body, out any, landed func(ctx context.Context) (bool, error)) error {
	b, err := marshalBody(body)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	return c.call(ctx, &call{method: http.MethodPost, path: path, query: query, body: b, hasBody: true, landed: landed}, out)
}

// Info is GET /info: Version, Timestamp, Tenant, Type.
func (c *Client) Info(ctx context.Context) (map[string]any, error) {
	var m map[string]any
	if err := c.Get(ctx, PathInfo, nil, &m); err != nil {
		return nil, err
	}
	return m, nil
}

func marshalBody(body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return nil, fmt.Errorf("cannot encode the request body: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// decodeInto decodes a JSON body into out with UseNumber.
func decodeInto(body []byte, out any) error {
	if out == nil || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	// the body is the call's own: handed over, not copied, unless the
	// caller brought a buffer to fill
	switch p := out.(type) {
	case *[]byte:
		if cap(*p) == 0 {
			*p = body
		} else {
			*p = append((*p)[:0], body...)
		}
		return nil
	case *json.RawMessage:
		if cap(*p) == 0 {
			*p = body
		} else {
			*p = append((*p)[:0], body...)
		}
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	return d.Decode(out)
}

// call is one logical API call, possibly several HTTP attempts.
type call struct {
	method, path string
	query        url.Values
	body         []byte
	hasBody      bool
	header       http.Header // extra headers
	noAuth       bool
	landed       func(context.Context) (bool, error)
	// discard: nobody reads a successful answer's body (a PATCH's echo of
	// the record), so it is drained, not kept
	discard bool
	// sizeHint is the expected size of a body sent without Content-Length
	// (chunked), 0 when unknown: the next page of a list is about as large
	// as the last one
	sizeHint int64
	// into, when it has room, is where a successful answer's body is read
	// (a recycled page buffer, see Page.Release)
	into []byte
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (c *Client) call(ctx context.Context, cl *call, out any) error {
	cl.discard = out == nil
	resp, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	if err := decodeInto(resp.body, out); err != nil {
		if cl.method == http.MethodPost {
			return fmt.Errorf("%s %s: created, but the response could not be decoded (%v): %w", cl.method, cl.path, err, ErrLandedElsewhere)
		}
		return fmt.Errorf("%s %s: cannot decode the response: %w", cl.method, cl.path, err)
	}
	return nil
}

// apiPath returns the path as named in errors: leading "/", no query.
func apiPath(p string) string {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	return "/" + strings.TrimLeft(p, "/")
}

// endpoint joins path to the base URL; ".." cannot climb above it.
func (c *Client) endpoint(p string, q url.Values) (*url.URL, error) {
	if strings.ContainsAny(p, "?#") {
		return nil, fmt.Errorf("erp: path %q must not carry a query; pass url.Values", apiPath(p))
	}
	rel := strings.TrimLeft(p, "/")
	u := c.base.JoinPath(rel)
	if !strings.HasPrefix(u.Path, c.base.Path) && u.Path+"/" != c.base.Path {
		return nil, fmt.Errorf("erp: path %q leaves the base URL", apiPath(p))
	}
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return u, nil
}

// do runs a call with retries: exponential backoff with jitter, Retry-After,
// MaxAttempts and MaxElapsed. A retryable failure that outlasts them comes
// back as a *GaveUpError (RunFatal: the Wawi is unavailable).
func (c *Client) do(ctx context.Context, cl *call) (*response, error) {
	u, err := c.endpoint(cl.path, cl.query)
	if err != nil {
		return nil, err
	}
	cl.path = apiPath(cl.path)
	bo := &backoff.ExponentialBackOff{
		InitialInterval:     c.cfg.BackoffInitial,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         c.cfg.BackoffMax,
	}
	bo.Reset()
	start := c.clk.Now()
	var pending error // a POST in doubt awaiting the landed check
	// used counts the attempts against MaxAttempts. A 429 is the server
	// asking for time, not a failure: it waits but does not use up an
	// attempt, so a burst of 429s cannot leave a write without the attempts
	// its real faults need. A server that only ever answers 429 still ends
	// the call, after three times MaxAttempts or MaxElapsed.
	used := 0
	for attempt := 1; ; attempt++ {
		if pending != nil {
			ok, cerr := cl.landed(ctx)
			doubt := pending
			pending = nil
			switch {
			case cerr != nil:
				return nil, &UnknownOutcomeError{Method: cl.method, Path: cl.path, Err: doubt, CheckErr: cerr}
			case ok:
				return nil, landedError(cl, doubt)
			}
			c.log.Debug("erp: the write did not land, repeating it", "method", cl.method, "path", cl.path)
		}
		if attempt > 1 {
			c.st.retries.Add(1)
		}
		resp, err := c.attempt(ctx, u, cl)
		if err == nil {
			return resp, nil
		}
		doubt := cl.method == http.MethodPost && inDoubt(err)
		if doubt {
			c.st.unknown.Add(1)
		}
		if ctx.Err() != nil {
			if doubt {
				return nil, &UnknownOutcomeError{Method: cl.method, Path: cl.path, Err: err}
			}
			return nil, err
		}
		switch {
		case doubt && cl.landed == nil:
			return nil, &UnknownOutcomeError{Method: cl.method, Path: cl.path, Err: err}
		case doubt:
			pending = err
		case !IsRetryable(err):
			return nil, err
		}
		next := bo.NextBackOff()
		var ae *APIError
		if errors.As(err, &ae) && ae.RetryAfter > 0 {
			// exactly the whole seconds Retry-After gives brought every
			// retry back to the same point of a short rate-limit window
			next = offGrid(ae.RetryAfter)
			bo.Reset()
		}
		if ae == nil || ae.Status != http.StatusTooManyRequests {
			used++
		}
		if used >= c.cfg.MaxAttempts || attempt >= 3*c.cfg.MaxAttempts || c.clk.Now().Sub(start)+next > c.cfg.MaxElapsed {
			return nil, c.giveUp(ctx, cl, attempt, err, pending)
		}
		c.log.Debug("erp: retrying", "method", cl.method, "path", cl.path, "wait", next, "error", err.Error())
		c.st.backoffWaits.Add(1)
		c.st.backoffWaited.Add(int64(next))
		if serr := c.clk.Sleep(ctx, next); serr != nil {
			if pending != nil {
				return nil, &UnknownOutcomeError{Method: cl.method, Path: cl.path, Err: pending}
			}
			return nil, fmt.Errorf("%s %s: %w (last error: %s)", cl.method, cl.path, context.Cause(ctx), stripOp(err, cl.method, cl.path))
		}
	}
}

// giveUp ends a call whose attempts or time ran out on a retryable failure.
// A write in doubt is checked a last time.
func (c *Client) giveUp(ctx context.Context, cl *call, attempts int, err, pending error) error {
	if pending != nil {
		ok, cerr := cl.landed(ctx)
		if cerr == nil && ok {
			return landedError(cl, pending)
		}
		return &UnknownOutcomeError{Method: cl.method, Path: cl.path, Err: pending, CheckErr: cerr}
	}
	return &GaveUpError{Attempts: attempts, Err: err}
}

func landedError(cl *call, cause error) error {
	return fmt.Errorf("%s %s: %w (first answer lost: %s)", cl.method, cl.path, ErrLandedElsewhere, stripOp(cause, cl.method, cl.path))
}

// inDoubt reports whether a failed write may have taken effect: the request
// was sent and then the answer was lost, timed out or was a 5xx.
func inDoubt(err error) bool {
	var te *TransportError
	if errors.As(err, &te) {
		return te.Sent
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status >= 500
	}
	return false
}

// attempt is one try, including the single retry with a fresh token after
// a 401 in Cloud mode.
func (c *Client) attempt(ctx context.Context, u *url.URL, cl *call) (*response, error) {
	resp, used, err := c.exchange(ctx, u, cl)
	if err == nil && resp.status == http.StatusUnauthorized && c.auth != nil && !cl.noAuth && c.auth.invalidate(used) {
		c.log.Debug("erp: 401, retrying once with a fresh token", "method", cl.method, "path", cl.path)
		resp, _, err = c.exchange(ctx, u, cl)
	}
	if err != nil {
		return nil, err
	}
	if resp.status >= 200 && resp.status < 300 {
		return resp, nil
	}
	return nil, newAPIError(cl.method, cl.path, resp.status, resp.header, resp.body, c.scrub)
}

// timeoutError is the per-exchange Timeout running out.
type timeoutError struct{ d time.Duration }

func (e timeoutError) Error() string   { return fmt.Sprintf("no answer within %s (timeout)", e.d) }
func (e timeoutError) Timeout() bool   { return true }
func (e timeoutError) Temporary() bool { return true }
func (e timeoutError) Unwrap() error   { return context.DeadlineExceeded }

// exchange is one HTTP request/response within the concurrency bound, the
// rate limiter and the per-exchange timeout.
func (c *Client) exchange(ctx context.Context, u *url.URL, cl *call) (*response, string, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, "", &TransportError{Method: cl.method, Path: cl.path, Err: context.Cause(ctx)}
	}
	defer func() { <-c.sem }()
	if err := c.lim.wait(ctx); err != nil {
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return nil, "", &TransportError{Method: cl.method, Path: cl.path, Err: err}
	}
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	// one allocation for the fixed headers instead of one per header
	h := c.hdr.Clone()
	var used string
	if c.auth != nil && !cl.noAuth {
		var err error
		if used, err = c.auth.apply(actx, h); err != nil {
			if ctx.Err() != nil {
				return nil, "", &TransportError{Method: cl.method, Path: cl.path, Err: context.Cause(ctx)}
			}
			return nil, "", err
		}
	}
	for k, v := range cl.header {
		h[k] = v
	}
	var body io.Reader
	if cl.hasBody {
		body = bytes.NewReader(cl.body)
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	var sent atomic.Bool
	tctx := httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				sent.Store(true)
			}
		},
	})
	req, err := http.NewRequestWithContext(tctx, cl.method, u.String(), body)
	if err != nil {
		return nil, used, &TransportError{Method: cl.method, Path: cl.path, Err: errors.New("cannot build the request")}
	}
	req.Header = h
	c.countMethod(cl.method)
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, used, c.transportError(ctx, actx, cl, sent.Load(), err)
	}
	defer res.Body.Close()
	limit := c.cfg.MaxResponseBytes
	if res.ContentLength > limit {
		return nil, used, &ResponseTooLargeError{Method: cl.method, Path: cl.path, Limit: limit, Size: res.ContentLength}
	}
	ok := res.StatusCode >= 200 && res.StatusCode < 300
	var into []byte
	if ok {
		into = cl.into // an error's body may be kept by its error
	}
	b, n, err := readBody(res, limit, cl.discard && ok, cl.sizeHint, into)
	if n > limit {
		return nil, used, &ResponseTooLargeError{Method: cl.method, Path: cl.path, Limit: limit}
	}
	c.lim.observe(res.Header, res.StatusCode)
	if res.StatusCode == http.StatusTooManyRequests {
		c.st.rateLimited.Add(1)
	}
	if err != nil {
		return nil, used, c.transportError(ctx, actx, cl, true, err)
	}
	return &response{status: res.StatusCode, header: res.Header, body: b}, used, nil
}

// readBody reads up to limit+1 bytes of the response (n: how many there
// were): into into, or a buffer of the announced size, or of hint when none
// is announced (io.ReadAll grows its buffer from 512 bytes, allocating about
// twice the body), or, with discard, to nowhere: the connection is reused
// only once its body was read.
func readBody(res *http.Response, limit int64, discard bool, hint int64, into []byte) (b []byte, n int64, err error) {
	r := io.LimitReader(res.Body, limit+1)
	if discard {
		n, err = io.Copy(io.Discard, r)
		return nil, n, err
	}
	buf := bytes.NewBuffer(into[:0])
	if cl := res.ContentLength; cl >= 0 && cl <= limit {
		buf.Grow(int(cl) + bytes.MinRead) // ReadFrom wants MinRead free to see EOF
	} else if cl < 0 && hint > 0 {
		buf.Grow(int(min(hint, limit)) + bytes.MinRead)
	}
	n, err = buf.ReadFrom(r)
	return buf.Bytes(), n, err
}

// transportError drops the URL (with its query) from a client error and
// names timeouts.
func (c *Client) transportError(ctx, actx context.Context, cl *call, sent bool, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case ctx.Err() != nil:
		err = context.Cause(ctx)
	case actx.Err() != nil:
		err = timeoutError{c.cfg.Timeout}
	default:
		err = scrubbedError{msg: c.scrub(err.Error()), err: err}
	}
	return &TransportError{Method: cl.method, Path: cl.path, Sent: sent, Err: err}
}

// setHeaders puts the headers every call carries. Names as the spec
// declares them: x-appid, x-appversion, api-version, x-runas, tenant-id
// (plus X-Tenant-ID, the name JTL's Cloud documentation uses).
func (c *Client) setHeaders(h http.Header) {
	h.Set("Accept", "application/json")
	h.Set("User-Agent", "etl/"+Version)
	h.Set("x-appid", c.cfg.AppID)
	h.Set("x-appversion", c.cfg.AppVersion)
	h.Set("api-version", c.cfg.APIVersion)
	if c.cfg.RunAs != "" {
		h.Set("x-runas", c.cfg.RunAs)
	}
	if c.cfg.TenantID != "" {
		h.Set("tenant-id", c.cfg.TenantID)
		h.Set("X-Tenant-ID", c.cfg.TenantID)
	}
}
