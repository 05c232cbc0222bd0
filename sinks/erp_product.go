package sinks

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// productSink plans an items import whose mapping names product parts
// (texts, images, variants, properties, custom fields; see
// erp_product_parts.go) as one record per product: the item's own fields
// through the generic keyedSink, which never sees the parts' targets, then
// each part against the item's id (0 when this record creates the item).
//
//	outcome    Created when the item is created; Updated when the item or
//	           any part changes; Unchanged when nothing does (nothing written)
//	changes    the item's fields, then each part's sub-rows
//	apply      the item first (a create yields the new id), then the parts
//	           by order; a part's error fails the record, named by the part
//
// A rerun after a partial failure plans again against the Wawi: the item is
// there (Unchanged or Updated), and each part writes what is still missing.
type productSink struct {
	keyed *keyedSink
	parts []openPart
	// itemIdx are the positions of the item's own targets in the mapping's
	// (and so in pipeline.Item.Values).
	itemIdx     []int
	itemTargets []mappings.Target
	// locks serialise the apply of records of one product (a file naming
	// a SKU twice): the parts' writes as well as the item's.
	locks stripedLocks
}

type openPart struct {
	label string
	part  productPart
}

// productSplit is what splitProductTargets found: the factories that claim
// targets with their targets' positions, and the item's own targets.
type productSplit struct {
	claimed []claimedPart
	itemIdx []int
	items   []mappings.Target
}

type claimedPart struct {
	f     partFactory
	idx   []int
	canon []string
}

// itemTargets are the item's own targets: all of them without parts.
func (sp *productSplit) itemTargets(all []mappings.Target) []mappings.Target {
	if sp == nil {
		return all
	}
	return sp.items
}

// splitProductTargets finds the targets that product parts claim. It
// returns nil for a mapping without part targets and for resources other
// than items.
func splitProductTargets(s *ERPSink) (*productSplit, error) {
	if s.def.Name != "items" || s.def.Parent != nil {
		return nil, nil
	}
	productPartsMu.Lock()
	factories := append([]partFactory(nil), productParts...)
	productPartsMu.Unlock()
	if len(factories) == 0 {
		return nil, nil
	}
	sort.SliceStable(factories, func(i, j int) bool { return factories[i].order < factories[j].order })
	sp := &productSplit{claimed: make([]claimedPart, len(factories))}
	var problems pipeline.TargetErrors
	for i, t := range s.targets {
		path := strings.TrimSpace(t.Path)
		owner := -1
		for j, f := range factories {
			if f.claims(path) {
				if owner >= 0 {
					problems = append(problems, pipeline.TargetError{Target: t.Path, Msg: "claimed by two parts of the product"})
					break
				}
				owner = j
			}
		}
		if owner < 0 {
			sp.itemIdx = append(sp.itemIdx, i)
			sp.items = append(sp.items, t)
			continue
		}
		c := &sp.claimed[owner]
		c.f = factories[owner]
		c.idx = append(c.idx, i)
		c.canon = append(c.canon, path)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if len(sp.itemIdx) == len(s.targets) {
		return nil, nil
	}
	kept := sp.claimed[:0]
	for _, c := range sp.claimed {
		if len(c.idx) > 0 {
			kept = append(kept, c)
		}
	}
	sp.claimed = kept
	return sp, nil
}

// prunes reports whether a part the mapping names prunes.
func (sp *productSplit) prunes() bool {
	return slices.ContainsFunc(sp.claimed, func(c claimedPart) bool { return c.f.prunes })
}

// productPrunes reports whether an items mapping with these target paths
// names a part that prunes (sink.prune is then valid): for checking a job
// before it runs.
func productPrunes(resource string, paths []string) bool {
	if !strings.EqualFold(strings.TrimSpace(resource), "items") {
		return false
	}
	productPartsMu.Lock()
	defer productPartsMu.Unlock()
	for _, f := range productParts {
		if !f.prunes {
			continue
		}
		for _, p := range paths {
			if f.claims(strings.TrimSpace(p)) {
				return true
			}
		}
	}
	return false
}

// openProduct opens the keyed planner on the item's own targets (a view
// of s whose targets are those) and the parts on s, whose targets stay
// the whole mapping's: a part's positions index s.targets and
// pipeline.Item.Values alike.
func openProduct(s *ERPSink, op string, sp *productSplit) (*productSink, error) {
	// sink.prune concerns the parts that prune (the item itself cannot be
	// pruned): the item's planner does not see it.
	spec := s.spec
	if spec.Prune {
		if !sp.prunes() {
			return nil, fmt.Errorf("sink.prune: items cannot be pruned; prune deletes the images of the items the input names that it does not name (map Images)")
		}
		c := *spec
		c.Prune = false
		spec = &c
	}
	view := &ERPSink{c: s.c, env: s.env, spec: spec, def: s.def, targets: sp.items, mode: s.mode,
		writeQuery: s.writeQuery, onMissingSkip: s.onMissingSkip, lookups: s.lookups, base: s.base}
	keyed, err := openKeyed(view, op)
	if err != nil {
		return nil, err
	}
	ps := &productSink{keyed: keyed, itemIdx: sp.itemIdx, itemTargets: sp.items}
	var problems pipeline.TargetErrors
	for _, c := range sp.claimed {
		p, err := c.f.open(s, c.idx, c.canon)
		if err != nil {
			var tes pipeline.TargetErrors
			if errors.As(err, &tes) {
				problems = append(problems, tes...)
				continue
			}
			return nil, err
		}
		ps.parts = append(ps.parts, openPart{label: p.label(), part: p})
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("the item sink cannot send these targets: %w", problems)
	}
	return ps, nil
}

// keyedOf is the keyed planner of a resource sink, the item's for a
// product.
func keyedOf(r resourceSink) (*keyedSink, bool) {
	switch x := r.(type) {
	case *keyedSink:
		return x, true
	case *productSink:
		return x.keyed, true
	}
	return nil, false
}

// productPlan is the State of a product's plan.
type productPlan struct {
	item  *pipeline.Plan // the keyed plan of the item's own fields
	id    int64          // the item's id at plan time, 0 for a new one
	key   string
	parts []plannedPart // the parts that change (or must apply), in apply order
	shown string        // the SKU as the input names it
	it    *pipeline.Item
}

type plannedPart struct {
	label   string
	plan    partPlan
	changed bool // it has changes (else it must be applied all the same)
}

// itemOf is the record as the item's planner sees it: its own targets.
func (ps *productSink) itemOf(it *pipeline.Item) *pipeline.Item {
	vals := make([]any, len(ps.itemIdx))
	for i, j := range ps.itemIdx {
		if j < len(it.Values) {
			vals[i] = it.Values[j]
		}
	}
	return &pipeline.Item{Rec: it.Rec, Targets: ps.itemTargets, Values: vals}
}

// plan plans the item, then every part for it: each part sees every
// record (the variants part learns the file's SKUs from all of them),
// also one that names nothing of it. A record whose item or part fails to
// plan is abandoned to the parts that wait on records (recordAbandoner).
func (ps *productSink) plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
	ip, err := ps.keyed.plan(ctx, ps.itemOf(it))
	if ip == nil || err != nil {
		return ip, err
	}
	// The report shows the whole row; the item's plan keeps its own view.
	p := &pipeline.Plan{Item: it, Outcome: ip.Outcome, Key: ip.Key, Err: ip.Err}
	if ip.Outcome == pipeline.Failed || ip.Outcome == pipeline.Skipped {
		ps.abandon(it, productItem{Key: ip.Key}, true)
		return p, nil
	}
	st, ok := ip.State.(*keyedPlan)
	if !ok {
		return nil, fmt.Errorf("item sink: plan without state")
	}
	pp := &productPlan{item: ip, key: st.key, shown: st.shown, it: it}
	if st.entry != nil {
		pp.id = st.entry.id
	}
	item := productItem{ID: pp.id, Key: st.shown}
	p.Changes = append(p.Changes, ip.Changes...)
	// The parts plan concurrently: a plan only reads, each part its own
	// sub-resource, so a record costs the slowest part's reads rather than
	// the sum of them. Results are taken in part order.
	type planned struct {
		plan partPlan
		err  error
	}
	res := make([]planned, len(ps.parts))
	ps.eachPart(func(i int, op openPart) {
		res[i].plan, res[i].err = op.part.plan(ctx, it, item)
	})
	for i, op := range ps.parts {
		part, err := res[i].plan, res[i].err
		if err != nil {
			ps.abandon(it, item, false)
			if perr := partRunErr(ctx, err); perr != nil {
				return nil, fmt.Errorf("%s: %w", op.label, perr)
			}
			return fail(it, ip.Key, fmt.Errorf("%s: %w", op.label, err)), nil
		}
		if part == nil {
			continue
		}
		ch := part.changes()
		if len(ch) == 0 {
			// applied all the same when it must be (a parent this record
			// creates); the record's outcome comes from its changes alone
			if m, ok := part.(mustApplyPlan); !ok || !m.mustApply() {
				continue
			}
		}
		p.Changes = append(p.Changes, ch...)
		pp.parts = append(pp.parts, plannedPart{label: op.label, plan: part, changed: len(ch) > 0})
	}
	if p.Outcome == pipeline.Unchanged && slices.ContainsFunc(pp.parts, func(pt plannedPart) bool { return pt.changed }) {
		p.Outcome = pipeline.Updated
	}
	p.State = pp
	return p, nil
}

// abandon tells the parts that wait on records that this record will not
// be written; seen first tells those that note every record of it, when
// they were not asked to plan it.
func (ps *productSink) abandon(it *pipeline.Item, item productItem, seen bool) {
	for _, op := range ps.parts {
		if s, ok := op.part.(recordSeer); ok && seen {
			s.seen(it, item)
		}
		if a, ok := op.part.(recordAbandoner); ok {
			a.abandoned(it, item)
		}
	}
}

// partRunErr is err when a part's plan error must stop the run rather than
// fail the record: marked fatal, the Wawi unavailable or credentials
// refused, the run cancelled; nil otherwise.
func partRunErr(ctx context.Context, err error) error {
	switch {
	case pipeline.IsFatal(err):
		return err
	case runFatal(err) || unavailable(err):
		return pipeline.Fatal(err)
	case ctx.Err() != nil:
		return err
	}
	return nil
}

func (ps *productSink) apply(ctx context.Context, p *pipeline.Plan) error {
	pp, ok := p.State.(*productPlan)
	if !ok {
		return fmt.Errorf("item sink: plan without state")
	}
	// what the record waits for, before its lock (see awaitingPlan); a
	// variant whose parent is not written is not created either
	for _, part := range pp.parts {
		if a, ok := part.plan.(awaitingPlan); ok {
			if err := a.await(ctx); err != nil {
				ps.abandon(pp.it, productItem{ID: pp.id, Key: pp.shown}, false)
				return fmt.Errorf("%s: %w", part.label, err)
			}
		}
	}
	unlock := ps.locks.lock(lowerKey(pp.key))
	defer unlock()
	id := pp.id
	// An unchanged item with a known id needs no write (nor, with a search
	// lookup, another read); a new id or a changed item goes through the
	// keyed planner, which also finds an item that an earlier record of
	// this run created since the plan.
	if id == 0 || pp.item.Outcome == pipeline.Created || pp.item.Outcome == pipeline.Updated {
		var err error
		if id, err = ps.keyed.write(ctx, pp.item); err != nil {
			ps.abandon(pp.it, productItem{ID: pp.id, Key: pp.shown}, false)
			return err
		}
	}
	// The first part (variants when named: a parent hands its id to the
	// variants waiting for it at once) applies alone; the rest write
	// different sub-resources of the item and apply concurrently. The
	// record fails with the first failing part in apply order.
	parts := pp.parts
	errs := make([]error, len(parts))
	if len(parts) > 0 && parts[0].plan != nil {
		if _, first := parts[0].plan.(mustApplyPlan); first {
			errs[0] = parts[0].plan.apply(ctx, id)
			if errs[0] == nil {
				runEach(len(parts)-1, func(i int) { errs[i+1] = parts[i+1].plan.apply(ctx, id) })
			}
		} else {
			runEach(len(parts), func(i int) { errs[i] = parts[i].plan.apply(ctx, id) })
		}
	}
	for i, err := range errs {
		if err != nil {
			ps.abandon(pp.it, productItem{ID: id, Key: pp.shown}, false)
			return fmt.Errorf("%s: %w", parts[i].label, err)
		}
	}
	return nil
}

// eachPart calls f for every part concurrently and returns when all are
// done.
func (ps *productSink) eachPart(f func(i int, op openPart)) {
	runEach(len(ps.parts), func(i int) { f(i, ps.parts[i]) })
}

// runEach calls f(0..n-1) concurrently (the last in the caller's
// goroutine) and returns when all are done.
func runEach(n int, f func(i int)) {
	if n == 1 {
		f(0)
		return
	}
	var wg sync.WaitGroup
	for i := 0; i < n-1; i++ {
		wg.Go(func() { f(i) })
	}
	if n > 0 {
		f(n - 1)
	}
	wg.Wait()
}

func (ps *productSink) sizeHint(n int64) { ps.keyed.sizeHint(n) }

func (ps *productSink) close() {
	ps.keyed.close()
	for _, op := range ps.parts {
		if c, ok := op.part.(interface{ close() }); ok {
			c.close()
		}
	}
}

// jobTargets are the target paths of a job's mapping (its includes loaded).
func jobTargets(job *pipeline.Job) []string {
	out := make([]string, len(job.Mapping.Fields))
	for i, f := range job.Mapping.Fields {
		out[i] = f.Target
	}
	return out
}
