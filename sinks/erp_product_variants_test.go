package sinks

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// variantRig plans and writes rows as the product composite does: the
// item's own fields through the items planner, the Variant. targets through
// the variants part, the item first.
type variantRig struct {
	t      *testing.T
	e      *erpEnv
	s      *ERPSink
	part   productPart
	itemTg []mappings.Target
	all    []mappings.Target
}

var variantItemTargets = erpTargets("SKU:string:Artikelnummer", "Name:string:Name", "Categories[0].CategoryId:int:Kategorie")

func newVariantRig(t *testing.T, e *erpEnv, variantTargets ...string) *variantRig {
	t.Helper()
	s := e.open(pipeline.SinkSpec{Resource: "items", Operation: "upsert"}, variantItemTargets)
	vt := erpTargets(variantTargets...)
	all := append(slices.Clone(variantItemTargets), vt...)
	s.targets = all // as the composite opens the sink: with every target
	var idx []int
	var canon []string
	for i, tg := range vt {
		idx = append(idx, len(variantItemTargets)+i)
		canon = append(canon, tg.Path)
	}
	part, err := openVariants(s, idx, canon)
	if err != nil {
		t.Fatal(err)
	}
	return &variantRig{t: t, e: e, s: s, part: part, itemTg: variantItemTargets, all: all}
}

// plan plans one row (numbered like a file's, from 2).
func (r *variantRig) plan(row int, vals []any) (*pipeline.Plan, partPlan, error) {
	r.t.Helper()
	n := len(r.itemTg)
	p, err := r.s.Plan(context.Background(), erpItem(r.itemTg, row, vals[:n]))
	if err != nil || p.Outcome == pipeline.Failed {
		r.t.Fatalf("row %d: item plan %v %v", row, err, p.Err)
	}
	var id int64
	if st, ok := p.State.(*keyedPlan); ok && st.entry != nil {
		id = st.entry.id
	}
	pp, err := r.part.plan(context.Background(), erpItem(r.all, row, vals), productItem{ID: id, Key: p.Key})
	return p, pp, err
}

// apply writes the item, then the part, for the item's id.
func (r *variantRig) apply(p *pipeline.Plan, pp partPlan) error {
	r.t.Helper()
	if p.Outcome == pipeline.Created || p.Outcome == pipeline.Updated {
		if err := r.s.Apply(context.Background(), p); err != nil {
			return err
		}
	}
	if pp == nil {
		return nil
	}
	it, ok := r.e.srv.ItemBySKU(p.Key)
	if !ok {
		r.t.Fatalf("item %s not written", p.Key)
	}
	return pp.apply(context.Background(), int64(it.Id))
}

// run plans and writes the rows one after the other, as the writing pass
// of a file with parents before their children does.
func (r *variantRig) run(rows [][]any) [][]pipeline.Change {
	r.t.Helper()
	var changes [][]pipeline.Change
	for i, vals := range rows {
		p, pp, err := r.plan(i+2, vals)
		if err != nil {
			r.t.Fatalf("row %d: %v", i+2, err)
		}
		var ch []pipeline.Change
		if pp != nil {
			ch = pp.changes()
		}
		changes = append(changes, ch)
		if err := r.apply(p, pp); err != nil {
			r.t.Fatalf("row %d: %v", i+2, err)
		}
	}
	return changes
}

// variantsOf describes what the Wawi holds of a parent: its variations
// with their values and translations, and per child the values by name.
func variantsOf(t *testing.T, srv *erptest.Server, parentSKU string) (vars string, kids map[string]string) {
	t.Helper()
	parent, ok := srv.ItemBySKU(parentSKU)
	if !ok {
		t.Fatalf("no parent %s", parentSKU)
	}
	names := map[int]string{}
	order := map[int]int{} // a value's variation's position
	var vs []string
	for i, v := range srv.ItemVariations(parent.Id) {
		var vals []string
		for _, val := range v.Values {
			vals = append(vals, val.Name+trText(val.Translations))
			names[val.Id], order[val.Id] = val.Name, i
		}
		vs = append(vs, v.Name+trText(v.Translations)+"="+strings.Join(vals, ","))
	}
	kids = map[string]string{}
	for _, id := range parent.ChildItems {
		child, _ := srv.Item(id)
		if child.ParentItemId != parent.Id {
			t.Errorf("child %s: ParentItemId %d", child.SKU, child.ParentItemId)
		}
		ids := srv.ChildVariationValues(id)
		slices.SortFunc(ids, func(a, b int) int { return order[a] - order[b] })
		var vals []string
		for _, vid := range ids {
			vals = append(vals, names[vid])
		}
		kids[child.SKU] = strings.Join(vals, "/")
	}
	return strings.Join(vs, " "), kids
}

func trText(ts []erptest.Translation) string {
	if len(ts) == 0 {
		return ""
	}
	var out []string
	for _, t := range ts {
		out = append(out, t.LanguageIso+":"+t.Name)
	}
	return "(" + strings.Join(out, ",") + ")"
}

func changeText(ch []pipeline.Change) string {
	var out []string
	for _, c := range ch {
		if c.Old != nil && c.Old != "" {
			out = append(out, fmt.Sprintf("%s: %v → %v", c.Field, c.Old, c.New))
		} else {
			out = append(out, fmt.Sprintf("%s: %v", c.Field, c.New))
		}
	}
	return strings.Join(out, "; ")
}

var shirtRows = [][]any{
	{"SHIRT-1", "Shirt", int64(1), "", "", "", "", "", ""},
	{"SHIRT-1-R-M", "Shirt Rot M", int64(1), "SHIRT-1", "Rot", "Red", "Color", "M", ""},
	{"SHIRT-1-R-L", "Shirt Rot L", int64(1), "SHIRT-1", "Rot", "Red", "Color", "L", ""},
	{"SHIRT-1-B-M", "Shirt Blau M", int64(1), "SHIRT-1", "Blau", "Blue", "Color", "M", ""},
	{"SHIRT-1-B-L", "Shirt Blau L", int64(1), "SHIRT-1", "Blau", "Blue", "Color", "L", ""},
	{"SHIRT-1-G-M", "Shirt Grün M", int64(1), "SHIRT-1", "Grün", "Green", "Color", "M", "Size"},
	{"SHIRT-1-G-L", "Shirt Grün L", int64(1), "SHIRT-1", "Grün", "Green", "Color", "L", "Size"},
}

var shirtTargets = []string{"Variant.ParentSKU:string:Vater", "Variant.Values.Farbe:string:Farbe", "Variant.Values.Farbe@en:string:Farbe_en",
	"Variant.Names.Farbe@en:string:Farbname_en", "Variant.Values.Größe:string:Größe", "Variant.Names.Größe@en:string:Größenname_en"}

// A parent and six children from rows, a variation column each: the
// parent gets two variations with their values and translations once, the
// children are assigned with their values; a second run writes nothing.
func TestVariantsParentAndChildren(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	r := newVariantRig(t, e, shirtTargets...)
	changes := r.run(shirtRows)
	if changes[0] != nil {
		t.Errorf("the parent's row: %v", changes[0])
	}
	want := []string{
		"Variation Farbe von SHIRT-1: neu; Variationswert Farbe: Rot von SHIRT-1: neu; Variation Größe von SHIRT-1: neu; Variationswert Größe: M von SHIRT-1: neu; Variante Rot / M von SHIRT-1: neu",
		"Variationswert Größe: L von SHIRT-1: neu; Variante Rot / L von SHIRT-1: neu",
		"Variationswert Farbe: Blau von SHIRT-1: neu; Variante Blau / M von SHIRT-1: neu",
		"Variante Blau / L von SHIRT-1: neu",
		"Variationswert Farbe: Grün von SHIRT-1: neu; Variation Größe von SHIRT-1 (en): Size; Variante Grün / M von SHIRT-1: neu",
		"Variante Grün / L von SHIRT-1: neu",
	}
	for i, w := range want {
		if got := changeText(changes[i+1]); got != w {
			t.Errorf("row %d:\n got %s\nwant %s", i+3, got, w)
		}
	}
	vars, kids := variantsOf(t, e.srv, "SHIRT-1")
	if w := "Farbe(en:Color)=Rot(en:Red),Blau(en:Blue),Grün(en:Green) Größe(en:Size)=M,L"; vars != w {
		t.Errorf("variations\n got %s\nwant %s", vars, w)
	}
	wantKids := map[string]string{"SHIRT-1-R-M": "Rot/M", "SHIRT-1-R-L": "Rot/L", "SHIRT-1-B-M": "Blau/M",
		"SHIRT-1-B-L": "Blau/L", "SHIRT-1-G-M": "Grün/M", "SHIRT-1-G-L": "Grün/L"}
	if fmt.Sprint(kids) != fmt.Sprint(wantKids) {
		t.Errorf("children\n got %v\nwant %v", kids, wantKids)
	}
	c := e.srv.Counters()
	if n := c.Route("POST /items/{itemId}/children/{childItemId}"); n != 6 {
		t.Errorf("%d child assignments", n)
	}
	if n := c.Route("POST /items/{itemId}/variations"); n != 2 {
		t.Errorf("%d variations posted", n)
	}
	if n := c.Route("POST /items/{itemId}/variations/{variationId}/values"); n != 5 {
		t.Errorf("%d values posted", n)
	}

	// The second run: nothing to write, the parent read once.
	before := e.srv.Counters()
	r2 := newVariantRig(t, e, shirtTargets...)
	for i, ch := range r2.run(shirtRows) {
		if len(ch) != 0 {
			t.Errorf("rerun row %d: %s", i+2, changeText(ch))
		}
	}
	after := e.srv.Counters()
	if after.Writes != before.Writes {
		t.Errorf("the rerun wrote %d times", after.Writes-before.Writes)
	}
	for route, n := range map[string]int64{"GET /items/{itemId}/variations": 1, "GET /items/{itemId}/variations/{variationId}/values": 2} {
		if got := after.Route(route) - before.Route(route); got != n {
			t.Errorf("rerun: %s %d times, want %d", route, got, n)
		}
	}
}

// One column "Farbe: Rot | Größe: M" and its translation pair by pair; the
// parent is in the Wawi already, one child too, assigned with its values.
func TestVariantsCombinedColumn(t *testing.T) {
	seed := baseSeed()
	seed.Items = append(seed.Items, erptest.Item{SKU: "SHIRT-2", Name: "Shirt", Categories: []erptest.CategoryReference{{CategoryId: 1}}},
		erptest.Item{SKU: "SHIRT-2-R-M", Name: "Shirt Rot M", Categories: []erptest.CategoryReference{{CategoryId: 1}}})
	e := newERPEnv(t, seed)
	r := newVariantRig(t, e, "Variant.ParentSKU:string:Vater", "Variant.Values:string:Varianten", "Variant.Values@en:string:Varianten_en")
	rows := [][]any{
		{"SHIRT-2-R-M", "Shirt Rot M", int64(1), "SHIRT-2", "Farbe: Rot | Größe: M", "Color: Red | Size: M"},
		{"SHIRT-2-R-L", "Shirt Rot L", int64(1), "SHIRT-2", "Farbe: Rot | Größe: L", "Color: Red | Size: L"},
		{"SHIRT-2-B-L", "Shirt Blau L", int64(1), "SHIRT-2", "Farbe:Blau|Größe:L", ""},
	}
	changes := r.run(rows)
	if got, w := changeText(changes[2]), "Variationswert Farbe: Blau von SHIRT-2: neu; Variante Blau / L von SHIRT-2: neu"; got != w {
		t.Errorf("row 4:\n got %s\nwant %s", got, w)
	}
	vars, kids := variantsOf(t, e.srv, "SHIRT-2")
	if w := "Farbe(en:Color)=Rot(en:Red),Blau Größe(en:Size)=M(en:M),L(en:L)"; vars != w {
		t.Errorf("variations\n got %s\nwant %s", vars, w)
	}
	if w := "map[SHIRT-2-B-L:Blau/L SHIRT-2-R-L:Rot/L SHIRT-2-R-M:Rot/M]"; fmt.Sprint(kids) != w {
		t.Errorf("children %v", kids)
	}
	// A translation changed in the file is set on the value, once.
	before := e.writes()
	rows[0][5] = "Colour: Red | Size: M"
	rows[1][5] = "Colour: Red | Size: L"
	r2 := newVariantRig(t, e, "Variant.ParentSKU:string:Vater", "Variant.Values:string:Varianten", "Variant.Values@en:string:Varianten_en")
	changes = r2.run(rows)
	if got, w := changeText(changes[0]), "Variation Farbe von SHIRT-2 (en): Color → Colour"; got != w {
		t.Errorf("changed translation:\n got %s\nwant %s", got, w)
	}
	if len(changes[1]) != 0 || len(changes[2]) != 0 {
		t.Errorf("the same change twice: %v", changes)
	}
	if n := e.writes() - before; n != 1 {
		t.Errorf("%d writes for one translation", n)
	}
	if vars, _ := variantsOf(t, e.srv, "SHIRT-2"); !strings.HasPrefix(vars, "Farbe(en:Colour)=") {
		t.Errorf("variations %s", vars)
	}
}

// Children that need the same new variations and values, planned and
// written concurrently: each is created once, every child assigned.
func TestVariantsConcurrentChildren(t *testing.T) {
	seed := baseSeed()
	seed.Items = append(seed.Items, erptest.Item{SKU: "SHIRT-3", Name: "Shirt", Categories: []erptest.CategoryReference{{CategoryId: 1}}})
	e := newERPEnv(t, seed)
	r := newVariantRig(t, e, "Variant.ParentSKU:string:Vater", "Variant.Values.Farbe:string:Farbe", "Variant.Values.Größe:string:Größe")
	var rows [][]any
	for _, size := range []string{"XS", "S", "M", "L", "XL", "XXL"} {
		for _, color := range []string{"Rot", "Blau"} {
			rows = append(rows, []any{"SHIRT-3-" + color + "-" + size, "Shirt", int64(1), "SHIRT-3", color, size})
		}
	}
	plans := make([]*pipeline.Plan, len(rows))
	parts := make([]partPlan, len(rows))
	var mu sync.Mutex
	news := map[string]int{}
	forEach(t, len(rows), 8, func(i int) error {
		p, pp, err := r.plan(i+2, rows[i])
		plans[i], parts[i] = p, pp
		mu.Lock()
		for _, c := range pp.changes() {
			news[c.Field]++
		}
		mu.Unlock()
		return err
	})
	for f, n := range news {
		if n != 1 {
			t.Errorf("%s shown %d times", f, n)
		}
	}
	if n := news["Variationswert Farbe: Rot von SHIRT-3"]; n != 1 {
		t.Errorf("the new value Rot shown %d times", n)
	}
	errs := make([]error, len(rows))
	forEach(t, len(rows), 8, func(i int) error {
		errs[i] = r.apply(plans[i], parts[i])
		return nil
	})
	noErrors(t, errs)
	c := e.srv.Counters()
	if n := c.Route("POST /items/{itemId}/variations"); n != 2 {
		t.Errorf("%d variations posted, want 2", n)
	}
	if n := c.Route("POST /items/{itemId}/variations/{variationId}/values"); n != 8 {
		t.Errorf("%d values posted, want 8", n)
	}
	if c.DuplicatesPrevented != 0 {
		t.Errorf("%d duplicates refused", c.DuplicatesPrevented)
	}
	if n := c.Route("GET /items/{itemId}/variations"); n != 1 {
		t.Errorf("the parent's variations read %d times", n)
	}
	if _, kids := variantsOf(t, e.srv, "SHIRT-3"); len(kids) != 12 || kids["SHIRT-3-Blau-XXL"] != "Blau/XXL" {
		t.Errorf("children %v", kids)
	}
}

// Every write's answer lost: the variations, values and assignments that
// landed are found by name (or the child's ParentItemId) and not repeated.
func TestVariantsLostAnswers(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	e.srv.SetFaults(erptest.Faults{LostWriteRate: 1})
	r := newVariantRig(t, e, shirtTargets...)
	r.run(shirtRows)
	e.srv.SetFaults(erptest.Faults{})
	c := e.srv.Counters()
	if c.LostWrites() == 0 {
		t.Fatal("no answer lost")
	}
	if n := c.Route("POST /items/{itemId}/variations/{variationId}/values"); n != 5 {
		t.Errorf("%d values posted, want 5", n)
	}
	if n := c.Route("POST /items/{itemId}/children/{childItemId}"); n != 6 {
		t.Errorf("%d assignments posted, want 6", n)
	}
	if c.DuplicatesPrevented != 0 {
		t.Errorf("%d duplicates refused", c.DuplicatesPrevented)
	}
	vars, kids := variantsOf(t, e.srv, "SHIRT-1")
	if w := "Farbe(en:Color)=Rot(en:Red),Blau(en:Blue),Grün(en:Green) Größe(en:Size)=M,L"; vars != w || len(kids) != 6 {
		t.Errorf("variations %s, children %v", vars, kids)
	}
}

// A parent neither in the Wawi nor in the file is the record's error,
// naming it, once the file has been planned through (the writing pass); a
// parent in a later row is one too.
func TestVariantsMissingParent(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	r := newVariantRig(t, e, "Variant.ParentSKU:string:Vater", "Variant.Values:string:Varianten")
	rows := [][]any{
		{"NOPE-1-R", "Rot", int64(1), "NOPE-1", "Farbe: Rot"},
		{"LATE-1-R", "Rot", int64(1), "LATE-1", "Farbe: Rot"},
		{"LATE-1", "Später", int64(1), "", ""},
	}
	// the planning pass
	for i, vals := range rows {
		if _, _, err := r.plan(i+2, vals); err != nil && i == 0 {
			t.Errorf("first plan of row 2: %v", err)
		}
	}
	// the writing pass plans again, knowing the file
	_, pp, err := r.plan(2, rows[0])
	if err == nil || !strings.Contains(err.Error(), `"Variant.ParentSKU" (from column "Vater")`) ||
		!strings.Contains(err.Error(), "the parent NOPE-1 is neither in the Wawi nor in an earlier row") {
		t.Errorf("missing parent: %v (plan %v)", err, pp)
	}
	_, _, err = r.plan(3, rows[1])
	if err == nil || !strings.Contains(err.Error(), "the parent LATE-1 is not in the Wawi and comes in row 4") {
		t.Errorf("parent after its child: %v", err)
	}
	// written without the parent: the record fails naming it
	r2 := newVariantRig(t, e, "Variant.ParentSKU:string:Vater", "Variant.Values:string:Varianten")
	p, pp, err := r2.plan(2, rows[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := r2.apply(p, pp); err == nil || !strings.Contains(err.Error(), "the parent NOPE-1 is not in the Wawi") {
		t.Errorf("apply: %v", err)
	}
	if n := e.srv.Counters().Route("POST /items/{itemId}/variations"); n != 0 {
		t.Errorf("%d variations posted", n)
	}
}

// Rows and mappings the part refuses, with the reason.
func TestVariantsRefused(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	r := newVariantRig(t, e, "Variant.ParentSKU:string:Vater", "Variant.Values:string:Varianten")
	for vals, want := range map[[2]string]string{
		{"", "Farbe: Rot"}:                "has variation values but no parent SKU",
		{"A-1", "Farbe Rot"}:              `"Farbe Rot" is not "Variation: Wert"`,
		{"A-1", "Farbe: Rot|farbe: Blau"}: "the variation farbe is named twice",
		{"A-1", ""}:                       "names no variation value",
		{"X-1", "Farbe: Rot"}:             "cannot be its own parent",
	} {
		_, _, err := r.plan(2, []any{"X-1", "x", int64(1), vals[0], vals[1]})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", vals, err, want)
		}
	}
	s := e.open(pipeline.SinkSpec{Resource: "items", Operation: "upsert"}, variantItemTargets)
	for _, canon := range [][]string{
		{"Variant.Values.Farbe"},
		{"Variant.ParentSKU", "Variant.Values", "Variant.Values.Farbe"},
		{"Variant.ParentSKU", "Variant.Values.Farbe@en"},
		{"Variant.ParentSKU", "Variant.Farbe"},
	} {
		if _, err := openVariants(s, make([]int, len(canon)), canon); err == nil {
			t.Errorf("%v opened", canon)
		}
	}
}

// lookupSignal tells once, when armed, that a search for a SKU was
// answered.
type lookupSignal struct {
	next  http.RoundTripper
	sku   string
	armed atomic.Bool
	seen  chan struct{}
}

func (l *lookupSignal) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := l.next.RoundTrip(r)
	if l.armed.Load() && r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/items") && r.URL.Query().Get("searchKeyWord") == l.sku {
		select {
		case l.seen <- struct{}{}:
		default:
		}
	}
	return res, err
}

// In the writing pass a child's write can come before its parent's, which
// an earlier row creates: the child waits for it and is then assigned.
func TestVariantsChildWaitsForParent(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	sig := &lookupSignal{next: e.rec, sku: "SHIRT-1", seen: make(chan struct{}, 1)}
	cfg := e.c.Config()
	cfg.HTTPClient = &http.Client{Transport: sig}
	c, err := erp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := newVariantRig(t, e, shirtTargets...)
	r.s.c = c
	rows := shirtRows[:2]
	// the planning pass
	for i, vals := range rows {
		if _, _, err := r.plan(i+2, vals); err != nil {
			t.Fatal(err)
		}
	}
	// the writing pass: both planned, the child written first
	pp, ppart, err := r.plan(2, rows[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ppart.(*parentPlan); !ok || len(ppart.changes()) != 0 {
		t.Fatalf("the parent's row: %T %v", ppart, ppart)
	}
	cp, cpart, err := r.plan(3, rows[1])
	if err != nil {
		t.Fatal(err)
	}
	sig.armed.Store(true)
	done := make(chan error, 1)
	go func() { done <- r.apply(cp, cpart) }()
	// the child, without word from the parent's row for a pause, looked
	// for its parent in the Wawi and did not find it
	<-sig.seen
	select {
	case err := <-done:
		t.Fatalf("the child did not wait for its parent: %v", err)
	default:
	}
	if err := r.apply(pp, ppart); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("child: %v", err)
	}
	if _, kids := variantsOf(t, e.srv, "SHIRT-1"); kids["SHIRT-1-R-M"] != "Rot/M" {
		t.Errorf("children %v", kids)
	}
}

// A dry run plans each row once, concurrently: a variant whose parent is
// neither in the Wawi nor in the file is its record's error there too, and
// one whose parent's row comes first is not, however the rows interleave.
func TestVariantsDryRunMissingParent(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	r := newVariantRig(t, e, shirtTargets...)
	r.s.env.DryRun = true
	rows := slices.Clone(shirtRows)
	rows = append(rows, []any{"NOPE-1-R", "Rot", int64(1), "NOPE-1", "Rot", "", "", "M", ""})
	errs := make([]error, len(rows))
	forEach(t, len(rows), 8, func(i int) error {
		_, _, errs[i] = r.plan(i+2, rows[i])
		return nil
	})
	for i, err := range errs[:len(shirtRows)] {
		if err != nil {
			t.Errorf("row %d: %v", i+2, err)
		}
	}
	if err := errs[len(shirtRows)]; err == nil || !strings.Contains(err.Error(), "the parent NOPE-1 is neither in the Wawi nor in an earlier row") {
		t.Errorf("missing parent: %v", err)
	}
	if e.writes() != 0 {
		t.Errorf("a dry run wrote %d times", e.writes())
	}
}

// The row that was to create a parent is not written (its plan or write
// failed): the variants waiting for it fail at once, naming it.
func TestVariantsParentAbandoned(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	r := newVariantRig(t, e, shirtTargets...)
	rows := shirtRows[:2]
	for pass := 0; pass < 2; pass++ {
		for i, vals := range rows {
			if _, _, err := r.plan(i+2, vals); err != nil {
				t.Fatal(err)
			}
		}
	}
	cp, cpart, err := r.plan(3, rows[1])
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r.apply(cp, cpart) }()
	r.part.(recordAbandoner).abandoned(erpItem(r.all, 2, rows[0]), productItem{Key: "SHIRT-1"})
	if err := <-done; err == nil || !strings.Contains(err.Error(), "the parent SHIRT-1 (row 2) was not written") {
		t.Errorf("child: %v", err)
	}
	if n := e.srv.Counters().Route("POST /items/{itemId}/children/{childItemId}"); n != 0 {
		t.Errorf("%d assignments", n)
	}
}
