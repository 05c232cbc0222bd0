package contract

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Coverage is a thread-safe set of exercised operation ids with counts. The
// zero value is ready to use.
type Coverage struct {
	mu  sync.Mutex
	ops map[string]int
}

// Add records one use of the operation.
func (c *Coverage) Add(opID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ops == nil {
		c.ops = map[string]int{}
	}
	c.ops[opID]++
}

// Merge adds every use recorded in other.
func (c *Coverage) Merge(other *Coverage) {
	if other == nil || other == c {
		return
	}
	other.mu.Lock()
	ops := make(map[string]int, len(other.ops))
	for k, v := range other.ops {
		ops[k] = v
	}
	other.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ops == nil {
		c.ops = map[string]int{}
	}
	for k, v := range ops {
		c.ops[k] += v
	}
}

// Count returns how often the operation was recorded.
func (c *Coverage) Count(opID string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ops[opID]
}

// Operations returns the sorted operation ids recorded.
func (c *Coverage) Operations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]string, 0, len(c.ops))
	for id := range c.ops {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// String lists the operations exercised, one per line with method, path and
// count, after a summary line ("12 of 209 spec operations exercised").
func (c *Coverage) String() string {
	ids := c.Operations()
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d spec operations exercised", len(ids), len(mustLoad().ops))
	for _, id := range ids {
		info := mustLoad().where[id]
		fmt.Fprintf(&b, "\n  %-6s %-45s %-50s %d", info.method, info.path, id, c.Count(id))
	}
	return b.String()
}
