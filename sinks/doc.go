// # The ERP sink
//
// The ERP sink (sink type: erp) writes to the Wawi what the resource table
// of package erp says a resource is: its paths, its parent, its key, its
// list shape, its methods, its schemas. Every keyed collection — items,
// customers, categories, customer groups, an item's descriptions — goes
// through one generic planner (keyedSink): it reads the current state
// (index or search), diffs field by field, sends a minimal PATCH or a POST,
// and writes nothing for an unchanged record; a POST whose answer was lost
// is settled by looking the key up again before any retry. Only resources
// whose writes mean something else have their own planner: stocks (POST
// adds to the level) and salesOrders (created once, by ExternalNumber).
//
// # How to add a Wawi resource
//
// A keyed resource or sub-resource touches its definition, the emulator and
// tests — nothing else:
//
//  1. Definition (erp/resources.go): a ResourceDef row with ListPath,
//     ItemPath, CreatePath, Patchable, Deletable, Paged, the schemas and
//     CreateRequired as the spec has them, NaturalKeys, and Import (the noun
//     for messages; MatchBy for a top-level resource). A sub-resource goes in
//     its parent's Sub map with Parent (the parent's resource, the path
//     parameter its id fills, and the target prefix jobs name it by, e.g.
//     Item.SKU) and Key (which record fields fill which further path
//     parameters) — see the example below.
//     TestResourcesMatchSpec checks the row against the spec (paths,
//     methods, parameters, schemas, scopes); the sink's operations
//     (upsert, update, create as far as POST and PATCH exist), the job
//     checks of sink.resource and sink.operation (pipeline.LoadJob) and the
//     list of import targets all follow from it.
//  2. Emulator (erp/erptest/collection.go): a collectionDef row (top-level,
//     keyed by Id) or a childDef row (below a parent, keyed by path
//     parameters) with the spec's paths and operation ids, the record type
//     in types.go, the store field, and a seed field if tests need records
//     up front. TestCollectionsMatchResourceTable checks the row against the
//     definition.
//  3. Tests: emulator tests of the routes, and sink tests against the
//     emulator with contract validation (newERPEnv), which checks every
//     request and answer against the spec.
//
// An item's suppliers, for example, would be this row in items' Sub (jobs
// then name the item by a target Item.SKU and the supplier by SupplierId):
//
//	"suppliers": {
//		Name: "suppliers", ListPath: "/items/{itemId}/suppliers", CreatePath: "/items/{itemId}/suppliers",
//		ItemPath:  "/items/{itemId}/suppliers/{supplierId}",
//		Patchable: true, Deletable: true,
//		Parent:    &ParentRef{Resource: "items", Param: "itemId", Target: "Item"},
//		Key:       []KeyParam{{Field: "SupplierId", Param: "supplierId"}},
//		Schema:    "ItemSupplier", CreateSchema: "CreateItemSupplier", UpdateSchema: "UpdateItemSupplier",
//		CreateRequired: []string{"SupplierId"},
//		ListScope: "...", CreateScope: "...", UpdateScope: "...",
//		Import:    &Import{Noun: "item supplier", Prune: true},
//	},
//
// A row can say more: Import.Exclusive names a flag one record per parent
// holds (an item's standard supplier: two in one file fail, the Wawi's
// clearing of the others is known without a write); Import.KeyNames names
// key ids in the diff (Hahn (2)); Singleton marks one record per parent
// without a key (an item's special price: only updated, and the update
// schema's required fields go with every PATCH). An item is also found by a
// supplier's article number: target Item.SupplierSku with the supplier in
// SupplierId or Item.SupplierId (erp_keyed_suppliersku.go).
//
// A resource whose writes are not "find by key, then create or update"
// needs a planner of its own: set Import.Planner and add its case to
// OpenERP.
package sinks
