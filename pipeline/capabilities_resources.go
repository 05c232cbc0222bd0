package pipeline

import "context"

// Pruner is implemented by sinks that can delete what the input no longer
// names: a sub-collection sink with prune: true (an item's descriptions,
// suppliers, ...). Once every record of a pass was planned, PrunePlans
// returns one plan per record the Wawi holds below the parents the input
// named that no record of the input named. Each has Outcome Updated, a nil
// Item, Key naming the record and one Change {Field: "(deleted)", Old:
// its key}; Apply deletes it. Through the usual plan path the deletions
// show in the dry-run diff, count against the guardrails (max_changes)
// and are journaled like any other write. With prune off it returns nil.
//
// The runner does not call it yet: wiring it in (after the planning pass,
// before the guardrails) is the runner's part.
type Pruner interface {
	PrunePlans(ctx context.Context) ([]*Plan, error)
}
