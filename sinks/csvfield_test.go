package sinks

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/pipeline"
)

// FuzzCSVLine checks that lines rendered on the workers are byte for byte
// what encoding/csv's Writer writes for the same fields and delimiter.
func FuzzCSVLine(f *testing.F) {
	f.Add("a", "b,c", `say "hi"`, byte(','))
	f.Add(" lead", "x\r\ny", `\.`, byte(';'))
	f.Add("\u00a0nbsp", "\xa0latin", "tab\there", byte('\t'))
	f.Add("", "\u2003em", "p|q", byte('|'))
	f.Fuzz(func(t *testing.T, a, b, c string, d byte) {
		var comma byte
		switch d % 4 {
		case 0:
			comma = ','
		case 1:
			comma = ';'
		case 2:
			comma = '\t'
		default:
			comma = '|'
		}
		fields := []string{a, b, c}
		var want bytes.Buffer
		w := csv.NewWriter(&want)
		w.Comma = rune(comma)
		if err := w.Write(fields); err != nil {
			t.Skip(err)
		}
		w.Flush()
		var got []byte
		for i, fl := range fields {
			if i > 0 {
				got = append(got, comma)
			}
			if i == 1 {
				got = appendCSVField(got, []byte(fl), newCSVSpecial(comma)) // the typed path
			} else {
				got = appendCSVField(got, fl, newCSVSpecial(comma))
			}
		}
		got = append(got, '\n')
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("fields %q with %q:\n got %q\nwant %q", fields, comma, got, want.Bytes())
		}
	})
}

// TestCSVRowBatch: rows of a batch share one buffer. A row the mapper
// abandons (its record failed) leaves nothing behind, a line longer than the
// buffer gets its own, and a batch hands out more rows than announced.
func TestCSVRowBatch(t *testing.T) {
	dir := t.TempDir()
	tgs := targets("SKU:string", "Qty:int", "Price:decimal")
	s := openCSV(t, &pipeline.SinkSpec{Path: "out.csv", Delimiter: ";"}, env(dir, tgs))
	ctx := context.Background()
	b := s.NewRows(2)
	var plans []*pipeline.Plan
	plan := func(r pipeline.RowPlan) {
		p, err := r.Plan(ctx, &pipeline.Item{Targets: tgs})
		if err != nil || p.Outcome != pipeline.Created {
			t.Fatalf("plan: %v %v", err, p.Err)
		}
		plans = append(plans, p)
	}
	r := b.Row()
	r.Text(0, "A-1")
	r.Int(1, 3)
	r.Decimal(2, 1990, -2)
	plan(r)

	r = b.Row() // abandoned after two fields
	r.Text(0, "NOT-WRITTEN")
	r.Int(1, 99)

	long := strings.Repeat("x", 5000)
	r = b.Row()
	r.Text(0, long)
	r.Null(1)
	r.Decimal(2, -5, 0)
	plan(r)

	for i := range 40 { // past the announced two rows
		r = b.Row()
		r.Text(0, "B;"+strconv.Itoa(i))
		r.Int(1, int64(i))
		r.Value(2, dec("0.5"))
		plan(r)
	}
	for _, p := range plans {
		if err := s.Apply(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx, true); err != nil {
		t.Fatal(err)
	}
	want := "SKU;Qty;Price\nA-1;3;19.90\n" + long + ";;-5\n"
	for i := range 40 {
		want += fmt.Sprintf("\"B;%d\";%d;0.5\n", i, i)
	}
	if got := string(readFile(t, filepath.Join(dir, "out.csv"))); got != want {
		t.Errorf("file:\n%.300s\nwant:\n%.300s", got, want)
	}
}

// TestCSVRowOutOfOrder: a row written out of target order fails its record
// instead of shifting columns.
func TestCSVRowOutOfOrder(t *testing.T) {
	tgs := targets("SKU:string", "Qty:int")
	s := openCSV(t, &pipeline.SinkSpec{Path: "out.csv"}, env(t.TempDir(), tgs))
	defer s.Close(context.Background(), false)
	r := s.NewRows(1).Row()
	r.Int(1, 3)
	r.Text(0, "A")
	p, err := r.Plan(context.Background(), &pipeline.Item{Targets: tgs})
	if err != nil || p.Outcome != pipeline.Failed || !strings.Contains(p.Err.Error(), "internal") {
		t.Fatalf("got %v %v %v", err, p.Outcome, p.Err)
	}
}

// TestCSVDefaultLayoutsByHand: the hand-written default layouts print what
// time.Format prints, across years, months and clock times.
func TestCSVDefaultLayoutsByHand(t *testing.T) {
	s := &CSVSink{dateLayout: DefaultCSVDateLayout, dtLayout: DefaultCSVDateTimeLayout, targets: targets("D:date", "T:datetime")}
	loc := time.FixedZone("CET", 3600)
	for _, v := range []time.Time{
		time.Date(2026, 11, 23, 9, 5, 7, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(999, 12, 31, 23, 59, 59, 999, loc),
		time.Date(9999, 2, 28, 12, 0, 0, 0, loc),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), // five digits: time.Format's way
		time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got, want := string(s.appendTime(nil, 0, v)), v.Format(DefaultCSVDateLayout); got != want {
			t.Errorf("date %v: %q, want %q", v, got, want)
		}
		if got, want := string(s.appendTime(nil, 1, v)), v.Format(DefaultCSVDateTimeLayout); got != want {
			t.Errorf("datetime %v: %q, want %q", v, got, want)
		}
	}
}
