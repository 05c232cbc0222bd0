package priority

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// lower sets every thread of the process to nice lowNice. On Linux a
// nice value belongs to a thread, not to the process (setpriority with
// PRIO_PROCESS and 0 changes the calling thread only), and the Go runtime
// runs goroutines on several threads; threads started later inherit the
// value of the thread that starts them. A thread started while the list is
// walked may have copied the old value, so the walk repeats until it finds
// none left.
func lower() error {
	for range 4 {
		changed, err := lowerThreads()
		if err != nil || changed == 0 {
			return err
		}
	}
	return nil
}

// lowerThreads lowers the threads above lowNice and counts them.
func lowerThreads() (int, error) {
	d, err := os.Open("/proc/self/task")
	if err != nil {
		return 0, err
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, name := range names {
		tid, err := strconv.Atoi(name)
		if err != nil {
			continue
		}
		// getpriority's raw system call answers 20 - nice (1..40); x/sys
		// passes it on as the kernel gives it
		prio, err := unix.Getpriority(unix.PRIO_PROCESS, tid)
		if err != nil {
			continue // the thread ended
		}
		if 20-prio >= lowNice {
			continue
		}
		if err := unix.Setpriority(unix.PRIO_PROCESS, tid, lowNice); err != nil && err != unix.ESRCH {
			return changed, err
		}
		changed++
	}
	return changed, nil
}
