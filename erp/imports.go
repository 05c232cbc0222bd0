package erp

import (
	"fmt"
	"slices"
	"strings"
)

// Planners of the ERP sink. Most resources are keyed collections that the
// generic planner writes from their ResourceDef alone; a resource whose
// writes mean something else has its own.
const (
	// PlannerKeyed: find each record by a natural key (index or search),
	// diff field by field, POST what is new, PATCH what differs.
	PlannerKeyed = ""
	// PlannerStocks: POST /stocks adds to the level, it does not set it.
	PlannerStocks = "stocks"
	// PlannerSalesOrders: created once, idempotent by ExternalNumber, with
	// line items.
	PlannerSalesOrders = "salesOrders"
)

// Import says how the ERP sink writes a resource.
type Import struct {
	Planner string // PlannerKeyed, PlannerStocks, PlannerSalesOrders
	Noun    string // one record in messages: item, customer group
	// Operations are the sink operations, the default first. nil: derived
	// from the methods the API has (see ResourceDef.Operations).
	Operations []string
	// MatchBy are the NaturalKeys fields a job may match records by
	// (sink.match_by), the default first.
	MatchBy []string
	// Aliases are more spellings of match_by values (gtin → Identifiers.Gtin).
	Aliases map[string]string
	// Prune marks a sub-collection whose records a job may replace as a
	// whole: with sink prune: true, the records of a parent that the file
	// does not name would be deleted (needs Deletable and a Parent). The
	// planner does not prune yet: it needs a sink capability that plans
	// the deletions once every record is planned, so that they show in the
	// dry-run diff and pass the guardrails like any other write.
	Prune bool
	// Exclusive is a boolean field that at most one record of a parent
	// holds true (an item's standard supplier, IsStandard): the Wawi
	// clears it on the others when one is set. The planner refuses a file
	// that sets it on two records of one parent, and after a write that
	// sets it knows the others lost it (no write is planned against a
	// stale value).
	Exclusive string
	// KeyNames are lookup tables (Lookups) that name a key field's id for
	// people: the diff shows "Hahn (2)" for SupplierId 2.
	KeyNames map[string]string
}

// Operations are the sink operations of an import target, the default
// first: for a keyed collection upsert (POST and PATCH), update (PATCH) and
// create (POST), as far as the API has the methods.
func (r *ResourceDef) Operations() []string {
	if r.Import == nil {
		return nil
	}
	if r.Import.Operations != nil {
		return r.Import.Operations
	}
	var ops []string
	if r.CreatePath != "" && r.Patchable {
		ops = append(ops, "upsert")
	}
	if r.Patchable {
		ops = append(ops, "update")
	}
	if r.CreatePath != "" {
		ops = append(ops, "create")
	}
	return ops
}

// Operation checks a sink operation ("" is the default) and returns it.
func (r *ResourceDef) Operation(op string) (string, error) {
	ops := r.Operations()
	op = strings.ToLower(strings.TrimSpace(op))
	if op == "" && len(ops) > 0 {
		return ops[0], nil
	}
	if slices.Contains(ops, op) {
		return op, nil
	}
	return "", fmt.Errorf("sink.operation %q: %s take %s", op, r.Name, strings.Join(ops, ", "))
}

// MatchKey resolves sink.match_by ("" is the default) to one of the
// import's natural keys.
func (r *ResourceDef) MatchKey(by string) (NaturalKey, error) {
	if r.Import == nil || len(r.Import.MatchBy) == 0 {
		return NaturalKey{}, fmt.Errorf("%s cannot be matched", r.Name)
	}
	name := strings.TrimSpace(by)
	if name == "" {
		name = r.Import.MatchBy[0]
	}
	for alias, field := range r.Import.Aliases {
		if strings.EqualFold(alias, name) {
			name = field
		}
	}
	if k, ok := r.NaturalKey(name); ok && slices.Contains(r.Import.MatchBy, k.Field) {
		return k, nil
	}
	return NaturalKey{}, fmt.Errorf("sink.match_by %q: %s match by %s", by, r.Name, r.matchByText())
}

// matchByText lists the match_by values, an alias beside its field.
func (r *ResourceDef) matchByText() string {
	names := make([]string, len(r.Import.MatchBy))
	for i, f := range r.Import.MatchBy {
		names[i] = f
		var as []string
		for a, t := range r.Import.Aliases {
			if t == f {
				as = append(as, strings.ToUpper(a))
			}
		}
		if len(as) > 0 {
			slices.Sort(as)
			names[i] = strings.Join(as, "/") + " (" + f + ")"
		}
	}
	return strings.Join(names, ", ")
}

// ImportTargets lists the resources the ERP sink writes, sorted;
// sub-resources as parent/sub.
func ImportTargets() []string {
	var out []string
	for _, name := range Resources() {
		r, _ := Resource(name)
		if r.Import != nil {
			out = append(out, r.Name)
		}
		for _, s := range r.Sub {
			if s.Import != nil {
				out = append(out, r.Name+"/"+s.Name)
			}
		}
	}
	slices.Sort(out)
	return out
}

// ImportResource finds an import target by name (case-insensitive).
func ImportResource(name string) (*ResourceDef, error) {
	if r, ok := Resource(strings.TrimSpace(name)); ok && r.Import != nil && name != "" {
		return r, nil
	}
	ts := ImportTargets()
	return nil, fmt.Errorf("sink.resource %q: the erp sink writes %s or %s", name,
		strings.Join(ts[:len(ts)-1], ", "), ts[len(ts)-1])
}
