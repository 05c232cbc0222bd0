package sinks

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/wawi-etl/etl/erp"
)

// Line items name their item as the shop or supplier knows it: targets
// LineItems[].Item.<key> (LineItems[0].Item.<key> in wide files) find the
// item by one of its keys — SKU, GTIN, another identifier — or by a
// supplier's article number (Item.SupplierSku with Item.SupplierId), and
// the line is sent with that item's ItemId. A key that names no item, or
// several, fails the order and names the line.
type lineItems struct {
	o       *orderSink
	mu      sync.Mutex
	finders map[string]*parentFinder // by key field as the target names it
	// bySku finds items by (supplier, supplier's article number).
	bySku *parentFinder
}

const lineItemKey = "Item"

// resolveItemTarget checks a line target Item.<key> (rest is <key>) and
// says its canonical form.
func (o *orderSink) resolveItemTarget(key string) (string, fieldKind, string) {
	items, _ := erp.Resource("items")
	switch {
	case strings.EqualFold(key, supplierSkuField):
		return lineItemKey + "." + supplierSkuField, kindString, ""
	case strings.EqualFold(key, "SupplierId"):
		return lineItemKey + ".SupplierId", kindInteger, ""
	}
	nk, err := items.MatchKey(key)
	if err != nil {
		return "", 0, err.Error()
	}
	return lineItemKey + "." + nk.Field, kindString, ""
}

func (l *lineItems) finder(field string) *parentFinder {
	l.mu.Lock()
	defer l.mu.Unlock()
	if pf := l.finders[field]; pf != nil {
		return pf
	}
	items, _ := erp.Resource("items")
	nk, _ := items.MatchKey(field)
	pf := &parentFinder{def: items, noun: items.Import.Noun, field: nk.Field}
	pf.openIndex(l.o.s, nk)
	l.finders[field] = pf
	return pf
}

// resolve replaces each line's Item map by its ItemId.
func (l *lineItems) resolve(ctx context.Context, lines []any) error {
	var errs []string
	for i, ln := range lines {
		m, ok := ln.(map[string]any)
		if !ok {
			continue
		}
		keys, ok := m[lineItemKey].(map[string]any)
		if !ok {
			continue
		}
		delete(m, lineItemKey)
		id, err := l.find(ctx, flatKeys(keys, ""))
		var mp *missingParentError
		switch {
		case errors.As(err, &mp):
			errs = append(errs, fmt.Sprintf("line %d: %s", i+1, mp.msg))
		case err != nil:
			return err
		case id != 0:
			m["ItemId"] = id
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// flatKeys turns {Identifiers: {Gtin: x}} into {Identifiers.Gtin: x}.
func flatKeys(m map[string]any, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			for kk, vv := range flatKeys(sub, prefix+k+".") {
				out[kk] = vv
			}
			continue
		}
		if s := keyText(v); s != "" {
			out[prefix+k] = s
		}
	}
	return out
}

// find looks the item up by the first key the line has (0: none given).
func (l *lineItems) find(ctx context.Context, keys map[string]string) (int64, error) {
	if sku, ok := keys[supplierSkuField]; ok {
		sid := keys["SupplierId"]
		if sid == "" {
			return 0, &missingParentError{fmt.Sprintf("the supplier's article number %q needs the supplier (Item.SupplierId)", sku)}
		}
		d := &keyedSink{s: l.o.s}
		d.def, _ = erp.Resource("items")
		return l.bySku.findBySupplierSku(ctx, d, sid+keySep+sku)
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		if k != "SupplierId" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		return l.finder(k).find(ctx, keys[k])
	}
	return 0, nil
}
