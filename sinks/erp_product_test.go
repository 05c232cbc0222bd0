package sinks

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wawi-etl/etl/pipeline"
)

// fakePart is a product part for the composite's tests: targets Fake.<Name>
// are values kept per item id in memory (fakeStore), so that the composite
// is tested without any real part. Its plan and apply fail on demand.
func init() {
	registerProductPart(partFactory{claims: prefixClaims("Fake."), open: openFake, order: 90})
}

var fakeStore = struct {
	sync.Mutex
	vals      map[int64]map[string]string // by item id
	writes    int
	planFail  string // an item key whose plan fails
	applyFail int    // this many applies fail before writing
	applyIDs  []int64
	// seen and abandoned are the keys the composite told the part of
	seen, abandoned []string
}{}

func resetFake() {
	fakeStore.Lock()
	defer fakeStore.Unlock()
	fakeStore.vals, fakeStore.writes, fakeStore.planFail, fakeStore.applyFail, fakeStore.applyIDs = map[int64]map[string]string{}, 0, "", 0, nil
	fakeStore.seen, fakeStore.abandoned = nil, nil
}

type fakePart struct {
	idx   []int
	names []string
}

func openFake(s *ERPSink, idx []int, canon []string) (productPart, error) {
	p := &fakePart{idx: idx}
	for i, c := range canon {
		name := c[len("Fake."):]
		if name == "" || strings.Contains(name, ".") {
			return nil, pipeline.TargetErrors{{Target: s.targets[idx[i]].Path, Msg: "a fake is named Fake.<Name>"}}
		}
		p.names = append(p.names, name)
	}
	return p, nil
}

func (p *fakePart) label() string { return "Fake" }

// A value "!" makes a plan without changes that must be applied, as a
// variant's parent's.
type fakePlan struct {
	want map[string]string
	diff []pipeline.Change
	must bool
}

func (fp *fakePlan) mustApply() bool { return fp.must }

func (p *fakePart) seen(it *pipeline.Item, item productItem) {
	fakeStore.Lock()
	defer fakeStore.Unlock()
	fakeStore.seen = append(fakeStore.seen, item.Key)
}

func (p *fakePart) abandoned(it *pipeline.Item, item productItem) {
	fakeStore.Lock()
	defer fakeStore.Unlock()
	fakeStore.abandoned = append(fakeStore.abandoned, item.Key)
}

func (p *fakePart) plan(ctx context.Context, it *pipeline.Item, item productItem) (partPlan, error) {
	fakeStore.Lock()
	defer fakeStore.Unlock()
	if fakeStore.planFail != "" && fakeStore.planFail == item.Key {
		return nil, fmt.Errorf("cannot plan %s", item.Key)
	}
	var cur map[string]string
	if item.ID != 0 {
		cur = fakeStore.vals[item.ID]
	}
	fp := &fakePlan{want: map[string]string{}}
	for i, j := range p.idx {
		v, _ := it.Values[j].(string)
		if v == "" {
			continue
		}
		if v == "!" {
			fp.must = true
			continue
		}
		fp.want[p.names[i]] = v
		if old, ok := cur[p.names[i]]; !ok || old != v {
			var o any
			if ok {
				o = old
			}
			fp.diff = append(fp.diff, pipeline.Change{Field: "Fake " + p.names[i], Old: o, New: v})
		}
	}
	if len(fp.want) == 0 && !fp.must {
		return nil, nil
	}
	return fp, nil
}

func (fp *fakePlan) changes() []pipeline.Change { return fp.diff }

func (fp *fakePlan) apply(ctx context.Context, itemID int64) error {
	fakeStore.Lock()
	defer fakeStore.Unlock()
	fakeStore.applyIDs = append(fakeStore.applyIDs, itemID)
	if fakeStore.applyFail > 0 {
		fakeStore.applyFail--
		return errors.New("injected failure")
	}
	if fakeStore.vals[itemID] == nil {
		fakeStore.vals[itemID] = map[string]string{}
	}
	for k, v := range fp.want {
		fakeStore.vals[itemID][k] = v
	}
	fakeStore.writes++
	return nil
}

var productTargets = erpTargets("SKU:string:Artikelnummer", "Name:string:Bezeichnung", "Fake.Farbe:string:Farbe",
	"Categories[0].CategoryId:int:Kategorie", "Fake.Material:string:Material")

// The item and its parts are one record: the outcome is the item's unless
// only a part changes (Updated) or nothing does (Unchanged, nothing
// written); the item's changes come first, then the parts'; a new item's
// parts are applied with the id its create returned. The item's body and
// its checks never see the parts' targets.
func TestProductPlanApply(t *testing.T) {
	resetFake()
	e := newERPEnv(t, baseSeed())
	fakeStore.vals[1] = map[string]string{"Farbe": "rot"}
	fakeStore.vals[2] = map[string]string{"Farbe": "rot", "Material": "Stahl"}
	s := e.open(pipeline.SinkSpec{Resource: "items"}, productTargets)
	rows := [][]any{
		{"A-1", "Schraube", "rot", int64(1), nil},       // nothing changes
		{"A-2", "Mutter", "blau", int64(1), "Stahl"},    // a part changes
		{"A-3", "Neu", "grün", int64(3), "Holz"},        // a new item with its part
		{"A-10", "Dübel groß", nil, int64(1), nil},      // the item changes, no part named
		{"A-11", "ohne Kategorie", "rot", nil, "Stahl"}, // cannot be created
	}
	plans := planAll(t, s, productTargets, 1, rows)
	if got := fmt.Sprint(outcomes(plans)); got != "[unchanged updated created updated failed]" {
		t.Fatalf("outcomes %s (%v)", got, plans[4].Err)
	}
	if got := fmt.Sprint(plans[1].Changes); got != "[{Fake Farbe rot blau}]" {
		t.Errorf("A-2 changes %s", got)
	}
	if got := fmt.Sprint(plans[2].Changes); got != "[{Categories[0].CategoryId <nil> 3} {Name <nil> Neu} {SKU <nil> A-3} {Fake Farbe <nil> grün} {Fake Material <nil> Holz}]" {
		t.Errorf("A-3 changes %s", got)
	}
	if plans[2].Item.Values[2] != "grün" || len(plans[2].Item.Targets) != len(productTargets) {
		t.Errorf("the plan's item is not the whole record: %v", plans[2].Item.Values)
	}
	if !strings.Contains(fmt.Sprint(plans[4].Err), "Categories") {
		t.Errorf("A-11: %v", plans[4].Err)
	}
	noErrors(t, applyAll(t, s, plans, 1))
	if p := e.rec.sent("PATCH", "/items/"); len(p) != 1 || p[0].Path != "/items/3" || p[0].Body != `{"Name":"Dübel groß"}` {
		t.Errorf("PATCH %+v", p)
	}
	posts := e.rec.sent("POST", "/items")
	if len(posts) != 1 || strings.Contains(posts[0].Body, "Fake") || strings.Contains(posts[0].Body, "Farbe") {
		t.Errorf("POST %+v", posts)
	}
	a3, ok := e.srv.ItemBySKU("A-3")
	if !ok {
		t.Fatal("A-3 not created")
	}
	if got := fmt.Sprint(fakeStore.applyIDs); got != fmt.Sprintf("[2 %d]", a3.Id) {
		t.Errorf("parts applied for items %s, want [2 %d]", got, a3.Id)
	}
	if got := fmt.Sprint(fakeStore.vals[int64(a3.Id)]); got != "map[Farbe:grün Material:Holz]" {
		t.Errorf("A-3's part %s", got)
	}

	// the same rows again: nothing to write, nothing written
	writes, fakeWrites := e.writes(), fakeStore.writes
	again := e.open(pipeline.SinkSpec{Resource: "items"}, productTargets)
	plans = planAll(t, again, productTargets, 4, rows[:4])
	if got := fmt.Sprint(outcomes(plans)); got != "[unchanged unchanged unchanged unchanged]" {
		t.Errorf("second run %s: %v", got, plans)
	}
	noErrors(t, applyAll(t, again, plans, 4))
	if e.writes() != writes || fakeStore.writes != fakeWrites {
		t.Errorf("second run wrote %d to the Wawi, %d parts", e.writes()-writes, fakeStore.writes-fakeWrites)
	}
}

// A part's failure fails the record as a whole and names the part; a rerun
// completes what is missing without writing the item twice.
func TestProductPartFailure(t *testing.T) {
	resetFake()
	e := newERPEnv(t, baseSeed())
	s := e.open(pipeline.SinkSpec{Resource: "items"}, productTargets)
	rows := [][]any{
		{"N-1", "Neu eins", "rot", int64(1), nil},
		{"A-2", "Mutter", "blau", int64(1), nil},
	}
	fakeStore.planFail = "A-2"
	fakeStore.applyFail = 1
	plans, errs := runRows(t, s, productTargets, 1, rows)
	if got := fmt.Sprint(outcomes(plans)); got != "[created failed]" {
		t.Fatalf("outcomes %s", got)
	}
	if msg := fmt.Sprint(plans[1].Err); msg != "Fake: cannot plan A-2" {
		t.Errorf("plan failure: %s", msg)
	}
	if msg := fmt.Sprint(errs[0]); msg != "Fake: injected failure" {
		t.Errorf("apply failure: %s", msg)
	}
	if _, ok := e.srv.ItemBySKU("N-1"); !ok {
		t.Fatal("the item of the failed record was not created before its part")
	}
	posts := len(e.rec.sent("POST", "/items"))

	// the rerun: the item is there, the part is written now
	fakeStore.planFail = ""
	again := e.open(pipeline.SinkSpec{Resource: "items"}, productTargets)
	plans, errs = runRows(t, again, productTargets, 1, rows)
	noErrors(t, errs)
	if got := fmt.Sprint(outcomes(plans)); got != "[updated updated]" {
		t.Fatalf("rerun %s", got)
	}
	if got := fmt.Sprint(plans[0].Changes); got != "[{Fake Farbe <nil> rot}]" {
		t.Errorf("rerun changes %s", got)
	}
	if n := len(e.rec.sent("POST", "/items")); n != posts || e.srv.Counters().DuplicatesPrevented != 0 {
		t.Errorf("rerun posted %d items", n-posts)
	}
	n1, _ := e.srv.ItemBySKU("N-1")
	if got := fakeStore.vals[int64(n1.Id)]["Farbe"]; got != "rot" {
		t.Errorf("N-1's part: %q", got)
	}
}

// The parts' targets are checked by the parts, not against the item's
// schema: etl validate accepts them, and refuses a part's bad target at its
// line; the fields a create needs are still asked of the item.
func TestProductTargetsChecked(t *testing.T) {
	ctx := context.Background()
	spec := &pipeline.SinkSpec{Type: "erp", Resource: "items"}
	if err := checkERPTargets(ctx, spec, productTargets); err != nil {
		t.Errorf("valid product targets refused: %v", err)
	}
	bad := erpTargets("SKU:string", "Name:string", "Categories[0].CategoryId:int", "Fake.a.b:string")
	err := checkERPTargets(ctx, spec, bad)
	var tes pipeline.TargetErrors
	if !errors.As(err, &tes) || len(tes) != 1 || tes[0].Target != "Fake.a.b" {
		t.Errorf("bad part target: %v", err)
	}
	noName := erpTargets("SKU:string", "Categories[0].CategoryId:int", "Fake.Farbe:string")
	if err := checkERPTargets(ctx, spec, noName); !strings.Contains(fmt.Sprint(err), "needs Name") {
		t.Errorf("a create without Name: %v", err)
	}
	// another resource does not take them
	cust := &pipeline.SinkSpec{Type: "erp", Resource: "customers"}
	if err := checkERPTargets(ctx, cust, erpTargets("Number:string", "Fake.Farbe:string")); err == nil {
		t.Error("customers took a product part's target")
	}
}

// What the composite tells the parts beyond plan and apply: a plan without
// changes that must be applied is applied for a new item (with its id) and
// does not make an unchanged record Updated (nothing is written then); a
// record whose item cannot be planned is seen and abandoned; one whose
// part fails to plan or whose write fails is abandoned.
func TestProductPartHooks(t *testing.T) {
	resetFake()
	e := newERPEnv(t, baseSeed())
	s := e.open(pipeline.SinkSpec{Resource: "items"}, productTargets)
	rows := [][]any{
		{"N-1", "Neu eins", "!", int64(1), nil},         // created; its plan applied all the same
		{"A-1", "Schraube", "!", int64(1), nil},         // unchanged: nothing written
		{"A-11", "ohne Kategorie", "rot", nil, "Stahl"}, // the item fails to plan
		{"A-2", "Mutter", "blau", int64(1), nil},        // the part fails to plan
	}
	fakeStore.planFail = "A-2"
	plans, errs := runRows(t, s, productTargets, 1, rows)
	noErrors(t, errs)
	if got := fmt.Sprint(outcomes(plans)); got != "[created unchanged failed failed]" {
		t.Fatalf("outcomes %s", got)
	}
	if len(plans[0].Changes) != 3 || len(plans[1].Changes) != 0 {
		t.Errorf("changes %v / %v: the part's plan shows none", plans[0].Changes, plans[1].Changes)
	}
	n1, _ := e.srv.ItemBySKU("N-1")
	if got := fmt.Sprint(fakeStore.applyIDs); got != fmt.Sprintf("[%d]", n1.Id) {
		t.Errorf("applied for %s, want [%d]", got, n1.Id)
	}
	if fmt.Sprint(fakeStore.seen) != "[A-11]" || fmt.Sprint(fakeStore.abandoned) != "[A-11 A-2]" {
		t.Errorf("seen %v, abandoned %v", fakeStore.seen, fakeStore.abandoned)
	}

	// the part's write fails: abandoned
	fakeStore.planFail, fakeStore.applyFail, fakeStore.seen, fakeStore.abandoned = "", 1, nil, nil
	plans, errs = runRows(t, s, productTargets, 1, [][]any{{"N-2", "Neu zwei", "gelb", int64(1), nil}})
	if plans[0].Outcome != pipeline.Created || errs[0] == nil {
		t.Fatalf("N-2: %v %v", plans[0].Outcome, errs[0])
	}
	if !slices.Equal(fakeStore.abandoned, []string{"N-2"}) || fakeStore.seen != nil {
		t.Errorf("seen %v, abandoned %v", fakeStore.seen, fakeStore.abandoned)
	}
}

// A parent whose row fails (here its image is missing) fails its variants
// at once, naming it, instead of their waiting for it until the client's
// retry budget is spent: the composite abandons the row to the variants
// part.
func TestProductFailedParentFailsVariants(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	tg := erpTargets("SKU:string:Artikelnummer", "Name:string:Name", "Categories[0].CategoryId:int:Kategorie",
		"Images:string:Bilder", "Variant.ParentSKU:string:Vaterartikel", "Variant.Values.Farbe:string:Farbe")
	s := e.open(pipeline.SinkSpec{Resource: "items"}, tg)
	rows := [][]any{
		{"P-1", "Jacke", int64(1), "missing.png", nil, nil},
		{"P-1-R", "Jacke rot", int64(1), nil, "P-1", "Rot"},
		{"P-1-B", "Jacke blau", int64(1), nil, "P-1", "Blau"},
	}
	plans, errs := runRows(t, s, tg, 1, rows)
	if got := fmt.Sprint(outcomes(plans)); got != "[failed created created]" {
		t.Fatalf("outcomes %s (%v)", got, plans[0].Err)
	}
	if !strings.HasPrefix(fmt.Sprint(plans[0].Err), "Bilder: Bild 1 (missing.png)") {
		t.Errorf("parent: %v", plans[0].Err)
	}
	for i, child := range []string{"P-1-R", "P-1-B"} {
		if want := "Varianten: the parent P-1 (row 2) was not written: its variant " + child + " cannot be assigned"; fmt.Sprint(errs[i+1]) != want {
			t.Errorf("%s: %v, want %s", child, errs[i+1], want)
		}
		if _, ok := e.srv.ItemBySKU(child); ok {
			t.Errorf("%s was created without its parent", child)
		}
	}
}

// A variant waits for its parent's row without holding the record lock,
// which is striped: a variant whose SKU shares the stripe of its parent's
// would otherwise hold up the parent's write it waits for (until the
// client's retry budget, then fail). The child is written first here and
// waits; the parent's write then goes through and wakes it.
func TestProductVariantWaitsWithoutLock(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	tg := erpTargets("SKU:string:Artikelnummer", "Name:string:Name", "Categories[0].CategoryId:int:Kategorie",
		"Variant.ParentSKU:string:Vaterartikel", "Variant.Values.Farbe:string:Farbe")
	var locks stripedLocks
	stripe := func(key string) int { // the stripe lock takes: the one held
		unlock := locks.lock(key)
		defer unlock()
		for i := range locks {
			if !locks[i].TryLock() {
				return i
			}
			locks[i].Unlock()
		}
		return -1
	}
	child := ""
	for i := 0; child == ""; i++ {
		if c := fmt.Sprintf("P-1-%d", i); stripe(lowerKey(c)) == stripe(lowerKey("P-1")) {
			child = c
		}
	}
	rows := [][]any{
		{"P-1", "Jacke", int64(1), nil, nil},
		{child, "Jacke rot", int64(1), "P-1", "Rot"},
	}
	s := e.open(pipeline.SinkSpec{Resource: "items"}, tg)
	planAll(t, s, tg, 1, rows)          // the planning pass
	plans := planAll(t, s, tg, 1, rows) // the writing pass plans again
	if got := fmt.Sprint(outcomes(plans)); got != "[created created]" {
		t.Fatalf("outcomes %s", got)
	}
	if st := plans[1].State.(*productPlan); lowerKey(st.key) != lowerKey(child) {
		t.Fatalf("the record's lock key %q is not its SKU %s", st.key, child)
	}
	lookups := func() int { // the variant's lookups of its parent by SKU
		n := 0
		for _, r := range e.rec.sent("GET", "/items") {
			q, _ := url.ParseQuery(r.Query)
			for _, vs := range q {
				if r.Path == "/items" && slices.Contains(vs, "P-1") {
					n++
				}
			}
		}
		return n
	}
	before := lookups()
	done := make(chan error, 1)
	go func() { done <- s.Apply(context.Background(), plans[1]) }()
	for lookups() == before { // the child is looking for its parent
		runtime.Gosched()
	}
	if err := s.Apply(context.Background(), plans[0]); err != nil {
		t.Fatalf("parent: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("variant: %v", err)
	}
	parent, _ := e.srv.ItemBySKU("P-1")
	c, _ := e.srv.ItemBySKU(child)
	if c.ParentItemId != parent.Id {
		t.Errorf("%s: parent %d, want %d", child, c.ParentItemId, parent.Id)
	}
}
