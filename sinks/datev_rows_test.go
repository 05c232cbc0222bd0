package sinks

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/datev"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// writeTyped hands a row its values as the mapper does: text, decimals
// and dates typed, anything else as a value.
func writeTyped(r pipeline.RowPlan, vals []any) {
	for i, v := range vals {
		switch v := v.(type) {
		case nil:
			r.Null(i)
		case string:
			r.Text(i, v)
		case decimal.Decimal:
			if v.NumDigits() <= 18 {
				r.Decimal(i, v.CoefficientInt64(), v.Exponent())
			} else {
				r.Value(i, v)
			}
		case time.Time:
			r.Time(i, v)
		case int64:
			r.Int(i, v)
		case bool:
			r.Bool(i, v)
		default:
			r.Value(i, v)
		}
	}
}

// A record planned from typed values (the runner's way, NewRows) plans
// as the same record planned from Item.Values: the same outcome, error,
// key, changes and line, in document mode and outside it.
func TestDATEVRowsPlanAsValues(t *testing.T) {
	bad := func(row []any, i int, v any) []any {
		row = append([]any(nil), row...)
		row[i] = v
		return row
	}
	ok := docLineRow("RE-1", 5, "0", "", "K1", "de", "", "19", "100.00", "19.00", "119.00", "")
	rows := append(sampleDocs(),
		bad(ok, 0, "RE 1/ä"),         // Belegfeld 1 cleaned: a change
		bad(ok, 0, nil),              // no number
		bad(ok, 1, nil),              // no date
		bad(ok, 1, "05.01.2026"),     // a date as text
		bad(ok, 1, "5th of January"), // not a date
		bad(ok, 2, "Credit"),         // a type by name
		bad(ok, 2, "Bill"),           // not a type
		bad(ok, 9, "100,00"),         // an amount as text
		bad(ok, 9, nil),              // no amount
		bad(ok, 9, decimal.RequireFromString("100.001")), // three decimals
		bad(ok, 8, decimal.RequireFromString("1e30")),    // a rate of more than 18 digits
		bad(ok, 4, int64(4711)),                          // a number as customer number
		bad(ok, 7, decimal.RequireFromString("12.5")),    // a decimal as country
		bad(ok, 12, true),                                // a bool as account
		bad(bad(ok, 1, nil), 9, "x"),                     // the first problem wins
	)
	for _, mode := range []string{"documents", "bookings"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			spec := docSpec(dir, "SKR03", pipeline.DATEVDebitorSpec{PerCustomer: true})
			tg := docTargets
			if mode == "bookings" {
				spec = datevSpec(dir)
				tg = datevTargets
			}
			a := openDATEV(t, spec, tg)
			b := openDATEV(t, spec, tg)
			in := rows
			if mode == "bookings" {
				in = [][]any{booking("RE-1", day(2026, 1, 5), "119.00", "Rechnung 1"), booking("RE 2", day(2026, 2, 1), "-23.80", "Gutschrift\nzu RE-1"),
					booking("RE-3", day(2026, 1, 31), "0", "nichts"), {"RE-4", "2026-01-31", "50,5", int64(10000), "8400", nil, "x"}}
			}
			batch := b.NewRows(2)
			ctx := context.Background()
			for i, vals := range in {
				rec := &record.Record{Seq: int64(i), Row: i + 2}
				want, err := a.Plan(ctx, &pipeline.Item{Rec: rec, Targets: tg, Values: vals})
				if err != nil {
					t.Fatal(err)
				}
				r := batch.Row()
				writeTyped(r, vals)
				got, err := r.Plan(ctx, &pipeline.Item{Rec: rec, Targets: tg})
				if err != nil {
					t.Fatal(err)
				}
				if got.Outcome != want.Outcome || fmt.Sprint(got.Err) != fmt.Sprint(want.Err) || got.Key != want.Key ||
					!reflect.DeepEqual(got.Changes, want.Changes) {
					t.Errorf("row %d: typed %v %v %q %v, values %v %v %q %v", i, got.Outcome, got.Err, got.Key, got.Changes,
						want.Outcome, want.Err, want.Key, want.Changes)
				}
				if mode == "documents" && want.Err == nil && !sameDocLine(got.State.(*docLine), want.State.(*docLine)) {
					t.Errorf("row %d: typed line %+v, values %+v", i, got.State, want.State)
				}
				if mode == "bookings" && want.Err == nil && string(got.State.(*datevLine).line) != string(want.State.(*datevLine).line) {
					t.Errorf("row %d: typed %q, values %q", i, got.State.(*datevLine).line, want.State.(*datevLine).line)
				}
			}
			if got, want := b.docsMaxSeq(), a.docsMaxSeq(); got != want {
				t.Errorf("largest Seq planned: typed %d, values %d", got, want)
			}
		})
	}
}

func (s *DATEVSink) docsMaxSeq() int64 {
	if s.docs == nil {
		return 0
	}
	return s.docs.maxSeq.Load()
}

// sameDocLine compares lines with their amounts by value and exponent.
func sameDocLine(a, b *docLine) bool {
	x, y := *a, *b
	if x.line.Rate.String() != y.line.Rate.String() || x.line.Rate.Exponent() != y.line.Rate.Exponent() {
		return false
	}
	x.line.Rate, y.line.Rate = decimal.Decimal{}, decimal.Decimal{}
	for _, p := range [][2]*datev.Money{{&x.line.Net, &y.line.Net}, {&x.line.VAT, &y.line.VAT}, {&x.line.Gross, &y.line.Gross}} {
		a, b := p[0].Decimal(), p[1].Decimal()
		if a.String() != b.String() || a.Exponent() != b.Exponent() {
			return false
		}
		*p[0], *p[1] = datev.Money{}, datev.Money{}
	}
	if x.line.Revenue.EUSteuersatz.Decimal.String() != y.line.Revenue.EUSteuersatz.Decimal.String() {
		return false
	}
	x.line.Revenue.EUSteuersatz.Decimal, y.line.Revenue.EUSteuersatz.Decimal = decimal.Decimal{}, decimal.Decimal{}
	return reflect.DeepEqual(x, y)
}

// Every document target fills a field of the line: a target the table
// misses would be dropped without a word.
func TestDATEVDocumentTargetsFillTheLine(t *testing.T) {
	seen := map[docField]string{}
	for _, n := range DATEVDocumentTargets {
		f, ok := docFields[n]
		if !ok || f == dfNone {
			t.Errorf("target %s fills nothing", n)
		}
		if other, dup := seen[f]; dup {
			t.Errorf("targets %s and %s fill the same field", other, n)
		}
		seen[f] = n
		var l docLine
		if (l.text(f) == nil) == (l.amount(f) == nil) && f != dfDate && f != dfRate {
			t.Errorf("target %s is neither text nor amount", n)
		}
	}
	if len(docFields) != len(DATEVDocumentTargets) {
		t.Errorf("%d fields for %d targets", len(docFields), len(DATEVDocumentTargets))
	}
}
