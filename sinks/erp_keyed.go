package sinks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
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
	s     *ERPSink
	noun  string // item, customer
	op    string // create, update, upsert
	def   *erp.ResourceDef
	match string // canonical path of the key (SKU, Identifiers.Gtin, Number)

	targets []mappings.Target // canonical paths, the mapping's types and columns
	canon   []string
	kinds   []fieldKind
	keyIdx  int

	createSchema *apiSchema
	shape        *docShape
	idx          *keyIndex[*docEntry]
	locks        stripedLocks

	// pending are creates planned but not yet applied, by key: a second
	// record with the same new key plans as an update of the first.
	pendingMu sync.Mutex
	pending   map[string]*pendingCreate
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
	key   string
	doc   map[string]any
	entry *docEntry // nil for a create
}

// openKeyed configures the generic planner for s.def.
func openKeyed(s *ERPSink, op string) (*keyedSink, error) {
	def := s.def
	if def.Parent != nil {
		return nil, fmt.Errorf("sink.resource %s: sub-resources (of %s) are not planned yet", def.Name, def.Parent.Resource)
	}
	op, err := def.Operation(op)
	if err != nil {
		return nil, err
	}
	nk, err := def.MatchKey(s.spec.MatchBy)
	if err != nil {
		return nil, err
	}
	d := &keyedSink{s: s, noun: def.Import.Noun, op: op, def: def, match: nk.Field, keyIdx: -1,
		pending: map[string]*pendingCreate{}}
	if err := d.resolveTargets(); err != nil {
		return nil, err
	}
	d.shape = newDocShape(d.canon)
	mode := s.mode
	if nk.Lookup == "" {
		// No list filter finds the key: read the (small) list whole.
		mode = modeIndex
	}
	d.idx = newKeyIndex[*docEntry](fmt.Sprintf("%s by %s", plural(d.noun), d.match), mode)
	d.idx.load = func(ctx context.Context) (*entries[*docEntry], error) {
		return loadDocIndex(ctx, s.c, d.def, nil, d.match, d.shape)
	}
	// search also serves the read-back of a create whose answer was lost.
	d.idx.search = func(ctx context.Context, key string) ([]*docEntry, error) {
		q := url.Values{}
		if nk.Lookup != "" {
			q.Set(nk.Lookup, key)
		}
		return searchDocs(ctx, s.c, d.def, q, d.match, key, d.shape)
	}
	if def.Paged {
		d.idx.probe = func(ctx context.Context) (int64, error) { return probeTotal(ctx, s.c, d.def.ListPath, nil) }
	}
	return d, nil
}

// resolveTargets checks every target against the body schema of the
// operation (update's, or create's for create; either for upsert) and keeps
// it in the spec's spelling with its JSON kind.
func (d *keyedSink) resolveTargets() error {
	var create, update *apiSchema
	var err error
	if d.def.CreatePath != "" {
		if create, err = schemaNamed(d.def.CreateSchema); err != nil {
			return err
		}
	}
	if d.def.Patchable {
		if update, err = schemaNamed(d.def.UpdateSchema); err != nil {
			return err
		}
	}
	d.createSchema = create
	check, other, name := update, create, d.def.UpdateSchema
	if d.op == "create" {
		check, other, name = create, nil, d.def.CreateSchema
	} else if d.op == "update" {
		other = nil
	}
	var problems []string
	for _, t := range d.s.targets {
		canon, kind, msg := resolvePath(check, t.Path)
		if msg != "" && other != nil {
			canon, kind, msg = resolvePath(other, t.Path)
		}
		if msg != "" {
			problems = append(problems, fmt.Sprintf("target %q: %s", t.Path, msg))
			continue
		}
		if strings.EqualFold(canon, d.match) {
			d.keyIdx = len(d.targets)
		}
		d.targets = append(d.targets, mappings.Target{Path: canon, Type: t.Type, Column: t.Column})
		d.canon = append(d.canon, canon)
		d.kinds = append(d.kinds, kind)
	}
	if len(problems) > 0 {
		return fmt.Errorf("the %s sink cannot send these targets (%s): %s", d.noun, name, strings.Join(problems, "; "))
	}
	if d.keyIdx < 0 {
		return fmt.Errorf("match_by %s: the mapping has no target %s, so %s cannot be matched", d.match, d.match, plural(d.noun))
	}
	return nil
}

// itemURL is the record's ItemPath, its key parameters filled from the
// entry.
func (d *keyedSink) itemURL(e *docEntry) (string, error) {
	vals := map[string]string{}
	for _, k := range d.def.KeyParams() {
		if k.Field != d.def.IDField {
			return "", fmt.Errorf("%s: key field %s is not kept by the index", d.def.Name, k.Field)
		}
		vals[k.Param] = fmtID(e.id)
	}
	return erp.FillPath(d.def.ItemPath, vals)
}

func plural(noun string) string {
	if strings.HasSuffix(noun, "y") {
		return noun[:len(noun)-1] + "ies"
	}
	return noun + "s"
}

func (d *keyedSink) sizeHint(n int64) { d.idx.hint.Store(n) }

// loadDocIndex pages through a list and keeps, per record, the id, the key
// and the projected values.
func loadDocIndex(ctx context.Context, c *erp.Client, def *erp.ResourceDef, q url.Values, match string, shape *docShape) (*entries[*docEntry], error) {
	m := newEntries[*docEntry]()
	for rec, err := range c.List(ctx, def.ListPath, q, indexPaging(c)) {
		if err != nil {
			return nil, err
		}
		e, k, ok := newDocEntry(rec, def, match, shape)
		if !ok {
			continue
		}
		m.add(k, e)
	}
	return m, nil
}

func newDocEntry(rec map[string]any, def *erp.ResourceDef, match string, shape *docShape) (*docEntry, string, bool) {
	id, ok := idOf(rec[def.IDField])
	if !ok {
		return nil, "", false
	}
	kv, _ := record.Lookup(rec, match)
	key := keyText(kv)
	if key == "" {
		return nil, "", false
	}
	e := &docEntry{id: id}
	if shape != nil {
		e.vals = shape.project(rec)
	}
	return e, lowerKey(key), true
}

// searchDocs asks the list filter for candidates and keeps those whose key
// field equals key exactly (ignoring case, like the Wawi's collation): the
// items' searchKeyWord also matches parts of SKUs and other fields.
func searchDocs(ctx context.Context, c *erp.Client, def *erp.ResourceDef, q url.Values, match, key string, shape *docShape) ([]*docEntry, error) {
	var out []*docEntry
	lk := lowerKey(key)
	for rec, err := range c.List(ctx, def.ListPath, q, erp.PageOptions{}) {
		if err != nil {
			return nil, err
		}
		e, k, ok := newDocEntry(rec, def, match, shape)
		if ok && k == lk {
			out = append(out, e)
		}
	}
	return out, nil
}

func keyText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(x)
	}
	if d, ok := toDecimal(v); ok {
		return d.String()
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

// prepare coerces a record's values to their API kinds and builds the
// document. A value the field cannot take fails the record.
func prepare(it *pipeline.Item, targets []mappings.Target, kinds []fieldKind) ([]any, map[string]any, error) {
	vals := make([]any, len(targets))
	for i := range targets {
		if i >= len(it.Values) {
			break
		}
		v, err := coerce(it.Values[i], kinds[i])
		if err != nil {
			return nil, nil, &FieldError{Field: targets[i].Path, Column: targets[i].Column, Err: err}
		}
		vals[i] = v
	}
	return vals, mappings.Nest(targets, vals), nil
}

func (d *keyedSink) plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
	vals, doc, err := prepare(it, d.targets, d.kinds)
	if err != nil {
		return fail(it, "", err), nil
	}
	key := keyText(vals[d.keyIdx])
	if key == "" {
		t := d.s.targets[d.keyIdx]
		return fail(it, "", &FieldError{Field: t.Path, Column: t.Column, Err: fmt.Errorf("%s is empty: the %s cannot be matched", d.match, d.noun)}), nil
	}
	p := &pipeline.Plan{Item: it, Key: key}
	st := &keyedPlan{key: key, doc: doc}
	p.State = st
	es, err := d.idx.get(ctx, key)
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
	lk := lowerKey(key)
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
	st, ok := p.State.(*keyedPlan)
	if !ok {
		return fmt.Errorf("%s sink: plan without state", d.noun)
	}
	unlock := d.locks.lock(lowerKey(st.key))
	defer unlock()
	// What this run wrote, or the index: the record may have been created
	// by another record of this run since the plan.
	es, err := d.idx.get(ctx, st.key)
	if err != nil {
		return err
	}
	switch {
	case len(es) > 1:
		return fmt.Errorf("%d %s have %s %q: cannot tell which to write", len(es), plural(d.noun), d.match, st.key)
	case len(es) == 1:
		if d.op == "create" && st.entry == nil && p.Outcome == pipeline.Created {
			// created by an earlier record of this run with the same key
			return fmt.Errorf("%s %s %q was created by an earlier record of this file; operation create does not update it", d.noun, d.match, st.key)
		}
		return d.update(ctx, st.key, es[0], st.doc, p.Item)
	}
	if d.op == "update" {
		return fmt.Errorf("no %s with %s %q in the Wawi", d.noun, d.match, st.key)
	}
	return d.create(ctx, st, p.Item)
}

// update PATCHes the fields of doc that differ from e, the record with key,
// and only those.
func (d *keyedSink) update(ctx context.Context, key string, e *docEntry, doc map[string]any, it *pipeline.Item) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	changes, body := d.diff(doc, e.vals, it)
	if len(changes) == 0 {
		return nil
	}
	u, err := d.itemURL(e)
	if err != nil {
		return err
	}
	if err := d.s.c.Patch(ctx, u, d.s.writeQueryFor(d.def.UpdateQuery), wire(body, false), nil); err != nil {
		if !answerLost(err) || !d.patchLanded(ctx, u, doc, it) {
			return wrapWriteErr(apiFieldErr(d.s.targets, d.canon, err, nil))
		}
	}
	d.shape.merge(e.vals, doc, body)
	d.idx.put(key, []*docEntry{e})
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
// absolute values, so when the record holds what doc says, it landed.
func (d *keyedSink) patchLanded(ctx context.Context, u string, doc map[string]any, it *pipeline.Item) bool {
	var rec map[string]any
	if err := d.s.c.Get(ctx, u, nil, &rec); err != nil {
		return false
	}
	changes, _ := d.diff(doc, d.shape.project(rec), it)
	return len(changes) == 0
}

// create POSTs doc. When the answer is lost, the key is looked up again:
// found means the first attempt landed, and its record is read back from
// that lookup instead of posting twice.
func (d *keyedSink) create(ctx context.Context, st *keyedPlan, it *pipeline.Item) error {
	if err := d.checkCreate(st.doc, it); err != nil {
		return err
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
	var out map[string]any
	err := d.s.c.Post(ctx, d.def.CreatePath, d.s.writeQueryFor(d.def.CreateQuery), wire(st.doc, false), &out, landed)
	var e *docEntry
	switch {
	case errors.Is(err, erp.ErrLandedElsewhere) && len(found) == 1:
		e = found[0]
	case err != nil:
		return wrapWriteErr(apiFieldErr(d.s.targets, d.canon, err, nil))
	default:
		var ok bool
		if e, _, ok = newDocEntry(out, d.def, d.match, d.shape); !ok {
			// The answer lacks the key (the Wawi generated one?): read back.
			es, err := d.idx.fresh(ctx, st.key)
			if err != nil || len(es) != 1 {
				return fmt.Errorf("%s %q was created but cannot be read back: %v", d.noun, st.key, err)
			}
			e = es[0]
		}
	}
	d.idx.put(st.key, []*docEntry{e})
	d.pendingMu.Lock()
	delete(d.pending, lowerKey(st.key))
	d.pendingMu.Unlock()
	return nil
}
