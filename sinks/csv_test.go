package sinks

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/wawi-etl/etl/pipeline"
)

func openCSV(t *testing.T, spec *pipeline.SinkSpec, e *pipeline.Env) *CSVSink {
	t.Helper()
	spec.Type = "csv"
	s, err := OpenCSV(context.Background(), spec, e)
	if err != nil {
		t.Fatal(err)
	}
	return s.(*CSVSink)
}

// writeCSV runs rows through a CSV sink, commits, and returns the file bytes
// and the plans.
func writeCSV(t *testing.T, spec pipeline.SinkSpec, tg string, rows ...[]any) ([]byte, []*pipeline.Plan) {
	t.Helper()
	dir := t.TempDir()
	if spec.Path == "" {
		spec.Path = "out.csv"
	}
	tgs := targets(strings.Split(tg, ",")...)
	s := openCSV(t, &spec, env(dir, tgs))
	plans := run(t, s, tgs, rows...)
	if err := s.Close(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	noTemp(t, dir)
	return readFile(t, filepath.Join(dir, spec.Path)), plans
}

func TestCSVEncodingsByteExact(t *testing.T) {
	rows := [][]any{
		{"Größe Ä", dec("19.90")},
		{"Café; \"quoted\"", dec("-5")},
	}
	// golden bytes, spelled out per encoding
	body := func(oe, ae, ess, eacute []byte) []byte {
		var b bytes.Buffer
		b.WriteString("Name,Preis\n")
		b.WriteString("Gr")
		b.Write(oe)
		b.Write(ess)
		b.WriteString("e ")
		b.Write(ae)
		b.WriteString(",19.90\n")
		b.WriteString(`"Caf`)
		b.Write(eacute)
		b.WriteString(`; ""quoted""",-5` + "\n")
		return b.Bytes()
	}
	utf8Body := body([]byte("ö"), []byte("Ä"), []byte("ß"), []byte("é"))
	latin := body([]byte{0xF6}, []byte{0xC4}, []byte{0xDF}, []byte{0xE9})
	cases := []struct {
		enc  string
		want []byte
	}{
		{"", utf8Body},
		{"utf-8", utf8Body},
		{"utf-8-bom", append([]byte{0xEF, 0xBB, 0xBF}, utf8Body...)},
		{"windows-1252", latin},
		{"iso-8859-1", latin},
		{"iso-8859-15", latin},
	}
	for _, c := range cases {
		t.Run("enc="+c.enc, func(t *testing.T) {
			got, _ := writeCSV(t, pipeline.SinkSpec{Encoding: c.enc}, "Name:string,Preis:decimal", rows...)
			if !bytes.Equal(got, c.want) {
				t.Fatalf("got\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

func TestCSVEuroSignPerEncoding(t *testing.T) {
	rows := [][]any{{"5 €"}, {"plain"}}
	cases := []struct {
		enc  string
		want string // "" means the € row fails
	}{
		{"utf-8", "x\n5 €\nplain\n"},
		{"windows-1252", "x\n5 \x80\nplain\n"},
		{"iso-8859-15", "x\n5 \xA4\nplain\n"},
		{"iso-8859-1", ""},
	}
	for _, c := range cases {
		t.Run(c.enc, func(t *testing.T) {
			got, plans := writeCSV(t, pipeline.SinkSpec{Encoding: c.enc}, "x:string:Spalte X", rows...)
			if c.want != "" {
				if string(got) != c.want {
					t.Fatalf("got %q want %q", got, c.want)
				}
				return
			}
			if string(got) != "x\nplain\n" {
				t.Fatalf("the failed record must not be written, got %q", got)
			}
			p := plans[0]
			if p.Outcome != pipeline.Failed || p.Err == nil {
				t.Fatalf("€ in iso-8859-1: outcome %v, err %v", p.Outcome, p.Err)
			}
			msg := p.Err.Error()
			for _, want := range []string{`"x"`, "Spalte X", "U+20AC", "iso-8859-1", "position 3"} {
				if !strings.Contains(msg, want) {
					t.Errorf("reason %q lacks %q", msg, want)
				}
			}
			var ce pipeline.ColumnError
			if !errors.As(p.Err, &ce) {
				t.Fatal("reason does not implement pipeline.ColumnError")
			}
			if f, col := ce.ErrorColumn(); f != "x" || col != "Spalte X" {
				t.Errorf("ErrorColumn = %q, %q", f, col)
			}
			if plans[1].Outcome != pipeline.Created {
				t.Errorf("second row: %v", plans[1].Outcome)
			}
		})
	}
}

// The single-byte output decodes back to the input with x/text: an
// independent check of the encoder.
func TestCSVWindows1252RoundTrip(t *testing.T) {
	text := "äöüÄÖÜß€„“‚‘–—…™šŠžŽœŒŸ¡¿°±²³µ·"
	got, plans := writeCSV(t, pipeline.SinkSpec{Encoding: "windows-1252", Header: ptr(false)}, "x:string", []any{text})
	if plans[0].Outcome != pipeline.Created {
		t.Fatal(plans[0].Err)
	}
	back, err := charmap.Windows1252.NewDecoder().Bytes(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(back) != text+"\n" {
		t.Fatalf("round trip: %q", back)
	}
}

func TestCSVValues(t *testing.T) {
	d := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	dt := time.Date(2024, 3, 15, 13, 45, 30, 0, berlin)
	tg := "s:string,i:int,d:decimal,b:bool,date:date,dt:datetime,l:list"
	rows := [][]any{
		{"a", int64(42), dec("1234.56"), true, d, dt, []string{"x", "y"}},
		{nil, int64(-7), dec("-0.50"), false, nil, nil, nil},
		{"line\nbreak", nil, dec("1e3"), nil, nil, nil, []string{}},
	}
	t.Run("defaults", func(t *testing.T) {
		got, _ := writeCSV(t, pipeline.SinkSpec{}, tg, rows...)
		want := "s,i,d,b,date,dt,l\n" +
			"a,42,1234.56,true,2024-02-29,2024-03-15 13:45:30,x|y\n" +
			",-7,-0.50,false,,,\n" +
			"\"line\nbreak\",,1000,,,,\n"
		if string(got) != want {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("decimal comma, semicolon, no header, layouts", func(t *testing.T) {
		got, _ := writeCSV(t, pipeline.SinkSpec{Delimiter: ";", DecimalComma: true, Header: ptr(false),
			DateFormat: "02.01.2006", DateTimeFormat: "02.01.2006 15:04"}, tg, rows...)
		want := "a;42;1234,56;true;29.02.2024;15.03.2024 13:45;x|y\n" +
			";-7;-0,50;false;;;\n" +
			"\"line\nbreak\";;1000;;;;\n"
		if string(got) != want {
			t.Fatalf("got\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("tab", func(t *testing.T) {
		got, _ := writeCSV(t, pipeline.SinkSpec{Delimiter: "tab", DecimalComma: true}, "a:string,b:decimal",
			[]any{"x,y", dec("1234567.891")})
		if want := "a\tb\nx,y\t1234567,891\n"; string(got) != want {
			t.Fatalf("got %q want %q", got, want)
		}
	})
	t.Run("reads back with encoding/csv", func(t *testing.T) {
		got, _ := writeCSV(t, pipeline.SinkSpec{Delimiter: ";"}, "a:string,b:string",
			[]any{"semi;colon", `quote " inside`}, []any{" leading space", "multi\nline"})
		r := csv.NewReader(bytes.NewReader(got))
		r.Comma = ';'
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		want := [][]string{{"a", "b"}, {"semi;colon", `quote " inside`}, {" leading space", "multi\nline"}}
		if len(recs) != len(want) {
			t.Fatalf("%q", recs)
		}
		for i := range want {
			for j := range want[i] {
				if recs[i][j] != want[i][j] {
					t.Errorf("[%d][%d] = %q want %q", i, j, recs[i][j], want[i][j])
				}
			}
		}
	})
}

func TestCSVNeutralizeFormulas(t *testing.T) {
	tg := "t:string,n:decimal,l:list"
	rows := [][]any{
		{"=SUM(A1:A9)", dec("-5.25"), []string{"-a", "b"}},
		{"+49 30 1234", int64(-3), []string{"b"}},
		{"-minus", nil, nil},
		{"@cmd", nil, nil},
		{"\tTAB", nil, nil},
		{"\rCR", nil, nil},
		{"a=b", nil, nil},
		{"", nil, nil},
	}
	on, _ := writeCSV(t, pipeline.SinkSpec{Header: ptr(false)}, tg, rows...)
	wantOn := "'=SUM(A1:A9),-5.25,'-a|b\n" +
		"'+49 30 1234,-3,b\n" +
		"'-minus,,\n" +
		"'@cmd,,\n" +
		"'\tTAB,,\n" +
		"\"'\rCR\",,\n" +
		"a=b,,\n" +
		",,\n"
	if string(on) != wantOn {
		t.Errorf("neutralised:\n%q\nwant\n%q", on, wantOn)
	}
	off, _ := writeCSV(t, pipeline.SinkSpec{Header: ptr(false), NeutralizeFormulas: ptr(false)}, tg, rows[:2]...)
	if want := "=SUM(A1:A9),-5.25,-a|b\n+49 30 1234,-3,b\n"; string(off) != want {
		t.Errorf("off:\n%q\nwant\n%q", off, want)
	}
}

func TestCSVCloseFalseKeepsExistingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("old content\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	tg := targets("a:string")
	s := openCSV(t, &pipeline.SinkSpec{Path: "out.csv"}, env(dir, tg))
	run(t, s, tg, []any{"new"})
	if err := s.Close(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); string(got) != "old content\n" {
		t.Fatalf("existing file changed: %q", got)
	}
	noTemp(t, dir)
	if len(dirNames(t, dir)) != 1 {
		t.Fatalf("folder holds %v", dirNames(t, dir))
	}
}

func TestCSVCommitReplacesAndKeepsMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("old\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	tg := targets("a:string")
	s := openCSV(t, &pipeline.SinkSpec{Path: path}, env("/nonexistent", tg)) // absolute path ignores JobDir
	run(t, s, tg, []any{"new"})
	if got := readFile(t, path); string(got) != "old\n" {
		t.Fatalf("target changed before Close: %q", got)
	}
	if err := s.Close(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); string(got) != "a\nnew\n" {
		t.Fatalf("got %q", got)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the replaced file's 0640", fi.Mode().Perm())
	}
	noTemp(t, dir)
	if err := s.Close(context.Background(), true); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// A crash before Close leaves only the temporary file, never a file at path.
func TestCSVCrashLeavesNoFileAtPath(t *testing.T) {
	dir := t.TempDir()
	tg := targets("a:string")
	s := openCSV(t, &pipeline.SinkSpec{Path: "sub/dir/out.csv"}, env(dir, tg))
	rows := make([][]any, 5000)
	for i := range rows {
		rows[i] = []any{strings.Repeat("x", 100)}
	}
	run(t, s, tg, rows...)
	s.bw.Flush() // even with bytes on disk
	mustNotExist(t, filepath.Join(dir, "sub/dir/out.csv"))
	names := dirNames(t, filepath.Join(dir, "sub/dir"))
	if len(names) != 1 || !strings.HasPrefix(names[0], ".out.csv.tmp-") {
		t.Fatalf("folder holds %v, want only the temporary file", names)
	}
	s.tmp.Discard()
}

func TestCSVDryRunCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	tg := targets("a:string")
	e := env(dir, tg)
	e.DryRun = true
	s := openCSV(t, &pipeline.SinkSpec{Path: "new/out.csv", Encoding: "iso-8859-1"}, e)
	ctx := context.Background()
	p, err := s.Plan(ctx, &pipeline.Item{Values: []any{"€"}})
	if err != nil || p.Outcome != pipeline.Failed {
		t.Fatalf("dry run must still find unencodable values: %v %v", p.Outcome, err)
	}
	if err := s.Close(ctx, false); err != nil {
		t.Fatal(err)
	}
	if n := dirNames(t, dir); len(n) != 0 {
		t.Fatalf("dry run created %v", n)
	}
}

func TestCSVInvalidOptions(t *testing.T) {
	tg := targets("a:string")
	for _, c := range []struct {
		spec pipeline.SinkSpec
		want string
	}{
		{pipeline.SinkSpec{Path: "x.csv", Delimiter: "::"}, "delimiter"},
		{pipeline.SinkSpec{Path: "x.csv", Encoding: "utf-16"}, "encoding"},
		{pipeline.SinkSpec{Path: "x.csv", DateFormat: "dd.mm.yyyy"}, "Go time layout"},
		{pipeline.SinkSpec{Path: "x.csv", Encoding: "iso-8859-1", Header: nil}, ""},
		{pipeline.SinkSpec{}, "path"},
	} {
		_, err := OpenCSV(context.Background(), &c.spec, env(t.TempDir(), tg))
		if c.want == "" {
			if err != nil {
				t.Errorf("%+v: %v", c.spec, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want mention of %q", c.spec, err, c.want)
		}
	}
	// a header the encoding cannot hold fails at open
	_, err := OpenCSV(context.Background(), &pipeline.SinkSpec{Path: "x.csv", Encoding: "iso-8859-1"},
		env(t.TempDir(), targets("Preis €:decimal")))
	if err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("unencodable header: %v", err)
	}
	// a folder as path
	d := t.TempDir()
	if _, err := OpenCSV(context.Background(), &pipeline.SinkSpec{Path: d}, env(d, tg)); err == nil {
		t.Error("a folder as path must fail")
	}
}
