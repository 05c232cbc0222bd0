package erptest

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// keyed is an in-memory collection of records keyed by Id, kept in Id
// order (the API's stable list order). It is the store of every resource
// that is a plain keyed collection; a collectionDef row serves it.
type keyed[T any] struct {
	list []*T
	byID map[int]*T
	next int // the last Id given
	id   func(*T) *int
}

func newKeyed[T any](id func(*T) *int) *keyed[T] {
	return &keyed[T]{byID: map[int]*T{}, id: id}
}

// load fills the collection from seed records (Ids 0 are assigned).
func (k *keyed[T]) load(src []T, what string) error {
	if err := loadList(src, &k.list, k.byID, k.id, what); err != nil {
		return err
	}
	for _, v := range k.list {
		k.next = max(k.next, *k.id(v))
	}
	return nil
}

func (k *keyed[T]) get(id int) *T { return k.byID[id] }

// add gives v the next Id and stores it.
func (k *keyed[T]) add(v *T) {
	k.next++
	*k.id(v) = k.next
	k.list = append(k.list, v)
	k.byID[k.next] = v
}

// replace stores v in place of the record with its Id.
func (k *keyed[T]) replace(v *T) {
	id := *k.id(v)
	if i, ok := slices.BinarySearchFunc(k.list, id, func(e *T, id int) int { return cmp.Compare(*k.id(e), id) }); ok {
		k.list[i] = v
	}
	k.byID[id] = v
}

func (k *keyed[T]) remove(id int) {
	k.list = slices.DeleteFunc(k.list, func(e *T) bool { return *k.id(e) == id })
	delete(k.byID, id)
}

// collectionDef plugs a keyed collection into the API: the paths and
// operation ids of the spec (mirroring the resource's row in package erp;
// TestCollectionsMatchResourceTable keeps them in step) and the few rules
// of its own a resource has. An operation id left "" is not served.
type collectionDef[T any] struct {
	noun       string // for 404 messages: category, customer group
	list, item string // /categories, /categories/{categoryId}
	param      string // categoryId
	paged      bool   // the list answers PagedList; else a plain array
	listOp     string
	getOp      string
	createOp   string
	patchOp    string
	deleteOp   string
	coll       func(*store) *keyed[T]
	// check validates and completes a record before it is stored (old is
	// nil on create); its errors answer 400 with ValidationErrors.
	check func(st *store, rec, old *T) map[string]string
	// stored runs after a create or update (e.g. one default group).
	stored func(st *store, rec *T)
	// inUse refuses a DELETE with 400 when it says why.
	inUse func(st *store, id int) string
}

// routes are the collection's API routes.
func (d *collectionDef[T]) routes() []route {
	var out []route
	add := func(method, path, op string, write bool, h func(*Emulator, *call) reply) {
		if op != "" {
			out = append(out, route{method: method, path: path, opID: op, write: write, h: h})
		}
	}
	add("GET", d.list, d.listOp, false, d.serveList)
	add("POST", d.list, d.createOp, true, d.serveCreate)
	add("GET", d.item, d.getOp, false, d.serveGet)
	add("PATCH", d.item, d.patchOp, true, d.servePatch)
	add("DELETE", d.item, d.deleteOp, true, d.serveDelete)
	return out
}

func (d *collectionDef[T]) serveList(e *Emulator, c *call) reply {
	var number, size int
	if d.paged {
		number, size = e.paging(c)
	}
	if r := queryErrors(c); r != nil {
		return *r
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	list := d.coll(e.st).list
	if d.paged {
		return jsonReply(http.StatusOK, paginate(list, number, size))
	}
	if list == nil {
		list = []*T{}
	}
	return jsonReply(http.StatusOK, list)
}

func (d *collectionDef[T]) serveGet(e *Emulator, c *call) reply {
	id, ok := c.pathID(d.param)
	e.mu.RLock()
	defer e.mu.RUnlock()
	v := d.coll(e.st).get(id)
	if !ok || v == nil {
		return notFound(d.noun, c.r.PathValue(d.param))
	}
	return jsonReply(http.StatusOK, v)
}

// decode merges the request body into base (the zero record or the
// current one) as the spec's request schema allows.
func (d *collectionDef[T]) decode(c *call, op string, base *T) (*T, *reply) {
	v, bad := decodeBody(c, op)
	if bad != nil {
		return nil, bad
	}
	m := toMap(base)
	mergeInto(m, v.(map[string]any), requestSchema(op))
	out := new(T)
	if err := fromJSONValue(m, out); err != nil {
		r := validationReply(map[string]string{"$": err.Error()})
		return nil, &r
	}
	return out, nil
}

func (d *collectionDef[T]) serveCreate(e *Emulator, c *call) reply {
	rec, bad := d.decode(c, d.createOp, new(T))
	if bad != nil {
		return *bad
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	if d.check != nil {
		if verrs := d.check(st, rec, nil); len(verrs) > 0 {
			return validationReply(verrs)
		}
	}
	d.coll(st).add(rec)
	if d.stored != nil {
		d.stored(st, rec)
	}
	st.version++
	return jsonReply(http.StatusCreated, rec)
}

func (d *collectionDef[T]) servePatch(e *Emulator, c *call) reply {
	id, ok := c.pathID(d.param)
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	col := d.coll(st)
	old := col.get(id)
	if !ok || old == nil {
		return notFound(d.noun, c.r.PathValue(d.param))
	}
	rec, bad := d.decode(c, d.patchOp, old)
	if bad != nil {
		return *bad
	}
	*col.id(rec) = id
	if d.check != nil {
		if verrs := d.check(st, rec, old); len(verrs) > 0 {
			return validationReply(verrs)
		}
	}
	col.replace(rec)
	if d.stored != nil {
		d.stored(st, rec)
	}
	st.version++
	return jsonReply(http.StatusCreated, rec)
}

func (d *collectionDef[T]) serveDelete(e *Emulator, c *call) reply {
	id, ok := c.pathID(d.param)
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	col := d.coll(st)
	if !ok || col.get(id) == nil {
		return notFound(d.noun, c.r.PathValue(d.param))
	}
	if d.inUse != nil {
		if why := d.inUse(st, id); why != "" {
			return validationReply(map[string]string{d.param: why})
		}
	}
	col.remove(id)
	st.version++
	return noContent()
}

// --- the collections ---

var categoryDef = &collectionDef[Category]{
	noun: "category", list: "/categories", item: "/categories/{categoryId}", param: "categoryId", paged: true,
	listOp: "CategoryHeader_QueryCategoriesAsync", getOp: "CategoryHeader_GetCategoryAsync",
	createOp: "CategoryHeader_CreateCategoryAsync", patchOp: "CategoryHeader_UpdateCategoryAsync",
	coll:  func(st *store) *keyed[Category] { return st.categories },
	check: checkCategory,
}

// checkCategory: the parent exists and is not the category or below it;
// Level follows the parent (a root is 1).
func checkCategory(st *store, cat, old *Category) map[string]string {
	cat.Level = 1
	if cat.ParentCategoryId == 0 {
		return nil
	}
	for p, n := st.categories.get(cat.ParentCategoryId), 0; p != nil && n < 50; p, n = st.categories.get(p.ParentCategoryId), n+1 {
		if old != nil && p.Id == old.Id {
			return map[string]string{"ParentCategoryId": fmt.Sprintf("The category %d cannot be its own parent.", cat.ParentCategoryId)}
		}
	}
	p := st.categories.get(cat.ParentCategoryId)
	if p == nil {
		return map[string]string{"ParentCategoryId": fmt.Sprintf("The category %d does not exist.", cat.ParentCategoryId)}
	}
	cat.Level = p.Level + 1
	return nil
}

var customerGroupDef = &collectionDef[CustomerGroup]{
	noun: "customer group", list: "/customerGroups", item: "/customerGroups/{customergroupId}", param: "customergroupId",
	listOp: "CustomerGroupHeader_QueryCustomerGroupsAsync", getOp: "CustomerGroupHeader_GetCustomerGroupAsync",
	createOp: "CustomerGroupHeader_CreateCustomerGroupAsync", patchOp: "CustomerGroupHeader_UpdateCustomerGroupAsync",
	deleteOp: "CustomerGroupHeader_DeleteCustomerGroupAsync",
	coll:     func(st *store) *keyed[CustomerGroup] { return st.customerGroups },
	check: func(_ *store, g, _ *CustomerGroup) map[string]string {
		if g.Name == "" {
			return map[string]string{"Name": "The name of the customer group must not be empty."}
		}
		return nil
	},
	stored: oneDefaultGroup,
	inUse: func(st *store, id int) string {
		for _, cu := range st.customers {
			if cu.CustomerGroupId == id {
				return fmt.Sprintf("The customer group %d is assigned to customer %s.", id, cu.Number)
			}
		}
		return ""
	},
}

// oneDefaultGroup: "Only one group can be selected as the default group".
func oneDefaultGroup(st *store, g *CustomerGroup) {
	if !g.IsDefault {
		return
	}
	for i, o := range st.customerGroups.list {
		if o.Id != g.Id && o.IsDefault {
			c := *o // stored records are replaced, never changed in place
			c.IsDefault = false
			st.customerGroups.list[i] = &c
			st.customerGroups.byID[c.Id] = &c
		}
	}
}

// collections are the keyed collections the emulator serves generically.
var collections = append([]collection{categoryDef, customerGroupDef, itemDescriptionDef,
	itemSupplierDef, salesChannelPriceDef, customerPriceDef, itemSpecialPriceDef}, refLists...)

// collection is a collectionDef whatever its record type.
type collection interface {
	routes() []route
	paths() (list, item, param string, paged bool)
}

func (d *collectionDef[T]) paths() (list, item, param string, paged bool) {
	return d.list, d.item, d.param, d.paged
}

// collectionRoutes are the routes of every keyed collection.
func collectionRoutes() []route {
	var out []route
	for _, c := range collections {
		out = append(out, c.routes()...)
	}
	return out
}

// children is an in-memory collection of records below parents (an
// item's descriptions), keyed within a parent by the values of the path
// parameters after the parent's, compared ignoring case like the Wawi's
// collation. A childDef row serves it.
type children[T any] struct {
	byParent map[int][]*T
}

func newChildren[T any]() *children[T] { return &children[T]{byParent: map[int][]*T{}} }

// find returns the position of the record with key below parent, or -1.
func (c *children[T]) find(parent int, key []string, keyOf func(*T) []string) int {
	for i, v := range c.byParent[parent] {
		if slices.EqualFunc(keyOf(v), key, strings.EqualFold) {
			return i
		}
	}
	return -1
}

// childDef plugs a children collection into the API, like collectionDef.
type childDef[T any] struct {
	noun, parentNoun string
	list, item       string // /items/{itemId}/descriptions, .../{salesChannelId}/{languageIso}
	parentParam      string
	keyParams        []string
	listOp           string
	createOp         string
	patchOp          string
	deleteOp         string
	coll             func(*store) *children[T]
	parentExists     func(st *store, id int) bool
	keyOf            func(*T) []string // values of keyParams
	setParent        func(*T, int)
	// check validates and completes a record before it is stored (400
	// with its errors); stored runs after (one standard supplier).
	check  func(st *store, rec *T) map[string]string
	stored func(st *store, parent int, rec *T)
}

func (d *childDef[T]) routes() []route {
	var out []route
	add := func(method, path, op string, write bool, h func(*Emulator, *call) reply) {
		if op != "" {
			out = append(out, route{method: method, path: path, opID: op, write: write, h: h})
		}
	}
	add("GET", d.list, d.listOp, false, d.serveList)
	add("POST", d.list, d.createOp, true, d.serveCreate)
	add("PATCH", d.item, d.patchOp, true, d.servePatch)
	add("DELETE", d.item, d.deleteOp, true, d.serveDelete)
	return out
}

func (d *childDef[T]) paths() (list, item, param string, paged bool) {
	return d.list, d.item, "", false
}

// parent reads the parent's id from the path; the reply is set when there
// is no such parent. The caller holds e.mu.
func (d *childDef[T]) parent(e *Emulator, c *call) (int, *reply) {
	id, ok := c.pathID(d.parentParam)
	if !ok || !d.parentExists(e.st, id) {
		r := notFound(d.parentNoun, c.r.PathValue(d.parentParam))
		return 0, &r
	}
	return id, nil
}

func (d *childDef[T]) key(c *call) []string {
	out := make([]string, len(d.keyParams))
	for i, p := range d.keyParams {
		out[i] = c.r.PathValue(p)
	}
	return out
}

func (d *childDef[T]) serveList(e *Emulator, c *call) reply {
	e.mu.RLock()
	defer e.mu.RUnlock()
	pid, bad := d.parent(e, c)
	if bad != nil {
		return *bad
	}
	list := d.coll(e.st).byParent[pid]
	if list == nil {
		list = []*T{}
	}
	return jsonReply(http.StatusOK, list)
}

func (d *childDef[T]) serveCreate(e *Emulator, c *call) reply {
	rec, bad := (&collectionDef[T]{}).decode(c, d.createOp, new(T))
	e.mu.Lock()
	defer e.mu.Unlock()
	pid, nf := d.parent(e, c)
	if nf != nil {
		return *nf
	}
	if bad != nil {
		return *bad
	}
	col := d.coll(e.st)
	if col.find(pid, d.keyOf(rec), d.keyOf) >= 0 {
		return e.duplicate(d.keyParams[0], fmt.Sprintf("The %s %v exists already.", d.noun, d.keyOf(rec)))
	}
	d.setParent(rec, pid)
	if d.check != nil {
		if verrs := d.check(e.st, rec); len(verrs) > 0 {
			return validationReply(verrs)
		}
	}
	col.byParent[pid] = append(col.byParent[pid], rec)
	if d.stored != nil {
		d.stored(e.st, pid, rec)
	}
	e.st.version++
	return jsonReply(http.StatusCreated, rec)
}

// noContent is the empty answer the spec declares as application/json.
func noContent() reply {
	return reply{status: http.StatusNoContent, header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}}
}

func (d *childDef[T]) servePatch(e *Emulator, c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	pid, nf := d.parent(e, c)
	if nf != nil {
		return *nf
	}
	col := d.coll(e.st)
	i := col.find(pid, d.key(c), d.keyOf)
	if i < 0 {
		return notFound(d.noun, strings.Join(d.key(c), "/"))
	}
	old := col.byParent[pid][i]
	rec, bad := (&collectionDef[T]{}).decode(c, d.patchOp, old)
	if bad != nil {
		return *bad
	}
	d.setParent(rec, pid)
	if d.check != nil {
		if verrs := d.check(e.st, rec); len(verrs) > 0 {
			return validationReply(verrs)
		}
	}
	col.byParent[pid][i] = rec // the key is in the path: the body cannot change it
	if d.stored != nil {
		d.stored(e.st, pid, rec)
	}
	e.st.version++
	return noContent()
}

func (d *childDef[T]) serveDelete(e *Emulator, c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	pid, nf := d.parent(e, c)
	if nf != nil {
		return *nf
	}
	col := d.coll(e.st)
	i := col.find(pid, d.key(c), d.keyOf)
	if i < 0 {
		return notFound(d.noun, strings.Join(d.key(c), "/"))
	}
	col.byParent[pid] = slices.Delete(col.byParent[pid], i, i+1)
	e.st.version++
	return noContent()
}

var itemDescriptionDef = &childDef[ItemDescription]{
	noun: "item description", parentNoun: "item",
	list: "/items/{itemId}/descriptions", item: "/items/{itemId}/descriptions/{salesChannelId}/{languageIso}",
	parentParam: "itemId", keyParams: []string{"salesChannelId", "languageIso"},
	listOp: "ItemHeader_QueryItemDescriptionsAsync", createOp: "ItemHeader_CreateItemDescriptionAsync",
	patchOp: "ItemHeader_UpdateItemDescriptionAsync", deleteOp: "ItemHeader_DeleteItemDescriptionAsync",
	coll:         func(st *store) *children[ItemDescription] { return st.itemDescriptions },
	parentExists: func(st *store, id int) bool { return st.itemByID[id] != nil },
	keyOf:        func(d *ItemDescription) []string { return []string{d.SalesChannelId, d.LanguageIso} },
	setParent:    func(d *ItemDescription, id int) { d.ItemId = id },
}

// loadDescriptions adds the seed's item descriptions.
func (s *store) loadDescriptions(src []ItemDescription) error {
	for i := range src {
		d := src[i]
		if s.itemByID[d.ItemId] == nil {
			return fmt.Errorf("seed: item description for item %d, which does not exist", d.ItemId)
		}
		if s.itemDescriptions.find(d.ItemId, itemDescriptionDef.keyOf(&d), itemDescriptionDef.keyOf) >= 0 {
			return fmt.Errorf("seed: item %d has two descriptions for %s/%s", d.ItemId, d.SalesChannelId, d.LanguageIso)
		}
		s.itemDescriptions.byParent[d.ItemId] = append(s.itemDescriptions.byParent[d.ItemId], &d)
	}
	return nil
}

// all lists the records of every parent, parents in Id order.
func (c *children[T]) all() []T {
	ids := slices.Sorted(maps.Keys(c.byParent))
	var out []T
	for _, id := range ids {
		for _, v := range c.byParent[id] {
			out = append(out, *v)
		}
	}
	return out
}
