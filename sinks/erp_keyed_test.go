package sinks

import (
	"context"
	"errors"
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

func descSeed() *erptest.Seed {
	s := baseSeed()
	s.ItemDescriptions = []erptest.ItemDescription{
		{ItemId: 1, SalesChannelId: "1-1-1", LanguageIso: "de", Name: "Schraube", ShortDescription: "verzinkt"},
		{ItemId: 1, SalesChannelId: "1-1-1", LanguageIso: "en", Name: "Screw"},
	}
	return s
}

// A sub-resource from its row alone: the item found by Item.SKU, the
// description by sales channel and language within it (both fill path
// parameters), a minimal PATCH, a POST below the item, nothing for an
// unchanged one, and one read of each item's list.
func TestERPItemDescriptionsUpsert(t *testing.T) {
	e := newERPEnv(t, descSeed())
	tg := erpTargets("Item.SKU:string:Artikelnummer", "SalesChannelId:string", "LanguageIso:string:Sprache", "Name:string", "ShortDescription:string")
	s := e.open(pipeline.SinkSpec{Resource: "items/descriptions"}, tg)
	rows := [][]any{
		{"A-1", "1-1-1", "de", "Schraube", "verzinkt"}, // unchanged
		{"A-1", "1-1-1", "EN", "Screw", "zinc-plated"}, // language ignoring case
		{"A-1", "1-1-1", "fr", "Vis", ""},              // new
		{"A-2", "1-1-1", "de", "Mutter", "M8"},         // new, another item
		{"X-9", "1-1-1", "de", "Nichts", ""},           // no such item
		{"A-1", "1-1-1", "", "ohne Sprache", ""},       // no key
	}
	plans := planAll(t, s, tg, 1, rows)
	if got := fmt.Sprint(outcomes(plans)); got != "[unchanged updated created created failed failed]" {
		t.Fatalf("outcomes %s", got)
	}
	if plans[1].Key != "A-1 / 1-1-1 / EN" || fmt.Sprint(plans[1].Changes) != "[{ShortDescription  zinc-plated}]" {
		t.Errorf("key %q changes %v", plans[1].Key, plans[1].Changes)
	}
	var fe *FieldError
	if !errors.As(plans[4].Err, &fe) || fe.Column != "Artikelnummer" || !strings.Contains(fe.Error(), `no item with SKU "X-9"`) {
		t.Errorf("missing item: %v", plans[4].Err)
	}
	if !errors.As(plans[5].Err, &fe) || fe.Column != "Sprache" {
		t.Errorf("no language: %v", plans[5].Err)
	}
	noErrors(t, applyAll(t, s, plans, 1))
	patches := e.rec.sent("PATCH", "/items/")
	if len(patches) != 1 || patches[0].Path != "/items/1/descriptions/1-1-1/EN" || patches[0].Body != `{"ShortDescription":"zinc-plated"}` {
		t.Errorf("PATCH %+v", patches)
	}
	posts := e.rec.sent("POST", "/items/")
	if len(posts) != 2 || posts[0].Path != "/items/1/descriptions" || posts[1].Path != "/items/2/descriptions" ||
		posts[0].Body != `{"LanguageIso":"fr","Name":"Vis","SalesChannelId":"1-1-1","ShortDescription":""}` {
		t.Errorf("POST %+v", posts)
	}
	if n := e.route("GET /items/{itemId}/descriptions"); n != 2 {
		t.Errorf("item lists read %d times, want one per item", n)
	}
	ds := e.srv.ItemDescriptions()
	if len(ds) != 4 || ds[1].ShortDescription != "zinc-plated" || ds[2].Name != "Vis" || ds[3].ItemId != 2 {
		t.Errorf("stored %+v", ds)
	}
	// the same rows again: nothing to write
	again := e.open(pipeline.SinkSpec{Resource: "items/descriptions"}, tg)
	plans = planAll(t, again, tg, 1, rows[:4])
	if got := fmt.Sprint(outcomes(plans)); got != "[unchanged unchanged unchanged unchanged]" {
		t.Errorf("second run %s", got)
	}
	// on_missing: skip skips a record whose item is not there
	skip := e.open(pipeline.SinkSpec{Resource: "items/descriptions", OnMissing: "skip"}, tg)
	if p := planAll(t, skip, tg, 1, rows[4:5]); p[0].Outcome != pipeline.Skipped {
		t.Errorf("on_missing skip: %v", p[0].Outcome)
	}
}

// Path parameters are escaped: a sales channel id with a slash stays one
// segment and reaches its record. The item is named by its id here.
// (Without contract checks: the validator's router matches unescaped paths
// and so finds no operation for .../a%2Fb/de; the emulator routes it.)
func TestERPItemDescriptionsEscapedKey(t *testing.T) {
	seed := descSeed()
	seed.ItemDescriptions = append(seed.ItemDescriptions, erptest.ItemDescription{ItemId: 1, SalesChannelId: "a/b", LanguageIso: "de", Name: "alt"})
	e := newERPEnvWith(t, seed, erpEnvOpts{})
	tg := erpTargets("Item.Id:int", "SalesChannelId:string", "LanguageIso:string", "Name:string")
	s := e.open(pipeline.SinkSpec{Resource: "items/descriptions", Operation: "update"}, tg)
	plans, errs := runRows(t, s, tg, 1, [][]any{{int64(1), "1-1-1", "de", "Holzschraube"}, {int64(1), "a/b", "de", "neu"}})
	noErrors(t, errs)
	if got := fmt.Sprint(outcomes(plans)); got != "[updated updated]" {
		t.Fatalf("outcomes %s", got)
	}
	if p := e.rec.sent("PATCH", "/items/"); len(p) != 2 || p[0].Path != "/items/1/descriptions/1-1-1/de" {
		t.Errorf("PATCH %+v", p)
	}
	ds := e.srv.ItemDescriptions()
	if ds[0].Name != "Holzschraube" || ds[2].Name != "neu" || ds[1].Name != "Screw" {
		t.Errorf("stored %+v", ds)
	}
}

// Lost answers of a sub-resource's writes are settled by reading the
// item's list again: each description exists once.
func TestERPItemDescriptionsLostAnswers(t *testing.T) {
	e := newERPEnvWith(t, descSeed(), erpEnvOpts{validate: true, opts: erptest.Options{LostWriteRate: 1}})
	tg := erpTargets("Item.SKU:string", "SalesChannelId:string", "LanguageIso:string", "Name:string")
	s := e.open(pipeline.SinkSpec{Resource: "items/descriptions"}, tg)
	plans, errs := runRows(t, s, tg, 1, [][]any{{"A-1", "1-1-1", "fr", "Vis"}, {"A-1", "1-1-1", "de", "Holzschraube"}})
	noErrors(t, errs)
	if got := fmt.Sprint(outcomes(plans)); got != "[created updated]" {
		t.Fatalf("outcomes %s", got)
	}
	c := e.srv.Counters()
	if c.LostWrites() < 2 || c.Route("POST /items/{itemId}/descriptions") != 1 {
		t.Fatalf("lost %d, POST %d", c.LostWrites(), c.Route("POST /items/{itemId}/descriptions"))
	}
	var got []string
	for _, d := range e.srv.ItemDescriptions() {
		got = append(got, d.LanguageIso+":"+d.Name)
	}
	if fmt.Sprint(got) != "[de:Holzschraube en:Screw fr:Vis]" {
		t.Errorf("stored %v", got)
	}
}

// prune: true deletes, per item the file names, the descriptions the file
// does not name; the deletions are plans like any other (a dry run sends
// nothing), and items the file does not name keep theirs.
func TestERPItemDescriptionsPrune(t *testing.T) {
	seed := descSeed()
	seed.ItemDescriptions = append(seed.ItemDescriptions,
		erptest.ItemDescription{ItemId: 1, SalesChannelId: "2-1-1", LanguageIso: "de", Name: "Schraube (Shop 2)"},
		erptest.ItemDescription{ItemId: 3, SalesChannelId: "1-1-1", LanguageIso: "de", Name: "Dübel"})
	e := newERPEnv(t, seed)
	tg := erpTargets("Item.SKU:string", "SalesChannelId:string", "LanguageIso:string", "Name:string")
	s := e.open(pipeline.SinkSpec{Resource: "items/descriptions", Prune: true}, tg)
	rows := [][]any{{"A-1", "1-1-1", "DE", "Schraube"}, {"A-2", "1-1-1", "de", "Mutter"}}
	plans := planAll(t, s, tg, 2, rows)
	prune, err := s.PrunePlans(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range prune {
		got = append(got, fmt.Sprintf("%s %s %v", p.Outcome, p.Key, p.Changes))
	}
	if fmt.Sprint(got) != "[updated A-1 / 1-1-1 / en [{(deleted) A-1 / 1-1-1 / en <nil>}] updated A-1 / 2-1-1 / de [{(deleted) A-1 / 2-1-1 / de <nil>}]]" {
		t.Fatalf("prune plans %v", got)
	}
	if n := len(e.rec.sent("DELETE", "/")); n != 0 || e.writes() != 0 {
		t.Fatalf("planning deleted %d", n)
	}
	noErrors(t, applyAll(t, s, append(plans, prune...), 2))
	dels := e.rec.sent("DELETE", "/items/")
	if len(dels) != 2 || dels[0].Path != "/items/1/descriptions/1-1-1/en" && dels[1].Path != "/items/1/descriptions/1-1-1/en" {
		t.Errorf("DELETE %+v", dels)
	}
	var left []string
	for _, d := range e.srv.ItemDescriptions() {
		left = append(left, fmt.Sprintf("%d:%s/%s", d.ItemId, d.SalesChannelId, d.LanguageIso))
	}
	if fmt.Sprint(left) != "[1:1-1-1/de 2:1-1-1/de 3:1-1-1/de]" {
		t.Errorf("left %v", left)
	}
	// the next plan of the same rows prunes nothing
	again := e.open(pipeline.SinkSpec{Resource: "items/descriptions", Prune: true}, tg)
	planAll(t, again, tg, 1, rows)
	if p, _ := again.PrunePlans(context.Background()); len(p) != 0 {
		t.Errorf("second run prunes %d", len(p))
	}
	// only what the table allows to prune
	if _, err := e.openErr(pipeline.SinkSpec{Resource: "categories", Prune: true}, erpTargets("Name:string")); err == nil || !strings.Contains(err.Error(), "categories cannot be pruned") {
		t.Errorf("prune categories: %v", err)
	}
}

// A DELETE whose answer is lost is settled: by the retry's 404 or by
// reading the item's list again.
func TestERPItemDescriptionsPruneLostAnswers(t *testing.T) {
	e := newERPEnvWith(t, descSeed(), erpEnvOpts{validate: true, opts: erptest.Options{LostWriteRate: 1}})
	tg := erpTargets("Item.SKU:string", "SalesChannelId:string", "LanguageIso:string", "Name:string")
	s := e.open(pipeline.SinkSpec{Resource: "items/descriptions", Prune: true}, tg)
	planAll(t, s, tg, 1, [][]any{{"A-1", "1-1-1", "de", "Schraube"}})
	prune, err := s.PrunePlans(context.Background())
	if err != nil || len(prune) != 1 {
		t.Fatalf("prune %d, %v", len(prune), err)
	}
	noErrors(t, applyAll(t, s, prune, 1))
	if c := e.srv.Counters(); c.LostWrites() == 0 {
		t.Fatal("no answer was lost: the test tests nothing")
	}
	if ds := e.srv.ItemDescriptions(); len(ds) != 1 || ds[0].LanguageIso != "de" {
		t.Errorf("left %+v", ds)
	}
}
