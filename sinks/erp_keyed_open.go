package sinks

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/internal/jsondoc"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// keySep joins the parts of a composite key (the parent's id, then the
// values of the key fields) in an index.
const keySep = "\x1f"

// openKeyed configures the generic planner for s.def.
//
// A top-level resource is matched by one natural key (match_by, default
// the first of Import.MatchBy) and found through its index or list filter.
// A sub-resource (def.Parent) is matched by its key fields (def.Key) within
// its parent, which a target under Parent.Target names (Item.SKU, Item.Id):
// the parent is found like the records of a top-level resource, then its
// list (one GET per parent and run) holds the current records.
func openKeyed(s *ERPSink, op string) (*keyedSink, error) {
	def := s.def
	op, err := def.Operation(op)
	if err != nil {
		return nil, err
	}
	d := &keyedSink{s: s, noun: def.Import.Noun, op: op, def: def, parentIdx: -1, supplierIdx: -1, pending: map[string]*pendingCreate{}}
	var lookup string
	if bySupplierSku(s) { // erp_keyed_suppliersku.go
		if err := d.openItemsBySupplierSku(); err != nil {
			return nil, err
		}
	} else if def.Parent == nil {
		nk, err := def.MatchKey(s.spec.MatchBy)
		if err != nil {
			return nil, err
		}
		d.keyFields, lookup = []string{nk.Field}, nk.Lookup
	} else {
		if by := strings.TrimSpace(s.spec.MatchBy); by != "" {
			return nil, fmt.Errorf("sink.match_by %q: %s are matched by their key within the %s (%s)", by, plural(d.noun), def.Parent.Resource, keyFieldNames(def))
		}
		for _, k := range def.KeyParams() {
			d.keyFields = append(d.keyFields, k.Field)
		}
	}
	if s.spec.Prune && !def.Import.Prune {
		return nil, fmt.Errorf("sink.prune: %s cannot be pruned (only sub-collections that allow DELETE)", def.Name)
	}
	d.prune = s.spec.Prune
	d.match = strings.Join(d.keyFields, "+")
	if err := d.resolveTargets(); err != nil {
		return nil, err
	}
	if err := d.checkSupplierSku(); err != nil {
		return nil, err
	}
	if err := d.checkRequiredUpdate(); err != nil {
		return nil, err
	}
	d.shape = newDocShape(d.canon)
	if d.idx != nil { // items by a supplier's article number
		return d, nil
	}
	if def.Parent != nil {
		d.openChildren()
		d.openExclusive()
		return d, nil
	}
	mode := s.mode
	if lookup == "" {
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
		if lookup != "" {
			q.Set(lookup, key)
		}
		return searchDocs(ctx, s.c, d.def, q, d.match, key, d.shape)
	}
	if def.Paged {
		d.idx.probe = func(ctx context.Context) (int64, error) { return probeTotal(ctx, s.c, d.def.ListPath, nil) }
	}
	return d, nil
}

func keyFieldNames(def *erp.ResourceDef) string {
	var names []string
	for _, k := range def.KeyParams() {
		names = append(names, k.Field)
	}
	return strings.Join(names, ", ")
}

// openChildren sets up the index of a sub-resource: keys are the parent's
// id and the key fields; a key is looked up in its parent's list, read once
// per parent (refresh reads it again, for the landed checks).
func (d *keyedSink) openChildren() {
	d.lists = map[string]*childList{}
	find := func(m *entries[*docEntry], own string) []*docEntry {
		es, _ := m.get(lowerKey(own))
		return es
	}
	d.idx = newKeyIndex[*docEntry](plural(d.noun), modeSearch)
	d.idx.search = func(ctx context.Context, key string) ([]*docEntry, error) {
		pid, own, _ := strings.Cut(key, keySep)
		m, err := d.childList(ctx, pid)
		if err != nil {
			return nil, err
		}
		return find(m, own), nil
	}
	d.idx.refresh = func(ctx context.Context, key string) ([]*docEntry, error) {
		pid, own, _ := strings.Cut(key, keySep)
		m, err := d.readChildren(ctx, pid)
		if err != nil {
			return nil, err
		}
		return find(m, own), nil
	}
}

// childList is the parent's records as first read in this run.
func (d *keyedSink) childList(ctx context.Context, pid string) (*entries[*docEntry], error) {
	d.listsMu.Lock()
	cl := d.lists[pid]
	if cl == nil {
		cl = &childList{}
		d.lists[pid] = cl
	}
	d.listsMu.Unlock()
	cl.once.Do(func() { cl.m, cl.err = d.readChildren(ctx, pid) })
	return cl.m, cl.err
}

// readChildren reads the parent's list.
func (d *keyedSink) readChildren(ctx context.Context, pid string) (*entries[*docEntry], error) {
	u, err := erp.FillPath(d.def.ListPath, map[string]string{d.def.Parent.Param: pid})
	if err != nil {
		return nil, err
	}
	if d.def.Singleton {
		return d.readSingleton(ctx, u)
	}
	m := newEntries[*docEntry]()
	for rec, err := range d.s.c.List(ctx, u, nil, erp.PageOptions{Part: entryPart(d.def, d.match, d.shape)}) {
		if err != nil {
			return nil, err
		}
		if e, k, ok := newDocEntry(rec, d.def, d.match, d.shape); ok {
			m.add(k, e)
		}
	}
	return m, nil
}

// childList is one parent's records, read once.
type childList struct {
	once sync.Once
	m    *entries[*docEntry]
	err  error
}

// resolveTargets checks every target against the body schema of the
// operation (update's, or create's for create; either for upsert) and keeps
// it in the spec's spelling with its JSON kind. Key fields that only the
// path carries (a sub-resource's LanguageIso on PATCH) are found in the
// record's schema; targets under Parent.Target name the parent.
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
	rec, _ := schemaNamed(d.def.Schema)
	d.keyIdxs = make([]int, len(d.keyFields))
	for i := range d.keyIdxs {
		d.keyIdxs[i] = -1
	}
	var problems pipeline.TargetErrors
	for i, t := range d.s.targets {
		if d.def.Parent != nil && hasPrefixFold(t.Path, d.def.Parent.Target+".") {
			if msg := d.openParent(i, t); msg != "" {
				problems = append(problems, pipeline.TargetError{Target: t.Path, Msg: msg})
			}
			continue
		}
		if f, ok := d.supplierSkuTarget(t.Path); ok {
			// names the item; not sent
			d.keyIdxs[d.keyField(f)] = len(d.targets)
			kind := kindString
			if f == "SupplierId" {
				kind = kindInteger
			}
			d.addParentTarget(t, f, kind)
			continue
		}
		canon, kind, msg := resolvePath(check, t.Path)
		if msg != "" && other != nil {
			canon, kind, msg = resolvePath(other, t.Path)
		}
		if msg != "" && rec != nil {
			if c, k, m := resolvePath(rec, t.Path); m == "" && d.keyField(c) >= 0 {
				canon, kind, msg = c, k, ""
			}
		}
		if msg != "" {
			problems = append(problems, pipeline.TargetError{Target: t.Path, Msg: msg})
			continue
		}
		if k := d.keyField(canon); k >= 0 {
			d.keyIdxs[k] = len(d.targets)
		}
		d.bodyIdx = append(d.bodyIdx, len(d.targets))
		d.body = append(d.body, mappings.Target{Path: canon, Type: t.Type, Column: t.Column})
		d.targets = append(d.targets, mappings.Target{Path: canon, Type: t.Type, Column: t.Column})
		d.canon = append(d.canon, canon)
		d.kinds = append(d.kinds, kind)
	}
	if len(problems) > 0 {
		return fmt.Errorf("the %s sink cannot send these targets (%s): %w", d.noun, name, problems)
	}
	for i, k := range d.keyIdxs {
		if k < 0 {
			if d.def.Parent == nil {
				return fmt.Errorf("match_by %s: the mapping has no target %s, so %s cannot be matched", d.match, d.keyFields[i], plural(d.noun))
			}
			return fmt.Errorf("the mapping has no target %s, so %s cannot be matched (their key is %s)", d.keyFields[i], plural(d.noun), keyFieldNames(d.def))
		}
	}
	if d.def.Parent != nil && d.parentIdx < 0 {
		return fmt.Errorf("the mapping names no %s of the %s: add a target %s.SKU (or another key of %s, or %s.Id)",
			d.def.Parent.Target, plural(d.noun), d.def.Parent.Target, d.def.Parent.Resource, d.def.Parent.Target)
	}
	return nil
}

// keyField is the position of path among the key fields, or -1.
func (d *keyedSink) keyField(path string) int {
	for i, f := range d.keyFields {
		if strings.EqualFold(f, path) {
			return i
		}
	}
	return -1
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// openParent configures how the parent is found from target i (Item.SKU,
// Item.Id). The target keeps its place among the targets (errors point at
// its column) but is not sent. A message says what is wrong.
func (d *keyedSink) openParent(i int, t mappings.Target) string {
	field := t.Path[len(d.def.Parent.Target)+1:]
	if msg, ok := d.openSupplierSku(t, field); ok { // erp_keyed_suppliersku.go
		return msg
	}
	if d.parentIdx >= 0 {
		return fmt.Sprintf("the %s is named twice", d.def.Parent.Target)
	}
	pdef, ok := erp.Resource(d.def.Parent.Resource)
	if !ok {
		return "unknown parent " + d.def.Parent.Resource
	}
	pf := &parentFinder{def: pdef, noun: pdef.Name}
	if pdef.Import != nil {
		pf.noun = pdef.Import.Noun
	}
	kind := kindInteger
	if strings.EqualFold(field, pdef.IDField) {
		pf.byID, pf.field = true, pdef.IDField
	} else {
		nk, err := pdef.MatchKey(field)
		if err != nil {
			return err.Error()
		}
		pf.field = nk.Field
		if rec, err := schemaNamed(pdef.Schema); err == nil {
			_, kind, _ = resolvePath(rec, nk.Field)
		}
		pf.openIndex(d.s, nk)
	}
	d.parentIdx = len(d.targets)
	d.parent = pf
	canon := d.def.Parent.Target + "." + pf.field
	d.targets = append(d.targets, mappings.Target{Path: canon, Type: t.Type, Column: t.Column})
	d.canon = append(d.canon, canon)
	d.kinds = append(d.kinds, kind)
	return ""
}

// parentFinder finds a sub-resource's parent by a natural key (or takes
// its id as given).
type parentFinder struct {
	def   *erp.ResourceDef
	noun  string
	field string // SKU, Identifiers.Gtin, Id
	byID  bool
	idx   *keyIndex[*docEntry] // ids only
	// bySku finds items by a supplier's article number instead.
	bySku *supplierSkuIndex
}

func (pf *parentFinder) openIndex(s *ERPSink, nk erp.NaturalKey) {
	pf.idx = newKeyIndex[*docEntry](fmt.Sprintf("%s by %s", plural(pf.noun), nk.Field), s.mode)
	if nk.Lookup == "" {
		pf.idx.mode = modeIndex
	}
	pf.idx.load = func(ctx context.Context) (*entries[*docEntry], error) {
		return loadDocIndex(ctx, s.c, pf.def, nil, nk.Field, nil)
	}
	pf.idx.search = func(ctx context.Context, key string) ([]*docEntry, error) {
		q := url.Values{}
		if nk.Lookup != "" {
			q.Set(nk.Lookup, key)
		}
		return searchDocs(ctx, s.c, pf.def, q, nk.Field, key, nil)
	}
	if pf.def.Paged {
		pf.idx.probe = func(ctx context.Context) (int64, error) { return probeTotal(ctx, s.c, pf.def.ListPath, nil) }
	}
}

// find returns the parent's id; a key that names no parent or several is
// an error of the record (errNoParent for none).
func (pf *parentFinder) find(ctx context.Context, key string) (int64, error) {
	if pf.byID {
		id, ok := idOf(key)
		if !ok {
			return 0, fmt.Errorf("%s %s %q is not an id", pf.noun, pf.field, key)
		}
		return id, nil
	}
	es, err := pf.idx.get(ctx, key)
	if err != nil {
		return 0, err
	}
	switch len(es) {
	case 0:
		return 0, &missingParentError{fmt.Sprintf("no %s with %s %q in the Wawi", pf.noun, pf.field, key)}
	case 1:
		return es[0].id, nil
	}
	return 0, &missingParentError{fmt.Sprintf("%d %s have %s %q: cannot tell which is meant", len(es), plural(pf.noun), pf.field, key)}
}

func (pf *parentFinder) sizeHint(n int64) {
	if pf.idx != nil {
		pf.idx.hint.Store(n)
	}
}

// missingParentError: the record's parent is not (unambiguously) there.
type missingParentError struct{ msg string }

func (e *missingParentError) Error() string { return e.msg }

// itemURL is the record's ItemPath: the parent's id, and the key
// parameters from the entry's id or the record's key values.
func (d *keyedSink) itemURL(st *keyedPlan, e *docEntry) (string, error) {
	vals := map[string]string{}
	if d.def.Parent != nil {
		vals[d.def.Parent.Param] = fmtID(st.parentID)
	}
	for i, k := range d.def.KeyParams() {
		switch {
		case d.def.Parent != nil && i < len(st.keyVals):
			// a sub-resource's key values are its key params, in order
			vals[k.Param] = st.keyVals[i]
		case k.Field == d.def.IDField && e != nil:
			vals[k.Param] = fmtID(e.id)
		}
	}
	return erp.FillPath(d.def.ItemPath, vals)
}

// createURL is CreatePath with the parent's id.
func (d *keyedSink) createURL(st *keyedPlan) (string, error) {
	if d.def.Parent == nil {
		return d.def.CreatePath, nil
	}
	return erp.FillPath(d.def.CreatePath, map[string]string{d.def.Parent.Param: fmtID(st.parentID)})
}

func plural(noun string) string {
	if strings.HasSuffix(noun, "y") {
		return noun[:len(noun)-1] + "ies"
	}
	return noun + "s"
}

// close removes the spill files of the indexes.
func (d *keyedSink) close() {
	d.idx.close()
	if d.parent != nil {
		d.parent.idx.close()
	}
}

func (d *keyedSink) sizeHint(n int64) {
	d.idx.hint.Store(n)
	if d.parent != nil {
		d.parent.sizeHint(n)
	}
}

// loadDocIndex pages through a list and keeps, per record, the id, the key
// and the projected values (on disk past spillAt records). match is a field
// path, or several joined by + (a composite key).
func loadDocIndex(ctx context.Context, c *erp.Client, def *erp.ResourceDef, q url.Values, match string, shape *docShape) (*entries[*docEntry], error) {
	m := newSpillEntries[*docEntry]()
	opt := indexPaging(c)
	opt.Part = entryPart(def, match, shape)
	for rec, err := range c.List(ctx, def.ListPath, q, opt) {
		if err != nil {
			m.close()
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

// newDocEntry keeps what the index needs of rec; ok is false when rec
// lacks its id (for resources that have one) or a part of its key.
func newDocEntry(rec map[string]any, def *erp.ResourceDef, match string, shape *docShape) (*docEntry, string, bool) {
	var id int64
	if def.IDField != "" {
		var ok bool
		if id, ok = idOf(rec[def.IDField]); !ok {
			return nil, "", false
		}
	}
	key := recordKey(rec, match)
	if key == "" {
		return nil, "", false
	}
	e := &docEntry{id: id}
	if shape != nil {
		e.vals = shape.project(rec)
	}
	return e, lowerKey(key), true
}

// entryPart is the part of a record newDocEntry reads: the id, the key's
// fields and the shape's paths (see docShape.part), so that a list decoded
// to it makes the same entry as one decoded whole. It must read what
// newDocEntry, recordKey and docShape.project read.
func entryPart(def *erp.ResourceDef, match string, shape *docShape) *jsondoc.Node {
	n := &jsondoc.Node{}
	if def.IDField != "" {
		n.Add([]string{def.IDField}) // rec[def.IDField]: a key, not a path
	}
	for f := range strings.SplitSeq(match, "+") {
		n.Add(lookupSegs(f))
	}
	if shape != nil {
		shape.part(n)
	}
	return n
}

// lookupSegs are the keys record.Lookup reads for path, outermost first:
// an index reads the key's list (and is dropped; a part applied to a list
// applies to each element), a segment whose brackets hold no number is a
// key as it is.
func lookupSegs(path string) []string {
	var segs []string
	for part := range strings.SplitSeq(path, ".") {
		name := part
		if open := strings.IndexByte(part, '['); open >= 0 && strings.HasSuffix(part, "]") {
			if _, err := strconv.Atoi(part[open+1 : len(part)-1]); err == nil {
				name = part[:open]
			}
		}
		segs = append(segs, name)
	}
	return segs
}

// recordKey is the key of rec: the values of match's fields joined by
// keySep; "" when one is empty.
func recordKey(rec map[string]any, match string) string {
	if !strings.Contains(match, "+") {
		kv, _ := record.Lookup(rec, match)
		return keyText(kv)
	}
	parts := strings.Split(match, "+")
	for i, f := range parts {
		kv, _ := record.Lookup(rec, f)
		if parts[i] = keyText(kv); parts[i] == "" {
			return ""
		}
	}
	return strings.Join(parts, keySep)
}

// searchDocs asks the list filter for candidates and keeps those whose key
// field equals key exactly (ignoring case, like the Wawi's collation): the
// items' searchKeyWord also matches parts of SKUs and other fields.
func searchDocs(ctx context.Context, c *erp.Client, def *erp.ResourceDef, q url.Values, match, key string, shape *docShape) ([]*docEntry, error) {
	var out []*docEntry
	lk := lowerKey(key)
	for rec, err := range c.List(ctx, def.ListPath, q, erp.PageOptions{Part: entryPart(def, match, shape)}) {
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
	vals, err := coerceAll(it, targets, kinds)
	if err != nil {
		return nil, nil, err
	}
	return vals, mappings.Nest(targets, vals), nil
}

// coerceAll is prepare without the document.
func coerceAll(it *pipeline.Item, targets []mappings.Target, kinds []fieldKind) ([]any, error) {
	vals := make([]any, len(targets))
	for i := range targets {
		if i >= len(it.Values) {
			break
		}
		v, err := coerce(it.Values[i], kinds[i])
		if err != nil {
			return nil, &FieldError{Field: targets[i].Path, Column: targets[i].Column, Err: err}
		}
		vals[i] = v
	}
	return vals, nil
}
