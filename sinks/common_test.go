package sinks

import (
	"context"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/internal/testkit"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

func TestAppendDecimalMatchesStringFixed(t *testing.T) {
	for _, d := range randomDecimals(20000) {
		var want string
		if e := d.Exponent(); e < 0 {
			want = d.StringFixed(-e)
		} else {
			want = d.String()
		}
		if got := string(appendDecimal(nil, d, '.')); got != want {
			t.Fatalf("%s (coef %s exp %d): got %s want %s", d, d.Coefficient(), d.Exponent(), got, want)
		}
		if got := string(appendDecimal([]byte("x"), d, ',')); got != "x"+strings.Replace(want, ".", ",", 1) {
			t.Fatalf("comma: %s", got)
		}
	}
}

// A date layout with non-ASCII text goes through the encoder too.
func TestCSVNonASCIILayout(t *testing.T) {
	v := []any{time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)}
	got, plans := writeCSV(t, pipeline.SinkSpec{Encoding: "windows-1252", Header: ptr(false), DateFormat: "2.1.2006 – Mon"},
		"d:date", v)
	if plans[0].Outcome != pipeline.Created || string(got) != "15.3.2024 \x96 Fri\n" {
		t.Fatalf("%q %v", got, plans[0].Err)
	}
	_, plans = writeCSV(t, pipeline.SinkSpec{Encoding: "iso-8859-1", Header: ptr(false), DateFormat: "2.1.2006 – Mon"},
		"d:date", v)
	if plans[0].Outcome != pipeline.Failed || !strings.Contains(plans[0].Err.Error(), `"d"`) {
		t.Fatalf("en dash in iso-8859-1: %v %v", plans[0].Outcome, plans[0].Err)
	}
}

func TestCSVPlanIsConcurrent(t *testing.T) {
	dir := t.TempDir()
	tg := targets("s:string", "d:decimal", "t:datetime")
	s := openCSV(t, &pipeline.SinkSpec{Path: "out.csv", DecimalComma: true, Delimiter: ";"}, env(dir, tg))
	ctx := context.Background()
	plans := make([]*pipeline.Plan, 300)
	done := make(chan struct{})
	for i := range plans {
		go func() {
			defer func() { done <- struct{}{} }()
			p, err := s.Plan(ctx, &pipeline.Item{Values: []any{"=" + strconv.Itoa(i), dec(strconv.Itoa(i) + ".25"),
				time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC)}})
			if err != nil {
				t.Error(err)
			}
			plans[i] = p
		}()
	}
	for range plans {
		<-done
	}
	for _, p := range plans {
		if err := s.Apply(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(ctx, true); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(readFile(t, dir+"/out.csv")), "\n")
	if lines[1] != "'=0;0,25;2024-01-01 00:00:00" || lines[300] != "'=299;299,25;2024-01-01 00:04:59" {
		t.Fatalf("%q %q", lines[1], lines[300])
	}
}

type stringer struct{}

func (stringer) String() string { return "=stringer" }

// Values of Go kinds a mapping does not produce but reports may pass.
func TestOtherValueKinds(t *testing.T) {
	d := dec("2.50")
	var nilDec *decimal.Decimal
	var nilTime *time.Time
	tm := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	a, b := 0.1, 0.2
	vals := []any{7, int32(-3), d.Copy(), &d, nilDec, a + b, stringer{}, &tm, nilTime}
	got, _ := writeCSV(t, pipeline.SinkSpec{Header: ptr(false), DecimalComma: true, Delimiter: ";"},
		"a:int,b:int,c:decimal,d:decimal,e:decimal,f:decimal,g:string,h:datetime,i:datetime", vals)
	if want := "7;-3;2,50;2,50;;0,30000000000000004;'=stringer;2024-05-06 07:08:09;\n"; string(got) != want {
		t.Errorf("csv: %q\nwant %q", got, want)
	}

	f := newBookForTest(t)
	tab := newTable(t, f, "K", []Column{{Name: "a", Type: mappings.Int}, {Name: "b", Type: mappings.Int}, {Name: "c", Type: mappings.Decimal},
		{Name: "d", Type: mappings.Decimal}, {Name: "e"}, {Name: "f", Type: mappings.Decimal}, {Name: "g"},
		{Name: "h", Type: mappings.DateTime}, {Name: "i"}, {Name: "j"}, {Name: "k"}, {Name: "l", Type: mappings.Int}},
		TableOptions{Neutralize: true})
	if _, err := tab.Append([]any{7, int32(-3), d, &d, nilDec, a + b, stringer{}, &tm, nilTime, uint64(5), float32(1.5), 2.0}); err != nil {
		t.Fatal(err)
	}
	if _, err := tab.Format([]any{uint64(1 << 63)}); err == nil {
		t.Error("uint64 beyond int64 must fail")
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), 1e-320} {
		if _, err := tab.Format([]any{nil, nil, nil, nil, nil, bad}); err == nil {
			t.Errorf("float %v must fail", bad)
		}
	}
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	g := openBook(t, saveBook(t, f))
	checkCells(t, g, "K", []cellCheck{
		{Cell: "A2", Type: tNum, Raw: "7", NumFmt: "0"},
		{Cell: "B2", Type: tNum, Raw: "-3"},
		{Cell: "C2", Type: tNum, Raw: "2.5", NumFmt: "#,##0.00"},
		{Cell: "D2", Type: tNum, Raw: "2.5"},
		{Cell: "E2", Type: excelize.CellTypeUnset, Raw: ""},
		{Cell: "F2", Type: tNum, Raw: "0.3"},
		{Cell: "G2", Type: tStr, Raw: "=stringer"},
		{Cell: "H2", Type: tNum, Raw: "45418.2973263889", Shown: "06.05.2024 07:08"},
		{Cell: "I2", Type: excelize.CellTypeUnset, Raw: ""},
		{Cell: "J2", Type: tNum, Raw: "5"},
		{Cell: "K2", Type: tNum, Raw: "1.5", NumFmt: "#,##0.0"},
		{Cell: "L2", Type: tNum, Raw: "2", NumFmt: "0"},
	})

	var s pipeline.Ordered = &CSVSink{}
	if !s.Ordered() || !(&XLSXSink{}).Ordered() {
		t.Error("file sinks must be ordered")
	}
	fe := &FieldError{Field: "a", Err: errors.New("x")}
	if !errors.Is(fe, fe.Err) || fe.Error() != `field "a": x` {
		t.Error(fe)
	}
	ce := &CellError{Column: "c", Reason: "r"}
	if ce.Error() != `column "c": r` {
		t.Error(ce)
	}
}

func newBookForTest(t *testing.T) *excelize.File {
	f := excelize.NewFile()
	t.Cleanup(func() { f.Close() })
	return f
}

// Shared with other packages' tests (internal/testkit).
var randomDecimals = testkit.RandomDecimals
