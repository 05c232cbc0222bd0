//go:build windows

package atomicfile

import (
	"errors"

	"golang.org/x/sys/windows"
)

// isSharingViolation: Windows refuses to replace a file another program
// has open (Excel showing the last report) with a sharing violation, or
// with access denied when that program opened it without FILE_SHARE_DELETE.
func isSharingViolation(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) || errors.Is(err, windows.ERROR_ACCESS_DENIED)
}
