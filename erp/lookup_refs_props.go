package erp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Properties (Merkmale) and item custom fields (Eigene Felder), by name,
// for the product parts of an items import. The property list, each
// property's values and the custom field definitions are read once per run
// and answered from memory. Names match exactly, else ignoring case and
// surrounding space when that is unique.
//
// Creating (create=true) makes a missing property (POST /properties) or
// property value (POST /properties/{propertyId}/values) once per name,
// even when many records ask at once; a lost answer is settled by reading
// the list again, so a retry never makes a second one. These lists are
// not in the resource table: GET /properties answers a PagedList but
// declares no paging parameters, so it is read with one plain GET.

const (
	pathProperties     = "/properties"
	pathPropertyValues = "/properties/{propertyId}/values"
	pathItemFields     = "/items/customfields"
)

// NamedID is a record of a reference list: its Id and Name.
type NamedID struct {
	ID   int64
	Name string
}

// CustomField is the definition of an item custom field.
type CustomField struct {
	ID             int64
	Name, Group    string
	Type           int // CustomFieldInteger, ...
	PossibleValues []string
}

// Custom field types (the spec's CustomField.Type).
const (
	CustomFieldNone = iota
	CustomFieldInteger
	CustomFieldDecimal
	CustomFieldText
	CustomFieldCheckbox
	CustomFieldList
	CustomFieldURL
	CustomFieldEmail
	CustomFieldPhone
	CustomFieldCountryIso
	CustomFieldPrice
	CustomFieldDate
	CustomFieldShortText
)

// lookupExt is the part of Lookups for this file; its zero value is ready.
type lookupExt struct {
	mu     sync.Mutex // guards the fields below
	props  *namedList
	values map[int64]*namedList // by property id
	fmu    sync.Mutex           // guards fields, held while they load
	fields []CustomField
	loaded bool
	create sync.Mutex // serialises creation
}

// namedList is a list read once; mu guards recs after the load.
type namedList struct {
	load sync.Mutex // the "once": held while loading
	mu   sync.RWMutex
	recs []NamedID
	ok   bool
}

func (n *namedList) find(name string) (NamedID, bool) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return findNamed(n.recs, name)
}

func findNamed(recs []NamedID, name string) (NamedID, bool) {
	name = strings.TrimSpace(name)
	var fold []NamedID
	for _, r := range recs {
		if r.Name == name {
			return r, true
		}
		if strings.EqualFold(strings.TrimSpace(r.Name), name) {
			fold = append(fold, r)
		}
	}
	if len(fold) == 1 {
		return fold[0], true
	}
	return NamedID{}, false
}

func (n *namedList) names() []string {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]string, len(n.recs))
	for i, r := range n.recs {
		out[i] = r.Name
	}
	return out
}

func (n *namedList) add(r NamedID) {
	n.mu.Lock()
	n.recs = append(n.recs, r)
	n.mu.Unlock()
}

// get loads the list once with read; a failed load is tried again next time.
func (n *namedList) get(ctx context.Context, read func(context.Context) ([]NamedID, error)) (*namedList, error) {
	n.load.Lock()
	defer n.load.Unlock()
	if n.ok {
		return n, nil
	}
	recs, err := read(ctx)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	n.recs, n.ok = recs, true
	n.mu.Unlock()
	return n, nil
}

// getRaw reads path whole (no paging parameters) as JSON with exact numbers.
func (l *Lookups) getRaw(ctx context.Context, path string, out any) error {
	return l.getRawQuery(ctx, path, nil, out)
}

func (l *Lookups) getRawQuery(ctx context.Context, path string, q url.Values, out any) error {
	var raw []byte
	if err := l.c.Get(ctx, path, q, &raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(out)
}

func namedIDs(recs []map[string]any) []NamedID {
	out := make([]NamedID, 0, len(recs))
	for _, r := range recs {
		id, _ := idValue(r["Id"]).(int64)
		name, _ := r["Name"].(string)
		out = append(out, NamedID{ID: id, Name: name})
	}
	return out
}

// readProperties reads GET /properties. The spec declares no paging
// parameters for it, so the first request sends none; should the answer
// still say that more pages follow (HasNextPage), they are asked for with
// the parameters every other PagedList takes, rather than missing
// properties and creating them twice.
func (l *Lookups) readProperties(ctx context.Context) ([]NamedID, error) {
	var all []map[string]any
	var q url.Values
	for n := 1; ; n++ {
		var page struct {
			Items       []map[string]any
			HasNextPage bool
			PageSize    int
		}
		if err := l.getRawQuery(ctx, pathProperties, q, &page); err != nil {
			return nil, fmt.Errorf("ERP lookup properties: %w", err)
		}
		all = append(all, page.Items...)
		if !page.HasNextPage || len(page.Items) == 0 || n >= 10000 {
			return namedIDs(all), nil
		}
		q = url.Values{QueryPageNumber: {strconv.Itoa(n + 1)}, QueryPageSize: {strconv.Itoa(max(page.PageSize, len(page.Items)))}}
	}
}

func (l *Lookups) readValues(ctx context.Context, prop int64) ([]NamedID, error) {
	var recs []map[string]any
	if err := l.getRaw(ctx, valuesPath(prop), &recs); err != nil {
		return nil, fmt.Errorf("ERP lookup values of property %d: %w", prop, err)
	}
	return namedIDs(recs), nil
}

func valuesPath(prop int64) string {
	return strings.Replace(pathPropertyValues, "{propertyId}", url.PathEscape(strconv.FormatInt(prop, 10)), 1)
}

func (l *Lookups) propList(ctx context.Context) (*namedList, error) {
	l.ext.mu.Lock()
	if l.ext.props == nil {
		l.ext.props = &namedList{}
	}
	n := l.ext.props
	l.ext.mu.Unlock()
	return n.get(ctx, l.readProperties)
}

func (l *Lookups) valueList(ctx context.Context, prop int64) (*namedList, error) {
	l.ext.mu.Lock()
	if l.ext.values == nil {
		l.ext.values = map[int64]*namedList{}
	}
	n := l.ext.values[prop]
	if n == nil {
		n = &namedList{}
		l.ext.values[prop] = n
	}
	l.ext.mu.Unlock()
	return n.get(ctx, func(ctx context.Context) ([]NamedID, error) { return l.readValues(ctx, prop) })
}

// Property finds a property by name; create makes a missing one.
func (l *Lookups) Property(ctx context.Context, name string, create bool) (NamedID, bool, error) {
	t, err := l.propList(ctx)
	if err != nil {
		return NamedID{}, false, err
	}
	if p, ok := t.find(name); ok || !create {
		return p, ok, nil
	}
	return l.createNamed(ctx, t, pathProperties, "property", name, func(ctx context.Context) ([]NamedID, error) { return l.readProperties(ctx) })
}

// PropertyNames lists the names of the properties, for messages.
func (l *Lookups) PropertyNames(ctx context.Context) ([]string, error) {
	t, err := l.propList(ctx)
	if err != nil {
		return nil, err
	}
	return t.names(), nil
}

// PropertyValues lists the values of a property.
func (l *Lookups) PropertyValues(ctx context.Context, prop int64) ([]NamedID, error) {
	t, err := l.valueList(ctx, prop)
	if err != nil {
		return nil, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return append([]NamedID(nil), t.recs...), nil
}

// PropertyValue finds a value of a property by name; create makes a missing
// one.
func (l *Lookups) PropertyValue(ctx context.Context, prop int64, name string, create bool) (NamedID, bool, error) {
	t, err := l.valueList(ctx, prop)
	if err != nil {
		return NamedID{}, false, err
	}
	if v, ok := t.find(name); ok || !create {
		return v, ok, nil
	}
	return l.createNamed(ctx, t, valuesPath(prop), "property value", name, func(ctx context.Context) ([]NamedID, error) { return l.readValues(ctx, prop) })
}

// createNamed posts {Name} to path once per name: creators wait for each
// other and look again first. A lost answer is settled by reading the list
// again: a record of that name is the one the lost POST made.
func (l *Lookups) createNamed(ctx context.Context, t *namedList, path, what, name string, reread func(context.Context) ([]NamedID, error)) (NamedID, bool, error) {
	l.ext.create.Lock()
	defer l.ext.create.Unlock()
	if r, ok := t.find(name); ok {
		return r, true, nil
	}
	name = strings.TrimSpace(name)
	var found NamedID
	landed := func(ctx context.Context) (bool, error) {
		recs, err := reread(ctx)
		if err != nil {
			return false, err
		}
		var ok bool
		found, ok = findNamed(recs, name)
		return ok, nil
	}
	var out map[string]any
	err := l.c.Post(ctx, path, nil, map[string]any{"Name": name}, &out, landed)
	var r NamedID
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
		// made meanwhile by someone else (another run): the name is taken
		if ok, rerr := landed(ctx); rerr == nil && ok {
			err = ErrLandedElsewhere
		}
	}
	switch {
	case errors.Is(err, ErrLandedElsewhere) && found.ID != 0:
		r = found
	case err != nil:
		return NamedID{}, false, fmt.Errorf("create %s %q: %w", what, name, err)
	default:
		id, ok := idValue(out["Id"]).(int64)
		if !ok {
			return NamedID{}, false, fmt.Errorf("create %s %q: the answer has no Id", what, name)
		}
		r.ID, r.Name = id, name
		if s, _ := out["Name"].(string); s != "" {
			r.Name = s
		}
	}
	t.add(r)
	return r, true, nil
}

// ItemCustomFields lists the item custom field definitions (read once).
func (l *Lookups) ItemCustomFields(ctx context.Context) ([]CustomField, error) {
	l.ext.fmu.Lock()
	defer l.ext.fmu.Unlock()
	if l.ext.loaded {
		return l.ext.fields, nil
	}
	var recs []struct {
		CustomFieldId  json.Number
		GroupName      string
		Name           string
		Type           json.Number
		PossibleValues []string
	}
	if err := l.getRaw(ctx, pathItemFields, &recs); err != nil {
		return nil, fmt.Errorf("ERP lookup item custom fields: %w", err)
	}
	out := make([]CustomField, 0, len(recs))
	for _, r := range recs {
		id, _ := r.CustomFieldId.Int64()
		ty, _ := r.Type.Int64()
		out = append(out, CustomField{ID: id, Name: r.Name, Group: r.GroupName, Type: int(ty), PossibleValues: r.PossibleValues})
	}
	l.ext.fields, l.ext.loaded = out, true
	return out, nil
}
