package sinks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/mappings"
)

// Items found by the supplier's article number: a supplier's file keys its
// rows by its own number (Sku of the item's supplier data), not by ours. A
// sub-resource of items names its item by the target Item.SupplierSku; the
// supplier is the record's SupplierId (items/suppliers) or the target
// Item.SupplierId. No list filter finds supplier data, so the first such
// record reads every item's suppliers once (items paged, then one GET per
// item, in parallel) and answers from that index; for items/suppliers the
// lists read also serve as the items' current supplier data.

const supplierSkuField = "SupplierSku"

// openSupplierSku handles the parent targets Item.SupplierSku and
// Item.SupplierId; handled is false for other targets.
func (d *keyedSink) openSupplierSku(t mappings.Target, field string) (msg string, handled bool) {
	switch {
	case strings.EqualFold(field, supplierSkuField):
		if d.def.Parent.Resource != "items" {
			return fmt.Sprintf("%s are not found by a supplier's article number", d.def.Parent.Resource), true
		}
		if d.parentIdx >= 0 {
			return fmt.Sprintf("the %s is named twice", d.def.Parent.Target), true
		}
		pdef, _ := erp.Resource("items")
		d.parent = &parentFinder{def: pdef, noun: pdef.Import.Noun, field: "supplier article number", bySku: &supplierSkuIndex{}}
		d.parentIdx = len(d.targets)
		d.addParentTarget(t, d.def.Parent.Target+"."+supplierSkuField, kindString)
		return "", true
	case strings.EqualFold(field, "SupplierId"):
		d.supplierIdx = len(d.targets)
		d.addParentTarget(t, d.def.Parent.Target+".SupplierId", kindInteger)
		return "", true
	}
	return "", false
}

func (d *keyedSink) addParentTarget(t mappings.Target, canon string, kind fieldKind) {
	d.targets = append(d.targets, mappings.Target{Path: canon, Type: t.Type, Column: t.Column})
	d.canon = append(d.canon, canon)
	d.kinds = append(d.kinds, kind)
}

// checkSupplierSku: finding the item by the supplier's number needs the
// supplier. Called once the targets are resolved.
func (d *keyedSink) checkSupplierSku() error {
	if d.parent == nil || d.parent.bySku == nil {
		if d.supplierIdx >= 0 {
			return fmt.Errorf("target %s.SupplierId only serves %s.%s", d.def.Parent.Target, d.def.Parent.Target, supplierSkuField)
		}
		return nil
	}
	if d.supplierIdx < 0 {
		d.supplierIdx = slices.IndexFunc(d.canon, func(c string) bool { return strings.EqualFold(c, "SupplierId") })
	}
	if d.supplierIdx < 0 {
		return fmt.Errorf("target %s.%s needs the supplier: a target SupplierId or %s.SupplierId",
			d.def.Parent.Target, supplierSkuField, d.def.Parent.Target)
	}
	return nil
}

// supplierSkuKey is the finder's key of a record: the supplier's id and
// its article number.
func (d *keyedSink) supplierSkuKey(vals []any, sku string) (string, bool) {
	sid := keyText(vals[d.supplierIdx])
	if sid == "" {
		return "", false
	}
	return sid + keySep + sku, true
}

// supplierSkuIndex maps (supplier id, lower-cased Sku) to item ids.
type supplierSkuIndex struct {
	once sync.Once
	m    map[string][]int64
	err  error
}

// findBySupplierSku returns the item of key (supplier id, Sku).
func (pf *parentFinder) findBySupplierSku(ctx context.Context, d *keyedSink, key string) (int64, error) {
	x := pf.bySku
	x.once.Do(func() { x.m, x.err = d.loadSupplierSkus(ctx) })
	if x.err != nil {
		return 0, x.err
	}
	sid, sku, _ := strings.Cut(key, keySep)
	ids := x.m[lowerKey(key)]
	switch len(ids) {
	case 0:
		return 0, &missingParentError{fmt.Sprintf("no item has supplier %s's article number %q", sid, sku)}
	case 1:
		return ids[0], nil
	}
	ids = slices.Sorted(slices.Values(ids)) // read in parallel: any order
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmtID(id)
	}
	return 0, &missingParentError{fmt.Sprintf("%d items have supplier %s's article number %q (ids %s): cannot tell which is meant",
		len(ids), sid, sku, strings.Join(s, ", "))}
}

// loadSupplierSkus reads every item's supplier data. For items/suppliers
// the lists read are kept as the items' current records.
func (d *keyedSink) loadSupplierSkus(ctx context.Context) (map[string][]int64, error) {
	items, _ := erp.Resource("items")
	subs, _ := erp.Resource("items/suppliers")
	var ids []int64
	opt := indexPaging(d.s.c)
	opt.Part = keysPart(items.IDField)
	for rec, err := range d.s.c.List(ctx, items.ListPath, nil, opt) {
		if err != nil {
			return nil, err
		}
		if id, ok := idOf(rec[items.IDField]); ok {
			ids = append(ids, id)
		}
	}
	keep := d.def == subs
	// what the loop below reads, and keepChildList
	part := keysPart("SupplierId", "Sku")
	if keep {
		part.Merge(entryPart(d.def, d.match, d.shape))
	}
	out := map[string][]int64{}
	var mu sync.Mutex
	err := parallel(ctx, len(ids), max(1, d.s.c.Config().Concurrency), func(ctx context.Context, i int) error {
		pid := fmtID(ids[i])
		u, err := erp.FillPath(subs.ListPath, map[string]string{"itemId": pid})
		if err != nil {
			return err
		}
		var recs []map[string]any
		for rec, err := range d.s.c.List(ctx, u, nil, erp.PageOptions{Part: part}) {
			if err != nil {
				return err
			}
			recs = append(recs, rec)
		}
		mu.Lock()
		for _, r := range recs {
			sid, sku := keyText(r["SupplierId"]), keyText(r["Sku"])
			if sid != "" && sku != "" {
				k := lowerKey(sid + keySep + sku)
				out[k] = append(out[k], ids[i])
			}
		}
		mu.Unlock()
		if keep {
			d.keepChildList(pid, recs)
		}
		return nil
	})
	return out, err
}

// keepChildList stores a parent's records as read, unless its list was
// read already.
func (d *keyedSink) keepChildList(pid string, recs []map[string]any) {
	m := newEntries[*docEntry]()
	for _, r := range recs {
		if e, k, ok := newDocEntry(r, d.def, d.match, d.shape); ok {
			m.add(k, e)
		}
	}
	d.listsMu.Lock()
	defer d.listsMu.Unlock()
	if d.lists[pid] != nil {
		return
	}
	cl := &childList{m: m}
	cl.once.Do(func() {})
	d.lists[pid] = cl
}

// parallel runs f for 0..n-1 with at most conc at once; the first error
// stops the rest.
func parallel(ctx context.Context, n, conc int, f func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(conc, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			i = n
		}
	}
	close(next)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// Items updates matched by the supplier's article number (sink.match_by:
// SupplierSku): the targets SupplierSku and SupplierId name the item, as
// Item.SupplierSku does for a sub-resource; they are not sent. Only
// update: a supplier's number cannot create an item.

func bySupplierSku(s *ERPSink) bool {
	return s.def.Name == "items" && strings.EqualFold(strings.TrimSpace(s.spec.MatchBy), supplierSkuField)
}

// openItemsBySupplierSku configures the planner of items for
// match_by: SupplierSku; the key is (SupplierId, SupplierSku).
func (d *keyedSink) openItemsBySupplierSku() error {
	if d.op != "update" {
		return fmt.Errorf("sink.match_by SupplierSku: items are only updated by a supplier's article number (operation: update)")
	}
	d.keyFields = []string{"SupplierId", supplierSkuField}
	d.match = strings.Join(d.keyFields, "+")
	d.parent = &parentFinder{noun: "item", field: "supplier article number", bySku: &supplierSkuIndex{}}
	d.idx = newKeyIndex[*docEntry]("items by supplier article number", modeSearch)
	d.idx.search = func(ctx context.Context, key string) ([]*docEntry, error) {
		id, err := d.parent.findBySupplierSku(ctx, d, key)
		if err != nil {
			if _, ok := err.(*missingParentError); ok {
				return nil, nil
			}
			return nil, err
		}
		var rec map[string]any
		if err := d.s.c.Get(ctx, d.def.ItemURL(id), nil, &rec); err != nil {
			return nil, err
		}
		return []*docEntry{{id: id, vals: d.shape.project(rec)}}, nil
	}
	return nil
}

// supplierSkuTarget reports whether target path is one of the key targets
// of match_by: SupplierSku, which no item schema has.
func (d *keyedSink) supplierSkuTarget(path string) (string, bool) {
	if d.parent == nil || d.parent.bySku == nil || d.def.Parent != nil {
		return "", false
	}
	for _, f := range d.keyFields {
		if strings.EqualFold(f, path) {
			return f, true
		}
	}
	return "", false
}
