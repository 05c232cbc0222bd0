//go:build !windows

package atomicfile

// isSharingViolation is false where an open file can be renamed over: the
// program that has it open keeps reading the old one.
func isSharingViolation(error) bool { return false }
