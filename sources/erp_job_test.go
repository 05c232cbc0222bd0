package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wawi-etl/etl/internal/testkit"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/sinks"
)

// jobWiring plays the integrator's part for the job-level tests: it gives
// the ERP source its client, clock and state folder, hands the source's
// parameters to the XLSX sink, and commits the watermark after a run that
// succeeded. The registry is global, so the factories read the wiring of
// the test that runs (these tests do not run in parallel).
type jobWiring struct {
	client   *erp.Client
	stateDir string
	now      func() time.Time
	full     bool
	src      *ERPSource
}

var (
	wiringMu  sync.Mutex
	wiring    *jobWiring
	wiringReg sync.Once
)

func registerJobWiring() {
	wiringReg.Do(func() {
		pipeline.AddSourceType(ERP) // its metadata; the factory is replaced below
		pipeline.RegisterSource("erp", func(ctx context.Context, spec *pipeline.SourceSpec, env *pipeline.Env) (pipeline.Source, error) {
			wiringMu.Lock()
			w := wiring
			wiringMu.Unlock()
			if w == nil { // etl validate: no connection, no state
				return OpenERP(ctx, spec, env)
			}
			env.Conn, env.StateDir, env.Now, env.Full = w.client, w.stateDir, w.now, w.full
			if env.JobName == "" {
				env.JobName = "orders-to-excel"
			}
			src, err := OpenERP(ctx, spec, env)
			if err == nil {
				w.src = src.(*ERPSource)
			}
			return src, err
		})
		// the runner hands the source's parameters to the sink
		pipeline.AddSinkType(sinks.XLSX)
		pipeline.AddSinkType(sinks.CSV)
	})
}

type jobRun struct {
	sum    *pipeline.Summary
	err    error
	out    string
	src    *ERPSource
	report string
}

// runJob runs jobs/orders-to-excel.yaml through pipeline.Run with sets
// applied, against base, and commits the source when the run succeeded.
func runJob(t *testing.T, c *erp.Client, stateDir string, sets ...string) jobRun {
	t.Helper()
	return runJobFile(t, "orders-to-excel.yaml", c, stateDir, sets...)
}

// runJobFile is runJob for another job of jobs/.
func runJobFile(t *testing.T, name string, c *erp.Client, stateDir string, sets ...string) jobRun {
	t.Helper()
	registerJobWiring()
	dir := t.TempDir()
	out := filepath.Join(dir, "orders.xlsx")
	sets = append([]string{"sink.path=" + out}, sets...)
	for _, s := range sets {
		if strings.HasPrefix(s, "sink.path=") {
			out = strings.TrimPrefix(s, "sink.path=")
		}
	}
	job, err := pipeline.LoadJob(filepath.Join("..", "jobs", name), pipeline.LoadOptions{Sets: sets})
	if err != nil {
		t.Fatal(err)
	}
	w := &jobWiring{client: c, stateDir: stateDir, now: func() time.Time { return testNow }}
	wiringMu.Lock()
	wiring = w
	wiringMu.Unlock()
	report := filepath.Join(dir, "reports")
	// the runner commits the source's watermark after the sink's output
	sum, err := pipeline.Run(context.Background(), job, pipeline.RunOptions{ReportDir: report, Resolver: erp.NewLookups(c)})
	return jobRun{sum: sum, err: err, out: out, src: w.src, report: report}
}

// expected is what the job must write: the May orders that are not
// cancelled, one row per line item, with their exact totals.
type expectedRow struct {
	number, company, sku string
	date                 string // yyyy-mm-dd in Berlin
	net, gross           decimal.Decimal
	hasLine              bool
}

func expectedRows(srv *erptest.Server) []expectedRow {
	berlin := mustLoc("Europe/Berlin")
	var out []expectedRow
	for _, o := range inMay(srv) {
		if o.IsCancelled {
			continue
		}
		base := expectedRow{number: o.Number, company: o.BillingAddress.Company, date: o.SalesOrderDate.In(berlin).Format(time.DateOnly)}
		lines := srv.LineItems(o.Id)
		if len(lines) == 0 {
			out = append(out, base)
			continue
		}
		for _, l := range lines {
			r := base
			r.sku, r.hasLine = l.SKU, true
			f := decimal.NewFromInt(1)
			if !l.Discount.IsZero() {
				f = decimal.NewFromInt(100).Sub(l.Discount.Decimal).Div(decimal.NewFromInt(100))
			}
			r.net = l.Quantity.Mul(l.SalesPriceNet.Decimal).Mul(f).Round(2)
			r.gross = l.Quantity.Mul(l.SalesPriceGross.Decimal).Mul(f).Round(2)
			out = append(out, r)
		}
	}
	return out
}

func TestOrdersToExcelJob(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: testSeed(300), Latency: time.Millisecond})
	defer srv.Close()
	c := newClient(t, srv.URL)
	run := runJob(t, c, t.TempDir())
	if run.err != nil {
		t.Fatal(run.err)
	}
	want := expectedRows(srv)
	if run.sum.RecordsRead != int64(len(want)) || run.sum.Created != int64(len(want)) || run.sum.Failed != 0 {
		t.Fatalf("summary %+v, want %d rows", run.sum, len(want))
	}
	f, err := excelize.OpenFile(run.out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "Orders" || got[1] != sinks.ParametersSheet {
		t.Errorf("sheets %v", got)
	}
	rows, _ := f.GetRows("Orders", excelize.Options{RawCellValue: true})
	if len(rows) != len(want)+2 {
		t.Fatalf("%d sheet rows, want header + %d + totals", len(rows), len(want))
	}
	hdr := strings.Join(rows[0], ",")
	if hdr != "OrderNumber,OrderDate,CustomerNumber,Company,PaymentMethod,SKU,ItemName,Quantity,TaxRate,TotalNet,TotalGross" {
		t.Errorf("header %s", hdr)
	}
	sumNet, sumGross := decimal.Zero, decimal.Zero
	for i, w := range want {
		r := rows[i+1]
		cell := func(j int) string {
			if j < len(r) {
				return r[j]
			}
			return ""
		}
		if cell(0) != w.number || cell(5) != w.sku {
			t.Fatalf("row %d: %v, want %s %s", i+2, r, w.number, w.sku)
		}
		if w.company == injection {
			// kept as it is, as text with Excel's quote prefix: no formula
			ref := "D" + strconv.Itoa(i+2)
			fm, _ := f.GetCellFormula("Orders", ref)
			id, _ := f.GetCellStyle("Orders", ref)
			_, _ = f.GetStyle(id) // loads the style sheet
			if xf := f.Styles.CellXfs.Xf[id]; cell(3) != injection || fm != "" || xf.QuotePrefix == nil || !*xf.QuotePrefix {
				t.Errorf("the formula in a company name was not neutralised: %q (formula %q)", cell(3), fm)
			}
		}
		if len(cell(2)) < 5 || cell(4) == "" || strings.Trim(cell(4), "0123456789") == "" {
			t.Errorf("row %d: lookups gave customer %q, payment method %q", i+2, cell(2), cell(4))
		}
		if w.hasLine {
			if n := decimal.RequireFromString(cell(9)); !n.Equal(w.net) {
				t.Errorf("row %d: net %s, want %s", i+2, cell(9), w.net)
			}
			if g := decimal.RequireFromString(cell(10)); !g.Equal(w.gross) {
				t.Errorf("row %d: gross %s, want %s", i+2, cell(10), w.gross)
			}
		}
		sumNet, sumGross = sumNet.Add(w.net), sumGross.Add(w.gross)
	}
	last := len(want) + 1
	tot := len(want) + 2
	for col, sum := range map[string]decimal.Decimal{"J": sumNet, "K": sumGross} {
		formula, _ := f.GetCellFormula("Orders", fmt.Sprintf("%s%d", col, tot))
		if formula != fmt.Sprintf("SUM(%s2:%s%d)", col, col, last) {
			t.Errorf("totals %s: %q", col, formula)
		}
		cached, _ := f.GetCellValue("Orders", fmt.Sprintf("%s%d", col, tot), excelize.Options{RawCellValue: true})
		if !decimal.RequireFromString(cached).Equal(sum) {
			t.Errorf("totals %s: cached %s, want %s", col, cached, sum)
		}
	}
	p, _ := f.GetRows(sinks.ParametersSheet)
	got := map[string]string{}
	for _, r := range p {
		if len(r) == 2 {
			got[r[0]] = r[1]
		}
	}
	for k, v := range map[string]string{
		"Job":                         "orders-to-excel",
		"Generated at":                "15.06.2025 10:00:00 +02:00",
		"File":                        "orders.xlsx",
		"Rows":                        fmt.Sprint(len(want)),
		"createdSince":                "01.05.2025 00:00:00 (start of last month)",
		"createdUntil":                "31.05.2025 up to 23:59:59, whole day included (end of last month)",
		"isCancelled":                 "false",
		"Period":                      "01.05.2025 – 31.05.2025 (SalesOrderDate, Europe/Berlin)",
		"Records (one per line item)": fmt.Sprint(len(want)),
	} {
		if got[k] != v {
			t.Errorf("parameter %s = %q, want %q", k, got[k], v)
		}
	}
	checkWithOpenpyxl(t, run.out, want, sumNet, sumGross)
	checkWithLibreOffice(t, run.out, want, sumGross)
}

// checkWithLibreOffice renders the workbook as LibreOffice shows it (CSV of
// the displayed text): amounts carry the euro sign, dates read dd.mm.yyyy,
// and the totals show the sum. Skipped without soffice or with -short (it
// takes a few seconds).
func checkWithLibreOffice(t *testing.T, path string, want []expectedRow, sumGross decimal.Decimal) {
	soffice, err := exec.LookPath("soffice")
	if err != nil || testing.Short() {
		t.Log("LibreOffice rendering check skipped (no soffice, or -short)")
		return
	}
	dir := t.TempDir()
	// 44,34,76: comma, quote, UTF-8; the 9th token true: cells as shown
	cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,1031,false,true,true,false,false,-1", "--outdir", dir, path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "orders-Orders.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != len(want)+2 {
		t.Fatalf("LibreOffice shows %d lines", len(lines))
	}
	// the number as shown, whatever the locale's separators: the last . or ,
	// is the decimal point
	shown := func(s string) (decimal.Decimal, bool) {
		s = strings.Trim(s, `"`)
		if !strings.HasSuffix(s, " €") {
			return decimal.Zero, false
		}
		s = strings.TrimSuffix(s, " €")
		cut := strings.LastIndexAny(s, ".,")
		digits := strings.NewReplacer(".", "", ",", "", "\u00a0", "", " ", "").Replace(s[:max(cut, 0)]) + "." + s[cut+1:]
		d, err := decimal.NewFromString(digits)
		return d, err == nil
	}
	for i, w := range want {
		if !w.hasLine {
			continue
		}
		l := lines[i+1]
		y, m, d := w.date[:4], w.date[5:7], w.date[8:]
		if !strings.Contains(l, ","+d+"."+m+"."+y+",") {
			t.Fatalf("LibreOffice line %d: %s, want the date %s.%s.%s", i+2, l, d, m, y)
		}
		cells := splitShownCSV(l)
		if g, ok := shown(cells[len(cells)-1]); !ok || !g.Equal(w.gross) {
			t.Fatalf("LibreOffice line %d shows gross %q, want %s €", i+2, cells[len(cells)-1], w.gross)
		}
	}
	tot := splitShownCSV(lines[len(lines)-1])
	if g, ok := shown(tot[len(tot)-1]); tot[0] != "Total" || !ok || !g.Equal(sumGross) {
		t.Errorf("LibreOffice totals row %v, want %s €", tot, sumGross)
	}
}

// splitShownCSV splits a line of LibreOffice's CSV (quotes only around
// fields with commas).
func splitShownCSV(l string) []string {
	var out []string
	for l != "" {
		if l[0] == '"' {
			end := strings.Index(l[1:], `"`) + 1
			out = append(out, l[1:end])
			l = strings.TrimPrefix(l[end+1:], ",")
			continue
		}
		f, rest, _ := strings.Cut(l, ",")
		out = append(out, f)
		l = rest
	}
	return out
}

// openpyxl reads the workbook back: row count, dates are datetimes, amounts
// exact, currency format, the totals formula and its range recomputed.
const openpyxlCheck = `
import json, sys, datetime
from decimal import Decimal
import openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["Orders"]
rows = list(ws.iter_rows())
hdr = [c.value for c in rows[0]]
net, gross, date = hdr.index("TotalNet"), hdr.index("TotalGross"), hdr.index("OrderDate")
out = {"sheets": wb.sheetnames, "rows": len(rows), "data": [], "formats": set(), "date_fmt": set(), "totals": {}}
for r in rows[1:-1]:
    d = r[date].value
    out["data"].append({
        "date": d.date().isoformat() if isinstance(d, datetime.datetime) else "NOT A DATETIME: %r" % (d,),
        "net": None if r[net].value is None else repr(r[net].value),
        "gross": None if r[gross].value is None else repr(r[gross].value),
        "company": r[3].value,
    })
    if r[net].value is not None:
        out["formats"].add(r[net].number_format)
        out["formats"].add(r[gross].number_format)
    out["date_fmt"].add(r[date].number_format)
tot = rows[-1]
out["label"] = tot[0].value
out["label_bold"] = bool(tot[0].font.b)
for i in (net, gross):
    f = tot[i].value
    assert isinstance(f, str) and f.startswith("=SUM("), f
    a, b = f[5:-1].split(":")
    col = openpyxl.utils.column_index_from_string(a.rstrip("0123456789"))
    lo, hi = int(a.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), int(b.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    s = sum((Decimal(repr(ws.cell(row=k, column=col).value)) for k in range(lo, hi + 1) if ws.cell(row=k, column=col).value is not None), Decimal(0))
    out["totals"][hdr[i]] = {"formula": f, "sum": str(s), "bold": bool(tot[i].font.b), "fmt": tot[i].number_format}
out["formats"] = sorted(out["formats"])
out["date_fmt"] = sorted(out["date_fmt"])
p = wb["Parameter"]
out["params"] = {r[0].value: r[1].value for r in p.iter_rows()}
json.dump(out, sys.stdout)
`

func checkWithOpenpyxl(t *testing.T, path string, want []expectedRow, sumNet, sumGross decimal.Decimal) {
	py := openpyxlPython(t)
	cmd := exec.Command(py, "-c", openpyxlCheck, path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, stderr.String())
	}
	var got struct {
		Sheets []string
		Rows   int
		Data   []struct {
			Date, Company string
			Net, Gross    *string
		}
		Formats   []string
		DateFmt   []string `json:"date_fmt"`
		Label     string
		LabelBold bool `json:"label_bold"`
		Totals    map[string]struct {
			Formula, Sum, Fmt string
			Bold              bool
		}
		Params map[string]any // counts are numbers
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Rows != len(want)+2 || len(got.Data) != len(want) {
		t.Fatalf("openpyxl sees %d rows, want %d + header + totals", got.Rows, len(want))
	}
	for i, w := range want {
		g := got.Data[i]
		if g.Date != w.date {
			t.Fatalf("row %d: date %s, want %s", i+2, g.Date, w.date)
		}
		if !w.hasLine {
			if g.Net != nil || g.Gross != nil {
				t.Errorf("row %d: an order without lines has amounts", i+2)
			}
			continue
		}
		// Python's repr of the float is the shortest text that reads back:
		// the exact decimal for up to 15 digits
		if g.Net == nil || !decimal.RequireFromString(*g.Net).Equal(w.net) || g.Gross == nil || !decimal.RequireFromString(*g.Gross).Equal(w.gross) {
			t.Errorf("row %d: %v %v, want %s %s", i+2, g.Net, g.Gross, w.net, w.gross)
		}
	}
	if len(got.Formats) != 1 || got.Formats[0] != "#,##0.00 [$€-407]" {
		t.Errorf("amount formats %v", got.Formats)
	}
	if len(got.DateFmt) != 1 || got.DateFmt[0] != "dd.mm.yyyy" {
		t.Errorf("date formats %v", got.DateFmt)
	}
	if got.Label != "Total" || !got.LabelBold {
		t.Errorf("totals label %q bold %v", got.Label, got.LabelBold)
	}
	for name, want := range map[string]decimal.Decimal{"TotalNet": sumNet, "TotalGross": sumGross} {
		tot := got.Totals[name]
		if !tot.Bold || tot.Fmt != "#,##0.00 [$€-407]" || !decimal.RequireFromString(tot.Sum).Equal(want) {
			t.Errorf("totals %s: %+v, want the sum %s", name, tot, want)
		}
	}
	if got.Params["Job"] != "orders-to-excel" || got.Params["Resource"] != "salesOrders" {
		t.Errorf("parameters %v", got.Params)
	}
}

// The CSV variant for German accounting tools: ; and decimal comma, dates
// dd.mm.yyyy, formulas neutralised.
func TestOrdersToCSVJob(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: testSeed(100)})
	defer srv.Close()
	c := newClient(t, srv.URL)
	out := filepath.Join(t.TempDir(), "orders.csv")
	run := runJob(t, c, t.TempDir(), "sink.type=csv", "sink.path="+out, "sink.delimiter=;", "sink.decimal_comma=true",
		"sink.date_format=02.01.2006", "sink.currency=", "sink.amounts=[]", "sink.totals=false", "sink.parameters_sheet=false",
		"sink.sheet=")
	if run.err != nil {
		t.Fatal(run.err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	want := expectedRows(srv)
	if len(lines) != len(want)+1 {
		t.Fatalf("%d lines, want %d", len(lines), len(want)+1)
	}
	if lines[0] != "OrderNumber;OrderDate;CustomerNumber;Company;PaymentMethod;SKU;ItemName;Quantity;TaxRate;TotalNet;TotalGross" {
		t.Errorf("header %s", lines[0])
	}
	sawInjection := false
	for i, w := range want {
		l := lines[i+1]
		y, m, d := w.date[:4], w.date[5:7], w.date[8:]
		if !strings.HasPrefix(l, w.number+";"+d+"."+m+"."+y+";") {
			t.Fatalf("line %d: %s, want %s on %s.%s.%s", i+2, l, w.number, d, m, y)
		}
		if w.hasLine && !strings.HasSuffix(l, ";"+strings.Replace(w.net.StringFixed(2), ".", ",", 1)+";"+strings.Replace(w.gross.StringFixed(2), ".", ",", 1)) {
			t.Errorf("line %d: %s, want amounts %s %s with decimal comma", i+2, l, w.net, w.gross)
		}
		if w.company == injection {
			sawInjection = true
			if !strings.Contains(l, `;"'=cmd|' /C calc'!A0";`) && !strings.Contains(l, `;'=cmd|' /C calc'!A0;`) {
				t.Errorf("line %d: the formula is not neutralised: %s", i+2, l)
			}
		}
	}
	if !sawInjection {
		t.Error("the injection order is not in the export")
	}
	// the accountants' workbook options are refused for CSV
	run = runJob(t, c, t.TempDir(), "sink.type=csv", "sink.path="+filepath.Join(t.TempDir(), "x.csv"), "sink.amounts=[]", "sink.currency=",
		"sink.parameters_sheet=false")
	if run.err == nil || !strings.Contains(run.err.Error(), "apply to xlsx") {
		t.Errorf("totals on a CSV sink: %v", run.err)
	}
}

// An export that cannot finish leaves no output that looks complete and
// does not move the watermark: the server fails after three pages, or goes
// away.
func TestOrdersToExcelJobCannotFinish(t *testing.T) {
	for _, mode := range []string{"503 after page 3", "server gone after page 3"} {
		t.Run(mode, func(t *testing.T) {
			srv := erptest.NewServer(erptest.Options{Seed: testSeed(300)})
			defer srv.Close()
			var ts *httptest.Server
			if strings.HasPrefix(mode, "503") {
				ts = failAfter(srv, 3)
			} else {
				var pages atomic.Int64
				ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if strings.HasSuffix(r.URL.Path, "/salesOrders") && pages.Add(1) == 4 {
						go ts.Close() // waits for this request, then refuses connections
						w.WriteHeader(http.StatusBadGateway)
						return
					}
					srv.Emulator.ServeHTTP(w, r)
				}))
			}
			defer ts.Close()
			c, err := erp.New(erp.Config{BaseURL: ts.URL + erptest.BasePath, APIKey: "k", BackoffInitial: time.Millisecond,
				BackoffMax: 5 * time.Millisecond, MaxElapsed: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			state := t.TempDir()
			dir := t.TempDir()
			out := filepath.Join(dir, "orders.xlsx")
			if err := os.WriteFile(out, []byte("last month's file"), 0o644); err != nil {
				t.Fatal(err)
			}
			run := runJob(t, c, state, "sink.path="+out, "source.page_size=10", "source.incremental.field=createdSince")
			if run.err == nil {
				t.Fatal("the run succeeded")
			}
			if b, _ := os.ReadFile(out); string(b) != "last month's file" {
				t.Error("the previous output was replaced")
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 {
				t.Errorf("left behind: %v", ents)
			}
			if run.sum.Output != "" {
				t.Errorf("summary names output %s", run.sum.Output)
			}
			// the runner does not commit after a failed run; even if it did:
			if err := run.src.Commit(); err == nil {
				t.Error("Commit after a failed run")
			}
			if _, err := os.Stat(WatermarkPath(state, "orders-to-excel")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("watermark written: %v", err)
			}
			t.Logf("%s: %v", mode, run.err)
		})
	}
}

// The watermark moves only after the output file is in place: when the
// workbook cannot be saved (here its name is taken by a folder; on Windows,
// the file open in Excel), the run fails and the next incremental run
// delivers the same documents again. A watermark that cannot be saved fails
// the run too.
func TestWatermarkAfterTheFile(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: testSeed(50)})
	defer srv.Close()
	c := newClient(t, srv.URL)
	state := t.TempDir()
	blocked := filepath.Join(t.TempDir(), "orders.xlsx")
	if err := os.MkdirAll(filepath.Join(blocked, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	run := runJob(t, c, state, "sink.path="+blocked, "source.incremental.field=createdSince")
	if run.err == nil {
		t.Fatal("the run succeeded though its output could not be saved")
	}
	if run.sum.Output != "" {
		t.Errorf("summary names output %s", run.sum.Output)
	}
	if _, err := os.Stat(WatermarkPath(state, "orders-to-excel")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("watermark advanced although the output was not saved: %v", err)
	}
	// the next run delivers the documents
	run = runJob(t, c, state, "source.incremental.field=createdSince")
	if run.err != nil || run.sum.RecordsRead == 0 {
		t.Fatalf("rerun: %v, %d records", run.err, run.sum.RecordsRead)
	}
	if _, err := os.Stat(WatermarkPath(state, "orders-to-excel")); err != nil {
		t.Fatalf("watermark after a good run: %v", err)
	}

	// a state folder that cannot take the watermark fails the run
	badState := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(badState, []byte("a file where the folder should be"), 0o644); err != nil {
		t.Fatal(err)
	}
	run = runJob(t, c, badState, "source.incremental.field=createdSince")
	if run.err == nil || !strings.Contains(run.err.Error(), "watermark") {
		t.Fatalf("a watermark that cannot be saved: err = %v", run.err)
	}
}

// etl validate (pipeline.Check) accepts the job without a connection for
// the source; only the ERP lookups need one.
func TestOrdersToExcelJobValidates(t *testing.T) {
	registerJobWiring()
	wiringMu.Lock()
	wiring = nil
	wiringMu.Unlock()
	for _, sets := range [][]string{nil, {"source.incremental.field=createdSince"}} {
		job, err := pipeline.LoadJob(filepath.Join("..", "jobs", "orders-to-excel.yaml"), pipeline.LoadOptions{Sets: sets})
		if err != nil {
			t.Fatal(err)
		}
		if err := pipeline.Check(context.Background(), job, erp.NewLookups(newClient(t, "http://127.0.0.1:1/api"))); err != nil {
			t.Errorf("%v: %v", sets, err)
		}
	}
	job, _ := pipeline.LoadJob(filepath.Join("..", "jobs", "orders-to-excel.yaml"), pipeline.LoadOptions{Sets: []string{"source.filters.createdAfter=today"}})
	if err := pipeline.Check(context.Background(), job, erp.NewLookups(newClient(t, "http://127.0.0.1:1/api"))); err == nil ||
		!strings.Contains(err.Error(), "createdSince, createdUntil") {
		t.Errorf("unknown filter: %v", err)
	}
}

// Shared with other packages' tests (internal/testkit).
func openpyxlPython(t *testing.T) string { return testkit.OpenpyxlPython(t) }
