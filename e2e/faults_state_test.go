package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wawi-etl/etl/erp/erptest"
)

// newServerWith500 is newServer behind erptest.Fail500: a fraction of all
// API requests, GETs included, answered 500 without acting.
func newServerWith500(t *testing.T, seed *erptest.Seed, o erptest.Options, f *erptest.Fail500) *erptest.Server {
	t.Helper()
	o.Seed = seed
	o.APIKey = apiKey
	if o.Rand == nil {
		o.Rand = rand.New(rand.NewPCG(42, uint64(len(t.Name()))))
	}
	srv := erptest.NewServerWrapped(o, f.Wrap)
	t.Cleanup(srv.Close)
	return srv
}

// supplierState is what the supplier jobs write, record by record: the
// prices of every item and its stock in each warehouse.
func supplierState(srv *erptest.Server) map[string]string {
	out := map[string]string{}
	stock := stockState(srv)
	for _, it := range srv.Items() {
		out[it.SKU] = fmt.Sprintf("purchase %s sales %s stock %s / %s", it.ItemPriceData.PurchasePriceNet, it.ItemPriceData.SalesPriceNet,
			stock[it.SKU+"@1"], stock[it.SKU+"@2"])
	}
	return out
}

// An import under faults ends where a fault-free run of the same files
// ends: 1,200 records (600 rows of prices, then the same 600 of stock)
// against a Wawi answering 10 % of the requests 502/503 without acting, 5 %
// of the writes 500/504 after acting, 5 % of all requests (the read-backs
// of writes in doubt included) 500 without acting, and with bursts of 429.
// Every fault is one a retry clears, so no record may end differently:
// the outcome counts and the final state of every item are compared with
// the fault-free run's.
func TestFaultsFinalStateEqualsFaultFree(t *testing.T) {
	t.Parallel()
	sup := genSupplier(600, 11)
	src := sup.write(t, tempFile(t, "acme.csv"), nil)
	clean := newServer(t, sup.seed, erptest.Options{})
	f500 := &erptest.Fail500{Rate: 0.05, Rand: rand.New(rand.NewPCG(7, 11)), GetEvery: 9}
	faults := newServerWith500(t, sup.seed, faulty(), f500)
	if d := diffMaps(supplierState(faults), supplierState(clean)); len(d) > 0 {
		t.Fatalf("the two Wawis differ before the import:\n%s", strings.Join(d, "\n"))
	}
	for _, jf := range []struct {
		file string
		want counts
	}{{"jobs/supplier-prices.yaml", sup.priceCounts()}, {"jobs/supplier-stock.yaml", sup.stockCounts()}} {
		_, sc := newJob(t, clean, jf.file, "--source", src).mustRun(exitFor(jf.want))
		j := newJob(t, faults, jf.file, "--source", src, "--concurrency", faultConcurrency)
		b := burst429(t, faults, writesOf(faults)+jf.want.Updated/2)
		r := j.run()
		sf := j.summary()
		if r.code == 2 && strings.Contains(sf.Fatal, "outcome unknown") {
			// A write in doubt whose read-back was answered 500 six times
			// in a row (about once in 5,000 checks at these rates) stops
			// the run, as designed: the user resumes it, and the end state
			// must still be the fault-free one (compared below).
			t.Logf("%s: stopped on a write in doubt (%s); resuming", jf.file, sf.Fatal)
			r = j.run("--resume")
			sf = j.summary()
			if r.code != exitFor(jf.want) || sf.Fatal != "" || sf.Failed != jf.want.Failed {
				t.Errorf("%s: resumed run: %s, %+v", jf.file, r, sf.counts())
			}
			faultsHappened(t, faults, b)
			continue
		}
		if r.code != exitFor(jf.want) {
			t.Fatalf("%s: exit %s\nerrors.xlsx:\n%s", jf.file, r, j.errorRows())
		}
		if sc.counts() != jf.want || sf.counts() != sc.counts() || sf.Fatal != "" {
			t.Errorf("%s: under faults %+v (fatal %q), fault-free %+v, want %+v\nerrors.xlsx:\n%s", jf.file, sf.counts(), sf.Fatal, sc.counts(), jf.want, j.errorRows())
		}
		faultsHappened(t, faults, b)
	}
	all, gets := f500.Count()
	t.Logf("%d requests answered 500 without acting, %d of them GETs", all, gets)
	if all == 0 || gets == 0 {
		t.Errorf("500s not injected: %d, %d on GETs", all, gets)
	}
	got, want := supplierState(faults), supplierState(clean)
	if d := diffMaps(got, want); len(d) > 0 {
		n := 0
		for k := range want {
			if got[k] != want[k] {
				n++
			}
		}
		t.Errorf("%d of %d items differ from the fault-free run:\n%s", n, len(want), strings.Join(d, "\n"))
	}
	noDuplicates(t, faults)
	if n := len(faults.StockChanges()); n != len(clean.StockChanges()) {
		t.Errorf("%d stock changes booked under faults, %d without", n, len(clean.StockChanges()))
	}
}

// A WAWI_URL with a wrong path (the API answers 404 for every route) stops
// the run at once with one message that says to check WAWI_URL, instead of
// failing every record "not found".
func TestFatalWrongURLPath(t *testing.T) {
	t.Parallel()
	sup := genSupplier(300, 54)
	srv := newServer(t, sup.seed, erptest.Options{})
	j := newJob(t, srv, "jobs/supplier-prices.yaml", "--source", sup.write(t, tempFile(t, "acme.csv"), nil))
	j.url = srv.RootURL + "/api/eazybusines/" // one letter short
	r, s := j.mustRun(2)
	if !strings.Contains(s.Fatal, "check WAWI_URL") || !s.balanced() || s.Updated+s.Unchanged != 0 {
		t.Errorf("summary %+v\n%s", s, r)
	}
	t.Logf("fatal: %s", s.Fatal)
	if s.Failed > 20 {
		t.Errorf("%d records failed one by one", s.Failed)
	}
	if c := srv.Counters(); c.Writes != 0 {
		t.Errorf("%d writes", c.Writes)
	}
}

// doubtOutage makes one stock write a write in doubt whose read-back
// cannot be done: the 40th POST /stocks is performed and answered 500,
// and the next 12 GETs are answered 500 without acting, more than the
// client's attempts at the check.
type doubtOutage struct {
	next        http.Handler
	posts, gets atomic.Int64
	outage      atomic.Int64 // GETs still to fail
}

func (d *doubtOutage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && d.outage.Load() > 0 && d.outage.Add(-1) >= 0 {
		d.gets.Add(1)
		answer500(w, "injected outage")
		return
	}
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/stocks") && d.posts.Add(1) == 40 {
		d.next.ServeHTTP(httptest.NewRecorder(), r) // performed, answer lost
		d.outage.Store(12)
		answer500(w, "injected after acting")
		return
	}
	d.next.ServeHTTP(w, r)
}

// answer500 answers 500 with JTL's ErrorResponse.
func answer500(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `{"ErrorCode":"InternalServerError","ErrorMessage":%q}`, msg)
}

// A write in doubt whose check cannot be made stops the run (exit 2, as a
// Wawi that does not answer does); resumed, the run ends where a
// fault-free run ends, the doubtful write booked once. This is the path
// TestFaultsFinalStateEqualsFaultFree takes when its random faults fail a
// check six times in a row.
func TestDoubtUncheckedThenResumed(t *testing.T) {
	t.Parallel()
	sup := genSupplier(200, 23)
	src := sup.write(t, tempFile(t, "acme.csv"), nil)
	clean := newServer(t, sup.seed, erptest.Options{})
	newJob(t, clean, "jobs/supplier-stock.yaml", "--source", src).mustRun(exitFor(sup.stockCounts()))
	d := &doubtOutage{}
	srv := erptest.NewServerWrapped(erptest.Options{Seed: sup.seed, APIKey: apiKey}, func(h http.Handler) http.Handler { d.next = h; return d })
	t.Cleanup(srv.Close)
	j := newJob(t, srv, "jobs/supplier-stock.yaml", "--source", src)
	r := j.run()
	s := j.summary()
	if r.code != 2 || !strings.Contains(s.Fatal, "outcome unknown") || d.gets.Load() == 0 {
		t.Fatalf("want exit 2 on the write in doubt, got %s\nfatal %q, %d GETs failed", r, s.Fatal, d.gets.Load())
	}
	r = j.run("--resume")
	s = j.summary()
	want := sup.stockCounts()
	if r.code != exitFor(want) || s.Fatal != "" || s.Failed != want.Failed {
		t.Errorf("resumed: %s\n%+v, want failed %d", r, s.counts(), want.Failed)
	}
	if diff := diffMaps(stockState(srv), stockState(clean)); len(diff) > 0 {
		t.Errorf("stock after the stop and the resume differs from a fault-free run:\n%s", strings.Join(diff, "\n"))
	}
	if n, m := len(srv.StockChanges()), len(clean.StockChanges()); n != m {
		t.Errorf("%d stock changes booked, %d without faults", n, m)
	}
}
