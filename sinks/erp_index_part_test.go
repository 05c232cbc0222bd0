package sinks

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/internal/jsondoc"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// entryOf decodes raw whole (part nil) or to part and makes its index
// entry, as a comparable value.
func entryOf(t *testing.T, raw []byte, part *jsondoc.Node, def *erp.ResourceDef, match string, shape *docShape) string {
	t.Helper()
	rec, err := jsondoc.ParsePartCopy(raw, part)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	e, k, ok := newDocEntry(rec, def, match, shape)
	if !ok {
		return "none"
	}
	return fmt.Sprintf("id %d key %q vals %q", e.id, k, e.vals)
}

// The projected decode makes the entry the whole decode makes, for every
// kind of shape the index keeps: flat and nested leaves, leaves in lists
// (widened to the lower indexes, with the lists' lengths), lists in lists,
// leaves whose value is an object or a list (kept whole), composite and
// nested keys, and a path whose brackets hold no index; and for documents
// that do not have the shape's types where it expects them.
func TestEntryPartMatchesWholeDecode(t *testing.T) {
	items, _ := erp.Resource("items")
	descs, _ := erp.Resource("items/descriptions")
	shapes := []struct {
		name  string
		def   *erp.ResourceDef
		match string
		paths []string // nil: no shape (a parent's index, ids only)
	}{
		{"ids only", items, "SKU", nil},
		{"flat", items, "SKU", []string{"SKU", "Name"}},
		{"nested", items, "SKU", []string{"SKU", "ItemPriceData.SalesPriceNet", "ItemPriceData.PurchasePriceNet"}},
		{"nested key", items, "Identifiers.Gtin", []string{"Identifiers.Gtin", "Name"}},
		{"list leaf", items, "SKU", []string{"SKU", "Categories[1].CategoryId"}},
		{"lists in lists", items, "SKU", []string{"A[1].B[2].C", "A[0].D"}},
		{"whole values", items, "SKU", []string{"Dims", "Tags", "Mixed", "Identifiers"}},
		{"whole and inside", items, "SKU", []string{"Identifiers", "Identifiers.Gtin", "Categories", "Categories[0].CategoryId"}},
		{"composite key", descs, "SalesChannelId+LanguageIso", []string{"SalesChannelId", "LanguageIso", "Name"}},
		{"no index in brackets", items, "SKU", []string{"Weird[x]", "Odd[1", "Neg[-1].V"}},
		{"no id field", &erp.ResourceDef{Name: "x"}, "Code", []string{"Code", "Name"}},
	}
	docs := []string{
		`{}`,
		`{"Id":7,"SKU":"A-1","Name":"Schraube","Extra":{"Deep":[1,2,{"x":"y"}]}}`,
		`{"Id":"8","SKU":"  a-2 ","ItemPriceData":{"SalesPriceNet":10.50,"PurchasePriceNet":5,"Other":"x"},"Identifiers":{"Gtin":"4006381333931","Asins":["B1","B2"]}}`,
		`{"Id":9,"SKU":"A-3","Categories":[{"CategoryId":1,"Name":"x"},{"CategoryId":2},{"CategoryId":3}]}`,
		`{"Id":10,"SKU":"A-4","Categories":[{"CategoryId":1}]}`,
		`{"Id":11,"SKU":"A-5","Categories":[]}`,
		`{"Id":12,"SKU":"A-6","Categories":{"CategoryId":1}}`,
		`{"Id":13,"SKU":"A-7","Categories":[1,"x",null,{"CategoryId":4}]}`,
		`{"Id":14,"SKU":"A-8","Categories":null,"ItemPriceData":null,"Identifiers":[{"Gtin":"1"}]}`,
		`{"Id":15,"SKU":"A-9","A":[{"B":[{"C":1},{"C":2},{"C":3,"Z":0}],"D":{"E":1}},{"B":[{"C":4}]}]}`,
		`{"Id":16,"SKU":"A-10","Dims":{"W":1,"H":[2,3]},"Tags":["a","b"],"Mixed":[{"a":1},"b"],"Identifiers":{"Gtin":"1","Mpn":null}}`,
		`{"Id":17,"SKU":"A-11","Dims":"flat","Tags":[],"Mixed":[]}`,
		`{"Id":18,"S\u004bU":"A-12","N\u0061me":"escaped keys"}`,
		`{"Id":19,"SKU":"A-13","SKU":"A-14","Name":{"x":1},"Name":"last wins"}`,
		`{"Id":20,"SKU":"A-15","Weird[x]":"w","Odd[1":"o","Neg":[{"V":1}],"Neg[-1]":{"V":2}}`,
		`{"Id":21,"SKU":"","Name":"no key"}`,
		`{"SKU":"A-16","Name":"no id"}`,
		`{"Id":1.5,"SKU":"A-17"}`,
		`{"Id":22,"SalesChannelId":"1-1-1","LanguageIso":"de","Name":"Schraube","ShortDescription":"lang"}`,
		`{"Id":23,"SalesChannelId":"1-1-1","LanguageIso":"","Name":"ohne Sprache"}`,
		`{"Id":24,"Code":"C","Name":"Grüße \"x\" \ud83d\ude00","Identifiers":{"Gtin":12345}}`,
	}
	for _, sh := range shapes {
		var shape *docShape
		if sh.paths != nil {
			shape = newDocShape(sh.paths)
		}
		part := entryPart(sh.def, sh.match, shape)
		for _, d := range docs {
			whole := entryOf(t, []byte(d), nil, sh.def, sh.match, shape)
			proj := entryOf(t, []byte(d), part, sh.def, sh.match, shape)
			if proj != whole {
				t.Errorf("%s: %s\nprojected: %s\nwhole:     %s", sh.name, d, proj, whole)
			}
		}
	}
}

// schemaDoc is a document of schema s with every property filled (lists
// with three elements) plus a key no schema has.
func schemaDoc(s *apiSchema, depth int) any {
	if s == nil || depth > 4 {
		return "x"
	}
	switch s.Type {
	case "array":
		return []any{schemaDoc(s.Items, depth+1), schemaDoc(s.Items, depth+1), schemaDoc(s.Items, depth+1)}
	case "integer":
		return json.Number(fmt.Sprint(depth + 3))
	case "number":
		return json.Number("12.50")
	case "boolean":
		return true
	}
	if len(s.Props) == 0 {
		if s.Type == "object" {
			return map[string]any{"k": "v"}
		}
		return "text"
	}
	m := map[string]any{"NotInTheSchema": []any{map[string]any{"x": json.Number("1")}}}
	for _, p := range s.Props {
		m[p.Name] = schemaDoc(p.Schema, depth+1)
	}
	return m
}

// schemaPaths lists s's paths as targets name them: every leaf, objects
// and lists of scalars whole, list elements at [0] and [1].
func schemaPaths(s *apiSchema, prefix string, depth int, out *[]string) {
	if s == nil || depth > 4 {
		return
	}
	for _, p := range s.Props {
		path := joinPath(prefix, p.Name)
		*out = append(*out, path)
		switch {
		case p.Schema != nil && p.Schema.Type == "array" && p.Schema.Items != nil && len(p.Schema.Items.Props) > 0:
			schemaPaths(p.Schema.Items, path+"[1]", depth+1, out)
		case p.Schema != nil && len(p.Schema.Props) > 0:
			schemaPaths(p.Schema, path, depth+1, out)
		}
	}
}

// For every resource the keyed planner imports, and each of its match
// keys: a record of its schema, every field filled, projected to the index
// of a mapping that targets every field gives the entry the whole record
// gives.
func TestEntryPartEveryKeyedResource(t *testing.T) {
	var defs []*erp.ResourceDef
	for _, name := range erp.Resources() {
		def, _ := erp.Resource(name)
		defs = append(defs, def)
		subs := make([]string, 0, len(def.Sub))
		for k := range def.Sub {
			subs = append(subs, k)
		}
		sort.Strings(subs)
		for _, k := range subs {
			defs = append(defs, def.Sub[k])
		}
	}
	n := 0
	for _, def := range defs {
		if def.Import == nil || def.Import.Planner != erp.PlannerKeyed {
			continue
		}
		rec, err := schemaNamed(def.Schema)
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		schemaPaths(rec, "", 0, &paths)
		raw, err := json.Marshal(schemaDoc(rec, 0))
		if err != nil {
			t.Fatal(err)
		}
		matches := slices.Clone(def.Import.MatchBy)
		if def.Parent != nil {
			var keys []string
			for _, k := range def.KeyParams() {
				keys = append(keys, k.Field)
			}
			if len(keys) > 0 { // a singleton has no key (erp_keyed_singleton.go)
				matches = append(matches, strings.Join(keys, "+"))
			}
		}
		for _, match := range matches {
			if nk, err := def.MatchKey(match); err == nil {
				match = nk.Field
			}
			for _, shape := range []*docShape{nil, newDocShape(paths), newDocShape([]string{match})} {
				part := entryPart(def, match, shape)
				whole := entryOf(t, raw, nil, def, match, shape)
				if whole == "none" {
					t.Errorf("%s by %s: the test's record makes no entry", def.Name, match)
				}
				if proj := entryOf(t, raw, part, def, match, shape); proj != whole {
					t.Errorf("%s by %s: projected %s\nwhole %s", def.Name, match, proj, whole)
				}
				n++
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d resources and keys checked", n)
	}
}

// The index the keyed planner loads through the emulator decodes its pages
// projected (the records lack what the mapping does not name) and holds
// the entries a whole decode makes, for top-level resources, their
// parents' index and sub-resources.
func TestLoadDocIndexProjected(t *testing.T) {
	ctx := context.Background()
	e := newERPEnv(t, descSeed())
	for _, c := range []struct {
		resource, match string
		tg              []string
	}{
		{"items", "", []string{"SKU:string", "Name:string", "Categories[1].CategoryId:int", "ItemPriceData.SalesPriceNet:decimal", "ItemPriceData.PurchasePriceNet:decimal"}},
		{"items", "GTIN", []string{"Identifiers.Gtin:string", "Name:string"}},
		{"customers", "", []string{"Number:string", "BillingAddress.City:string", "CustomerGroupId:int"}},
		{"categories", "", []string{"Name:string", "ParentCategoryId:int"}},
		{"customerGroups", "", []string{"Name:string"}},
		{"items/descriptions", "", []string{"Item.SKU:string", "SalesChannelId:string", "LanguageIso:string", "Name:string", "ShortDescription:string"}},
	} {
		s := e.open(pipeline.SinkSpec{Resource: c.resource, MatchBy: c.match, Operation: "upsert"}, erpTargets(c.tg...))
		d := s.res.(*keyedSink)
		type load struct {
			def   *erp.ResourceDef
			path  string
			match string
			shape *docShape
		}
		var loads []load
		if d.def.Parent == nil {
			loads = append(loads, load{d.def, d.def.ListPath, d.match, d.shape})
		} else {
			loads = append(loads, load{d.parent.def, d.parent.def.ListPath, d.parent.field, nil})
			u, err := erp.FillPath(d.def.ListPath, map[string]string{d.def.Parent.Param: "1"})
			if err != nil {
				t.Fatal(err)
			}
			loads = append(loads, load{d.def, u, d.match, d.shape})
		}
		for _, l := range loads {
			var whole, proj []string
			var wholeKeys, projKeys int
			for _, part := range []*jsondoc.Node{nil, entryPart(l.def, l.match, l.shape)} {
				for rec, err := range e.c.List(ctx, l.path, nil, erp.PageOptions{Part: part}) {
					if err != nil {
						t.Fatal(err)
					}
					s := "none"
					if en, k, ok := newDocEntry(rec, l.def, l.match, l.shape); ok {
						s = fmt.Sprintf("id %d key %q vals %q", en.id, k, en.vals)
					}
					if part == nil {
						whole, wholeKeys = append(whole, s), wholeKeys+len(rec)
					} else {
						proj, projKeys = append(proj, s), projKeys+len(rec)
					}
				}
			}
			if len(whole) == 0 || !reflect.DeepEqual(proj, whole) {
				t.Errorf("%s by %s (%s): projected %q\nwhole %q", c.resource, l.match, l.path, proj, whole)
			}
			if projKeys >= wholeKeys {
				t.Errorf("%s by %s (%s): the projected records have %d keys, the whole ones %d", c.resource, l.match, l.path, projKeys, wholeKeys)
			}
		}
		// and loadDocIndex itself finds every record by its key
		if d.def.Parent == nil {
			m, err := loadDocIndex(ctx, e.c, d.def, nil, d.match, d.shape)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.one)+len(m.many) == 0 {
				t.Errorf("%s: empty index", c.resource)
			}
			m.close()
		}
	}
}

// BenchmarkIndexDecode decodes the item pages of a generated Wawi and
// makes the price import's index entries, with the records decoded whole
// (as before PageOptions.Part) and to the index's part.
func BenchmarkIndexDecode(b *testing.B) {
	e, _, s, _ := priceSinkForBench(b, erptest.Generate(erptest.GenConfig{Items: 2000, Seed: 4}))
	d := s.res.(*keyedSink)
	var recs [][]byte
	for p, err := range e.c.Pages(context.Background(), d.def.ListPath, nil, erp.PageOptions{}) {
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range p.Items {
			recs = append(recs, r)
		}
	}
	for _, c := range []struct {
		name string
		part *jsondoc.Node
	}{{"whole", nil}, {"part", entryPart(d.def, d.match, d.shape)}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, raw := range recs {
					rec, err := jsondoc.ParsePartCopy(raw, c.part)
					if err != nil {
						b.Fatal(err)
					}
					if _, _, ok := newDocEntry(rec, d.def, d.match, d.shape); !ok {
						b.Fatal("no entry")
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/record")
		})
	}
}

// BenchmarkKeyedDiff compares the planned document of a price update with
// the index's projection of the item (every price changed), as the
// planning pass does for each record.
func BenchmarkKeyedDiff(b *testing.B) {
	_, tg, s, _ := priceSinkForBench(b, baseSeed())
	d := s.res.(*keyedSink)
	cur := d.shape.project(map[string]any{"SKU": "ACME-100001", "ItemPriceData": map[string]any{"PurchasePriceNet": json.Number("12.34"), "SalesPriceNet": json.Number("18.51")}})
	it := erpItem(tg, 2, []any{"ACME-100001", erpDec("12.71"), erpDec("19.06")})
	vals, err := coerceAll(it, d.targets, d.kinds)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		doc := mappings.Nest(d.body, vals)
		if ch, _ := d.diff(doc, cur, it); len(ch) != 2 {
			b.Fatal(ch)
		}
	}
}

// BenchmarkKeyedPlan plans price updates against the loaded index (in
// memory), as the planning pass does once the index is there.
func BenchmarkKeyedPlan(b *testing.B) { benchKeyedPlan(b) }

// priceSinkForBench is an items sink updating prices by SKU against an
// emulator holding seed, for the benchmarks of the plan path; the emulator
// stops and the sink closes when b ends.
func priceSinkForBench(b *testing.B, seed *erptest.Seed) (*erpEnv, []mappings.Target, *ERPSink, []*pipeline.Item) {
	b.Helper()
	e := newERPEnvWith(&testing.T{}, seed, erpEnvOpts{validate: false})
	b.Cleanup(e.srv.Close)
	tg := erpTargets("SKU:string", "ItemPriceData.PurchasePriceNet:decimal", "ItemPriceData.SalesPriceNet:decimal")
	s, err := e.openErr(pipeline.SinkSpec{Resource: "items", Operation: "update", Lookup: "index"}, tg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(context.Background(), false) })
	items := make([]*pipeline.Item, len(seed.Items))
	for i, it := range seed.Items {
		items[i] = erpItem(tg, i+2, []any{it.SKU, it.ItemPriceData.PurchasePriceNet.Add(erpDec("0.01")), it.ItemPriceData.SalesPriceNet.Decimal.Add(erpDec("0.01"))})
	}
	return e, tg, s, items
}

// benchKeyedPlan plans price updates of every item of a generated Wawi, the
// index loaded by the first.
func benchKeyedPlan(b *testing.B) {
	_, _, s, items := priceSinkForBench(b, erptest.Generate(erptest.GenConfig{Items: 2000, Seed: 4}))
	if _, err := s.Plan(context.Background(), items[0]); err != nil { // loads the index
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		p, err := s.Plan(context.Background(), items[i%len(items)])
		if err != nil || p.Outcome != pipeline.Updated {
			b.Fatal(p, err)
		}
	}
}

// diffDecimal decides and reports as sameValue and oldValue do on the
// unpacked value, whatever the index kept.
func TestDiffDecimalAsOtherLeaves(t *testing.T) {
	d := &keyedSink{shape: newDocShape([]string{"P"})}
	nv := erpDec("10.00")
	for _, v := range []any{json.Number("10"), json.Number("10.001"), json.Number("1e1"), json.Number("x"), "10", "ten", nil, true, []any{"a"}} {
		cur := d.shape.project(map[string]any{"P": v})
		old, _ := d.shape.current(cur, "P")
		ch, same := d.diffDecimal(cur, "P", nv, mappings.Decimal)
		if want := sameValue(old, nv, mappings.Decimal); same != want {
			t.Errorf("%#v: same %v, want %v", v, same, want)
		}
		if want := oldValue(old, nv); !reflect.DeepEqual(ch.Old, want) || ch.Field != "P" || ch.New != nv {
			t.Errorf("%#v: change %#v, want Old %#v", v, ch, want)
		}
	}
	missing := d.shape.project(map[string]any{})
	if ch, same := d.diffDecimal(missing, "P", nv, mappings.Decimal); same || ch.Old != nil {
		t.Errorf("no current value: %#v same %v", ch, same)
	}
}
