package erptest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFailRate(t *testing.T) {
	t.Parallel()
	ts := newUncheckedServer(t, Options{FailRate: 0.2, Seed: stockSeed()})
	const n = 1000
	statuses := map[int]int{}
	for i := 0; i < n; i++ {
		r := ts.call("POST", "/stocks", `{"ItemId":2,"WarehouseId":1,"Quantity":1}`)
		statuses[r.status]++
		if r.status == 502 && r.header.Get("Content-Type") != "text/html" {
			t.Errorf("502 like a proxy: %v", r.header)
		}
	}
	failed := statuses[503] + statuses[502]
	if failed < 150 || failed > 250 || statuses[503] == 0 || statuses[502] == 0 || failed+statuses[201] != n {
		t.Errorf("statuses %v: %d failed of %d at rate 0.2", statuses, failed, n)
	}
	// Failures did not act: the stock counts the 201s only.
	if q := ts.Stock(2, 1); q.IntPart() != int64(statuses[201]) {
		t.Errorf("stock %s, want %d", q, statuses[201])
	}
	c := ts.Counters()
	if c.FailedWithoutActing() != int64(failed) || c.Faults["fail503"] != int64(statuses[503]) || c.Writes != int64(statuses[201]) {
		t.Errorf("counters %+v", c)
	}
}

func TestLostWrites(t *testing.T) {
	t.Parallel()
	ts := newUncheckedServer(t, Options{LostWriteRate: 0.3, Seed: stockSeed()})
	const n = 500
	statuses := map[int]int{}
	for i := 0; i < n; i++ {
		statuses[ts.call("POST", "/stocks", `{"ItemId":2,"WarehouseId":1,"Quantity":1}`).status]++
	}
	lost := statuses[500] + statuses[504]
	if lost < 110 || lost > 190 || statuses[500] == 0 || statuses[504] == 0 || lost+statuses[201] != n {
		t.Errorf("statuses %v: %d lost of %d at rate 0.3", statuses, lost, n)
	}
	// Every write was performed, whatever the answer said.
	if q := ts.Stock(2, 1); q.IntPart() != n {
		t.Errorf("stock %s, want %d", q, n)
	}
	c := ts.Counters()
	if c.LostWrites() != int64(lost) || c.Writes != n {
		t.Errorf("counters %+v", c)
	}
	// Reads and refused writes are never lost.
	for i := 0; i < 50; i++ {
		must(t, ts.call("GET", "/items/1", nil), 200)
	}
	ts.badRequests = true
	for i := 0; i < 20; i++ {
		must(t, ts.call("POST", "/stocks", `{"ItemId":1,"WarehouseId":1,"Quantity":-1000}`), 400)
	}
	// Lost creates really exist: an item created under a lost answer is there.
	ts.SetFaults(Faults{LostWriteRate: 1})
	r := ts.call("POST", "/items", `{"SKU":"LOST-1","Name":"x","Categories":[{"CategoryId":1}]}`)
	if r.status != 500 && r.status != 504 {
		t.Fatalf("want a lost write, got %s", r)
	}
	if _, ok := ts.ItemBySKU("LOST-1"); !ok {
		t.Error("the lost create was not performed")
	}
	ts.SetFaults(Faults{})
	wantValidation(t, ts.call("POST", "/items", `{"SKU":"LOST-1","Name":"x","Categories":[{"CategoryId":1}]}`), "SKU")
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	clock := newClock()
	ts := newServer(t, Options{RequestBudget: 5, BudgetWindow: 2 * time.Second, Now: clock.Now})
	for i := 0; i < 5; i++ {
		r := must(t, ts.call("GET", "/companies", nil), 200)
		if r.header.Get("X-RateLimit-Limit") != "5" || r.header.Get("X-RateLimit-Remaining") != fmt.Sprint(4-i) ||
			r.header.Get("X-RateLimit-Interval-Length-Seconds") != "2" {
			t.Errorf("request %d headers %v", i, r.header)
		}
	}
	clock.Add(500 * time.Millisecond)
	r := must(t, ts.call("GET", "/companies", nil), http.StatusTooManyRequests)
	if r.header.Get("Retry-After") != "2" || r.header.Get("X-RateLimit-Remaining") != "0" || r.errResp(t).ErrorCode != "TooManyRequests" {
		t.Errorf("429 headers %v body %s", r.header, r.body)
	}
	must(t, ts.call("POST", "/items", `{"Name":"x","Categories":[{"CategoryId":1}]}`), http.StatusTooManyRequests)
	if len(ts.Items()) != 0 {
		t.Error("a rate-limited write acted")
	}
	clock.Add(1500 * time.Millisecond)
	must(t, ts.call("GET", "/companies", nil), 200)
	c := ts.Counters()
	if c.RateLimited != 2 || c.ByStatus["429"] != 2 {
		t.Errorf("counters %+v", c)
	}
	// Runtime change: no budget, no headers.
	ts.SetFaults(Faults{})
	if r := must(t, ts.call("GET", "/companies", nil), 200); r.header.Get("X-RateLimit-Limit") != "" {
		t.Errorf("headers without budget: %v", r.header)
	}
}

func TestLatency(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Latency: 30 * time.Millisecond, Jitter: 10 * time.Millisecond, Seed: stockSeed()})
	for i := 0; i < 5; i++ {
		start := time.Now()
		must(t, ts.call("GET", "/info", nil), 200)
		if d := time.Since(start); d < 20*time.Millisecond {
			t.Errorf("answered after %s", d)
		}
	}
	// A client that gives up during the latency gets nothing done.
	ts.SetFaults(Faults{Latency: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/stocks", strings.NewReader(`{"ItemId":1,"WarehouseId":1,"Quantity":1}`))
	for k, v := range stdHeaders {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("want a timeout")
	}
	time.Sleep(350 * time.Millisecond)
	if q := ts.Stock(1, 1); !q.Equal(D("10").Decimal) {
		t.Errorf("abandoned request acted: stock %s", q)
	}
}

func TestFaultsAtRuntimeAndAdmin(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: Generate(GenConfig{Items: 3, Orders: 2})})
	must(t, ts.call("GET", "/info", nil), 200)
	// Turn failures on through the admin route, then off through the API.
	r := must(t, doRequest(t, "POST", ts.RootURL+"/_admin/faults", `{"failRate":1,"latency":"1ms"}`), 200)
	var f map[string]any
	r.decode(t, &f)
	if f["failRate"] != 1.0 || f["latency"] != "1ms" || f["lostWriteRate"] != 0.0 {
		t.Errorf("faults %v", f)
	}
	if got := ts.Faults(); got.FailRate != 1 || got.Latency != time.Millisecond {
		t.Errorf("Faults() %+v", got)
	}
	for i := 0; i < 5; i++ {
		if st := ts.call("GET", "/info", nil).status; st != 503 && st != 502 {
			t.Errorf("status %d with failRate 1", st)
		}
	}
	must(t, doRequest(t, "POST", ts.RootURL+"/_admin/faults", `{"failRate":2}`), 400)
	must(t, doRequest(t, "POST", ts.RootURL+"/_admin/faults", `{"latncy":"1s"}`), 400)
	ts.SetFaults(Faults{})
	must(t, ts.call("GET", "/info", nil), 200)

	var c Counters
	must(t, doRequest(t, "GET", ts.RootURL+"/_admin/counters", nil), 200).decode(t, &c)
	if c.Requests != 7 || c.Route("GET /info") != 7 || c.FailedWithoutActing() != 5 {
		t.Errorf("admin counters %+v", c)
	}
	var st State
	must(t, doRequest(t, "GET", ts.RootURL+"/_admin/state", nil), 200).decode(t, &st)
	if len(st.Items) != 3 || len(st.Orders) != 2 || len(st.Orders[0].LineItems) == 0 || len(st.Stock) == 0 || len(st.Warehouses) != 2 {
		t.Errorf("state: %d items, %d orders, %d stock", len(st.Items), len(st.Orders), len(st.Stock))
	}
	// The state is a seed: loading it gives the same state.
	again := NewServer(Options{Seed: &st.Seed})
	defer again.Close()
	a, _ := json.Marshal(again.Snapshot())
	b, _ := json.Marshal(ts.Snapshot())
	if string(a) != string(b) {
		t.Error("state reloaded as a seed differs")
	}
	var regs []any
	must(t, doRequest(t, "GET", ts.RootURL+"/_admin/registrations", nil), 200).decode(t, &regs)
	must(t, doRequest(t, "POST", ts.RootURL+"/_admin/registrations/nope?status=accept", nil), 404)
	must(t, doRequest(t, "POST", ts.RootURL+"/_admin/registrations/nope?status=maybe", nil), 400)
	var viol []string
	must(t, doRequest(t, "GET", ts.RootURL+"/_admin/violations", nil), 200).decode(t, &viol)
	if len(viol) != 0 {
		t.Errorf("violations %v", viol)
	}
	if r := must(t, doRequest(t, "GET", ts.RootURL+"/_admin/coverage", nil), 200); !strings.Contains(string(r.body), "InfoHeader_GetStatusAsync") {
		t.Errorf("coverage %s", r.body)
	}
}

func TestDeterministicFaults(t *testing.T) {
	t.Parallel()
	run := func() []int {
		ts := newUncheckedServer(t, Options{FailRate: 0.3, LostWriteRate: 0.3, Rand: rand.New(rand.NewPCG(5, 5)), Seed: stockSeed()})
		var out []int
		for i := 0; i < 60; i++ {
			out = append(out, ts.call("POST", "/stocks", `{"ItemId":2,"WarehouseId":1,"Quantity":1}`).status)
		}
		return out
	}
	a, b := run(), run()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("same seed, different faults:\n%v\n%v", a, b)
	}
}

func TestConcurrentAdjustments(t *testing.T) {
	t.Parallel()
	ts := newUncheckedServer(t, Options{Seed: stockSeed()})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				ts.call("POST", "/stocks", `{"ItemId":1,"WarehouseId":2,"Quantity":0.5}`)
				ts.call("GET", "/stocks?itemId=1", nil)
			}
		}()
	}
	wg.Wait()
	if q := ts.Stock(1, 2); !q.Equal(D("100").Decimal) {
		t.Errorf("stock %s, want 100", q)
	}
}
