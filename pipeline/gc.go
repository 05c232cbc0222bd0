package pipeline

import (
	"os"
	"runtime/debug"
)

// xlsxMemoryLimit is the soft memory limit of an XLSX export (see TuneGC).
const xlsxMemoryLimit = 64 << 20

// TuneGC sets the garbage collector for a job and returns what restores the
// previous settings. A job that writes a file holds little live data (a
// window of batches or pages), so a larger GC target costs a few tens of MB
// and saves a quarter of the CPU; the soft limit keeps the heap under 128
// MiB all the same. Imports keep indexes of the Wawi and stay at the
// default. GOGC and GOMEMLIMIT in the environment always win.
//
// An XLSX sink keeps the default target with a soft limit of 64 MiB
// instead: excelize's stream buffer (up to 16 MB a sheet) and the rows held
// back to size the columns are live data, and five times that made the sink
// hold ~135 MB however small the export. The limit keeps a large export
// near a bare StreamWriter's peak for a sixth more GC work.
func TuneGC(job *Job) (restore func()) {
	if job.Sink.Type == "xlsx" && os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		limit := debug.SetMemoryLimit(xlsxMemoryLimit)
		return func() { debug.SetMemoryLimit(limit) }
	}
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
