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
}

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

// IsRetryable reports whether repeating the same request may succeed: 408,
// 429, 502, 503, 504, timeouts, refused or reset connections, an
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

func retryableStatus(s int) bool {
	switch s {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
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
func newAPIError(method, path string, status int, h http.Header, body []byte, scrub func(string) string) *APIError {
	e := &APIError{Status: status, Method: method, Path: path, RetryAfter: parseRetryAfter(h.Get("Retry-After"), time.Now())}
	var er errorResponse
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &er) == nil {
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
			e.ErrorMessage = "redirected to " + redactURL(loc) + " (check WAWI_URL)"
		}
	}
	return e
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
