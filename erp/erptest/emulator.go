// Package erptest is an in-memory JTL-Wawi REST API (dialect 1.0) for tests
// and demos, used like net/http/httptest:
//
//	srv := erptest.NewServer(erptest.Options{APIKey: "k", Seed: erptest.Generate(erptest.GenConfig{Items: 100})})
//	defer srv.Close()
//	// point the client at srv.URL (http://127.0.0.1:PORT/api/eazybusiness)
//
// Records, field names, required fields and paging follow the official spec
// (its table in erp/spec). Request bodies are checked against the spec's
// schemas and refused with 400 ErrorResponse and ValidationErrors, like the
// Wawi does; with Options.Validate every request and response is also checked
// by a Validator (in tests erp/contract's, kin-openapi against the published
// document; see SetValidator) and violations are recorded (ContractViolations).
//
// Behaviour worth knowing:
//   - POST /stocks adds Quantity to the stock (it is an adjustment); a result
//     below zero is refused with 400 unless the item's AllowNegativeStock.
//   - SKU, sales order number and customer number are unique
//     (case-insensitively, like the Wawi's SQL collation); duplicates are
//     refused with 400 and counted (Counters.DuplicatesPrevented).
//   - PATCH answers 201, as the spec declares.
//   - Lists are ordered by Id; pageNumber starts at 1; pageSize defaults to
//     100 and is capped at Options.MaxPageSize (default 1000): the answer's
//     PageSize is the size used. pageNumber < 1 counts as 1, pageSize < 1 as
//     the default.
//   - Money and quantities are exact decimals, encoded as exact JSON number
//     literals (type Dec); dates are encoded like .NET does
//     (2023-01-15T13:00:00.0000000+00:00), "not set" as 0001-01-01T00:00:00.
//   - Required headers are those the spec declares as required (x-appid,
//     x-appversion; x-challengecode on registration) plus api-version, which
//     the README says to always send: missing → 412. api-version must be 1.x.
//   - Faults (latency with jitter, 5xx without acting, lost writes, 429
//     above a request budget) are drawn from Options.Rand, so a seeded rand
//     gives reproducible runs; SetFaults changes them at runtime. Lost writes
//     apply to POST, PATCH and DELETE of records, not to the app
//     registration.
//   - Stock is kept per item, warehouse, storage location (0 = the
//     warehouse's default location, Id warehouseId*100, "Standard"; any other
//     Id is accepted) and batch / best-before date; the negative-stock rule
//     applies to that row.
//   - A sales order's TotalGrossAmount and StillToPay follow its line items
//     (Quantity × SalesPriceGross less Discount %, rounded to cents per line);
//     line items do not change stock (the Wawi reserves, it does not book,
//     until delivery).
//   - Resources that are plain keyed collections (categories, customer
//     groups) are served by one generic store (collection.go): a
//     collectionDef row with the spec's paths and operation ids, plus the
//     rules of its own a resource has (a category's parent and Level; one
//     default customer group; a group in use cannot be deleted).
//
// Not emulated: operations other than those in apiRoutes (they answer 404),
// PATCH /salesOrders, deleting anything but customer groups, x-runas and scopes (any valid key
// may do anything), isActiveOnSalesChannelId (accepted, ignored).
package erptest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wawi-etl/etl/erp/spec"
)

// BasePath is where the API is served; admin routes (/_admin/...) and the
// Cloud token endpoint (/oauth2/token) are outside it.
const BasePath = "/api/eazybusiness"

// Paging defaults.
const (
	DefaultPageSize    = 100
	DefaultMaxPageSize = 1000
)

// Options configures an Emulator. The zero value is a working OnPremise
// Wawi that accepts any non-empty API key, with default base data.
type Options struct {
	// APIKey is the OnPremise key required in "Authorization: Wawi <key>"
	// (or the spec's x-api-key header). "" accepts any non-empty key unless
	// Cloud credentials are configured. Keys obtained through the
	// registration flow are always accepted.
	APIKey string
	// ClientID and ClientSecret enable Cloud auth: POST /oauth2/token (HTTP
	// Basic, grant_type=client_credentials) issues JWT-looking opaque tokens
	// valid for TokenTTL (default 1h), accepted as "Authorization: Bearer"
	// with a tenant in X-Tenant-ID or tenant-id, which must equal TenantID
	// when that is set.
	ClientID, ClientSecret, TenantID string
	TokenTTL                         time.Duration

	// Latency is added to every API request, ± a uniform Jitter.
	Latency, Jitter time.Duration
	// FailRate is the fraction of API requests answered 503 or 502 WITHOUT
	// acting.
	FailRate float64
	// LostWriteRate is the fraction of successful writes (POST, PATCH) that
	// are performed but answered 500 or 504, as when the response is lost.
	LostWriteRate float64
	// RequestBudget > 0 allows that many API requests per BudgetWindow
	// (default 1s, fixed windows); above it the answer is 429 with
	// Retry-After. Every API response carries X-RateLimit-Limit,
	// X-RateLimit-Remaining and X-RateLimit-Interval-Length-Seconds.
	RequestBudget int
	BudgetWindow  time.Duration

	// MaxPageSize caps pageSize (default DefaultMaxPageSize).
	MaxPageSize int
	// Validate checks every API request and response with the installed
	// Validator (see SetValidator; erp/contract's in tests) and records
	// violations (ContractViolations, GET /_admin/violations). The answer to
	// a request that itself broke the contract is not checked (the spec only
	// describes answers to valid requests). Off by default: it costs far
	// more than serving.
	Validate bool
	// Validator is the check for Validate (default: the one installed with
	// SetValidator).
	Validator Validator
	// Seed is the initial state (nil: base data only; see Seed).
	Seed *Seed
	// Rand drives the faults (nil: seeded from the clock). A *rand.Rand is
	// not safe for concurrent use: the emulator serialises its draws, so do
	// not use it elsewhere meanwhile.
	Rand *rand.Rand
	// RegistrationAutoAccept > 0 accepts a pending app registration that
	// long after it was requested; 0 leaves it pending until
	// POST /_admin/registrations/{id}?status=accept|reject (or
	// Emulator.DecideRegistration).
	RegistrationAutoAccept time.Duration
	// Now is the clock (default time.Now): record dates, token expiry,
	// rate-limit windows and registration auto-accept use it.
	Now func() time.Time
}

// Faults are the fault settings that can change at runtime.
type Faults struct {
	Latency, Jitter         time.Duration
	FailRate, LostWriteRate float64
	RequestBudget           int
	BudgetWindow            time.Duration
}

// MarshalJSON writes durations as Go duration strings ("20ms").
func (f Faults) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{
		"latency": f.Latency.String(), "jitter": f.Jitter.String(), "failRate": f.FailRate,
		"lostWriteRate": f.LostWriteRate, "budget": f.RequestBudget, "budgetWindow": f.BudgetWindow.String(),
	})
}

// Counters are what the emulator has seen. Route keys are "GET /items",
// "PATCH /items/{itemId}", … (paths relative to BasePath).
type Counters struct {
	Requests            int64            `json:"requests"` // API requests (not admin, not token)
	ByRoute             map[string]int64 `json:"byRoute"`
	ByStatus            map[string]int64 `json:"byStatus"`
	Writes              int64            `json:"writes"`              // writes performed (lost ones included)
	DuplicatesPrevented int64            `json:"duplicatesPrevented"` // writes refused: SKU / number taken
	Renamed             int64            `json:"renamed"`             // order numbers renamed on request
	WorkflowsDisabled   int64            `json:"workflowsDisabled"`   // writes with disableAutomaticWorkflows=true
	Faults              map[string]int64 `json:"faults"`              // fail503, fail502, lost500, lost504
	RateLimited         int64            `json:"rateLimited"`         // 429 answers
	Unauthorized        int64            `json:"unauthorized"`        // 401 answers
	MissingHeaders      int64            `json:"missingHeaders"`      // 412 answers
	TokensIssued        int64            `json:"tokensIssued"`
	ContractViolations  int              `json:"contractViolations"`
}

// Route returns the count for a route key such as "GET /items".
func (c Counters) Route(key string) int64 { return c.ByRoute[key] }

// LostWrites is the number of writes performed but answered 5xx.
func (c Counters) LostWrites() int64 { return c.Faults["lost500"] + c.Faults["lost504"] }

// FailedWithoutActing is the number of requests answered 5xx without acting.
func (c Counters) FailedWithoutActing() int64 { return c.Faults["fail503"] + c.Faults["fail502"] }

// Emulator is the in-memory Wawi; it is an http.Handler serving the API
// below BasePath, the token endpoint and the admin routes.
type Emulator struct {
	opts    Options
	maxPage int
	mux     *http.ServeMux

	mu sync.RWMutex // guards st
	st *store

	cacheMu sync.Mutex
	cache   map[string]cachedIDs

	fmu      sync.Mutex // guards faults, rnd and the rate-limit window
	faults   Faults
	rnd      *rand.Rand
	winStart time.Time
	winCount int

	cmu      sync.Mutex
	counters Counters

	vmu        sync.Mutex
	violations []string
	cov        spec.Coverage
	validator  Validator // set when Options.Validate

	amu    sync.Mutex // guards auth state
	tokens map[string]time.Time
	keys   map[string]bool
	regs   map[string]*registration
	regIDs []string
}

type cachedIDs struct {
	version uint64
	ids     []int
}

// New builds an Emulator; it fails when the seed is inconsistent.
func New(opts Options) (*Emulator, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	e := &Emulator{
		opts:    opts,
		maxPage: opts.MaxPageSize,
		cache:   map[string]cachedIDs{},
		rnd:     opts.Rand,
		tokens:  map[string]time.Time{},
		keys:    map[string]bool{},
		regs:    map[string]*registration{},
	}
	if opts.Validate {
		v, err := chooseValidator(opts.Validator, installedValidator())
		if err != nil {
			return nil, err
		}
		e.validator = v
	}
	if e.maxPage <= 0 {
		e.maxPage = DefaultMaxPageSize
	}
	if e.rnd == nil {
		e.rnd = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x5eed))
	}
	e.faults = Faults{Latency: opts.Latency, Jitter: opts.Jitter, FailRate: opts.FailRate, LostWriteRate: opts.LostWriteRate,
		RequestBudget: opts.RequestBudget, BudgetWindow: opts.BudgetWindow}
	e.counters = Counters{ByRoute: map[string]int64{}, ByStatus: map[string]int64{}, Faults: map[string]int64{}}
	st, err := newStore(opts.Seed, e.now())
	if err != nil {
		return nil, err
	}
	e.st = st
	e.opts.Seed = nil // the store has its own copy; let the seed be collected
	e.mux = http.NewServeMux()
	for i := range apiRoutes {
		rt := &apiRoutes[i]
		if rt.unmuxed {
			continue
		}
		e.mux.HandleFunc(rt.method+" "+BasePath+rt.path, func(w http.ResponseWriter, r *http.Request) { e.serveAPI(rt, w, r) })
	}
	e.mux.HandleFunc(BasePath+"/", func(w http.ResponseWriter, r *http.Request) { e.serveAPI(unmuxedRoute(r), w, r) })
	e.mux.HandleFunc("POST /oauth2/token", e.serveToken)
	e.registerAdmin()
	e.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, ErrorResponse{ErrorCode: "NotFound", ErrorMessage: "The API is served below " + BasePath + "/"})
	})
	return e, nil
}

// NewHandler is New for a valid seed; it panics on an inconsistent seed.
func NewHandler(opts Options) *Emulator {
	e, err := New(opts)
	if err != nil {
		panic("erptest: " + err.Error())
	}
	return e
}

// now is the clock truncated to .NET's 100 ns ticks, so that a date-time
// read from an answer compares equal to the stored one.
func (e *Emulator) now() time.Time { return e.opts.Now().Truncate(100 * time.Nanosecond) }

// ServeHTTP implements http.Handler.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.mux.ServeHTTP(w, r) }

// Server is an Emulator listening on a loopback port, like httptest.Server.
type Server struct {
	*Emulator
	// URL is the API's base URL, http://127.0.0.1:PORT/api/eazybusiness
	// (no trailing slash: URL+"/items").
	URL string
	// RootURL is http://127.0.0.1:PORT (admin routes); TokenURL is the
	// Cloud token endpoint.
	RootURL, TokenURL string
	HTTP              *httptest.Server
}

// NewServer starts an emulator; Close stops it. It panics on an
// inconsistent seed, like NewHandler.
func NewServer(opts Options) *Server {
	e := NewHandler(opts)
	hs := httptest.NewServer(e)
	return &Server{Emulator: e, URL: hs.URL + BasePath, RootURL: hs.URL, TokenURL: hs.URL + "/oauth2/token", HTTP: hs}
}

// Close shuts the server down and blocks until its requests are done.
func (s *Server) Close() { s.HTTP.Close() }

// Client returns an http.Client for the server.
func (s *Server) Client() *http.Client { return s.HTTP.Client() }

// --- request pipeline ---

type route struct {
	method, path, opID string
	write, public      bool // public: no credentials (registration)
	unmuxed            bool // no mux pattern: found by unmuxedRoute
	h                  func(*Emulator, *call) reply
}

func (rt *route) key() string { return rt.method + " " + rt.path }

// requiredHeaders are the header parameters the spec requires for the
// operation, e.g. x-appid, x-appversion, api-version, relaxed as erp/contract
// relaxes them: x-api-key is one form of the credentials (checked by the
// auth step), tenant-id is Cloud only, api-version is always required.
var requiredHeaders = sync.OnceValue(func() map[string][]string {
	out := map[string][]string{}
	for _, op := range spec.Operations() {
		for _, p := range op.Params {
			if p.In != "header" {
				continue
			}
			switch name := strings.ToLower(p.Name); {
			case name == "x-api-key" || name == "tenant-id":
			case p.Required || name == "api-version":
				out[op.ID] = append(out[op.ID], p.Name)
			}
		}
	}
	return out
})

// call is one API request as the handlers see it.
type call struct {
	r     *http.Request
	body  []byte
	q     url.Values
	now   time.Time
	qerrs map[string]string // query values that do not parse
}

type reply struct {
	status int
	body   []byte
	header http.Header
	// release, when set, is called once body was written and is no
	// longer read (a recycled buffer)
	release func()
}

func jsonReply(status int, v any) reply {
	b, err := json.Marshal(v)
	if err != nil {
		return errorReply(http.StatusInternalServerError, "InternalServerError", err.Error(), nil)
	}
	return reply{status: status, body: b}
}

func errorReply(status int, code, msg string, verrs map[string]string) reply {
	return jsonReply(status, ErrorResponse{ErrorCode: code, ErrorMessage: msg, ValidationErrors: verrs})
}

func validationReply(verrs map[string]string) reply {
	return errorReply(http.StatusBadRequest, "ValidationFailed", "The request is invalid. "+summarize(verrs), verrs)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

func (e *Emulator) count(f func(c *Counters)) {
	e.cmu.Lock()
	defer e.cmu.Unlock()
	f(&e.counters)
}

func (e *Emulator) serveAPI(rt *route, w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, ErrorResponse{ErrorCode: "BadRequest", ErrorMessage: "reading the body: " + err.Error()})
		return
	}
	key := "unknown route"
	if rt != nil {
		key = rt.key()
		e.cov.Add(rt.opID)
	}
	e.count(func(c *Counters) { c.Requests++; c.ByRoute[key]++ })
	validRequest := true
	if e.opts.Validate {
		vr := r.Clone(r.Context())
		vr.Body = io.NopCloser(bytes.NewReader(body))
		if err := e.validator.ValidateRequest(BasePath, vr); err != nil {
			e.recordViolations(err)
			validRequest = false
		}
	}
	rep, ok := e.pipeline(rt, r, body)
	if !ok {
		return // the client went away during the latency
	}
	h := w.Header()
	for k, v := range rep.header {
		h[k] = v
	}
	if len(rep.body) > 0 && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	if len(rep.body) > 0 {
		// a body larger than the server's buffer is otherwise sent chunked,
		// copied through it, and the client cannot size its buffer
		h.Set("Content-Length", strconv.Itoa(len(rep.body)))
	}
	w.WriteHeader(rep.status)
	w.Write(rep.body)
	e.count(func(c *Counters) { c.ByStatus[strconv.Itoa(rep.status)]++ })
	// The spec describes the answers to valid requests: the response to a
	// request that broke the contract is not checked.
	if e.opts.Validate && validRequest {
		if err := e.validator.ValidateResponse(BasePath, r, rep.status, h.Clone(), rep.body); err != nil {
			e.recordViolations(err)
		}
	}
	if rep.release != nil {
		rep.release()
	}
}

func (e *Emulator) recordViolations(err error) {
	vs := splitViolations(err)
	e.vmu.Lock()
	e.violations = append(e.violations, vs...)
	e.vmu.Unlock()
}

// pipeline applies latency, rate limit, headers, auth and faults, then
// acts. ok is false when the request's context ended during the latency.
func (e *Emulator) pipeline(rt *route, r *http.Request, body []byte) (rep reply, ok bool) {
	f, delay := e.drawLatency()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return reply{}, false
		}
	}
	now := e.now()
	limitHeader, allowed, retry := e.takeBudget(f, now)
	defer func() {
		if limitHeader != nil {
			if rep.header == nil {
				rep.header = http.Header{}
			}
			for k, v := range limitHeader {
				rep.header[k] = v
			}
		}
	}()
	if !allowed {
		e.count(func(c *Counters) { c.RateLimited++ })
		rep = errorReply(http.StatusTooManyRequests, "TooManyRequests", fmt.Sprintf("Rate limit of %d requests per %s exceeded.", f.RequestBudget, f.BudgetWindow), nil)
		rep.header = http.Header{"Retry-After": {strconv.Itoa(retry)}}
		return rep, true
	}
	if rt == nil {
		return errorReply(http.StatusNotFound, "NotFound", fmt.Sprintf("No API route for %s %s.", r.Method, r.URL.Path), nil), true
	}
	var missing []string
	verrs := map[string]string{}
	for _, name := range requiredHeaders()[rt.opID] {
		if strings.TrimSpace(r.Header.Get(name)) == "" {
			missing = append(missing, name)
			verrs[name] = fmt.Sprintf("The header %s is required.", name)
		}
	}
	if cc := r.Header.Get("x-challengecode"); len(cc) > 30 {
		missing = append(missing, "x-challengecode")
		verrs["x-challengecode"] = "The header x-challengecode must be at most 30 characters long."
	}
	if len(missing) > 0 {
		e.count(func(c *Counters) { c.MissingHeaders++ })
		return errorReply(http.StatusPreconditionFailed, "MissingHeaders", "Missing or invalid header(s): "+strings.Join(missing, ", ")+".", verrs), true
	}
	if v := r.Header.Get("api-version"); v != "" && v != "1" && !strings.HasPrefix(v, "1.") {
		return errorReply(http.StatusBadRequest, "UnsupportedApiVersion", fmt.Sprintf("The API version %q is not supported by this emulator (1.x only).", v), nil), true
	}
	if !rt.public {
		if msg := e.checkAuth(r, now); msg != "" {
			e.count(func(c *Counters) { c.Unauthorized++ })
			rep = errorReply(http.StatusUnauthorized, "Unauthorized", msg, nil)
			rep.header = http.Header{"Www-Authenticate": {`Wawi, Bearer`}}
			return rep, true
		}
	}
	if code, hit := e.drawFailure(f.FailRate, 503, 502); hit {
		e.count(func(c *Counters) { c.Faults["fail"+strconv.Itoa(code)]++ })
		if code == 502 {
			return reply{status: 502, body: []byte("<html><body><h1>502 Bad Gateway</h1></body></html>"), header: http.Header{"Content-Type": {"text/html"}}}, true
		}
		return errorReply(503, "ServiceUnavailable", "The service is temporarily unavailable (injected fault).", nil), true
	}
	c := &call{r: r, body: body, q: r.URL.Query(), now: now, qerrs: map[string]string{}}
	rep = rt.h(e, c)
	if rt.write && rep.status >= 200 && rep.status < 300 {
		wf := c.q.Get("disableAutomaticWorkflows") == "true"
		e.count(func(c *Counters) {
			c.Writes++
			if wf {
				c.WorkflowsDisabled++
			}
		})
		if code, hit := e.drawFailure(f.LostWriteRate, 500, 504); hit {
			e.count(func(c *Counters) { c.Faults["lost"+strconv.Itoa(code)]++ })
			if code == 504 {
				return reply{status: 504, body: []byte("<html><body><h1>504 Gateway Time-out</h1></body></html>"), header: http.Header{"Content-Type": {"text/html"}}}, true
			}
			return errorReply(500, "InternalServerError", "An unexpected error occurred (injected fault; the write was performed).", nil), true
		}
	}
	return rep, true
}

func (e *Emulator) drawLatency() (Faults, time.Duration) {
	e.fmu.Lock()
	defer e.fmu.Unlock()
	f := e.faults
	d := f.Latency
	if f.Jitter > 0 {
		d += time.Duration((e.rnd.Float64()*2 - 1) * float64(f.Jitter))
	}
	return f, max(d, 0)
}

// drawFailure draws whether a fault with probability p happens and, if so,
// which of the two statuses it answers.
func (e *Emulator) drawFailure(p float64, a, b int) (int, bool) {
	if p <= 0 {
		return 0, false
	}
	e.fmu.Lock()
	defer e.fmu.Unlock()
	if e.rnd.Float64() >= p {
		return 0, false
	}
	if e.rnd.IntN(2) == 0 {
		return a, true
	}
	return b, true
}

// takeBudget counts the request against the current fixed window.
func (e *Emulator) takeBudget(f Faults, now time.Time) (h http.Header, allowed bool, retryAfter int) {
	if f.RequestBudget <= 0 {
		return nil, true, 0
	}
	window := f.BudgetWindow
	if window <= 0 {
		window = time.Second
	}
	e.fmu.Lock()
	defer e.fmu.Unlock()
	if e.winStart.IsZero() || now.Sub(e.winStart) >= window || now.Before(e.winStart) {
		e.winStart, e.winCount = now, 0
	}
	allowed = e.winCount < f.RequestBudget
	if allowed {
		e.winCount++
	}
	secs := strconv.FormatFloat(window.Seconds(), 'f', -1, 64)
	h = http.Header{
		"X-Ratelimit-Limit":                   {strconv.Itoa(f.RequestBudget)},
		"X-Ratelimit-Remaining":               {strconv.Itoa(f.RequestBudget - e.winCount)},
		"X-Ratelimit-Interval-Length-Seconds": {secs},
	}
	left := e.winStart.Add(window).Sub(now)
	retryAfter = max(1, int((left+time.Second-1)/time.Second))
	return h, allowed, retryAfter
}

// SetFaults replaces the fault settings (the rate-limit window restarts).
func (e *Emulator) SetFaults(f Faults) {
	e.fmu.Lock()
	defer e.fmu.Unlock()
	e.faults = f
	e.winStart, e.winCount = time.Time{}, 0
}

// Faults returns the current fault settings.
func (e *Emulator) Faults() Faults {
	e.fmu.Lock()
	defer e.fmu.Unlock()
	return e.faults
}

// Counters returns a copy of the counters.
func (e *Emulator) Counters() Counters {
	e.cmu.Lock()
	c := e.counters
	c.ByRoute = clone(c.ByRoute)
	c.ByStatus = clone(c.ByStatus)
	c.Faults = clone(c.Faults)
	e.cmu.Unlock()
	e.vmu.Lock()
	c.ContractViolations = len(e.violations)
	e.vmu.Unlock()
	return c
}

func clone[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// ContractViolations returns the violations recorded with Options.Validate.
func (e *Emulator) ContractViolations() []string {
	e.vmu.Lock()
	defer e.vmu.Unlock()
	return slices.Clone(e.violations)
}

// Coverage returns the spec operations the emulator has served.
func (e *Emulator) Coverage() *spec.Coverage { return &e.cov }

// --- call helpers ---

func (c *call) pathID(name string) (int, bool) {
	v, err := strconv.Atoi(c.r.PathValue(name))
	return v, err == nil
}

func (c *call) qInt(name string) (int, bool) {
	s := c.q.Get(name)
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		c.qerrs[name] = fmt.Sprintf("The value '%s' is not valid for %s.", s, name)
		return 0, false
	}
	return int(v), true
}

func (c *call) qBool(name string) (v, ok bool) {
	s := c.q.Get(name)
	if s == "" {
		return false, false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		c.qerrs[name] = fmt.Sprintf("The value '%s' is not valid for %s.", s, name)
		return false, false
	}
	return b, true
}

func (c *call) qTime(name string) (time.Time, bool) {
	s := c.q.Get(name)
	if s == "" {
		return time.Time{}, false
	}
	t, err := ParseTime(s)
	if err != nil {
		c.qerrs[name] = fmt.Sprintf("The value '%s' is not valid for %s.", s, name)
		return time.Time{}, false
	}
	return t, true
}

// paging returns the page number and size asked for, with defaults and cap.
func (e *Emulator) paging(c *call) (number, size int) {
	number, _ = c.qInt("pageNumber")
	size, _ = c.qInt("pageSize")
	if number < 1 {
		number = 1
	}
	if size < 1 {
		size = DefaultPageSize
	}
	return number, min(size, e.maxPage)
}

// paginate cuts one page out of list and fills the envelope.
func paginate[T any](list []T, number, size int) PagedList[T] {
	total := len(list)
	pages := (total + size - 1) / size
	p := PagedList[T]{TotalItems: total, PageNumber: number, PageSize: size, TotalPages: pages, Items: []T{}}
	if lo := (number - 1) * size; lo < total {
		p.Items = list[lo:min(lo+size, total)]
	}
	p.HasPreviousPage = number > 1
	p.HasNextPage = number < pages
	p.NextPageNumber = pages
	if p.HasNextPage {
		p.NextPageNumber = number + 1
	}
	p.PreviousPageNumber = 1
	if p.HasPreviousPage {
		p.PreviousPageNumber = number - 1
	}
	return p
}

// pageByIDs pages ids and resolves the page's records.
func pageByIDs[T any](ids []int, number, size int, get func(int) T) PagedList[T] {
	p := paginate(ids, number, size)
	out := PagedList[T]{TotalItems: p.TotalItems, PageNumber: p.PageNumber, PageSize: p.PageSize, TotalPages: p.TotalPages,
		HasPreviousPage: p.HasPreviousPage, HasNextPage: p.HasNextPage, NextPageNumber: p.NextPageNumber,
		PreviousPageNumber: p.PreviousPageNumber, Items: make([]T, 0, len(p.Items))}
	for _, id := range p.Items {
		out.Items = append(out.Items, get(id))
	}
	return out
}

// filtered returns the ids compute finds for this query, reusing the
// answer while the store is unchanged (paging through a filtered list costs
// one filter pass, not one per page). The caller holds e.mu.
func (e *Emulator) filtered(c *call, compute func() []int) []int {
	q := url.Values{}
	for k, v := range c.q {
		if k != "pageNumber" && k != "pageSize" {
			q[k] = v
		}
	}
	key := c.r.Pattern + "?" + q.Encode()
	v := e.st.version
	e.cacheMu.Lock()
	if ent, ok := e.cache[key]; ok && ent.version == v {
		e.cacheMu.Unlock()
		return ent.ids
	}
	e.cacheMu.Unlock()
	ids := compute()
	e.cacheMu.Lock()
	if len(e.cache) >= 64 {
		clear(e.cache)
	}
	e.cache[key] = cachedIDs{version: v, ids: ids}
	e.cacheMu.Unlock()
	return ids
}

// decodeBody parses the JSON body and checks it against the request body
// schema the spec declares for the operation. A body that is not declared
// as JSON is refused with 415, like ASP.NET does.
func decodeBody(c *call, opID string) (any, *reply) {
	if mt, _, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type")); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		r := errorReply(http.StatusUnsupportedMediaType, "UnsupportedMediaType",
			fmt.Sprintf("The Content-Type %q is not supported; send application/json.", c.r.Header.Get("Content-Type")), nil)
		return nil, &r
	}
	if len(bytes.TrimSpace(c.body)) == 0 {
		r := validationReply(map[string]string{"$": "A non-empty request body is required."})
		return nil, &r
	}
	v, err := decodeJSON(c.body)
	if err != nil {
		var se *json.SyntaxError
		msg := err.Error()
		if errors.As(err, &se) {
			msg = fmt.Sprintf("The JSON is invalid at byte %d: %v", se.Offset, err)
		}
		r := validationReply(map[string]string{"$": msg})
		return nil, &r
	}
	if verrs := validateBody(v, requestSchema(opID)); len(verrs) > 0 {
		r := validationReply(verrs)
		return nil, &r
	}
	return v, nil
}
