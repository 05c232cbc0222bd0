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
// The runner calls it after the planning pass (the deletions count against
// max_deletes) and again after the writing pass, which applies them.
type Pruner interface {
	PrunePlans(ctx context.Context) ([]*Plan, error)
}
