//go:build !unix && !windows

package priority

// lower does nothing where the system has no priorities etl knows.
func lower() error { return nil }
