package pipeline_test

import (
	"runtime/debug"
	"testing"

	"github.com/wawi-etl/etl/pipeline"
)

// A CSV export trades memory for CPU with a larger GC target; an XLSX
// export keeps the default, so its memory follows its size.
func TestTuneGCLeavesXLSXAtTheDefault(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)
	for sink, want := range map[string]int{"xlsx": 100, "csv": 400} {
		restore := pipeline.TuneGC(&pipeline.Job{Sink: pipeline.SinkSpec{Type: sink}})
		got := debug.SetGCPercent(100)
		debug.SetGCPercent(got)
		restore()
		if got != want {
			t.Errorf("%s sink: GC percent %d, want %d", sink, got, want)
		}
		if after := debug.SetGCPercent(100); after != 100 {
			t.Errorf("%s sink: restore left %d", sink, after)
		}
	}
}
