package sinks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

func propSeed() *erptest.Seed {
	seed := baseSeed()
	seed.Properties = []erptest.SeedProperty{
		{Property: erptest.Property{Id: 1, Name: "Material"}, Values: []erptest.PropertyValue{{Id: 10, Name: "Baumwolle"}, {Id: 11, Name: "Leinen"}}},
		{Property: erptest.Property{Id: 2, Name: "Farbe"}, Values: []erptest.PropertyValue{{Id: 20, Name: "Rot"}}},
	}
	seed.ItemProperties = []erptest.ItemPropertySeed{{ItemId: 1, PropertyValueId: 11}, {ItemId: 1, PropertyValueId: 20}}
	return seed
}

// partSink is an ERP sink as far as a product part needs one.
func (e *erpEnv) partSink(spec pipeline.SinkSpec) *ERPSink {
	return &ERPSink{c: e.c, spec: &spec, lookups: erp.NewLookups(e.c)}
}

func openProps(t *testing.T, s *ERPSink, tg []mappings.Target) productPart {
	t.Helper()
	var idx []int
	var canon []string
	for i, x := range tg {
		if strings.HasPrefix(x.Path, "Properties.") {
			idx, canon = append(idx, i), append(canon, x.Path)
		}
	}
	p, err := openPropertiesPart(s, idx, canon)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func assignedNames(e *erpEnv, item int) []string {
	names := map[int]string{}
	for _, p := range e.srv.Properties() {
		for _, v := range p.Values {
			names[v.Id] = p.Name + ":" + v.Name
		}
	}
	var out []string
	for _, a := range e.srv.ItemPropertyValues(item) {
		out = append(out, names[a.PropertyValueId])
	}
	return out
}

func TestPropertiesPart(t *testing.T) {
	e := newERPEnv(t, propSeed())
	ctx := context.Background()
	s := e.partSink(pipeline.SinkSpec{CreateProperties: true})
	tg := targets("SKU:string", "Properties.Material:string:Material", "Properties.Farbe:string:Farbe", "Properties.Pflege:string:Pflege")
	part := openProps(t, s, tg)
	it := erpItem(tg, 2, []any{"A-1", "Baumwolle | Leinen|baumwolle", "Blau", ""})
	pl, err := part.plan(ctx, it, productItem{ID: 1, Key: "A-1"})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(pl.changes())
	if want := "[{Merkmal Material Leinen Baumwolle | Leinen} {Merkmal Farbe Rot Rot | Blau}]"; got != want {
		t.Errorf("changes %s\nwant %s", got, want)
	}
	if e.writes() != 0 {
		t.Fatalf("planning wrote %d times", e.writes())
	}
	if err := pl.apply(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(assignedNames(e, 1), ", "); got != "Material:Leinen, Farbe:Rot, Material:Baumwolle, Farbe:Blau" {
		t.Errorf("assigned %s", got)
	}
	// a rerun, with the run's cache or a fresh one, changes nothing
	writes := e.writes()
	for _, s := range []*ERPSink{s, e.partSink(pipeline.SinkSpec{})} {
		pl, err := openProps(t, s, tg).plan(ctx, it, productItem{ID: 1, Key: "A-1"})
		if err != nil || len(pl.changes()) != 0 {
			t.Errorf("rerun: %v %v", pl.changes(), err)
		}
	}
	if e.writes() != writes {
		t.Errorf("rerun wrote")
	}
	// a record that names no property is not this part's
	if pl, err := part.plan(ctx, erpItem(tg, 3, []any{"A-2", "", nil, " "}), productItem{ID: 2}); pl != nil || err != nil {
		t.Errorf("empty: %v %v", pl, err)
	}
}

// A new item (ID 0 at planning) gets its values once it exists.
func TestPropertiesPartNewItem(t *testing.T) {
	e := newERPEnv(t, propSeed())
	ctx := context.Background()
	tg := targets("SKU:string", "Properties.Material:string:Material")
	part := openProps(t, e.partSink(pipeline.SinkSpec{}), tg)
	pl, err := part.plan(ctx, erpItem(tg, 2, []any{"NEU-1", "Leinen"}), productItem{Key: "NEU-1"})
	if err != nil || fmt.Sprint(pl.changes()) != "[{Merkmal Material <nil> Leinen}]" {
		t.Fatalf("%v %v", pl, err)
	}
	if err := pl.apply(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if got := assignedNames(e, 3); fmt.Sprint(got) != "[Material:Leinen]" {
		t.Errorf("assigned %v", got)
	}
}

// Without sink.create_properties a value or property the Wawi lacks fails the
// record, naming the column and what the Wawi knows; nothing is written.
func TestPropertiesPartUnknown(t *testing.T) {
	e := newERPEnv(t, propSeed())
	ctx := context.Background()
	tg := targets("SKU:string", "Properties.Material:string:Stoff", "Properties.Pflege:string:Pflege")
	part := openProps(t, e.partSink(pipeline.SinkSpec{}), tg)
	_, err := part.plan(ctx, erpItem(tg, 2, []any{"A-1", "Seide", ""}), productItem{ID: 1})
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Column != "Stoff" || !strings.Contains(err.Error(), `property "Material" has no value "Seide" (it has Baumwolle, Leinen); sink.create_properties: true creates it`) {
		t.Errorf("value: %v", err)
	}
	_, err = part.plan(ctx, erpItem(tg, 2, []any{"A-1", "", "30 Grad"}), productItem{ID: 1})
	if !errors.As(err, &fe) || fe.Column != "Pflege" || !strings.Contains(err.Error(), `the Wawi has no property "Pflege" (it has Material, Farbe)`) {
		t.Errorf("property: %v", err)
	}
	if e.writes() != 0 {
		t.Errorf("%d writes", e.writes())
	}
}

// With sink.create_properties a missing property and its values are created,
// each once although many records need them at once, and even when
// answers of writes are lost.
func TestPropertiesPartCreateOnce(t *testing.T) {
	e := newERPEnvWith(t, propSeed(), erpEnvOpts{validate: true, opts: erptest.Options{LostWriteRate: 0.3}})
	ctx := context.Background()
	s := e.partSink(pipeline.SinkSpec{CreateProperties: true})
	tg := targets("SKU:string", "Properties.Material:string", "Properties.Pflege:string")
	part := openProps(t, s, tg)
	items := []int{1, 2, 3, 4, 5}
	var wg sync.WaitGroup
	errs := make([]error, len(items))
	for i, id := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pl, err := part.plan(ctx, erpItem(tg, i+2, []any{"x", "Wolle|Seide", "30 Grad | Handwäsche"}), productItem{ID: int64(id)})
			if err == nil {
				err = pl.apply(ctx, int64(id))
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	props := e.srv.Properties()
	if len(props) != 3 || props[2].Name != "Pflege" || len(props[2].Values) != 2 || len(props[0].Values) != 4 {
		t.Fatalf("properties %+v", props)
	}
	for _, id := range items {
		got := assignedNames(e, id)
		if id == 1 {
			got = got[2:] // Leinen and Rot were there
		}
		if fmt.Sprint(got) != "[Material:Wolle Material:Seide Pflege:30 Grad Pflege:Handwäsche]" {
			t.Errorf("item %d: %v", id, got)
		}
	}
	if n := e.srv.Counters().DuplicatesPrevented; n != 0 {
		t.Errorf("%d duplicates refused", n)
	}
	if e.srv.Counters().LostWrites() == 0 {
		t.Error("no lost write: the test proves nothing about them")
	}
}

// prune removes the values of the properties a record names that the
// record does not list; other properties stay.
func TestPropertiesPartPrune(t *testing.T) {
	for _, prune := range []bool{false, true} {
		e := newERPEnv(t, propSeed())
		ctx := context.Background()
		tg := targets("SKU:string", "Properties.Material:string")
		part := openProps(t, e.partSink(pipeline.SinkSpec{Prune: prune}), tg)
		pl, err := part.plan(ctx, erpItem(tg, 2, []any{"A-1", "Baumwolle"}), productItem{ID: 1})
		if err != nil {
			t.Fatal(err)
		}
		want, deletes := "[{Merkmal Material Leinen Leinen | Baumwolle}]", 0
		if prune {
			want, deletes = "[{Merkmal Material Leinen Baumwolle}]", 1
		}
		if got := fmt.Sprint(pl.changes()); got != want || pl.(*propertiesPlan).deletes() != deletes {
			t.Errorf("prune %v: %s, %d deletes", prune, got, pl.(*propertiesPlan).deletes())
		}
		if err := pl.apply(ctx, 1); err != nil {
			t.Fatal(err)
		}
		want = "[Material:Leinen Farbe:Rot Material:Baumwolle]"
		if prune {
			want = "[Farbe:Rot Material:Baumwolle]"
		}
		if got := fmt.Sprint(assignedNames(e, 1)); got != want {
			t.Errorf("prune %v: %s", prune, got)
		}
	}
}

// The targets are read ignoring case, as the part claims them; a target
// without a name is the mapping's error, placed at the target.
func TestPropertiesPartTargets(t *testing.T) {
	e := newERPEnv(t, propSeed())
	s := e.partSink(pipeline.SinkSpec{})
	p, err := openPropertiesPart(s, []int{1}, []string{"properties. Material"})
	if err != nil || p.(*propertiesPart).names[0] != "Material" {
		t.Fatalf("%v %v", p, err)
	}
	_, err = openPropertiesPart(s, []int{1, 2}, []string{"Properties.", "Properties.A.B"})
	var tes pipeline.TargetErrors
	if !errors.As(err, &tes) || len(tes) != 2 || tes[0].Target != "Properties." {
		t.Errorf("%v", err)
	}
	_, err = openCustomFieldsPart(s, []int{1}, []string{"customfields."})
	if !errors.As(err, &tes) || len(tes) != 1 {
		t.Errorf("%v", err)
	}
}

// Two rows of one product planned before either was applied both assign
// the same value: the second finds it assigned and succeeds.
func TestPropertiesPartSameProductTwice(t *testing.T) {
	e := newERPEnv(t, propSeed())
	ctx := context.Background()
	tg := targets("SKU:string", "Properties.Material:string")
	part := openProps(t, e.partSink(pipeline.SinkSpec{}), tg)
	var plans []partPlan
	for row := 2; row <= 3; row++ {
		pl, err := part.plan(ctx, erpItem(tg, row, []any{"A-2", "Baumwolle"}), productItem{ID: 2})
		if err != nil {
			t.Fatal(err)
		}
		plans = append(plans, pl)
	}
	for _, pl := range plans {
		if err := pl.apply(ctx, 2); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(assignedNames(e, 2)); got != "[Material:Baumwolle]" {
		t.Errorf("assigned %s", got)
	}
}
