package erp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Error classes. Every error type of this package (APIError,
// TransportError, AuthError, UnknownOutcomeError, GaveUpError, ConfigError)
// implements three methods, so that a caller outside this package can
// classify an error by behaviour with errors.As against an interface,
// without importing erp or reading texts:
//
//	RunFatal() bool       the error concerns the whole run, not one record:
//	                      credentials refused (401, 403, 402 licence; a token
//	                      endpoint refusing the client), the route does not
//	                      exist (a 404 for the path itself, "check WAWI_URL",
//	                      not a 404 about a missing record), an invalid
//	                      Config, and a Wawi unavailable: 5xx, 408, 429 or a
//	                      transport failure that outlasted the retry budget,
//	                      or a transport failure no retry can cure (TLS,
//	                      DNS name unknown). Every next record would fail
//	                      the same way, so stop with one message.
//	Retryable() bool      repeating the request could clear it (5xx, 408,
//	                      429, timeouts, refused or reset connections). The
//	                      client has already retried within its budget.
//	OutcomeUnknown() bool a write was sent and its answer lost; the object
//	                      may or may not exist (errors.Is ErrUnknownOutcome).
//
// Ask the outermost erp error in a chain (errors.As finds it first): a
// GaveUpError or UnknownOutcomeError decides for the error it wraps. Check
// RunFatal first: a GaveUpError is both RunFatal and Retryable (a retry
// later may clear it, but not within this run's budget). The
// functions IsRetryable, IsPermanent, IsAuth and StatusOf remain for this
// package's own callers.

// ErrUnknownOutcome matches (errors.Is) a write that was sent and whose
// answer was lost: timeout, 5xx or connection lost after the request went
// out. The object may or may not exist; never repeat the write blindly.
var ErrUnknownOutcome = errors.New("outcome unknown")

// ErrLandedElsewhere matches (errors.Is) a POST whose answer was lost but
// whose effect the caller's landed check found on the server: the object
// exists (created by an earlier attempt), so the POST was not repeated and
// out was not filled. Read the object back.
var ErrLandedElsewhere = errors.New("the write landed on an earlier attempt; its response was lost, read the object back")

// APIError is a non-2xx answer of the Wawi API, decoded from JTL's
// ErrorResponse {ErrorCode, ErrorMessage, ValidationErrors, Stacktrace}.
type APIError struct {
	Status       int
	Method, Path string // path without query
	ErrorCode    string
	ErrorMessage string
	// ValidationErrors maps a field to its message. The spec declares
	// {field: string}; an array of messages per field (ASP.NET style) is
	// joined with "; ".
	ValidationErrors map[string]string
	// Stacktrace as sent by the server (not part of Error()).
	Stacktrace string
	// RetryAfter is the server's Retry-After, zero when absent.
	RetryAfter time.Duration
	// RouteMissing: a 404 for the path itself (the API has no such route,
	// e.g. a wrong WAWI_URL path), not a 404 about a missing record.
	RouteMissing bool
}

// RunFatal: credentials or licence refused, or the route does not exist.
// (5xx beyond the retry budget arrive wrapped in a GaveUpError.)
func (e *APIError) RunFatal() bool {
	switch e.Status {
	case http.StatusUnauthorized, http.StatusPaymentRequired, http.StatusForbidden:
		return true
	}
	return e.RouteMissing
}

// Retryable: 408, 429 and every 5xx.
func (e *APIError) Retryable() bool { return retryableStatus(e.Status) }

// OutcomeUnknown is false: an answer arrived (an UnknownOutcomeError wraps
// a 5xx to a write).
func (e *APIError) OutcomeUnknown() bool { return false }

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d", e.Method, e.Path, e.Status)
	if t := http.StatusText(e.Status); t != "" {
		b.WriteString(" " + t)
	}
	if e.ErrorCode != "" && e.ErrorCode != e.ErrorMessage {
		b.WriteString(": " + e.ErrorCode)
	}
	if e.ErrorMessage != "" {
		b.WriteString(": " + e.ErrorMessage)
	}
	if len(e.ValidationErrors) > 0 {
		keys := make([]string, 0, len(e.ValidationErrors))
		for k := range e.ValidationErrors {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + e.ValidationErrors[k]
		}
		b.WriteString(": " + strings.Join(parts, "; "))
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.RouteMissing {
		b.WriteString(" (the API has no such path: check WAWI_URL, e.g. http://HOST:PORT/api/eazybusiness/ or https://api.jtl-cloud.com/erp/)")
	}
	return b.String()
}

// TransportError is a failed HTTP exchange without a status: connection
// refused, timeout, reset, DNS, TLS.
type TransportError struct {
	Method, Path string
	// Sent reports whether the request had been written completely before
	// the failure, so the server may have acted on it.
	Sent bool
	Err  error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Method, e.Path, e.Err)
}
func (e *TransportError) Unwrap() error { return e.Err }

// RunFatal: a failure no retry cures (TLS, unknown host, refused by policy);
// a transient one outlasting the budget arrives in a GaveUpError. The end of
// the caller's context (an interrupt) is not fatal here.
func (e *TransportError) RunFatal() bool {
	return !transient(e.Err) && !errors.Is(e.Err, context.Canceled)
}

// Retryable: a timeout, a refused or reset connection.
func (e *TransportError) Retryable() bool { return transient(e.Err) }

// OutcomeUnknown is false: a write in doubt arrives as UnknownOutcomeError.
func (e *TransportError) OutcomeUnknown() bool { return false }

// AuthError is a failure to obtain a Cloud access token.
type AuthError struct {
	TokenURL    string
	Status      int // of the token endpoint, 0 on a transport failure
	Code        string
	Description string
	Err         error // transport failure, if any
	// Temporary: the token endpoint was unreachable or answered 5xx/429.
	Temporary bool
}

func (e *AuthError) Error() string {
	var b strings.Builder
	b.WriteString("cloud token request to " + e.TokenURL + " failed")
	if e.Status != 0 {
		fmt.Fprintf(&b, ": %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if !e.Temporary && e.Status >= 400 && e.Status < 500 {
		b.WriteString(" (check WAWI_CLIENT_ID and WAWI_CLIENT_SECRET)")
	}
	return b.String()
}
func (e *AuthError) Unwrap() error { return e.Err }

// RunFatal: the token endpoint refused the client (an unreachable one
// outlasting the budget arrives in a GaveUpError).
func (e *AuthError) RunFatal() bool { return !e.Temporary }

// Retryable: the token endpoint was unreachable or answered 5xx/429.
func (e *AuthError) Retryable() bool { return e.Temporary }

// OutcomeUnknown is false: no API request was sent.
func (e *AuthError) OutcomeUnknown() bool { return false }

// GaveUpError is a retryable failure (5xx, 408, 429, transport, token
// endpoint unreachable) that outlasted the retry budget (MaxAttempts or
// MaxElapsed): the Wawi is unavailable, so it is RunFatal. Its text is that
// of the last failure; it unwraps to it.
type GaveUpError struct {
	Attempts int
	Err      error
}

func (e *GaveUpError) Error() string        { return e.Err.Error() }
func (e *GaveUpError) Unwrap() error        { return e.Err }
func (e *GaveUpError) RunFatal() bool       { return true }
func (e *GaveUpError) Retryable() bool      { return true }
func (e *GaveUpError) OutcomeUnknown() bool { return false }

// UnknownOutcomeError is a write (POST) that was sent and whose answer was
// lost. It matches ErrUnknownOutcome with errors.Is and unwraps to the
// failure (timeout, 5xx APIError, connection lost).
type UnknownOutcomeError struct {
	Method, Path string
	Err          error
	// CheckErr is the error of the caller's landed check, if it failed.
	CheckErr error
}

func (e *UnknownOutcomeError) Error() string {
	s := fmt.Sprintf("%s %s: outcome unknown, the request was sent and then: %v", e.Method, e.Path, stripOp(e.Err, e.Method, e.Path))
	if e.CheckErr != nil {
		s += fmt.Sprintf("; checking whether it landed failed: %v", e.CheckErr)
	}
	return s + "; check whether the object exists before repeating the write"
}

// stripOp drops a repeated "METHOD path: " prefix from a wrapped error.
func stripOp(err error, method, path string) string {
	if err == nil {
		return "unknown error"
	}
	return strings.TrimPrefix(err.Error(), method+" "+path+": ")
}

func (e *UnknownOutcomeError) Unwrap() []error {
	errs := []error{e.Err}
	if e.CheckErr != nil {
		errs = append(errs, e.CheckErr)
	}
	return errs
}
func (e *UnknownOutcomeError) Is(target error) bool { return target == ErrUnknownOutcome }

// OutcomeUnknown is true: the write may or may not have landed.
func (e *UnknownOutcomeError) OutcomeUnknown() bool { return true }

// Retryable is false: repeating the write blindly could do it twice.
func (e *UnknownOutcomeError) Retryable() bool { return false }

// RunFatal: checking whether the write landed failed for a run-wide reason
// (the Wawi unavailable beyond the budget, credentials refused).
func (e *UnknownOutcomeError) RunFatal() bool {
	var rf interface{ RunFatal() bool }
	return e.CheckErr != nil && errors.As(e.CheckErr, &rf) && rf.RunFatal()
}

// IsRetryable reports whether repeating the same request may succeed: 408,
// 429, every 5xx, timeouts, refused or reset connections, an
// unreachable token endpoint. An unknown outcome is not retryable.
func IsRetryable(err error) bool {
	if err == nil || errors.Is(err, ErrUnknownOutcome) || errors.Is(err, ErrLandedElsewhere) {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return retryableStatus(ae.Status)
	}
	var au *AuthError
	if errors.As(err, &au) {
		return au.Temporary
	}
	var te *TransportError
	if errors.As(err, &te) {
		return transient(te.Err)
	}
	return false
}

// IsPermanent reports whether the request will fail the same way when
// repeated: 400, 402, 403, 404, 409, 410, 412, 422 and other 4xx except 401,
// 408 and 429; an invalid Config.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var ce *ConfigError
	if errors.As(err, &ce) {
		return true
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status >= 400 && ae.Status < 500 && ae.Status != 401 && ae.Status != 408 && ae.Status != 429
	}
	return false
}

// IsAuth reports whether the credentials were rejected: a 401 that a fresh
// token did not cure (Cloud) or a 401 to the API key (OnPremise), or a token
// endpoint refusing the client.
func IsAuth(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status == http.StatusUnauthorized
	}
	var au *AuthError
	if errors.As(err, &au) {
		return !au.Temporary
	}
	return false
}

// StatusOf returns the HTTP status of an APIError in err's chain, else 0.
func StatusOf(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// retryableStatus: 408, 429 and every 5xx. A 500 is retried too: proxies
// and the Wawi answer it for passing faults (a deadlock victim, a lost
// answer). Only requests safe to repeat are repeated; a POST in doubt is
// settled by its landed check first (see Post).
func retryableStatus(s int) bool {
	return s == http.StatusRequestTimeout || s == http.StatusTooManyRequests || (s >= 500 && s <= 599)
}

// transient reports whether a transport failure is likely to pass.
func transient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	for _, errno := range []syscall.Errno{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE, syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH} {
		if errors.Is(err, errno) {
			return true
		}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.IsTimeout || dns.IsTemporary
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	// net/http's unexported errServerClosedIdle: the server closed the
	// keep-alive connection the request was to go on. Unsent, a request is
	// safe to repeat (sent, a write is in doubt and checked first).
	return strings.Contains(err.Error(), "server closed idle connection")
}

// errorResponse is JTL's ErrorResponse, with a fallback for ASP.NET
// problem details (title/detail/errors) some gateways answer with.
type errorResponse struct {
	ErrorCode        string          `json:"ErrorCode"`
	ErrorMessage     string          `json:"ErrorMessage"`
	ValidationErrors json.RawMessage `json:"ValidationErrors"`
	Stacktrace       string          `json:"Stacktrace"`
	Title            string          `json:"title"`
	Detail           string          `json:"detail"`
	Errors           json.RawMessage `json:"errors"`
}

// newAPIError decodes body into an APIError; scrub removes secrets from
// every text taken from the server.
// Every text is also stripped of control characters (escapeControl) before
// it can reach a terminal or a log line.
func newAPIError(method, path string, status int, h http.Header, body []byte, scrubSecrets func(string) string) *APIError {
	scrub := func(s string) string { return escapeControl(scrubSecrets(s)) }
	e := &APIError{Status: status, Method: method, Path: path, RetryAfter: parseRetryAfter(h.Get("Retry-After"), time.Now())}
	var er errorResponse
	trimmed := bytes.TrimSpace(body)
	envelope := false
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &er) == nil {
		envelope = er.ErrorCode != "" || er.ErrorMessage != "" || er.Detail != "" || (len(er.ValidationErrors) > 0 && string(er.ValidationErrors) != "null")
		e.ErrorCode = scrub(er.ErrorCode)
		e.ErrorMessage = scrub(er.ErrorMessage)
		e.Stacktrace = scrub(er.Stacktrace)
		if e.ErrorMessage == "" {
			e.ErrorMessage = scrub(strings.TrimSpace(strings.Trim(er.Title+": "+er.Detail, ": ")))
		}
		ve := er.ValidationErrors
		if len(ve) == 0 || string(ve) == "null" {
			ve = er.Errors
		}
		e.ValidationErrors = decodeValidation(ve, scrub)
	} else if len(trimmed) > 0 {
		e.ErrorMessage = scrub(excerpt(trimmed))
	}
	if status >= 300 && status < 400 {
		if loc := h.Get("Location"); loc != "" {
			e.ErrorMessage = "redirected to " + scrub(redactURL(loc)) + " (check WAWI_URL)"
		}
	}
	e.RouteMissing = status == http.StatusNotFound && routeMissing(method, path, envelope)
	return e
}

// routeMissing tells a 404 for the path itself from a 404 about a record.
// The API names a missing record in its error envelope; a 404 without one
// (empty, HTML, text: what web servers and gateways answer for an unknown
// path) is for the path. A GET of a path without any id in it (/items,
// /categories) cannot be about a missing record either: a list is empty,
// not missing. A write to such a path may name a missing referenced record
// (POST /stocks for an unknown item), so its envelope is believed.
func routeMissing(method, path string, envelope bool) bool {
	if !envelope {
		return true
	}
	if method != http.MethodGet {
		return false
	}
	return !strings.ContainsAny(path, "0123456789")
}

// decodeValidation accepts {field: "msg"}, {field: ["msg", ...]} and any
// other value (kept as its JSON text).
func decodeValidation(raw json.RawMessage, scrub func(string) string) map[string]string {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		var s string
		var ss []string
		switch {
		case json.Unmarshal(v, &s) == nil:
		case json.Unmarshal(v, &ss) == nil:
			s = strings.Join(ss, "; ")
		default:
			s = string(v)
		}
		out[scrub(k)] = scrub(s)
	}
	return out
}

// excerpt returns the first line-folded 200 characters of a non-JSON body,
// HTML tags removed.
func excerpt(b []byte) string {
	s := string(b)
	if strings.HasPrefix(s, "<") {
		var out strings.Builder
		in := false
		for _, r := range s {
			switch {
			case r == '<':
				in = true
				out.WriteByte(' ')
			case r == '>':
				in = false
			case !in:
				out.WriteRune(r)
			}
		}
		s = out.String()
	}
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}

// parseRetryAfter reads delta-seconds or an HTTP date; 0 when absent or
// invalid.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	// delta-seconds; fractions are accepted too (not standard, harmless).
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 || secs != secs {
			return 0
		}
		secs = min(secs, 86400)
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// ResponseTooLargeError is an answer larger than Config.MaxResponseBytes
// (erp.max_response_mb): a broken proxy or server, never a page of
// records. It concerns the whole run: the next answer would be the same.
type ResponseTooLargeError struct {
	Method, Path string
	Limit        int64
	Size         int64 // announced by Content-Length; 0 when not
}

func (e *ResponseTooLargeError) Error() string {
	size := "more"
	if e.Size > 0 {
		size = fmt.Sprintf("%d MiB, more", e.Size>>20)
	}
	return fmt.Sprintf("%s %s: the Wawi answered with %s than the %d MiB an answer may have (erp.max_response_mb); check that WAWI_URL points at the Wawi API, not at a proxy or a file server", e.Method, e.Path, size, e.Limit>>20)
}

// RunFatal is true: every answer of that kind would be as large.
func (e *ResponseTooLargeError) RunFatal() bool { return true }

// Retryable is false: the same request gets the same answer.
func (e *ResponseTooLargeError) Retryable() bool { return false }

// OutcomeUnknown is false for a read; a write's lost answer is wrapped by
// UnknownOutcomeError.
func (e *ResponseTooLargeError) OutcomeUnknown() bool { return false }
