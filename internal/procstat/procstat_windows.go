//go:build windows

package procstat

import (
	"os"
	"syscall"
	"time"
)

// MaxRSSMB is 0 on Windows: an exited process's peak working set is not in
// its ProcessState (the benchmarks print n/a).
func MaxRSSMB(ps *os.ProcessState) float64 { return 0 }

// SelfCPU is this process's user + kernel time so far.
func SelfCPU() time.Duration {
	h, err := syscall.GetCurrentProcess()
	if err != nil {
		return 0
	}
	var creation, exit, kernel, user syscall.Filetime
	if syscall.GetProcessTimes(h, &creation, &exit, &kernel, &user) != nil {
		return 0
	}
	ft := func(f syscall.Filetime) time.Duration {
		return time.Duration((int64(f.HighDateTime)<<32 | int64(f.LowDateTime)) * 100)
	}
	return ft(kernel) + ft(user)
}
