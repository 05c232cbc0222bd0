// Package bench holds the export benchmark: 100,000 sales orders from the
// Wawi emulator (20 ms per request, pages of 100) into an XLSX workbook.
// It runs only with ETL_BENCH=1, takes a minute or two, and prints a table:
//
//	ETL_BENCH=1 go test -run TestExportBenchmark -v -timeout 20m ./bench/
//	scripts/bench-export.sh       (what make bench calls)
//
// The export runs in a child process (this test binary started again with
// ETL_BENCH_CHILD set), so its peak RSS (its VmHWM, which it reports when
// done) is the export's own and not the emulator's, which serves from this
// process.
//
// Measured against
//   - the ideal: pages × latency / concurrency (the network time a perfectly
//     parallel pager needs) + the time excelize's StreamWriter takes to write
//     the same rows straight through (the writing time), target ≤ 1.2×;
//   - peak RSS of the export, target ≤ 250 MB;
//   - the same export with sequential paging (the client bounded to one
//     request in flight), for the speed-up of parallel paging;
//   - the export with one row per line item (include: lineitems) of 10,000
//     orders, one request per order for its line items, against its ideal:
//     (pages + orders) × latency / concurrency + StreamWriter writing the
//     line rows alone, target ≤ 1.2×;
//   - peak RSS of both exports at a tenth of their size too: the growth
//     for ten times the orders.
//
// ETL_BENCH_ORDERS, ETL_BENCH_LINE_ORDERS, ETL_BENCH_LATENCY_MS and
// ETL_BENCH_CONCURRENCY change the scenario; ETL_BENCH_STRICT=1 fails the
// test when a target is missed; ETL_BENCH_CPUPROFILE=file and
// ETL_BENCH_TRACE=file profile the parallel export.
//
// The ideal leaves out the CPU that JSON costs on both ends (the emulator
// encoding pages, the export decoding them): on a small machine that CPU,
// not the network, bounds the export, and the table says how far.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/internal/procstat"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/sinks"
	"github.com/wawi-etl/etl/sources"
)

const jobYAML = `name: bench-orders
source:
  type: erp
  resource: salesOrders
  page_size: %d
mapping:
  fields:
    - {target: OrderNumber, column: Number}
    - {target: OrderDate, column: SalesOrderDate, type: date}
    - {target: CustomerId, column: CustomerId, type: int}
    - {target: Company, column: BillingAddress.Company}
    - {target: LastName, column: BillingAddress.LastName}
    - {target: City, column: BillingAddress.City}
    - {target: PaymentMethodId, column: SalesOrderPaymentDetails.PaymentMethodId, type: int}
    - {target: TotalGross, column: SalesOrderPaymentDetails.TotalGrossAmount, type: decimal}
    - {target: Currency, column: SalesOrderPaymentDetails.CurrencyIso}
    - {target: Cancelled, column: IsCancelled, type: bool}
sink:
  type: xlsx
  path: %s
  currency: EUR
  totals: [TotalGross]
  parameters_sheet: true
`

// linesJobYAML is the export with one row per line item: the line items
// of every order are one request each (GET /salesOrders/{id}/lineItems).
const linesJobYAML = `name: bench-order-lines
source:
  type: erp
  resource: salesOrders
  include: lineitems
  page_size: %d
mapping:
  fields:
    - {target: OrderNumber, column: Number}
    - {target: OrderDate, column: SalesOrderDate, type: date}
    - {target: CustomerId, column: CustomerId, type: int}
    - {target: Company, column: BillingAddress.Company}
    - {target: SKU, column: LineItem.SKU}
    - {target: ItemName, column: LineItem.Name}
    - {target: Quantity, column: LineItem.Quantity, type: decimal}
    - {target: TaxRate, column: LineItem.TaxRate, type: decimal}
    - {target: TotalNet, column: LineTotal.Net, type: decimal}
    - {target: TotalGross, column: LineTotal.Gross, type: decimal}
sink:
  type: xlsx
  path: %s
  currency: EUR
  amounts: [TotalNet, TotalGross]
  totals: [TotalNet, TotalGross]
  parameters_sheet: true
`

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

type childResult struct {
	Seconds  float64 `json:"seconds"`
	Rows     int64   `json:"rows"`
	Requests int64   `json:"requests"`
	// PeakRSSKB is the child's VmHWM, read by the child itself at the end.
	PeakRSSKB int64  `json:"peak_rss_kb"`
	Error     string `json:"error,omitempty"`
}

// vmHWM reads the peak resident set size of this process (Linux).
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// TestExportChild is the export itself, run in a child process.
func TestExportChild(t *testing.T) {
	if os.Getenv("ETL_BENCH_CHILD") == "" {
		t.Skip("runs as the child of TestExportBenchmark")
	}
	res := childResult{}
	defer func() {
		res.PeakRSSKB = vmHWM()
		b, _ := json.Marshal(res)
		fmt.Fprintf(os.Stderr, "\nETL_BENCH_RESULT %s\n", b)
	}()
	paging := envInt("ETL_BENCH_PAGING", 8)
	c, err := erp.New(erp.Config{BaseURL: os.Getenv("ETL_BENCH_URL"), APIKey: "bench", Concurrency: paging})
	if err != nil {
		res.Error = err.Error()
		return
	}
	var src *sources.ERPSource
	pipeline.AddSourceType(sources.ERP) // its metadata; the factory is replaced below
	pipeline.RegisterSource("erp", func(ctx context.Context, spec *pipeline.SourceSpec, env *pipeline.Env) (pipeline.Source, error) {
		env.Conn, env.JobName = c, "bench-orders"
		s, err := sources.OpenERP(ctx, spec, env)
		if err == nil {
			src = s.(*sources.ERPSource)
		}
		return s, err
	})
	pipeline.RegisterSink("xlsx", func(ctx context.Context, spec *pipeline.SinkSpec, env *pipeline.Env) (pipeline.Sink, error) {
		s, err := sinks.OpenXLSX(ctx, spec, env)
		if err == nil && src != nil {
			s.(*sinks.XLSXSink).SetParameters(src.Parameters)
		}
		return s, err
	})
	job, err := pipeline.LoadJob(os.Getenv("ETL_BENCH_JOB"), pipeline.LoadOptions{})
	if err != nil {
		res.Error = err.Error()
		return
	}
	if p := os.Getenv("ETL_BENCH_CPUPROFILE"); p != "" && paging > 1 {
		f, err := os.Create(p)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}
	if p := os.Getenv("ETL_BENCH_TRACE"); p != "" && paging > 1 {
		f, err := os.Create(p)
		if err == nil && trace.Start(f) == nil {
			defer trace.Stop()
		}
	}
	defer pipeline.TuneGC(job)() // as etl run does
	start := time.Now()
	sum, err := pipeline.Run(context.Background(), job, pipeline.RunOptions{
		Concurrency: envInt("ETL_BENCH_CONCURRENCY", 8), ReportDir: filepath.Join(filepath.Dir(job.File), "reports")})
	res.Seconds = time.Since(start).Seconds()
	if err != nil {
		res.Error = err.Error()
		return
	}
	res.Rows, res.Requests = sum.Created, sum.Requests
}

type measured struct {
	wall    time.Duration
	cpu     time.Duration // the child's user + system time
	srvCPU  time.Duration // this process's (the emulator's) meanwhile
	rssMB   float64
	child   childResult
	outSize int64
}

func selfCPU() time.Duration { return procstat.SelfCPU() }

func runChild(t *testing.T, url, job, out string, paging int) measured {
	t.Helper()
	os.Remove(out)
	cmd := exec.Command(os.Args[0], "-test.run=^TestExportChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ETL_BENCH_CHILD=1", "ETL_BENCH_URL="+url, "ETL_BENCH_JOB="+job,
		"ETL_BENCH_PAGING="+strconv.Itoa(paging), "GOMAXPROCS="+os.Getenv("GOMAXPROCS"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start, self0 := time.Now(), selfCPU()
	if err := cmd.Run(); err != nil {
		t.Fatalf("export child: %v\n%s", err, stderr.String())
	}
	m := measured{wall: time.Since(start), cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), srvCPU: selfCPU() - self0}
	s := stderr.String()
	i := strings.LastIndex(s, "ETL_BENCH_RESULT ")
	if i < 0 {
		t.Fatalf("no result from the child:\n%s", s)
	}
	line, _, _ := strings.Cut(s[i+len("ETL_BENCH_RESULT "):], "\n")
	if err := json.Unmarshal([]byte(line), &m.child); err != nil {
		t.Fatal(err)
	}
	if m.child.Error != "" {
		t.Fatalf("export failed: %s", m.child.Error)
	}
	// Not getrusage's Maxrss of the child: Linux carries the high-water mark
	// of the memory a child is forked from across exec, and Go forks with
	// the parent's memory (CLONE_VM), so Maxrss would report the parent's
	// RSS, the emulator's 100,000 orders.
	m.rssMB = float64(m.child.PeakRSSKB) / 1024
	if fi, err := os.Stat(out); err == nil {
		m.outSize = fi.Size()
	}
	return m
}

// streamWriterBaseline writes the orders' rows straight through excelize's
// StreamWriter, typed as the export types them: the writing time an ideal
// export cannot avoid.
func streamWriterBaseline(t *testing.T, orders []erptest.SalesOrder, path string) time.Duration {
	t.Helper()
	start := time.Now()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	dateFmt, money := "dd.mm.yyyy", `#,##0.00 [$€-407]`
	dateStyle, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	moneyStyle, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &money})
	intStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 1})
	hdr := []any{"OrderNumber", "OrderDate", "CustomerId", "Company", "LastName", "City", "PaymentMethodId", "TotalGross", "Currency", "Cancelled"}
	if err := sw.SetRow("A1", hdr); err != nil {
		t.Fatal(err)
	}
	row := make([]any, len(hdr))
	for i, o := range orders {
		total, _ := o.SalesOrderPaymentDetails.TotalGrossAmount.Float64()
		y, mo, d := o.SalesOrderDate.Date()
		row[0] = o.Number
		row[1] = excelize.Cell{StyleID: dateStyle, Value: time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)}
		row[2] = excelize.Cell{StyleID: intStyle, Value: o.CustomerId}
		row[3] = o.BillingAddress.Company
		row[4] = o.BillingAddress.LastName
		row[5] = o.BillingAddress.City
		row[6] = excelize.Cell{StyleID: intStyle, Value: o.SalesOrderPaymentDetails.PaymentMethodId}
		row[7] = excelize.Cell{StyleID: moneyStyle, Value: total}
		row[8] = o.SalesOrderPaymentDetails.CurrencyIso
		row[9] = o.IsCancelled
		if err := sw.SetRow("A"+strconv.Itoa(i+2), row); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}

// linesBaseline is streamWriterBaseline for the line items export: one
// row per line item (an order without lines is one row), typed as the
// export types them.
func linesBaseline(t *testing.T, orders []erptest.SeedOrder, path string) (time.Duration, int) {
	t.Helper()
	start := time.Now()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	dateFmt, money := "dd.mm.yyyy", `#,##0.00 [$€-407]`
	dateStyle, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	moneyStyle, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &money})
	intStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 1})
	hdr := []any{"OrderNumber", "OrderDate", "CustomerId", "Company", "SKU", "ItemName", "Quantity", "TaxRate", "TotalNet", "TotalGross"}
	if err := sw.SetRow("A1", hdr); err != nil {
		t.Fatal(err)
	}
	row := make([]any, len(hdr))
	n := 1
	for _, o := range orders {
		y, mo, d := o.SalesOrderDate.Date()
		row[0] = o.Number
		row[1] = excelize.Cell{StyleID: dateStyle, Value: time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)}
		row[2] = excelize.Cell{StyleID: intStyle, Value: o.CustomerId}
		row[3] = o.BillingAddress.Company
		lines := o.LineItems
		if len(lines) == 0 {
			lines = []erptest.SalesOrderLineItem{{}}
		}
		for _, l := range lines {
			q, _ := l.Quantity.Float64()
			tax, _ := l.TaxRate.Float64()
			net, _ := l.Quantity.Mul(l.SalesPriceNet.Decimal).Float64()
			gross, _ := l.Quantity.Mul(l.SalesPriceGross.Decimal).Float64()
			row[4], row[5], row[6], row[7] = l.SKU, l.Name, q, tax
			row[8] = excelize.Cell{StyleID: moneyStyle, Value: net}
			row[9] = excelize.Cell{StyleID: moneyStyle, Value: gross}
			n++
			if err := sw.SetRow("A"+strconv.Itoa(n), row); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return time.Since(start), n - 1
}

// exportScenario is one export measured in a child against its own
// emulator: the plain export or the one with line items, at a size.
type exportScenario struct {
	orders, rows, pages int
	lines               bool
	ideal               time.Duration // network + writing
	network, writeOnly  time.Duration
	run                 measured
}

func runExportScenario(t *testing.T, dir string, orders, pageSize, conc int, latency time.Duration, lines bool) exportScenario {
	t.Helper()
	gen := erptest.GenConfig{Items: 200, Orders: orders, MaxLinesPerOrder: 3}
	seed := erptest.Generate(gen)
	name := fmt.Sprintf("orders-%d", orders)
	yaml := jobYAML
	if lines {
		name, yaml = fmt.Sprintf("lines-%d", orders), linesJobYAML
	}
	sc := exportScenario{orders: orders, lines: lines, pages: (orders + pageSize - 1) / pageSize}
	requests := sc.pages
	if lines {
		sc.writeOnly, sc.rows = linesBaseline(t, seed.Orders, filepath.Join(dir, name+"-baseline.xlsx"))
		requests += orders // one GET of the line items per order
	}
	srv := erptest.NewServer(erptest.Options{Seed: seed, Latency: latency})
	defer srv.Close()
	if !lines {
		sc.writeOnly, sc.rows = streamWriterBaseline(t, srv.Orders(), filepath.Join(dir, name+"-baseline.xlsx")), orders
	}
	seed = nil
	out := filepath.Join(dir, name+".xlsx")
	job := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(job, fmt.Appendf(nil, yaml, pageSize, out), 0o644); err != nil {
		t.Fatal(err)
	}
	sc.network = time.Duration(requests) * latency / time.Duration(conc)
	sc.ideal = sc.network + sc.writeOnly
	sc.run = runChild(t, srv.URL, job, out, conc)
	if sc.run.child.Rows != int64(sc.rows) {
		t.Fatalf("%s: exported %d rows, want %d", name, sc.run.child.Rows, sc.rows)
	}
	return sc
}

func TestExportBenchmark(t *testing.T) {
	if os.Getenv("ETL_BENCH") == "" {
		t.Skip("set ETL_BENCH=1 (scripts/bench-export.sh); takes a minute or two")
	}
	orders := envInt("ETL_BENCH_ORDERS", 100_000)
	latency := time.Duration(envInt("ETL_BENCH_LATENCY_MS", 20)) * time.Millisecond
	conc := envInt("ETL_BENCH_CONCURRENCY", 8)
	const pageSize = 100
	dir := t.TempDir()

	seed := erptest.Generate(erptest.GenConfig{Items: 200, Orders: orders, MaxLinesPerOrder: 3})
	srv := erptest.NewServer(erptest.Options{Seed: seed, Latency: latency})
	defer srv.Close()
	seed = nil

	out := filepath.Join(dir, "orders.xlsx")
	job := filepath.Join(dir, "bench.yaml")
	if err := os.WriteFile(job, fmt.Appendf(nil, jobYAML, pageSize, out), 0o644); err != nil {
		t.Fatal(err)
	}
	pages := (orders + pageSize - 1) / pageSize
	writeOnly := streamWriterBaseline(t, srv.Orders(), filepath.Join(dir, "baseline.xlsx"))
	network := time.Duration(pages) * latency / time.Duration(conc)
	ideal := network + writeOnly

	par := runChild(t, srv.URL, job, out, conc)
	if par.child.Rows != int64(orders) {
		t.Fatalf("exported %d rows, want %d", par.child.Rows, orders)
	}
	seq := runChild(t, srv.URL, job, out, 1)
	seqIdeal := time.Duration(pages)*latency + writeOnly

	ratio := par.wall.Seconds() / ideal.Seconds()
	speedup := seq.wall.Seconds() / par.wall.Seconds()
	mark := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "MISSED"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nexport: %d sales orders → XLSX, %d pages of %d, %v per request, GOMAXPROCS %s\n",
		orders, pages, pageSize, latency, orDefault(os.Getenv("GOMAXPROCS"), "default"))
	fmt.Fprintf(&b, "%-34s %10s %10s %8s %10s\n", "", "wall", "ideal", "ratio", "peak RSS")
	fmt.Fprintf(&b, "%-34s %9.2fs %9.2fs %8.2f %7.0f MB\n", fmt.Sprintf("parallel paging (%d in flight)", conc),
		par.wall.Seconds(), ideal.Seconds(), ratio, par.rssMB)
	fmt.Fprintf(&b, "%-34s %9.2fs %9.2fs %8.2f %7.0f MB\n", "sequential paging (1 in flight)",
		seq.wall.Seconds(), seqIdeal.Seconds(), seq.wall.Seconds()/seqIdeal.Seconds(), seq.rssMB)
	fmt.Fprintf(&b, "ideal = pages × latency / concurrency (%.2fs) + StreamWriter alone (%.2fs)\n", network.Seconds(), writeOnly.Seconds())
	fmt.Fprintf(&b, "parallel vs ideal: %.2f× (target ≤ 1.20: %s)\n", ratio, mark(ratio <= 1.2))
	fmt.Fprintf(&b, "peak RSS: %.0f MB (target ≤ 250 MB: %s)\n", par.rssMB, mark(par.rssMB <= 250))
	fmt.Fprintf(&b, "speed-up of parallel over sequential paging: %.1f×\n", speedup)
	floor := (par.cpu + par.srvCPU).Seconds() / float64(runtime.NumCPU())
	fmt.Fprintf(&b, "CPU during the parallel export: export %.2fs + emulator %.2fs on %d cores: no schedule beats %.2fs (wall %.2fs)\n",
		par.cpu.Seconds(), par.srvCPU.Seconds(), runtime.NumCPU(), floor, par.wall.Seconds())
	fmt.Fprintf(&b, "export run inside the child: parallel %.2fs, sequential %.2fs; output %.1f MB, %d requests\n",
		par.child.Seconds, seq.child.Seconds, float64(par.outSize)/(1<<20), par.child.Requests)

	// With line items: one request per order on top of the pages, so the
	// network part of the ideal is (pages + orders) × latency / concurrency.
	lineOrders := envInt("ETL_BENCH_LINE_ORDERS", 10_000)
	lines := runExportScenario(t, dir, lineOrders, pageSize, conc, latency, true)
	lRatio := lines.run.wall.Seconds() / lines.ideal.Seconds()
	fmt.Fprintf(&b, "%-34s %9.2fs %9.2fs %8.2f %7.0f MB\n", fmt.Sprintf("line items, %d orders", lineOrders),
		lines.run.wall.Seconds(), lines.ideal.Seconds(), lRatio, lines.run.rssMB)
	fmt.Fprintf(&b, "line items: ideal = (%d pages + %d orders) × latency / concurrency (%.2fs) + StreamWriter alone, %d rows (%.2fs); %d requests\n",
		lines.pages, lineOrders, lines.network.Seconds(), lines.rows, lines.writeOnly.Seconds(), lines.run.child.Requests)
	fmt.Fprintf(&b, "line items vs ideal: %.2f× (target ≤ 1.20: %s)\n", lRatio, mark(lRatio <= 1.2))

	// Memory at two sizes, a tenth and the full size of each path.
	small := runExportScenario(t, dir, max(1, orders/10), pageSize, conc, latency, false)
	smallLines := runExportScenario(t, dir, max(1, lineOrders/10), pageSize, conc, latency, true)
	fmt.Fprintf(&b, "export memory: peak RSS (the child's VmHWM) at two sizes, %v per request\n", latency)
	growth := func(name string, s, l exportScenario) {
		g := l.run.rssMB / max(s.run.rssMB, 1)
		fmt.Fprintf(&b, "  %-22s %7d orders %5.0f MB  %7d orders %5.0f MB  growth %.2f× for %.3g× the orders\n",
			name, s.orders, s.run.rssMB, l.orders, l.run.rssMB, g, float64(l.orders)/float64(s.orders))
		headline(t, "export %-22s memory %.2f× from %d to %d orders: %.0f MB, %.0f MB", name, g, s.orders, l.orders, s.run.rssMB, l.run.rssMB)
	}
	headline(t, "export %-22s %6.2f× its ideal (≤ 1.20 %s), %d orders at %v", "orders", ratio, mark(ratio <= 1.2), orders, latency)
	headline(t, "export %-22s %6.2f× its ideal (≤ 1.20 %s), %d orders at %v, one request per order", "orders with line items",
		lRatio, mark(lRatio <= 1.2), lineOrders, latency)
	growth("orders", small, exportScenario{orders: orders, run: par})
	growth("orders with line items", smallLines, lines)
	fmt.Print(b.String())
	if os.Getenv("ETL_BENCH_STRICT") != "" && (ratio > 1.2 || par.rssMB > 250 || lRatio > 1.2) {
		t.Errorf("a target was missed")
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
