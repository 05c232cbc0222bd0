package sources

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// FuzzCSVSource feeds arbitrary bytes as a file. Whatever the input:
//   - Open and Next never panic, and Next ends with io.EOF, or with an
//     ErrDamaged error naming the file and the line of the record it stops
//     at, only where encoding/csv fails too;
//   - Seq counts 0,1,2,..., Row grows and lies within the file, every record
//     has one field per column and only valid UTF-8;
//   - a record either has no Err or a *RowError of a known kind that names
//     the file and the record's first line;
//   - no line with content is dropped: lines between records hold nothing
//     but delimiters and quotes;
//   - where encoding/csv reads the same input without error, the records and
//     their lines are the same as encoding/csv's.
//
// Run it with: go test -run '^$' -fuzz FuzzCSVSource -fuzztime 60s ./sources/
func FuzzCSVSource(f *testing.F) {
	seeds := []string{
		"a,b\n1,2\n",
		"a;b;c\n1;2\n1;2;3;4\n",
		"SKU;Name\nA;\"open\nB;x\nC;\"q\"\n",
		"a,b\n\"x\ny\",2\n\"\"\"\",3\n",
		"a,b\n1,\"3/8\" Zoll\"\n2,3\n",
		"\xEF\xBB\xBFa\tb\n1\t2\n",
		"\xFF\xFEa\x00,\x00b\x00\n\x001\x00,\x002\x00\n\x00",
		"a|b\r\n1|2\r\n",
		"a;b\r1;2\r",
		"x\n\na;b\nu;v\n1;2\n",
		"a,b\n\n,\n\"\",\"\"\n1,\n",
		"a,\"b\n",
		"",
		"\"",
		"a\n\"\n\"\"\n\"\"\"\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(1))
		f.Add([]byte(s), uint8(0x16))
	}
	// One folder per worker: a fresh t.TempDir per input would cost more
	// than the parse.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, opts uint8) {
		spec := pipeline.SourceSpec{
			Type:      "csv",
			Path:      "in.csv",
			Delimiter: []string{"", ",", ";", "tab"}[opts&3],
			HeaderRow: int(opts>>2&3) + 1,
			Skip:      int(opts >> 4 & 1),
		}
		if opts&0x20 != 0 {
			spec.Encoding = "windows-1252"
		}
		if err := os.WriteFile(filepath.Join(dir, "in.csv"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := OpenCSV(context.Background(), &spec, &pipeline.Env{JobDir: dir})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		defer src.Close()
		cs := src.(*CSVSource)
		width := len(src.Header().Names)
		maxLines := bytes.Count(data, []byte{'\n'}) + bytes.Count(data, []byte{'\r'}) + 1

		var recs []*record.Record
		var ends []int
		prevEnd := cs.lastEnd
		starts := []int{prevEnd}
		var fatal error
		for {
			rec, err := src.Next(context.Background())
			if err == io.EOF {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrDamaged) {
					t.Fatalf("Next: %v", err)
				}
				var fe *fileError
				if !errors.As(err, &fe) || fe.row <= prevEnd || fe.row > maxLines || !strings.HasPrefix(err.Error(), fmt.Sprintf("in.csv is damaged at row %d: ", fe.row)) {
					t.Fatalf("Next: %v: does not name the line after %d", err, prevEnd)
				}
				fatal = err
				break
			}
			if len(recs) > maxLines {
				t.Fatalf("more records (%d) than lines (%d)", len(recs), maxLines)
			}
			if rec.Seq != int64(len(recs)) {
				t.Fatalf("Seq = %d, want %d", rec.Seq, len(recs))
			}
			if rec.Row <= prevEnd || rec.Row > maxLines || cs.lastEnd < rec.Row {
				t.Fatalf("record %d: Row %d (ends %d) after line %d, file has <= %d lines", rec.Seq, rec.Row, cs.lastEnd, prevEnd, maxLines)
			}
			if len(rec.Fields) != width {
				t.Fatalf("line %d: %d fields, header has %d", rec.Row, len(rec.Fields), width)
			}
			for _, fv := range rec.Fields {
				if !utf8.ValidString(fv) {
					t.Fatalf("line %d: field %q is not valid UTF-8", rec.Row, fv)
				}
			}
			if rec.Err != nil {
				var re *RowError
				if !errors.As(rec.Err, &re) || re.Line != rec.Row {
					t.Fatalf("line %d: error %v is not a RowError for its line", rec.Row, rec.Err)
				}
				if !errors.Is(rec.Err, ErrQuote) && !errors.Is(rec.Err, ErrFieldCount) && !errors.Is(rec.Err, ErrEncoding) {
					t.Fatalf("line %d: error %v has no known kind", rec.Row, rec.Err)
				}
				if !strings.Contains(rec.Err.Error(), fmt.Sprintf("in.csv: line %d: ", rec.Row)) {
					t.Fatalf("error %q does not name file and line %d", rec.Err, rec.Row)
				}
			}
			prevEnd = cs.lastEnd
			recs = append(recs, rec)
			ends = append(ends, cs.lastEnd)
			starts = append(starts, cs.lastEnd)
		}
		if _, err := src.Next(context.Background()); err != io.EOF {
			t.Fatalf("Next after EOF: %v", err)
		}
		if fatal != nil {
			// Damaged only where encoding/csv refuses the file too (or a
			// field spans more lines than this reader allows).
			if spec.HeaderRow == 1 && !strings.Contains(fatal.Error(), "is not closed within") && spec.Skip == 0 && spec.Encoding == "" && cs.delim != 0 && cs.delim < utf8.RuneSelf &&
				utf8.Valid(data) && !bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) && bytes.IndexByte(data, '\r') < 0 {
				cr := csv.NewReader(bytes.NewReader(data))
				cr.Comma, cr.FieldsPerRecord = cs.delim, -1
				if _, err := cr.ReadAll(); err == nil {
					t.Fatalf("%v, but encoding/csv reads the file", fatal)
				}
			}
			return
		}

		// The remaining checks read lines from the raw bytes, so they hold
		// for plain UTF-8 with LF line ends only.
		if spec.Encoding != "" || bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) || bytes.HasPrefix(data, []byte("\xFF\xFE")) ||
			bytes.HasPrefix(data, []byte("\xFE\xFF")) || bytes.IndexByte(data, '\r') >= 0 || !utf8.Valid(data) {
			return
		}
		comma := ""
		if cs.delim != 0 {
			comma = string(cs.delim)
		}
		lines := strings.SplitAfter(string(data), "\n")
		covered := make([]bool, len(lines)+2)
		for i, r := range recs {
			for l := r.Row; l <= ends[i]; l++ {
				covered[l] = true
			}
		}
		for l := starts[0] + 1; l <= len(lines); l++ {
			if covered[l] {
				continue
			}
			// Ctrl-Z, DOS's end-of-file mark, is no content (dosEOF)
			rest := strings.NewReplacer(`"`, "", "\n", "", "\x1a", "").Replace(lines[l-1])
			if comma != "" {
				rest = strings.ReplaceAll(rest, comma, "")
			}
			if rest != "" {
				t.Fatalf("line %d %q with content is in no record", l, lines[l-1])
			}
		}

		// Against encoding/csv, where it accepts the input. Excel's sep=
		// line is not a row for this reader, but one for encoding/csv.
		if spec.HeaderRow != 1 || spec.Skip != 0 || len(comma) != 1 || cs.hadSepLine {
			return
		}
		if !bytes.HasSuffix(data, []byte("\n")) {
			// Ctrl-Z after the last value is no part of it (dosEOF)
			data = bytes.TrimRight(data, "\x1a")
		}
		cr := csv.NewReader(bytes.NewReader(data))
		cr.Comma = rune(comma[0])
		cr.FieldsPerRecord = -1
		all, err := cr.ReadAll()
		if err != nil || len(all) == 0 {
			return
		}
		lineOf := make([]int, len(all))
		cr = csv.NewReader(bytes.NewReader(data))
		cr.Comma, cr.FieldsPerRecord = rune(comma[0]), -1
		for i := range all {
			if _, err := cr.Read(); err != nil {
				t.Fatalf("encoding/csv second pass: %v", err)
			}
			lineOf[i], _ = cr.FieldPos(0)
		}
		var want []int // indexes into all that should be records
		for i, fields := range all[1:] {
			// a line of Ctrl-Z alone is blank to this reader (dosEOF)
			if j := strings.Join(fields, ""); j != "" && !(len(fields) == 1 && strings.Trim(j, "\x1a") == "") {
				want = append(want, i+1)
			}
		}
		if len(want) != len(recs) {
			t.Fatalf("%d records, encoding/csv has %d", len(recs), len(want))
		}
		for k, i := range want {
			got, exp := recs[k], all[i]
			if got.Row != lineOf[i] {
				t.Fatalf("record %d: Row %d, encoding/csv says line %d", k, got.Row, lineOf[i])
			}
			for j := range width {
				e := ""
				if j < len(exp) {
					e = exp[j]
				}
				if got.Fields[j] != e {
					t.Fatalf("line %d field %d: %q, encoding/csv %q", got.Row, j+1, got.Fields[j], e)
				}
			}
			extraEmpty := len(exp) > width && strings.Join(exp[width:], "") == ""
			countOK := len(exp) == width || extraEmpty
			if countOK != (got.Err == nil) {
				t.Fatalf("line %d: %d fields for %d columns, err = %v", got.Row, len(exp), width, got.Err)
			}
		}
	})
}

// FuzzXLSXSource feeds damaged workbooks: the whole file (opts bit 0 clear:
// corrupted archives) or the sheet XML inside an intact package (bit 0
// set), seeded with a small valid workbook. Whatever the input:
//   - Open and Next never panic; Open fails with a message, Next ends with
//     io.EOF or with an ErrDamaged or ErrLimit error that names the file,
//     and reads nothing after it;
//   - Seq counts 0,1,2,..., Row grows strictly, every record has one field
//     per column, valid UTF-8, and no Err or a *RowError of a cell kind.
//
// Run it with: go test -run '^$' -fuzz FuzzXLSXSource -fuzztime 60s ./sources/
func FuzzXLSXSource(f *testing.F) {
	seedDir := f.TempDir()
	seedPath := filepath.Join(seedDir, "seed.xlsx")
	{
		x := excelize.NewFile()
		rows := [][]any{
			{"SKU", "Name", "Preis", "Aktiv", "Datum", "Menge"},
			{"A-1", "Käse „Gouda“", 70.84999999999999, true, 45123.5, 1},
			{"A-2", "Schraube 3/8\" _x000D_", 0.1, false, nil, 0},
			{},
			{"A-3", nil, 4006381333931, nil, "#N/A", 12345678901234567},
		}
		for i, r := range rows {
			for j, v := range r {
				if v != nil {
					x.SetCellValue("Sheet1", cellName(j, i+1), v)
				}
			}
		}
		x.SetCellFormula("Sheet1", "F6", "F2+F3")
		if err := x.SaveAs(seedPath); err != nil {
			f.Fatal(err)
		}
		x.Close()
	}
	// The whole-file seed is a minimal package: the fuzzer minimizes each
	// new input, and an excelize workbook (theme, styles, properties) is
	// too large for that to finish within a short run.
	minimal := filepath.Join(seedDir, "minimal.xlsx")
	for _, method := range []uint16{zip.Deflate, zip.Store} {
		writeBookMethod(f, minimal, method, sheetHead+headerRowXML+
			`<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="b"><v>1</v></c><c r="C2"><v>70.84999999999999</v></c></row>`+
			`<row r="4"><c r="A4" t="inlineStr"><is><r><t>x</t></r><rPh><t>y</t></rPh></is></c></row>`+sheetTail,
			"xl/sharedStrings.xml", `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>A_x000D_1</t></si></sst>`)
		whole, err := os.ReadFile(minimal)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(whole, uint8(0))
	}
	zr, err := zip.OpenReader(seedPath)
	if err != nil {
		f.Fatal(err)
	}
	for _, zf := range zr.File {
		if zf.Name == "xl/worksheets/sheet1.xml" {
			rc, _ := zf.Open()
			sheet, _ := io.ReadAll(rc)
			rc.Close()
			f.Add(sheet, uint8(1))
			f.Add(sheet, uint8(3))
		}
	}
	zr.Close()
	f.Add([]byte(sheetHead+headerRowXML+`<row r="2"><c r="A2" t="b"><v>1</v></c></row><row><c t="s"><v>0</v></c></row>`+sheetTail), uint8(1))

	dir := f.TempDir()
	path := filepath.Join(dir, "in.xlsx")
	lim := &pipeline.SourceLimits{MaxCellBytes: 64 << 10, MaxRowBytes: 256 << 10, MaxColumns: 512, MaxUncompressedBytes: 8 << 20, MaxSharedStrings: 1 << 20}
	f.Fuzz(func(t *testing.T, data []byte, opts uint8) {
		if opts&1 == 0 {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			writeBookMethod(t, path, zip.Store, string(data))
		}
		spec := pipeline.SourceSpec{Type: "xlsx", Path: "in.xlsx", HeaderRow: int(opts>>1&1) + 1, Limits: lim}
		src, err := OpenXLSX(context.Background(), &spec, &pipeline.Env{JobDir: dir})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		defer src.Close()
		width := len(src.Header().Names)
		prevRow := 0
		for n := int64(0); ; n++ {
			rec, err := src.Next(context.Background())
			if err == io.EOF {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrLimit) {
					t.Fatalf("Next: %v is neither damage nor a limit", err)
				}
				if !strings.HasPrefix(err.Error(), "in.xlsx is ") {
					t.Fatalf("Next: %q does not name the file", err)
				}
				if _, again := src.Next(context.Background()); again != io.EOF {
					t.Fatalf("Next after %v: %v", err, again)
				}
				break
			}
			if rec.Seq != n || rec.Row <= prevRow || len(rec.Fields) != width {
				t.Fatalf("record %d: Seq %d, Row %d after %d, %d fields for %d columns", n, rec.Seq, rec.Row, prevRow, len(rec.Fields), width)
			}
			prevRow = rec.Row
			for _, v := range rec.Fields {
				if !utf8.ValidString(v) {
					t.Fatalf("row %d: %q is not valid UTF-8", rec.Row, v)
				}
			}
			if rec.Err != nil && !errors.Is(rec.Err, ErrCell) && !errors.Is(rec.Err, ErrFieldCount) {
				t.Fatalf("row %d: error %v of no cell kind", rec.Row, rec.Err)
			}
		}
	})
}
