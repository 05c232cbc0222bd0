package sinks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

func fieldSeed() *erptest.Seed {
	seed := baseSeed()
	seed.ItemCustomFields = []erptest.CustomField{
		{CustomFieldId: 1, GroupName: "Technik", Name: "Gewicht", Type: erptest.FieldDecimal},
		{CustomFieldId: 2, GroupName: "Technik", Name: "Stück", Type: erptest.FieldInteger},
		{CustomFieldId: 3, GroupName: "Shop", Name: "Topseller", Type: erptest.FieldCheckbox},
		{CustomFieldId: 4, GroupName: "Shop", Name: "Erscheinungsdatum", Type: erptest.FieldDate},
		{CustomFieldId: 5, GroupName: "Shop", Name: "Notiz", Type: erptest.FieldText},
		{CustomFieldId: 6, GroupName: "Shop", Name: "Größe", Type: erptest.FieldList, PossibleValues: []string{"S", "M", "L"}},
	}
	seed.CustomFieldValues = []erptest.ItemCustomFieldValue{{ItemId: 1, CustomFieldId: 1, Value: json.Number("12.50")}}
	return seed
}

func openFields(t *testing.T, s *ERPSink, tg []mappings.Target) productPart {
	t.Helper()
	var idx []int
	var canon []string
	for i, x := range tg {
		if strings.HasPrefix(x.Path, "CustomFields.") {
			idx, canon = append(idx, i), append(canon, x.Path)
		}
	}
	p, err := openCustomFieldsPart(s, idx, canon)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var fieldTargets = targets("SKU:string", "CustomFields.Gewicht:string:Gewicht kg", "CustomFields.Stück:string:VE",
	"CustomFields.Topseller:string:Top", "CustomFields.Erscheinungsdatum:string:Datum", "CustomFields.Notiz:string:Notiz",
	"CustomFields.größe:string:Größe")

func TestCustomFieldsPart(t *testing.T) {
	e := newERPEnv(t, fieldSeed())
	ctx := context.Background()
	part := openFields(t, e.partSink(pipeline.SinkSpec{}), fieldTargets)
	it := erpItem(fieldTargets, 2, []any{"A-1", "12,5", "3", "ja", "01.05.2024", "Hallo <b>Welt</b>", "m"})
	pl, err := part.plan(ctx, it, productItem{ID: 1, Key: "A-1"})
	if err != nil {
		t.Fatal(err)
	}
	// 12,5 is the 12.50 the item has: no change
	want := "[{Eigenes Feld Stück <nil> 3} {Eigenes Feld Topseller <nil> ja} {Eigenes Feld Erscheinungsdatum <nil> 01.05.2024} {Eigenes Feld Notiz <nil> Hallo <b>Welt</b>} {Eigenes Feld Größe <nil> M}]"
	if got := fmt.Sprint(pl.changes()); got != want {
		t.Errorf("changes %s\nwant    %s", got, want)
	}
	if e.writes() != 0 {
		t.Fatal("planning wrote")
	}
	if err := pl.apply(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if n := len(e.rec.sent("PATCH", "/items/1/customfields/")); n != 5 {
		t.Errorf("%d PATCHes", n)
	}
	got, _ := json.Marshal(e.srv.ItemCustomFieldValues(1))
	if want := `[{"CustomFieldId":1,"Value":12.50},{"CustomFieldId":2,"Value":3},{"CustomFieldId":3,"Value":true},{"CustomFieldId":4,"Value":"2024-05-01T00:00:00"},{"CustomFieldId":5,"Value":"Hallo \u003cb\u003eWelt\u003c/b\u003e"},{"CustomFieldId":6,"Value":"M"}]`; string(got) != want {
		t.Errorf("values %s\nwant   %s", got, want)
	}
	// the same values written otherwise (ISO date, 1, 3.0) change nothing
	writes := e.writes()
	it = erpItem(fieldTargets, 2, []any{"A-1", decimal.RequireFromString("12.5"), "3", "1", "2024-05-01", "Hallo <b>Welt</b>", "M"})
	pl, err = openFields(t, e.partSink(pipeline.SinkSpec{}), fieldTargets).plan(ctx, it, productItem{ID: 1})
	if err != nil || len(pl.changes()) != 0 || e.writes() != writes {
		t.Errorf("rerun: %v %v", pl.changes(), err)
	}
	// a change shows the old value as a file would write it
	it = erpItem(fieldTargets, 2, []any{"A-1", "", "", "nein", "2.5.2024", "", ""})
	pl, err = part.plan(ctx, it, productItem{ID: 1})
	if want := "[{Eigenes Feld Topseller ja nein} {Eigenes Feld Erscheinungsdatum 01.05.2024 02.05.2024}]"; err != nil || fmt.Sprint(pl.changes()) != want {
		t.Errorf("changes %v %v", pl.changes(), err)
	}
	// a record that names none, and a new item
	if pl, err := part.plan(ctx, erpItem(fieldTargets, 3, []any{"A-2", "", nil, "", "", "", ""}), productItem{ID: 2}); pl != nil || err != nil {
		t.Errorf("empty: %v %v", pl, err)
	}
	pl, err = part.plan(ctx, erpItem(fieldTargets, 4, []any{"NEU", "0,75", nil, "nein", "", "", ""}), productItem{Key: "NEU"})
	if err != nil || fmt.Sprint(pl.changes()) != "[{Eigenes Feld Gewicht <nil> 0.75} {Eigenes Feld Topseller <nil> nein}]" {
		t.Errorf("new item: %v %v", pl, err)
	}
}

// A value that does not fit its field's type fails the record before
// anything is written, naming the field, the column and the type.
func TestCustomFieldsPartTypes(t *testing.T) {
	e := newERPEnv(t, fieldSeed())
	ctx := context.Background()
	s := e.partSink(pipeline.SinkSpec{})
	part := openFields(t, s, fieldTargets)
	for _, c := range []struct {
		pos           int
		value, column string
		want          string
	}{
		{1, "zwölf", "Gewicht kg", `custom field "Gewicht": "zwölf" is not a number`},
		{1, "1.2.3", "Gewicht kg", `is not a number`},
		{2, "3,5", "VE", `custom field "Stück": "3,5" is not a whole number`},
		{3, "vielleicht", "Top", `"vielleicht" is not ja or nein`},
		{4, "31.02.2024", "Datum", `"31.02.2024" is not a date (dd.mm.yyyy or yyyy-mm-dd)`},
		{6, "XXL", "Größe", `"XXL" is not one of S, M, L`},
	} {
		vals := []any{"A-2", "", "", "", "", "ok", ""} // Notiz is valid: still not written
		vals[c.pos] = c.value
		_, err := part.plan(ctx, erpItem(fieldTargets, 2, vals), productItem{ID: 2})
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Column != c.column || fe.Field != fieldTargets[c.pos].Path || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v", c.value, err)
		}
	}
	tg := targets("SKU:string", "CustomFields.Farbe:string:Farbe")
	_, err := openFields(t, s, tg).plan(ctx, erpItem(tg, 2, []any{"A-2", "rot"}), productItem{ID: 2})
	if err == nil || !strings.Contains(err.Error(), `the Wawi has no item custom field "Farbe" (it has Gewicht, Stück, Topseller, Erscheinungsdatum, Notiz, Größe)`) {
		t.Errorf("unknown field: %v", err)
	}
	if e.writes() != 0 {
		t.Errorf("%d writes", e.writes())
	}
	if n := e.srv.Counters().Route("GET /items/customfields"); n != 1 {
		t.Errorf("definitions read %d times", n)
	}
}
