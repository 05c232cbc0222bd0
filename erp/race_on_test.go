//go:build race

package erp

// raceEnabled: the race detector counts allocations of its own.
const raceEnabled = true
