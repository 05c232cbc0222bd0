package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp/erptest"
)

// killer sits between etl and the emulator and SIGKILLs etl at the worst
// moment: when the emulator has performed a write (after at least
// afterWrites writes) whose answer is on its way back. That answer is never
// delivered, so the journal holds the write as pending although it landed;
// the other writes in flight end either way.
type killer struct {
	URL    string // the API below the proxy, for WAWI_URL
	srv    *erptest.Server
	route  string // e.g. "POST /stocks": the write to kill on
	after  int64
	cmd    atomic.Pointer[exec.Cmd]
	killed atomic.Bool
	// writesAtKill is the emulator's write count when etl died.
	writesAtKill atomic.Int64
}

func newKiller(t *testing.T, srv *erptest.Server, method, path string, afterWrites int64) *killer {
	k := &killer{srv: srv, route: method + " " + erptest.BasePath + path, after: afterWrites}
	up, err := url.Parse(srv.RootURL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(up)
	rp.ModifyResponse = func(resp *http.Response) error {
		r := resp.Request
		if k.killed.Load() || r.Method+" "+r.URL.Path != k.route || resp.StatusCode >= 300 || srv.Counters().Writes < k.after {
			return nil
		}
		cmd := k.cmd.Load()
		if cmd == nil || !k.killed.CompareAndSwap(false, true) {
			return nil
		}
		k.writesAtKill.Store(srv.Counters().Writes)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Errorf("kill: %v", err)
		}
		return errors.New("etl was killed before this answer reached it")
	}
	rp.ErrorLog = nil
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(http.StatusBadGateway) }
	ps := httptest.NewServer(rp)
	t.Cleanup(ps.Close)
	k.URL = ps.URL + erptest.BasePath
	return k
}

// runKilled starts the job through the killer and waits for etl to die of
// SIGKILL; it fails the test if etl finishes on its own first.
func (j *job) runKilled(k *killer) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	j.url = k.URL
	cmd := j.command(ctx)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		j.t.Fatal(err)
	}
	k.cmd.Store(cmd)
	err := cmd.Wait()
	j.url = k.srv.URL
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !k.killed.Load() || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		j.t.Fatalf("etl was not killed mid-run (%v, %d writes):\n%s\n%s", err, writesOf(k.srv), stdout.String(), stderr.String())
	}
	// Requests etl sent before it died still reach the emulator: wait until
	// the writes stop (the latency is 10 ± 5 ms).
	for n := int64(-1); n != writesOf(k.srv); {
		n = writesOf(k.srv)
		time.Sleep(100 * time.Millisecond)
	}
	j.t.Logf("etl killed after %s, %d writes performed then, %d in the end", time.Since(start).Round(time.Millisecond),
		k.writesAtKill.Load(), writesOf(k.srv))
}

// A stock receipt (adjust: the dangerous case, a repeated write counts the
// goods twice) is killed mid-run; the rerun must be asked for with
// --resume, and then ends with the Wawi exactly as one clean run leaves it.
func TestCrashResumeStockAdjust(t *testing.T) {
	t.Parallel()
	rc := genReceipt(300, 11)
	file := rc.write(t, tempFile(t, "receipt.csv"))

	// the reference: one clean run
	ref := newServer(t, rc.seed, erptest.Options{})
	newJob(t, ref, "e2e/testdata/stock-receipt.yaml", "--source", file).mustRun(0)
	want, wantItems := stockState(ref), itemState(ref)

	srv := newServer(t, rc.seed, erptest.Options{Latency: 10 * time.Millisecond, Jitter: 5 * time.Millisecond})
	j := newJob(t, srv, "e2e/testdata/stock-receipt.yaml", "--source", file)
	k := newKiller(t, srv, "POST", "/stocks", 100)
	j.runKilled(k)
	killedAt := writesOf(srv)
	if killedAt >= 300 {
		t.Fatalf("all %d writes were done before the kill", killedAt)
	}

	// without --resume the run is refused: nothing is written twice by accident
	r, s := j.mustRun(2)
	if !strings.Contains(r.stderr, "--resume") || writesOf(srv) != killedAt {
		t.Fatalf("rerun without --resume: %d writes\n%s", writesOf(srv)-killedAt, r)
	}
	if s.RecordsRead != 0 || !s.balanced() {
		t.Errorf("refused run: %+v", s)
	}

	_, s = j.mustRun(0, "--resume")
	t.Logf("resume: %+v", s.counts())
	if s.Resumed < 1 || s.Unchanged != s.Resumed || s.Updated+s.Resumed != 300 || s.Failed != 0 || s.RecordsRead != 300 {
		t.Errorf("resume summary %+v (resumed %d)", s.counts(), s.Resumed)
	}
	if n := writesOf(srv) - killedAt; n != s.Updated {
		t.Errorf("the resumed run wrote %d times for %d records", n, s.Updated)
	}
	if d := diffMaps(stockState(srv), want); len(d) > 0 {
		t.Errorf("stock after kill and resume differs from a clean run:\n%s", strings.Join(d, "\n"))
	}
	if d := diffMaps(itemState(srv), wantItems); len(d) > 0 {
		t.Errorf("items after kill and resume differ from a clean run:\n%s", strings.Join(d, "\n"))
	}
	checkAdjusted(t, srv, rc, 1) // every delta booked exactly once

	// the file is done: run again, nothing happens
	w := writesOf(srv)
	r, s = j.mustRun(0)
	if !s.AlreadyImported || s.RecordsRead != 0 || !strings.Contains(r.stdout, "already imported") || writesOf(srv) != w {
		t.Errorf("run after completion: %+v, %d writes\n%s", s, writesOf(srv)-w, r.stdout)
	}
	// --force plans it again from scratch: an adjustment file is booked
	// again, except the corrections down that would now make stock negative
	var refused int64
	for _, r := range rc.rows {
		if r.Before.Add(r.Delta.Mul(decimal.NewFromInt(2))).IsNegative() {
			refused++
		}
	}
	_, s = j.mustRun(1, "--force")
	if s.counts() != (counts{Read: 300, Updated: 300 - refused, Failed: refused}) || writesOf(srv)-w != 300-refused {
		t.Errorf("--force: %+v, %d writes, want %d refused", s.counts(), writesOf(srv)-w, refused)
	}
	checkAdjusted(t, srv, rc, 2)
}

// Sales orders are two writes each (the order, then its line items): the
// kill lands right after an order was created, before its line items. The
// resumed run completes that order instead of creating it again.
func TestCrashResumeOrders(t *testing.T) {
	t.Parallel()
	ord := genOrders(150, 12)
	file := ord.write(t, tempFile(t, "orders.csv"))

	ref := newServer(t, ord.seed, erptest.Options{})
	newJob(t, ref, "e2e/testdata/orders-create.yaml", "--source", file).mustRun(0)
	want, wantItems, wantStock := orderState(ref), itemState(ref), stockState(ref)
	if d := diffMaps(want, ord.wantState()); len(d) > 0 {
		t.Fatalf("the clean run differs from the file:\n%s", strings.Join(d, "\n"))
	}

	srv := newServer(t, ord.seed, erptest.Options{Latency: 10 * time.Millisecond, Jitter: 5 * time.Millisecond})
	j := newJob(t, srv, "e2e/testdata/orders-create.yaml", "--source", file)
	k := newKiller(t, srv, "POST", "/salesOrders", 80)
	j.runKilled(k)
	killedAt := writesOf(srv)
	noLines := 0
	for _, o := range srv.Orders() {
		if len(srv.LineItems(o.Id)) == 0 {
			noLines++
		}
	}
	t.Logf("after the kill: %d orders, %d of them without line items", len(srv.Orders()), noLines)
	if noLines == 0 {
		t.Fatal("no order was left without its line items: the kill missed the case")
	}

	r, _ := j.mustRun(2)
	if !strings.Contains(r.stderr, "--resume") || writesOf(srv) != killedAt {
		t.Fatalf("rerun without --resume: %d writes\n%s", writesOf(srv)-killedAt, r)
	}
	_, s := j.mustRun(0, "--resume")
	t.Logf("resume: %+v (resumed %d)", s.counts(), s.Resumed)
	if s.RecordsRead != 150 || s.Failed != 0 || s.Updated < int64(noLines) || !s.balanced() {
		t.Errorf("resume summary %+v", s.counts())
	}
	noDuplicates(t, srv)
	if d := diffMaps(orderState(srv), want); len(d) > 0 {
		t.Errorf("orders after kill and resume differ from a clean run:\n%s", strings.Join(d, "\n"))
	}
	if d := append(diffMaps(itemState(srv), wantItems), diffMaps(stockState(srv), wantStock)...); len(d) > 0 {
		t.Errorf("items or stock after kill and resume differ from a clean run:\n%s", strings.Join(d, "\n"))
	}

	w := writesOf(srv)
	r, s = j.mustRun(0)
	if !s.AlreadyImported || !strings.Contains(r.stdout, "already imported") || writesOf(srv) != w {
		t.Errorf("run after completion: %+v, %d writes\n%s", s, writesOf(srv)-w, r.stdout)
	}
	_, s = j.mustRun(0, "--force")
	if s.counts() != (counts{Read: 150, Unchanged: 150}) || writesOf(srv) != w {
		t.Errorf("--force: %+v, %d writes", s.counts(), writesOf(srv)-w)
	}
}

// Items are created and updated in batches of journal entries that a kill
// loses: the writes in flight and the last few answered ones were never
// recorded. The resumed run plans them against the Wawi, finds each item
// created or updated already, and writes no item twice: the Wawi ends as
// one clean run leaves it, with exactly as many writes in all.
func TestCrashResumeCatalog(t *testing.T) {
	t.Parallel()
	cat := genCatalog(300, 13)
	file := cat.write(t, tempFile(t, "oldshop.xlsx"))

	ref := newServer(t, cat.seed, erptest.Options{})
	newJob(t, ref, "jobs/catalog-migration.yaml", "--source", file).mustRun(0)
	want, wantWrites := catalogState(ref), writesOf(ref)

	srv := newServer(t, cat.seed, erptest.Options{Latency: 10 * time.Millisecond, Jitter: 5 * time.Millisecond})
	j := newJob(t, srv, "jobs/catalog-migration.yaml", "--source", file)
	k := newKiller(t, srv, "POST", "/items", wantWrites/3)
	j.runKilled(k)
	killedAt := writesOf(srv)
	if killedAt >= wantWrites {
		t.Fatalf("all %d writes were done before the kill", killedAt)
	}
	_, s := j.mustRun(0, "--resume")
	t.Logf("resume: %+v (resumed %d)", s.counts(), s.Resumed)
	if s.RecordsRead != 300 || s.Failed != 0 || !s.balanced() {
		t.Errorf("resume summary %+v", s.counts())
	}
	noDuplicates(t, srv)
	if d := diffMaps(catalogState(srv), want); len(d) > 0 {
		t.Errorf("items after kill and resume differ from a clean run:\n%s", strings.Join(d, "\n"))
	}
	if n := writesOf(srv); n != wantWrites {
		t.Errorf("%d writes before the kill and %d after, %d in all; a clean run writes %d", killedAt, n-killedAt, n, wantWrites)
	}
}

// catalogState is itemState with categories by path: runs that create
// categories in a different order number them differently.
func catalogState(srv *erptest.Server) map[string]string {
	type cat struct {
		name   string
		parent int
	}
	cats := map[int]cat{}
	for _, c := range srv.Categories() {
		cats[c.Id] = cat{c.Name, c.ParentCategoryId}
	}
	path := func(id int) string {
		var parts []string
		for ; id != 0; id = cats[id].parent {
			parts = append([]string{cats[id].name}, parts...)
		}
		return strings.Join(parts, " > ")
	}
	out := map[string]string{}
	for _, it := range srv.Items() {
		var ps []string
		for _, c := range it.Categories {
			ps = append(ps, path(c.CategoryId))
		}
		out[it.SKU] = fmt.Sprintf("%q net %s categories %q manufacturer %d gtin %s %q", it.Name,
			it.ItemPriceData.SalesPriceNet.Decimal, ps, it.ManufacturerId, it.Identifiers.Gtin, it.Description)
	}
	return out
}
