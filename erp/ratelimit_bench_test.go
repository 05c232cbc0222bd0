package erp

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp/erptest"
)

// BenchmarkRateLimit20PerSecond sends 200 GETs from 8 goroutines to an
// emulated Wawi that allows 20 requests per second (fixed one-second
// windows, 429 with Retry-After above, X-RateLimit-* headers on every
// answer). The client starts unlimited and learns the limit from the
// headers. In "shared", another app takes half a window's budget after 50,
// 100 and 150 of the client's requests, so the client runs into 429s and
// has to climb back. x-ideal is the time taken over the limit-bound ideal
// (all requests, the other app's included, at 20/s; target: at most 1.15).
//
//	go test ./erp -run '^$' -bench RateLimit20PerSecond -benchtime 1x
func BenchmarkRateLimit20PerSecond(b *testing.B) {
	for _, shared := range []bool{false, true} {
		name := "alone"
		if shared {
			name = "shared"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				benchRateLimit(b, shared)
			}
		})
	}
}

func benchRateLimit(b *testing.B, shared bool) {
	const (
		limit    = 20
		requests = 200
		workers  = 8
	)
	srv := erptest.NewServer(erptest.Options{RequestBudget: limit, BudgetWindow: time.Second, Rand: rand.New(rand.NewPCG(1, 2))})
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client(), Concurrency: workers})
	if err != nil {
		b.Fatal(err)
	}
	var done, other atomic.Int64
	otherApp := func() { // takes half a window's budget, waiting for it if need be
		for got := 0; got < limit/2; {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+PathInfo, nil)
			req.Header.Set("Authorization", "Wawi k")
			resp, err := srv.Client().Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			got++
			other.Add(1)
		}
	}
	jobs := make(chan struct{}, requests)
	for range requests {
		jobs <- struct{}{}
	}
	close(jobs)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range jobs {
				if err := c.Get(context.Background(), PathInfo, nil, nil); err != nil {
					b.Error(err)
				}
				if n := done.Add(1); shared && (n == 50 || n == 100 || n == 150) {
					otherApp()
				}
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	ideal := time.Duration(requests+other.Load()) * time.Second / limit
	st := c.Stats()
	b.ReportMetric(d.Seconds()/ideal.Seconds(), "x-ideal")
	b.ReportMetric(float64(st.RateLimited), "429s")
	b.ReportMetric(st.RateLimit, "final-req/s")
}
