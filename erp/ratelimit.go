package erp

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// jitterFrom is the wait from which the limiter adds a random part.
const jitterFrom = 250 * time.Millisecond

// offGrid lengthens a wait by up to a quarter, drawn anew each time. Waits
// on a grid of whole seconds (Retry-After: 1, or a limiter slowed down by
// 429s) bring every request back to the same point of a server's
// rate-limit window shorter than a second, the point where another app
// may use up the budget each time, until the call gives up.
func offGrid(d time.Duration) time.Duration {
	return d + rand.N(d/4+1)
}

// minRate is the floor the limiter is never lowered below.
const minRate = rate.Limit(0.2)

const (
	// headroom: the pace kept below what X-RateLimit-Limit allows, so that
	// requests delayed on their way (and counted by the server in a later
	// window than they were paced for) do not overfill a window.
	headroom = 0.95
	// climbSteps is how many answers after a 429 bring the rate from half
	// back to the allowed rate: each adds allowed/climbSteps. The climb
	// starts climbHold after the 429: answers to requests sent before it
	// say nothing about the cooled-down server.
	climbSteps = 8
	climbHold  = time.Second
)

// limiter is the one rate limiter shared by every goroutine using a Client.
// It starts at Config.RateLimit (unlimited when 0), the ceiling it never
// exceeds. X-RateLimit-Limit / X-RateLimit-Interval-Length-Seconds set the
// allowed rate (below the ceiling, less headroom); X-RateLimit-Remaining
// reaching 0 while the pace is above that pushes the next request back by
// one interval. A 429 halves the rate seen, once per second. After it, an
// answer from a fresh window (X-RateLimit-Remaining at least half the
// limit) restores the allowed rate at once; otherwise every answer that is
// no 429 climbs a step back towards it (towards the rate before the 429
// when the server sends no X-RateLimit headers). So a burst of 429s does
// not halve the rest of the run.
type limiter struct {
	lim     *rate.Limiter
	log     *slog.Logger
	clk     clock
	ceiling rate.Limit

	mu      sync.Mutex
	allowed rate.Limit // by the headers, capped by ceiling; Inf when unknown
	target  rate.Limit // climbing back to this after a 429; 0 when not
	recent  [32]time.Time
	n, i    int
	last429 time.Time

	// waits counts requests held back by the limiter; waited is their
	// total delay (Stats.LimiterWaits, LimiterWaited).
	waits, waited atomic.Int64
}

func newLimiter(perSecond float64, log *slog.Logger, clk clock) *limiter {
	l := rate.Inf
	if perSecond > 0 {
		l = rate.Limit(perSecond)
	}
	if clk == nil {
		clk = realClock{}
	}
	return &limiter{lim: rate.NewLimiter(l, 1), log: log, clk: clk, ceiling: l, allowed: l}
}

// Limit is the current rate in requests per second (rate.Inf = unlimited).
func (l *limiter) Limit() rate.Limit { return l.lim.Limit() }

func (l *limiter) wait(ctx context.Context) error {
	now := l.clk.Now()
	r := l.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		if d >= jitterFrom {
			// a pace this slow (after 429s) puts requests on a grid of
			// whole seconds
			d = offGrid(d)
		}
		l.waits.Add(1)
		l.waited.Add(int64(d))
		if err := l.clk.Sleep(ctx, d); err != nil {
			r.CancelAt(l.clk.Now())
			return err
		}
		now = l.clk.Now()
	}
	l.mu.Lock()
	l.recent[l.i] = now
	l.i = (l.i + 1) % len(l.recent)
	if l.n < len(l.recent) {
		l.n++
	}
	l.mu.Unlock()
	return nil
}

// observedRate is the request rate of the last requests, 0 when unknown;
// l.mu is held.
func (l *limiter) observedRate() rate.Limit {
	if l.n < 2 {
		return 0
	}
	newest := l.recent[(l.i-1+len(l.recent))%len(l.recent)]
	oldest := l.recent[(l.i-l.n+len(l.recent))%len(l.recent)]
	span := newest.Sub(oldest).Seconds()
	if span <= 0 {
		return 0
	}
	return rate.Limit(float64(l.n-1) / span)
}

// set changes the rate; l.mu is held.
func (l *limiter) set(r rate.Limit, why string) {
	cur := l.lim.Limit()
	if r == cur {
		return
	}
	l.lim.SetLimitAt(l.clk.Now(), r)
	if l.log != nil {
		l.log.Debug("erp: rate limit changed", "from", fmtRate(cur), "to", fmtRate(r), "why", why)
	}
}

// lower sets the rate to r when r is below the current one; l.mu is held.
func (l *limiter) lower(r rate.Limit, why string) {
	r = max(r, minRate)
	if r < l.lim.Limit() {
		l.set(r, why)
	}
}

func fmtRate(r rate.Limit) string {
	if r == rate.Inf {
		return "unlimited"
	}
	return strconv.FormatFloat(float64(r), 'g', 4, 64) + "/s"
}

// observe adapts the limiter to a response's headers and status.
func (l *limiter) observe(h http.Header, status int) {
	now := l.clk.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	limit, _ := strconv.ParseFloat(h.Get("X-RateLimit-Limit"), 64)
	interval, _ := strconv.ParseFloat(h.Get("X-RateLimit-Interval-Length-Seconds"), 64)
	if limit > 0 && interval > 0 {
		l.allowed = min(rate.Limit(limit/interval*headroom), l.ceiling)
		switch cur := l.lim.Limit(); {
		case cur > l.allowed:
			l.lower(l.allowed, "X-RateLimit-Limit")
		case cur < l.allowed && status != http.StatusTooManyRequests:
			// below what the server allows (after a 429, or the server
			// raised its limit): climb to it
			l.target = l.allowed
		}
	}
	remaining := -1
	if rem := h.Get("X-RateLimit-Remaining"); rem != "" {
		if n, err := strconv.Atoi(rem); err == nil {
			remaining = max(n, 0)
		}
		if remaining == 0 && l.lim.Limit() > l.allowed {
			// The window is used up and the pace is not yet the allowed
			// one: push the next request back by one token interval.
			l.lim.ReserveN(now, 1)
		}
	}
	if status != http.StatusTooManyRequests {
		switch {
		case l.target > 0 && limit > 0 && float64(remaining) >= limit/2:
			// a fresh window with room: the server says the pace is fine
			l.set(l.target, "X-RateLimit-Remaining after 429")
			l.target = 0
		case l.last429.IsZero() || now.Sub(l.last429) >= climbHold:
			l.climb()
		}
		return
	}
	// Requests in flight together all see the 429: halve once per second,
	// not once per response.
	if !l.last429.IsZero() && now.Sub(l.last429) < time.Second {
		return
	}
	l.last429 = now
	cur := l.lim.Limit()
	r := l.observedRate()
	if cur != rate.Inf && (r == 0 || cur < r) {
		r = cur
	}
	if r == 0 {
		r = 1
	}
	l.target = l.allowed
	if l.target == rate.Inf {
		l.target = r // no headers: back to what was sent before the 429
	}
	l.lower(r/2, "429 Too Many Requests")
}

// climb raises the rate a step towards target after an answer that was no
// 429; l.mu is held.
func (l *limiter) climb() {
	if l.target == 0 {
		return
	}
	cur := l.lim.Limit()
	if cur >= l.target {
		l.target = 0
		return
	}
	next := min(cur+l.target/climbSteps, l.target)
	l.set(next, "climbing back after 429")
	if next >= l.target {
		l.target = 0
	}
}

// clock is the time the client waits by: real in production, a fake in
// tests that count waits instead of measuring them.
type clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends (then it returns context.Cause).
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return context.Cause(ctx)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
