package priority

import "golang.org/x/sys/windows"

// lower sets the process's priority class to below normal, unless it runs
// at a lower one already (idle).
func lower() error {
	p := windows.CurrentProcess()
	class, err := windows.GetPriorityClass(p)
	if err != nil {
		return err
	}
	if class == windows.IDLE_PRIORITY_CLASS || class == windows.BELOW_NORMAL_PRIORITY_CLASS {
		return nil
	}
	return windows.SetPriorityClass(p, windows.BELOW_NORMAL_PRIORITY_CLASS)
}
