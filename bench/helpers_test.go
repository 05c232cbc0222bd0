package bench

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
)

// allRoutes lists requests by route, sorted: "GET /items 200, ...".
func allRoutes(m map[string]int64) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// loadAvg is the 1, 5 and 15 minute load average (Linux), "?" elsewhere:
// every figure is reported with the load it was measured under.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
