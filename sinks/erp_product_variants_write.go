package sinks

// Writing variants: the parent's variations and values, each created once
// (a lost answer read back by name), translations set, and the child
// assigned with its values.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/wawi-etl/etl/erp"
)

// ensureVariation finds or creates the variation w names and sets its
// translations; par.mu is held.
func (p *variantsPart) ensureVariation(ctx context.Context, par *variantParent, w wantedValue) (*knownVariation, error) {
	vars := map[string]string{"itemId": fmtID(par.id)}
	u, err := erp.FillPath(pathVariations, vars)
	if err != nil {
		return nil, err
	}
	if v := par.variation(w.variation); v != nil {
		if len(trChanges(v.tr, w.varTr)) == 0 {
			return v, nil
		}
		vars["variationId"] = fmtID(v.id)
		tr := mergeTr(v.tr, w.varTr)
		if err := p.patch(ctx, pathVariation, vars, tr, p.reread(u, v.name)); err != nil {
			return nil, fmt.Errorf("translating the variation %s of %s: %w", v.name, par.sku, err)
		}
		v.tr = tr
		return v, nil
	}
	body := map[string]any{"Name": w.variation, "Type": 0, "Translations": mergeTr(nil, w.varTr)}
	out, err := p.create(ctx, u, body, w.variation)
	if err != nil {
		return nil, fmt.Errorf("creating the variation %s of %s: %w", w.variation, par.sku, err)
	}
	v := &knownVariation{id: out.Id, name: out.Name, tr: out.Translations}
	par.vars = append(par.vars, v)
	return v, nil
}

// create POSTs a variation or value named name to the list u; a lost
// answer is settled by reading the list again for that name, so a retry
// never makes a second one.
func (p *variantsPart) create(ctx context.Context, u string, body map[string]any, name string) (wawiVariation, error) {
	var found *wawiVariation
	landed := func(ctx context.Context) (bool, error) {
		var err error
		found, err = p.reread(u, name)(ctx)
		return found != nil, err
	}
	var out wawiVariation
	err := p.s.c.Post(ctx, u, nil, body, &out, landed)
	switch {
	case errors.Is(err, erp.ErrLandedElsewhere) && found != nil:
		return *found, nil
	case err != nil:
		return wawiVariation{}, err
	}
	return out, nil
}

// ensureValue finds or creates the value w names in v and sets its
// translations; par.mu is held.
func (p *variantsPart) ensureValue(ctx context.Context, par *variantParent, v *knownVariation, w wantedValue) (*knownValue, error) {
	vars := map[string]string{"itemId": fmtID(par.id), "variationId": fmtID(v.id)}
	u, err := erp.FillPath(pathVariationValues, vars)
	if err != nil {
		return nil, err
	}
	if val := v.value(w.value); val != nil {
		if len(trChanges(val.tr, w.valTr)) == 0 {
			return val, nil
		}
		vars["variationValueId"] = fmtID(val.id)
		tr := mergeTr(val.tr, w.valTr)
		if err := p.patch(ctx, pathVariationValue, vars, tr, p.reread(u, val.name)); err != nil {
			return nil, fmt.Errorf("translating the value %s of the variation %s of %s: %w", val.name, v.name, par.sku, err)
		}
		val.tr = tr
		return val, nil
	}
	body := map[string]any{"Name": w.value, "Translations": mergeTr(nil, w.valTr)}
	out, err := p.create(ctx, u, body, w.value)
	if err != nil {
		return nil, fmt.Errorf("creating the value %s of the variation %s of %s: %w", w.value, v.name, par.sku, err)
	}
	val := &knownValue{id: out.Id, name: out.Name, tr: out.Translations}
	v.values = append(v.values, val)
	return val, nil
}

func findByName(list []wawiVariation, name string) *wawiVariation {
	for i := range list {
		if strings.EqualFold(strings.TrimSpace(list[i].Name), strings.TrimSpace(name)) {
			return &list[i]
		}
	}
	return nil
}

// patch sends the translations of a variation or value; when the answer
// is lost, the list is read back (landed finds the record there) and
// compared, since the PATCH may have landed.
func (p *variantsPart) patch(ctx context.Context, tmpl string, vars map[string]string, tr []translation, landed func(context.Context) (*wawiVariation, error)) error {
	u, err := erp.FillPath(tmpl, vars)
	if err != nil {
		return err
	}
	err = p.s.c.Patch(ctx, u, nil, map[string]any{"Translations": tr}, nil)
	if answerLost(err) {
		if cur, cerr := landed(ctx); cerr == nil && cur != nil && sameTr(cur.Translations, tr) {
			return nil
		}
	}
	return err
}

// sameTr reports whether a and b hold the same terms (in any order).
func sameTr(a, b []translation) bool {
	if len(a) != len(b) {
		return false
	}
	for _, t := range b {
		if !slices.ContainsFunc(a, func(o translation) bool { return strings.EqualFold(o.LanguageIso, t.LanguageIso) && o.Name == t.Name }) {
			return false
		}
	}
	return true
}

// reread reads the list at u and finds the record with name in it.
func (p *variantsPart) reread(u, name string) func(context.Context) (*wawiVariation, error) {
	return func(ctx context.Context) (*wawiVariation, error) {
		var list []wawiVariation
		if err := p.s.c.Get(ctx, u, nil, &list); err != nil {
			return nil, err
		}
		return findByName(list, name), nil
	}
}

// assign makes the item a child of the parent with the value ids; a lost
// answer is checked by reading the child's ParentItemId.
func (p *variantsPart) assign(ctx context.Context, par *variantParent, itemID int64, ids []int64) error {
	u, err := erp.FillPath(pathChild, map[string]string{"itemId": fmtID(par.id), "childItemId": fmtID(itemID)})
	if err != nil {
		return err
	}
	def, _ := erp.Resource("items")
	cu, err := erp.FillPath(def.ItemPath, map[string]string{def.PathParam: fmtID(itemID)})
	if err != nil {
		return err
	}
	landed := func(ctx context.Context) (bool, error) {
		var rec map[string]any
		if err := p.s.c.Get(ctx, cu, nil, &rec); err != nil {
			return false, err
		}
		pid, _ := idOf(rec["ParentItemId"])
		return pid == par.id, nil
	}
	err = p.s.c.Post(ctx, u, nil, ids, nil, landed)
	if err != nil && !errors.Is(err, erp.ErrLandedElsewhere) {
		return fmt.Errorf("assigning the variant to %s: %w", par.sku, err)
	}
	return nil
}
