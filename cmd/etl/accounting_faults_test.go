package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/testkit"

	"github.com/wawi-etl/etl/erp/erptest"
)

// accountingJobFor is one of the repository's accounting jobs fixed on May
// 2025 (the generated shop's last full month) with small pages, so that a
// month takes many requests, and its output in out.
func accountingJobFor(t *testing.T, name, out string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "jobs", name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, r := range [][2]string{
		{"from: start of last month", "from: 2025-05-01"},
		{"to: end of last month", "to: 2025-05-31"},
		{"fiscal_year_start: \"2026-01-01\"", "fiscal_year_start: \"2025-01-01\""},
		{"../out/", filepath.ToSlash(out) + "/"},
		{"time_zone: Europe/Berlin", "time_zone: Europe/Berlin\n  page_size: 10"},
	} {
		if !strings.Contains(s, r[0]) && !strings.HasPrefix(r[0], "fiscal") {
			t.Fatalf("jobs/%s has no %q", name, r[0])
		}
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	job := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(job, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return job
}

// runAccounting runs jobs/invoices-to-excel.yaml and jobs/datev-export.yaml
// against srv and returns their output folder.
func runAccounting(t *testing.T, srv *erptest.Server) string {
	t.Helper()
	t.Setenv("WAWI_URL", srv.URL)
	t.Setenv("WAWI_API_KEY", "k")
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	for _, name := range []string{"invoices-to-excel.yaml", "datev-export.yaml"} {
		job := accountingJobFor(t, name, out)
		code, stdout, stderr := etl(t, "run", "--no-progress", "--report-dir", filepath.Join(dir, "reports"),
			"--state-dir", filepath.Join(dir, "state"), "--concurrency", "8", job)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", name, code, stdout, stderr)
		}
	}
	return out
}

// The accountant's exports under a flaky Wawi: one request in eight
// answered 502/503 without acting, answers late by 0-6 ms so that pages
// in flight come back in any order, and a request budget that answers 429
// now and then. The invoice list (with its look-ups of what is still open),
// the DATEV file and its control workbook are the same as a fault-free
// run's, value for value: nothing lost, doubled or moved by a retry.
func TestAccountingExportsUnderFaults(t *testing.T) {
	seed := func() *erptest.Seed {
		return erptest.Generate(erptest.GenConfig{Items: 30, Orders: 300, Seed: 11, Accounting: true})
	}
	// the servers run on the real clock: a frozen one would never open
	// a new rate-limit window
	calm := erptest.NewServer(erptest.Options{Seed: seed()})
	want := runAccounting(t, calm)
	calm.Close()

	// Whether etl meets the other app's spent budget depends on timing: a
	// slow machine sends fewer requests per window. A run that met no 429
	// (a few in a hundred under a loaded make test) proves nothing, so it
	// is run again.
	var got string
	for attempt := 1; ; attempt++ {
		flaky := erptest.NewServer(erptest.Options{Seed: seed(), FailRate: 0.12, Jitter: 3 * time.Millisecond, Latency: 3 * time.Millisecond,
			RequestBudget: 20, BudgetWindow: 100 * time.Millisecond, Rand: rand.New(rand.NewPCG(3, uint64(4+attempt)))})
		other := otherApp(t, flaky.URL)
		got = runAccounting(t, flaky)
		own, own429 := other()
		c := flaky.Counters()
		flaky.Close()
		etl429 := c.RateLimited - own429
		t.Logf("flaky Wawi, run %d: %d requests of etl, %d answered 5xx without acting, %d answered 429", attempt, c.Requests-own, c.FailedWithoutActing(), etl429)
		if c.FailedWithoutActing() >= 5 && etl429 > 0 {
			break
		}
		if attempt == 3 {
			t.Fatalf("only %d faults and %d 429 injected", c.FailedWithoutActing(), etl429)
		}
	}

	names := dirNamesOf(t, want)
	if g := dirNamesOf(t, got); !slices.Equal(g, names) {
		t.Fatalf("files %v, fault-free %v", g, names)
	}
	bookings := 0
	for _, n := range names {
		switch {
		case strings.HasSuffix(n, ".csv"):
			w, g := extfWithoutTimestamp(t, filepath.Join(want, n)), extfWithoutTimestamp(t, filepath.Join(got, n))
			if !bytes.Equal(g, w) {
				t.Errorf("%s differs from the fault-free run's:\n%s", n, firstDiff(g, w))
			}
			bookings += bytes.Count(w, []byte("\r\n")) - 2
		case strings.HasSuffix(n, ".xlsx"):
			w, g := workbookCells(t, filepath.Join(want, n)), workbookCells(t, filepath.Join(got, n))
			if !slices.Equal(g, w) {
				t.Errorf("%s differs from the fault-free run's:\n%s", n, firstCellDiff(g, w))
			}
		}
	}
	if bookings < 100 {
		t.Errorf("%d bookings: the month is too small to say anything", bookings)
	}
}

// otherApp spends the Wawi's request budget beside etl, as a shop
// connector does, so that etl is answered 429 now and then; stop ends it
// and says how many requests it made and how many were refused.
func otherApp(t *testing.T, url string) (stop func() (requests, refused int64)) {
	done := make(chan struct{})
	var n, n429 atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		hc := &http.Client{Timeout: 5 * time.Second}
		for {
			select {
			case <-done:
				return
			case <-time.After(4 * time.Millisecond):
			}
			n.Add(1)
			resp, err := hc.Get(url + "/info")
			if err != nil {
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusTooManyRequests {
				n429.Add(1)
			}
		}
	}()
	var once sync.Once
	stop = func() (int64, int64) {
		once.Do(func() { close(done); wg.Wait() })
		return n.Load(), n429.Load()
	}
	t.Cleanup(func() { stop() })
	return stop
}

// extfWithoutTimestamp is a DATEV file with the header's creation time
// (field 6, when the file was written) blanked.
func extfWithoutTimestamp(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, rest, _ := bytes.Cut(b, []byte("\r\n"))
	f := bytes.Split(head, []byte(";"))
	if len(f) > 5 {
		f[5] = nil
	}
	return append(append(bytes.Join(f, []byte(";")), "\r\n"...), rest...)
}

// workbookCells is every sheet's cells as "sheet!row: values", but for the
// time the workbook was made.
func workbookCells(t *testing.T, path string) []string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	testkit.CheckDimensions(t, path)
	defer f.Close()
	var out []string
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			if len(r) > 0 && (r[0] == "Generated at" || r[0] == "Erstellt am") {
				continue
			}
			out = append(out, fmt.Sprintf("%s!%d: %s", sh, i+1, strings.Join(r, "|")))
		}
	}
	if len(out) < 3 {
		t.Fatalf("%s: %d rows", path, len(out))
	}
	return out
}

func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\r\n"), strings.Split(string(b), "\r\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n  got  %s\n  want %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(al), len(bl))
}

func firstCellDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("  got  %s\n  want %s", got[i], want[i])
		}
	}
	return fmt.Sprintf("%d rows, want %d", len(got), len(want))
}
