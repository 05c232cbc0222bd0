package erp

import (
	"context"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp/erptest"
)

// The cost of a 20 requests/s limit, counted on a virtual clock shared by
// the client and the emulated Wawi (fixed one-second windows of 20
// requests, 429 with Retry-After above, X-RateLimit-* headers): 400 GETs,
// one after the other, while another app takes half a window's budget
// three times (the client runs into 429s, halves its rate and must climb
// back). The other app's requests count against the ideal too.
// The virtual time taken may be at most 1.15 times the limit-bound ideal,
// (400 + 30) / 20/s = 21.5 s. Before the limiter climbed back, the rest of the run
// went at half the rate (and more 429s halved it further).
func TestRateLimitCostCounted(t *testing.T) {
	const (
		limit    = 20
		requests = 400
	)
	clk := newFakeClock(true)
	srv := erptest.NewServer(erptest.Options{RequestBudget: limit, BudgetWindow: time.Second, Now: clk.Now, Rand: rand.New(rand.NewPCG(1, 2))})
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client(), Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	c.setClock(clk)
	start := clk.Now()
	otherApp := func() { // takes half a window's budget, waiting for it if need be
		for got := 0; got < limit/2; {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+PathInfo, nil)
			req.Header.Set("Authorization", "Wawi k")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				clk.Advance(10 * time.Millisecond)
				continue
			}
			got++
		}
	}
	for i := range requests {
		if i == 100 || i == 210 || i == 330 {
			otherApp()
		}
		if err := c.Get(context.Background(), PathInfo, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	took := clk.Now().Sub(start)
	ideal := time.Duration(requests+3*limit/2) * time.Second / limit
	st := c.Stats()
	t.Logf("%d requests in %s of virtual time (%.3fx the ideal %s): %d answered 429, %d limiter waits, %d retry waits (%s), rate now %v/s",
		requests, took, took.Seconds()/ideal.Seconds(), ideal, st.RateLimited, st.LimiterWaits, st.BackoffWaits, st.BackoffWaited, st.RateLimit)
	if st.RateLimited == 0 {
		t.Error("no 429: the test does not test the climb back")
	}
	if took > ideal*115/100 {
		t.Errorf("took %s, more than 1.15 × the ideal %s", took, ideal)
	}
	if st.RateLimit != limit*headroom {
		t.Errorf("rate %v/s at the end, want the allowed %d/s less headroom", st.RateLimit, limit)
	}
}
