package sinks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
)

func groupSeed() *erptest.Seed {
	s := baseSeed()
	s.CustomerGroups = []erptest.CustomerGroup{{Id: 1, Name: "Endkunden", IsDefault: true, Discount: erptest.D("0")},
		{Id: 2, Name: "Händler", Discount: erptest.D("5"), IsNetPrice: true}}
	return s
}

// Categories go through the generic planner from their table row alone:
// matched by Name (ambiguous names fail), diffed field by field, a minimal
// PATCH for a change, POST for a new one, nothing for an unchanged one.
func TestERPCategoriesUpsert(t *testing.T) {
	e := newERPEnv(t, baseSeed())
	tg := erpTargets("Name:string:Kategorie", "Description:string:Beschreibung", "SortNumber:int:Sortierung")
	s := e.open(pipeline.SinkSpec{Resource: "categories"}, tg)
	rows := [][]any{
		{"Werkzeug", "Alles für die Werkstatt", int64(0)},
		{"Befestigung", "", int64(0)},
		{"Leitern", "Stufen und Sprossen", int64(7)},
		{"Zangen", "doppelt", int64(0)},
	}
	plans := planAll(t, s, tg, 1, rows)
	if got := fmt.Sprint(outcomes(plans)); got != "[updated unchanged created failed]" {
		t.Fatalf("outcomes %s (%v)", got, plans[3].Err)
	}
	if got := fmt.Sprint(plans[0].Changes); got != "[{Description  Alles für die Werkstatt}]" {
		t.Errorf("changes %s", got)
	}
	if !strings.Contains(plans[3].Err.Error(), `2 categories have Name "Zangen"`) {
		t.Errorf("ambiguous: %v", plans[3].Err)
	}
	if e.writes() != 0 {
		t.Fatal("planning wrote")
	}
	noErrors(t, applyAll(t, s, plans, 1))
	patches, posts := e.rec.sent("PATCH", "/categories/"), e.rec.sent("POST", "/categories")
	if len(patches) != 1 || patches[0].Path != "/categories/1" || patches[0].Body != `{"Description":"Alles für die Werkstatt"}` {
		t.Errorf("PATCH %+v", patches)
	}
	if len(posts) != 1 || posts[0].Body != `{"Description":"Stufen und Sprossen","Name":"Leitern","SortNumber":7}` {
		t.Errorf("POST %+v", posts)
	}
	cats := e.srv.Categories()
	if last := cats[len(cats)-1]; last.Name != "Leitern" || last.SortNumber != 7 || last.Level != 1 || cats[0].Description != "Alles für die Werkstatt" {
		t.Errorf("stored %+v", cats)
	}
	// the same file again changes nothing
	again := e.open(pipeline.SinkSpec{Resource: "categories"}, tg)
	w := e.writes()
	plans = planAll(t, again, tg, 1, rows[:3])
	if got := fmt.Sprint(outcomes(plans)); got != "[unchanged unchanged unchanged]" || e.writes() != w {
		t.Fatalf("second run %s, %d writes", got, e.writes()-w)
	}
}

func TestERPCustomerGroupsImport(t *testing.T) {
	e := newERPEnv(t, groupSeed())
	tg := erpTargets("Name:string", "Discount:decimal", "IsNetPrice:bool")
	s := e.open(pipeline.SinkSpec{Resource: "customerGroups"}, tg)
	plans, errs := runRows(t, s, tg, 4, [][]any{
		{"Händler", erpDec("7.50"), true},
		{"endkunden", erpDec("0"), false}, // the Wawi compares names ignoring case
		{"Großhandel", erpDec("12"), true},
	})
	noErrors(t, errs)
	if got := fmt.Sprint(outcomes(plans)); got != "[updated unchanged created]" {
		t.Fatalf("outcomes %s", got)
	}
	if got := fmt.Sprint(plans[0].Changes); got != "[{Discount 5 7.5}]" {
		t.Errorf("changes %s", got)
	}
	if p := e.rec.sent("PATCH", "/customerGroups/"); len(p) != 1 || p[0].Path != "/customerGroups/2" || p[0].Body != `{"Discount":7.5}` || p[0].Query != "" {
		t.Errorf("PATCH %+v", p)
	}
	// the list is a plain array: read once, not paged or searched
	if n := e.route("GET /customerGroups"); n != 1 {
		t.Errorf("GET /customerGroups %d times", n)
	}
	gs := e.srv.CustomerGroups()
	if len(gs) != 3 || gs[2].Name != "Großhandel" || gs[2].Discount.String() != "12" || !gs[2].IsNetPrice || gs[1].Discount.String() != "7.5" {
		t.Errorf("stored %+v", gs)
	}

	// create only creates; update only updates (on_missing: skip skips)
	cr := e.open(pipeline.SinkSpec{Resource: "customerGroups", Operation: "create"}, tg)
	up := e.open(pipeline.SinkSpec{Resource: "customerGroups", Operation: "update", OnMissing: "skip"}, tg)
	pc := planAll(t, cr, tg, 1, [][]any{{"Händler", erpDec("1"), true}})
	pu := planAll(t, up, tg, 1, [][]any{{"Neu", erpDec("1"), true}})
	if pc[0].Outcome != pipeline.Failed || !strings.Contains(pc[0].Err.Error(), "operation create only creates") || pu[0].Outcome != pipeline.Skipped {
		t.Errorf("create %v %v, update %v", pc[0].Outcome, pc[0].Err, pu[0].Outcome)
	}
}

// A POST whose answer is lost is settled by reading the group back by
// name before any retry: every write's answer is lost here, and still each
// group exists once.
func TestERPCustomerGroupsLostAnswers(t *testing.T) {
	e := newERPEnvWith(t, groupSeed(), erpEnvOpts{validate: true, opts: erptest.Options{LostWriteRate: 1}})
	tg := erpTargets("Name:string", "Discount:decimal")
	s := e.open(pipeline.SinkSpec{Resource: "customerGroups"}, tg)
	plans, errs := runRows(t, s, tg, 1, [][]any{{"A", erpDec("1")}, {"B", erpDec("2")}, {"Händler", erpDec("6")}})
	noErrors(t, errs)
	if got := fmt.Sprint(outcomes(plans)); got != "[created created updated]" {
		t.Fatalf("outcomes %s", got)
	}
	// each POST was sent once: its lost answer was settled by reading back
	c := e.srv.Counters()
	if c.LostWrites() < 3 || c.Route("POST /customerGroups") != 2 {
		t.Fatalf("lost %d, POST %d", c.LostWrites(), c.Route("POST /customerGroups"))
	}
	names := map[string]string{}
	for _, g := range e.srv.CustomerGroups() {
		if _, dup := names[g.Name]; dup {
			t.Fatalf("group %s twice", g.Name)
		}
		names[g.Name] = g.Discount.String()
	}
	if fmt.Sprint(names) != "map[A:1 B:2 Endkunden:0 Händler:6]" {
		t.Fatalf("groups %v", names)
	}
}

func TestERPKeyedOpenErrors(t *testing.T) {
	e := newERPEnv(t, groupSeed())
	for _, c := range []struct {
		spec pipeline.SinkSpec
		tg   []string
		want string
	}{
		{pipeline.SinkSpec{Resource: "customerGroups"}, []string{"Discount:decimal"}, "no target Name, so customer groups cannot be matched"},
		{pipeline.SinkSpec{Resource: "categories", MatchBy: "Id"}, []string{"Name:string"}, "categories match by Name"},
		{pipeline.SinkSpec{Resource: "categories"}, []string{"Name:string", "Level:int"}, `"Level" is not a field`},
		{pipeline.SinkSpec{Resource: "customerGroups", Operation: "delete"}, []string{"Name:string"}, "customerGroups take upsert, update, create"},
	} {
		_, err := e.openErr(c.spec, erpTargets(c.tg...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.spec, err, c.want)
		}
	}
}
