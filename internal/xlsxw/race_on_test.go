//go:build race

package xlsxw

// raceEnabled: the race detector counts allocations of its own.
const raceEnabled = true
