package sinks

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// A singleton sub-resource (ResourceDef.Singleton: an item's special
// price) is one record per parent, without a key: its list path answers
// the record itself, and the PATCH of the same path changes it. It always
// exists (the Wawi answers a blank one), so it is only ever updated.

// readSingleton reads the parent's one record into an index of one entry
// under the empty key.
func (d *keyedSink) readSingleton(ctx context.Context, u string) (*entries[*docEntry], error) {
	var rec map[string]any
	if err := d.s.c.Get(ctx, u, nil, &rec); err != nil {
		return nil, err
	}
	m := newEntries[*docEntry]()
	m.add("", &docEntry{vals: d.shape.project(rec)})
	return m, nil
}

// checkRequiredUpdate: a PATCH of a resource whose update body requires
// fields (IsActive of a special price) carries them every time, so the
// mapping must give them.
func (d *keyedSink) checkRequiredUpdate() error {
	if !d.def.Patchable {
		return nil
	}
	s, err := schemaNamed(d.def.UpdateSchema)
	if err != nil || len(s.Required) == 0 {
		return nil
	}
	var miss []string
	for _, r := range s.Required {
		if !slices.ContainsFunc(d.canon, func(c string) bool { return strings.EqualFold(c, r) }) {
			miss = append(miss, r)
		}
	}
	if len(miss) > 0 {
		return fmt.Errorf("every update of %s sends %s (%s requires it): add a target %s",
			withArticle(d.noun), strings.Join(miss, ", "), d.def.UpdateSchema, strings.Join(miss, ", "))
	}
	return nil
}

// withRequired adds to a PATCH body the fields the update schema requires,
// from the document, changed or not.
func (d *keyedSink) withRequired(body, doc map[string]any) {
	s, err := schemaNamed(d.def.UpdateSchema)
	if err != nil {
		return
	}
	for _, r := range s.Required {
		if _, ok := body[r]; !ok {
			if v, ok := doc[r]; ok {
				body[r] = v
			}
		}
	}
}
