package erp

import (
	"context"
	"sync"
	"time"
)

// fakeClock counts the client's waits instead of spending them. With
// advance, every Sleep moves the time on by its length (so MaxElapsed runs
// out); without, time stands still and every rate-limiter reservation is
// measured against the same instant, which makes the delays of concurrent
// requests deterministic.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	advance bool
	sleeps  []time.Duration
	onSleep func(n int) // called after the nth sleep (1-based), outside mu
}

func newFakeClock(advance bool) *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC), advance: advance}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := context.Cause(ctx); err != nil {
		return err
	}
	f.mu.Lock()
	f.sleeps = append(f.sleeps, d)
	if f.advance {
		f.now = f.now.Add(d)
	}
	n, hook := len(f.sleeps), f.onSleep
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return context.Cause(ctx)
}

// Advance moves the time on by d.
func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Sleeps returns the waits so far.
func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

func (f *fakeClock) total() time.Duration {
	var t time.Duration
	for _, d := range f.Sleeps() {
		t += d
	}
	return t
}
