package erp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// Lookups fail with RunFatal errors when the whole run cannot go on (the
// route missing, credentials refused, the Wawi unavailable beyond the
// budget), and answer later keys with the same error at once instead of
// asking again: one message, not one failed record per key after a wait.
func TestLookupsRunFatal(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"route missing", 404, "", "check WAWI_URL"},
		{"credentials refused", 401, `{"ErrorCode":"Unauthorized","ErrorMessage":"invalid key"}`, "401"},
		{"unavailable", 500, `{"ErrorCode":"InternalServerError","ErrorMessage":"down"}`, "500"},
	} {
		var n atomic.Int64
		c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.WriteHeader(tc.status)
			io.WriteString(w, tc.body)
		}), func(c *Config) { c.MaxAttempts = 2 })
		c.setClock(newFakeClock(true))
		l := NewLookups(c)
		_, _, err := l.Resolve(context.Background(), "warehouses", "Hauptlager", false)
		fatal, _, _ := classes(err)
		if !fatal || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v (RunFatal %v)", tc.name, err, fatal)
		}
		asked := n.Load()
		for _, table := range []string{"warehouses", "categories", "items.SKU"} {
			_, _, err2 := l.Resolve(context.Background(), table, "7", false)
			if !errors.Is(err2, err) && (err2 == nil || err2.Error() != err.Error()) {
				t.Errorf("%s: %s after a fatal error: %v", tc.name, table, err2)
			}
		}
		if n.Load() != asked {
			t.Errorf("%s: %d more requests after a fatal error", tc.name, n.Load()-asked)
		}
	}
}

// <resource>.<Field> by id: a 404 about the record is "not found"; a 404
// for the route is a RunFatal error, not N records "not found".
func TestLookupsFieldNotFoundVsRoute(t *testing.T) {
	for _, tc := range []struct {
		body  string
		fatal bool
	}{
		{`{"ErrorCode":"NotFound","ErrorMessage":"No item with the given ID (7) exists."}`, false},
		{`<html><body>404</body></html>`, true},
	} {
		c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(404)
			io.WriteString(w, tc.body)
		}), nil)
		_, found, err := NewLookups(c).Resolve(context.Background(), "items.SKU", "7", false)
		fatal, _, _ := classes(err)
		if found || fatal != tc.fatal || (err == nil) == tc.fatal {
			t.Errorf("%s: found %v err %v (RunFatal %v), want fatal %v", tc.body, found, err, fatal, tc.fatal)
		}
	}
}
