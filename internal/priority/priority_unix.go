//go:build unix && !linux

package priority

import "golang.org/x/sys/unix"

// lower sets the process to nice lowNice (on these systems a nice value
// belongs to the whole process).
func lower() error {
	prio, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	if err != nil {
		return err
	}
	if prio >= lowNice {
		return nil
	}
	return unix.Setpriority(unix.PRIO_PROCESS, 0, lowNice)
}
