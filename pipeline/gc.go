package pipeline

import (
	"os"
	"runtime/debug"
)

// TuneGC sets the garbage collector for a job and returns what restores the
// previous settings. A job that writes a file holds little live data (a
// window of batches or pages), so a larger GC target costs a few tens of MB
// and saves a quarter of the CPU; the soft limit keeps the heap under 128
// MiB all the same. Imports keep indexes of the Wawi and stay at the
// default. GOGC and GOMEMLIMIT in the environment always win.
//
// An XLSX sink stays at the default too: excelize's stream buffer (up to
// 16 MB a sheet) and the rows held back to size the columns are live data,
// and five times that made the sink hold ~135 MB however small the export;
// at the default its peak stays near a bare StreamWriter's.
func TuneGC(job *Job) (restore func()) {
	if t, _ := LookupSinkType(job.Sink.Type); !t.WritesFile || job.Sink.Type == "xlsx" || os.Getenv("GOGC") != "" {
		return func() {}
	}
	gc := debug.SetGCPercent(400)
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() { debug.SetGCPercent(gc) }
	}
	limit := debug.SetMemoryLimit(128 << 20)
	return func() {
		debug.SetGCPercent(gc)
		debug.SetMemoryLimit(limit)
	}
}
