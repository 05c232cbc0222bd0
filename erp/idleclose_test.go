package erp

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
)

// A POST that net/http could not send because the server had just closed
// the keep-alive connection it picked ("http: server closed idle
// connection", as when the Wawi restarts or its idle timeout strikes) never
// reached the server: it is repeated, not reported as a failure that ends
// the run.
func TestPostOnClosedIdleConnectionIsRepeated(t *testing.T) {
	var served atomic.Int64
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		writeJSON(w, 201, map[string]any{"Id": 7})
	}), func(cfg *Config) {
		var failed atomic.Bool
		cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if failed.CompareAndSwap(false, true) {
				return nil, errors.New("http: server closed idle connection")
			}
			return http.DefaultTransport.RoundTrip(r)
		})}
	})
	var out map[string]any
	err := c.Post(context.Background(), "/items", nil, map[string]any{"SKU": "A-1"}, &out, nil)
	if err != nil || served.Load() != 1 || c.Stats().Retries != 1 {
		t.Fatalf("err %v, %d served, %d retries", err, served.Load(), c.Stats().Retries)
	}
}
