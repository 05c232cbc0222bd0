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
// instead. Its rows go to a temporary file (xlsxw.TableOptions.Spool), so
// its live data is small, but its memory is held to that of a bare excelize
// StreamWriter (go run ./bench/xlsxmem: ~40 MB at 10,000 rows), and GOGC=400
// adds a quarter to it there. The limit caps what the rows held back to
// size the columns cost when their texts are long.
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
