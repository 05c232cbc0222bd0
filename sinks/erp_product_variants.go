package sinks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// Variants (order 0: applied before the other parts of a product): a row
// with Variant.ParentSKU is a child item (a variant, named
// by its own SKU like any item row) of the parent with that SKU. Its
// variation values make it the variant it is: the parent gets the
// variations (Farbe, Größe) and values (Rot, M) it lacks, and the child is
// assigned to the parent with one value of each variation. The mapping
// targets:
//
//	Variant.ParentSKU          the parent's SKU; empty: the row is a plain item
//	Variant.Values.<Name>      the value of variation <Name> (one column per variation)
//	Variant.Values.<Name>@<l>  that value in language <l> (Red for Rot)
//	Variant.Names.<Name>@<l>   the variation's name in language <l> (Color)
//	Variant.Values             all values in one column: "Farbe: Rot | Größe: M"
//	Variant.Values@<l>         the same in language <l>, pair by pair: "Color: Red | Size: M"
//
// Either form of the values, not both. An empty Variant.Values.<Name> means
// the row does not have that variation. Translations are added or set on
// the parent's variations and values, never removed.
//
// A parent is read once per run (its item, variations and values), under a
// lock of its own: children of one parent plan and write one after the
// other, and what one created is what the next one finds, so a variation or
// value that many children need is created once. A create whose answer was
// lost is looked up by name before it is sent again.
//
// The parent may exist in the Wawi or be created by a row of the file
// before its variants; a parent's row after its variants' rows is their
// error (put parents first). Rows write concurrently: a variant whose
// parent an earlier row creates waits for that write (awaitParent). A
// parent neither in the Wawi nor in the file is the variant's error,
// naming it: in a real run when the writing pass plans the row again (the
// planning pass shows the variant as new, the file not yet known in
// full), in a dry run once the rows before have been planned
// (waitEarlier). So that the part knows the file's items, the composite
// calls plan for every record, also those that name nothing of it.
//
// The API shows whether a child belongs to its parent (ParentItemId) but
// not which values it was assigned, so an assigned child is left as it is.

func init() {
	registerProductPart(partFactory{claims: prefixClaims("Variant."), open: openVariants, order: 0})
}

// Paths of the variation operations (ItemHeader_*Variation*,
// ItemHeader_AssignChildItemToParentAsync).
const (
	pathVariations      = "/items/{itemId}/variations"
	pathVariation       = "/items/{itemId}/variations/{variationId}"
	pathVariationValues = "/items/{itemId}/variations/{variationId}/values"
	pathVariationValue  = "/items/{itemId}/variations/{variationId}/values/{variationValueId}"
	pathChild           = "/items/{itemId}/children/{childItemId}"
)

type variantsPart struct {
	s *ERPSink
	// the targets' positions in pipeline.Item.Values
	parentIdx  int // -1: none
	perName    []variantCol
	nameTr     []variantCol // Variant.Names.<Name>@<lang>
	combined   int          // -1: none
	combinedTr []variantCol // Variant.Values@<lang>
	targets    map[int]mappings.Target

	mu      sync.Mutex
	parents map[string]*variantParent // by lower-case SKU
	// own are the rows that name a SKU as their own (the items the file
	// writes), by lower-case SKU: the first one's Seq and Row.
	own map[string][2]int64
	// planned are the rows planned so far: a row planned again is planned
	// after a whole pass over the file, when own is complete.
	planned map[int64]bool
	// named are the parents the file's children name, by lower-case SKU.
	named map[string]bool
	// low: every row before it has been planned; changed is closed (and
	// replaced) whenever a row is planned the first time.
	low     int64
	changed chan struct{}
}

// earlierRowsWait bounds how long a dry run's variant waits for the rows
// before it to be planned (see waitEarlier).
const earlierRowsWait = 2 * time.Second

// variantCol is one target: a variation's name and a language (""
// for the default language).
type variantCol struct {
	name, lang string
	idx        int
}

func openVariants(s *ERPSink, idx []int, canon []string) (productPart, error) {
	p := &variantsPart{s: s, parentIdx: -1, combined: -1, targets: map[int]mappings.Target{},
		parents: map[string]*variantParent{}, own: map[string][2]int64{}, planned: map[int64]bool{}, named: map[string]bool{},
		changed: make(chan struct{})}
	for i, path := range canon {
		j := idx[i]
		if j < len(s.targets) {
			p.targets[j] = s.targets[j]
		}
		rest, _ := cutFold(path, "Variant.")
		switch {
		case strings.EqualFold(rest, "ParentSKU"):
			p.parentIdx = j
		case strings.EqualFold(rest, "Values"):
			p.combined = j
		case hasPrefixFold(rest, "Values@"):
			p.combinedTr = append(p.combinedTr, variantCol{lang: strings.ToLower(rest[len("Values@"):]), idx: j})
		case hasPrefixFold(rest, "Values."):
			name, lang, _ := strings.Cut(rest[len("Values."):], "@")
			p.perName = append(p.perName, variantCol{name: name, lang: strings.ToLower(lang), idx: j})
		case hasPrefixFold(rest, "Names."):
			name, lang, ok := strings.Cut(rest[len("Names."):], "@")
			if !ok || lang == "" {
				return nil, fmt.Errorf("target %s: a variation's name is the column's (%s); name a translation as Variant.Names.%s@en", path, name, name)
			}
			p.nameTr = append(p.nameTr, variantCol{name: name, lang: strings.ToLower(lang), idx: j})
		default:
			return nil, fmt.Errorf("target %s: unknown; variants take Variant.ParentSKU, Variant.Values.<Name>[@<lang>], Variant.Names.<Name>@<lang>, Variant.Values[@<lang>]", path)
		}
	}
	for _, c := range append(append([]variantCol{}, p.perName...), p.nameTr...) {
		if strings.TrimSpace(c.name) == "" || strings.Contains(c.name, ".") {
			return nil, fmt.Errorf("target Variant.Values.%s: the variation's name is one word after Variant.Values.", c.name)
		}
	}
	switch {
	case p.parentIdx < 0:
		return nil, errors.New("variants need Variant.ParentSKU, the SKU of the parent item")
	case p.combined >= 0 && len(p.perName) > 0:
		return nil, errors.New("variation values: use either Variant.Values (\"Farbe: Rot | Größe: M\") or Variant.Values.<Name> columns, not both")
	case len(p.combinedTr) > 0 && p.combined < 0:
		return nil, errors.New("Variant.Values@<lang> translates Variant.Values, which the mapping does not name")
	case len(p.nameTr) > 0 && p.combined >= 0:
		return nil, errors.New("Variant.Names.<Name>@<lang> goes with Variant.Values.<Name> columns; with Variant.Values translate with Variant.Values@<lang>")
	}
	for _, c := range p.perName {
		if c.lang != "" && !slices.ContainsFunc(p.perName, func(o variantCol) bool { return o.lang == "" && strings.EqualFold(o.name, c.name) }) {
			return nil, fmt.Errorf("Variant.Values.%s@%s translates Variant.Values.%s, which the mapping does not name", c.name, c.lang, c.name)
		}
	}
	return p, nil
}

func cutFold(s, prefix string) (string, bool) {
	if hasPrefixFold(s, prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func (p *variantsPart) label() string { return "Varianten" }

// wantedValue is one variation value a row names.
type wantedValue struct {
	variation string
	varTr     map[string]string // the variation's name by language
	value     string
	valTr     map[string]string // the value by language
}

// fieldErr points err at the target at position idx.
func (p *variantsPart) fieldErr(idx int, err error) error {
	if t, ok := p.targets[idx]; ok {
		return &FieldError{Field: t.Path, Column: t.Column, Err: err}
	}
	return err
}

func (p *variantsPart) text(it *pipeline.Item, idx int) string {
	if idx < 0 || idx >= len(it.Values) {
		return ""
	}
	return keyText(it.Values[idx])
}

// values reads the variation values a row names, in the mapping's (or the
// cell's) order.
func (p *variantsPart) values(it *pipeline.Item) ([]wantedValue, error) {
	var out []wantedValue
	if p.combined >= 0 {
		pairs, err := parseVariantPairs(p.text(it, p.combined))
		if err != nil {
			return nil, p.fieldErr(p.combined, err)
		}
		for _, pr := range pairs {
			out = append(out, wantedValue{variation: pr[0], value: pr[1], varTr: map[string]string{}, valTr: map[string]string{}})
		}
		for _, c := range p.combinedTr {
			cell := p.text(it, c.idx)
			if cell == "" {
				continue
			}
			tr, err := parseVariantPairs(cell)
			if err == nil && len(tr) != len(pairs) {
				err = fmt.Errorf("%d variations, but Variant.Values has %d: the translation goes pair by pair", len(tr), len(pairs))
			}
			if err != nil {
				return nil, p.fieldErr(c.idx, err)
			}
			for i, pr := range tr {
				out[i].varTr[c.lang], out[i].valTr[c.lang] = pr[0], pr[1]
			}
		}
		return out, nil
	}
	for _, c := range p.perName {
		if c.lang != "" {
			continue
		}
		v := p.text(it, c.idx)
		if v == "" {
			continue
		}
		w := wantedValue{variation: c.name, value: v, varTr: map[string]string{}, valTr: map[string]string{}}
		for _, t := range p.perName {
			if t.lang != "" && strings.EqualFold(t.name, c.name) {
				if s := p.text(it, t.idx); s != "" {
					w.valTr[t.lang] = s
				}
			}
		}
		for _, t := range p.nameTr {
			if strings.EqualFold(t.name, c.name) {
				if s := p.text(it, t.idx); s != "" {
					w.varTr[t.lang] = s
				}
			}
		}
		out = append(out, w)
	}
	return out, nil
}

// parseVariantPairs reads "Farbe: Rot | Größe: M".
func parseVariantPairs(s string) ([][2]string, error) {
	var out [][2]string
	for part := range strings.SplitSeq(s, "|") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, ":")
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if !ok || name == "" || val == "" {
			return nil, fmt.Errorf("%q is not \"Variation: Wert\" (write \"Farbe: Rot | Größe: M\")", part)
		}
		for _, o := range out {
			if strings.EqualFold(o[0], name) {
				return nil, fmt.Errorf("the variation %s is named twice", name)
			}
		}
		out = append(out, [2]string{name, val})
	}
	return out, nil
}

// variantParent is what the run knows of one parent item. mu is held while
// a child plans or writes against it.
type variantParent struct {
	sku    string
	mu     sync.Mutex
	loaded bool
	id     int64 // 0: not in the Wawi when last looked
	vars   []*knownVariation
	kids   map[int64]bool // its children
	// pending: creates a plan shows as new, by the row that showed them
	// first (the diff names each once; the writes check the Wawi anyway).
	pending map[string]int64
	// ready is closed (wake, under mu) when the parent's own row, which
	// creates it, has written it (parentPlan.apply) or will not:
	// children waiting for it go on.
	ready     chan struct{}
	readyShut bool
	// abandoned: the row that was to create it will not write it.
	abandoned bool
}

type knownVariation struct {
	id     int64
	name   string
	tr     []translation
	values []*knownValue
}

type knownValue struct {
	id   int64
	name string
	tr   []translation
}

// translation is the spec's Translation (also CreateTranslation,
// UpdateTranslation).
type translation struct {
	LanguageIso string
	Name        string
}

// wawiVariation is the spec's ItemVariation and ItemVariationValue as read.
type wawiVariation struct {
	Id           int64
	Name         string
	Translations []translation
}

func (par *variantParent) variation(name string) *knownVariation {
	for _, v := range par.vars {
		if strings.EqualFold(strings.TrimSpace(v.name), name) {
			return v
		}
	}
	return nil
}

func (v *knownVariation) value(name string) *knownValue {
	for _, val := range v.values {
		if strings.EqualFold(strings.TrimSpace(val.name), name) {
			return val
		}
	}
	return nil
}

func (p *variantsPart) parent(sku string) *variantParent {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := lowerKey(sku)
	par := p.parents[k]
	if par == nil {
		par = &variantParent{sku: sku, kids: map[int64]bool{}, pending: map[string]int64{}, ready: make(chan struct{})}
		p.parents[k] = par
	}
	return par
}

// note records the row's own SKU and whether the row was planned before.
func (p *variantsPart) note(it *pipeline.Item, item productItem) (seq int64, again bool) {
	var row int64
	if it.Rec != nil {
		seq, row = it.Rec.Seq, int64(it.Rec.Row)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := lowerKey(item.Key); k != "" {
		if o, ok := p.own[k]; !ok || seq < o[0] {
			p.own[k] = [2]int64{seq, row}
		}
	}
	again = p.planned[seq]
	if !again {
		p.planned[seq] = true
		for p.planned[p.low] {
			p.low++
		}
		close(p.changed)
		p.changed = make(chan struct{})
	}
	return seq, again
}

// waitEarlier waits until a row names sku as its own or every row before
// seq has been planned, and reports whether the latter is so. Rows start
// in file order, so the rows before are being planned; one that ends
// before the sink (a mapping error, a filter) is never planned, hence the
// bound (earlierRowsWait), after which the answer is false.
func (p *variantsPart) waitEarlier(ctx context.Context, sku string, seq int64) bool {
	t := time.NewTimer(earlierRowsWait)
	defer t.Stop()
	for {
		p.mu.Lock()
		_, named := p.own[lowerKey(sku)]
		all := p.low >= seq
		ch := p.changed
		p.mu.Unlock()
		if named || all {
			return all
		}
		select {
		case <-ch:
		case <-t.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// load reads the parent, its variations and their values, once per run
// (and again while the parent is not in the Wawi, when force).
func (p *variantsPart) load(ctx context.Context, par *variantParent, force bool) error {
	if par.loaded && (par.id != 0 || !force) {
		return nil
	}
	id, kids, err := p.findItem(ctx, par.sku)
	if err != nil {
		return err
	}
	par.loaded, par.id = true, id
	if id == 0 {
		return nil
	}
	for _, k := range kids {
		par.kids[k] = true
	}
	return p.readVariations(ctx, par)
}

func (p *variantsPart) readVariations(ctx context.Context, par *variantParent) error {
	u, err := erp.FillPath(pathVariations, map[string]string{"itemId": fmtID(par.id)})
	if err != nil {
		return err
	}
	var vars []wawiVariation
	if err := p.s.c.Get(ctx, u, nil, &vars); err != nil {
		return err
	}
	par.vars = par.vars[:0]
	for _, v := range vars {
		kv := &knownVariation{id: v.Id, name: v.Name, tr: v.Translations}
		if kv.values, err = p.readValues(ctx, par.id, v.Id); err != nil {
			return err
		}
		par.vars = append(par.vars, kv)
	}
	return nil
}

func (p *variantsPart) readValues(ctx context.Context, itemID, varID int64) ([]*knownValue, error) {
	u, err := erp.FillPath(pathVariationValues, map[string]string{"itemId": fmtID(itemID), "variationId": fmtID(varID)})
	if err != nil {
		return nil, err
	}
	var vals []wawiVariation
	if err := p.s.c.Get(ctx, u, nil, &vals); err != nil {
		return nil, err
	}
	out := make([]*knownValue, len(vals))
	for i, v := range vals {
		out[i] = &knownValue{id: v.Id, name: v.Name, tr: v.Translations}
	}
	return out, nil
}

// findItem finds an item by its exact SKU (searchKeyWord matches in part
// and other identifiers too): its id (0: none) and children.
func (p *variantsPart) findItem(ctx context.Context, sku string) (int64, []int64, error) {
	def, _ := erp.Resource("items")
	nk, err := def.MatchKey("SKU")
	if err != nil {
		return 0, nil, err
	}
	var id int64
	var kids []int64
	n := 0
	for rec, err := range p.s.c.List(ctx, def.ListPath, url.Values{nk.Lookup: {sku}}, erp.PageOptions{}) {
		if err != nil {
			return 0, nil, err
		}
		if s, _ := rec["SKU"].(string); !strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(sku)) {
			continue
		}
		rid, ok := idOf(rec["Id"])
		if !ok {
			continue
		}
		if n++; n > 1 {
			return 0, nil, fmt.Errorf("several items have the SKU %q: cannot tell which is the parent", sku)
		}
		id = rid
		if list, ok := rec["ChildItems"].([]any); ok {
			for _, c := range list {
				if cid, ok := idOf(c); ok {
					kids = append(kids, cid)
				}
			}
		}
	}
	return id, kids, nil
}

// planErr makes a failed read fatal to the run when every record would fail
// the same way (credentials, the Wawi unavailable).
func planErr(err error) error {
	if runFatal(err) || unavailable(err) {
		return pipeline.Fatal(err)
	}
	return err
}

// variantPlan is what one child row would write.
type variantPlan struct {
	p      *variantsPart
	par    *variantParent
	want   []wantedValue
	child  string // the child's SKU, for messages
	seq    int64  // the child's row
	shown  string // Rot / M
	assign bool   // the child is not the parent's yet
	ch     []pipeline.Change
}

func (vp *variantPlan) changes() []pipeline.Change { return vp.ch }

func (p *variantsPart) plan(ctx context.Context, it *pipeline.Item, item productItem) (partPlan, error) {
	seq, again := p.note(it, item)
	parentSKU := p.text(it, p.parentIdx)
	want, err := p.values(it)
	if err != nil {
		return nil, err
	}
	if parentSKU == "" {
		if len(want) > 0 {
			return nil, p.fieldErr(p.parentIdx, errors.New("the row has variation values but no parent SKU: a parent has variations, not values, and its children name it"))
		}
		p.mu.Lock()
		named := p.named[lowerKey(item.Key)]
		p.mu.Unlock()
		if item.ID == 0 && named {
			// a parent this row creates: its write tells the waiting children
			par := p.parent(item.Key)
			par.mu.Lock()
			if par.abandoned && par.id == 0 {
				// given up by the planning pass, planned again now to be
				// written: the children wait for this write
				par.abandoned = false
				if par.readyShut {
					par.ready, par.readyShut = make(chan struct{}), false
				}
			}
			par.mu.Unlock()
			return &parentPlan{par: par}, nil
		}
		return nil, nil // a plain item, or a parent in the Wawi
	}
	if strings.EqualFold(parentSKU, strings.TrimSpace(item.Key)) {
		return nil, p.fieldErr(p.parentIdx, fmt.Errorf("the item %s cannot be its own parent", parentSKU))
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("the variant %s of %s names no variation value (Variant.Values)", item.Key, parentSKU)
	}
	p.mu.Lock()
	p.named[lowerKey(parentSKU)] = true
	p.mu.Unlock()
	par := p.parent(parentSKU)
	par.mu.Lock()
	defer par.mu.Unlock()
	if err := p.load(ctx, par, false); err != nil {
		return nil, planErr(err)
	}
	if par.id == 0 {
		p.mu.Lock()
		o, inFile := p.own[lowerKey(parentSKU)]
		p.mu.Unlock()
		known := again // planned again: after a pass over the whole file
		if !inFile && !again && p.s.env != nil && p.s.env.DryRun {
			// A dry run plans once: wait for the rows before this one, one
			// of which may be the parent's, to know for sure. (A real run
			// plans again before writing and decides then, so its planning
			// pass does not wait.)
			par.mu.Unlock()
			known = p.waitEarlier(ctx, parentSKU, seq)
			par.mu.Lock()
			p.mu.Lock()
			o, inFile = p.own[lowerKey(parentSKU)]
			p.mu.Unlock()
		}
		switch {
		case inFile && o[0] > seq:
			return nil, p.fieldErr(p.parentIdx, fmt.Errorf("the parent %s is not in the Wawi and comes in row %d, after its variant: put a parent's row before its variants' rows", parentSKU, o[1]))
		case !inFile && known:
			return nil, p.fieldErr(p.parentIdx, fmt.Errorf("the parent %s is neither in the Wawi nor in an earlier row of the file", parentSKU))
		}
		// Otherwise the parent's row may be being planned right now: the
		// variant plans as new, and the writing pass decides.
	}
	vp := &variantPlan{p: p, par: par, want: want, child: item.Key, seq: seq}
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = w.value
	}
	vp.shown = strings.Join(names, " / ")
	vp.assign = item.ID == 0 || !par.kids[item.ID]
	of := " von " + par.sku
	claim := func(key string) bool {
		s, ok := par.pending[key]
		if !ok {
			par.pending[key] = seq
		}
		return !ok || s == seq
	}
	for _, w := range want {
		v := par.variation(w.variation)
		if v == nil {
			if claim("v\x00" + strings.ToLower(w.variation)) {
				vp.ch = append(vp.ch, pipeline.Change{Field: "Variation " + w.variation + of, New: "neu"})
			}
			if claim("w\x00" + strings.ToLower(w.variation) + "\x00" + strings.ToLower(w.value)) {
				vp.ch = append(vp.ch, pipeline.Change{Field: "Variationswert " + w.variation + ": " + w.value + of, New: "neu"})
			}
			continue
		}
		for _, c := range trChanges(v.tr, w.varTr) {
			if claim("vt\x00" + strings.ToLower(w.variation) + "\x00" + c.lang + "\x00" + c.new) {
				vp.ch = append(vp.ch, pipeline.Change{Field: "Variation " + v.name + of + " (" + c.lang + ")", Old: c.old, New: c.new})
			}
		}
		val := v.value(w.value)
		if val == nil {
			if claim("w\x00" + strings.ToLower(w.variation) + "\x00" + strings.ToLower(w.value)) {
				vp.ch = append(vp.ch, pipeline.Change{Field: "Variationswert " + v.name + ": " + w.value + of, New: "neu"})
			}
			continue
		}
		for _, c := range trChanges(val.tr, w.valTr) {
			if claim("wt\x00" + strings.ToLower(w.variation) + "\x00" + strings.ToLower(w.value) + "\x00" + c.lang + "\x00" + c.new) {
				vp.ch = append(vp.ch, pipeline.Change{Field: "Variationswert " + v.name + ": " + val.name + of + " (" + c.lang + ")", Old: c.old, New: c.new})
			}
		}
	}
	if vp.assign {
		if missing := par.unnamed(want); len(missing) > 0 {
			return nil, fmt.Errorf("%s has the variations %s; the variant %s names no value of %s", par.sku, par.varNames(), item.Key, strings.Join(missing, ", "))
		}
		vp.ch = append(vp.ch, pipeline.Change{Field: "Variante " + vp.shown + of, New: "neu"})
	}
	return vp, nil
}

// unnamed are the parent's variations a row names no value of.
func (par *variantParent) unnamed(want []wantedValue) []string {
	var out []string
	for _, v := range par.vars {
		if !slices.ContainsFunc(want, func(w wantedValue) bool { return strings.EqualFold(w.variation, strings.TrimSpace(v.name)) }) {
			out = append(out, v.name)
		}
	}
	return out
}

func (par *variantParent) varNames() string {
	names := make([]string, len(par.vars))
	for i, v := range par.vars {
		names[i] = v.name
	}
	return strings.Join(names, ", ")
}

type trChange struct{ lang, old, new string }

// trChanges are the translations of want that have differs from, in
// language order.
func trChanges(have []translation, want map[string]string) []trChange {
	var out []trChange
	for _, lang := range sortedKeys(want) {
		old := ""
		for _, t := range have {
			if strings.EqualFold(t.LanguageIso, lang) {
				old = t.Name
			}
		}
		if old != want[lang] {
			out = append(out, trChange{lang: lang, old: old, new: want[lang]})
		}
	}
	return out
}

// mergeTr is have with want's translations set (none removed).
func mergeTr(have []translation, want map[string]string) []translation {
	out := slices.Clone(have)
	for _, lang := range sortedKeys(want) {
		i := slices.IndexFunc(out, func(t translation) bool { return strings.EqualFold(t.LanguageIso, lang) })
		if i < 0 {
			out = append(out, translation{LanguageIso: lang, Name: want[lang]})
		} else {
			out[i].Name = want[lang]
		}
	}
	if out == nil {
		out = []translation{}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// await waits for the parent (awaitParent); the composite calls it before
// the child's item is written and before the record's lock is taken.
func (vp *variantPlan) await(ctx context.Context) error {
	return vp.p.awaitParent(ctx, vp.par, vp.seq, vp.child)
}

var _ awaitingPlan = (*variantPlan)(nil)

// apply creates what the parent lacks and assigns the child (id itemID).
// A parent that an earlier row of the file creates may not be written yet
// (rows write concurrently): the child waits for it (awaitParent; at once
// when await found it).
func (vp *variantPlan) apply(ctx context.Context, itemID int64) error {
	p, par := vp.p, vp.par
	if err := p.awaitParent(ctx, par, vp.seq, vp.child); err != nil {
		return err
	}
	par.mu.Lock()
	defer par.mu.Unlock()
	ids := make([]int64, 0, len(vp.want))
	for _, w := range vp.want {
		v, err := p.ensureVariation(ctx, par, w)
		if err != nil {
			return wrapWriteErr(err)
		}
		val, err := p.ensureValue(ctx, par, v, w)
		if err != nil {
			return wrapWriteErr(err)
		}
		ids = append(ids, val.id)
	}
	if par.kids[itemID] {
		return nil
	}
	if err := p.assign(ctx, par, itemID, ids); err != nil {
		return wrapWriteErr(err)
	}
	par.kids[itemID] = true
	return nil
}

// awaitParent returns once the parent is in the Wawi. One that an earlier
// row of the file creates is waited for: that row has started (rows start
// in file order) and waits for no later row, so it ends. Its write wakes
// the children (parentPlan.apply, which the composite applies although it
// shows no change); in between, the parent is looked up again with a
// growing pause, for as long as the client retries one call (MaxElapsed):
// a parent's row that failed fails its children then, naming it. A parent
// that no earlier row creates is looked up once.
func (p *variantsPart) awaitParent(ctx context.Context, par *variantParent, seq int64, child string) error {
	p.mu.Lock()
	o, inFile := p.own[lowerKey(par.sku)]
	p.mu.Unlock()
	wait := inFile && o[0] < seq
	start := time.Now()
	maxWait := p.s.c.Config().MaxElapsed
	pause := 20 * time.Millisecond
	// A parent an earlier row creates hands its id over (or is abandoned)
	// in memory: it is looked up in the Wawi only once a pause passed
	// without word, not ahead of every variant's wait (a read per variant).
	look := !wait
	if wait {
		pause = 250 * time.Millisecond
	}
	for {
		par.mu.Lock()
		var err error
		if look || !par.loaded {
			err = p.load(ctx, par, true)
		}
		id, abandoned, ready := par.id, par.abandoned, par.ready
		par.mu.Unlock()
		switch {
		case err != nil:
			return wrapWriteErr(err)
		case id != 0:
			return nil
		case !wait:
			return fmt.Errorf("the parent %s is not in the Wawi: its row must be written before its variant %s", par.sku, child)
		case abandoned:
			return fmt.Errorf("the parent %s (row %d) was not written: its variant %s cannot be assigned", par.sku, o[1], child)
		case time.Since(start) > maxWait:
			return fmt.Errorf("the parent %s (row %d) was not written within %s: its variant %s cannot be assigned", par.sku, o[1], maxWait, child)
		}
		t := time.NewTimer(pause)
		select {
		case <-ready:
		case <-t.C:
			look = true
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("waiting for the parent %s: %w", par.sku, context.Cause(ctx))
		}
		t.Stop()
		pause = min(2*pause, 2*time.Second)
	}
}

// recordAbandoner is a part that wants to hear of a record whose plan it
// made but which will not be written (its plan failed, or its write did).
// The composite calls abandoned then; the variants part lets the variants
// waiting for a parent that record was to create fail at once instead of
// after awaitParent's bound.
type recordAbandoner interface {
	abandoned(it *pipeline.Item, item productItem)
}

var (
	_ recordAbandoner = (*variantsPart)(nil)
	_ recordSeer      = (*variantsPart)(nil)
	_ mustApplyPlan   = (*parentPlan)(nil)
)

// seen notes a record whose item failed to plan: its SKU is the file's
// (a variant naming it waits for no other row), and the rows before a
// variant are all planned once it is.
func (p *variantsPart) seen(it *pipeline.Item, item productItem) { p.note(it, item) }

func (p *variantsPart) abandoned(it *pipeline.Item, item productItem) {
	k := lowerKey(item.Key)
	p.mu.Lock()
	o, own := p.own[k]
	p.mu.Unlock()
	// only the row that creates the parent (the first naming it) counts;
	// a parent no variant has named yet is noted for those that will
	if k == "" || !own || it.Rec == nil || it.Rec.Seq != o[0] {
		return
	}
	par := p.parent(item.Key)
	par.mu.Lock()
	if par.id == 0 {
		par.abandoned = true
	}
	par.wake()
	par.mu.Unlock()
}

// parentPlan is the plan of a parent's own row that creates the parent
// while children of the file name it: it writes nothing, and its apply
// hands the new id to the children waiting for it.
type parentPlan struct{ par *variantParent }

func (pp *parentPlan) changes() []pipeline.Change { return nil }

// mustApply: the composite applies the plan although it shows no change.
func (pp *parentPlan) mustApply() bool { return true }

func (pp *parentPlan) apply(_ context.Context, itemID int64) error {
	par := pp.par
	par.mu.Lock()
	if par.id == 0 {
		// created by this row just now: no variations, no children yet
		par.id, par.loaded = itemID, true
	}
	par.wake()
	par.mu.Unlock()
	return nil
}

// wake lets the children waiting for the parent go on; par.mu is held.
func (par *variantParent) wake() {
	if !par.readyShut {
		close(par.ready)
		par.readyShut = true
	}
}
