package sinks

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/pipeline"
)

// Custom fields (Eigene Felder) of a product: a target CustomFields.<Name>
// sets the item's field of that name (GET /items/customfields, read once
// per run). Every value is checked against its field's type before
// anything is written: integer and decimal (exact, "12,5" or "12.5"),
// checkbox (ja/nein, true/false, 1/0, yes/no, wahr/falsch), date
// (dd.mm.yyyy or ISO yyyy-mm-dd), list (one of its possible values), text
// for the rest. A value that does not fit fails the record naming the
// field, the column and the type expected. An empty cell changes nothing;
// a value equal to the item's writes nothing.

const pathItemCustomField = "/items/{itemId}/customfields/{customfieldId}"

func init() {
	registerProductPart(partFactory{claims: prefixClaims("CustomFields."), open: openCustomFieldsPart, order: 50})
}

type customFieldsPart struct {
	s     *ERPSink
	idx   []int
	names []string
}

func openCustomFieldsPart(s *ERPSink, idx []int, canon []string) (productPart, error) {
	p := &customFieldsPart{s: s, idx: idx}
	var bad pipeline.TargetErrors
	for _, c := range canon {
		name := partName(c, "CustomFields.")
		if name == "" {
			bad = append(bad, pipeline.TargetError{Target: c, Msg: "name a custom field as CustomFields.<Name>, e.g. CustomFields.Garantie"})
		}
		p.names = append(p.names, name)
	}
	if len(bad) > 0 {
		return nil, bad
	}
	return p, nil
}

func (p *customFieldsPart) label() string { return "Eigene Felder" }

type fieldWrite struct {
	field erp.CustomField
	value any // as sent: string, json.Number, bool
	text  string
}

type customFieldsPlan struct {
	part   *customFieldsPart
	rows   []pipeline.Change
	writes []fieldWrite
}

func (p *customFieldsPart) plan(ctx context.Context, it *pipeline.Item, item productItem) (partPlan, error) {
	defs, err := p.s.lookups.ItemCustomFields(ctx)
	if err != nil {
		return nil, err
	}
	var wants []fieldWrite
	for i, name := range p.names {
		v := it.Values[p.idx[i]]
		if s, ok := v.(string); v == nil || ok && strings.TrimSpace(s) == "" {
			continue
		}
		var target, column string
		if p.idx[i] < len(it.Targets) {
			target, column = it.Targets[p.idx[i]].Path, it.Targets[p.idx[i]].Column
		}
		f, ok := findField(defs, name)
		if !ok {
			names := make([]string, len(defs))
			for i, d := range defs {
				names[i] = d.Name
			}
			return nil, &FieldError{Field: target, Column: column, Err: fmt.Errorf("the Wawi has no item custom field %q (it has %s)", name, knownList(names))}
		}
		val, text, err := fieldValue(f, v)
		if err != nil {
			return nil, &FieldError{Field: target, Column: column, Err: fmt.Errorf("custom field %q: %v", f.Name, err)}
		}
		wants = append(wants, fieldWrite{field: f, value: val, text: text})
	}
	if len(wants) == 0 {
		return nil, nil
	}
	current := map[int64]any{}
	if item.ID != 0 {
		var list []struct {
			CustomFieldId int64
			Value         any
		}
		if err := p.s.c.Get(ctx, fillItemPath("/items/{itemId}/customfields", item.ID, "", 0), nil, &list); err != nil {
			return nil, err
		}
		for _, v := range list {
			current[v.CustomFieldId] = v.Value
		}
	}
	pl := &customFieldsPlan{part: p}
	for _, w := range wants {
		old, has := current[w.field.ID]
		if has && sameFieldValue(w.field, old, w.text) {
			continue
		}
		var oldV any
		if has && old != nil {
			oldV = fmt.Sprint(old)
			if _, text, err := fieldValue(w.field, old); err == nil {
				oldV = text // as the file would write it: ja, 01.05.2024
			}
		}
		pl.writes = append(pl.writes, w)
		pl.rows = append(pl.rows, pipeline.Change{Field: "Eigenes Feld " + w.field.Name, Old: oldV, New: w.text})
	}
	return pl, nil
}

func (pl *customFieldsPlan) changes() []pipeline.Change { return pl.rows }

// apply sets each field with PATCH, which is idempotent: repeating one
// whose answer was lost sets the same value.
func (pl *customFieldsPlan) apply(ctx context.Context, itemID int64) error {
	for _, w := range pl.writes {
		path := fillItemPath(pathItemCustomField, itemID, "customfieldId", w.field.ID)
		if err := pl.part.s.c.Patch(ctx, path, nil, map[string]any{"Value": w.value}, nil); err != nil {
			return fmt.Errorf("custom field %s: %w", w.field.Name, err)
		}
	}
	return nil
}

func findField(defs []erp.CustomField, name string) (erp.CustomField, bool) {
	var fold []erp.CustomField
	for _, d := range defs {
		if d.Name == name {
			return d, true
		}
		if strings.EqualFold(strings.TrimSpace(d.Name), name) {
			fold = append(fold, d)
		}
	}
	if len(fold) == 1 {
		return fold[0], true
	}
	return erp.CustomField{}, false
}

// fieldTypeNames say what a field of each type takes, for messages.
var fieldTypeNames = map[int]string{
	erp.CustomFieldInteger: "a whole number", erp.CustomFieldDecimal: "a number", erp.CustomFieldPrice: "an amount",
	erp.CustomFieldCheckbox: "ja or nein (true/false, 1/0)", erp.CustomFieldDate: "a date (dd.mm.yyyy or yyyy-mm-dd)",
}

// fieldValue checks a mapped value against the field's type and returns it
// as sent (JSON) and as text for the diff.
func fieldValue(f erp.CustomField, v any) (any, string, error) {
	text := strings.TrimSpace(valueText(v))
	bad := func() (any, string, error) {
		want := fieldTypeNames[f.Type]
		if f.Type == erp.CustomFieldList {
			want = "one of " + knownList(f.PossibleValues)
		}
		return nil, "", fmt.Errorf("%q is not %s", text, want)
	}
	switch f.Type {
	case erp.CustomFieldInteger, erp.CustomFieldDecimal, erp.CustomFieldPrice:
		d, ok := fieldDecimal(v)
		if !ok || f.Type == erp.CustomFieldInteger && !d.IsInteger() {
			return bad()
		}
		return json.Number(d.String()), d.String(), nil
	case erp.CustomFieldCheckbox:
		b, ok := fieldBool(v)
		if !ok {
			return bad()
		}
		if b {
			return true, "ja", nil
		}
		return false, "nein", nil
	case erp.CustomFieldDate:
		t, ok := fieldDate(v)
		if !ok {
			return bad()
		}
		return t.Format("2006-01-02T15:04:05"), t.Format("02.01.2006"), nil
	case erp.CustomFieldList:
		for _, pv := range f.PossibleValues {
			if pv == text {
				return pv, pv, nil
			}
		}
		for _, pv := range f.PossibleValues {
			if strings.EqualFold(pv, text) {
				return pv, pv, nil
			}
		}
		return bad()
	}
	return text, text, nil
}

// fieldDecimal reads an exact number: a decimal, an integer, or text with
// a decimal point or comma (1.234,56 and 1,234.56: the last separator is
// the decimal one).
func fieldDecimal(v any) (decimal.Decimal, bool) {
	switch x := v.(type) {
	case decimal.Decimal:
		return x, true
	case int64:
		return decimal.NewFromInt(x), true
	case int:
		return decimal.NewFromInt(int64(x)), true
	case json.Number:
		d, err := decimal.NewFromString(string(x))
		return d, err == nil
	case string:
		s := strings.ReplaceAll(strings.TrimSpace(x), " ", "")
		if i, j := strings.LastIndex(s, ","), strings.LastIndex(s, "."); i > j {
			s = strings.ReplaceAll(s, ".", "")
			s = strings.Replace(s, ",", ".", 1)
		} else if j > i && i >= 0 {
			s = strings.ReplaceAll(s, ",", "")
		}
		if strings.Count(s, ".") > 1 {
			return decimal.Decimal{}, false
		}
		d, err := decimal.NewFromString(s)
		return d, err == nil && s != ""
	}
	return decimal.Decimal{}, false
}

func fieldBool(v any) (bool, bool) {
	if b, ok := v.(bool); ok {
		return b, true
	}
	switch strings.ToLower(strings.TrimSpace(valueText(v))) {
	case "ja", "j", "true", "1", "yes", "y", "wahr", "x":
		return true, true
	case "nein", "n", "false", "0", "no", "falsch":
		return false, true
	}
	return false, false
}

// fieldDate reads dd.mm.yyyy (d.m.yyyy too), yyyy-mm-dd or an ISO date
// and time; a time is dropped.
func fieldDate(v any) (time.Time, bool) {
	if t, ok := v.(time.Time); ok {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
	}
	s := strings.TrimSpace(valueText(v))
	for _, layout := range []string{"02.01.2006", "2.1.2006", "2006-01-02", time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
		}
	}
	return time.Time{}, false
}

// sameFieldValue compares the item's value with the one to write (text as
// fieldValue makes it), by the field's type.
func sameFieldValue(f erp.CustomField, old any, text string) bool {
	if old == nil {
		return false
	}
	_, oldText, err := fieldValue(f, old)
	if err != nil {
		return false
	}
	if f.Type == erp.CustomFieldInteger || f.Type == erp.CustomFieldDecimal || f.Type == erp.CustomFieldPrice {
		a, _ := decimal.NewFromString(oldText)
		b, _ := decimal.NewFromString(text)
		return a.Equal(b)
	}
	return oldText == text
}
