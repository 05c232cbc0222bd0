package erp

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// minRate is the floor the limiter is never lowered below.
const minRate = rate.Limit(0.2)

// limiter is the one rate limiter shared by every goroutine using a Client.
// It starts at Config.RateLimit (unlimited when 0) and is only ever lowered:
// by X-RateLimit-Limit / X-RateLimit-Interval-Length-Seconds, by
// X-RateLimit-Remaining reaching 0, and by a 429 (halving the rate seen).
type limiter struct {
	lim *rate.Limiter
	log *slog.Logger

	mu      sync.Mutex
	recent  [32]time.Time // start times of the last requests, a ring
	n, i    int
	last429 time.Time
}

func newLimiter(perSecond float64, log *slog.Logger) *limiter {
	l := rate.Inf
	if perSecond > 0 {
		l = rate.Limit(perSecond)
	}
	return &limiter{lim: rate.NewLimiter(l, 1), log: log}
}

// Limit is the current rate in requests per second (rate.Inf = unlimited).
func (l *limiter) Limit() rate.Limit { return l.lim.Limit() }

func (l *limiter) wait(ctx context.Context) error {
	if err := l.lim.Wait(ctx); err != nil {
		return err
	}
	now := time.Now()
	l.mu.Lock()
	l.recent[l.i] = now
	l.i = (l.i + 1) % len(l.recent)
	if l.n < len(l.recent) {
		l.n++
	}
	l.mu.Unlock()
	return nil
}

// observedRate is the request rate of the last requests, 0 when unknown.
func (l *limiter) observedRate() rate.Limit {
	l.mu.Lock()
	defer l.mu.Unlock()
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

// lower sets the rate to r when r is below the current one.
func (l *limiter) lower(r rate.Limit, why string) {
	r = max(r, minRate)
	l.mu.Lock()
	defer l.mu.Unlock()
	if cur := l.lim.Limit(); r < cur {
		l.lim.SetLimit(r)
		if l.log != nil {
			l.log.Debug("erp: rate limit lowered", "from", fmtRate(cur), "to", fmtRate(r), "why", why)
		}
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
	limit, _ := strconv.ParseFloat(h.Get("X-RateLimit-Limit"), 64)
	interval, _ := strconv.ParseFloat(h.Get("X-RateLimit-Interval-Length-Seconds"), 64)
	if limit > 0 && interval > 0 {
		l.lower(rate.Limit(limit/interval), "X-RateLimit-Limit")
	}
	if rem := h.Get("X-RateLimit-Remaining"); rem != "" {
		if n, err := strconv.Atoi(rem); err == nil && n <= 0 {
			// The window is used up: push the next request back by one
			// token interval.
			l.lim.Reserve()
		}
	}
	if status == http.StatusTooManyRequests {
		// Requests in flight together all see the 429: halve once per
		// second, not once per response.
		l.mu.Lock()
		recent := time.Since(l.last429) < time.Second
		if !recent {
			l.last429 = time.Now()
		}
		l.mu.Unlock()
		if recent {
			return
		}
		r := l.observedRate()
		if cur := l.lim.Limit(); cur != rate.Inf && (r == 0 || cur < r) {
			r = cur
		}
		if r == 0 {
			r = 1
		}
		l.lower(r/2, "429 Too Many Requests")
	}
}
