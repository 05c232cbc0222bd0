package bench

// The DATEV export benchmark: a generated shop's booking data (GET
// /accountingData, the booking lines embedded in their documents) becomes
// DATEV Buchungsstapel files through jobs/datev-export.yaml, run by the CLI
// against the emulator at 20 ms per request. The default shop (30,000
// orders with EU and export customers, returns and cancellations) holds
// about 100,000 booking lines. The wall time is set against the
// latency-bound ideal
//
//	(1 + ⌈(pages of GET /accountingData - 1) / concurrency⌉) × latency
//
// (the only requests the job makes: the booking lines come with their
// documents; the first page comes alone, as in the import benchmark,
// because its answer says how many there are; the looser pages × latency
// / concurrency is printed too), and against a bare erp.Client paging
// through the same list in the same run against the same emulator (what
// this machine makes of the ideal; ×bare is what the export adds; the bare
// client's wall plus etl's start is the floor of any export process). The
// export's peak RSS (bench/maxrss) is measured at that
// size and at twice it: the export streams, so memory stays flat. Before
// each measured run the emulator is warmed up (warmAccounting), so that its
// one-off work does not run on the export's cores. It runs
// only with ETL_BENCH=1:
//
//	ETL_BENCH=1 go test -run TestDATEVExportBenchmark -v -timeout 30m ./bench/
//
// Each size is measured ETL_BENCH_RUNS times (default 3), the export and
// the bare client in turn, and the medians are the figures (the range of
// the export's ratio is printed beside them).
//
// ETL_BENCH_DATEV_ORDERS, ETL_BENCH_LATENCY_MS and ETL_BENCH_CONCURRENCY
// change the scenario. The concurrency defaults to the job's own (8): at 16
// the records in flight (the runner's window grows with the concurrency)
// hold ~100 MB live, near the soft GC limit of file exports (pipeline/gc.go,
// 128 MiB), and the collector runs more often: more CPU for the same
// export, on cores the export is already bound by.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wawi-etl/etl/erp"
)

// startGeneratedEmulator is startEmulator for a generated shop of orders
// orders with its accounting cases.
func startGeneratedEmulator(t *testing.T, bin string, orders int, latency time.Duration) *impEmulator {
	t.Helper()
	return startEmulatorArgs(t, bin, "--generate-items", "2000", "--generate-orders", strconv.Itoa(orders),
		"--generate-accounting", "--latency", latency.String())
}

// warmAccounting reads every page of GET /accountingData once, before the
// measured run: the emulator derives its ledger on the first request and
// encodes each document once, CPU a real Wawi does not spend on the
// machine the export runs on (it ran in the measured window and took the
// export's cores). The answers are the same.
func warmAccounting(t *testing.T, e *impEmulator) {
	t.Helper()
	get := func(page int) (int, error) {
		req, err := http.NewRequest("GET", fmt.Sprintf("%saccountingData?pageNumber=%d&pageSize=%d", e.base, page, erp.DefaultPageSize), nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Wawi "+impDemoKey)
		req.Header.Set("api-version", "1.0")
		req.Header.Set("x-appid", "etl-bench/1.0")
		req.Header.Set("x-appversion", "1.0")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		var p struct{ TotalPages int }
		if res.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("GET accountingData page %d: %s", page, res.Status)
		}
		return p.TotalPages, json.NewDecoder(res.Body).Decode(&p)
	}
	pages, err := get(1)
	if err != nil {
		t.Fatal(err)
	}
	var g errgroup.Group
	g.SetLimit(16)
	for p := 2; p <= pages; p++ {
		g.Go(func() error { _, err := get(p); return err })
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
}

// benchDATEVJob is jobs/datev-export.yaml for every document the shop has,
// writing into dir.
func benchDATEVJob(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(impRepoRoot(t), "jobs", "datev-export.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, r := range [][2]string{
		{"from: start of last month", "from: 2000-01-01"},
		{"to: end of last month", "to: today"},
		{"path: ../out/EXTF_Buchungsstapel.csv", "path: " + filepath.Join(dir, "out", "EXTF_Buchungsstapel.csv")},
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("jobs/datev-export.yaml has no %q", r[0])
		}
		s = strings.ReplaceAll(s, r[0], r[1]) // the source's filters and the sink's period
	}
	job := filepath.Join(dir, "datev.yaml")
	if err := os.WriteFile(job, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return job
}

func TestDATEVExportBenchmark(t *testing.T) {
	if os.Getenv("ETL_BENCH") == "" {
		t.Skip("set ETL_BENCH=1; takes a few minutes")
	}
	orders := envInt("ETL_BENCH_DATEV_ORDERS", 30_000)
	latency := time.Duration(envInt("ETL_BENCH_LATENCY_MS", 20)) * time.Millisecond
	conc := envInt("ETL_BENCH_CONCURRENCY", 8)
	runs := max(1, envInt("ETL_BENCH_RUNS", 3))
	dir := t.TempDir()
	bin := impBuild(t, dir)
	var out strings.Builder
	var rss []float64
	// what any export process pays before its first request: the floor
	// below is the bare client's wall plus this
	start := startCost(t, bin, benchDATEVJob(t, dir), 5)
	for i, n := range []int{orders, 2 * orders} {
		emu := startGeneratedEmulator(t, bin, n, latency)
		warmAccounting(t, emu)
		load := loadAvg()
		// The export and the bare client take turns, runs times each, and
		// the medians are the figures: one run on a shared machine is one
		// draw of its noise.
		var exports []impRun
		var bares []time.Duration
		var pages int64
		for k := range runs {
			work := filepath.Join(dir, fmt.Sprintf("run%d-%d", i, k))
			if err := os.MkdirAll(work, 0o755); err != nil {
				t.Fatal(err)
			}
			job := benchDATEVJob(t, work)
			r := runImport(t, bin, emu, job, work, conc, false)
			pages = r.byRoute["GET /accountingData"]
			bare, barePages := bareAccountingPages(t, emu, conc)
			files, _ := filepath.Glob(filepath.Join(work, "out", "EXTF_*.csv"))
			if r.summary.Failed != 0 || r.summary.RecordsRead == 0 || r.requests != pages || int64(barePages) != pages || len(files) == 0 {
				t.Errorf("%d orders: %d failed of %d, %d requests for %d pages, the bare client %d pages, %d files", n, r.summary.Failed, r.summary.RecordsRead, r.requests, pages, barePages, len(files))
			}
			if r.rssMB > 250 {
				t.Errorf("%d orders: peak RSS %.0f MB > 250 MB", n, r.rssMB)
			}
			exports = append(exports, r)
			bares = append(bares, bare)
		}
		r := medianRun(exports)
		bare := median(bares)
		files, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf("run%d-0", i), "out", "EXTF_*.csv"))
		ideal := time.Duration(1+(pages-1+int64(conc)-1)/int64(conc)) * latency
		loose := time.Duration(float64(pages) * float64(latency) / float64(conc))
		lo, hi := wallRange(exports)
		// the export and the emulator share this machine's cores: their CPU
		// time spread evenly over them is a bound no schedule beats
		cpuBound := (r.cpu + r.emuCPU) / time.Duration(runtime.NumCPU())
		fmt.Fprintf(&out, "%6d orders: %7d booking lines in %d files from %d pages (page size %d): wall %5.2fs, ideal %5.2fs (%.2fx, runs %.2f-%.2fx; "+
			"pages × latency / concurrency %.2fs: %.2fx); bare client %5.2fs (%.2fx the ideal), export %.2fx bare; "+
			"bare client + etl's start %.2fx the ideal (no export process gets below it here); "+
			"etl CPU %.1fs, emulator CPU %.1fs (on %d cores no schedule beats %.2fs, %.2fx the ideal); peak RSS %.0f MB; load before %s, after %s\n",
			n, r.summary.RecordsRead, len(files), pages, erp.DefaultPageSize, r.wall.Seconds(), ideal.Seconds(), r.wall.Seconds()/ideal.Seconds(),
			lo.Seconds()/ideal.Seconds(), hi.Seconds()/ideal.Seconds(),
			loose.Seconds(), r.wall.Seconds()/loose.Seconds(), bare.Seconds(), bare.Seconds()/ideal.Seconds(), r.wall.Seconds()/bare.Seconds(),
			(bare+start).Seconds()/ideal.Seconds(),
			r.cpu.Seconds(), r.emuCPU.Seconds(), runtime.NumCPU(), cpuBound.Seconds(), cpuBound.Seconds()/ideal.Seconds(), maxRSS(exports), load, loadAvg())
		rss = append(rss, maxRSS(exports))
		headline(t, "datev export %d bookings: wall %.2fs vs ideal %.2fs (%.2fx, median of %d; a bare client %.2fx, with etl's start %.2fx), peak RSS %.0f MB", r.summary.RecordsRead,
			r.wall.Seconds(), ideal.Seconds(), r.wall.Seconds()/ideal.Seconds(), runs, bare.Seconds()/ideal.Seconds(), (bare+start).Seconds()/ideal.Seconds(), maxRSS(exports))
		emu.stop()
	}
	fmt.Fprintf(&out, "peak RSS at twice the size: %.2fx\n", rss[1]/rss[0])
	fmt.Fprintf(&out, "etl's start before its first request (etl validate of the job: the process, its libraries' init, the job and its schema; median of 5): %.0f ms\n",
		float64(start.Microseconds())/1000)
	t.Logf("latency %s, concurrency %d, median of %d runs each (export and bare client in turn)\n%s", latency, conc, runs, out.String())
}

// medianRun is the run of the median wall time.
func medianRun(rs []impRun) impRun {
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b impRun) int { return int(a.wall - b.wall) })
	return s[len(s)/2]
}

// median is the middle of ds (the upper one of an even count).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func wallRange(rs []impRun) (lo, hi time.Duration) {
	lo, hi = rs[0].wall, rs[0].wall
	for _, r := range rs[1:] {
		lo, hi = min(lo, r.wall), max(hi, r.wall)
	}
	return lo, hi
}

func maxRSS(rs []impRun) float64 {
	m := 0.0
	for _, r := range rs {
		m = max(m, r.rssMB)
	}
	return m
}

// bareAccountingPages pages through GET /accountingData as the export
// does (an erp.Client, conc pages in flight, in order) and does nothing
// with them: the time this machine and the emulator need for the export's
// requests alone. It returns the time and the pages read.
func bareAccountingPages(t *testing.T, e *impEmulator, conc int) (time.Duration, int) {
	t.Helper()
	c, err := erp.New(erp.Config{BaseURL: e.base, APIKey: impDemoKey, Concurrency: conc})
	if err != nil {
		t.Fatal(err)
	}
	pages := 0
	start := time.Now()
	for _, err := range c.Pages(t.Context(), "/accountingData", nil, erp.PageOptions{Parallel: conc}) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
	}
	return time.Since(start), pages
}

// startCost is the median wall time of n runs of `etl validate job`: what
// every run spends before its first request (starting the process, the
// libraries' initialisation, reading the job and compiling its schema),
// offline.
func startCost(t *testing.T, bin, job string, n int) time.Duration {
	t.Helper()
	var ds []time.Duration
	for range n {
		start := time.Now()
		if out, err := exec.Command(bin, "validate", job).CombinedOutput(); err != nil {
			t.Fatalf("etl validate %s: %v\n%s", job, err, out)
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	return ds[n/2]
}
