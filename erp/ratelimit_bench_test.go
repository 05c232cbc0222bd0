package erp

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp/erptest"
)

// BenchmarkRateLimit20PerSecond sends 200 GETs from 8 goroutines to an
// emulated Wawi that allows 20 requests per second (fixed one-second
// windows, 429 with Retry-After above, X-RateLimit-* headers on every
// answer). The client starts unlimited, learns the limit from the headers,
// runs into 429s at the first window's end and has to climb back. It
// reports x-ideal: the time taken over the limit-bound ideal, 200 / 20/s =
// 10 s (target: at most 1.15).
//
//	go test ./erp -run '^$' -bench RateLimit20PerSecond -benchtime 1x
func BenchmarkRateLimit20PerSecond(b *testing.B) {
	const (
		limit    = 20
		requests = 200
		workers  = 8
	)
	for range b.N {
		srv := erptest.NewServer(erptest.Options{RequestBudget: limit, BudgetWindow: time.Second, Rand: rand.New(rand.NewPCG(1, 2))})
		c, err := New(Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client(), Concurrency: workers})
		if err != nil {
			b.Fatal(err)
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
				}
			})
		}
		wg.Wait()
		d := time.Since(start)
		srv.Close()
		ideal := time.Duration(requests) * time.Second / limit
		st := c.Stats()
		b.ReportMetric(d.Seconds()/ideal.Seconds(), "x-ideal")
		b.ReportMetric(float64(st.RateLimited), "429s")
		b.ReportMetric(st.RateLimit, "final-req/s")
	}
}
