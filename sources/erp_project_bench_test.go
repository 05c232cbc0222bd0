package sources

import (
	"context"
	"net/url"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/report"
)

// BenchmarkAccountingPages is the source's CPU per page of GET
// /accountingData in jobs/datev-export.yaml (decoding, totals, one record
// per booking line), whole and projected, the pages read beforehand:
//
//	go test -run XXX -bench AccountingPages ./sources/
func BenchmarkAccountingPages(b *testing.B) {
	srv := erptest.NewServer(erptest.Options{Seed: erptest.Generate(erptest.GenConfig{Items: 200, Orders: 2000, Seed: 7, Accounting: true})})
	defer srv.Close()
	c := newClient(b, srv.URL)
	var pages []*erp.Page
	for p, err := range c.Pages(context.Background(), "/accountingData", url.Values{}, erp.PageOptions{PageSize: 100}) {
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, p)
	}
	job, err := pipeline.LoadJob(filepath.Join("..", "jobs", "datev-export.yaml"), pipeline.LoadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var cols []string
	for _, f := range job.Mapping.Fields {
		cols = append(cols, f.Column)
	}
	job.Source.Filters = nil
	for _, projected := range []bool{false, true} {
		name := "whole"
		if projected {
			name = "projected"
		}
		b.Run(name, func(b *testing.B) {
			s := openSource(b, job.Source, testEnv(b, c))
			if projected {
				s.ProjectColumns(pipeline.Projection{Columns: cols, Identity: report.DocKeys()})
			}
			b.ReportAllocs()
			lines := 0
			cpu0 := cpuTime()
			for b.Loop() {
				for _, p := range pages {
					r := s.decodePage(p)
					if r.err != nil {
						b.Fatal(r.err)
					}
					for _, it := range r.items {
						s.cur, s.curLines, s.line = it, it.embedded, 0
						for s.nextLine() != nil {
							lines++
						}
					}
				}
			}
			b.ReportMetric(float64(lines)/float64(b.N)/float64(len(pages)), "lines/page")
			// the machine may be shared: CPU time says more than wall time
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N)/float64(len(pages)), "cpu-µs/page")
		})
	}
}

// cpuTime is the CPU time the process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
