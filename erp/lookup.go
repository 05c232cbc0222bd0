package erp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Lookups resolves the ERP lookup tables of a mapping (mapping.lookups.X.erp)
// through the Wawi. It implements the mappings.Resolver method set without
// importing mappings. Safe for concurrent use; one Lookups serves one run.
//
// Tables:
//
//	categories, warehouses, manufacturers,   key: the Name; result: the Id (int64).
//	companies, paymentMethods,                Warehouses also match their Code.
//	shippingMethods
//	customers                                 key: the customer Number or e-mail; result: the Id.
//	<resource>.<Field>                        key: an Id; result: that field of the
//	                                          record, e.g. paymentMethods.Name,
//	                                          customers.BillingAddress.Company,
//	                                          items.SKU (for exports).
//
// Name tables are loaded once per run by paging their list, then answered
// from memory. Names match exactly, else case-insensitively and trimmed when
// that is unique. customers and the <resource>.<Field> tables of resources
// with a record endpoint (items, customers, salesOrders, categories) ask per
// key (GET /customers?number=…, GET /items/{id}) and cache the answer.
//
// Categories may be named by path, "Werkzeug > Zangen": each part is looked
// up among the children of the one before. A plain name matches a category
// at any level; a name that several categories share is not found (and never
// created): name it by its path instead.
//
// create=true (categories only) creates a missing category with
// POST /categories, the parents of a path first, once per name even when
// many goroutines ask at once; a lost answer is checked by reading the
// categories again, so a retry never creates a second one. After
// SetDryRun(true) nothing is created: see SetDryRun.
type Lookups struct {
	c   *Client
	dry atomic.Bool
	// fatal is the first RunFatal error a lookup met (credentials refused,
	// the route missing, the Wawi unavailable beyond the retry budget):
	// every later Resolve answers it at once, so that a run stops with one
	// message instead of every record waiting out the budget again.
	fatal atomic.Pointer[error]
	// placeholders are the ids a dry run hands out for categories it would
	// create, by lower-cased key.
	phMu         sync.Mutex
	placeholders map[string]int64
	phNames      []string // by -id-1: the path as the first record wrote it

	mu     sync.Mutex
	lists  map[string]*listTable // by resource name
	byKey  map[string]*keyCache  // per-key tables: "customers", "items.SKU", ...
	create sync.Mutex            // serialises category creation
	ext    lookupExt             // properties and custom fields (lookup_refs_props.go)
}

// NewLookups returns lookups served by c.
func NewLookups(c *Client) *Lookups {
	return &Lookups{c: c, lists: map[string]*listTable{}, byKey: map[string]*keyCache{}, placeholders: map[string]int64{}}
}

// SetDryRun switches creation off (true) or on. While off, a missing
// category that create would make resolves to a placeholder id instead:
// negative, one per name (-1, -2, ...), so that a planning pass sees the
// same records as the real run without writing anything. The mapping caches
// what Resolve answered, so a pass that writes must not reuse a mapping
// that ran in dry mode: the placeholders would be sent.
func (l *Lookups) SetDryRun(dry bool) { l.dry.Store(dry) }

func (l *Lookups) placeholder(key string) int64 {
	l.phMu.Lock()
	defer l.phMu.Unlock()
	k := strings.ToLower(strings.Join(splitPath(key), " > "))
	id, ok := l.placeholders[k]
	if !ok {
		id = -int64(len(l.placeholders) + 1)
		l.placeholders[k] = id
		l.phNames = append(l.phNames, strings.Join(splitPath(key), " > "))
	}
	return id
}

// PlaceholderName names what a placeholder id of a dry run stands for
// (Werkzeug > Messwerkzeuge), so that reports can show it instead of -1.
func (l *Lookups) PlaceholderName(id int64) (string, bool) {
	l.phMu.Lock()
	defer l.phMu.Unlock()
	if id >= 0 || -id > int64(len(l.phNames)) {
		return "", false
	}
	return l.phNames[-id-1], true
}

// nameTables are the tables whose key is a Name and result an Id.
var nameTables = []string{"categories", "companies", "manufacturers", "paymentMethods", "shippingMethods", "warehouses"}

// LookupTables lists the valid table names, for messages and schemas.
func LookupTables() []string {
	out := append([]string{"customers"}, nameTables...)
	sort.Strings(out)
	out = append(out, refTableNames()...) // lookup_refs.go
	return append(out, "<resource>.<Field>")
}

func unknownTable(table string) error {
	return fmt.Errorf("unknown ERP lookup table %q: valid are %s (e.g. paymentMethods.Name)", table, strings.Join(LookupTables(), ", "))
}

// Resolve translates key through table. found=false: the key is not there
// (and create was not asked or not possible). err: a transport or server
// failure, an unknown table, or create on a table other than categories.
func (l *Lookups) Resolve(ctx context.Context, table, key string, create bool) (any, bool, error) {
	if p := l.fatal.Load(); p != nil {
		return nil, false, *p
	}
	v, found, err := l.resolve(ctx, table, key, create)
	var rf interface{ RunFatal() bool }
	if err != nil && errors.As(err, &rf) && rf.RunFatal() {
		l.fatal.CompareAndSwap(nil, &err)
	}
	return v, found, err
}

func (l *Lookups) resolve(ctx context.Context, table, key string, create bool) (any, bool, error) {
	name, field, hasField := strings.Cut(table, ".")
	def, ok := Resource(name)
	if !ok {
		return nil, false, unknownTable(table)
	}
	if create && (hasField || def.Name != "categories") {
		return nil, false, fmt.Errorf("ERP lookup %q: create is only possible for categories", table)
	}
	key = strings.TrimSpace(key)
	if key == "" {
		return nil, false, nil
	}
	if hasField {
		if field == "" {
			return nil, false, unknownTable(table)
		}
		return l.field(ctx, def, field, key)
	}
	if v, found, ok, err := l.resolveRef(ctx, def, key); ok { // lookup_refs.go
		return v, found, err
	}
	switch {
	case def.Name == "customers":
		return l.customer(ctx, key)
	case isNameTable(def.Name):
		t, err := l.list(ctx, def)
		if err != nil {
			return nil, false, err
		}
		if def.Name == "categories" {
			return l.category(ctx, t, key, create)
		}
		if i, ok := t.byName(key, "Name"); ok {
			return t.id(i), true, nil
		}
		if def.Name == "warehouses" {
			if i, ok := t.byName(key, "Code"); ok {
				return t.id(i), true, nil
			}
		}
		return nil, false, nil
	}
	return nil, false, unknownTable(table)
}

func isNameTable(name string) bool {
	for _, n := range nameTables {
		if n == name {
			return true
		}
	}
	return false
}

// listTable is a small resource read completely: categories, warehouses, ...
type listTable struct {
	def  *ResourceDef
	mu   sync.RWMutex
	recs []map[string]any
	ids  map[string]int // Id as text -> position in recs
}

func (t *listTable) add(rec map[string]any) {
	t.recs = append(t.recs, rec)
	t.ids[idText(rec["Id"])] = len(t.recs) - 1
}

func (t *listTable) id(i int) any {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return idValue(t.recs[i]["Id"])
}

// byName finds the one record whose field equals key: exactly, else
// case-insensitively after trimming when that is unique.
func (t *listTable) byName(key, field string) (int, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.match(key, field, func(map[string]any) bool { return true })
}

// match is byName among the records keep accepts; t.mu is held.
func (t *listTable) match(key, field string, keep func(map[string]any) bool) (int, bool) {
	exact, fold := -1, -1
	nExact, nFold := 0, 0
	for i, r := range t.recs {
		if !keep(r) {
			continue
		}
		s, _ := r[field].(string)
		switch {
		case s == key:
			exact, nExact = i, nExact+1
		case strings.EqualFold(strings.TrimSpace(s), key):
			fold, nFold = i, nFold+1
		}
	}
	switch {
	case nExact == 1:
		return exact, true
	case nExact == 0 && nFold == 1:
		return fold, true
	}
	return -1, false
}

// list loads a list table once. A failed load is not kept: the next call
// tries again.
func (l *Lookups) list(ctx context.Context, def *ResourceDef) (*listTable, error) {
	l.mu.Lock()
	t := l.lists[def.Name]
	if t == nil {
		t = &listTable{def: def}
		l.lists[def.Name] = t
	}
	l.mu.Unlock()
	// The table's write lock is the "once": concurrent first callers wait
	// for one load.
	t.mu.RLock()
	loaded := t.ids != nil
	t.mu.RUnlock()
	if loaded {
		return t, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ids != nil {
		return t, nil
	}
	recs, err := l.readAll(ctx, def)
	if err != nil {
		return nil, err
	}
	t.recs, t.ids = nil, map[string]int{}
	for _, r := range recs {
		t.add(r)
	}
	return t, nil
}

// readAll reads a look-up table whole. A list that shrinks while it is
// paged (a record deleted meanwhile) may shift a record past the pages
// already read: the table would lack it, a name would be "not found", and
// a category looked up, or checked after a lost answer, would be created
// a second time. Such a read is done again (the tables are small); a list
// that keeps shrinking ends the look-up with that error.
func (l *Lookups) readAll(ctx context.Context, def *ResourceDef) ([]map[string]any, error) {
	var err error
	for range readAllTries {
		var recs []map[string]any
		if recs, err = l.readOnce(ctx, def); !errors.Is(err, ErrListShrank) {
			return recs, err
		}
	}
	return nil, err
}

// readAllTries is how often readAll reads a list that shrinks meanwhile.
const readAllTries = 3

func (l *Lookups) readOnce(ctx context.Context, def *ResourceDef) ([]map[string]any, error) {
	var recs []map[string]any
	for rec, err := range l.c.List(ctx, def.ListPath, nil, PageOptions{Complete: true}) {
		if err != nil {
			return nil, fmt.Errorf("ERP lookup %s: %w", def.Name, err)
		}
		recs = append(recs, rec)
	}
	return recs, nil
}

// category resolves a name or a "A > B" path, creating what is missing when
// asked.
func (l *Lookups) category(ctx context.Context, t *listTable, key string, create bool) (any, bool, error) {
	parts := splitPath(key)
	if len(parts) == 0 {
		return nil, false, nil
	}
	if id, found, ambiguous := t.categoryPath(parts); found {
		return id, true, nil
	} else if ambiguous || !create {
		return nil, false, nil
	}
	if l.dry.Load() {
		return l.placeholder(key), true, nil
	}
	l.create.Lock()
	defer l.create.Unlock()
	// Another goroutine may have created it while we waited.
	if id, found, ambiguous := t.categoryPath(parts); found || ambiguous {
		return id, found, nil
	}
	// A single name found nowhere becomes a top-level category; a path
	// creates the parts missing below the last one that exists.
	parent := int64(0)
	for _, name := range parts {
		sub, ok := t.child(parent, name)
		if !ok {
			id, err := l.createCategory(ctx, t, name, parent)
			if err != nil {
				return nil, false, err
			}
			sub = id
		}
		parent = sub.(int64)
	}
	return parent, true, nil
}

func splitPath(key string) []string {
	var parts []string
	for p := range strings.SplitSeq(key, ">") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return parts
}

// categoryPath finds a category by path. A single name matches at any level
// and must be unique; ambiguous reports a name several categories share.
func (t *listTable) categoryPath(parts []string) (id any, found, ambiguous bool) {
	if len(parts) == 1 {
		t.mu.RLock()
		i, ok := t.match(parts[0], "Name", func(map[string]any) bool { return true })
		if !ok {
			ambiguous = t.count(parts[0]) > 1 // several, not none
		}
		t.mu.RUnlock()
		if ok {
			return t.id(i), true, false
		}
		return nil, false, ambiguous
	}
	parent := int64(0)
	for _, name := range parts {
		sub, ok := t.child(parent, name)
		if !ok {
			return nil, false, false
		}
		parent = sub.(int64)
	}
	return parent, true, false
}

// count is how many categories carry name (case-insensitively); t.mu is held.
func (t *listTable) count(name string) int {
	n := 0
	for _, r := range t.recs {
		if s, _ := r["Name"].(string); strings.EqualFold(strings.TrimSpace(s), name) {
			n++
		}
	}
	return n
}

// child finds the category name below parent (0: top level).
func (t *listTable) child(parent int64, name string) (any, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	i, ok := t.match(name, "Name", func(r map[string]any) bool {
		p, _ := idValue(r["ParentCategoryId"]).(int64)
		return p == parent
	})
	if !ok {
		return nil, false
	}
	return idValue(t.recs[i]["Id"]), true
}

// createCategory posts one category. A lost answer is settled by reading the
// categories again: when one of that name and parent exists, it is the one
// the lost POST made.
func (l *Lookups) createCategory(ctx context.Context, t *listTable, name string, parent int64) (int64, error) {
	body := map[string]any{"Name": name}
	if parent != 0 {
		body["ParentCategoryId"] = parent
	}
	find := func(recs []map[string]any) map[string]any {
		for _, r := range recs {
			p, _ := idValue(r["ParentCategoryId"]).(int64)
			if s, _ := r["Name"].(string); s == name && p == parent {
				return r
			}
		}
		return nil
	}
	var found map[string]any
	landed := func(ctx context.Context) (bool, error) {
		recs, err := l.readAll(ctx, t.def)
		if err != nil {
			return false, err
		}
		found = find(recs)
		return found != nil, nil
	}
	var out map[string]any
	err := l.c.Post(ctx, t.def.CreatePath, nil, body, &out, landed)
	switch {
	case errors.Is(err, ErrLandedElsewhere) && found != nil:
		out = found
	case err != nil:
		return 0, fmt.Errorf("ERP lookup categories: create %q: %w", name, err)
	}
	id, ok := idValue(out["Id"]).(int64)
	if !ok {
		return 0, fmt.Errorf("ERP lookup categories: create %q: the answer has no Id", name)
	}
	if _, has := out["ParentCategoryId"]; !has && parent != 0 {
		out["ParentCategoryId"] = json.Number(strconv.FormatInt(parent, 10))
	}
	t.mu.Lock()
	t.add(out)
	t.mu.Unlock()
	return id, nil
}

// keyCache remembers per-key answers of a table asked key by key.
type keyCache struct {
	mu sync.Mutex
	m  map[string]*keyEntry
}

type keyEntry struct {
	done  chan struct{}
	val   any
	found bool
	err   error
}

// get answers key through fetch once; concurrent callers of the same key
// wait for the first. Failures are not cached.
func (k *keyCache) get(ctx context.Context, key string, fetch func(context.Context) (any, bool, error)) (any, bool, error) {
	k.mu.Lock()
	e := k.m[key]
	if e == nil {
		e = &keyEntry{done: make(chan struct{})}
		k.m[key] = e
		k.mu.Unlock()
		e.val, e.found, e.err = fetch(ctx)
		if e.err != nil {
			k.mu.Lock()
			delete(k.m, key)
			k.mu.Unlock()
		}
		close(e.done)
		return e.val, e.found, e.err
	}
	k.mu.Unlock()
	select {
	case <-e.done:
		return e.val, e.found, e.err
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

func (l *Lookups) cache(name string) *keyCache {
	l.mu.Lock()
	defer l.mu.Unlock()
	k := l.byKey[name]
	if k == nil {
		k = &keyCache{m: map[string]*keyEntry{}}
		l.byKey[name] = k
	}
	return k
}

// customer finds a customer's Id by Number with the exact number filter,
// or by the billing address's e-mail (a key with @: shop and marketplace
// orders name the buyer by e-mail) with the search filter, checked
// exactly. A key that several customers match is not found.
func (l *Lookups) customer(ctx context.Context, number string) (any, bool, error) {
	def, _ := Resource("customers")
	return l.cache("customers").get(ctx, strings.ToLower(number), func(ctx context.Context) (any, bool, error) {
		nk, _ := def.NaturalKey("Number")
		q, field := url.Values{nk.Lookup: {number}}, "Number"
		if strings.Contains(number, "@") {
			q, field = url.Values{"searchKeyWord": {number}}, "BillingAddress.EmailAddress"
		}
		var hit any
		n := 0
		for rec, err := range l.c.List(ctx, def.ListPath, q, PageOptions{}) {
			if err != nil {
				return nil, false, fmt.Errorf("ERP lookup customers: %w", err)
			}
			v, _ := Lookup(rec, field)
			if s, _ := v.(string); strings.EqualFold(strings.TrimSpace(s), number) {
				hit, n = idValue(rec["Id"]), n+1
			}
		}
		return hit, n == 1, nil
	})
}

// field answers <resource>.<Field>: the field of the record with that Id.
func (l *Lookups) field(ctx context.Context, def *ResourceDef, field, id string) (any, bool, error) {
	if def.ItemPath == "" || isNameTable(def.Name) {
		if def.ListPath == "" || def.IDField == "" || strings.Contains(def.ListPath, "{") {
			return nil, false, fmt.Errorf("ERP lookup %s.%s: %s cannot be looked up by Id", def.Name, field, def.Name)
		}
		t, err := l.list(ctx, def)
		if err != nil {
			return nil, false, err
		}
		t.mu.RLock()
		defer t.mu.RUnlock()
		i, ok := t.ids[normID(id)]
		if !ok {
			return nil, false, nil
		}
		v, ok := Lookup(t.recs[i], field)
		return v, ok, nil
	}
	return l.cache(def.Name+"."+field).get(ctx, normID(id), func(ctx context.Context) (any, bool, error) {
		if _, err := strconv.ParseInt(normID(id), 10, 64); err != nil {
			return nil, false, nil // not an id: cannot exist
		}
		var rec map[string]any
		if err := l.c.Get(ctx, def.ItemURL(normID(id)), nil, &rec); err != nil {
			var ae *APIError
			if errors.As(err, &ae) && ae.Status == http.StatusNotFound && !ae.RouteMissing {
				return nil, false, nil // no record with that id
			}
			return nil, false, fmt.Errorf("ERP lookup %s.%s: %w", def.Name, field, err)
		}
		v, ok := Lookup(rec, field)
		return v, ok, nil
	})
}

// normID writes an id key as the API does: "7.0" and " 7" are 7.
func normID(s string) string {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil && f == float64(int64(f)) {
		return strconv.FormatInt(int64(f), 10)
	}
	return s
}

// idValue turns a decoded Id (json.Number, float64, string) into int64 when
// it is an integer, else returns it unchanged.
func idValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
	case float64:
		if x == float64(int64(x)) {
			return int64(x)
		}
	case int:
		return int64(x)
	case int64:
		return x
	case string:
		if n, err := strconv.ParseInt(x, 10, 64); err == nil {
			return n
		}
	}
	return v
}

func idText(v any) string {
	if n, ok := idValue(v).(int64); ok {
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprint(v)
}
