package sinks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// stockSink sets or adjusts stock levels. POST /stocks adds its Quantity to
// the stock, so:
//
//   - set: the file says how many there should be. The current stock of the
//     item in the warehouse (summed over storage locations, or of the
//     StorageLocationId given) is read (from an index of GET /stocks, or per
//     record) and the difference is posted; nothing when equal (Unchanged).
//     Running the same file twice changes nothing the second time.
//   - adjust: the file gives the change; it is posted as is.
//
// Neither is idempotent on the wire, so when a POST's answer is lost the
// landed check reads the stock again: before+delta means it landed (not
// posted again), before means it did not (posted again), anything else means
// someone else changed the stock meanwhile and the record fails instead of
// guessing.
//
// Targets: SKU or ItemId (the item), WarehouseId or Warehouse (a name,
// resolved through GET /warehouses) unless sink.warehouse names one for the
// whole file, Quantity, and optionally StorageLocationId and Comment.
type stockSink struct {
	s      *ERPSink
	adjust bool

	iSKU, iItem, iWhID, iWh, iQty, iLoc, iComment int
	targets                                       []mappings.Target // canonical names
	canon                                         []string

	items  *keyIndex[*docEntry] // items by SKU (id only)
	stocks *keyIndex[*stockEntry]
	locks  stripedLocks

	fixedWh  func() (int64, error) // sink.warehouse, resolved once
	whFilter string                // sink.warehouse as given
	whNameMu sync.Mutex
	whNames  map[int64]string
}

// stockEntry is the known stock of one item in one warehouse (one storage
// location, or all when the location is 0). The level is kept as text: a
// Decimal holds a big.Int, 40 bytes more per entry of an index that has
// one for every item in every warehouse.
type stockEntry struct {
	mu  sync.Mutex
	qty string // "": 0
}

func newStockEntry(q decimal.Decimal) *stockEntry { return &stockEntry{qty: q.String()} }

func (e *stockEntry) get() decimal.Decimal {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, err := decimal.NewFromString(e.qty)
	if err != nil {
		return decimal.Zero
	}
	return d
}

func (e *stockEntry) set(q decimal.Decimal) {
	e.mu.Lock()
	e.qty = q.String()
	e.mu.Unlock()
}

// stockPlan is the State of a stock plan.
type stockPlan struct {
	item, wh, loc int64
	qty           decimal.Decimal // set: the target level; adjust: the delta
	comment       string
	key           string
}

var stockTargets = []string{"SKU", "ItemId", "WarehouseId", "Warehouse", "Quantity", "StorageLocationId", "Comment"}

func openStocks(ctx context.Context, s *ERPSink, op string) (resourceSink, error) {
	op, err := s.def.Operation(op)
	if err != nil {
		return nil, err
	}
	st := &stockSink{s: s, adjust: op == "adjust", iSKU: -1, iItem: -1, iWhID: -1, iWh: -1, iQty: -1, iLoc: -1, iComment: -1,
		whNames: map[int64]string{}}
	idx := map[string]*int{"SKU": &st.iSKU, "ItemId": &st.iItem, "WarehouseId": &st.iWhID, "Warehouse": &st.iWh,
		"Quantity": &st.iQty, "StorageLocationId": &st.iLoc, "Comment": &st.iComment}
	for i, t := range s.targets {
		name := ""
		for _, n := range stockTargets {
			if strings.EqualFold(n, t.Path) {
				name = n
			}
		}
		if name == "" {
			return nil, fmt.Errorf("target %q: stocks take the targets %s", t.Path, strings.Join(stockTargets, ", "))
		}
		*idx[name] = i
		st.targets = append(st.targets, mappings.Target{Path: name, Type: t.Type, Column: t.Column})
		st.canon = append(st.canon, name)
	}
	switch {
	case st.iQty < 0:
		return nil, errors.New("stocks need a target Quantity")
	case st.iSKU < 0 && st.iItem < 0:
		return nil, errors.New("stocks need a target SKU or ItemId to name the item")
	case st.iWhID < 0 && st.iWh < 0 && s.spec.Warehouse == "":
		return nil, errors.New("stocks need a target WarehouseId or Warehouse, or sink.warehouse")
	}
	if by := s.spec.MatchBy; by != "" && !strings.EqualFold(by, "SKU") && !strings.EqualFold(by, "ItemId") {
		return nil, fmt.Errorf("sink.match_by %q: stocks name their item by SKU or ItemId", by)
	}

	if w := strings.TrimSpace(s.spec.Warehouse); w != "" {
		st.whFilter = w
		st.fixedWh = sync.OnceValues(func() (int64, error) {
			id, found, err := st.warehouseID(context.WithoutCancel(ctx), w)
			if err == nil && !found {
				err = fmt.Errorf("no warehouse named %q in the Wawi", w)
			}
			return id, err
		})
	}
	items, _ := erp.Resource("items")
	st.items = newKeyIndex[*docEntry]("items by SKU", s.mode)
	st.items.load = func(ctx context.Context) (*entries[*docEntry], error) {
		return loadDocIndex(ctx, s.c, items, nil, "SKU", nil)
	}
	st.items.search = func(ctx context.Context, key string) ([]*docEntry, error) {
		return searchDocs(ctx, s.c, items, url.Values{"searchKeyWord": {key}}, "SKU", key, nil)
	}
	st.items.probe = func(ctx context.Context) (int64, error) { return probeTotal(ctx, s.c, items.ListPath, nil) }

	st.stocks = newKeyIndex[*stockEntry]("stock levels", s.mode)
	st.stocks.load = st.loadStocks
	st.stocks.search = func(ctx context.Context, key string) ([]*stockEntry, error) {
		item, wh, loc := parseStockKey(key)
		q, err := st.readStock(ctx, item, wh, loc)
		if err != nil {
			return nil, err
		}
		return []*stockEntry{newStockEntry(q)}, nil
	}
	st.stocks.probe = func(ctx context.Context) (int64, error) {
		q, err := st.listQuery(ctx)
		if err != nil {
			return 0, err
		}
		return probeTotal(ctx, s.c, s.def.ListPath, q)
	}
	return st, nil
}

func (st *stockSink) sizeHint(n int64) {
	st.items.hint.Store(n)
	st.stocks.hint.Store(n)
}

func stockKey(item, wh, loc int64) string { return fmtID(item) + "/" + fmtID(wh) + "/" + fmtID(loc) }

func parseStockKey(k string) (item, wh, loc int64) {
	p := strings.Split(k, "/")
	item, _ = strconv.ParseInt(p[0], 10, 64)
	wh, _ = strconv.ParseInt(p[1], 10, 64)
	loc, _ = strconv.ParseInt(p[2], 10, 64)
	return
}

// listQuery filters GET /stocks by the fixed warehouse, if any.
func (st *stockSink) listQuery(ctx context.Context) (url.Values, error) {
	if st.fixedWh == nil {
		return nil, nil
	}
	wh, err := st.fixedWh()
	if err != nil {
		return nil, err
	}
	return url.Values{"warehouseId": {fmtID(wh)}}, nil
}

// loadStocks reads every stock row (of the fixed warehouse) and sums them
// per item and warehouse, and per storage location when the mapping names
// locations (otherwise no record asks for one, and the index would hold
// twice the entries).
func (st *stockSink) loadStocks(ctx context.Context) (*entries[*stockEntry], error) {
	q, err := st.listQuery(ctx)
	if err != nil {
		return nil, err
	}
	perLoc := st.iLoc >= 0
	m := newSpillEntries[*stockEntry]() // on disk past spillAt keys
	add := func(k string, qty decimal.Decimal) {
		if es, ok := m.get(k); ok && len(es) == 1 {
			es[0].set(es[0].get().Add(qty))
			m.set(k, es)
			return
		}
		m.add(k, newStockEntry(qty))
	}
	opt := indexPaging(st.s.c)
	opt.Part = keysPart("ItemId", "WarehouseId", "QuantityTotal", "StorageLocationId") // what the loop reads
	for rec, err := range st.s.c.List(ctx, st.s.def.ListPath, q, opt) {
		if err != nil {
			m.close()
			return nil, err
		}
		item, ok1 := idOf(rec["ItemId"])
		wh, ok2 := idOf(rec["WarehouseId"])
		qty, ok3 := toDecimal(rec["QuantityTotal"])
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		add(stockKey(item, wh, 0), qty)
		if loc, _ := idOf(rec["StorageLocationId"]); loc != 0 && perLoc {
			add(stockKey(item, wh, loc), qty)
		}
	}
	return m, nil
}

// readStock asks the API for the stock of one item in one warehouse (and
// location, when not 0).
func (st *stockSink) readStock(ctx context.Context, item, wh, loc int64) (decimal.Decimal, error) {
	q := url.Values{"itemId": {fmtID(item)}, "warehouseId": {fmtID(wh)}}
	sum := decimal.Zero
	for rec, err := range st.s.c.List(ctx, st.s.def.ListPath, q, erp.PageOptions{}) {
		if err != nil {
			return decimal.Zero, err
		}
		if l, _ := idOf(rec["StorageLocationId"]); loc != 0 && l != loc {
			continue
		}
		if qty, ok := toDecimal(rec["QuantityTotal"]); ok {
			sum = sum.Add(qty)
		}
	}
	return sum, nil
}

// warehouseID resolves a warehouse given by id or name (or Code).
func (st *stockSink) warehouseID(ctx context.Context, w string) (int64, bool, error) {
	if n, err := strconv.ParseInt(strings.TrimSpace(w), 10, 64); err == nil {
		return n, true, nil
	}
	v, found, err := st.s.lookups.Resolve(ctx, "warehouses", w, false)
	if err != nil || !found {
		return 0, false, err
	}
	id, _ := idOf(v)
	st.whNameMu.Lock()
	st.whNames[id] = w
	st.whNameMu.Unlock()
	return id, true, nil
}

func (st *stockSink) value(it *pipeline.Item, i int, k fieldKind) (any, error) {
	if i < 0 || i >= len(it.Values) {
		return nil, nil
	}
	v, err := coerce(it.Values[i], k)
	if err != nil {
		return nil, &FieldError{Field: st.s.targets[i].Path, Column: st.s.targets[i].Column, Err: err}
	}
	return v, nil
}

func (st *stockSink) colErr(i int, err error) error {
	if i < 0 {
		return err
	}
	return &FieldError{Field: st.s.targets[i].Path, Column: st.s.targets[i].Column, Err: err}
}

func (st *stockSink) plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
	// the stock list loads while the item lookup below loads the items
	st.stocks.warm(ctx)
	var vals [7]any
	for n, spec := range []struct {
		i int
		k fieldKind
	}{{st.iSKU, kindString}, {st.iItem, kindInteger}, {st.iWhID, kindInteger}, {st.iWh, kindString},
		{st.iQty, kindNumber}, {st.iLoc, kindInteger}, {st.iComment, kindString}} {
		v, err := st.value(it, spec.i, spec.k)
		if err != nil {
			return fail(it, "", err), nil
		}
		vals[n] = v
	}
	sku, _ := vals[0].(string)
	sku = strings.TrimSpace(sku)
	itemID, _ := vals[1].(int64)
	whID, _ := vals[2].(int64)
	whName, _ := vals[3].(string)
	loc, _ := vals[5].(int64)
	comment, _ := vals[6].(string)

	// the item
	key := sku
	if key == "" {
		key = "item " + fmtID(itemID)
	}
	switch {
	case itemID != 0:
	case sku == "":
		return fail(it, "", st.colErr(max(st.iSKU, st.iItem), errors.New("no item: SKU and ItemId are empty"))), nil
	default:
		es, err := st.items.get(ctx, sku)
		if err != nil {
			return lookupErr(it, key, err)
		}
		if len(es) == 0 {
			if st.s.onMissingSkip {
				return &pipeline.Plan{Item: it, Key: key, Outcome: pipeline.Skipped}, nil
			}
			return fail(it, key, st.colErr(st.iSKU, fmt.Errorf("no item with SKU %q in the Wawi", sku))), nil
		}
		itemID = es[0].id
	}
	// the warehouse
	switch {
	case whID != 0:
	case strings.TrimSpace(whName) != "":
		id, found, err := st.warehouseID(ctx, whName)
		if err != nil {
			return lookupErr(it, key, err)
		}
		if !found {
			return fail(it, key, st.colErr(st.iWh, fmt.Errorf("no warehouse named %q in the Wawi", whName))), nil
		}
		whID = id
	case st.fixedWh != nil:
		id, err := st.fixedWh()
		if err != nil {
			return nil, fmt.Errorf("sink.warehouse %q: %w", st.whFilter, err)
		}
		whID = id
	default:
		return fail(it, key, st.colErr(max(st.iWh, st.iWhID), errors.New("no warehouse: WarehouseId and Warehouse are empty"))), nil
	}
	if st.fixedWh != nil {
		if fixed, err := st.fixedWh(); err == nil && fixed != whID {
			return fail(it, key, st.colErr(max(st.iWh, st.iWhID), fmt.Errorf("warehouse %d is not sink.warehouse %q", whID, st.whFilter))), nil
		}
	}
	key += " @ " + st.warehouseLabel(whID, whName)
	qty, ok := vals[4].(decimal.Decimal)
	if !ok {
		return fail(it, key, st.colErr(st.iQty, errors.New("Quantity is empty"))), nil
	}
	cur, err := st.current(ctx, itemID, whID, loc)
	if err != nil {
		return lookupErr(it, key, err)
	}
	p := &pipeline.Plan{Item: it, Key: key, State: &stockPlan{item: itemID, wh: whID, loc: loc, qty: qty, comment: comment, key: key}}
	target := qty
	if st.adjust {
		target = cur.Add(qty)
	}
	if target.Equal(cur) {
		p.Outcome = pipeline.Unchanged
		return p, nil
	}
	p.Outcome = pipeline.Updated
	p.Changes = []pipeline.Change{{Field: "Quantity", Old: cur, New: target}}
	return p, nil
}

func (st *stockSink) warehouseLabel(id int64, name string) string {
	if name = strings.TrimSpace(name); name != "" {
		return name
	}
	st.whNameMu.Lock()
	defer st.whNameMu.Unlock()
	if n := st.whNames[id]; n != "" {
		return n
	}
	return "warehouse " + fmtID(id)
}

// current is the known stock of item in warehouse (and location).
func (st *stockSink) current(ctx context.Context, item, wh, loc int64) (decimal.Decimal, error) {
	es, err := st.stocks.get(ctx, stockKey(item, wh, loc))
	if err != nil || len(es) == 0 {
		return decimal.Zero, err
	}
	return es[0].get(), nil
}

func (st *stockSink) apply(ctx context.Context, p *pipeline.Plan) error {
	return st.applyNoted(ctx, p, nil)
}

// applyNoted posts the change; note, when given, is told the level before
// and the delta just before the POST, under the key's lock, so a journal
// can settle the write after a crash (see landedAfterCrash).
func (st *stockSink) applyNoted(ctx context.Context, p *pipeline.Plan, note func(string) error) error {
	sp, ok := p.State.(*stockPlan)
	if !ok {
		return errors.New("stock sink: plan without state")
	}
	k := stockKey(sp.item, sp.wh, sp.loc)
	unlock := st.locks.lock(k)
	defer unlock()
	es, err := st.stocks.get(ctx, k)
	if err != nil {
		return err
	}
	var e *stockEntry
	if len(es) > 0 {
		e = es[0]
	} else {
		e = &stockEntry{}
	}
	before := e.get()
	delta := sp.qty
	if !st.adjust {
		delta = sp.qty.Sub(before) // against what this run last wrote
	}
	if delta.IsZero() {
		return nil
	}
	body := map[string]any{"ItemId": sp.item, "WarehouseId": sp.wh, "Quantity": wire(delta, false)}
	if sp.loc != 0 {
		body["StorageLocationId"] = sp.loc
	}
	if sp.comment != "" {
		body["Comment"] = sp.comment
	}
	after := before.Add(delta)
	if note != nil {
		if err := note(before.String() + " " + delta.String()); err != nil {
			return pipeline.Fatal(err)
		}
	}
	landed := func(ctx context.Context) (bool, error) {
		now, err := st.readStock(ctx, sp.item, sp.wh, sp.loc)
		if err != nil {
			return false, err
		}
		switch {
		case now.Equal(after):
			return true, nil
		case now.Equal(before):
			return false, nil
		}
		return false, fmt.Errorf("the stock of %s is %s: neither %s (before) nor %s (after the change); someone else changed it meanwhile, so the change is not repeated", sp.key, now, before, after)
	}
	err = st.s.c.Post(ctx, st.s.def.CreatePath, st.s.writeQuery, body, nil, landed)
	if err != nil && !errors.Is(err, erp.ErrLandedElsewhere) {
		return wrapWriteErr(apiFieldErr(st.s.targets, st.canon, err, nil))
	}
	e.set(after)
	st.stocks.put(k, []*stockEntry{e})
	return nil
}

// landedAfterCrash settles a POST that an interrupted run noted ("before
// delta") but never saw answered: the level now is before+delta (it landed),
// before (it did not), or something else, which fails the record rather
// than guess.
func (st *stockSink) landedAfterCrash(ctx context.Context, p *pipeline.Plan, detail string) (bool, error) {
	sp, ok := p.State.(*stockPlan)
	if !ok {
		return false, errors.New("stock sink: plan without state")
	}
	b, d, ok := strings.Cut(detail, " ")
	before, err1 := decimal.NewFromString(b)
	delta, err2 := decimal.NewFromString(d)
	if !ok || err1 != nil || err2 != nil {
		return false, fmt.Errorf("journal entry %q is not a stock change", detail)
	}
	now, err := st.readStock(ctx, sp.item, sp.wh, sp.loc)
	if err != nil {
		return false, err
	}
	switch after := before.Add(delta); {
	case now.Equal(after):
		return true, nil
	case now.Equal(before):
		return false, nil
	default:
		return false, fmt.Errorf("the stock of %s is %s: neither %s (before the interrupted change) nor %s (after it); it changed meanwhile, so the change is not repeated: check it in the Wawi", sp.key, now, before, after)
	}
}
