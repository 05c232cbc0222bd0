package sinks

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/internal/procstat"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// The datev sink's own CPU in document mode, per 100,000 booking lines
// shaped like jobs/datev-export.yaml's (the Wawi's accountingData: about
// three lines a document, 19 and 7 %, intra-EU and export customers,
// corrections and cancellations):
//
//	go test -run XXX -bench DATEVExport -benchmem ./sinks/
//
// Plan is the mapper's side (the workers, in parallel), Apply the serial
// stage (one goroutine, input order), Close the tail after the last
// record.

// benchLines is the number of booking lines of one benchmark export.
const benchLines = 100_000

// benchDocTargets are jobs/datev-export.yaml's targets.
var benchDocTargets = targets("DocumentNumber:string", "DocumentDate:date", "Type:string", "SalesOrderNumber:string",
	"Company:string", "FirstName:string", "LastName:string", "CustomerVatId:string", "ShipmentCountry:string", "CurrencyIso:string",
	"VatRate:decimal", "TotalNetAmount:decimal", "VatAmount:decimal", "TotalGrossAmount:decimal", "GeneralLedgerAccount:string")

var (
	benchFirst = []string{"Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hans", "Ida", "Jonas", "Käthe", "Lukas", "Mia", "Noah", "Olga", "Paul"}
	benchLast  = []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter"}
)

// benchValue is a value as the mapper holds it, typed.
type benchValue struct {
	s    string
	t    time.Time
	u    int64
	exp  int32
	kind byte // 's' text, 't' date, 'd' decimal
}

// benchRecords are n booking lines in document order, their values typed
// as the mapper hands them over; dates run through 2026.
func benchRecords(n int) [][]benchValue {
	var out [][]benchValue
	for _, vals := range benchValues(n) {
		r := make([]benchValue, len(vals))
		for i, v := range vals {
			switch v := v.(type) {
			case string:
				r[i] = benchValue{kind: 's', s: v}
			case time.Time:
				r[i] = benchValue{kind: 't', t: v}
			case decimal.Decimal:
				r[i] = benchValue{kind: 'd', u: v.CoefficientInt64(), exp: v.Exponent()}
			}
		}
		out = append(out, r)
	}
	return out
}

func benchValues(n int) [][]any {
	out := make([][]any, 0, n+8)
	hundred := decimal.NewFromInt(100)
	rates := []decimal.Decimal{decimal.New(19, 0), decimal.New(19, 0), decimal.New(7, 0)}
	eu := []struct{ iso, vat string }{{"AT", "ATU"}, {"FR", "FR"}, {"NL", "NL"}, {"IT", "IT"}}
	third := []string{"CH", "NO", "US"}
	for d := 0; len(out) < n; d++ {
		date := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, len(out)*365/n)
		typ, number := "0", fmt.Sprintf("RE%d", 200000+d)
		switch {
		case d%29 == 28:
			typ, number = "3", fmt.Sprintf("STO%d", 400000+d)
		case d%13 == 12:
			typ, number = "2", fmt.Sprintf("GU%d", 300000+d)
		}
		// names as the Wawi's: some with umlauts
		company, first, last, vatID, country := "", benchFirst[d%len(benchFirst)], benchLast[(d/7)%len(benchLast)], "", "DE"
		switch d % 10 {
		case 3:
			e := eu[(d/10)%len(eu)]
			company, country, vatID = last+" Trading", e.iso, fmt.Sprintf("%s%09d", e.vat, 100000000+d)
		case 7:
			country = third[(d/10)%len(third)]
		}
		lines := 1 + (d*7)%5 // 1..5, three on average
		for j := range lines {
			rate := rates[(d+j)%len(rates)]
			if country != "DE" {
				rate = decimal.Zero
			}
			gross := decimal.New(int64(199+(d*31+j*17)%20000), -2)
			net := gross.Mul(hundred).Div(hundred.Add(rate)).Round(2)
			gl := ""
			if country == "DE" && (d+j)%3 == 0 {
				gl = "8400"
				if rate.Equal(rates[2]) {
					gl = "8300"
				}
			}
			out = append(out, []any{number, date, typ, fmt.Sprintf("AU%d", 100000+d), company, first, last, vatID, country, "EUR",
				rate, net, gross.Sub(net), gross, gl})
		}
	}
	return out[:n]
}

// benchDATEVSink opens a document mode sink as the job configures it.
func benchDATEVSink(tb testing.TB, dir string) *DATEVSink {
	tb.Helper()
	spec := datevSpec(dir)
	spec.DATEV.FiscalYearStart = "2026-01-01"
	spec.DATEV.Description = "Ausgangsrechnungen Wawi"
	spec.DATEV.AccountLength = 4
	spec.DATEV.Accounts = &pipeline.DATEVAccountsSpec{Debitor: pipeline.DATEVDebitorSpec{Collective: 10000}}
	spec.DATEV.Period = &pipeline.DATEVPeriodSpec{From: "2026-01-01", To: "2026-12-31"}
	s, err := OpenDATEV(context.Background(), spec, env(filepath.Dir(spec.Path), benchDocTargets))
	if err != nil {
		tb.Fatal(err)
	}
	ds := s.(*DATEVSink)
	ds.base.Created = time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC) // the same bytes each run
	return ds
}

// benchPlan plans the records as the runner does: typed through NewRows,
// in batches of a page.
func benchPlan(tb testing.TB, s *DATEVSink, recs [][]benchValue) []*pipeline.Plan {
	tb.Helper()
	ctx := context.Background()
	plans := make([]*pipeline.Plan, len(recs))
	var batch pipeline.RowBatch
	for i, vals := range recs {
		if i%100 == 0 {
			batch = s.NewRows(100)
		}
		r := batch.Row()
		for j, v := range vals {
			switch v.kind {
			case 's':
				r.Text(j, v.s)
			case 't':
				r.Time(j, v.t)
			case 'd':
				r.Decimal(j, v.u, v.exp)
			}
		}
		p, err := r.Plan(ctx, &pipeline.Item{Rec: &record.Record{Seq: int64(i), Row: i + 2}, Targets: benchDocTargets})
		if err != nil || p.Outcome != pipeline.Created {
			tb.Fatalf("record %d: %v %v", i, err, p.Err)
		}
		plans[i] = p
	}
	return plans
}

func benchApply(tb testing.TB, s *DATEVSink, plans []*pipeline.Plan) {
	tb.Helper()
	ctx := context.Background()
	for i, p := range plans {
		if err := s.Apply(ctx, p); err != nil {
			tb.Fatalf("record %d: %v", i, err)
		}
	}
}

// The benchmark's export is one DATEV takes: every file passes the check
// and the control adds up.
func TestDATEVBenchmarkExport(t *testing.T) {
	dir := t.TempDir()
	s := benchDATEVSink(t, dir)
	benchApply(t, s, benchPlan(t, s, benchRecords(3000)))
	if err := s.Close(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "out", "EXTF_Buchungsstapel_2026*.csv"))
	if len(files) != 12 {
		t.Fatalf("%d files, want one a month", len(files))
	}
	n := 0
	for _, f := range files {
		n += len(datevLines(t, f)) - 2
	}
	if c := s.docs.control; n != c.Bookings || c.Documents != 1000 || !c.OK() {
		t.Errorf("%d bookings in the files, control %d bookings of %d documents, findings %v", n, c.Bookings, c.Documents, c.Findings())
	}
}

// The benchmarks report the process's CPU time per export besides the
// wall time (cpu-ns/op: user and system, the collector's included): on a
// shared machine the wall time is the less steady of the two.
func BenchmarkDATEVExport(b *testing.B) {
	recs := benchRecords(benchLines)
	var cpu time.Duration
	start := func(b *testing.B) {
		cpu -= procstat.SelfCPU()
		b.StartTimer()
	}
	stop := func(b *testing.B) {
		b.StopTimer()
		cpu += procstat.SelfCPU()
	}
	report := func(b *testing.B) { b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op") }
	b.Run("Plan", func(b *testing.B) {
		s := benchDATEVSink(b, b.TempDir())
		b.ReportAllocs()
		cpu = 0
		b.StopTimer()
		for range b.N {
			start(b)
			benchPlan(b, s, recs)
			stop(b)
		}
		report(b)
	})
	b.Run("Apply", func(b *testing.B) {
		b.ReportAllocs()
		cpu = 0
		b.StopTimer()
		for range b.N {
			s := benchDATEVSink(b, b.TempDir())
			plans := benchPlan(b, s, recs)
			runtime.GC() // the plans' garbage is not the stage's
			start(b)
			benchApply(b, s, plans)
			stop(b)
			s.Close(context.Background(), false)
		}
		report(b)
	})
	b.Run("Close", func(b *testing.B) {
		b.ReportAllocs()
		cpu = 0
		b.StopTimer()
		for range b.N {
			s := benchDATEVSink(b, b.TempDir())
			benchApply(b, s, benchPlan(b, s, recs))
			runtime.GC()
			start(b)
			if err := s.Close(context.Background(), true); err != nil {
				b.Fatal(err)
			}
			stop(b)
		}
		report(b)
	})
}
