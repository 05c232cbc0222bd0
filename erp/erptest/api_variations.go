package erptest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// Variations: a parent item's variations (Farbe, Größe), their values (Rot,
// M), and its children, each tied to one value of every variation of its
// parent. The spec has no GET of one variation or value (the lists are
// read), and nothing in an item says which values a child has: the child
// assignment's body (POST /items/{itemId}/children/{childItemId}, an array
// of the parent's variation value ids, "an exact match, and no other child
// can have these exact variation values") is the only place they are set.
// The emulator keeps them (ChildVariationValues) and sets the child's
// ParentItemId and the parent's ChildItems, which the spec's Item shows.
//
// Rules of its own: names are unique within their item or variation
// (ignoring case, refused with 400 and counted as a duplicate prevented);
// a child item cannot have variations and a parent cannot become a child;
// a child gives exactly one value of every variation of its parent; a
// variation or value that a child uses cannot be deleted; a child already
// assigned to another parent is refused (assigning it to its own parent
// again replaces its values).

// Translation is the spec's Translation: a term in a non-default language.
type Translation struct {
	LanguageIso string
	Name        string
}

// ItemVariation is the spec's ItemVariation.
type ItemVariation struct {
	Id           int
	ItemId       int
	Name         string
	Type         int
	Translations []Translation
}

// ItemVariationValue is the spec's ItemVariationValue.
type ItemVariationValue struct {
	Id           int
	Name         string
	Translations []Translation
}

// variationStore is the variations of every item; e.mu guards it.
type variationStore struct {
	byItem map[int][]*variationRec
	// childValues are a child item's variation value ids, sorted.
	childValues      map[int][]int
	nextVar, nextVal int
}

type variationRec struct {
	ItemVariation
	values []*ItemVariationValue
}

func newVariationStore() *variationStore {
	return &variationStore{byItem: map[int][]*variationRec{}, childValues: map[int][]int{}}
}

func init() {
	apiRoutes = append(apiRoutes,
		route{method: "GET", path: "/items/{itemId}/variations", opID: "ItemHeader_QueryItemVariationsAsync", h: (*Emulator).listVariations},
		route{method: "POST", path: "/items/{itemId}/variations", opID: "ItemHeader_CreateItemVariationAsync", write: true, h: (*Emulator).createVariation},
		route{method: "PATCH", path: "/items/{itemId}/variations/{variationId}", opID: "ItemHeader_UpdateItemVariationAsync", write: true, h: (*Emulator).patchVariation},
		route{method: "DELETE", path: "/items/{itemId}/variations/{variationId}", opID: "ItemHeader_DeleteItemVariationAsync", write: true, h: (*Emulator).deleteVariation},
		route{method: "GET", path: "/items/{itemId}/variations/{variationId}/values", opID: "ItemHeader_QueryItemVariationValuesAsync", h: (*Emulator).listVariationValues},
		route{method: "POST", path: "/items/{itemId}/variations/{variationId}/values", opID: "ItemHeader_CreateItemVariationValueAsync", write: true, h: (*Emulator).createVariationValue},
		route{method: "PATCH", path: "/items/{itemId}/variations/{variationId}/values/{variationValueId}", opID: "ItemHeader_UpdateItemVariationValueAsync", write: true, h: (*Emulator).patchVariationValue},
		route{method: "DELETE", path: "/items/{itemId}/variations/{variationId}/values/{variationValueId}", opID: "ItemHeader_DeleteItemVariationValueAsync", write: true, h: (*Emulator).deleteVariationValue},
		route{method: "POST", path: "/items/{itemId}/children/{childItemId}", opID: "ItemHeader_AssignChildItemToParentAsync", write: true, h: (*Emulator).assignChild},
	)
}

// variationItem reads the item of the path; the caller holds e.mu.
func (e *Emulator) variationItem(c *call) (*Item, *reply) {
	id, ok := c.pathID("itemId")
	it := e.st.itemByID[id]
	if !ok || it == nil {
		r := notFound("item", c.r.PathValue("itemId"))
		return nil, &r
	}
	return it, nil
}

// variation reads the item and variation of the path; the caller holds e.mu.
func (e *Emulator) variation(c *call) (*Item, *variationRec, *reply) {
	it, bad := e.variationItem(c)
	if bad != nil {
		return nil, nil, bad
	}
	id, ok := c.pathID("variationId")
	if ok {
		for _, v := range e.st.variations.byItem[it.Id] {
			if v.Id == id {
				return it, v, nil
			}
		}
	}
	r := notFound("variation", c.r.PathValue("variationId"))
	return nil, nil, &r
}

// asValidation turns a 404 into the 400 that the creates declare (the spec
// gives them no 404).
func asValidation(nf *reply, param string) reply {
	var e ErrorResponse
	_ = json.Unmarshal(nf.body, &e)
	return validationReply(map[string]string{param: e.ErrorMessage})
}

func (v *variationRec) value(id int) (int, *ItemVariationValue) {
	for i, val := range v.values {
		if val.Id == id {
			return i, val
		}
	}
	return -1, nil
}

// checkTranslations: a language once, and a term in it.
func checkTranslations(ts []Translation) map[string]string {
	seen := map[string]bool{}
	for i, t := range ts {
		lang := strings.ToLower(strings.TrimSpace(t.LanguageIso))
		switch {
		case lang == "":
			return map[string]string{fmt.Sprintf("Translations[%d].LanguageIso", i): "The language must not be empty."}
		case strings.TrimSpace(t.Name) == "":
			return map[string]string{fmt.Sprintf("Translations[%d].Name", i): "The translation must not be empty."}
		case seen[lang]:
			return map[string]string{fmt.Sprintf("Translations[%d].LanguageIso", i): fmt.Sprintf("The language %s is given twice.", t.LanguageIso)}
		}
		seen[lang] = true
	}
	return nil
}

func (e *Emulator) listVariations(c *call) reply {
	e.mu.RLock()
	defer e.mu.RUnlock()
	it, bad := e.variationItem(c)
	if bad != nil {
		return *bad
	}
	out := []ItemVariation{}
	for _, v := range e.st.variations.byItem[it.Id] {
		out = append(out, v.ItemVariation)
	}
	return jsonReply(http.StatusOK, out)
}

// decodeVariation merges the body into base as the operation's schema
// allows.
func decodeVariation[T any](c *call, op string, base *T) (*T, *reply) {
	return (&collectionDef[T]{}).decode(c, op, base)
}

func (e *Emulator) createVariation(c *call) reply {
	const op = "ItemHeader_CreateItemVariationAsync"
	rec, bad := decodeVariation(c, op, &ItemVariation{})
	e.mu.Lock()
	defer e.mu.Unlock()
	it, nf := e.variationItem(c)
	if nf != nil {
		return asValidation(nf, "itemId")
	}
	if bad != nil {
		return *bad
	}
	vs := e.st.variations
	if verrs := e.checkVariation(it, rec, 0); verrs != nil {
		return *verrs
	}
	vs.nextVar++
	rec.Id, rec.ItemId = vs.nextVar, it.Id
	if rec.Translations == nil {
		rec.Translations = []Translation{}
	}
	vs.byItem[it.Id] = append(vs.byItem[it.Id], &variationRec{ItemVariation: *rec})
	e.st.version++
	return jsonReply(http.StatusCreated, rec)
}

// checkVariation: a name unique within the item (self excepted), valid
// translations, and an item that is no child.
func (e *Emulator) checkVariation(it *Item, rec *ItemVariation, self int) *reply {
	if it.ParentItemId != 0 {
		r := validationReply(map[string]string{"itemId": fmt.Sprintf("The item %d is a child of item %d; only a parent item has variations.", it.Id, it.ParentItemId)})
		return &r
	}
	if strings.TrimSpace(rec.Name) == "" {
		r := validationReply(map[string]string{"Name": "The name of the variation must not be empty."})
		return &r
	}
	if verrs := checkTranslations(rec.Translations); verrs != nil {
		r := validationReply(verrs)
		return &r
	}
	for _, v := range e.st.variations.byItem[it.Id] {
		if v.Id != self && strings.EqualFold(strings.TrimSpace(v.Name), strings.TrimSpace(rec.Name)) {
			r := e.duplicate("Name", fmt.Sprintf("The item %d has a variation '%s' already.", it.Id, v.Name))
			return &r
		}
	}
	return nil
}

func (e *Emulator) patchVariation(c *call) reply {
	const op = "ItemHeader_UpdateItemVariationAsync"
	e.mu.Lock()
	defer e.mu.Unlock()
	it, v, nf := e.variation(c)
	if nf != nil {
		return *nf
	}
	rec, bad := decodeVariation(c, op, &v.ItemVariation)
	if bad != nil {
		return *bad
	}
	if verrs := e.checkVariation(it, rec, v.Id); verrs != nil {
		return *verrs
	}
	rec.Id, rec.ItemId, rec.Type = v.Id, it.Id, v.Type
	if rec.Translations == nil {
		rec.Translations = []Translation{}
	}
	v.ItemVariation = *rec
	e.st.version++
	return noContent()
}

// inUse names a child that has one of the value ids.
func (vs *variationStore) inUse(ids ...int) (child int, used bool) {
	for _, c := range slices.Sorted(maps.Keys(vs.childValues)) {
		for _, id := range ids {
			if slices.Contains(vs.childValues[c], id) {
				return c, true
			}
		}
	}
	return 0, false
}

func (e *Emulator) deleteVariation(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	it, v, nf := e.variation(c)
	if nf != nil {
		return *nf
	}
	vs := e.st.variations
	ids := make([]int, len(v.values))
	for i, val := range v.values {
		ids[i] = val.Id
	}
	if child, used := vs.inUse(ids...); used {
		return validationReply(map[string]string{"variationId": fmt.Sprintf("A value of the variation %d is assigned to the child item %d.", v.Id, child)})
	}
	vs.byItem[it.Id] = slices.DeleteFunc(vs.byItem[it.Id], func(x *variationRec) bool { return x.Id == v.Id })
	e.st.version++
	return noContent()
}

func (e *Emulator) listVariationValues(c *call) reply {
	e.mu.RLock()
	defer e.mu.RUnlock()
	_, v, nf := e.variation(c)
	if nf != nil {
		return *nf
	}
	out := []ItemVariationValue{}
	for _, val := range v.values {
		out = append(out, *val)
	}
	return jsonReply(http.StatusOK, out)
}

// checkVariationValue: a name unique within the variation (self excepted) and
// valid translations.
func (e *Emulator) checkVariationValue(v *variationRec, rec *ItemVariationValue, self int) *reply {
	if strings.TrimSpace(rec.Name) == "" {
		r := validationReply(map[string]string{"Name": "The name of the variation value must not be empty."})
		return &r
	}
	if verrs := checkTranslations(rec.Translations); verrs != nil {
		r := validationReply(verrs)
		return &r
	}
	for _, o := range v.values {
		if o.Id != self && strings.EqualFold(strings.TrimSpace(o.Name), strings.TrimSpace(rec.Name)) {
			r := e.duplicate("Name", fmt.Sprintf("The variation %d has a value '%s' already.", v.Id, o.Name))
			return &r
		}
	}
	return nil
}

func (e *Emulator) createVariationValue(c *call) reply {
	const op = "ItemHeader_CreateItemVariationValueAsync"
	rec, bad := decodeVariation(c, op, &ItemVariationValue{})
	e.mu.Lock()
	defer e.mu.Unlock()
	_, v, nf := e.variation(c)
	if nf != nil {
		return asValidation(nf, "variationId")
	}
	if bad != nil {
		return *bad
	}
	if verrs := e.checkVariationValue(v, rec, 0); verrs != nil {
		return *verrs
	}
	vs := e.st.variations
	vs.nextVal++
	rec.Id = vs.nextVal
	if rec.Translations == nil {
		rec.Translations = []Translation{}
	}
	v.values = append(v.values, rec)
	e.st.version++
	return jsonReply(http.StatusCreated, rec)
}

func (e *Emulator) patchVariationValue(c *call) reply {
	const op = "ItemHeader_UpdateItemVariationValueAsync"
	e.mu.Lock()
	defer e.mu.Unlock()
	_, v, nf := e.variation(c)
	if nf != nil {
		return *nf
	}
	id, _ := c.pathID("variationValueId")
	i, old := v.value(id)
	if old == nil {
		return notFound("variation value", c.r.PathValue("variationValueId"))
	}
	rec, bad := decodeVariation(c, op, old)
	if bad != nil {
		return *bad
	}
	if verrs := e.checkVariationValue(v, rec, old.Id); verrs != nil {
		return *verrs
	}
	rec.Id = old.Id
	if rec.Translations == nil {
		rec.Translations = []Translation{}
	}
	v.values[i] = rec // stored records are replaced, never changed in place
	e.st.version++
	return noContent()
}

func (e *Emulator) deleteVariationValue(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, v, nf := e.variation(c)
	if nf != nil {
		return *nf
	}
	id, _ := c.pathID("variationValueId")
	i, old := v.value(id)
	if old == nil {
		return notFound("variation value", c.r.PathValue("variationValueId"))
	}
	if child, used := e.st.variations.inUse(id); used {
		return validationReply(map[string]string{"variationValueId": fmt.Sprintf("The value %d is assigned to the child item %d.", id, child)})
	}
	v.values = slices.Delete(v.values, i, i+1)
	e.st.version++
	return noContent()
}

// assignChild makes childItemId a child of itemId with the variation
// values of the body.
func (e *Emulator) assignChild(c *call) reply {
	const op = "ItemHeader_AssignChildItemToParentAsync"
	v, bad := decodeBody(c, op)
	e.mu.Lock()
	defer e.mu.Unlock()
	st := e.st
	parent, nf := e.variationItem(c)
	if nf != nil {
		return *nf
	}
	cid, ok := c.pathID("childItemId")
	child := st.itemByID[cid]
	if !ok || child == nil {
		return notFound("item", c.r.PathValue("childItemId"))
	}
	if bad != nil {
		return *bad
	}
	var ids []int
	if err := fromJSONValue(v, &ids); err != nil {
		return validationReply(map[string]string{"$": err.Error()})
	}
	switch {
	case child.Id == parent.Id:
		return validationReply(map[string]string{"childItemId": "An item cannot be its own child."})
	case parent.ParentItemId != 0:
		return validationReply(map[string]string{"itemId": fmt.Sprintf("The item %d is a child of item %d and cannot have children.", parent.Id, parent.ParentItemId)})
	case len(child.ChildItems) > 0 || len(st.variations.byItem[child.Id]) > 0:
		return validationReply(map[string]string{"childItemId": fmt.Sprintf("The item %d is a parent item and cannot become a child.", child.Id)})
	case child.ParentItemId != 0 && child.ParentItemId != parent.Id:
		return validationReply(map[string]string{"childItemId": fmt.Sprintf("The item %d is a child of item %d already.", child.Id, child.ParentItemId)})
	}
	vars := st.variations.byItem[parent.Id]
	if len(vars) == 0 {
		return validationReply(map[string]string{"itemId": fmt.Sprintf("The item %d has no variations.", parent.Id)})
	}
	// exactly one value of every variation of the parent
	got := make([]int, len(vars))
	for _, id := range ids {
		found := false
		for i, vr := range vars {
			if _, val := vr.value(id); val != nil {
				if got[i] != 0 {
					return validationReply(map[string]string{"$": fmt.Sprintf("Two values of the variation '%s' are given.", vr.Name)})
				}
				got[i], found = id, true
			}
		}
		if !found {
			return validationReply(map[string]string{"$": fmt.Sprintf("The variation value %d does not belong to the item %d.", id, parent.Id)})
		}
	}
	for i, vr := range vars {
		if got[i] == 0 {
			return validationReply(map[string]string{"$": fmt.Sprintf("No value of the variation '%s' is given.", vr.Name)})
		}
	}
	slices.Sort(got)
	for _, other := range parent.ChildItems {
		if other != child.Id && slices.Equal(st.variations.childValues[other], got) {
			return validationReply(map[string]string{"$": fmt.Sprintf("The child item %d has these variation values already.", other)})
		}
	}
	st.variations.childValues[child.Id] = got
	if child.ParentItemId != parent.Id {
		// stored items are replaced, never changed in place
		nc := *child
		nc.ParentItemId = parent.Id
		nc.Changed = T(c.now)
		st.putItem(&nc)
		np := *parent
		np.ChildItems = append(slices.Clone(parent.ChildItems), child.Id)
		slices.Sort(np.ChildItems)
		np.Changed = T(c.now)
		st.putItem(&np)
	}
	st.version++
	return noContent()
}

// VariationWithValues is a variation with its values (state access).
type VariationWithValues struct {
	ItemVariation
	Values []ItemVariationValue
}

// ItemVariations returns an item's variations with their values.
func (e *Emulator) ItemVariations(itemID int) []VariationWithValues {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []VariationWithValues
	for _, v := range e.st.variations.byItem[itemID] {
		vv := VariationWithValues{ItemVariation: v.ItemVariation, Values: []ItemVariationValue{}}
		for _, val := range v.values {
			vv.Values = append(vv.Values, *val)
		}
		out = append(out, vv)
	}
	return out
}

// ChildVariationValues returns the variation value ids a child item was
// assigned with (sorted), nil for an item that is no child.
func (e *Emulator) ChildVariationValues(childID int) []int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.Clone(e.st.variations.childValues[childID])
}
