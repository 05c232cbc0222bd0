//go:build !race

package xlsxw

const raceEnabled = false
