package mappings

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/record"
)

// shownRow is a spreadsheet row whose cells show other than they store
// (record.Record.Shown): a zero-padded SKU, a date, a date and time, and a
// price stored as a number, read with a point under decimal: comma.
func shownRow(t *testing.T) (*record.Header, *record.Record) {
	t.Helper()
	h := record.NewHeader([]string{"SKU", "Datum", "Zeitpunkt", "Uhrzeit", "Preis", "Name"})
	h.SerialDates = true
	return h, &record.Record{Row: 2, Header: h,
		Fields:  []string{"1234", "46082", "46082.6041666667", "0.604166666666667", "12.5", "Käse"},
		Numeric: []bool{false, false, true, true, true, false},
		Shown:   []string{"01234", "2026-03-01", "2026-03-01T14:30:00", "14:30:00", "", ""}}
}

func values(res Result) []string {
	out := make([]string, len(res.Values))
	for i, v := range res.Values {
		out[i] = fmt.Sprint(v)
	}
	return out
}

// A field without a type, or of type string, maps what the cell shows;
// typed fields map the stored value exactly as before (the number, the
// date of the serial), on the simple path and the general one (lookups,
// rules, transforms) alike.
func TestShownCellsTextAndTyped(t *testing.T) {
	h, rec := shownRow(t)
	m := mustCompile(t, `
mapping:
  decimal: comma
  fields:
    - {column: SKU, target: SKU}
    - {column: SKU, target: SKUString, type: string}
    - {column: SKU, target: SKUInt, type: int}
    - {column: SKU, target: SKUDecimal, type: decimal}
    - {column: Datum, target: Datum}
    - {column: Datum, target: DatumDate, type: date}
    - {column: Datum, target: DatumFormat, type: date, format: dd.mm.yyyy}
    - {column: Zeitpunkt, target: Zeitpunkt}
    - {column: Zeitpunkt, target: ZeitpunktDateTime, type: datetime}
    - {column: Uhrzeit, target: Uhrzeit}
    - {column: Preis, target: Preis, type: decimal}
    - {column: Preis, target: PreisText}
    - {column: SKU, target: SKUPrefixed, transforms: [{prefix: "X-"}]}
    - {column: SKU, target: SKURule, validate: {pattern: '^0\d{4}$'}}
    - {column: SKU, target: SKULookup, lookup: skus}
    - {column: SKU, target: SKUIntRule, type: int, validate: {max: "2000"}}
    - {column: Datum, target: DatumList, transforms: [{split: "-"}]}
  lookups:
    skus: {values: {"01234": "found", "1234": "stored"}}
`, h, Options{})
	res := apply(t, m, rec)
	if len(res.Errs) > 0 {
		t.Fatal(errStrings(res.Errs))
	}
	want := []string{"01234", "01234", "1234", "1234",
		"2026-03-01", "2026-03-01 00:00:00 +0000 UTC", "2026-03-01 00:00:00 +0000 UTC",
		"2026-03-01T14:30:00", "2026-03-01 14:30:00 +0000 UTC", "14:30:00",
		"12.5", "12.5", "X-01234", "01234", "found", "1234", "[2026 03 01]"}
	got := values(res)
	for i, w := range want {
		if got[i] != w {
			t.Errorf("%s = %s, want %s", m.Targets()[i].Path, got[i], w)
		}
	}
}

// An expression sees a column as an untyped field does: the shown text.
// A date field typing its result reads the shown date, whatever format:
// says about the file's text dates, as it read the serial before.
func TestShownCellsInExpressions(t *testing.T) {
	h, rec := shownRow(t)
	m := mustCompile(t, `
mapping:
  date_format: dd.mm.yyyy
  when: 'Datum >= "2026-01-01"'
  fields:
    - {expr: 'SKU + " / " + Name', target: Label}
    - {expr: 'Datum', target: Datum, type: date}
    - {expr: 'Zeitpunkt', target: Zeitpunkt, type: datetime}
    - {expr: 'int(SKU) + 1', target: Next, type: int}
`, h, Options{})
	res := apply(t, m, rec)
	if res.Skip || len(res.Errs) > 0 {
		t.Fatalf("skip %v, %v", res.Skip, errStrings(res.Errs))
	}
	want := "[01234 / Käse 2026-03-01 00:00:00 +0000 UTC 2026-03-01 14:30:00 +0000 UTC 1235]"
	if got := fmt.Sprint(values(res)); got != want {
		t.Errorf("values %s, want %s", got, want)
	}
	// not from a spreadsheet: a text date follows format: as before
	csv := record.NewHeader(h.Names)
	m2 := mustCompile(t, `
mapping:
  date_format: dd.mm.yyyy
  fields:
    - {column: Datum, target: Datum, type: date}
`, csv, Options{})
	if res := apply(t, m2, row(csv, 2, "", "2026-03-01")); len(res.Errs) != 1 {
		t.Errorf("a CSV text date against format: %v", errStrings(res.Errs))
	}
}

// The rows of a grouped record agree on a text column as they show it.
func TestShownCellsInGroups(t *testing.T) {
	h, first := shownRow(t)
	_, second := shownRow(t)
	second.Row = 3
	third := &record.Record{Row: 4, Header: h, Fields: []string{"1234", "46083"}, Shown: []string{"01234", "2026-03-02"}}
	m := mustCompile(t, `
mapping:
  fields:
    - {column: SKU, target: SKU}
    - {column: Datum, target: Datum}
`, h, Options{})
	group := *first
	group.Lines = []*record.Record{first, second}
	if res := apply(t, m, &group); len(res.Errs) > 0 || fmt.Sprint(values(res)) != "[01234 2026-03-01]" {
		t.Errorf("%v %v", values(res), errStrings(res.Errs))
	}
	group.Lines = []*record.Record{first, third}
	res := apply(t, m, &group)
	if len(res.Errs) != 1 || !strings.Contains(res.Errs[0].Reason, `row 2 says "2026-03-01", row 4 "2026-03-02"`) {
		t.Errorf("errors %v", errStrings(res.Errs))
	}
}
