// Package priority lowers the CPU priority of the running process, so that
// a bulk run gives way to the programs people work with.
//
// etl moves data through the Wawi's REST API, and the Wawi often runs on
// the same machine (JTL-Wawi OnPremise: its REST server and SQL Server on
// the merchant's Windows PC). Each request waits for that server; etl's
// own work (decoding, mapping, writing files) can lag a little behind and
// catch up. At below-normal priority the server and the people at their
// desks get the processor first. This is also what Windows' Task Scheduler
// gives a scheduled task by default (priority 7, below normal).
package priority

// Level is a CPU priority etl can run at.
type Level string

const (
	// Low is below normal: nice 10 on Linux and macOS, the "below normal"
	// priority class on Windows.
	Low Level = "low"
	// Normal leaves the priority the process was started with.
	Normal Level = "normal"
)

// lowNice is the nice value of Low: nice(1)'s default step, what Unix
// batch jobs conventionally run at.
const lowNice = 10

// Parse reads a --priority value.
func Parse(s string) (Level, bool) {
	switch Level(s) {
	case Low, Normal:
		return Level(s), true
	}
	return "", false
}

// Apply sets the process to level l. It never raises a priority: a
// process started at a lower one (nice 19, a scheduler's idle class)
// stays there. Normal changes nothing.
func Apply(l Level) error {
	if l != Low {
		return nil
	}
	return lower()
}
