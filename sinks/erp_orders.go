package sinks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/shopspring/decimal"
	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// orderSink creates sales orders, idempotent by ExternalNumber (or Number):
// one record is one order with its line items (targets LineItems[i].SKU,
// LineItems[i].Quantity, ...). CreateSalesOrder has no line items, so they
// go in a second request, POST /salesOrders/{id}/lineitems, right after the
// order.
//
// An order whose key exists already is Unchanged, never created twice: the
// key is looked up with the list's exact filter (externalOrderNumber,
// salesOrderNumber) and the same lookup is the landed check of the POST. If
// an earlier run created the order but not its line items (the second
// request failed), the order has none: the record is then Updated by adding
// them, so rerunning the file completes the order. Orders that have line
// items are not compared or changed.
//
// Files with one row per line item need grouping first; two records with
// the same key make one order (the first), the second is Unchanged.
type orderSink struct {
	s        *ERPSink
	match    string // ExternalNumber or Number
	filter   string // externalOrderNumber or salesOrderNumber
	lineDef  *erp.ResourceDef
	targets  []mappings.Target
	canon    []string
	kinds    []fieldKind
	keyIdx   int
	order    *apiSchema
	line     *apiSchema
	orders   *keyIndex[*orderEntry]
	locks    stripedLocks
	pendMu   sync.Mutex
	pendings map[string]int // planned creates: key -> row
	// perLine are the targets LineItems[].X (a value per row of a grouped
	// record, source.group_by), ship those of ShippingLine.X (one more line
	// item after them): both become LineItems[i].X per record (expand).
	perLine, ship []int
	// newCust creates the customer of an order without one
	// (sink.new_customers), nil when the job does not ask.
	newCust *newCustomers
	// items finds the items of lines named by Item.<key>.
	items *lineItems
}

type orderEntry struct {
	id int64
}

type orderPlan struct {
	// newCustomer: the customer is created from the billing address (or
	// found by its e-mail) right before the order.
	newCustomer bool
	key         string
	doc         map[string]any
	lines       []any
	id          int64 // existing order (lines to add), 0 for a create
}

func openOrders(s *ERPSink, op string) (resourceSink, error) {
	if _, err := s.def.Operation(op); err != nil {
		return nil, err
	}
	o := &orderSink{s: s, keyIdx: -1, pendings: map[string]int{}}
	switch by := strings.TrimSpace(s.spec.MatchBy); {
	case by == "" || strings.EqualFold(by, "ExternalNumber"):
		o.match = "ExternalNumber"
	case strings.EqualFold(by, "Number"):
		o.match = "Number"
	default:
		return nil, fmt.Errorf("sink.match_by %q: sales orders match by ExternalNumber or Number", by)
	}
	nk, _ := s.def.NaturalKey(o.match)
	o.filter = nk.Lookup
	o.lineDef, _ = erp.Resource("salesOrders/lineitems")
	var err error
	if o.order, err = schemaNamed(s.def.CreateSchema); err != nil {
		return nil, err
	}
	if o.line, err = schemaNamed(o.lineDef.CreateSchema); err != nil {
		return nil, err
	}
	var problems pipeline.TargetErrors
	for _, t := range s.targets {
		canon, kind, msg := o.resolve(t.Path)
		if msg != "" {
			problems = append(problems, pipeline.TargetError{Target: t.Path, Msg: msg})
			continue
		}
		if canon == o.match {
			o.keyIdx = len(o.targets)
		}
		switch {
		case strings.HasPrefix(canon, "LineItems[]."):
			o.perLine = append(o.perLine, len(o.targets))
		case strings.HasPrefix(canon, "ShippingLine."):
			o.ship = append(o.ship, len(o.targets))
		}
		o.targets = append(o.targets, mappings.Target{Path: canon, Type: t.Type, Column: t.Column})
		o.canon = append(o.canon, canon)
		o.kinds = append(o.kinds, kind)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if o.keyIdx < 0 {
		return nil, fmt.Errorf("match_by %s: the mapping has no target %s, so orders cannot be recognised on a rerun", o.match, o.match)
	}
	o.items = &lineItems{o: o, finders: map[string]*parentFinder{}, bySku: &parentFinder{noun: "item", field: "supplier article number", bySku: &supplierSkuIndex{}}}
	if o.newCust, err = openNewCustomers(s); err != nil {
		return nil, err
	}
	o.orders = newKeyIndex[*orderEntry]("sales orders by "+o.match, modeSearch)
	o.orders.search = o.search
	return o, nil
}

// resolve checks an order target: a CreateSalesOrder field, or
// LineItems[i].<CreateSalesOrderLineItem field>.
func (o *orderSink) resolve(path string) (string, fieldKind, string) {
	first, rest, _ := strings.Cut(path, ".")
	if strings.EqualFold(first, "ShippingLine") || strings.EqualFold(first, "LineItems[]") {
		if rest == "" {
			return "", 0, "name a line item field: " + first + ".SalesPriceGross"
		}
		canon, kind, msg := o.resolveLine(rest)
		if msg != "" {
			return "", 0, msg
		}
		if strings.EqualFold(first, "ShippingLine") {
			return "ShippingLine." + canon, kind, ""
		}
		return "LineItems[]." + canon, kind, ""
	}
	name, idx, hasIdx := splitIndex(first)
	if !strings.EqualFold(name, "LineItems") {
		return resolvePath(o.order, path)
	}
	if !hasIdx || rest == "" {
		return "", 0, "line items are targets like LineItems[0].SKU, LineItems[0].Quantity, or LineItems[].SKU with a row per line item (source.group_by)"
	}
	canon, kind, msg := o.resolveLine(rest)
	if msg != "" {
		return "", 0, msg
	}
	return fmt.Sprintf("LineItems[%d].%s", idx, canon), kind, ""
}

// resolveLine checks a line item field, or Item.<key> naming the item
// (erp_orders_items.go).
func (o *orderSink) resolveLine(rest string) (string, fieldKind, string) {
	if head, key, ok := strings.Cut(rest, "."); ok && strings.EqualFold(head, lineItemKey) {
		return o.resolveItemTarget(key)
	}
	return resolvePath(o.line, rest)
}

func (o *orderSink) sizeHint(int64) {}

// search finds orders by key with the exact list filter, and checks the
// field anyway.
func (o *orderSink) search(ctx context.Context, key string) ([]*orderEntry, error) {
	var out []*orderEntry
	for rec, err := range o.s.c.List(ctx, o.s.def.ListPath, url.Values{o.filter: {key}}, erp.PageOptions{}) {
		if err != nil {
			return nil, err
		}
		v, _ := rec[o.match].(string)
		if !strings.EqualFold(strings.TrimSpace(v), key) {
			continue
		}
		if id, ok := idOf(rec["Id"]); ok {
			out = append(out, &orderEntry{id: id})
		}
	}
	return out, nil
}

func (o *orderSink) lineCount(ctx context.Context, id int64) (int, error) {
	var lines []map[string]any
	if err := o.s.c.Get(ctx, o.lineDef.ListURL(id), nil, &lines); err != nil {
		return 0, err
	}
	return len(lines), nil
}

// expand turns the per-line and shipping targets of one record into
// LineItems[i].X targets: line i of the record's rows, then the shipping
// line when it has any value.
func (o *orderSink) expand(it *pipeline.Item) ([]mappings.Target, []fieldKind, *pipeline.Item, int) {
	if len(o.perLine) == 0 && len(o.ship) == 0 {
		return o.targets, o.kinds, it, o.keyIdx
	}
	keyIdx := -1
	skip := make(map[int]bool, len(o.perLine)+len(o.ship))
	targets := make([]mappings.Target, 0, len(o.targets))
	kinds := make([]fieldKind, 0, len(o.targets))
	vals := make([]any, 0, len(o.targets))
	add := func(t mappings.Target, k fieldKind, v any) {
		targets, kinds, vals = append(targets, t), append(kinds, k), append(vals, v)
	}
	for _, i := range append(slices.Clone(o.perLine), o.ship...) {
		skip[i] = true
	}
	for i, t := range o.targets {
		if !skip[i] && i < len(it.Values) {
			if i == o.keyIdx {
				keyIdx = len(targets)
			}
			add(t, o.kinds[i], it.Values[i])
		}
	}
	n := 0
	for _, i := range o.perLine {
		lv, _ := it.Values[i].(mappings.LineValues)
		if lv == nil && it.Values[i] != nil {
			lv = mappings.LineValues{it.Values[i]}
		}
		n = max(n, len(lv))
		field := strings.TrimPrefix(o.targets[i].Path, "LineItems[].")
		for j, v := range lv {
			t := o.targets[i]
			t.Path = fmt.Sprintf("LineItems[%d].%s", j, field)
			add(t, o.kinds[i], v)
		}
	}
	// The shipping line is there when the record has its price (0 for free
	// shipping included); a name or quantity alone (constants, mostly) does
	// not make one. Its quantity is 1 unless mapped.
	shipping, qty := false, false
	for _, i := range o.ship {
		switch strings.TrimPrefix(o.targets[i].Path, "ShippingLine.") {
		case "SalesPriceGross", "SalesPriceNet":
			if v := it.Values[i]; v != nil && !isEmptyValue(v) {
				shipping = true
			}
		case "Quantity":
			qty = true
		}
	}
	if shipping {
		for _, i := range o.ship {
			t := o.targets[i]
			t.Path = fmt.Sprintf("LineItems[%d].%s", n, strings.TrimPrefix(t.Path, "ShippingLine."))
			add(t, o.kinds[i], it.Values[i])
		}
		if !qty {
			_, k, _ := resolvePath(o.line, "Quantity")
			add(mappings.Target{Path: fmt.Sprintf("LineItems[%d].Quantity", n), Type: mappings.Decimal}, k, decimal.NewFromInt(1))
		}
	}
	x := *it
	x.Targets, x.Values = targets, vals
	return targets, kinds, &x, keyIdx
}

func (o *orderSink) plan(ctx context.Context, it *pipeline.Item) (*pipeline.Plan, error) {
	targets, kinds, xit, keyIdx := o.expand(it)
	vals, doc, err := prepare(xit, targets, kinds)
	if err != nil {
		return fail(it, "", err), nil
	}
	key := keyText(vals[keyIdx])
	if key == "" {
		t := o.s.targets[o.keyIdx]
		return fail(it, "", &FieldError{Field: t.Path, Column: t.Column, Err: fmt.Errorf("%s is empty: the order could not be recognised on a rerun", o.match)}), nil
	}
	lines, _ := doc["LineItems"].([]any)
	delete(doc, "LineItems")
	if err := o.items.resolve(ctx, lines); err != nil {
		var rf interface{ RunFatal() bool }
		if errors.As(err, &rf) && rf.RunFatal() {
			return lookupErr(it, key, err)
		}
		return fail(it, key, err), nil
	}
	st := &orderPlan{key: key, doc: doc, lines: lines}
	p := &pipeline.Plan{Item: it, Key: key, State: st}
	es, err := o.orders.get(ctx, key)
	if err != nil {
		return lookupErr(it, key, err)
	}
	if len(es) > 0 {
		p.Outcome = pipeline.Unchanged
		if len(es) == 1 && len(lines) > 0 {
			n, err := o.lineCount(ctx, es[0].id)
			if err != nil {
				return lookupErr(it, key, err)
			}
			if n == 0 {
				// created by an earlier run whose line items failed
				st.id = es[0].id
				p.Outcome = pipeline.Updated
				p.Changes = []pipeline.Change{{Field: "LineItems[]", Old: int64(0), New: int64(len(lines))}}
			}
		}
		return p, nil
	}
	row := 0
	if it.Rec != nil {
		row = it.Rec.Row
	}
	lk := lowerKey(key)
	o.pendMu.Lock()
	owner, pending := o.pendings[lk]
	if pending && owner != row {
		o.pendMu.Unlock()
		p.Outcome = pipeline.Unchanged // the same order from an earlier record
		return p, nil
	}
	o.pendings[lk] = row
	o.pendMu.Unlock()
	var cust *pipeline.Change
	if _, has := doc["CustomerId"]; !has && o.newCust != nil {
		c, err := o.newCust.plan(doc, o.namedCustomer(it))
		if err != nil {
			return fail(it, key, err), nil
		}
		st.newCustomer, cust = true, &c
	}
	if err := o.checkCreate(doc, lines, st.newCustomer); err != nil {
		return fail(it, key, err), nil
	}
	p.Outcome = pipeline.Created
	p.Changes = flatChanges(doc, "")
	if cust != nil {
		p.Changes = append([]pipeline.Change{*cust}, p.Changes...)
	}
	for i, l := range lines {
		if m, ok := l.(map[string]any); ok {
			p.Changes = append(p.Changes, flatChanges(m, fmt.Sprintf("LineItems[%d].", i))...)
		}
	}
	return p, nil
}

// flatChanges lists every leaf of a new document as a Change from nil.
func flatChanges(doc map[string]any, prefix string) []pipeline.Change {
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []pipeline.Change
	for _, k := range keys {
		switch v := doc[k].(type) {
		case map[string]any:
			out = append(out, flatChanges(v, prefix+k+".")...)
		default:
			out = append(out, pipeline.Change{Field: prefix + k, New: v})
		}
	}
	return out
}

// namedCustomer is the input's text for the customer, before its lookup.
func (o *orderSink) namedCustomer(it *pipeline.Item) string {
	for _, t := range o.s.targets {
		if t.Path == "CustomerId" && t.Column != "" && it.Rec != nil {
			if v, ok := it.Rec.Get(t.Column); ok && v != nil {
				return strings.TrimSpace(fmt.Sprint(v))
			}
		}
	}
	return ""
}

func (o *orderSink) checkCreate(doc map[string]any, lines []any, newCustomer bool) error {
	miss := missingRequired(o.order, doc, "")
	if newCustomer {
		miss = slices.DeleteFunc(miss, func(f string) bool { return f == "CustomerId" })
	}
	for i, l := range lines {
		if m, ok := l.(map[string]any); ok {
			miss = append(miss, missingRequired(o.line, m, fmt.Sprintf("LineItems[%d].", i))...)
		}
	}
	if len(miss) == 0 {
		return nil
	}
	err := fmt.Errorf("creating a sales order needs %s (and Quantity per line item); missing or empty: %s",
		strings.Join(o.order.Required, ", "), strings.Join(miss, ", "))
	for _, m := range miss {
		if t, ok := targetFor(o.s.targets, o.canon, m); ok {
			return &FieldError{Field: t.Path, Column: t.Column, Err: err}
		}
	}
	return err
}

func (o *orderSink) apply(ctx context.Context, p *pipeline.Plan) error {
	st, ok := p.State.(*orderPlan)
	if !ok {
		return errors.New("sales order sink: plan without state")
	}
	unlock := o.locks.lock(lowerKey(st.key))
	defer unlock()
	if st.id != 0 {
		return o.addLines(ctx, st.key, st.id, st.lines, 0)
	}
	es, err := o.orders.get(ctx, st.key)
	if err != nil {
		return err
	}
	if len(es) > 0 {
		return nil // created by an earlier record of this run
	}
	if st.newCustomer {
		id, err := o.newCust.ensure(ctx, st.doc)
		if err != nil {
			return wrapWriteErr(err)
		}
		st.doc["CustomerId"] = id
	}
	var found []*orderEntry
	landed := func(ctx context.Context) (bool, error) {
		es, err := o.orders.fresh(ctx, st.key)
		found = es
		return len(es) > 0, err
	}
	var out map[string]any
	err = o.s.c.Post(ctx, o.s.def.CreatePath, o.s.writeQuery, wire(st.doc, false), &out, landed)
	var id int64
	switch {
	case errors.Is(err, erp.ErrLandedElsewhere) && len(found) == 1:
		id = found[0].id
	case err != nil:
		return wrapWriteErr(apiFieldErr(o.s.targets, o.canon, err, nil))
	default:
		var ok bool
		if id, ok = idOf(out["Id"]); !ok {
			return fmt.Errorf("sales order %q was created but the answer has no Id", st.key)
		}
	}
	o.orders.put(st.key, []*orderEntry{{id: id}})
	if len(st.lines) == 0 {
		return nil
	}
	if err := o.addLines(ctx, st.key, id, st.lines, 0); err != nil {
		return fmt.Errorf("sales order %q was created (id %d) without its line items; rerunning the file adds them: %w", st.key, id, err)
	}
	return nil
}

// addLines posts the line items of an order that has before of them. A lost
// answer is settled by counting the order's line items.
func (o *orderSink) addLines(ctx context.Context, key string, id int64, lines []any, before int) error {
	want := before + len(lines)
	landed := func(ctx context.Context) (bool, error) {
		n, err := o.lineCount(ctx, id)
		switch {
		case err != nil:
			return false, err
		case n == want:
			return true, nil
		case n == before:
			return false, nil
		}
		return false, fmt.Errorf("sales order %q has %d line items, expected %d or %d: changed by someone else; not repeated", key, n, before, want)
	}
	err := o.s.c.Post(ctx, o.lineDef.ListURL(id), nil, wire(lines, false), nil, landed)
	if err != nil && !errors.Is(err, erp.ErrLandedElsewhere) {
		return wrapWriteErr(apiFieldErr(o.s.targets, o.canon, err, func(f string) string {
			if strings.HasPrefix(f, "[") {
				return "LineItems" + f
			}
			return f
		}))
	}
	return nil
}
