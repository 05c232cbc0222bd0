package sinks

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/wawi-etl/etl/pipeline"
)

// exclusive keeps a flag that one record per parent holds (an item's
// standard supplier, Import.Exclusive): the Wawi clears it on the others
// when one is set. Two records of one file that both set it for the same
// parent cannot both win, so the second fails; after a write that set it,
// the siblings' kept values say false, so that a later row of the file
// that names a sibling with false plans no write the Wawi made already.
type exclusive struct {
	field string // IsStandard
	idx   int    // its target among d.targets

	mu sync.Mutex
	by map[int64]exclusiveClaim // parent id -> the record that sets it
}

type exclusiveClaim struct {
	key, shown string // own key (lower-cased), and for people
	row        int
}

// openExclusive finds the flag among the targets; a mapping that does not
// send it leaves the Wawi's standard as it is.
func (d *keyedSink) openExclusive() {
	f := d.def.Import.Exclusive
	if f == "" {
		return
	}
	for i, c := range d.canon {
		if strings.EqualFold(c, f) {
			d.excl = &exclusive{field: c, idx: i, by: map[int64]exclusiveClaim{}}
			return
		}
	}
}

// claim notes that st's record sets the flag; an error when another record
// of the input set it for the same parent first.
func (x *exclusive) claim(st *keyedPlan, it *pipeline.Item, vals []any, parentNoun, keyField string) error {
	if on, _ := vals[x.idx].(bool); !on {
		return nil
	}
	own := lowerKey(strings.Join(st.keyVals, keySep))
	row := 0
	if it.Rec != nil {
		row = it.Rec.Row
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	c, ok := x.by[st.parentID]
	if !ok || c.key == own {
		x.by[st.parentID] = exclusiveClaim{key: own, shown: strings.Join(st.keyVals, " / "), row: row}
		return nil
	}
	return fmt.Errorf("%s %s: row %d sets %s for %s %s already; only one record of %s can have it",
		parentNoun, st.parentKey, c.row, x.field, keyField, c.shown, withArticle(parentNoun))
}

// clearSiblings clears the flag in the kept values of the siblings of a record
// whose write set it, as the Wawi just did.
func (d *keyedSink) clearSiblings(ctx context.Context, st *keyedPlan) {
	x := d.excl
	if x == nil {
		return
	}
	if on, _ := valueAt(st.doc, x.field).(bool); !on {
		return
	}
	pos, ok := d.shape.pos[x.field]
	if !ok {
		return
	}
	m, err := d.childList(ctx, fmtID(st.parentID))
	if err != nil {
		return
	}
	own := lowerKey(strings.Join(st.keyVals, keySep))
	var keys []string
	for k := range m.one {
		keys = append(keys, k)
	}
	for k := range m.many {
		keys = append(keys, k)
	}
	for _, k := range keys {
		if k == own {
			continue
		}
		// what this run wrote or read back of the sibling, else the list
		es, err := d.idx.get(ctx, fmtID(st.parentID)+keySep+k)
		if err != nil {
			continue
		}
		for _, e := range es {
			e.mu.Lock()
			if pos < len(e.vals) && e.vals[pos] != "" {
				e.vals[pos] = packValue(false)
			}
			e.mu.Unlock()
		}
	}
}

func valueAt(doc map[string]any, field string) any {
	return doc[field]
}
