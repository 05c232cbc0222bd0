package sinks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// docSink creates and updates documents found by a natural key: items and
// customers. Plan builds the document with mappings.Nest, finds the record
// (index or search), and compares field by field; Apply PATCHes only the
// changed fields, or POSTs a new record with a landed check that looks the
// key up again, so a lost answer never makes a duplicate.
type docSink struct {
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

// docPlan is the State of a docSink plan.
type docPlan struct {
	key   string
	doc   map[string]any
	entry *docEntry // nil for a create
}

// docConfig is what a resource adds to the generic document sink.
type docConfig struct {
	noun         string
	op           string
	match        string // canonical match path
	searchParam  string // list filter that finds candidates for the key
	createSchema string
	updateSchema string
}

func openDocs(s *ERPSink, cfg docConfig) (*docSink, error) {
	d := &docSink{s: s, noun: cfg.noun, op: cfg.op, def: s.def, match: cfg.match, keyIdx: -1,
		pending: map[string]*pendingCreate{}}
	var err error
	if d.createSchema, err = schemaNamed(cfg.createSchema); err != nil {
		return nil, err
	}
	update, err := schemaNamed(cfg.updateSchema)
	if err != nil {
		return nil, err
	}
	check := update
	if cfg.op == "create" {
		check = d.createSchema
	}
	var problems []string
	for _, t := range s.targets {
		canon, kind, msg := resolvePath(check, t.Path)
		if msg != "" && cfg.op == "upsert" {
			canon, kind, msg = resolvePath(d.createSchema, t.Path)
		}
		if msg != "" {
			problems = append(problems, fmt.Sprintf("target %q: %s", t.Path, msg))
			continue
		}
		if strings.EqualFold(canon, cfg.match) {
			d.keyIdx = len(d.targets)
		}
		d.targets = append(d.targets, mappings.Target{Path: canon, Type: t.Type, Column: t.Column})
		d.canon = append(d.canon, canon)
		d.kinds = append(d.kinds, kind)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("the %s sink cannot send these targets (%s): %s", cfg.noun, cfg.updateSchema, strings.Join(problems, "; "))
	}
	if d.keyIdx < 0 {
		return nil, fmt.Errorf("match_by %s: the mapping has no target %s, so %ss cannot be matched", cfg.match, cfg.match, cfg.noun)
	}
	d.shape = newDocShape(d.canon)
	d.idx = newKeyIndex[*docEntry](fmt.Sprintf("%ss by %s", cfg.noun, cfg.match), s.mode)
	d.idx.load = func(ctx context.Context) (*entries[*docEntry], error) {
		return loadDocIndex(ctx, s.c, d.def, nil, d.match, d.shape)
	}
	d.idx.search = func(ctx context.Context, key string) ([]*docEntry, error) {
		return searchDocs(ctx, s.c, d.def, url.Values{cfg.searchParam: {key}}, d.match, key, d.shape)
	}
	d.idx.probe = func(ctx context.Context) (int64, error) { return probeTotal(ctx, s.c, d.def.ListPath, nil) }
	return d, nil
}

func (d *docSink) sizeHint(n int64) { d.idx.hint.Store(n) }

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

func (d *docSink) plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
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
	st := &docPlan{key: key, doc: doc}
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
		return fail(it, key, fmt.Errorf("%d %ss have %s %q (ids %s): cannot tell which to write", len(es), d.noun, d.match, key, strings.Join(ids, ", "))), nil
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
func (d *docSink) checkCreate(doc map[string]any, it *pipeline.Item) error {
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

func (d *docSink) apply(ctx context.Context, p *pipeline.Plan) error {
	st, ok := p.State.(*docPlan)
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
		return fmt.Errorf("%d %ss have %s %q: cannot tell which to write", len(es), d.noun, d.match, st.key)
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
func (d *docSink) update(ctx context.Context, key string, e *docEntry, doc map[string]any, it *pipeline.Item) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	changes, body := d.diff(doc, e.vals, it)
	if len(changes) == 0 {
		return nil
	}
	if err := d.s.c.Patch(ctx, d.def.ItemURL(e.id), d.s.writeQuery, wire(body, false), nil); err != nil {
		if !answerLost(err) || !d.patchLanded(ctx, e.id, doc, it) {
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
func (d *docSink) patchLanded(ctx context.Context, id int64, doc map[string]any, it *pipeline.Item) bool {
	var rec map[string]any
	if err := d.s.c.Get(ctx, d.def.ItemURL(id), nil, &rec); err != nil {
		return false
	}
	changes, _ := d.diff(doc, d.shape.project(rec), it)
	return len(changes) == 0
}

// create POSTs doc. When the answer is lost, the key is looked up again:
// found means the first attempt landed, and its record is read back from
// that lookup instead of posting twice.
func (d *docSink) create(ctx context.Context, st *docPlan, it *pipeline.Item) error {
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
	err := d.s.c.Post(ctx, d.def.CreatePath, d.s.writeQuery, wire(st.doc, false), &out, landed)
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

// docShape lists the leaf paths the index keeps per record, and the lists
// among their parents whose length it keeps too. Indexed paths are widened
// to every lower index (Categories[1].CategoryId also keeps [0]) because
// Nest closes up gaps in lists.
type docShape struct {
	leaves []string
	lists  []string
	pos    map[string]int // path -> position in a projection
}

func newDocShape(paths []string) *docShape {
	sh := &docShape{pos: map[string]int{}}
	addLeaf := func(p string) {
		if _, ok := sh.pos[p]; !ok {
			sh.pos[p] = len(sh.leaves)
			sh.leaves = append(sh.leaves, p)
		}
	}
	lists := map[string]bool{}
	for _, p := range paths {
		for _, v := range widen(p) {
			addLeaf(v)
		}
		segs := strings.Split(p, ".")
		var prefix []string
		for _, seg := range segs {
			name, _, hasIdx := splitIndex(seg)
			if hasIdx {
				lp := strings.Join(append(slices.Clone(prefix), name), ".")
				if !lists[lp] {
					lists[lp] = true
					sh.lists = append(sh.lists, lp)
				}
			}
			prefix = append(prefix, seg)
		}
	}
	for _, l := range sh.lists {
		sh.pos["#"+l] = len(sh.leaves) + slices.Index(sh.lists, l)
	}
	return sh
}

// widen returns p with each index replaced by every index up to it
// (bounded, so a nested list cannot explode).
func widen(p string) []string {
	out := []string{""}
	for i, seg := range strings.Split(p, ".") {
		name, idx, hasIdx := splitIndex(seg)
		var next []string
		for _, o := range out {
			sep := "."
			if i == 0 {
				sep = ""
			}
			if !hasIdx {
				next = append(next, o+sep+seg)
				continue
			}
			for j := 0; j <= idx && len(next) < 256; j++ {
				next = append(next, o+sep+name+"["+strconv.Itoa(j)+"]")
			}
		}
		out = next
	}
	return out
}

func (sh *docShape) size() int { return len(sh.leaves) + len(sh.lists) }

// project keeps the shape's values of a document (the Wawi's or a planned
// one): leaves, then list lengths.
func (sh *docShape) project(doc map[string]any) projection {
	out := make(projection, sh.size())
	for i, p := range sh.leaves {
		if v, ok := record.Lookup(doc, p); ok {
			out[i] = packValue(v)
		}
	}
	for i, l := range sh.lists {
		v, _ := record.Lookup(doc, l)
		a, _ := v.([]any)
		out[len(sh.leaves)+i] = packLen(len(a))
	}
	return out
}

// current returns the kept value at path; ok=false when the shape does not
// keep it.
func (sh *docShape) current(vals projection, path string) (any, bool) {
	i, ok := sh.pos[path]
	if !ok || vals == nil || i >= len(vals) {
		return nil, ok
	}
	return unpackValue(vals[i]), true
}

// merge updates a projection after body (the changed part of doc) was
// written.
func (sh *docShape) merge(vals projection, doc, body map[string]any) {
	for i, p := range sh.leaves {
		if !under(body, p) {
			continue
		}
		v, ok := record.Lookup(doc, p)
		if ok {
			vals[i] = packValue(wire(v, false))
		} else {
			vals[i] = ""
		}
	}
	for i, l := range sh.lists {
		if v, ok := record.Lookup(body, l); ok {
			if a, ok := v.([]any); ok {
				vals[len(sh.leaves)+i] = packLen(len(a))
			}
		}
	}
}

// projection is what the index keeps of a record's values, in docShape's
// order: each value as one string whose first byte tells its kind (see
// packValue), so a value costs its text rather than an interface plus a
// boxed copy of it.
type projection []string

// packValue packs what compactValue keeps of v; unpackValue gives that back.
func packValue(v any) string {
	switch x := compactValue(v).(type) {
	case string:
		return "s" + x
	case json.Number:
		return "n" + string(x)
	case bool:
		if x {
			return "t"
		}
		return "f"
	case []string:
		b, _ := json.Marshal(x)
		return "a" + string(b)
	}
	return "" // nil
}

// packLen packs the length of a list.
func packLen(n int) string { return "l" + strconv.Itoa(n) }

func unpackValue(s string) any {
	if s == "" {
		return nil
	}
	switch s[0] {
	case 's':
		return s[1:]
	case 'n':
		return json.Number(s[1:])
	case 't':
		return true
	case 'f':
		return false
	case 'a':
		var l []string
		_ = json.Unmarshal([]byte(s[1:]), &l)
		return l
	case 'l':
		n, _ := strconv.Atoi(s[1:])
		return n
	}
	return nil
}

// under reports whether body holds a value at path or a list above it.
func under(body map[string]any, path string) bool {
	var cur any = body
	for seg := range strings.SplitSeq(path, ".") {
		name, _, hasIdx := splitIndex(seg)
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		v, ok := m[name]
		if !ok {
			return false
		}
		if hasIdx {
			return true // lists are written whole
		}
		cur = v
	}
	return true
}

// diff compares doc with a projection of the current record (nil: none)
// and returns one Change per changed field and the PATCH body: the changed
// leaves in their nested objects; a list that differs in any element or in
// length is sent whole.
func (d *docSink) diff(doc map[string]any, cur projection, it *pipeline.Item) ([]pipeline.Change, map[string]any) {
	body := map[string]any{}
	var changes []pipeline.Change
	types := map[string]mappings.Type{}
	for _, t := range d.targets {
		types[t.Path] = t.Type
	}
	var walk func(node map[string]any, path string, out map[string]any)
	walk = func(node map[string]any, path string, out map[string]any) {
		keys := make([]string, 0, len(node))
		for k := range node {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := node[k]
			p := joinPath(path, k)
			switch x := v.(type) {
			case map[string]any:
				sub := map[string]any{}
				walk(x, p, sub)
				if len(sub) > 0 {
					out[k] = sub
				}
			case []any:
				if ch := d.diffList(x, p, cur, types); len(ch) > 0 {
					changes = append(changes, ch...)
					out[k] = x
				}
			default:
				old, _ := d.shape.current(cur, p)
				if cur != nil && p == d.match && sameKey(old, x) {
					continue // matched ignoring case, as the Wawi does: not a rename
				}
				if cur == nil || !sameValue(old, x, types[p]) {
					changes = append(changes, pipeline.Change{Field: p, Old: oldValue(old, x), New: x})
					out[k] = x
				}
			}
		}
	}
	walk(doc, "", body)
	if cur == nil {
		for i := range changes {
			changes[i].Old = nil
		}
	}
	return changes, body
}

// diffList compares a list of doc with the kept values; Changes name the
// differing leaves, plus "<list>[]" with the old and new lengths when those
// differ.
func (d *docSink) diffList(list []any, path string, cur projection, types map[string]mappings.Type) []pipeline.Change {
	var changes []pipeline.Change
	var leaf func(v any, p string)
	leaf = func(v any, p string) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				leaf(x[k], p+"."+k)
			}
		default:
			old, _ := d.shape.current(cur, p)
			if cur == nil || !sameValue(old, x, typeOfIndexed(types, p)) {
				changes = append(changes, pipeline.Change{Field: p, Old: oldValue(old, x), New: x})
			}
		}
	}
	for i, el := range list {
		leaf(el, path+"["+strconv.Itoa(i)+"]")
	}
	if cur != nil {
		if n, ok := d.shape.current(cur, "#"+path); ok {
			if old, _ := n.(int); old != len(list) {
				changes = append(changes, pipeline.Change{Field: path + "[]", Old: int64(old), New: int64(len(list))})
			}
		}
	}
	return changes
}

// typeOfIndexed finds the mapping type of an indexed path, whose index may
// have moved when Nest closed up the list.
func typeOfIndexed(types map[string]mappings.Type, p string) mappings.Type {
	if t, ok := types[p]; ok {
		return t
	}
	strip := func(s string) string {
		var b strings.Builder
		depth := 0
		for _, r := range s {
			switch {
			case r == '[':
				depth++
			case r == ']':
				depth--
			case depth == 0:
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	sp := strip(p)
	for k, t := range types {
		if strip(k) == sp {
			return t
		}
	}
	return ""
}

func withArticle(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

func sameKey(cur, nv any) bool {
	c, ok1 := cur.(string)
	n, ok2 := nv.(string)
	return ok1 && ok2 && strings.EqualFold(strings.TrimSpace(c), strings.TrimSpace(n))
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}
