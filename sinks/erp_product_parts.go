package sinks

import (
	"context"
	"sync"

	"github.com/wawi-etl/etl/pipeline"
)

// A product is more than the item's own fields: texts per language,
// images, its variants, properties (Merkmale) and custom fields live in
// sub-resources of the item. An items import whose mapping names any of
// them plans the whole product as one record: the item's own fields go
// through the generic planner, every other part through a productPart,
// and the record's plan (one outcome, one diff entry with sub-rows, one
// journal entry) is the sum of them. A failure in any part fails the
// record and names the part; a rerun plans again against the Wawi and
// completes what is missing without repeating what landed.
//
// A part claims the mapping targets under its prefix (Descriptions.,
// Images, Variant., Properties., CustomFields.): those never reach the
// item's body. Parts register themselves with registerProductPart in an
// init function of their own file.

// productPart is one kind of sub-resource of a product, configured once per
// run from the targets it claims.
type productPart interface {
	// label names the part in the diff and in errors: Texte, Bilder.
	label() string
	// plan reads what the Wawi holds of this part for the item and
	// compares it with the record. item.ID is 0 when the item does not exist
	// yet (this record creates it): everything the record names is then new.
	// The part reads its values from it.Values at the positions it was
	// opened with (typed by the mapping). It returns nil when the record
	// names nothing of this part.
	// A record-level problem is returned as an error (it fails the record,
	// named by the part); wrap it with pipeline.Fatal to stop the run.
	plan(ctx context.Context, it *pipeline.Item, item productItem) (partPlan, error)
}

// productItem is the item a part belongs to.
type productItem struct {
	ID  int64  // 0: created by this record, known at apply time
	Key string // as the input names it (the SKU), for messages
}

// partPlan is what one part of one record would write.
type partPlan interface {
	// changes are the part's sub-rows in the diff, Field naming what a
	// merchant recognises: "Text de: Name", "Bild 2", "Merkmal Farbe",
	// "Variante Rot / M". Empty when the part is unchanged.
	changes() []pipeline.Change
	// apply writes the changes for the item with id itemID (the item's
	// apply ran first). It writes only what the plan found different, and
	// a write whose answer was lost is read back before it is repeated.
	apply(ctx context.Context, itemID int64) error
}

// partFactory opens a part from the targets it claims; idx are their
// positions in the mapping's targets (and so in pipeline.Item.Values),
// canon their paths as the mapping writes them (trimmed; the case as
// written: the part reads its own syntax, ignoring case).
// An open error that is a pipeline.TargetErrors is placed at the targets'
// lines by etl validate.
type partFactory struct {
	// claims reports whether a target path (trimmed, the case as
	// written) belongs to the part.
	claims func(path string) bool
	open   func(s *ERPSink, idx []int, canon []string) (productPart, error)
	// order is the position in which parts are applied (lower first):
	// variants (0) first, so that a parent this record creates hands its id
	// to the variants waiting for it at once; then texts (20), then images
	// (30), whose uploads take longest: a failure there leaves the rest
	// written.
	order int
	// prunes: with sink.prune the part deletes what the input does not
	// name (a pruningPart), which makes prune: true valid on items.
	prunes bool
}

// Optional behaviour of parts and their plans, which the composite asks
// for:
//
//	recordSeer       sees every record planned, also one whose item
//	                 fails to plan (the variants part learns the file's SKUs)
//	recordAbandoner  hears of a planned record that will not be written
//	                 (erp_product_variants.go)
//	pruningPart      deletes with sink.prune (erp_product_images.go)
//	mustApplyPlan    a plan applied although it shows no change
//	awaitingPlan     a plan that waits for another record first

// recordSeer is a part that is told of every record of the input the
// sink plans, including those whose item cannot be planned (then it is not
// asked to plan them).
type recordSeer interface {
	seen(it *pipeline.Item, item productItem)
}

// mustApplyPlan is a part's plan that has to be applied even when it
// shows no change (a parent this record creates wakes its variants).
type mustApplyPlan interface {
	mustApply() bool
}

// awaitingPlan is a part's plan that waits for another record before it
// can be written (a variant for its parent's row). The composite calls
// await before it takes the record's lock, which is striped: a record
// waiting under it could hold up the very record it waits for.
type awaitingPlan interface {
	await(ctx context.Context) error
}

var (
	productPartsMu sync.Mutex
	productParts   []partFactory
)

// registerProductPart adds a kind of part (called from init).
func registerProductPart(f partFactory) {
	productPartsMu.Lock()
	defer productPartsMu.Unlock()
	productParts = append(productParts, f)
}

// prefixClaims is a claims function for the targets under prefix,
// ignoring case as the API's field names do (Descriptions. claims
// Descriptions.de.Name and descriptions.en.Name).
func prefixClaims(prefix string) func(string) bool {
	return func(path string) bool { return hasPrefixFold(path, prefix) }
}
