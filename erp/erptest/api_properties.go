package erptest

import (
	"fmt"
	"net/http"
	"slices"

	"strings"
)

// Properties (Merkmale): a property (Material) has values (Baumwolle,
// Leinen); an item is assigned values, several of one property if need
// be. Names are unique ignoring case, like the Wawi's collation: a
// property among properties, a value within its property. Assigning a
// value the item has already, or deleting a value an item still carries,
// is refused with 400. GET /properties and /properties/groups answer the
// PagedList the spec declares, all records on one page: the operations
// declare no paging parameters.

// Property is the spec's Property.
type Property struct {
	Id             int
	Name           string
	Translations   []PropertyTranslation
	PropertyGroups []int
}

// PropertyTranslation is the spec's Translation: a property's name in a
// non-default language.
type PropertyTranslation struct {
	LanguageIso string
	Name        string
}

// PropertyGroup is the spec's PropertyGroup.
type PropertyGroup struct {
	Id   int
	Name string
}

// PropertyValue is the spec's PropertyValue.
type PropertyValue struct {
	Id          int
	Name        string
	Description string
}

// ItemPropertyValue is the spec's ItemPropertyValue: one value assigned to
// an item.
type ItemPropertyValue struct {
	PropertyId      int
	PropertyValueId int
}

// ItemProperties is the spec's ItemProperties: an item's values.
type ItemProperties struct {
	ItemId     int
	Properties []ItemPropertyValue
}

// SeedProperty is a property with its values (Ids 0 are assigned).
type SeedProperty struct {
	Property
	Values []PropertyValue `json:",omitempty"`
}

// CatalogSeed is the part of a Seed for properties, custom fields and the
// reference lists of api_refs.go. Assignments name items by ItemId.
type CatalogSeed struct {
	Properties        []SeedProperty         `json:"properties,omitempty"`
	PropertyGroups    []PropertyGroup        `json:"propertyGroups,omitempty"`
	ItemProperties    []ItemPropertySeed     `json:"itemProperties,omitempty"`
	ItemCustomFields  []CustomField          `json:"itemCustomFields,omitempty"`
	CustomFieldValues []ItemCustomFieldValue `json:"customFieldValues,omitempty"`
	ShippingClasses   []ShippingClass        `json:"shippingClasses,omitempty"`
	Availabilities    []Availability         `json:"availabilities,omitempty"`
	Conditions        []Condition            `json:"conditions,omitempty"`
}

// ItemPropertySeed assigns a property value to an item.
type ItemPropertySeed struct {
	ItemId          int
	PropertyValueId int
}

// catalogState is the store's part for this file, api_customfields.go and
// api_refs.go; the caller holds Emulator.mu like for every store method.
type catalogState struct {
	properties *keyed[Property]
	groups     *keyed[PropertyGroup]
	values     map[int][]*PropertyValue // by property, in Id order
	valueProp  map[int]int              // value Id -> property Id
	nextValue  int
	itemProps  map[int][]ItemPropertyValue         // by item, in the order assigned
	descs      map[int][]*PropertyValueDescription // by value (api_properties_desc.go)

	fields      []CustomField
	fieldValues map[int][]CustomFieldValue // by item, in field order

	refs moreRefs
}

func newCatalogState() *catalogState {
	return &catalogState{
		properties: newKeyed(func(p *Property) *int { return &p.Id }),
		groups:     newKeyed(func(g *PropertyGroup) *int { return &g.Id }),
		values:     map[int][]*PropertyValue{}, valueProp: map[int]int{}, itemProps: map[int][]ItemPropertyValue{},
		descs:       map[int][]*PropertyValueDescription{},
		fieldValues: map[int][]CustomFieldValue{},
	}
}

// loadCatalog fills the catalog state from the seed; items are loaded.
func (s *store) loadCatalog(seed *CatalogSeed) error {
	c := newCatalogState()
	s.cat = c
	c.loadMoreRefs(seed)
	if err := c.groups.load(seed.PropertyGroups, "property group"); err != nil {
		return err
	}
	props := make([]Property, len(seed.Properties))
	for i, p := range seed.Properties {
		props[i] = p.Property
	}
	if err := c.properties.load(props, "property"); err != nil {
		return err
	}
	for _, p := range c.properties.list {
		normalizeProperty(p)
	}
	for _, sp := range seed.Properties {
		for _, v := range sp.Values {
			c.nextValue = max(c.nextValue, v.Id)
		}
	}
	for i, sp := range seed.Properties {
		pid := c.properties.list[i].Id
		for _, v := range sp.Values {
			if v.Id == 0 {
				c.nextValue++
				v.Id = c.nextValue
			}
			if _, dup := c.valueProp[v.Id]; dup {
				return fmt.Errorf("seed: property value Id %d appears twice", v.Id)
			}
			c.valueProp[v.Id] = pid
			c.values[pid] = append(c.values[pid], &v)
		}
		slices.SortFunc(c.values[pid], byID(func(v *PropertyValue) int { return v.Id }))
	}
	for _, a := range seed.ItemProperties {
		if s.itemByID[a.ItemId] == nil {
			return fmt.Errorf("seed: item property for item %d, which does not exist", a.ItemId)
		}
		if msg := c.assign(a.ItemId, a.PropertyValueId); msg != "" {
			return fmt.Errorf("seed: item %d: %s", a.ItemId, msg)
		}
	}
	return c.loadCustomFields(s, seed)
}

func normalizeProperty(p *Property) {
	if p.Translations == nil {
		p.Translations = []PropertyTranslation{}
	}
	if p.PropertyGroups == nil {
		p.PropertyGroups = []int{}
	}
}

// assign gives an item a property value; it says why not.
func (c *catalogState) assign(item, value int) string {
	pid, ok := c.valueProp[value]
	if !ok {
		return fmt.Sprintf("The property value %d does not exist.", value)
	}
	for _, a := range c.itemProps[item] {
		if a.PropertyValueId == value {
			return fmt.Sprintf("The property value %d is assigned to the item already.", value)
		}
	}
	c.itemProps[item] = append(c.itemProps[item], ItemPropertyValue{PropertyId: pid, PropertyValueId: value})
	return ""
}

func (c *catalogState) value(pid, vid int) (int, *PropertyValue) {
	for i, v := range c.values[pid] {
		if v.Id == vid {
			return i, v
		}
	}
	return -1, nil
}

func init() {
	apiRoutes = append(apiRoutes, catalogRoutes()...)
	collections = append(collections, moreRefLists...)
}

// catalogRoutes are the routes of this file, api_customfields.go and
// api_refs.go.
func catalogRoutes() []route {
	out := []route{
		{method: "GET", path: "/properties", opID: "PropertyHeader_QueryPropertiesAsync", h: (*Emulator).listProperties},
		{method: "POST", path: "/properties", opID: "PropertyHeader_CreatePropertyAsync", write: true, h: (*Emulator).createProperty},
		{method: "GET", path: "/properties/groups", opID: "PropertyHeader_QueryPropertyGroupsAsync", h: (*Emulator).listPropertyGroups},
		{method: "POST", path: "/properties/groups", opID: "PropertyHeader_CreatePropertyGroupAsync", write: true, h: (*Emulator).createPropertyGroup},
		{method: "GET", path: "/properties/{propertyId}/values", opID: "PropertyHeader_QueryPropertyValuesAsync", h: (*Emulator).listPropertyValues},
		{method: "POST", path: "/properties/{propertyId}/values", opID: "PropertyHeader_CreatePropertyValueAsync", write: true, h: (*Emulator).createPropertyValue},
		{method: "PATCH", path: "/properties/{propertyId}/values/{propertyValueId}", opID: "PropertyHeader_UpdatePropertyValueAsync", write: true, h: (*Emulator).patchPropertyValue},
		{method: "DELETE", path: "/properties/{propertyId}/values/{propertyValueId}", opID: "PropertyHeader_DeletePropertyValueAsync", write: true, h: (*Emulator).deletePropertyValue},
		{method: "GET", path: "/items/{itemId}/properties", opID: "ItemHeader_QueryItemPropertiesAsync", h: (*Emulator).listItemProperties},
		{method: "POST", path: "/items/{itemId}/properties", opID: "ItemHeader_CreateItemPropertyAsync", write: true, h: (*Emulator).assignItemProperty},
		{method: "DELETE", path: "/items/{itemId}/properties/{propertyValueId}", opID: "ItemHeader_DeleteItemPropertyAsync", write: true, h: (*Emulator).unassignItemProperty},
	}
	out = append(out, propertyValueDescriptionRoutes()...)
	out = append(out, customFieldRoutes()...)
	for _, c := range moreRefLists {
		out = append(out, c.routes()...)
	}
	return out
}

// onePage is the PagedList of a list the spec does not page.
func onePage[T any](list []*T) PagedList[*T] {
	if list == nil {
		list = []*T{}
	}
	return paginate(list, 1, max(len(list), 1))
}

func (e *Emulator) listProperties(c *call) reply {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return jsonReply(http.StatusOK, onePage(e.st.cat.properties.list))
}

func (e *Emulator) listPropertyGroups(c *call) reply {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return jsonReply(http.StatusOK, onePage(e.st.cat.groups.list))
}

func (e *Emulator) createProperty(c *call) reply {
	const op = "PropertyHeader_CreatePropertyAsync"
	p, bad := (&collectionDef[Property]{}).decode(c, op, new(Property))
	if bad != nil {
		return *bad
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cat := e.st.cat
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return validationReply(map[string]string{"Name": "The Name field is required."})
	}
	for _, o := range cat.properties.list {
		if strings.EqualFold(o.Name, p.Name) {
			return e.duplicate("Name", fmt.Sprintf("A property named '%s' exists already.", p.Name))
		}
	}
	for i, g := range p.PropertyGroups {
		if cat.groups.get(g) == nil {
			return validationReply(map[string]string{fmt.Sprintf("PropertyGroups[%d]", i): fmt.Sprintf("The property group %d does not exist.", g)})
		}
	}
	normalizeProperty(p)
	cat.properties.add(p)
	e.st.version++
	return jsonReply(http.StatusCreated, p)
}

func (e *Emulator) createPropertyGroup(c *call) reply {
	g, bad := (&collectionDef[PropertyGroup]{}).decode(c, "PropertyHeader_CreatePropertyGroupAsync", new(PropertyGroup))
	if bad != nil {
		return *bad
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cat := e.st.cat
	for _, o := range cat.groups.list {
		if strings.EqualFold(o.Name, g.Name) {
			return e.duplicate("Name", fmt.Sprintf("A property group named '%s' exists already.", g.Name))
		}
	}
	cat.groups.add(g)
	e.st.version++
	return jsonReply(http.StatusCreated, g)
}

func (e *Emulator) listPropertyValues(c *call) reply {
	id, ok := c.pathID("propertyId")
	e.mu.RLock()
	defer e.mu.RUnlock()
	cat := e.st.cat
	if !ok || cat.properties.get(id) == nil {
		return notFound("property", c.r.PathValue("propertyId"))
	}
	list := cat.values[id]
	if list == nil {
		list = []*PropertyValue{}
	}
	return jsonReply(http.StatusOK, list)
}

// checkValueName: a value's name is set and unique within its property.
func (cat *catalogState) checkValueName(pid int, v *PropertyValue) map[string]string {
	v.Name = strings.TrimSpace(v.Name)
	if v.Name == "" {
		return map[string]string{"Name": "The Name field is required."}
	}
	for _, o := range cat.values[pid] {
		if o.Id != v.Id && strings.EqualFold(o.Name, v.Name) {
			return map[string]string{"Name": fmt.Sprintf("The property %d has a value named '%s' already.", pid, v.Name)}
		}
	}
	return nil
}

func (e *Emulator) createPropertyValue(c *call) reply {
	id, ok := c.pathID("propertyId")
	v, bad := (&collectionDef[PropertyValue]{}).decode(c, "PropertyHeader_CreatePropertyValueAsync", new(PropertyValue))
	e.mu.Lock()
	defer e.mu.Unlock()
	cat := e.st.cat
	// The spec declares no 404 for this POST: an unknown property is a 400.
	if !ok || cat.properties.get(id) == nil {
		return validationReply(map[string]string{"propertyId": fmt.Sprintf("The property %s does not exist.", c.r.PathValue("propertyId"))})
	}
	if bad != nil {
		return *bad
	}
	if verrs := cat.checkValueName(id, v); verrs != nil {
		return e.duplicate("Name", verrs["Name"])
	}
	cat.nextValue++
	v.Id = cat.nextValue
	cat.values[id] = append(cat.values[id], v)
	cat.valueProp[v.Id] = id
	e.st.version++
	return jsonReply(http.StatusCreated, v)
}

// valuePath finds the value of the path; the reply is set when there is none.
func (e *Emulator) valuePath(c *call) (pid, i int, rep *reply) {
	pid, ok1 := c.pathID("propertyId")
	vid, ok2 := c.pathID("propertyValueId")
	cat := e.st.cat
	if !ok1 || cat.properties.get(pid) == nil {
		r := notFound("property", c.r.PathValue("propertyId"))
		return 0, 0, &r
	}
	i, v := cat.value(pid, vid)
	if !ok2 || v == nil {
		r := notFound("property value", c.r.PathValue("propertyValueId"))
		return 0, 0, &r
	}
	return pid, i, nil
}

func (e *Emulator) patchPropertyValue(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	pid, i, nf := e.valuePath(c)
	if nf != nil {
		return *nf
	}
	cat := e.st.cat
	old := cat.values[pid][i]
	v, bad := (&collectionDef[PropertyValue]{}).decode(c, "PropertyHeader_UpdatePropertyValueAsync", old)
	if bad != nil {
		return *bad
	}
	v.Id = old.Id
	if verrs := cat.checkValueName(pid, v); verrs != nil {
		return validationReply(verrs)
	}
	cat.values[pid][i] = v // stored records are replaced, never changed in place
	e.st.version++
	return noContent()
}

func (e *Emulator) deletePropertyValue(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	pid, i, nf := e.valuePath(c)
	if nf != nil {
		return *nf
	}
	cat := e.st.cat
	vid := cat.values[pid][i].Id
	for _, item := range sortedKeys(cat.itemProps) {
		for _, a := range cat.itemProps[item] {
			if a.PropertyValueId == vid {
				return validationReply(map[string]string{"propertyValueId": fmt.Sprintf("The property value %d is assigned to item %d.", vid, item)})
			}
		}
	}
	cat.values[pid] = slices.Delete(cat.values[pid], i, i+1)
	delete(cat.valueProp, vid)
	delete(cat.descs, vid)
	e.st.version++
	return noContent()
}

func sortedKeys[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (e *Emulator) listItemProperties(c *call) reply {
	id, ok := c.pathID("itemId")
	e.mu.RLock()
	defer e.mu.RUnlock()
	if !ok || e.st.itemByID[id] == nil {
		return notFound("item", c.r.PathValue("itemId"))
	}
	list := append([]ItemPropertyValue{}, e.st.cat.itemProps[id]...)
	return jsonReply(http.StatusOK, ItemProperties{ItemId: id, Properties: list})
}

func (e *Emulator) assignItemProperty(c *call) reply {
	id, ok := c.pathID("itemId")
	v, bad := decodeBody(c, "ItemHeader_CreateItemPropertyAsync")
	e.mu.Lock()
	defer e.mu.Unlock()
	// The spec declares no 404 for this POST: an unknown item is a 400.
	if !ok || e.st.itemByID[id] == nil {
		return validationReply(map[string]string{"itemId": fmt.Sprintf("The item %s does not exist.", c.r.PathValue("itemId"))})
	}
	if bad != nil {
		return *bad
	}
	var body ItemPropertyValue
	if err := fromJSONValue(v, &body); err != nil {
		return validationReply(map[string]string{"$": err.Error()})
	}
	cat := e.st.cat
	if msg := cat.assign(id, body.PropertyValueId); msg != "" {
		if _, exists := cat.valueProp[body.PropertyValueId]; exists {
			return e.duplicate("PropertyValueId", msg)
		}
		return validationReply(map[string]string{"PropertyValueId": msg})
	}
	e.st.version++
	list := cat.itemProps[id]
	return jsonReply(http.StatusCreated, list[len(list)-1])
}

func (e *Emulator) unassignItemProperty(c *call) reply {
	id, ok := c.pathID("itemId")
	vid, okv := c.pathID("propertyValueId")
	e.mu.Lock()
	defer e.mu.Unlock()
	if !ok || e.st.itemByID[id] == nil {
		return notFound("item", c.r.PathValue("itemId"))
	}
	cat := e.st.cat
	list := cat.itemProps[id]
	i := slices.IndexFunc(list, func(a ItemPropertyValue) bool { return a.PropertyValueId == vid })
	if !okv || i < 0 {
		return notFound("property value of the item", c.r.PathValue("propertyValueId"))
	}
	cat.itemProps[id] = slices.Delete(slices.Clone(list), i, i+1)
	e.st.version++
	return noContent()
}

// Properties returns every property with its values.
func (e *Emulator) Properties() []SeedProperty {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.st.cat.snapshotProperties()
}

func (c *catalogState) snapshotProperties() []SeedProperty {
	var out []SeedProperty
	for _, p := range c.properties.list {
		sp := SeedProperty{Property: *p}
		for _, v := range c.values[p.Id] {
			sp.Values = append(sp.Values, *v)
		}
		out = append(out, sp)
	}
	return out
}

// ItemPropertyValues returns the property values assigned to an item.
func (e *Emulator) ItemPropertyValues(itemID int) []ItemPropertyValue {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return append([]ItemPropertyValue(nil), e.st.cat.itemProps[itemID]...)
}

// seed returns the catalog state as a seed (for Snapshot).
func (c *catalogState) seed() CatalogSeed {
	s := CatalogSeed{Properties: c.snapshotProperties(), PropertyGroups: derefAll(c.groups.list),
		ItemCustomFields: slices.Clone(c.fields),
		ShippingClasses:  c.refs.shippingClasses, Availabilities: c.refs.availabilities, Conditions: c.refs.conditions}
	for _, item := range sortedKeys(c.itemProps) {
		for _, a := range c.itemProps[item] {
			s.ItemProperties = append(s.ItemProperties, ItemPropertySeed{ItemId: item, PropertyValueId: a.PropertyValueId})
		}
	}
	for _, item := range sortedKeys(c.fieldValues) {
		for _, v := range c.fieldValues[item] {
			s.CustomFieldValues = append(s.CustomFieldValues, ItemCustomFieldValue{ItemId: item, CustomFieldId: v.CustomFieldId, Value: v.Value})
		}
	}
	return s
}
