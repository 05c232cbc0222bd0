package sinks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/pipeline"
)

// prunePlan is the State of a plan that deletes a record the input does
// not name.
type prunePlan struct {
	keyedPlan // parentID, keyVals, key, shown
}

var _ pipeline.Pruner = (*ERPSink)(nil)

// PrunePlans returns the deletions a sink with prune: true would make
// (see pipeline.Pruner); nil for other sinks.
// A product's parts that prune (images) add theirs, part by part in apply
// order; their State is a partDeletion, which Apply hands back to the part.
func (s *ERPSink) PrunePlans(ctx context.Context) ([]*pipeline.Plan, error) {
	switch r := s.res.(type) {
	case *keyedSink:
		if r.prune {
			return r.prunePlans(ctx)
		}
	case *productSink:
		var out []*pipeline.Plan
		for _, op := range r.parts {
			pr, ok := op.part.(pruningPart)
			if !ok {
				continue
			}
			plans, err := pr.prunePlans(ctx)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", op.label, err)
			}
			out = append(out, plans...)
		}
		return out, nil
	}
	return nil, nil
}

// named notes that the input names st's record.
func (d *keyedSink) named(st *keyedPlan) {
	d.seenMu.Lock()
	defer d.seenMu.Unlock()
	if d.seen == nil {
		d.seen, d.parentKeys = map[int64]map[string]bool{}, map[int64]string{}
	}
	d.parentKeys[st.parentID] = st.parentKey
	m := d.seen[st.parentID]
	if m == nil {
		m = map[string]bool{}
		d.seen[st.parentID] = m
	}
	m[lowerKey(strings.Join(st.keyVals, keySep))] = true
}

// prunePlans lists, parent by parent (in id order), the records the input
// did not name, from the parents' lists as this run read them.
func (d *keyedSink) prunePlans(ctx context.Context) ([]*pipeline.Plan, error) {
	d.seenMu.Lock()
	pids := make([]int64, 0, len(d.seen))
	for pid := range d.seen {
		pids = append(pids, pid)
	}
	d.seenMu.Unlock()
	slices.Sort(pids)
	var out []*pipeline.Plan
	for _, pid := range pids {
		m, err := d.childList(ctx, fmtID(pid))
		if err != nil {
			return nil, err
		}
		d.seenMu.Lock()
		seen, pk := d.seen[pid], d.parentKeys[pid]
		d.seenMu.Unlock()
		var es []*docEntry
		for _, e := range m.one {
			es = append(es, e)
		}
		for _, more := range m.many {
			es = append(es, more...)
		}
		var plans []*pipeline.Plan
		for _, e := range es {
			vals := make([]string, len(d.keyFields))
			for i, f := range d.keyFields {
				v, _ := d.shape.current(e.snapshot(), f)
				vals[i] = keyText(v)
			}
			own := strings.Join(vals, keySep)
			if seen[lowerKey(own)] {
				continue
			}
			pp := &prunePlan{keyedPlan{key: fmtID(pid) + keySep + own, keyVals: vals, parentID: pid,
				shown: pk + " / " + d.showKey(ctx, vals)}}
			plans = append(plans, &pipeline.Plan{Outcome: pipeline.Updated, Key: pp.shown, State: pp,
				Changes: []pipeline.Change{{Field: "(deleted)", Old: pp.shown}}})
		}
		slices.SortFunc(plans, func(a, b *pipeline.Plan) int { return strings.Compare(a.Key, b.Key) })
		out = append(out, plans...)
	}
	return out, nil
}

// delete sends the DELETE of a pruned record. A record already gone (404,
// e.g. after a retry whose first answer was lost) counts as deleted; a
// 5xx answer is settled by reading the parent's list again.
func (d *keyedSink) delete(ctx context.Context, pp *prunePlan) error {
	unlock := d.locks.lock(lowerKey(pp.key))
	defer unlock()
	u, err := d.itemURL(&pp.keyedPlan, nil)
	if err != nil {
		return err
	}
	err = d.s.c.Delete(ctx, u, nil)
	var ae *erp.APIError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		err = nil
	}
	if err != nil && answerLost(err) {
		if es, ferr := d.idx.fresh(ctx, pp.key); ferr == nil && len(es) == 0 {
			err = nil
		}
	}
	if err != nil {
		return wrapWriteErr(err)
	}
	d.idx.put(pp.key, []*docEntry{})
	return nil
}
