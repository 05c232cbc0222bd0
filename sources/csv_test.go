package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// writeTemp writes data as name into a fresh folder and returns the folder.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func encode(t testing.TB, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// openCSVBytes opens data as "in.csv" with the job folder set to its folder.
func openCSVBytes(t testing.TB, data []byte, spec pipeline.SourceSpec) (*CSVSource, error) {
	t.Helper()
	dir := writeTemp(t, "in.csv", data)
	spec.Type, spec.Path = "csv", "in.csv"
	src, err := OpenCSV(context.Background(), &spec, &pipeline.Env{JobDir: dir})
	if err != nil {
		return nil, err
	}
	cs := src.(*CSVSource)
	t.Cleanup(func() { cs.Close() })
	return cs, nil
}

func readAll(t testing.TB, src pipeline.Source) []*record.Record {
	t.Helper()
	var out []*record.Record
	for {
		rec, err := src.Next(context.Background())
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if rec.Seq != int64(len(out)) {
			t.Fatalf("Seq = %d, want %d", rec.Seq, len(out))
		}
		if len(rec.Fields) != len(src.Header().Names) {
			t.Fatalf("row %d: %d fields for %d columns", rec.Row, len(rec.Fields), len(src.Header().Names))
		}
		out = append(out, rec)
	}
}

// row is a record reduced to what the tests compare.
type row struct {
	Line   int
	Fields []string
	Err    string // substring of the error; "" for none
}

func checkRows(t *testing.T, got []*record.Record, want []row) {
	t.Helper()
	if len(got) != len(want) {
		for _, r := range got {
			t.Logf("got line %d %q err=%v", r.Row, r.Fields, r.Err)
		}
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Row != w.Line {
			t.Errorf("record %d: Row = %d, want %d", i, g.Row, w.Line)
		}
		if w.Fields != nil && !reflect.DeepEqual(g.Fields, w.Fields) {
			t.Errorf("record %d (line %d): Fields = %q, want %q", i, g.Row, g.Fields, w.Fields)
		}
		switch {
		case w.Err == "" && g.Err != nil:
			t.Errorf("record %d (line %d): unexpected error %v", i, g.Row, g.Err)
		case w.Err != "" && g.Err == nil:
			t.Errorf("record %d (line %d): no error, want %q", i, g.Row, w.Err)
		case w.Err != "" && !strings.Contains(g.Err.Error(), w.Err):
			t.Errorf("record %d (line %d): error %q does not contain %q", i, g.Row, g.Err, w.Err)
		}
	}
}

func TestCSVRead(t *testing.T) {
	utf16le := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	utf16be := unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	tests := []struct {
		name   string
		data   []byte
		spec   pipeline.SourceSpec
		header []string
		delim  rune
		want   []row
	}{{
		name:   "windows-1252 umlauts and euro",
		data:   encode(t, charmap.Windows1252, "Artikel;Bezeichnung;Preis\r\nA1;Müller Größe ß;12,50 €\r\nA2;„Zoll“ – Maß;3\r\n"),
		spec:   pipeline.SourceSpec{Encoding: "windows-1252"},
		header: []string{"Artikel", "Bezeichnung", "Preis"},
		delim:  ';',
		want: []row{
			{Line: 2, Fields: []string{"A1", "Müller Größe ß", "12,50 €"}},
			{Line: 3, Fields: []string{"A2", "„Zoll“ – Maß", "3"}},
		},
	}, {
		name: "iso-8859-1 label decodes the euro at 0x80 as windows-1252",
		data: []byte("SKU;Preis\nA1;5 \x80\nA2;\xe4\xf6\xfc\n"),
		spec: pipeline.SourceSpec{Encoding: "ISO-8859-1"},
		want: []row{{Line: 2, Fields: []string{"A1", "5 €"}}, {Line: 3, Fields: []string{"A2", "äöü"}}},
	}, {
		name: "iso-8859-15 euro at 0xA4",
		data: encode(t, charmap.ISO8859_15, "SKU;Preis\nA1;5 €\n"),
		spec: pipeline.SourceSpec{Encoding: "latin9"},
		want: []row{{Line: 2, Fields: []string{"A1", "5 €"}}},
	}, {
		name:   "utf-8 BOM stripped",
		data:   []byte("\xEF\xBB\xBFSKU,Name\nA1,Käse\n"),
		header: []string{"SKU", "Name"},
		want:   []row{{Line: 2, Fields: []string{"A1", "Käse"}}},
	}, {
		name:   "utf-8 BOM wins over a configured windows-1252",
		data:   []byte("\xEF\xBB\xBFSKU,Name\nA1,Käse\n"),
		spec:   pipeline.SourceSpec{Encoding: "windows-1252"},
		header: []string{"SKU", "Name"},
		want:   []row{{Line: 2, Fields: []string{"A1", "Käse"}}},
	}, {
		name:   "utf-16le BOM detected",
		data:   encode(t, utf16le, "SKU\tName\r\nA1\tKäse €\r\nA2\t\"a\r\nb\"\r\n"),
		header: []string{"SKU", "Name"},
		delim:  '\t',
		want:   []row{{Line: 2, Fields: []string{"A1", "Käse €"}}, {Line: 3, Fields: []string{"A2", "a\nb"}}},
	}, {
		name:   "utf-16be BOM detected",
		data:   encode(t, utf16be, "SKU;Name\nA1;Käse\n"),
		header: []string{"SKU", "Name"},
		want:   []row{{Line: 2, Fields: []string{"A1", "Käse"}}},
	}, {
		name:   "semicolon with decimal comma",
		data:   []byte("SKU;Preis;Gewicht\nA1;12,50;0,5\nA2;3,99;1,25\nA3;100;2\n"),
		header: []string{"SKU", "Preis", "Gewicht"},
		delim:  ';',
		want: []row{
			{Line: 2, Fields: []string{"A1", "12,50", "0,5"}},
			{Line: 3, Fields: []string{"A2", "3,99", "1,25"}},
			{Line: 4, Fields: []string{"A3", "100", "2"}},
		},
	}, {
		name:  "auto tab",
		data:  []byte("SKU\tName\tPreis\nA1\tSchraube, lang\t1,5\n"),
		delim: '\t',
		want:  []row{{Line: 2, Fields: []string{"A1", "Schraube, lang", "1,5"}}},
	}, {
		name:  "auto pipe",
		data:  []byte("SKU|Name|Preis\nA1|Schraube, lang; kurz|1.5\nA2|x|2\n"),
		delim: '|',
		want:  []row{{Line: 2, Fields: []string{"A1", "Schraube, lang; kurz", "1.5"}}, {Line: 3, Fields: []string{"A2", "x", "2"}}},
	}, {
		name:  "auto comma, semicolons only inside quotes",
		data:  []byte("SKU,Name\nA1,\"a;b;c\"\nA2,\"d;e\"\n"),
		delim: ',',
		want:  []row{{Line: 2, Fields: []string{"A1", "a;b;c"}}, {Line: 3, Fields: []string{"A2", "d;e"}}},
	}, {
		name: "delimiter given by name",
		data: []byte("a\tb\n1\t2\n"),
		spec: pipeline.SourceSpec{Delimiter: `\t`},
		want: []row{{Line: 2, Fields: []string{"1", "2"}}},
	}, {
		name: "embedded newlines, delimiters and doubled quotes",
		data: []byte("SKU,Desc,Qty\r\nA1,\"line 1\r\nline 2, still\",3\r\nA2,\"say \"\"hi\"\"\",4\r\nA3,\"\",5\r\n"),
		want: []row{
			{Line: 2, Fields: []string{"A1", "line 1\nline 2, still", "3"}},
			{Line: 4, Fields: []string{"A2", `say "hi"`, "4"}},
			{Line: 5, Fields: []string{"A3", "", "5"}},
		},
	}, {
		name: "bare quote in an unquoted field is text",
		data: []byte("SKU;Name\nA1;Schraube 3/8\" Zoll\nA2;x\n"),
		want: []row{{Line: 2, Fields: []string{"A1", `Schraube 3/8" Zoll`}}, {Line: 3, Fields: []string{"A2", "x"}}},
	}, {
		name: "undoubled quote inside a quoted field",
		data: []byte("SKU,Name,Qty\nA1,\"3/8\" Zoll\",1\nA2,x,2\n"),
		want: []row{
			{Line: 2, Fields: []string{"A1", `3/8" Zoll`, "1"}, Err: "line 2: unbalanced quote in field 2: a \" inside a quoted field must be doubled"},
			{Line: 3, Fields: []string{"A2", "x", "2"}},
		},
	}, {
		name: "wrong field counts",
		data: []byte("a;b;c\n1;2;3\n1;2\n1;2;3;4\n1;2;3;;\n\"x\ny\";2\n"),
		want: []row{
			{Line: 2, Fields: []string{"1", "2", "3"}},
			{Line: 3, Fields: []string{"1", "2", ""}, Err: "in.csv: line 3: expected 3 fields, found 2"},
			{Line: 4, Fields: []string{"1", "2", "3"}, Err: "line 4: expected 3 fields, found 4"},
			{Line: 5, Fields: []string{"1", "2", "3"}}, // trailing empty fields lose nothing
			{Line: 6, Fields: []string{"x\ny", "2", ""}, Err: "line 6: expected 3 fields, found 2 (the record runs on to line 7"},
		},
	}, {
		name:   "header only",
		data:   []byte("SKU;Name\n"),
		header: []string{"SKU", "Name"},
	}, {
		name:   "header only without line break",
		data:   []byte("SKU;Name"),
		header: []string{"SKU", "Name"},
	}, {
		name:   "header_row 3 and skip 1",
		data:   []byte("Preisliste \"2024\nerstellt; am 1.2.\nSKU;Name\nStk;Text\nA1;x\n\nA2;y\n"),
		spec:   pipeline.SourceSpec{HeaderRow: 3, Skip: 1},
		header: []string{"SKU", "Name"},
		want:   []row{{Line: 5, Fields: []string{"A1", "x"}}, {Line: 7, Fields: []string{"A2", "y"}}},
	}, {
		name:   "header names trimmed",
		data:   []byte(" SKU ;\tName\u00a0;\"\ufeffQty\"\n1;2;3\n"),
		header: []string{"SKU", "Name", "Qty"},
		want:   []row{{Line: 2}},
	}, {
		name: "blank and delimiter-only lines are not records",
		data: []byte("a;b\n\n1;2\n;\n\r\n;;\n3;4\n"),
		want: []row{{Line: 3, Fields: []string{"1", "2"}}, {Line: 7, Fields: []string{"3", "4"}}},
	}, {
		name: "bare CR line ends",
		data: []byte("a;b\r1;2\r\"x\ry\";4\r"),
		want: []row{{Line: 2, Fields: []string{"1", "2"}}, {Line: 3, Fields: []string{"x\ny", "4"}}},
	}, {
		name: "custom quote",
		data: []byte("a;b\n'x;y';'it''s'\n"),
		spec: pipeline.SourceSpec{Quote: "'"},
		want: []row{{Line: 2, Fields: []string{"x;y", "it's"}}},
	}, {
		name: "quoting off",
		data: []byte("a;b\n\"x;y\"\n"),
		spec: pipeline.SourceSpec{Quote: "none"},
		want: []row{{Line: 2, Fields: []string{`"x`, `y"`}}},
	}, {
		name: "multi-byte delimiter",
		data: []byte("a§b\n1§\"x§y\"\n"),
		spec: pipeline.SourceSpec{Delimiter: "§"},
		want: []row{{Line: 2, Fields: []string{"1", "x§y"}}},
	}, {
		name: "single column: a comma in the data does not split it",
		data: []byte("Name\nSchraube, verzinkt\n\"a\"\"b\"\n"),
		want: []row{{Line: 2, Fields: []string{"Schraube, verzinkt"}}, {Line: 3, Fields: []string{`a"b`}}},
	}, {
		name: "single column with a configured delimiter",
		data: []byte("Name\nSchraube, verzinkt\n"),
		spec: pipeline.SourceSpec{Delimiter: ","},
		want: []row{{Line: 2, Fields: []string{"Schraube"}, Err: "expected 1 fields, found 2"}},
	}, {
		name: "long line beyond the read buffer",
		data: []byte("a,b\n1," + strings.Repeat("x", 200_000) + "\n2,y\n"),
		want: []row{{Line: 2}, {Line: 3, Fields: []string{"2", "y"}}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := openCSVBytes(t, tt.data, tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if tt.header != nil && !reflect.DeepEqual(src.Header().Names, tt.header) {
				t.Errorf("header = %q, want %q", src.Header().Names, tt.header)
			}
			if tt.delim != 0 && src.Delimiter() != tt.delim {
				t.Errorf("delimiter = %q, want %q", src.Delimiter(), tt.delim)
			}
			got := readAll(t, src)
			checkRows(t, got, tt.want)
			for _, r := range got {
				if r.Err != nil && !errors.As(r.Err, new(*RowError)) {
					t.Errorf("line %d: error %T is not a *RowError", r.Row, r.Err)
				}
			}
		})
	}
}

func TestCSVOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		spec pipeline.SourceSpec
		want string
		kind error
	}{
		{"empty file", []byte{}, pipeline.SourceSpec{}, "in.csv: file is empty, no header row", nil},
		{"only a BOM", []byte("\xEF\xBB\xBF"), pipeline.SourceSpec{}, "in.csv: file is empty, no header row", nil},
		{"header without name", []byte("a;b;c;;e\n1;2;3;4;5\n"), pipeline.SourceSpec{}, "in.csv: header row 1: column 4 has no name", ErrHeader},
		{"header with blank name", []byte("a,\" \",c\n"), pipeline.SourceSpec{}, "in.csv: header row 1: column 2 has no name", ErrHeader},
		{"duplicate header", []byte("SKU;Name;SKU \n"), pipeline.SourceSpec{}, `in.csv: header row 1: column 3 repeats the name "SKU" of column 1`, ErrHeader},
		{"header row is blank", []byte("x\n\na;b\n"), pipeline.SourceSpec{HeaderRow: 2}, "in.csv: header row 2 is empty", ErrHeader},
		{"header row past the end", []byte("a;b\n1;2\n"), pipeline.SourceSpec{HeaderRow: 5}, "in.csv: header row 5 is past the end of the file, which has 2 lines", nil},
		{"header with broken quote", []byte("a;\"b\"x;c\n1;2;3\n"), pipeline.SourceSpec{}, "in.csv: header row 1: unbalanced quote in field 2", ErrHeader},
		{"header with a quote that never closes", []byte("a;\"b;c\n1;2\n"), pipeline.SourceSpec{}, "in.csv is damaged at row 1: the quote that opens field 2 on line 1 is not closed before the end of the file", ErrDamaged},
		{"windows-1252 read as utf-8", encode(t, charmap.Windows1252, "SKU;Name\nA1;Müller\n"), pipeline.SourceSpec{}, "in.csv: line 2 is not valid UTF-8 (byte 0xFC)", ErrEncoding},
		{"utf-16 without BOM", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), "SKU;Name\nA1;x\n"), pipeline.SourceSpec{}, "set source.encoding: utf-16le", ErrEncoding},
		{"xlsx given as csv", []byte("PK\x03\x04rest"), pipeline.SourceSpec{}, "use source.type: xlsx", nil},
		{"unknown encoding", []byte("a\n"), pipeline.SourceSpec{Encoding: "ebcdic"}, `source.encoding "ebcdic" is not supported (use one of: utf-8, utf-8-bom, windows-1252`, nil},
		{"long delimiter", []byte("a\n"), pipeline.SourceSpec{Delimiter: ";;"}, "source.delimiter \";;\" must be a single character", nil},
		{"delimiter equals quote", []byte("a\n"), pipeline.SourceSpec{Delimiter: "'", Quote: "'"}, "both", nil},
		{"negative header row", []byte("a\n"), pipeline.SourceSpec{HeaderRow: -1}, "source.header_row", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openCSVBytes(t, tt.data, tt.spec)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("error %q is not %v", err, tt.kind)
			}
		})
	}
}

func TestCSVMissingFile(t *testing.T) {
	dir := t.TempDir()
	_, err := OpenCSV(context.Background(), &pipeline.SourceSpec{Type: "csv", Path: "nope/missing.csv"}, &pipeline.Env{JobDir: dir})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error %v is not fs.ErrNotExist", err)
	}
	if !strings.Contains(err.Error(), filepath.Join(dir, "nope", "missing.csv")) {
		t.Errorf("error %q does not name the path", err)
	}
	_, err = OpenCSV(context.Background(), &pipeline.SourceSpec{Type: "csv", Path: dir}, nil)
	if err == nil || !strings.Contains(err.Error(), "folder") {
		t.Errorf("opening a folder: %v", err)
	}
}

func TestCSVRelativeAndAbsolutePath(t *testing.T) {
	dir := writeTemp(t, "in.csv", []byte("a\n1\n"))
	for _, p := range []string{"in.csv", filepath.Join(dir, "in.csv")} {
		src, err := OpenCSV(context.Background(), &pipeline.SourceSpec{Path: p}, &pipeline.Env{JobDir: dir})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if n := len(readAll(t, src)); n != 1 {
			t.Errorf("%s: %d records", p, n)
		}
		if err := src.Close(); err != nil {
			t.Error(err)
		}
		if err := src.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	}
}

// A quote that does not close on its line and then does not close properly
// breaks the structure of the file: Next fails with ErrDamaged at the record
// it opens, after the records before it, and reads nothing after it.
func TestCSVDamaged(t *testing.T) {
	many := "SKU;Name\nA0;x\nA1;\"open\n" + strings.Repeat("B;x\n", maxFieldLines+10) + "C;\"q\"\n"
	tests := []struct {
		name   string
		data   string
		before int // records returned before the error
		want   string
	}{{
		name:   "quote that never closes, another quote later",
		data:   "SKU;Name;Qty\nA1;x;1\nA2;\"Schraube 3/8;2\nA3;y;3\nA4;\"z\";4\nA5;w;5\n",
		before: 1,
		want:   `in.csv is damaged at row 3: the quote that opens field 2 on line 3 has no closing ": line 5 has a " before "z\";4"`,
	}, {
		name: "quote that never closes, no quote after it",
		data: "SKU;Name;Qty\nA1;\"x;1\nA2;y;2\nA3;z;3\n",
		want: "in.csv is damaged at row 2: the quote that opens field 2 on line 2 is not closed before the end of the file",
	}, {
		name:   "quote that never closes on the last line",
		data:   "SKU;Name;Qty\nA1;x;1\nA2;\"y;2\n",
		before: 1,
		want:   "in.csv is damaged at row 3: the quote that opens field 2 on line 3 is not closed before the end of the file",
	}, {
		name:   "file cut inside a quoted field",
		data:   "SKU;Name;Qty\nA1;x;1\nA2;\"y",
		before: 1,
		want:   "in.csv is damaged at row 3: the quote that opens field 2 on line 3 is not closed before the end of the file",
	}, {
		name:   "legit multi-line field before a broken one",
		data:   "a,b\n1,\"x\ny\"\n2,\"open\n3,z\n",
		before: 1,
		want:   "in.csv is damaged at row 4: the quote that opens field 2 on line 4 is not closed",
	}, {
		name:   "field spanning more lines than any real one",
		data:   many,
		before: 1,
		want:   fmt.Sprintf("in.csv is damaged at row 3: the quote that opens field 2 on line 3 is not closed within %d lines", maxFieldLines),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := openCSVBytes(t, []byte(tt.data), pipeline.SourceSpec{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for {
				rec, err := src.Next(context.Background())
				if err == io.EOF {
					t.Fatalf("read to the end (%d records), want %q", n, tt.want)
				}
				if err != nil {
					if !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrDamaged) {
						t.Fatalf("error %q, want ErrDamaged %q", err, tt.want)
					}
					break
				}
				if rec.Err != nil {
					t.Fatalf("line %d: %v", rec.Row, rec.Err)
				}
				n++
			}
			if n != tt.before {
				t.Errorf("%d records before the error, want %d", n, tt.before)
			}
			if _, err := src.Next(context.Background()); err != io.EOF {
				t.Errorf("Next after the error: %v, want io.EOF", err)
			}
		})
	}
}

// Invalid UTF-8 after the window checked on open fails that record only, and
// the failed record carries valid text for the error file.
func TestCSVInvalidUTF8LateInFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("SKU;Name\n")
	for b.Len() < sniffSize+1000 {
		b.WriteString("A;plain\n")
	}
	b.WriteString("B;M\xfcller\nC;ok\n")
	src, err := openCSVBytes(t, []byte(b.String()), pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, src)
	bad, last := got[len(got)-2], got[len(got)-1]
	if !errors.Is(bad.Err, ErrEncoding) || !strings.Contains(bad.Err.Error(), "field 2 is not valid UTF-8 (byte 0xFC)") {
		t.Errorf("bad record err = %v", bad.Err)
	}
	if bad.Fields[1] != "M\uFFFDller" {
		t.Errorf("bad record fields = %q", bad.Fields)
	}
	if last.Err != nil || last.Fields[0] != "C" {
		t.Errorf("last record = %q %v", last.Fields, last.Err)
	}
}

// Records handed out earlier must keep their values: the pipeline holds
// them while later ones are read.
func TestCSVRecordsAreNotReused(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b\n")
	for i := range 500 {
		b.WriteString(strings.Repeat("x", i%7) + "," + strings.Repeat("y", i%5) + "\n")
	}
	src, err := openCSVBytes(t, []byte(b.String()), pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, src)
	n := 0
	for i := range 500 {
		x, y := strings.Repeat("x", i%7), strings.Repeat("y", i%5)
		if x == "" && y == "" {
			continue // a delimiter-only line
		}
		if r := got[n]; r.Fields[0] != x || r.Fields[1] != y || r.Row != i+2 {
			t.Fatalf("record %d = line %d %q", n, r.Row, r.Fields)
		}
		n++
	}
	// An append by a consumer must not reach the next record's fields.
	_ = append(got[0].Fields, "spill")
	if got[1].Fields[0] == "spill" {
		t.Fatal("append spilled into the next record")
	}
}

func TestCSVContextCancel(t *testing.T) {
	data := []byte("a\n" + strings.Repeat("1\n", 1000))
	src, err := openCSVBytes(t, data, pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 1001 {
		if _, err = src.Next(ctx); err != nil {
			break
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := []struct {
		in   string
		want rune
	}{
		{"a,b,c\n1,2,3\n", ','},
		{"a;b;c\n1,5;2,5;3\n", ';'},
		{"a\tb\n1\t2\n", '\t'},
		{"a|b\n1|2\n", '|'},
		{"name\nx,y\n", 0},
		{"\"a;b\",c\n\"1;2\",3\n", ','},
		// a quoted line break does not end the line being counted
		{"a;b\n\"x\ny;z\";1\n", ';'},
		// more ; per line than , but , is consistent and ; is not
		{"a,b\n1;2;3,4\n5,6\n", ','},
	}
	for _, tt := range tests {
		if got := sniffDelimiter([]byte(tt.in), []byte{'"'}, true); got != tt.want {
			t.Errorf("sniff(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// SizeEstimate is a hint from the file size: close for a long file of
// even lines, exact for a file that fits the sniffing window.
func TestCSVSizeEstimate(t *testing.T) {
	var b strings.Builder
	b.WriteString("SKU;Name;Preis\r\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "ACME-%06d;Schraube Größe %d;%d,%02d\r\n", i, i%90, i%300, i%100)
	}
	long := b.String()
	for _, c := range []struct {
		name     string
		data     []byte
		encoding string
		min, max int64
	}{
		{"short, last line without line end", []byte("a;b\n1;2\n3;4"), "", 2, 2},
		{"short", []byte("a;b\n1;2\n3;4\n"), "", 2, 2},
		{"header only", []byte("a;b\n"), "", 0, 0},
		{"long", []byte(long), "", 19000, 21000},
		{"long, windows-1252", encode(t, charmap.Windows1252, long), "windows-1252", 19000, 21000},
		{"long, utf-16", encode(t, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), long), "", 19000, 21000},
	} {
		src, err := openCSVBytes(t, c.data, pipeline.SourceSpec{Encoding: c.encoding})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := src.SizeEstimate(); got < c.min || got > c.max {
			t.Errorf("%s: estimate %d, want %d..%d", c.name, got, c.min, c.max)
		}
		src.Close()
	}
}

// TestCSVLimits: a field, line or record past source.limits ends the read
// with ErrLimit naming the limit, in bounded memory.
func TestCSVLimits(t *testing.T) {
	tests := []struct {
		name string
		data string
		lim  pipeline.SourceLimits
		want string
	}{{
		name: "field",
		data: "SKU;Name\nA1;x\nA2;" + strings.Repeat("x", 2000) + "\nA3;y\n",
		lim:  pipeline.SourceLimits{MaxCellBytes: 1024},
		want: "in.csv is too large at row 3: field 2 is longer than that (source.limits.max_cell_bytes is 1 KiB; raise it if the file is genuine)",
	}, {
		name: "quoted field over lines",
		data: "SKU;Name\nA1;x\nA2;\"" + strings.Repeat("xxxxxxxxx\n", 200) + "\"\nA3;y\n",
		lim:  pipeline.SourceLimits{MaxCellBytes: 1024},
		want: "in.csv is too large at row 3: field 2 is longer than that",
	}, {
		name: "line",
		data: "SKU;Name\nA1;x\nA2;" + strings.Repeat("x", 300<<10) + "\nA3;y\n",
		lim:  pipeline.SourceLimits{MaxRowBytes: 128 << 10},
		want: "in.csv is too large at row 3: line 3 is longer than that (source.limits.max_row_bytes is 128 KiB",
	}, {
		name: "record over lines",
		data: "SKU;Name\nA1;x\nA2;\"" + strings.Repeat("xxxxxxxxx\n", 500) + "\"\nA3;y\n",
		lim:  pipeline.SourceLimits{MaxRowBytes: 4096},
		want: "in.csv is too large at row 3: the record from line 3 on is longer than that",
	}, {
		name: "columns",
		data: "SKU;Name\nA1;x\nA2;" + strings.Repeat(";", 20) + "\nA3;y\n",
		lim:  pipeline.SourceLimits{MaxColumns: 10},
		want: "in.csv is too large at row 3: the record has 22 fields (source.limits.max_columns is 10;",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := openCSVBytes(t, []byte(tt.data), pipeline.SourceSpec{Limits: &tt.lim})
			if err != nil {
				t.Fatal(err)
			}
			n, err := drainCSV(src)
			if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if n != 1 {
				t.Errorf("%d records before the error, want 1", n)
			}
		})
	}
}

func drainCSV(src *CSVSource) (int, error) {
	n := 0
	for {
		_, err := src.Next(context.Background())
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// TestCSVHugeField: a 200 MB field on one line, or a quoted one of long lines, is
// refused at the default limits without reading it into memory.
func TestCSVHugeField(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 200 MB files")
	}
	for _, quoted := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "in.csv")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString("SKU;Name\nA1;x\nA2;")
		chunk, chunks := strings.Repeat("x", 1<<20), 200
		if quoted {
			// lines of 1 MiB: the record, not the line count, is too long
			f.WriteString(`"`)
			chunk, chunks = chunk[1:]+"\n", 40
		}
		for range chunks {
			f.WriteString(chunk)
		}
		f.WriteString("\"\nA3;y\n")
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		var n int
		alloc := allocDuring(func() {
			var src pipeline.Source
			src, err = OpenCSV(context.Background(), &pipeline.SourceSpec{Type: "csv", Path: "in.csv"}, &pipeline.Env{JobDir: dir})
			if err != nil {
				return
			}
			defer src.Close()
			n, err = drainCSV(src.(*CSVSource))
		})
		want := "in.csv is too large at row 3: line 3 is longer than that (source.limits.max_row_bytes is 16 MiB"
		if quoted {
			want = "in.csv is too large at row 3: the record from line 3 on is longer than that (source.limits.max_row_bytes is 16 MiB"
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("quoted %v: error %v, want %q", quoted, err, want)
		}
		if n != 1 || alloc > 64<<20 {
			t.Errorf("quoted %v: %d records, %d MiB allocated", quoted, n, alloc>>20)
		}
	}
}

// Excel's delimiter line: "sep=;" alone on line 1 names the delimiter and
// is not a row (Excel hides it; header_row counts after it). A header that
// merely starts with "sep=" is a header; a job that names another
// delimiter is told which of the two to drop.
func TestCSVSepLine(t *testing.T) {
	utf16le := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	for _, c := range []struct {
		name   string
		data   []byte
		spec   pipeline.SourceSpec
		header []string
		delim  rune
		want   []row
	}{
		{name: "semicolon, commas in the values", data: []byte("sep=;\r\nSKU;Name\r\nA-1;Schraube, M4\r\n"),
			header: []string{"SKU", "Name"}, delim: ';', want: []row{{Line: 3, Fields: []string{"A-1", "Schraube, M4"}}}},
		{name: "upper case, pipe, LF", data: []byte("SEP=|\nSKU|Preis\nA-1|1,5\n"),
			header: []string{"SKU", "Preis"}, delim: '|', want: []row{{Line: 3, Fields: []string{"A-1", "1,5"}}}},
		{name: "tab after a UTF-8 BOM", data: []byte("\xEF\xBB\xBFsep=\t\nSKU\tPreis\nA-1\t2\n"),
			header: []string{"SKU", "Preis"}, delim: '\t', want: []row{{Line: 3, Fields: []string{"A-1", "2"}}}},
		{name: "UTF-16", data: encode(t, utf16le, "sep=;\r\nSKU;Preis\r\nA-1;2\r\n"),
			header: []string{"SKU", "Preis"}, delim: ';', want: []row{{Line: 3, Fields: []string{"A-1", "2"}}}},
		{name: "the job's delimiter, the same", data: []byte("sep=;\nSKU;Preis\nA-1;2\n"), spec: pipeline.SourceSpec{Delimiter: ";"},
			header: []string{"SKU", "Preis"}, delim: ';', want: []row{{Line: 3, Fields: []string{"A-1", "2"}}}},
		{name: "header_row after it", data: []byte("sep=;\nAusgabe 7/2026;\nSKU;Preis\nA-1;2\n"), spec: pipeline.SourceSpec{HeaderRow: 2},
			header: []string{"SKU", "Preis"}, delim: ';', want: []row{{Line: 4, Fields: []string{"A-1", "2"}}}},
		{name: "a header that starts with sep=", data: []byte("sep=x;Name\n1;2\n"),
			header: []string{"sep=x", "Name"}, delim: ';', want: []row{{Line: 2, Fields: []string{"1", "2"}}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, err := openCSVBytes(t, c.data, c.spec)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(src.Header().Names, c.header) || src.delim != c.delim {
				t.Errorf("header %q, delimiter %q; want %q, %q", src.Header().Names, src.delim, c.header, c.delim)
			}
			checkRows(t, readAll(t, src), c.want)
		})
	}
	_, err := openCSVBytes(t, []byte("sep=;\nSKU;Preis\n"), pipeline.SourceSpec{Delimiter: ","})
	if want := `in.csv: line 1, "sep=;", names the delimiter ';' (Excel's way), but source.delimiter is ',': remove one of them`; err == nil || err.Error() != want {
		t.Errorf("conflict: %v\nwant %s", err, want)
	}
}

// Ctrl-Z (0x1A), the end-of-file mark old DOS and Windows programs write
// after the last line, on a line of its own or glued to the last value, is
// neither a record nor part of a value.
func TestCSVDOSEndOfFileMark(t *testing.T) {
	for name, data := range map[string]string{
		"own line":         "SKU;Name\r\nA-1;Schraube\r\nA-2;Mutter\r\n\x1a",
		"own line, CRLF":   "SKU;Name\r\nA-1;Schraube\r\nA-2;Mutter\r\n\x1a\r\n",
		"after last value": "SKU;Name\r\nA-1;Schraube\r\nA-2;Mutter\x1a",
		"after a CR":       "SKU;Name\r\nA-1;Schraube\r\nA-2;Mutter\r\x1a\x1a",
	} {
		t.Run(name, func(t *testing.T) {
			src, err := openCSVBytes(t, []byte(data), pipeline.SourceSpec{})
			if err != nil {
				t.Fatal(err)
			}
			checkRows(t, readAll(t, src), []row{{Line: 2, Fields: []string{"A-1", "Schraube"}}, {Line: 3, Fields: []string{"A-2", "Mutter"}}})
		})
	}
}

// A delimiter at the end of the header ("SKU;Preis;", as some exports end
// every line) opens no column: the records' empty last fields are fine,
// and a value there fails its record, named with its field and the last
// named column.
func TestCSVTrailingDelimiter(t *testing.T) {
	src, err := openCSVBytes(t, []byte("SKU;Preis;\r\nA-1;12,50;\r\nA-2;3,99;x\r\nA-3;1;;\r\n"), pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	if got := src.Header().Names; !reflect.DeepEqual(got, []string{"SKU", "Preis"}) {
		t.Fatalf("header %q", got)
	}
	checkRows(t, readAll(t, src), []row{
		{Line: 2, Fields: []string{"A-1", "12,50"}},
		{Line: 3, Fields: []string{"A-2", "3,99"}, Err: `in.csv: line 3: expected 2 fields, found 3: field 3 holds "x", right of the last named column "Preis"; name its column in the header row, or clear it`},
		{Line: 4, Fields: []string{"A-3", "1"}},
	})
}

// A job that reads windows-1252 (or Latin-1/9) a file that is UTF-8, as
// when a supplier switches the export, would import every umlaut as two
// characters without an error: the file is refused at open, showing a
// word both ways. Real windows-1252 text, ASCII and a UTF-8 BOM (which
// wins over source.encoding) are read as before.
func TestCSVDeclaredSingleByteButUTF8(t *testing.T) {
	utf8Data := []byte("SKU;Name\nA-1;Schraube Müller Größe 4\nA-2;Mutter\n")
	for _, enc := range []string{"windows-1252", "latin1", "iso-8859-15"} {
		_, err := openCSVBytes(t, utf8Data, pipeline.SourceSpec{Encoding: enc})
		name := map[string]string{"windows-1252": "windows-1252", "latin1": "iso-8859-1", "iso-8859-15": "iso-8859-15"}[enc]
		// in windows-1252 "A-1;Schraube MÃ¼ller GrÃ¶ÃŸe 4"
		dec := charmap.Windows1252.NewDecoder()
		if enc == "iso-8859-15" {
			dec = charmap.ISO8859_15.NewDecoder()
		}
		wrong, _ := dec.String("A-1;Schraube Müller Größe 4")
		want := fmt.Sprintf(`in.csv: source.encoding is %s, but the file is UTF-8: "A-1;Schraube Müller Größe 4" would be read as %q; set source.encoding: utf-8 (or leave it out)`, name, wrong)
		if !errors.Is(err, ErrEncoding) || err.Error() != want {
			t.Errorf("%s: %v\nwant %s", enc, err, want)
		}
	}
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"windows-1252":       {encode(t, charmap.Windows1252, "SKU;Name\nA-1;Müller\n"), "Müller"},
		"ascii":              {[]byte("SKU;Name\nA-1;Mueller\n"), "Mueller"},
		"UTF-8 with its BOM": {append([]byte("\xEF\xBB\xBF"), utf8Data...), "Schraube Müller Größe 4"},
	} {
		src, err := openCSVBytes(t, c.data, pipeline.SourceSpec{Encoding: "windows-1252"})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if recs := readAll(t, src); len(recs) == 0 || recs[0].Fields[1] != c.want {
			t.Errorf("%s: %v", name, recs)
		}
	}
}

// Past the start that open looks at, a record whose text is UTF-8 read as
// windows-1252 ("MÃ¼ller", "â‚¬") fails, saying so, instead of importing
// the misread text; Ã, Â and â in real text (SÃO PAULO, pâté) do not.
func TestCSVUTF8MisreadLaterInFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("SKU;Name\n")
	for i := range 2000 {
		fmt.Fprintf(&b, "A-%d;Schraube M4 verzinkt, Packung zu 100 Stueck\n", i)
	}
	head := b.Len()
	b.WriteString("B-1;Schraube Müller\nB-2;Preis 5 €\nB-3;plain\n")
	cp := encode(t, charmap.Windows1252, "B-4;SÃO PAULO pâté Größe\n")
	data := append([]byte(b.String()), cp...)
	if head < sniffSize {
		t.Fatalf("the ASCII start is %d bytes, less than the %d open looks at", head, sniffSize)
	}
	src, err := openCSVBytes(t, data, pipeline.SourceSpec{Encoding: "windows-1252"})
	if err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, src)
	got := recs[2000:]
	checkRows(t, got, []row{
		{Line: 2002, Err: `in.csv: line 2002: "MÃ¼ller" is UTF-8 read as windows-1252 ("Müller"): the file is UTF-8; set source.encoding: utf-8 (or leave it out)`},
		{Line: 2003, Err: `"â‚¬" is UTF-8 read as windows-1252 ("€")`},
		{Line: 2004, Fields: []string{"B-3", "plain"}},
		{Line: 2005, Fields: []string{"B-4", "SÃO PAULO pâté Größe"}},
	})
	if !errors.Is(got[0].Err, ErrEncoding) {
		t.Errorf("kind: %v", got[0].Err)
	}
}
