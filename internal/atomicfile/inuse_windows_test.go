//go:build windows

package atomicfile

import (
	"os"
	"testing"

	"golang.org/x/sys/windows"
)

func TestSharingViolationWindows(t *testing.T) {
	for _, errno := range []windows.Errno{windows.ERROR_SHARING_VIOLATION, windows.ERROR_ACCESS_DENIED} {
		if !isSharingViolation(&os.LinkError{Op: "rename", Old: "a", New: "b", Err: errno}) {
			t.Errorf("%v is not taken for a file open elsewhere", errno)
		}
	}
	if isSharingViolation(&os.LinkError{Op: "rename", Old: "a", New: "b", Err: windows.ERROR_FILE_NOT_FOUND}) {
		t.Error("file not found is taken for a file open elsewhere")
	}
}
