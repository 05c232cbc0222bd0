package sinks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// keyedSink is the generic planner for keyed collections: every import
// target whose ResourceDef has no planner of its own (items, customers,
// categories, customerGroups, ...). It is configured from the definition
// alone: the operations from the methods the API has, the match key from
// Import.MatchBy and NaturalKeys, the bodies from the create and update
// schemas, the URLs from ItemPath and the key parameters. Plan builds the
// document with mappings.Nest, finds the record (index or search), and
// compares field by field; Apply PATCHes only the changed fields, or POSTs a
// new record with a landed check that looks the key up again, so a lost
// answer never makes a duplicate.
type keyedSink struct {
	s    *ERPSink
	noun string // item, customer
	op   string // create, update, upsert
	def  *erp.ResourceDef
	// match is the key's field path (SKU, Identifiers.Gtin, Number), or the
	// key fields joined by + (SalesChannelId+LanguageIso).
	match     string
	keyFields []string

	// targets are the mapping's, aligned with s.targets: canonical paths,
	// the mapping's types and columns; body are those sent (all but the
	// parent's), bodyIdx their positions.
	targets []mappings.Target
	canon   []string
	kinds   []fieldKind
	body    []mappings.Target
	bodyIdx []int
	keyIdxs []int // the key fields' targets

	// parent finds a sub-resource's parent from target parentIdx; lists
	// are the parents' records as read in this run.
	parent    *parentFinder
	parentIdx int
	listsMu   sync.Mutex
	lists     map[string]*childList

	// prune: the records of a named parent that the input does not name
	// are deleted (see prunePlans); seen are the keys named, by parent.
	prune  bool
	seenMu sync.Mutex
	seen   map[int64]map[string]bool
	// parentKeys are the parents' keys as the input names them.
	parentKeys map[int64]string

	createSchema *apiSchema
	shape        *docShape
	idx          *keyIndex[*docEntry]
	locks        stripedLocks

	// pending are creates planned but not yet applied, by key: a second
	// record with the same new key plans as an update of the first.
	pendingMu sync.Mutex
	pending   map[string]*pendingCreate

	// excl keeps Import.Exclusive (one standard supplier per item).
	excl *exclusive
	// supplierIdx is the target of the supplier whose article number
	// finds the parent (Item.SupplierSku), -1 when none.
	supplierIdx int
}

type pendingCreate struct {
	row  int
	vals projection // of the planned document
}

// docEntry is what the index keeps of one record: its id and the current
// values of the fields the mapping targets (see docShape); its key is the
// index's. mu guards vals, which Apply updates after a write. An index holds
// one per record of the Wawi, so every byte counts.
type docEntry struct {
	id   int64
	mu   sync.Mutex
	vals projection
}

func (e *docEntry) snapshot() projection {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.vals)
}

// keyedPlan is the State of a keyedSink plan.
type keyedPlan struct {
	key       string   // in the index: the key, or parent id and key values joined by keySep
	shown     string   // for people: A-1, or A-1 / 1 / de
	keyVals   []string // the key fields' values
	parentID  int64
	parentKey string // as the input names the parent: A-1
	doc       map[string]any
	entry     *docEntry // nil for a create
}

func (d *keyedSink) plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
	vals, err := coerceAll(it, d.targets, d.kinds)
	if err != nil {
		return fail(it, "", err), nil
	}
	bvals := make([]any, len(d.bodyIdx))
	for i, j := range d.bodyIdx {
		bvals[i] = vals[j]
	}
	doc := mappings.Nest(d.body, bvals)
	st, done, err := d.locate(ctx, it, vals)
	if st == nil {
		return done, err
	}
	key := st.shown
	st.doc = doc
	if d.excl != nil {
		if err := d.excl.claim(st, it, vals, d.parent.noun, d.match); err != nil {
			t := d.targets[d.excl.idx]
			return fail(it, key, &FieldError{Field: t.Path, Column: t.Column, Err: err}), nil
		}
	}
	if d.prune {
		d.named(st)
	}
	p := &pipeline.Plan{Item: it, Key: key, State: st}
	es, err := d.idx.get(ctx, st.key)
	if err != nil {
		return lookupErr(it, key, err)
	}
	switch {
	case len(es) > 1:
		ids := make([]string, len(es))
		for i, e := range es {
			ids[i] = fmtID(e.id)
		}
		return fail(it, key, fmt.Errorf("%d %s have %s %q (ids %s): cannot tell which to write", len(es), plural(d.noun), d.match, key, strings.Join(ids, ", "))), nil
	case len(es) == 1:
		if d.op == "create" {
			return fail(it, key, fmt.Errorf("%s %s %q exists already (id %d); operation create only creates (use upsert to update it)", d.noun, d.match, key, es[0].id)), nil
		}
		st.entry = es[0]
		p.Changes, _ = d.diff(doc, st.entry.snapshot(), it)
		if len(p.Changes) == 0 {
			p.Outcome = pipeline.Unchanged
		} else {
			p.Outcome = pipeline.Updated
		}
		return p, nil
	}
	if d.op == "update" {
		err := fmt.Errorf("no %s with %s %q in the Wawi", d.noun, d.match, key)
		if d.s.onMissingSkip {
			return &pipeline.Plan{Item: it, Key: key, Outcome: pipeline.Skipped}, nil
		}
		return fail(it, key, err), nil
	}
	// A new record. Another record of this run may create the same key:
	// plan against what that one will write.
	lk := lowerKey(st.key)
	row := 0
	if it.Rec != nil {
		row = it.Rec.Row
	}
	d.pendingMu.Lock()
	pc := d.pending[lk]
	if pc == nil || pc.row == row {
		if err := d.checkCreate(doc, it); err != nil {
			d.pendingMu.Unlock()
			return fail(it, key, err), nil
		}
		d.pending[lk] = &pendingCreate{row: row, vals: d.shape.project(wire(doc, false).(map[string]any))}
		d.pendingMu.Unlock()
		p.Outcome = pipeline.Created
		p.Changes, _ = d.diff(doc, nil, it)
		return p, nil
	}
	cur := pc.vals
	d.pendingMu.Unlock()
	p.Changes, _ = d.diff(doc, cur, it)
	if len(p.Changes) == 0 {
		p.Outcome = pipeline.Unchanged
	} else {
		p.Outcome = pipeline.Updated
	}
	return p, nil
}

// checkCreate reports the required fields of the create body that the
// document lacks, naming the target and column when the mapping has one.
func (d *keyedSink) checkCreate(doc map[string]any, it *pipeline.Item) error {
	miss := missingRequired(d.createSchema, doc, "")
	if len(miss) == 0 {
		return nil
	}
	req := slices.Clone(d.createSchema.Required)
	sort.Strings(req)
	err := fmt.Errorf("creating %s needs %s; missing or empty: %s", withArticle(d.noun), strings.Join(req, ", "), strings.Join(miss, ", "))
	for _, m := range miss {
		if t, ok := targetFor(d.s.targets, d.canon, m); ok {
			return &FieldError{Field: t.Path, Column: t.Column, Err: err}
		}
	}
	return err
}

func (d *keyedSink) apply(ctx context.Context, p *pipeline.Plan) error {
	if pp, ok := p.State.(*prunePlan); ok {
		return d.delete(ctx, pp)
	}
	_, err := d.write(ctx, p)
	return err
}

// write is apply of a keyedPlan; it returns the id of the record written
// (the new one for a create), which a product's parts need.
func (d *keyedSink) write(ctx context.Context, p *pipeline.Plan) (int64, error) {
	st, ok := p.State.(*keyedPlan)
	if !ok {
		return 0, fmt.Errorf("%s sink: plan without state", d.noun)
	}
	unlock := d.locks.lock(lowerKey(st.key))
	defer unlock()
	// What this run wrote, or the index: the record may have been created
	// by another record of this run since the plan.
	es, err := d.idx.get(ctx, st.key)
	if err != nil {
		return 0, err
	}
	switch {
	case len(es) > 1:
		return 0, fmt.Errorf("%d %s have %s %q: cannot tell which to write", len(es), plural(d.noun), d.match, st.shown)
	case len(es) == 1:
		if d.op == "create" && st.entry == nil && p.Outcome == pipeline.Created {
			// created by an earlier record of this run with the same key
			return 0, fmt.Errorf("%s %s %q was created by an earlier record of this file; operation create does not update it", d.noun, d.match, st.shown)
		}
		return es[0].id, d.update(ctx, st, es[0], p.Item)
	}
	if d.op == "update" {
		return 0, fmt.Errorf("no %s with %s %q in the Wawi", d.noun, d.match, st.shown)
	}
	return d.create(ctx, st, p.Item)
}

// update PATCHes the fields of doc that differ from e, the record with key,
// and only those.
//
// e.mu is held only to read and to change e.vals, never across a call into
// the index: the index may spill its entries to disk, and encoding one
// takes its lock (docCodec). The writes of one key are one at a time
// (keyedSink.locks), so what was read is what the PATCH changes.
func (d *keyedSink) update(ctx context.Context, st *keyedPlan, e *docEntry, it *pipeline.Item) error {
	doc := st.doc
	changes, body := d.diff(doc, e.snapshot(), it)
	if len(changes) == 0 {
		return nil
	}
	d.withRequired(body, doc)
	u, err := d.itemURL(st, e)
	if err != nil {
		return err
	}
	if err := d.s.c.Patch(ctx, u, d.s.writeQueryFor(d.def.UpdateQuery), wire(body, false), nil); err != nil {
		if !answerLost(err) || !d.patchLanded(ctx, st, u, it) {
			return wrapWriteErr(apiFieldErr(d.s.targets, d.canon, err, nil))
		}
	}
	e.mu.Lock()
	d.shape.merge(e.vals, doc, body)
	e.mu.Unlock()
	d.idx.put(st.key, []*docEntry{e})
	d.clearSiblings(ctx, st)
	return nil
}

// answerLost reports whether a failed write may have been performed: the
// server answered 5xx (the client repeats 502-504 itself, never 500, which
// the emulator and proxies also send for a write whose answer was lost).
func answerLost(err error) bool {
	var ae *erp.APIError
	return errors.As(err, &ae) && ae.Status >= 500
}

// patchLanded reads a record back after a PATCH in doubt: a PATCH sends
// absolute values, so when the record holds what the plan's document says,
// it landed. A sub-resource has no GET of one record: its parent's list is
// read again.
func (d *keyedSink) patchLanded(ctx context.Context, st *keyedPlan, u string, it *pipeline.Item) bool {
	var cur projection
	if d.def.Parent != nil {
		es, err := d.idx.fresh(ctx, st.key)
		if err != nil || len(es) != 1 {
			return false
		}
		cur = es[0].snapshot()
	} else {
		var rec map[string]any
		if err := d.s.c.Get(ctx, u, nil, &rec); err != nil {
			return false
		}
		cur = d.shape.project(rec)
	}
	changes, _ := d.diff(st.doc, cur, it)
	return len(changes) == 0
}

// create POSTs doc. When the answer is lost, the key is looked up again:
// found means the first attempt landed, and its record is read back from
// that lookup instead of posting twice.
func (d *keyedSink) create(ctx context.Context, st *keyedPlan, it *pipeline.Item) (int64, error) {
	if err := d.checkCreate(st.doc, it); err != nil {
		return 0, err
	}
	var found []*docEntry
	landed := func(ctx context.Context) (bool, error) {
		es, err := d.idx.fresh(ctx, st.key)
		if err != nil {
			return false, err
		}
		found = es
		return len(es) > 0, nil
	}
	u, err := d.createURL(st)
	if err != nil {
		return 0, err
	}
	var out map[string]any
	err = d.s.c.Post(ctx, u, d.s.writeQueryFor(d.def.CreateQuery), wire(st.doc, false), &out, landed)
	var e *docEntry
	switch {
	case errors.Is(err, erp.ErrLandedElsewhere) && len(found) == 1:
		e = found[0]
	case err != nil:
		return 0, wrapWriteErr(apiFieldErr(d.s.targets, d.canon, err, nil))
	default:
		var ok bool
		if e, _, ok = newDocEntry(out, d.def, d.match, d.shape); !ok {
			// The answer lacks the key (the Wawi generated one?): read back.
			es, err := d.idx.fresh(ctx, st.key)
			if err != nil || len(es) != 1 {
				return 0, fmt.Errorf("%s %q was created but cannot be read back: %v", d.noun, st.shown, err)
			}
			e = es[0]
		}
	}
	d.idx.put(st.key, []*docEntry{e})
	d.clearSiblings(ctx, st)
	d.pendingMu.Lock()
	delete(d.pending, lowerKey(st.key))
	d.pendingMu.Unlock()
	return e.id, nil
}

// locate computes a record's key and, for a sub-resource, finds its
// parent. Without a key it returns the finished plan (Failed, or Skipped
// for a missing parent with on_missing: skip) or a run error.
func (d *keyedSink) locate(ctx context.Context, it *pipeline.Item, vals []any) (*keyedPlan, *pipeline.Plan, error) {
	st := &keyedPlan{}
	for i, ti := range d.keyIdxs {
		v := keyText(vals[ti])
		if v == "" {
			t := d.s.targets[ti]
			return nil, fail(it, "", &FieldError{Field: t.Path, Column: t.Column, Err: fmt.Errorf("%s is empty: the %s cannot be matched", d.keyFields[i], d.noun)}), nil
		}
		st.keyVals = append(st.keyVals, v)
	}
	own := strings.Join(st.keyVals, keySep)
	st.key, st.shown = own, d.showKey(ctx, st.keyVals)
	if d.def.Parent == nil {
		return st, nil, nil
	}
	t := d.s.targets[d.parentIdx]
	pk := keyText(vals[d.parentIdx])
	if pk == "" {
		return nil, fail(it, "", &FieldError{Field: t.Path, Column: t.Column, Err: fmt.Errorf("%s is empty: the %s cannot be found", d.canon[d.parentIdx], d.parent.noun)}), nil
	}
	if len(st.keyVals) == 0 {
		st.shown = pk // a singleton: the parent is the key
	} else {
		st.shown = pk + " / " + st.shown
	}
	var pid int64
	var err error
	if d.parent.bySku != nil {
		sk, ok := d.supplierSkuKey(vals, pk)
		if !ok {
			st := d.s.targets[d.supplierIdx]
			return nil, fail(it, "", &FieldError{Field: st.Path, Column: st.Column, Err: fmt.Errorf("the supplier is empty: the item of article number %q cannot be found", pk)}), nil
		}
		pid, err = d.parent.findBySupplierSku(ctx, d, sk)
	} else {
		pid, err = d.parent.find(ctx, pk)
	}
	var mp *missingParentError
	switch {
	case errors.As(err, &mp) && d.s.onMissingSkip:
		return nil, &pipeline.Plan{Item: it, Key: st.shown, Outcome: pipeline.Skipped}, nil
	case errors.As(err, &mp):
		return nil, fail(it, st.shown, &FieldError{Field: t.Path, Column: t.Column, Err: err}), nil
	case err != nil:
		p, err := lookupErr(it, st.shown, err)
		return nil, p, err
	}
	st.parentID, st.parentKey = pid, pk
	st.key = fmtID(pid) + keySep + own
	return st, nil, nil
}
