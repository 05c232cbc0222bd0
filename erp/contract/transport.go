package contract

import (
	"bytes"
	"io"
	"net/http"
	"sync"
)

// Transport is an http.RoundTripper that checks every request it sends and
// every response it receives against the spec, and forwards them unchanged.
// Violations are passed to the report function (serialised, one call per
// violation) and kept for Violations. It never fails a round trip because of
// a violation: the caller's own assertions still see the real exchange.
type Transport struct {
	// BasePath is the API's base path or base URL; "" (the default) lets the
	// longest path suffix that names an operation decide.
	BasePath string

	next   http.RoundTripper
	report func(error)

	mu         sync.Mutex
	violations []error
	cov        Coverage
}

// NewTransport wraps next (http.DefaultTransport when nil). report may be
// nil; it is called for each violation, never concurrently.
func NewTransport(next http.RoundTripper, report func(error)) *Transport {
	if next == nil {
		next = http.DefaultTransport
	}
	return &Transport{next: next, report: report}
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	out := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		out.ContentLength = int64(len(body))
	}

	opID, vs := validateRequest(t.BasePath, req.Clone(req.Context()), body)
	if opID != "" {
		t.cov.Add(opID)
	}
	t.emit(vs)

	resp, err := t.next.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	if req.Method == http.MethodHead || opID == "" {
		return resp, nil
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	_, vs = validateResponse(t.BasePath, req, resp.StatusCode, resp.Header, data)
	t.emit(vs)
	return resp, nil
}

func (t *Transport) emit(vs []*Violation) {
	if len(vs) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, v := range vs {
		t.violations = append(t.violations, v)
		if t.report != nil {
			t.report(v)
		}
	}
}

// Violations returns every violation seen so far.
func (t *Transport) Violations() []error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]error(nil), t.violations...)
}

// Operations returns the sorted ids of the operations exercised.
func (t *Transport) Operations() []string { return t.cov.Operations() }

// Coverage returns the transport's coverage set.
func (t *Transport) Coverage() *Coverage { return &t.cov }
