package mappings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/shopspring/decimal"
	"github.com/wawi-etl/etl/record"
)

// decodeSpec reads a mapping block the way the pipeline does: strict goccy.
func decodeSpec(t testing.TB, src string) *Spec {
	t.Helper()
	var doc struct {
		Mapping Spec `yaml:"mapping"`
	}
	if err := yaml.UnmarshalWithOptions([]byte(src), &doc, yaml.Strict()); err != nil {
		t.Fatal(yaml.FormatError(err, false, true))
	}
	return &doc.Mapping
}

func mustCompile(t *testing.T, src string, h *record.Header, opts Options) *Mapper {
	t.Helper()
	m, err := Compile(decodeSpec(t, src), h, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func row(h *record.Header, n int, fields ...string) *record.Record {
	return &record.Record{Row: n, Header: h, Fields: fields}
}

func apply(t *testing.T, m *Mapper, rec *record.Record) Result {
	t.Helper()
	res, err := m.Apply(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func errStrings(errs []*FieldError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// sameValue compares mapped values exactly: decimals by value and text.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case decimal.Decimal:
		b, ok := b.(decimal.Decimal)
		return ok && a.Equal(b) && a.String() == b.String()
	case time.Time:
		b, ok := b.(time.Time)
		return ok && a.Equal(b) && a.Location() == b.Location()
	}
	return reflect.DeepEqual(a, b)
}

func checkValues(t *testing.T, got, want []any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d values %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		if !sameValue(got[i], want[i]) {
			t.Errorf("value %d = %#v (%T), want %#v (%T)", i, got[i], got[i], want[i], want[i])
		}
	}
}

func TestPassthrough(t *testing.T) {
	h := record.NewHeader([]string{"SKU", "Name", "Preis"})
	m, err := Compile(&Spec{}, h, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Target{{Path: "SKU", Type: String, Column: "SKU"}, {Path: "Name", Type: String, Column: "Name"}, {Path: "Preis", Type: String, Column: "Preis"}}
	if !reflect.DeepEqual(m.Targets(), want) {
		t.Errorf("targets %+v", m.Targets())
	}
	res := apply(t, m, row(h, 2, "A-1", "", "1,50"))
	checkValues(t, res.Values, []any{"A-1", nil, "1,50"})
	// short rows read missing cells as empty
	res = apply(t, m, row(h, 3, "A-2"))
	checkValues(t, res.Values, []any{"A-2", nil, nil})

	if _, err := Compile(&Spec{}, nil, Options{}); err == nil || !strings.Contains(err.Error(), "mapping.fields: a document source needs fields") {
		t.Errorf("document passthrough: %v", err)
	}
}

func TestTypes(t *testing.T) {
	h := record.NewHeader([]string{"SKU", "Preis", "Menge", "Aktiv", "Datum", "Zeit", "Tags", "Gewicht", "EK"})
	m := mustCompile(t, `
mapping:
  decimal: comma
  fields:
    - {target: SKU, column: SKU}
    - {target: Price, column: Preis, type: decimal}
    - {target: Qty, column: Menge, type: int}
    - {target: Active, column: Aktiv, type: bool}
    - {target: Date, column: Datum, type: date, format: dd.mm.yyyy}
    - {target: At, column: Zeit, type: datetime}
    - {target: Tags, column: Tags, type: list, transforms: [{split: ","}, trim]}
    - {target: Weight, column: Gewicht, type: decimal, decimal: point}
    - {target: Cost, column: EK, type: decimal, transforms: [{multiply: "1.19"}, {round: 2}]}
`, h, Options{})
	wantTargets := []Target{
		{Path: "SKU", Type: String, Column: "SKU"}, {Path: "Price", Type: Decimal, Column: "Preis"}, {Path: "Qty", Type: Int, Column: "Menge"}, {Path: "Active", Type: Bool, Column: "Aktiv"},
		{Path: "Date", Type: Date, Column: "Datum"}, {Path: "At", Type: DateTime, Column: "Zeit"}, {Path: "Tags", Type: List, Column: "Tags"}, {Path: "Weight", Type: Decimal, Column: "Gewicht"}, {Path: "Cost", Type: Decimal, Column: "EK"},
	}
	if !reflect.DeepEqual(m.Targets(), wantTargets) {
		t.Errorf("targets %+v", m.Targets())
	}
	res := apply(t, m, row(h, 2, "A-1", "1.234,50 €", "1.000", "ja", "5.3.2024", "2024-03-05T10:00:00+01:00", " rot, blau ,, grün", "1,234.5", "10,00"))
	if len(res.Errs) > 0 {
		t.Fatal(errStrings(res.Errs))
	}
	checkValues(t, res.Values, []any{
		"A-1", dec("1234.50"), int64(1000), true,
		time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 3, 5, 10, 0, 0, 0, time.FixedZone("", 3600)).In(res.Values[5].(time.Time).Location()),
		[]string{"rot", "blau", "grün"}, dec("1234.5"), dec("11.90"),
	})
	if d := res.Values[8].(decimal.Decimal); d.StringFixed(-d.Exponent()) != "11.90" {
		t.Errorf("Cost keeps scale: %s exp %d", d, d.Exponent())
	}

	// every field empty: all nil, no errors
	res = apply(t, m, row(h, 3, "", "", " ", "", "", "", ",,", "", ""))
	if len(res.Errs) > 0 {
		t.Fatal(errStrings(res.Errs))
	}
	checkValues(t, res.Values, make([]any, 9))

	// every field wrong: one error each, all collected
	res = apply(t, m, row(h, 4, "x", "1.5", "1,5", "vielleicht", "2024-03-05", "morgen", "", "1,5", "abc"))
	want := []string{
		`Price (column "Preis"): value "1.5": "." must separate groups of 3 digits (decimal separator: ",")`,
		`Qty (column "Menge"): value "1,5": not a whole number`,
		`Active (column "Aktiv"): value "vielleicht": ` + boolHelp,
		`Date (column "Datum"): value "2024-03-05": does not match format "dd.mm.yyyy"`,
		`At (column "Zeit"): value "morgen": ` + errNotDate.Error(),
		`Weight (column "Gewicht"): value "1,5": "," must separate groups of 3 digits (decimal separator: ".")`,
		`Cost (column "EK"): value "abc": not a number: unexpected 'a'`,
	}
	if got := errStrings(res.Errs); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestIntWithRoundMultiply(t *testing.T) {
	h := record.NewHeader([]string{"Preis"})
	m := mustCompile(t, `
mapping:
  fields:
    - {target: Cents, column: Preis, type: int, decimal: comma, transforms: [{multiply: 100}]}
    - {target: Rounded, column: Preis, type: int, decimal: comma, transforms: [{round: 0}]}
`, h, Options{})
	res := apply(t, m, row(h, 2, "12,34"))
	checkValues(t, res.Values, []any{int64(1234), int64(12)})
	res = apply(t, m, row(h, 2, "12,345"))
	if got := errStrings(res.Errs); len(got) != 1 || !strings.Contains(got[0], "1234.5 is not a whole number after round/multiply") {
		t.Errorf("errors %q", got)
	}
	checkValues(t, res.Values, []any{nil, int64(12)})
}

func TestRoundHalfAwayFromZero(t *testing.T) {
	h := record.NewHeader([]string{"v"})
	m := mustCompile(t, `
mapping:
  decimal: point
  fields:
    - {target: r2, column: v, type: decimal, transforms: [{round: 2}]}
    - {target: r0, column: v, type: decimal, transforms: [{round: 0}]}
`, h, Options{})
	for in, want := range map[string][2]string{
		"2.345": {"2.35", "2"}, "-2.345": {"-2.35", "-2"}, "2.5": {"2.5", "3"}, "-2.5": {"-2.5", "-3"}, "0.005": {"0.01", "0"},
	} {
		res := apply(t, m, row(h, 1, in))
		checkValues(t, res.Values, []any{dec(want[0]).Round(2), dec(want[1])})
	}
}

func TestRequiredAndRules(t *testing.T) {
	h := record.NewHeader([]string{"SKU", "Name", "Preis", "Land", "Datum", "Menge"})
	m := mustCompile(t, `
mapping:
  fields:
    - target: SKU
      column: SKU
      required: true
      transforms: [trim]
      validate: {pattern: '^[A-Z]+-\d+$', max_length: 6}
    - {target: Name, column: Name, validate: {max_length: 5}}
    - {target: Price, column: Preis, type: decimal, decimal: comma, validate: {min: "0", max: "1000.5"}}
    - {target: Country, column: Land, validate: {one_of: [DE, AT, CH]}}
    - {target: Date, column: Datum, type: date, format: dd.mm.yyyy, validate: {min: 01.01.2020, max: "2030-12-31"}}
    - {target: Qty, column: Menge, type: int, validate: {one_of: ["1", "2", "3"], min: "1"}}
`, h, Options{})
	res := apply(t, m, row(h, 2, " AB-12 ", "Äpfel", "1.000,50", "AT", "31.12.2030", "3"))
	if len(res.Errs) > 0 {
		t.Fatal(errStrings(res.Errs))
	}
	res = apply(t, m, row(h, 3, "   ", "", "", "", "", ""))
	if got := errStrings(res.Errs); !reflect.DeepEqual(got, []string{`SKU (column "SKU"): value "   ": required, but empty`}) {
		t.Errorf("empty: %q", got)
	}
	res = apply(t, m, row(h, 4, "abcdefg", "Äpfelsaft", "-0,01", "FR", "31.12.2019", "0"))
	want := []string{
		`SKU (column "SKU"): value "abcdefg": does not match pattern "^[A-Z]+-\\d+$"`,
		`SKU (column "SKU"): value "abcdefg": is 7 characters long, more than max_length 6`,
		`Name (column "Name"): value "Äpfelsaft": is 9 characters long, more than max_length 5`,
		`Price (column "Preis"): value "-0,01": is below the minimum 0`,
		`Country (column "Land"): value "FR": is not one of: DE, AT, CH`,
		`Date (column "Datum"): value "31.12.2019": is below the minimum 01.01.2020`,
		`Qty (column "Menge"): value "0": is below the minimum 1`,
		`Qty (column "Menge"): value "0": is not one of: 1, 2, 3`,
	}
	if got := errStrings(res.Errs); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	res = apply(t, m, row(h, 5, "AB-1", "", "1.000,51", "", "01.01.2031", ""))
	want = []string{
		`Price (column "Preis"): value "1.000,51": is above the maximum 1000.5`,
		`Date (column "Datum"): value "01.01.2031": is above the maximum 2030-12-31`,
	}
	if got := errStrings(res.Errs); !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestFieldErrorFormat(t *testing.T) {
	for _, tt := range []struct {
		e    FieldError
		want string
	}{
		{FieldError{"SKU", "Artikelnummer", "x", "bad"}, `SKU (column "Artikelnummer"): value "x": bad`},
		{FieldError{"SKU", "", "x", "bad"}, `SKU: value "x": bad`},
		{FieldError{"SKU", "Artikelnummer", "", "required, but empty"}, `SKU (column "Artikelnummer"): required, but empty`},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	h := record.NewHeader([]string{"SKU", "Name", "Preis", "artikelnummer "})
	spec := decodeSpec(t, `
mapping:
  decimal: komma
  date_format: dd.mm
  when: Preis > 3
  lookups:
    broken: {values: {a: b}, erp: categories}
    cats: {erp: categories}
  fields:
    - {target: SKU, column: Artikelnummer}
    - {target: Name, column: Name, value: x}
    - {target: "", expr: "Nope + 1"}
    - {target: Price, column: Preis, type: money, decimal: dot}
    - {target: Price, column: Preis, transforms: [trimm, {replace: [a]}, {round: 2}]}
    - {target: Tags, column: Name, type: string, transforms: [{split: ","}]}
    - {target: List, column: Name, type: list}
    - {target: D, column: Name, format: dd.mm.yyyy}
    - {target: E, column: Name, type: date, format: dd.mm.yyy}
    - {target: F, column: Name, lookup: countries}
    - {target: G, column: Name, type: decimal, validate: {pattern: "(", min: abc, max_length: 3, one_of: ["x"]}}
    - {target: H, column: Name, validate: {min: "1"}}
    - {target: I, value: "abc", type: int}
    - {target: J}
`)
	_, err := Compile(spec, h, Options{})
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
	type key struct {
		Field int
		Key   string
	}
	want := []struct {
		key
		msg string
	}{
		{key{-1, "decimal"}, `decimal must be comma, point or auto, not "komma"`},
		{key{-1, "date_format"}, `format "dd.mm" must contain a year, a month and a day`},
		{key{-1, "lookups.broken"}, "a lookup needs exactly one of values, file or erp"},
		{key{-1, "lookups.cats.erp"}, `erp lookup "categories" needs an ERP connection`},
		{key{-1, "when"}, "invalid operation: > (mismatched types string and int) (1:7)"},
		{key{0, "column"}, `column "Artikelnummer" is not in the file (columns: SKU, Name, Preis, artikelnummer ); did you mean "artikelnummer "?`},
		{key{1, "value"}, "column and value are both set; use one"},
		{key{2, "target"}, "target is required"},
		{key{2, "expr"}, "unknown name Nope (1:1); the columns it can use: SKU, Name, Preis, artikelnummer "},
		{key{3, "type"}, `unknown type "money" (string, int, decimal, bool, date, datetime, list)`},
		{key{3, "decimal"}, `decimal must be comma, point or auto, not "dot"`},
		{key{4, "transforms"}, "step 1 (trimm): unknown transform (known: trim, upper, lower, replace, regex, default, round, multiply, prefix, suffix, split); did you mean \"trim\"?"},
		{key{4, "transforms"}, "step 2 (replace) takes 2 arguments: - replace: [old, new]"},
		{key{4, "transforms"}, "round and multiply apply to int and decimal fields, not string"},
		{key{4, "target"}, `target "Price" is already mapped by fields[3]`},
		{key{5, "transforms"}, "split makes a list, but the type is string; use type: list"},
		{key{6, "type"}, `type list needs a split transform, e.g. - split: ","`},
		{key{7, "format"}, "format applies to date and datetime fields, not string"},
		{key{8, "format"}, `format "dd.mm.yyy": unknown token "yyy" (tokens: yyyy yy mm dd HH MM SS T, or a Go layout like 02.01.2006)`},
		{key{9, "lookup"}, `lookup "countries" is not defined in mapping.lookups (defined: broken, cats)`},
		{key{10, "validate.pattern"}, "pattern \"(\": error parsing regexp: missing closing ): `(`"},
		{key{10, "validate.min"}, `min "abc": not a number: unexpected 'a'`},
		{key{10, "validate.one_of"}, `entry "x": not a number: unexpected 'x'`},
		{key{10, "validate.max_length"}, "max_length applies to string and list fields, not decimal"},
		{key{11, "validate.min"}, "min applies to int, decimal, date and datetime fields, not string"},
		{key{13, "column"}, "needs one of column, value or expr"},
	}
	var got []string
	for _, se := range ce.Errs {
		got = append(got, fmt.Sprintf("%d %s: %s", se.Field, se.Key, se.Msg))
	}
	var exp []string
	for _, w := range want {
		exp = append(exp, fmt.Sprintf("%d %s: %s", w.Field, w.Key, w.msg))
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(exp, "\n"))
	}
	if s := ce.Errs[5].Error(); !strings.HasPrefix(s, `mapping.fields[0].column: column "Artikelnummer" is not in the file (columns: SKU, Name, Preis`) {
		t.Errorf("SpecError text: %s", s)
	}
	if s := ce.Errs[0].Error(); s != `mapping.decimal: decimal must be comma, point or auto, not "komma"` {
		t.Errorf("SpecError text: %s", s)
	}
	if !strings.HasPrefix(err.Error(), fmt.Sprintf("%d problems in the mapping:\n  mapping.decimal:", len(want))) {
		t.Errorf("CompileError text: %s", err)
	}
	var se *SpecError
	if !errors.As(err, &se) || se.Key != "decimal" {
		t.Errorf("errors.As SpecError: %v", se)
	}
}

func TestConstantErrorsAtCompile(t *testing.T) {
	h := record.NewHeader([]string{"SKU"})
	_, err := Compile(decodeSpec(t, `
mapping:
  fields:
    - {target: A, value: "abc", type: int}
`), h, Options{})
	if err == nil || err.Error() != `mapping.fields[0].value: not a number: unexpected 'a'` {
		t.Errorf("got %v", err)
	}
	m := mustCompile(t, `
mapping:
  fields:
    - {target: A, value: "19", type: decimal}
    - {target: B, value: ""}
    - {target: C, value: "de", transforms: [upper], lookup: l}
  lookups:
    l: {values: {DE: Deutschland}}
`, h, Options{})
	checkValues(t, apply(t, m, row(h, 1, "x")).Values, []any{dec("19"), nil, "Deutschland"})
}

func TestExpressions(t *testing.T) {
	h := record.NewHeader([]string{"SKU", "Preis netto", "Typ", "Menge", "Unused"})
	m := mustCompile(t, `
mapping:
  when: Typ != "intern"
  fields:
    - {target: Key, expr: 'SKU + "-" + Typ'}
    - {target: Net, expr: '$env["Preis netto"]', type: decimal, decimal: comma}
    - {target: Row, expr: row, type: int}
    - {target: Big, expr: 'int(Menge) > 10', type: bool}
    - {target: Half, expr: 'int(Menge) / 4', type: decimal}
    - {target: Fail, expr: 'int(SKU)'}
    - {target: Parts, expr: 'split(Typ, "t")', type: list}
`, h, Options{})
	res := apply(t, m, row(h, 7, "A1", "1.234,5", "extern", "12", "x"))
	checkValues(t, res.Values, []any{"A1-extern", dec("1234.5"), int64(7), true, dec("3"), nil, []string{"ex", "ern"}})
	if got := errStrings(res.Errs); len(got) != 1 || !strings.HasPrefix(got[0], `Fail: invalid operation: int(A1)`) {
		t.Errorf("errors %q", got)
	}
	res = apply(t, m, row(h, 8, "A1", "1", "intern", "1", ""))
	if !res.Skip || res.Values != nil || res.Errs != nil {
		t.Errorf("when false: %+v", res)
	}
	// the per-record environment holds only what expressions use
	if len(m.exprs.slots) != 4 {
		t.Errorf("env slots %+v", m.exprs.slots)
	}

	// a column named row hides the row number
	h2 := record.NewHeader([]string{"row"})
	m2 := mustCompile(t, "mapping:\n  fields:\n    - {target: R, expr: row}\n", h2, Options{})
	checkValues(t, apply(t, m2, row(h2, 9, "col")).Values, []any{"col"})

	// dynamic $env use puts every column in
	m3 := mustCompile(t, "mapping:\n  fields:\n    - {target: R, expr: 'let c = \"Typ\"; $env[c]'}\n", h, Options{})
	checkValues(t, apply(t, m3, row(h, 1, "a", "b", "c", "d", "e")).Values, []any{"c"})
	if len(m3.exprs.slots) != 5 {
		t.Errorf("dynamic env slots %+v", m3.exprs.slots)
	}

	// a when that fails at run time is a record error, not a skip
	m4 := mustCompile(t, "mapping:\n  when: int(Menge) > 0\n", h, Options{})
	res = apply(t, m4, row(h, 1, "a", "b", "c", "viele", "e"))
	if res.Skip || len(res.Errs) != 1 || res.Errs[0].Target != "when" {
		t.Errorf("when error: %+v", res)
	}
}

func TestDocumentSource(t *testing.T) {
	var doc map[string]any
	d := json.NewDecoder(strings.NewReader(`{
		"SKU": "A-1", "Price": 12.50, "Stock": 1000, "Active": true,
		"Created": "2024-03-05T10:00:00Z",
		"BillingAddress": {"Company": "ACME GmbH", "Country": "DE"},
		"Items": [{"SKU": "X"}, {"SKU": "Y"}],
		"Tags": ["a", "b", 3],
		"Huge": 123456789012345678901234567890.123456789
	}`))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	m := mustCompile(t, `
mapping:
  decimal: comma
  when: BillingAddress.Country == "DE"
  fields:
    - {target: SKU, column: SKU}
    - {target: Price, column: Price, type: decimal}
    - {target: Stock, column: Stock, type: int}
    - {target: Active, column: Active, type: bool}
    - {target: Created, column: Created, type: date}
    - {target: Company, column: BillingAddress.Company, transforms: [upper]}
    - {target: Second, column: "Items[1].SKU"}
    - {target: Missing, column: "Items[5].SKU"}
    - {target: Tags, column: Tags, type: list}
    - {target: Huge, column: Huge, type: decimal}
    - {target: PriceText, column: Price}
    - {target: Obj, column: BillingAddress}
    - {target: Name, expr: 'SKU + "/" + BillingAddress.Company'}
`, nil, Options{})
	res := apply(t, m, &record.Record{Row: 1, Doc: doc})
	checkValues(t, res.Values, []any{
		"A-1", dec("12.50"), int64(1000), true, time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), "ACME GMBH", "Y", nil,
		[]string{"a", "b", "3"}, dec("123456789012345678901234567890.123456789"), "12.50", nil, "A-1/ACME GmbH",
	})
	if got := errStrings(res.Errs); len(got) != 1 || !strings.Contains(got[0], `Obj (column "BillingAddress")`) || !strings.Contains(got[0], "is an object") {
		t.Errorf("errors %q", got)
	}
	doc["BillingAddress"].(map[string]any)["Country"] = "AT"
	if res := apply(t, m, &record.Record{Row: 2, Doc: doc}); !res.Skip {
		t.Errorf("not skipped: %+v", res)
	}
}

func TestSerialDatesFromSheets(t *testing.T) {
	h := record.NewHeader([]string{"Datum", "Preis"})
	h.SerialDates = true
	m := mustCompile(t, `
mapping:
  fields:
    - {target: D, column: Datum, type: date}
    - {target: P, column: Preis, type: decimal}
    - {target: T, column: Datum, type: datetime, format: yyyymmdd}
`, h, Options{})
	res := apply(t, m, row(h, 2, "45356.75", "1.234"))
	checkValues(t, res.Values, []any{time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), dec("1.234"), time.Date(2024, 3, 5, 18, 0, 0, 0, time.UTC)})
	// a format that reads the number wins over the serial
	res = apply(t, m, row(h, 3, "20240305", "2"))
	if len(res.Errs) != 1 || res.Values[2] == nil {
		t.Errorf("got %v %q", res.Values, errStrings(res.Errs))
	}
	checkValues(t, res.Values[2:], []any{time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)})
	h.Date1904 = true
	res = apply(t, m, row(h, 4, "43894", "2"))
	checkValues(t, res.Values[:1], []any{time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)})
	// text cells still parse as text
	res = apply(t, m, row(h, 5, "05.03.2024", "2"))
	checkValues(t, res.Values[:1], []any{time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)})
}

func TestStaticLookups(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("countries.csv", "\xef\xbb\xbfName;ISO;Note\nDeutschland;DE;x\nÖsterreich;AT;\n\n\"Schweiz; CH\";CH;\n")
	write("units.tsv", "k\tv\nStk\tpcs\nkg\tkg\n")
	h := record.NewHeader([]string{"Land", "Einheit", "Farbe"})
	src := `
mapping:
  lookups:
    countries: {file: countries.csv, key: Name, result: ISO}
    units: {file: units.tsv, missing: keep}
    colors: {values: {rot: red, blau: blue}, missing: empty}
  fields:
    - {target: Country, column: Land, lookup: countries, transforms: [trim]}
    - {target: Unit, column: Einheit, lookup: units}
    - {target: Color, column: Farbe, lookup: colors, required: true}
    - {target: Colors, column: Farbe, type: list, transforms: [{split: "/"}], lookup: colors}
`
	m := mustCompile(t, src, h, Options{BaseDir: dir})
	res := apply(t, m, row(h, 2, " Österreich ", "Stk", "rot"))
	checkValues(t, res.Values, []any{"AT", "pcs", "red", []string{"red"}})
	res = apply(t, m, row(h, 3, "Schweiz; CH", "Liter", "rot/grün/blau"))
	checkValues(t, res.Values, []any{"CH", "Liter", nil, []string{"red", "blue"}})
	if got := errStrings(res.Errs); !reflect.DeepEqual(got, []string{`Color (column "Farbe"): value "rot/grün/blau": required, but empty`}) {
		t.Errorf("errors %q", got)
	}
	res = apply(t, m, row(h, 4, "Frankreich", "", ""))
	if got := errStrings(res.Errs); !reflect.DeepEqual(got, []string{
		`Country (column "Land"): value "Frankreich": "Frankreich" is not in lookup table "countries"`,
		`Color (column "Farbe"): required, but empty`,
	}) {
		t.Errorf("errors %q", got)
	}

	for _, tt := range []struct{ files, lookup, key, msg string }{
		{"", "{file: nope.csv}", "lookups.l.file", "no such file"},
		{"a.csv=k,v\n", "{file: a.csv, key: K}", "lookups.l.key", `column "K" is not in a.csv (columns: k, v)`},
		{"a.csv=k\nx\n", "{file: a.csv}", "lookups.l.result", "a.csv has only 1 column(s)"},
		{"a.csv=k,v\nx,1\ny,2\nx,3\n", "{file: a.csv}", "lookups.l.file", `a.csv: key "x" appears on lines 2 and 4 with different results`},
		{"a.csv=k,v\n\xff,1\n", "{file: a.csv}", "lookups.l.file", "a.csv is not UTF-8"},
		{"", "{values: {a: b}, missing: skip}", "lookups.l.missing", "missing must be error, empty or keep"},
		{"", "{values: {a: b}, create: true}", "lookups.l.create", "create only applies to erp lookups"},
		{"", "{values: {a: b}, key: x}", "lookups.l.key", "key and result name the columns of a lookup file"},
	} {
		if name, content, ok := strings.Cut(tt.files, "="); ok {
			write(name, content)
		}
		_, err := Compile(decodeSpec(t, "mapping:\n  lookups:\n    l: "+tt.lookup+"\n"), h, Options{BaseDir: dir})
		var ce *CompileError
		if !errors.As(err, &ce) || len(ce.Errs) != 1 || ce.Errs[0].Key != tt.key || ce.Errs[0].Field != -1 || !strings.Contains(ce.Errs[0].Msg, tt.msg) {
			t.Errorf("%s: got %v, want %s: %s", tt.lookup, err, tt.key, tt.msg)
		}
	}
}

// fakeResolver counts calls and answers from a table; slow makes concurrent
// callers overlap.
type fakeResolver struct {
	mu     sync.Mutex
	calls  map[string]int
	values map[string]any
	create map[string]bool
	fail   error
	slow   time.Duration
	total  atomic.Int64
}

func (r *fakeResolver) Resolve(ctx context.Context, table, key string, create bool) (any, bool, error) {
	r.total.Add(1)
	r.mu.Lock()
	r.calls[table+"/"+key]++
	r.create[table] = create
	r.mu.Unlock()
	if r.slow > 0 {
		time.Sleep(r.slow)
	}
	if r.fail != nil {
		return nil, false, r.fail
	}
	v, ok := r.values[table+"/"+key]
	if !ok && create {
		return json.Number("999"), true, nil
	}
	return v, ok, nil
}

func newFakeResolver() *fakeResolver {
	return &fakeResolver{calls: map[string]int{}, create: map[string]bool{}, values: map[string]any{
		"categories/Schuhe":   json.Number("17"),
		"categories/Hosen":    int64(18),
		"manufacturers/Acme":  "M-1",
		"warehouses/Lager 1":  json.Number("3"),
		"warehouses/Lager 22": json.Number("4"),
	}}
}

func TestERPLookups(t *testing.T) {
	h := record.NewHeader([]string{"Kategorie", "Hersteller", "Lager"})
	src := `
mapping:
  lookups:
    cats: {erp: categories, create: true}
    makers: {erp: manufacturers, missing: keep}
    stores: {erp: warehouses}
  fields:
    - {target: "Categories[0].CategoryId", column: Kategorie, type: int, lookup: cats}
    - {target: Manufacturer, column: Hersteller, lookup: makers}
    - {target: WarehouseId, column: Lager, type: int, lookup: stores}
`
	r := newFakeResolver()
	m := mustCompile(t, src, h, Options{Resolver: r})
	res := apply(t, m, row(h, 2, "Schuhe", "Acme", "Lager 1"))
	checkValues(t, res.Values, []any{int64(17), "M-1", int64(3)})
	res = apply(t, m, row(h, 3, "Neu", "Unbekannt", "Lager 9"))
	checkValues(t, res.Values, []any{int64(999), "Unbekannt", nil})
	if got := errStrings(res.Errs); !reflect.DeepEqual(got, []string{`WarehouseId (column "Lager"): value "Lager 9": "Lager 9" is not in lookup table "stores"`}) {
		t.Errorf("errors %q", got)
	}
	if !r.create["categories"] || r.create["warehouses"] {
		t.Errorf("create flags %v", r.create)
	}

	// many workers, few keys: one Resolve per key
	r = newFakeResolver()
	r.slow = 2 * time.Millisecond
	m = mustCompile(t, src, h, Options{Resolver: r})
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			store := "Lager 1"
			if i%2 == 1 {
				store = "Lager 22"
			}
			res, err := m.Apply(context.Background(), row(h, i, "Hosen", "Acme", store))
			if err != nil || len(res.Errs) > 0 {
				t.Errorf("apply: %v %v", err, errStrings(res.Errs))
				return
			}
			want := int64(3)
			if i%2 == 1 {
				want = 4
			}
			if res.Values[0] != int64(18) || res.Values[2] != want {
				t.Errorf("values %v", res.Values)
			}
		}()
	}
	wg.Wait()
	for k, n := range r.calls {
		if n != 1 {
			t.Errorf("%s resolved %d times", k, n)
		}
	}
	if r.total.Load() != 4 {
		t.Errorf("%d Resolve calls, want 4", r.total.Load())
	}

	// a resolver failure stops the run and is not cached
	r = newFakeResolver()
	r.fail = errors.New("connection refused")
	m = mustCompile(t, src, h, Options{Resolver: r})
	_, err := m.Apply(context.Background(), row(h, 2, "Schuhe", "", ""))
	if err == nil || err.Error() != `Categories[0].CategoryId: lookup "cats" of "Schuhe": connection refused` {
		t.Errorf("got %v", err)
	}
	r.fail = nil
	res = apply(t, m, row(h, 2, "Schuhe", "", ""))
	checkValues(t, res.Values, []any{int64(17), nil, nil})

	// a canceled context while waiting on another worker's resolution
	r = newFakeResolver()
	r.slow = 50 * time.Millisecond
	m = mustCompile(t, src, h, Options{Resolver: r})
	go m.Apply(context.Background(), row(h, 1, "Schuhe", "", ""))
	time.Sleep(5 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Apply(ctx, row(h, 2, "Schuhe", "", "")); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

func TestConcurrentApply(t *testing.T) {
	h := record.NewHeader([]string{"SKU", "Preis", "Kategorie"})
	r := newFakeResolver()
	m := mustCompile(t, `
mapping:
  when: SKU != ""
  lookups:
    cats: {erp: categories}
  fields:
    - {target: SKU, column: SKU, required: true}
    - {target: Price, column: Preis, type: decimal, decimal: comma}
    - {target: Label, expr: 'SKU + ":" + string(row)'}
    - {target: Cat, column: Kategorie, lookup: cats, type: int}
`, h, Options{Resolver: r})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				n := w*1000 + i
				sku := fmt.Sprintf("S%d", n)
				res, err := m.Apply(context.Background(), row(h, n, sku, fmt.Sprintf("%d,5", n), "Schuhe"))
				if err != nil || len(res.Errs) > 0 {
					t.Errorf("%v %v", err, errStrings(res.Errs))
					return
				}
				if res.Values[0] != sku || !res.Values[1].(decimal.Decimal).Equal(dec(fmt.Sprintf("%d.5", n))) || res.Values[2] != fmt.Sprintf("%s:%d", sku, n) || res.Values[3] != int64(17) {
					t.Errorf("row %d: %v", n, res.Values)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestNest(t *testing.T) {
	targets := []Target{
		{Path: "SKU"}, {Path: "ItemPriceData.SalesPriceNet"}, {Path: "ItemPriceData.PurchasePrice"},
		{Path: "Categories[0].CategoryId"}, {Path: "Categories[1].CategoryId"}, {Path: "Categories[2].CategoryId"},
		{Path: "Tags"}, {Path: "Codes[1]"}, {Path: "Empty"}, {Path: "A.B.C"},
	}
	values := []any{"A-1", dec("9.99"), nil, int64(17), nil, int64(19), []string{"x"}, "c1", nil, true}
	got := Nest(targets, values)
	want := map[string]any{
		"SKU":           "A-1",
		"ItemPriceData": map[string]any{"SalesPriceNet": dec("9.99")},
		"Categories":    []any{map[string]any{"CategoryId": int64(17)}, map[string]any{"CategoryId": int64(19)}},
		"Tags":          []string{"x"},
		"Codes":         []any{"c1"},
		"A":             map[string]any{"B": map[string]any{"C": true}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	if n := Nest([]Target{{Path: "A"}}, []any{nil}); len(n) != 0 {
		t.Errorf("all nil: %v", n)
	}
}

func TestCheckNest(t *testing.T) {
	ok := []Target{{Path: "SKU"}, {Path: "A.B"}, {Path: "A.C"}, {Path: "L[0].X"}, {Path: "L[1].X"}, {Path: "L[0].Y"}}
	if err := CheckNest(ok); err != nil {
		t.Error(err)
	}
	for _, tt := range []struct {
		paths []string
		msg   string
	}{
		{[]string{"A", "A.B"}, `target "A.B" is inside target "A", which is a value`},
		{[]string{"A.B", "A"}, `target "A" is also the parent of other targets`},
		{[]string{"L[0]", "L.X"}, `uses "L" both as a list and as a single value`},
		{[]string{"A..B"}, `bad path part ""`},
		{[]string{"L[x].Y"}, `bad path part "L[x]"`},
		{[]string{"L[5000]"}, `bad path part`},
	} {
		var ts []Target
		for _, p := range tt.paths {
			ts = append(ts, Target{Path: p})
		}
		if err := CheckNest(ts); err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%v: %v, want %s", tt.paths, err, tt.msg)
		}
	}
}

// A header read as one column means the delimiter is wrong: say so.
func TestMissingColumnWrongDelimiter(t *testing.T) {
	h := record.NewHeader([]string{"Artikelnummer;Bezeichnung;EK netto"})
	spec := decodeSpec(t, "mapping:\n  fields:\n    - {target: SKU, column: Artikelnummer}\n")
	_, err := Compile(spec, h, Options{})
	if err == nil || !strings.Contains(err.Error(), "is source.delimiter right?") {
		t.Errorf("got %v", err)
	}
	h = record.NewHeader([]string{"Artikelnummer", "Bezeichnung"})
	spec = decodeSpec(t, "mapping:\n  fields:\n    - {target: SKU, column: EAN}\n")
	if _, err := Compile(spec, h, Options{}); err == nil || strings.Contains(err.Error(), "delimiter") {
		t.Errorf("a real missing column blames the delimiter: %v", err)
	}
}

// rowRecorder is a RowWriter that notes how each value arrived.
type rowRecorder struct{ got []string }

func (r *rowRecorder) add(i int, s string) {
	for len(r.got) <= i {
		r.got = append(r.got, "")
	}
	r.got[i] = s
}
func (r *rowRecorder) Null(i int)              { r.add(i, "null") }
func (r *rowRecorder) Text(i int, s string)    { r.add(i, "text "+s) }
func (r *rowRecorder) Int(i int, v int64)      { r.add(i, fmt.Sprint("int ", v)) }
func (r *rowRecorder) Bool(i int, b bool)      { r.add(i, fmt.Sprint("bool ", b)) }
func (r *rowRecorder) Time(i int, t time.Time) { r.add(i, "time "+t.Format(time.RFC3339)) }
func (r *rowRecorder) Value(i int, v any)      { r.add(i, fmt.Sprintf("value %v", v)) }
func (r *rowRecorder) Decimal(i int, u int64, e int32) {
	r.add(i, fmt.Sprintf("decimal %d e%d", u, e))
}

// Document paths reach a RowWriter typed, and fields under one parent
// (LineItem.X, LineItem.Y) find their own names there, whatever the
// field before them found.
func TestDocumentPathsTyped(t *testing.T) {
	m := mustCompile(t, `
mapping:
  decimal: comma
  fields:
    - {target: Number, column: DocumentNumber}
    - {target: Company, column: BillingAddress.Company, transforms: [upper]}
    - {target: LastName, column: BillingAddress.LastName, required: true}
    - {target: Rate, column: LineItem.VatRate, type: decimal}
    - {target: Net, column: LineItem.Net, type: decimal}
    - {target: Flag, column: LineItem.Flag}
    - {target: Gross, column: LineItem.Gross, type: decimal}
    - {target: Other, column: Shipping.Gross, type: decimal}
    - {target: Date, column: Header.Date, type: date}
    - {target: Second, column: "Header.Codes[1]"}
    - {target: Sku, column: LineItem.Sku, type: int}
`, nil, Options{})
	doc := func(src string) map[string]any {
		var d map[string]any
		dec := json.NewDecoder(strings.NewReader(src))
		dec.UseNumber()
		if err := dec.Decode(&d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	cases := []struct {
		doc  string
		want []string
		errs []string
	}{
		{`{"DocumentNumber": "RE-1", "BillingAddress": {"Company": "acme", "LastName": "Kühn"},
		   "LineItem": {"VatRate": 19, "Net": "10,50", "Flag": true, "Gross": 12.495, "Sku": "abc"},
		   "Shipping": {"Gross": "1,5"}, "Header": {"Date": "2026-03-05", "Codes": ["x", "y"]}}`,
			[]string{"text RE-1", "text ACME", "text Kühn", "decimal 19 e0", "decimal 1050 e-2", "value true",
				"decimal 12495 e-3", "decimal 15 e-1", "time 2026-03-05T00:00:00Z", "text y", "null"},
			[]string{`Sku (column "LineItem.Sku"`}},
		{`{"DocumentNumber": 7, "BillingAddress": {"Company": "b"}, "LineItem": {"Gross": "2", "Net": null},
		   "Shipping": 3, "Header": {"Codes": "z"}}`,
			[]string{"text 7", "text B", "null", "null", "null", "null", "decimal 2 e0", "null", "null", "null", "null"},
			[]string{`LastName (column "BillingAddress.LastName"`}},
	}
	for i, c := range cases {
		var w rowRecorder
		res, err := m.ApplyTo(context.Background(), &record.Record{Row: i + 1, Doc: doc(c.doc)}, &w)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(w.got, c.want) {
			t.Errorf("record %d:\n got %q\nwant %q", i+1, w.got, c.want)
		}
		got := errStrings(res.Errs)
		if len(got) != len(c.errs) {
			t.Errorf("record %d: errors %q, want %q", i+1, got, c.errs)
			continue
		}
		for j := range got {
			if !strings.Contains(got[j], c.errs[j]) {
				t.Errorf("record %d: error %q, want %q", i+1, got[j], c.errs[j])
			}
		}
	}
}

// A line record (the document shared by its lines, the line beside it)
// maps as the document with the line under LineItem would: paths under
// LineItem and LineTotal read the line's maps, every other path the
// document's, and the document is not changed.
func TestLineRecordMapsAsMergedDocument(t *testing.T) {
	doc := map[string]any{"Number": "AU-1", "SKU": "doc-sku", "Customer": map[string]any{"Name": "ACME"}}
	rec := &record.Record{Row: 1, Doc: doc,
		LineItem:  map[string]any{"SKU": "L-1", "Quantity": json.Number("2")},
		LineTotal: map[string]any{"Net": json.Number("9.90")}}
	m := mustCompile(t, `
mapping:
  fields:
    - {target: Number, column: Number}
    - {target: Obj, column: LineItem}
    - {target: SKU, column: LineItem.SKU}
    - {target: Qty, column: LineItem.Quantity, type: decimal}
    - {target: Net, column: LineTotal.Net, type: decimal}
    - {target: DocSKU, column: SKU}
    - {target: Name, column: Customer.Name}
    - {target: Both, expr: 'Number + "/" + LineItem.SKU + "/" + Customer.Name'}
`, nil, Options{})
	res := apply(t, m, rec)
	checkValues(t, res.Values, []any{"AU-1", nil, "L-1", dec("2"), dec("9.90"), "doc-sku", "ACME", "AU-1/L-1/ACME"})
	if got := errStrings(res.Errs); len(got) != 1 || !strings.Contains(got[0], `Obj (column "LineItem")`) || !strings.Contains(got[0], "is an object") {
		t.Errorf("errors %q", got)
	}
	merged := apply(t, m, &record.Record{Row: 1, Doc: rec.View()})
	if !reflect.DeepEqual(merged.Values, res.Values) || !reflect.DeepEqual(errStrings(merged.Errs), errStrings(res.Errs)) {
		t.Errorf("line record %v %q, merged document %v %q", res.Values, errStrings(res.Errs), merged.Values, errStrings(merged.Errs))
	}
	if _, ok := doc["LineItem"]; ok || len(doc) != 3 {
		t.Errorf("the document was changed: %v", doc)
	}
}

// With a DocCache the lines of a document map as without one: the
// document's fields once, the lines' for each line; a document field that
// fails fails on every line; the next document is its own.
func TestDocCacheMapsAsWithout(t *testing.T) {
	m := mustCompile(t, `
mapping:
  fields:
    - {target: Number, column: Number}
    - {target: Date, column: Date, type: date}
    - {target: Company, column: Billing.Company, transforms: [upper]}
    - {target: Qty, column: LineItem.Quantity, type: decimal}
    - {target: Net, column: LineTotal.Net, type: decimal}
`, nil, Options{})
	doc1 := map[string]any{"Number": "RE-1", "Date": "2026-11-03T10:00:00", "Billing": map[string]any{"Company": "acme"}}
	doc2 := map[string]any{"Number": "RE-2", "Date": "kein Datum", "Billing": map[string]any{"Company": "beta"}}
	var recs []*record.Record
	for d, doc := range []map[string]any{doc1, doc2} {
		for l := 1; l <= 3; l++ {
			recs = append(recs, &record.Record{Row: len(recs) + 1, Doc: doc, Document: d + 1, Line: l,
				LineItem:  map[string]any{"Quantity": json.Number(fmt.Sprint(l))},
				LineTotal: map[string]any{"Net": json.Number(fmt.Sprintf("%d.50", l))}})
		}
	}
	// a whole document (no line) between them is not taken for a line
	recs = append(recs[:3], append([]*record.Record{{Row: 99, Doc: map[string]any{"Number": "X"}, Document: 2}}, recs[3:]...)...)
	var dc DocCache
	for _, rec := range recs {
		var with, without rowRecorder
		rw, err := m.ApplyToWith(context.Background(), rec, &with, &dc)
		if err != nil {
			t.Fatal(err)
		}
		ro, err := m.ApplyTo(context.Background(), rec, &without)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(with.got, without.got) || !reflect.DeepEqual(errStrings(rw.Errs), errStrings(ro.Errs)) {
			t.Errorf("row %d: with a cache %q %q, without %q %q", rec.Row, with.got, errStrings(rw.Errs), without.got, errStrings(ro.Errs))
		}
		if rec.Doc["Number"] == "RE-2" && len(rw.Errs) != 1 {
			t.Errorf("row %d: the date fails on every line: %q", rec.Row, errStrings(rw.Errs))
		}
	}
	if dc.doc != 2 || !dc.set[0] || dc.set[1] || dc.set[3] {
		t.Errorf("cache of document %d: %v (Number kept, the failed date and the line's fields not)", dc.doc, dc.set)
	}
}

// A header read as one column with a delimiter in it: a text file may have
// been split at the wrong delimiter, a spreadsheet cannot have been.
func TestMissingColumnSingleColumnAdvice(t *testing.T) {
	spec := &Spec{Fields: []FieldSpec{{Target: "SKU", Column: "Artikelnummer"}}}
	for _, sheet := range []bool{false, true} {
		h := record.NewHeader([]string{"Artikelnummer;Preis"})
		h.SerialDates = sheet
		_, err := Compile(spec, h, Options{})
		if err == nil || strings.Contains(err.Error(), "is source.delimiter right?") == sheet {
			t.Errorf("spreadsheet %v: %v", sheet, err)
		}
	}
}

// A header cell with a line break (Alt+Enter: "EK\nnetto") is mapped by
// the name as Excel shows it ("EK netto"); names with line breaks are
// listed escaped, and suggested as shown.
func TestColumnByShownName(t *testing.T) {
	h := record.NewHeader([]string{"Artikel-\nnummer", "EK\nnetto"})
	m, err := Compile(&Spec{Fields: []FieldSpec{{Target: "Price", Column: "EK netto", Type: "decimal"}}}, h, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Apply(context.Background(), &record.Record{Header: h, Fields: []string{"A-1", "12.50"}})
	if err != nil || len(out.Errs) > 0 || fmt.Sprint(out.Values[0]) != "12.5" {
		t.Fatalf("%v %v %v", out.Values, out.Errs, err)
	}
	_, err = Compile(&Spec{Fields: []FieldSpec{{Target: "SKU", Column: "Artikelnummer"}}}, h, Options{})
	if want := `column "Artikelnummer" is not in the file (columns: "Artikel-\nnummer", "EK\nnetto"); did you mean "Artikel- nummer"?`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
