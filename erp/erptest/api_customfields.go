package erptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Custom fields (Eigene Felder) of items: the definitions are seeded (the
// API cannot create them), an item's values are set one field at a time
// with PATCH and cleared with DELETE. A value must fit its field's Type:
// a JSON integer for Integer, a number for Decimal and Price, true or
// false for Checkbox, one of PossibleValues for List, a date-time text
// (2024-05-01T00:00:00, an offset allowed) for Date, text for the rest.
// GET lists the values set, in the order of the fields.

// CustomField is the spec's CustomField: a field's definition.
type CustomField struct {
	CustomFieldId  int
	GroupName      string
	Name           string
	Type           int
	PossibleValues []string
}

// Custom field types (CustomField.Type).
const (
	FieldNone = iota
	FieldInteger
	FieldDecimal
	FieldText
	FieldCheckbox
	FieldList
	FieldURL
	FieldEmail
	FieldPhone
	FieldCountryIso
	FieldPrice
	FieldDate
	FieldShortText
)

// CustomFieldValue is the spec's CustomFieldValue: Value is any JSON
// value fitting the field's type.
type CustomFieldValue struct {
	CustomFieldId int
	Value         any
}

// ItemCustomFieldValue is a seeded value of an item's custom field.
type ItemCustomFieldValue struct {
	ItemId        int
	CustomFieldId int
	Value         any
}

func customFieldRoutes() []route {
	return []route{
		{method: "GET", path: "/items/customfields", opID: "ItemHeader_QueryItemCustomFieldsAsync", h: (*Emulator).listCustomFields},
		{method: "GET", path: "/items/{itemId}/customfields", opID: "ItemHeader_QueryItemCustomFieldValuesAsync", h: (*Emulator).listItemCustomFields},
		{method: "PATCH", path: "/items/{itemId}/customfields/{customfieldId}", opID: "ItemHeader_UpdateItemCustomFieldAsync", write: true, h: (*Emulator).patchItemCustomField},
		{method: "DELETE", path: "/items/{itemId}/customfields/{customfieldId}", opID: "ItemHeader_DeleteItemCustomFieldAsync", write: true, h: (*Emulator).deleteItemCustomField},
	}
}

func (c *catalogState) loadCustomFields(s *store, seed *CatalogSeed) error {
	for _, f := range seed.ItemCustomFields {
		if f.CustomFieldId == 0 || c.field(f.CustomFieldId) != nil {
			return fmt.Errorf("seed: custom field %q needs an Id of its own", f.Name)
		}
		if f.PossibleValues == nil {
			f.PossibleValues = []string{}
		}
		c.fields = append(c.fields, f)
	}
	slices.SortFunc(c.fields, func(a, b CustomField) int { return a.CustomFieldId - b.CustomFieldId })
	for _, v := range seed.CustomFieldValues {
		if s.itemByID[v.ItemId] == nil {
			return fmt.Errorf("seed: custom field value for item %d, which does not exist", v.ItemId)
		}
		f := c.field(v.CustomFieldId)
		if f == nil {
			return fmt.Errorf("seed: custom field %d does not exist", v.CustomFieldId)
		}
		val := v.Value
		if b, err := json.Marshal(val); err == nil { // as if it came through the API
			val, _ = decodeJSON(b)
		}
		if msg := checkFieldValue(f, val); msg != "" {
			return fmt.Errorf("seed: item %d: %s", v.ItemId, msg)
		}
		c.setField(v.ItemId, v.CustomFieldId, val)
	}
	return nil
}

func (c *catalogState) field(id int) *CustomField {
	for i := range c.fields {
		if c.fields[i].CustomFieldId == id {
			return &c.fields[i]
		}
	}
	return nil
}

// setField sets an item's value, keeping the list in field order.
func (c *catalogState) setField(item, field int, v any) {
	list := slices.Clone(c.fieldValues[item])
	i, found := slices.BinarySearchFunc(list, field, func(e CustomFieldValue, id int) int { return e.CustomFieldId - id })
	if found {
		list[i].Value = v
	} else {
		list = slices.Insert(list, i, CustomFieldValue{CustomFieldId: field, Value: v})
	}
	c.fieldValues[item] = list
}

// checkFieldValue says why v does not fit the field's type.
func checkFieldValue(f *CustomField, v any) string {
	bad := func(want string) string {
		return fmt.Sprintf("The value %v does not fit the custom field '%s' (%s expected).", v, f.Name, want)
	}
	switch f.Type {
	case FieldNone:
		return ""
	case FieldInteger:
		n, ok := v.(json.Number)
		if _, err := strconv.ParseInt(string(n), 10, 64); !ok || err != nil {
			return bad("an integer")
		}
	case FieldDecimal, FieldPrice:
		if _, ok := v.(json.Number); !ok {
			return bad("a number")
		}
	case FieldCheckbox:
		if _, ok := v.(bool); !ok {
			return bad("true or false")
		}
	case FieldList:
		s, ok := v.(string)
		if !ok || !slices.Contains(f.PossibleValues, s) {
			return bad(fmt.Sprintf("one of %q", f.PossibleValues))
		}
	case FieldDate:
		s, ok := v.(string)
		if !ok || !isDateTime(s) {
			return bad("a date-time")
		}
	default:
		if _, ok := v.(string); !ok {
			return bad("text")
		}
	}
	return ""
}

func isDateTime(s string) bool {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

func (e *Emulator) listCustomFields(*call) reply {
	e.mu.RLock()
	defer e.mu.RUnlock()
	list := e.st.cat.fields
	if list == nil {
		list = []CustomField{}
	}
	return jsonReply(http.StatusOK, list)
}

func (e *Emulator) listItemCustomFields(c *call) reply {
	id, ok := c.pathID("itemId")
	e.mu.RLock()
	defer e.mu.RUnlock()
	if !ok || e.st.itemByID[id] == nil {
		return notFound("item", c.r.PathValue("itemId"))
	}
	list := e.st.cat.fieldValues[id]
	if list == nil {
		list = []CustomFieldValue{}
	}
	return jsonReply(http.StatusOK, list)
}

// fieldPath finds the item and field of the path; the reply is set when
// either is missing.
func (e *Emulator) fieldPath(c *call) (item int, f *CustomField, rep *reply) {
	id, ok := c.pathID("itemId")
	if !ok || e.st.itemByID[id] == nil {
		r := notFound("item", c.r.PathValue("itemId"))
		return 0, nil, &r
	}
	fid, ok := c.pathID("customfieldId")
	if f = e.st.cat.field(fid); !ok || f == nil {
		r := notFound("custom field", c.r.PathValue("customfieldId"))
		return 0, nil, &r
	}
	return id, f, nil
}

func (e *Emulator) patchItemCustomField(c *call) reply {
	v, bad := decodeBody(c, "ItemHeader_UpdateItemCustomFieldAsync")
	e.mu.Lock()
	defer e.mu.Unlock()
	item, f, nf := e.fieldPath(c)
	if nf != nil {
		return *nf
	}
	if bad != nil {
		return *bad
	}
	val := v.(map[string]any)["Value"]
	if msg := checkFieldValue(f, val); msg != "" {
		return validationReply(map[string]string{"Value": msg})
	}
	e.st.cat.setField(item, f.CustomFieldId, val)
	e.st.version++
	return noContent()
}

func (e *Emulator) deleteItemCustomField(c *call) reply {
	e.mu.Lock()
	defer e.mu.Unlock()
	item, f, nf := e.fieldPath(c)
	if nf != nil {
		return *nf
	}
	cat := e.st.cat
	list := cat.fieldValues[item]
	i := slices.IndexFunc(list, func(v CustomFieldValue) bool { return v.CustomFieldId == f.CustomFieldId })
	if i < 0 {
		return notFound("custom field value", c.r.PathValue("customfieldId"))
	}
	cat.fieldValues[item] = slices.Delete(slices.Clone(list), i, i+1)
	e.st.version++
	return noContent()
}

// ItemCustomFieldValues returns the custom field values set on an item.
func (e *Emulator) ItemCustomFieldValues(itemID int) []CustomFieldValue {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.Clone(e.st.cat.fieldValues[itemID])
}
