package erp

import (
	"net/http"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func limitHeaders(limit, remaining string) http.Header {
	return http.Header{"X-Ratelimit-Limit": {limit}, "X-Ratelimit-Interval-Length-Seconds": {"1"}, "X-Ratelimit-Remaining": {remaining}}
}

// After a 429 the limiter halves, holds that for climbHold, then climbs back
// to the rate the X-RateLimit headers allow (less headroom) in climbSteps/2
// answers (from half: climbSteps steps of allowed/climbSteps), instead
// of staying at half for the rest of the run.
func TestLimiterClimbsBackAfter429(t *testing.T) {
	clk := newFakeClock(false)
	l := newLimiter(0, nil, clk)
	l.observe(limitHeaders("20", "19"), 200)
	const allowed = 20 * headroom
	if l.Limit() != allowed {
		t.Fatalf("limit %v after the headers, want %v", l.Limit(), allowed)
	}
	l.observe(limitHeaders("20", "0"), http.StatusTooManyRequests)
	if l.Limit() != allowed/2 {
		t.Fatalf("limit %v after a 429, want %v", l.Limit(), allowed/2)
	}
	// answers to requests in flight with the 429 do not climb yet
	for range 5 {
		l.observe(limitHeaders("20", "5"), 200)
	}
	if l.Limit() != allowed/2 {
		t.Fatalf("limit %v within climbHold after the 429", l.Limit())
	}
	clk.Advance(climbHold)
	steps := 0
	for l.Limit() < allowed && steps < 100 {
		l.observe(limitHeaders("20", "5"), 200)
		steps++
	}
	if l.Limit() != allowed || steps != climbSteps/2 {
		t.Errorf("limit %v after %d answers, want %v after %d", l.Limit(), steps, allowed, climbSteps/2)
	}
	// never above what the headers allow
	for range 10 {
		l.observe(limitHeaders("20", "5"), 200)
	}
	if l.Limit() != allowed {
		t.Errorf("limit %v, the headers allow 20 (less headroom)", l.Limit())
	}
}

// Without X-RateLimit headers the limiter climbs back to the rate it sent
// at before the 429, and never above the configured rate.
func TestLimiterClimbsBackWithoutHeaders(t *testing.T) {
	clk := newFakeClock(false)
	l := newLimiter(8, nil, clk)
	l.observe(http.Header{}, http.StatusTooManyRequests)
	if l.Limit() != 4 {
		t.Fatalf("limit %v after a 429, want 4", l.Limit())
	}
	clk.Advance(time.Second)
	for range 20 {
		l.observe(http.Header{}, 204)
	}
	if l.Limit() != 8 {
		t.Errorf("limit %v, want back at the configured 8", l.Limit())
	}
	if l.Limit() == rate.Inf {
		t.Error("unlimited")
	}
}

// An answer from a fresh window (X-RateLimit-Remaining at least half the
// limit) after a 429 says the pace is fine: back to the allowed rate at
// once, no hold, no steps.
func TestLimiterBackAtOnceWhenWindowHasRoom(t *testing.T) {
	clk := newFakeClock(false)
	l := newLimiter(0, nil, clk)
	l.observe(limitHeaders("20", "19"), 200)
	l.observe(limitHeaders("20", "0"), http.StatusTooManyRequests)
	l.observe(limitHeaders("20", "3"), 200) // same window: stays
	if l.Limit() != 20*headroom/2 {
		t.Fatalf("limit %v", l.Limit())
	}
	l.observe(limitHeaders("20", "19"), 200)
	if l.Limit() != 20*headroom {
		t.Errorf("limit %v after an answer from a fresh window, want %v", l.Limit(), 20*headroom)
	}
}
