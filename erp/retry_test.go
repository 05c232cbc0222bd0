package erp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The method sets a caller outside erp classifies errors by.
type (
	runFataler      interface{ RunFatal() bool }
	retryabler      interface{ Retryable() bool }
	outcomeUnknower interface{ OutcomeUnknown() bool }
)

func classes(err error) (fatal, retry, unknown bool) {
	var rf runFataler
	var rt retryabler
	var ou outcomeUnknower
	return errors.As(err, &rf) && rf.RunFatal(), errors.As(err, &rt) && rt.Retryable(), errors.As(err, &ou) && ou.OutcomeUnknown()
}

// failThen answers the first n requests with status (a JTL error envelope),
// then 200 with {"Id":1}.
func failThen(n int64, status int, seen *atomic.Int64) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if seen.Add(1) <= n {
			writeJSON(w, status, errorBody("InternalServerError", "deadlock victim", nil))
			return
		}
		writeJSON(w, 200, map[string]any{"Id": 1})
	}
}

// A 500 is a passing fault like 502-504: GET and PATCH (absolute values,
// safe to repeat) are repeated within the budget and succeed.
func TestRetry500SafeRequests(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPatch} {
		var n atomic.Int64
		c, _ := newTestClient(t, failThen(2, 500, &n), nil)
		c.setClock(newFakeClock(true))
		var err error
		if method == http.MethodGet {
			err = c.Get(context.Background(), "/items/1", nil, nil)
		} else {
			err = c.Patch(context.Background(), "/items/1", nil, map[string]any{"Name": "x"}, nil)
		}
		if err != nil || n.Load() != 3 {
			t.Errorf("%s: %v after %d requests, want success on the third", method, err, n.Load())
		}
		if st := c.Stats(); st.Retries != 2 || st.BackoffWaits != 2 {
			t.Errorf("%s: stats %+v", method, st)
		}
	}
}

// A POST answered 500 is in doubt: the landed check settles it before the
// POST is repeated, and the check's own GET is retried on a 500 too.
func TestRetry500PostSettledByReadBack(t *testing.T) {
	var posts, gets atomic.Int64
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch r.Method {
		case http.MethodPost:
			if posts.Add(1) == 1 {
				writeJSON(w, 500, errorBody("", "lost", nil))
				return
			}
			writeJSON(w, 201, map[string]any{"Id": 7})
		default: // the read-back: a 500 first, then "not there"
			if gets.Add(1) == 1 {
				writeJSON(w, 500, errorBody("", "deadlock victim", nil))
				return
			}
			writeJSON(w, 200, map[string]any{"Items": []any{}, "TotalItems": 0, "PageNumber": 1})
		}
	}), nil)
	c.setClock(newFakeClock(true))
	checks := 0
	landed := func(ctx context.Context) (bool, error) {
		checks++
		var page map[string]any
		if err := c.Get(ctx, "/items", nil, &page); err != nil {
			return false, err
		}
		return page["TotalItems"] != json0, nil
	}
	var out map[string]any
	if err := c.Post(context.Background(), "/items", nil, map[string]any{"SKU": "A"}, &out, landed); err != nil {
		t.Fatalf("POST: %v", err)
	}
	if posts.Load() != 2 || gets.Load() != 2 || checks != 1 || fmt.Sprint(out["Id"]) != "7" {
		t.Errorf("%d POSTs, %d GETs, %d checks, out %v; want the POST repeated once after one check that retried its GET", posts.Load(), gets.Load(), checks, out)
	}
}

var json0 any = jsonNumber("0")

func jsonNumber(s string) any {
	var v any
	_ = decodeInto([]byte(s), &v)
	return v
}

// Beyond the budget a retryable failure is a GaveUpError: RunFatal (the
// Wawi is unavailable), still an *APIError underneath for StatusOf & co.
func TestGaveUpIsRunFatal(t *testing.T) {
	var n atomic.Int64
	c, _ := newTestClient(t, failThen(100, 500, &n), func(c *Config) { c.MaxAttempts = 3 })
	c.setClock(newFakeClock(true))
	err := c.Get(context.Background(), "/items", nil, nil)
	var gu *GaveUpError
	if !errors.As(err, &gu) || gu.Attempts != 3 || StatusOf(err) != 500 || n.Load() != 3 {
		t.Fatalf("err %T %v after %d requests", err, err, n.Load())
	}
	if fatal, retry, unknown := classes(fmt.Errorf("record 4: %w", err)); !fatal || !retry || unknown {
		t.Errorf("classes fatal %v retry %v unknown %v", fatal, retry, unknown)
	}
	if err.Error() != "GET /items: 500 Internal Server Error: InternalServerError: deadlock victim" {
		t.Errorf("text %q", err.Error())
	}
}

func TestErrorClasses(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		err                    error
		fatal, retry, unknowns bool
	}{
		{"400", &APIError{Status: 400}, false, false, false},
		{"401", &APIError{Status: 401}, true, false, false},
		{"402", &APIError{Status: 402}, true, false, false},
		{"403", &APIError{Status: 403}, true, false, false},
		{"404 record", &APIError{Status: 404}, false, false, false},
		{"404 route", &APIError{Status: 404, RouteMissing: true}, true, false, false},
		{"422", &APIError{Status: 422}, false, false, false},
		{"429", &APIError{Status: 429}, false, true, false},
		{"500", &APIError{Status: 500}, false, true, false},
		{"503 beyond budget", &GaveUpError{Err: &APIError{Status: 503}}, true, true, false},
		{"reset", &TransportError{Err: syscall.ECONNRESET}, false, true, false},
		{"tls", &TransportError{Err: errors.New("x509: certificate signed by unknown authority")}, true, false, false},
		{"interrupted", &TransportError{Err: context.Canceled}, false, false, false},
		{"token refused", &AuthError{Status: 401}, true, false, false},
		{"token endpoint down", &AuthError{Status: 503, Temporary: true}, false, true, false},
		{"config", &ConfigError{Msg: "x"}, true, false, false},
		{"lost answer", &UnknownOutcomeError{Err: &APIError{Status: 504}}, false, false, true},
		{"lost answer, check beyond budget", &UnknownOutcomeError{Err: &APIError{Status: 504}, CheckErr: &GaveUpError{Err: &APIError{Status: 503}}}, true, false, true},
	} {
		fatal, retry, unknown := classes(fmt.Errorf("wrapped: %w", tc.err))
		if fatal != tc.fatal || retry != tc.retry || unknown != tc.unknowns {
			t.Errorf("%s: fatal %v retry %v unknown %v, want %v %v %v", tc.name, fatal, retry, unknown, tc.fatal, tc.retry, tc.unknowns)
		}
	}
	if !errors.Is(&UnknownOutcomeError{Err: errors.New("x")}, ErrUnknownOutcome) {
		t.Error("errors.Is ErrUnknownOutcome")
	}
}

// A 404 for a path the API does not have (a wrong WAWI_URL) is told from a
// 404 about a missing record, and says to check WAWI_URL.
func TestNotFoundRouteOrRecord(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, body string
		route                    bool
	}{
		{"empty body", "GET", "/items/5", "", true},
		{"html", "GET", "/items/5", "<html><body>Not Found</body></html>", true},
		{"envelope for a record", "GET", "/items/5", `{"ErrorCode":"NotFound","ErrorMessage":"No item with the given ID (5) exists."}`, false},
		{"envelope for a list", "GET", "/items", `{"ErrorCode":"NotFound","ErrorMessage":"No API route for GET /items."}`, true},
		{"envelope for a write's reference", "POST", "/stocks", `{"ErrorCode":"NotFound","ErrorMessage":"No item with the given ID (9) exists."}`, false},
		{"problem details without detail", "GET", "/items/5", `{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.4","title":"Not Found","status":404}`, true},
	} {
		c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(404)
			io.WriteString(w, tc.body)
		}), nil)
		var err error
		if tc.method == "GET" {
			err = c.Get(context.Background(), tc.path, nil, nil)
		} else {
			err = c.Post(context.Background(), tc.path, nil, map[string]any{}, nil, nil)
		}
		var ae *APIError
		if !errors.As(err, &ae) || ae.RouteMissing != tc.route {
			t.Errorf("%s: %v, route missing %v, want %v", tc.name, err, ae != nil && ae.RouteMissing, tc.route)
			continue
		}
		fatal, _, _ := classes(err)
		if hint := strings.Contains(err.Error(), "check WAWI_URL"); fatal != tc.route || hint != tc.route {
			t.Errorf("%s: RunFatal %v, hint %v in %q", tc.name, fatal, hint, err)
		}
	}
}

// A burst of 429s does not use up the attempts a call needs for its real
// faults: four 429s then two 500s still succeed with MaxAttempts 3; a
// server that only answers 429 ends the call after 3 × MaxAttempts.
func TestTooManyRequestsDoNotUseUpAttempts(t *testing.T) {
	var n atomic.Int64
	seq := []int{429, 429, 429, 429, 500, 500}
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i < len(seq) {
			w.Header().Set("Retry-After", "0")
			writeJSON(w, seq[i], errorBody("Fault", "fault", nil))
			return
		}
		writeJSON(w, 200, map[string]any{"Id": 1})
	}), func(c *Config) { c.MaxAttempts, c.MaxElapsed = 3, time.Hour })
	c.setClock(newFakeClock(true)) // the limiter's waits after 429s pass at once
	var out map[string]any
	if err := c.Get(context.Background(), "/items/1", nil, &out); err != nil {
		t.Fatalf("after 4×429 and 2×500: %v (%d requests)", err, n.Load())
	}
	if n.Load() != 7 {
		t.Errorf("%d requests, want 7", n.Load())
	}

	var m atomic.Int64
	c2, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Add(1)
		w.Header().Set("Retry-After", "0")
		writeJSON(w, 429, errorBody("TooManyRequests", "slow down", nil))
	}), func(c *Config) { c.MaxAttempts, c.MaxElapsed = 3, time.Hour })
	c2.setClock(newFakeClock(true))
	if err := c2.Get(context.Background(), "/items/1", nil, &out); err == nil {
		t.Fatal("a server that only answers 429 never ended the call")
	}
	if m.Load() != 9 {
		t.Errorf("%d requests, want 9 (3 × MaxAttempts)", m.Load())
	}
}
