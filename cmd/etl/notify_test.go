package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A run whose records failed posts to options.notify.webhook; a webhook
// that cannot be reached is logged and leaves the exit code alone.
func TestRunNotifiesWebhook(t *testing.T) {
	var posted []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(r.Body).Decode(&m)
		posted = append(posted, m)
	}))
	hook := srv.URL + "/hooks/TOKEN-abcdef"
	t.Setenv("ETL_TEST_HOOK", hook)
	args := normalizeArgs(t, "--lang", "de", "--set", "options.notify.webhook.url=${ETL_TEST_HOOK}")
	code, _, stderr := etl(t, args...)
	if code != exitRecordsFail {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if len(posted) != 1 {
		t.Fatalf("%d posts, want 1: %s", len(posted), stderr)
	}
	if text, _ := posted[0]["text"].(string); !strings.Contains(text, "fehlgeschlagen") || posted[0]["exit_code"] != 1.0 || posted[0]["failed"].(float64) < 1 {
		t.Errorf("posted %v", posted[0])
	}

	srv.Close()
	code, _, stderr = etl(t, args...)
	if code != exitRecordsFail {
		t.Errorf("exit %d after a failed notification, want 1", code)
	}
	if !strings.Contains(stderr, "notification not sent") || strings.Contains(stderr, "TOKEN-abcdef") {
		t.Errorf("stderr:\n%s", stderr)
	}
}
