//go:build !race

package erp

const raceEnabled = false
