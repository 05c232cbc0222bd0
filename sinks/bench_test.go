package sinks

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

const benchRows = 5000

func benchData() ([]mappings.Target, []*pipeline.Item) {
	tg := targets("SKU:string", "Name:string", "Qty:int", "Price:decimal", "Active:bool", "Since:date", "At:datetime", "Tags:list")
	items := make([]*pipeline.Item, benchRows)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range items {
		items[i] = &pipeline.Item{Rec: &record.Record{Seq: int64(i), Row: i + 2}, Targets: tg, Values: []any{
			fmt.Sprintf("SKU-%06d", i),
			fmt.Sprintf("Artikel Nummer %d – Größe %d", i, i%50),
			int64(i % 1000),
			dec(strconv.Itoa(i%10000) + "." + fmt.Sprintf("%02d", i%100)),
			i%2 == 0,
			base.AddDate(0, 0, i%3000),
			base.Add(time.Duration(i) * 37 * time.Second),
			[]string{"rot", "blau"},
		}}
	}
	return tg, items
}

// benchDir is a tmpfs folder when there is one, so that fsync on a shared
// disk does not drown the CPU cost being compared; BENCH_DIR overrides it.
func benchDir(b *testing.B) string {
	base := os.Getenv("BENCH_DIR")
	if base == "" {
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			base = "/dev/shm"
		}
	}
	if base == "" {
		return b.TempDir()
	}
	dir, err := os.MkdirTemp(base, "sinks-bench-")
	if err != nil {
		return b.TempDir()
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func timeIt(f func()) time.Duration {
	t0 := time.Now()
	f()
	return time.Since(t0)
}

// BenchmarkXLSXSink writes the same rows through the XLSX sink and straight
// through excelize's StreamWriter (SetRow with typed values and the same
// styles), interleaved so that load on shared cores hits both alike. ratio
// is sink time over raw time; plan+apply are the sink's two phases (the
// pipeline runs Plan in parallel).
func BenchmarkXLSXSink(b *testing.B) {
	tg, items := benchData()
	dir := benchDir(b)
	ctx := context.Background()
	var sinkT, rawT, planT time.Duration
	b.ReportAllocs()
	for b.Loop() {
		sinkT += timeIt(func() {
			s, err := OpenXLSX(ctx, &pipeline.SinkSpec{Type: "xlsx", Path: "sink.xlsx"}, env(dir, tg))
			if err != nil {
				b.Fatal(err)
			}
			plans := make([]*pipeline.Plan, len(items))
			planT += timeIt(func() {
				for i, it := range items {
					if plans[i], err = s.Plan(ctx, it); err != nil || plans[i].Outcome != pipeline.Created {
						b.Fatal(err, plans[i].Err)
					}
				}
			})
			for _, p := range plans {
				if err := s.Apply(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.Close(ctx, true); err != nil {
				b.Fatal(err)
			}
		})
		rawT += timeIt(func() { rawXLSX(b, filepath.Join(dir, "raw.xlsx"), tg, items) })
	}
	n := float64(b.N * benchRows)
	b.ReportMetric(float64(sinkT.Nanoseconds())/n, "sink-ns/row")
	b.ReportMetric(float64((sinkT-planT).Nanoseconds())/n, "sink-apply-ns/row")
	b.ReportMetric(float64(rawT.Nanoseconds())/n, "raw-ns/row")
	b.ReportMetric(float64(sinkT)/float64(rawT), "ratio")
	b.ReportMetric(float64(sinkT-planT)/float64(rawT), "apply-ratio")
}

// rawXLSX is the baseline: what a hand-written excelize export of the same
// rows does, with the same header, widths, panes, formats and atomic save.
func rawXLSX(b *testing.B, path string, tg []mappings.Target, items []*pipeline.Item) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Data"); err != nil {
		b.Fatal(err)
	}
	sw, err := f.NewStreamWriter("Data")
	if err != nil {
		b.Fatal(err)
	}
	style := func(s *excelize.Style) int {
		id, err := f.NewStyle(s)
		if err != nil {
			b.Fatal(err)
		}
		return id
	}
	nf := func(s string) *string { return &s }
	bold := style(&excelize.Style{Font: &excelize.Font{Bold: true}})
	intS := style(&excelize.Style{CustomNumFmt: nf(IntFormat)})
	decS := style(&excelize.Style{CustomNumFmt: nf(DefaultDecimalFormat)})
	dateS := style(&excelize.Style{CustomNumFmt: nf(DefaultDateFormat)})
	dtS := style(&excelize.Style{CustomNumFmt: nf(DefaultDateTimeFormat)})
	for i := range tg {
		if err := sw.SetColWidth(i+1, i+1, 15); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		b.Fatal(err)
	}
	hdr := make([]any, len(tg))
	for i, t := range tg {
		hdr[i] = excelize.Cell{StyleID: bold, Value: t.Path}
	}
	if err := sw.SetRow("A1", hdr); err != nil {
		b.Fatal(err)
	}
	row := make([]any, len(tg))
	for r, it := range items {
		v := it.Values
		row[0] = v[0]
		row[1] = v[1]
		row[2] = excelize.Cell{StyleID: intS, Value: v[2]}
		row[3] = excelize.Cell{StyleID: decS, Value: v[3].(interface{ InexactFloat64() float64 }).InexactFloat64()}
		row[4] = v[4]
		row[5] = excelize.Cell{StyleID: dateS, Value: v[5]}
		row[6] = excelize.Cell{StyleID: dtS, Value: v[6]}
		row[7] = strings.Join(v[7].([]string), "|")
		if err := sw.SetRow("A"+strconv.Itoa(r+2), row); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.AutoFilter("Data", "A1:H"+strconv.Itoa(len(items)+1), nil); err != nil {
		b.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := SaveAtomic(f, path); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCSVSink writes the same rows through the CSV sink (formatting
// typed values) and through plain encoding/csv (the same, already formatted
// strings), both with a buffered temporary file, fsync and rename.
func BenchmarkCSVSink(b *testing.B) {
	tg, items := benchData()
	dir := benchDir(b)
	ctx := context.Background()
	// the strings the sink writes, for the baseline
	pre, err := OpenCSV(ctx, &pipeline.SinkSpec{Type: "csv", Path: "pre.csv"}, &pipeline.Env{JobDir: dir, Targets: tg, DryRun: true})
	if err != nil {
		b.Fatal(err)
	}
	lines := make([][]string, len(items))
	for i, it := range items {
		p, err := pre.Plan(ctx, it)
		if err != nil {
			b.Fatal(err)
		}
		lines[i] = p.State.([]string)
	}
	header := make([]string, len(tg))
	for i, t := range tg {
		header[i] = t.Path
	}
	var sinkT, rawT, planT time.Duration
	b.ReportAllocs()
	for b.Loop() {
		sinkT += timeIt(func() {
			s, err := OpenCSV(ctx, &pipeline.SinkSpec{Type: "csv", Path: "sink.csv"}, env(dir, tg))
			if err != nil {
				b.Fatal(err)
			}
			plans := make([]*pipeline.Plan, len(items))
			planT += timeIt(func() {
				for i, it := range items {
					if plans[i], err = s.Plan(ctx, it); err != nil {
						b.Fatal(err)
					}
				}
			})
			for _, p := range plans {
				if err := s.Apply(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
			if err := s.Close(ctx, true); err != nil {
				b.Fatal(err)
			}
		})
		rawT += timeIt(func() {
			tmp, err := os.CreateTemp(dir, ".raw.csv.tmp-*")
			if err != nil {
				b.Fatal(err)
			}
			bw := bufio.NewWriterSize(tmp, bufSize)
			w := csv.NewWriter(bw)
			w.Write(header)
			for _, l := range lines {
				if err := w.Write(l); err != nil {
					b.Fatal(err)
				}
			}
			w.Flush()
			if err := w.Error(); err != nil {
				b.Fatal(err)
			}
			if err := tmp.Sync(); err != nil {
				b.Fatal(err)
			}
			tmp.Close()
			if err := os.Rename(tmp.Name(), filepath.Join(dir, "raw.csv")); err != nil {
				b.Fatal(err)
			}
		})
	}
	n := float64(b.N * benchRows)
	b.ReportMetric(float64(sinkT.Nanoseconds())/n, "sink-ns/row")
	b.ReportMetric(float64((sinkT-planT).Nanoseconds())/n, "sink-apply-ns/row")
	b.ReportMetric(float64(rawT.Nanoseconds())/n, "raw-ns/row")
	b.ReportMetric(float64(sinkT)/float64(rawT), "ratio")
	b.ReportMetric(float64(sinkT-planT)/float64(rawT), "apply-ratio")
}
