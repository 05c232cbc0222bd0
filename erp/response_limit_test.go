package erp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// An answer larger than MaxResponseBytes, announced or streamed without
// end, is refused with one run-fatal error after reading at most the limit:
// memory stays bounded whatever the server sends.
func TestResponseTooLarge(t *testing.T) {
	chunk := []byte(`{"Items":[` + strings.Repeat(`{"SKU":"x"},`, 1000))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/announced/items":
			w.Header().Set("Content-Length", "1073741824") // 1 GiB
			w.Write(chunk)
		case "/endless/items":
			for r.Context().Err() == nil {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}
	}))
	defer srv.Close()
	for _, path := range []string{"/announced", "/endless"} {
		c, err := New(Config{BaseURL: srv.URL + path, APIKey: "k", MaxResponseBytes: 1 << 20,
			BackoffInitial: time.Millisecond, MaxElapsed: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var out any
		err = c.Get(context.Background(), "/items", nil, &out)
		runtime.ReadMemStats(&after)
		var tl *ResponseTooLargeError
		if !errors.As(err, &tl) {
			t.Fatalf("%s: err = %v, want ResponseTooLargeError", path, err)
		}
		var rf interface{ RunFatal() bool }
		if !errors.As(err, &rf) || !rf.RunFatal() || IsRetryable(err) {
			t.Errorf("%s: the error should stop the run and not be retried: %v", path, err)
		}
		if !strings.Contains(err.Error(), "erp.max_response_mb") {
			t.Errorf("%s: %v", path, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
			t.Errorf("%s: read %d MiB for a 1 MiB limit", path, got>>20)
		}
		if n := c.Stats().Requests; n != 1 {
			t.Errorf("%s: %d requests, want 1 (not retried)", path, n)
		}
	}
}
