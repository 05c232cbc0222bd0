package sinks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/pipeline"
)

// Properties (Merkmale) of a product: a target Properties.<Name> assigns
// the values its cell names to the item, several separated by "|"
// (Properties.Material = "Baumwolle | Elasthan"). Properties and values are
// found by name (erp.Lookups, read once per run). A value the Wawi lacks is
// created with sink.create_properties: true, once however many records
// need it, and so is a property; without it the record fails naming what
// the Wawi knows. Values the item has and the cell does not name stay,
// unless sink.prune: true removes those of the properties the record names
// (never of others; plan.deletes counts them for max_deletes). An empty
// cell changes nothing. Creating and assigning happen in apply: planning
// only reads.

// PropertySeparator separates several values of one property in a cell.
const PropertySeparator = "|"

const (
	pathItemProperties = "/items/{itemId}/properties"
	pathItemProperty   = "/items/{itemId}/properties/{propertyValueId}"
)

func init() {
	registerProductPart(partFactory{claims: prefixClaims("Properties."), open: openPropertiesPart, order: 40})
}

type propertiesPart struct {
	s      *ERPSink
	idx    []int
	names  []string // property names, by position of idx
	create bool
	prune  bool
}

func openPropertiesPart(s *ERPSink, idx []int, canon []string) (productPart, error) {
	p := &propertiesPart{s: s, idx: idx, create: s.spec.CreateProperties, prune: s.spec.Prune}
	var bad pipeline.TargetErrors
	for _, c := range canon {
		name := partName(c, "Properties.")
		if name == "" || strings.Contains(name, ".") {
			bad = append(bad, pipeline.TargetError{Target: c, Msg: "name a property as Properties.<Name>, e.g. Properties.Material"})
		}
		p.names = append(p.names, name)
	}
	if len(bad) > 0 {
		return nil, bad
	}
	return p, nil
}

// partName is the name after a part's prefix (matched ignoring case, as
// the part claims it): Properties.Material is Material.
func partName(path, prefix string) string {
	if !hasPrefixFold(path, prefix) {
		return ""
	}
	return strings.TrimSpace(path[len(prefix):])
}

func (p *propertiesPart) label() string { return "Merkmale" }

// propertyWant is what a record names of one property.
type propertyWant struct {
	name           string // as the mapping names it
	prop           erp.NamedID
	exists         bool     // the property is in the Wawi
	values         []string // as the cell names them, deduplicated
	ids            []int64  // of values found; 0: to be created
	target, column string
}

type propertiesPlan struct {
	part  *propertiesPart
	wants []*propertyWant
	// add are the values to assign (ids of existing values or, for
	// values to create, 0 with the name in wants); del the assigned value
	// ids prune removes.
	rows []pipeline.Change
	add  []pendingValue
	del  []int64
}

type pendingValue struct {
	w    *propertyWant
	name string
	id   int64 // 0: create first
}

// splitValues splits a cell at "|", trimmed, empty and repeated (ignoring
// case) names dropped.
func splitValues(v any) []string {
	text := valueText(v)
	var out []string
	for part := range strings.SplitSeq(text, PropertySeparator) {
		part = strings.TrimSpace(part)
		if part == "" || slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, part) }) {
			continue
		}
		out = append(out, part)
	}
	return out
}

// valueText is a mapped value as text ("" for none).
func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			parts = append(parts, valueText(e))
		}
		return strings.Join(parts, PropertySeparator)
	case []string:
		return strings.Join(x, PropertySeparator)
	}
	return fmt.Sprint(v)
}

func (p *propertiesPart) plan(ctx context.Context, it *pipeline.Item, item productItem) (partPlan, error) {
	l := p.s.lookups
	var wants []*propertyWant
	for i, name := range p.names {
		vals := splitValues(it.Values[p.idx[i]])
		if len(vals) == 0 {
			continue
		}
		w := &propertyWant{name: name, values: vals}
		if t := it.Targets; p.idx[i] < len(t) {
			w.target, w.column = t[p.idx[i]].Path, t[p.idx[i]].Column
		}
		prop, ok, err := l.Property(ctx, name, false)
		if err != nil {
			return nil, err
		}
		if !ok && !p.create {
			known, _ := l.PropertyNames(ctx)
			return nil, &FieldError{Field: w.target, Column: w.column, Err: fmt.Errorf("the Wawi has no property %q (it has %s); sink.create_properties: true creates it", name, knownList(known))}
		}
		w.prop, w.exists = prop, ok
		for _, v := range vals {
			var id int64
			if ok {
				val, found, err := l.PropertyValue(ctx, prop.ID, v, false)
				if err != nil {
					return nil, err
				}
				if found {
					id = val.ID
				} else if !p.create {
					known, _ := l.PropertyValues(ctx, prop.ID)
					names := make([]string, len(known))
					for i, k := range known {
						names[i] = k.Name
					}
					return nil, &FieldError{Field: w.target, Column: w.column, Err: fmt.Errorf("property %q has no value %q (it has %s); sink.create_properties: true creates it", prop.Name, v, knownList(names))}
				}
			}
			w.ids = append(w.ids, id)
		}
		wants = append(wants, w)
	}
	if len(wants) == 0 {
		return nil, nil
	}
	assigned := map[int64]bool{}
	var current []erp.NamedID // assigned values with their property, Name of the value
	var currentProp []int64
	if item.ID != 0 {
		list, err := readItemProperties(ctx, p.s.c, item.ID)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			assigned[a.value] = true
			current = append(current, erp.NamedID{ID: a.value})
			currentProp = append(currentProp, a.prop)
		}
	}
	pl := &propertiesPlan{part: p, wants: wants}
	for _, w := range wants {
		var old []string
		keep := map[int64]bool{}
		for i, v := range w.values {
			id := w.ids[i]
			if id != 0 {
				keep[id] = true
			}
			if id == 0 || !assigned[id] {
				pl.add = append(pl.add, pendingValue{w: w, name: v, id: id})
			}
		}
		// the item's values of this property, by name
		var names map[int64]string
		if w.exists {
			vals, err := l.PropertyValues(ctx, w.prop.ID)
			if err != nil {
				return nil, err
			}
			names = make(map[int64]string, len(vals))
			for _, v := range vals {
				names[v.ID] = v.Name
			}
		}
		var stay []string
		removed := false
		for i, c := range current {
			if !w.exists || currentProp[i] != w.prop.ID {
				continue
			}
			name := names[c.ID]
			if name == "" {
				name = "#" + strconv.FormatInt(c.ID, 10)
			}
			old = append(old, name)
			if !keep[c.ID] {
				if p.prune {
					pl.del = append(pl.del, c.ID)
					removed = true
				} else {
					stay = append(stay, name)
				}
			}
		}
		added := slices.ContainsFunc(pl.add, func(a pendingValue) bool { return a.w == w })
		if !added && !removed {
			continue
		}
		label := w.prop.Name
		if label == "" {
			label = w.name
		}
		var oldV any
		if len(old) > 0 {
			oldV = strings.Join(old, " | ")
		}
		pl.rows = append(pl.rows, pipeline.Change{Field: "Merkmal " + label, Old: oldV, New: strings.Join(append(stay, w.values...), " | ")})
	}
	return pl, nil
}

func knownList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	const max = 10
	if len(names) > max {
		return strings.Join(names[:max], ", ") + fmt.Sprintf(", … (%d in all)", len(names))
	}
	return strings.Join(names, ", ")
}

func (pl *propertiesPlan) changes() []pipeline.Change { return pl.rows }

// deletes is how many assignments prune would remove (for max_deletes).
func (pl *propertiesPlan) deletes() int { return len(pl.del) }

func (pl *propertiesPlan) apply(ctx context.Context, itemID int64) error {
	p := pl.part
	l := p.s.lookups
	for _, a := range pl.add {
		id := a.id
		if id == 0 {
			prop := a.w.prop
			if !a.w.exists {
				var err error
				if prop, _, err = l.Property(ctx, a.w.name, true); err != nil {
					return err
				}
			}
			v, _, err := l.PropertyValue(ctx, prop.ID, a.name, true)
			if err != nil {
				return err
			}
			id = v.ID
		}
		if err := assignProperty(ctx, p.s.c, itemID, id); err != nil {
			return fmt.Errorf("property %s: %q: %w", a.w.name, a.name, err)
		}
	}
	for _, id := range pl.del {
		path := fillItemPath(pathItemProperty, itemID, "propertyValueId", id)
		if err := p.s.c.Delete(ctx, path, nil); err != nil && !isNotFound(err) {
			return err
		}
	}
	return nil
}

type itemPropertyValue struct{ prop, value int64 }

func readItemProperties(ctx context.Context, c *erp.Client, itemID int64) ([]itemPropertyValue, error) {
	var out struct {
		Properties []struct{ PropertyId, PropertyValueId int64 }
	}
	if err := c.Get(ctx, fillItemPath(pathItemProperties, itemID, "", 0), nil, &out); err != nil {
		return nil, err
	}
	list := make([]itemPropertyValue, len(out.Properties))
	for i, p := range out.Properties {
		list[i] = itemPropertyValue{p.PropertyId, p.PropertyValueId}
	}
	return list, nil
}

// assignProperty posts the assignment; a lost answer is settled by reading
// the item's values: when the value is there, the POST landed. A refusal
// (400) is read back the same way: a record of the same product that was
// planned at the same time may have assigned the value meanwhile.
func assignProperty(ctx context.Context, c *erp.Client, itemID, valueID int64) error {
	landed := func(ctx context.Context) (bool, error) {
		list, err := readItemProperties(ctx, c, itemID)
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(list, func(a itemPropertyValue) bool { return a.value == valueID }), nil
	}
	err := c.Post(ctx, fillItemPath(pathItemProperties, itemID, "", 0), nil, map[string]any{"PropertyValueId": valueID}, nil, landed)
	var ae *erp.APIError
	switch {
	case errors.Is(err, erp.ErrLandedElsewhere):
		return nil
	case errors.As(err, &ae) && ae.Status == http.StatusBadRequest:
		if there, rerr := landed(ctx); rerr == nil && there {
			return nil
		}
	}
	return err
}

// fillItemPath fills {itemId} and, when param is set, {param}.
func fillItemPath(tmpl string, itemID int64, param string, id int64) string {
	out := strings.Replace(tmpl, "{itemId}", url.PathEscape(strconv.FormatInt(itemID, 10)), 1)
	if param != "" {
		out = strings.Replace(out, "{"+param+"}", url.PathEscape(strconv.FormatInt(id, 10)), 1)
	}
	return out
}

func isNotFound(err error) bool {
	var ae *erp.APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound && !ae.RouteMissing
}
