//go:build unix

package procstat

import (
	"os"
	"runtime"
	"syscall"
	"time"
)

// MaxRSSMB is the peak resident memory of an exited child in MB (getrusage's
// ru_maxrss: KiB on Linux, bytes on macOS); 0 when unknown.
func MaxRSSMB(ps *os.ProcessState) float64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return float64(ru.Maxrss) / (1 << 20)
	}
	return float64(ru.Maxrss) / 1024
}

// SelfCPU is this process's user + system time so far.
func SelfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
