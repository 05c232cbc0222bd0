package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp/erptest"
)

// A wrong API key stops the run at the first request, exit 2, and the key
// appears nowhere: not on the terminal, not in the reports.
func TestFatalWrongKey(t *testing.T) {
	t.Parallel()
	sup := genSupplier(300, 51)
	srv := newServer(t, sup.seed, erptest.Options{})
	j := newJob(t, srv, "jobs/supplier-stock.yaml", "--source", sup.write(t, tempFile(t, "acme.csv"), nil))
	const wrong = "wrong-key-7Hq2vX9pLm"
	j.key = wrong
	r, s := j.mustRun(2)
	if r.dur > 10*time.Second {
		t.Errorf("took %s to give up on a refused key", r.dur)
	}
	if !strings.Contains(r.stderr, "401") {
		t.Errorf("stderr does not say the key was refused:\n%s", r.stderr)
	}
	if s.Fatal == "" || !s.balanced() || s.Updated+s.Unchanged != 0 {
		t.Errorf("summary %+v", s)
	}
	if c := srv.Counters(); c.Writes != 0 || c.Unauthorized == 0 || c.Requests > 20 {
		t.Errorf("%d writes, %d refused, %d requests", c.Writes, c.Unauthorized, c.Requests)
	}
	texts := map[string]string{"stdout": r.stdout, "stderr": r.stderr, "errors.xlsx": j.errorRows()}
	for _, name := range []string{"summary.json", "diff.html"} {
		b, _ := os.ReadFile(filepath.Join(j.reports, name))
		texts[name] = string(b)
	}
	for name, text := range texts {
		if strings.Contains(text, wrong) {
			t.Errorf("%s shows the API key", name)
		}
	}
}

// The Wawi goes away in the middle of the writes, for good: the run stops
// after one retry budget of the client (about 15 s), exit 2, with
// summary.json accounting for every record it read. Then the Wawi is back
// and --resume finishes the file.
func TestFatalWawiGoesDown(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		down func(srv *erptest.Server)
		back bool
	}{
		// every request answered 503 (the Wawi service stopped behind its web server)
		{"503", func(srv *erptest.Server) { srv.SetFaults(erptest.Faults{FailRate: 1, Latency: 5 * time.Millisecond}) }, true},
		// the server is gone: connections refused
		{"connection refused", func(srv *erptest.Server) { srv.Close() }, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sup := genSupplier(300, 52)
			srv := newServer(t, sup.seed, erptest.Options{Latency: 5 * time.Millisecond})
			j := newJob(t, srv, "jobs/supplier-stock.yaml", "--source", sup.write(t, tempFile(t, "acme.csv"), nil))
			var downAt time.Time
			done := make(chan struct{})
			go func() {
				defer close(done)
				for writesOf(srv) < 50 {
					time.Sleep(time.Millisecond)
				}
				downAt = time.Now()
				c.down(srv)
			}()
			r, s := j.mustRun(2)
			<-done
			stop := time.Since(downAt) // the run ended just now
			t.Logf("stopped %s after the Wawi went down: %+v: %s", stop.Round(time.Millisecond), s.counts(), s.Fatal)
			if stop > 40*time.Second {
				t.Errorf("the run went on for %s after the Wawi went down", stop)
			}
			if s.Fatal == "" || !s.balanced() || s.Interrupted || s.RecordsRead == 0 || s.RecordsRead >= 300 {
				t.Errorf("summary %+v", s)
			}
			if !strings.Contains(r.stdout, "stopped: ") {
				t.Errorf("stdout does not say why it stopped:\n%s", r.stdout)
			}
			if !c.back {
				return
			}
			srv.SetFaults(erptest.Faults{})
			r, _ = j.mustRun(2)
			if !strings.Contains(r.stderr, "--resume") {
				t.Errorf("rerun: %s", r)
			}
			want := sup.stockCounts()
			_, s = j.mustRun(exitFor(want), "--resume")
			if s.Failed != want.Failed || s.Updated+s.Unchanged != want.Updated+want.Unchanged {
				t.Errorf("resumed %+v, want %+v", s.counts(), want)
			}
			for _, r := range sup.rows {
				if r.inWawi && !r.badStock {
					if got := stockOf(t, srv, r.SKU, whID(r.Lager)); got.IntPart() != r.Stock {
						t.Errorf("%s in %s: %s, the file says %d", r.SKU, r.Lager, got, r.Stock)
					}
				}
			}
		})
	}
}

// The Wawi answers 503 from the start while the mapping looks customer
// numbers up (orders): the run stops after one retry budget, exit 2, rather
// than failing the records one by one, each after the whole budget.
func TestFatalWawiDownWhileLookingUp(t *testing.T) {
	t.Parallel()
	ord := genOrders(200, 53)
	srv := newServer(t, ord.seed, erptest.Options{FailRate: 1})
	j := newJob(t, srv, "e2e/testdata/orders-create.yaml", "--source", ord.write(t, tempFile(t, "orders.csv")))
	r, s := j.mustRun(2)
	if r.dur > 40*time.Second || s.Fatal == "" || !regexp.MustCompile(`GET /customers: 50[23]`).MatchString(s.Fatal) || !s.balanced() || len(s.Guardrails) > 0 {
		t.Errorf("after %s: %+v\n%q", r.dur, s, s.Fatal)
	}
	if w := writesOf(srv); w != 0 {
		t.Errorf("%d writes", w)
	}
}
