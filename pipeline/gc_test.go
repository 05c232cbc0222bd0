package pipeline_test

import (
	"runtime/debug"
	"testing"

	"github.com/wawi-etl/etl/pipeline"
)

// A CSV export trades memory for CPU with a larger GC target; an XLSX
// export keeps the default target under a soft limit, so its memory stays
// near a bare StreamWriter's.
func TestTuneGCLeavesXLSXAtTheDefault(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	for sink, want := range map[string]int{"xlsx": 100, "csv": 400} {
		restore := pipeline.TuneGC(&pipeline.Job{Sink: pipeline.SinkSpec{Type: sink}})
		got := debug.SetGCPercent(100)
		debug.SetGCPercent(got)
		limit := debug.SetMemoryLimit(-1) // reads it
		restore()
		if got != want {
			t.Errorf("%s sink: GC percent %d, want %d", sink, got, want)
		}
		if sink == "xlsx" && limit != 64<<20 {
			t.Errorf("xlsx sink: memory limit %d, want 64 MiB", limit)
		}
		if after := debug.SetGCPercent(100); after != 100 {
			t.Errorf("%s sink: restore left %d", sink, after)
		}
	}
}
