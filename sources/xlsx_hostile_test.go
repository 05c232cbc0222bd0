package sources

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/pipeline"
)

// openBookLimits opens path with the given limits (nil: the defaults).
func openBookLimits(path string, lim *pipeline.SourceLimits) (*XLSXSource, error) {
	src, err := OpenXLSX(context.Background(), &pipeline.SourceSpec{Type: "xlsx", Path: "in.xlsx", Limits: lim},
		&pipeline.Env{JobDir: filepath.Dir(path)})
	if err != nil {
		return nil, err
	}
	return src.(*XLSXSource), nil
}

// drainXLSX reads to the end and returns the records read and the error that
// ended the reading (nil at io.EOF).
func drainXLSX(src *XLSXSource) (int, error) {
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

// openAndDrain opens and reads path; the error is the one of Open or Next.
func openAndDrain(t *testing.T, path string, lim *pipeline.SourceLimits) (int, error) {
	t.Helper()
	src, err := openBookLimits(path, lim)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	n, err := drainXLSX(src)
	if err != nil {
		if _, again := src.Next(context.Background()); again != io.EOF && !errors.Is(again, ErrDamaged) && !errors.Is(again, ErrLimit) {
			t.Errorf("Next after the error: %v", again)
		}
	}
	return n, err
}

// damagedBook is a workbook of 300 data rows as excelize writes it (shared
// strings and numbers), with edit applied to the bytes of part.
func damagedBook(t *testing.T, part string, edit func([]byte) []byte) string {
	t.Helper()
	dir := saveBook(t, func(f *excelize.File) {
		setRows(t, f, "Sheet1", 1, []any{"SKU", "Qty"})
		for i := 2; i <= 301; i++ {
			setRows(t, f, "Sheet1", i, []any{fmt.Sprintf("A-%03d", i), i})
		}
	})
	path := filepath.Join(dir, "in.xlsx")
	if edit != nil {
		rewriteZipPart(t, path, part, edit)
	}
	return path
}

func replaceOnce(old, new string) func([]byte) []byte {
	return func(b []byte) []byte { return bytes.Replace(b, []byte(old), []byte(new), 1) }
}

// TestXLSXDamaged: a workbook whose package or sheet XML is broken is
// refused with ErrDamaged, naming the file and the row, and never read in
// part to a quiet end (excelize drops the decoder's errors and ends the
// sheet early).
func TestXLSXDamaged(t *testing.T) {
	const sheet = "xl/worksheets/sheet1.xml"
	if n, err := openAndDrain(t, damagedBook(t, sheet, nil), nil); n != 300 || err != nil {
		t.Fatalf("intact book: %d records, %v", n, err)
	}
	tests := []struct {
		name string
		part string
		edit func([]byte) []byte
		want string // regexp of the whole message
	}{{
		name: "malformed XML",
		part: sheet,
		edit: replaceOnce(`<row r="150"`, `<row r="150"><x>`),
		want: `^in\.xlsx is damaged at row 150: part xl/worksheets/sheet1\.xml: .*`,
	}, {
		name: "undefined entity",
		part: sheet,
		edit: replaceOnce(`<v>150</v>`, `<v>&bogus;</v>`),
		want: `^in\.xlsx is damaged at row 150: part xl/worksheets/sheet1\.xml: XML syntax error on line \d+: invalid character entity &bogus;`,
	}, {
		name: "DOCTYPE",
		part: sheet,
		edit: replaceOnce(`?>`, `?><!DOCTYPE worksheet [<!ENTITY lol "lol">]>`),
		want: `^in\.xlsx is damaged at row 1: part xl/worksheets/sheet1\.xml: line \d+: the XML declares a DOCTYPE`,
	}, {
		name: "rows numbered backwards",
		part: sheet,
		edit: func(b []byte) []byte {
			return bytes.Replace(b, []byte(`<row r="150"><c r="A150"`), []byte(`<row r="100"><c r="A100"`), 1)
		},
		want: `^in\.xlsx is damaged at row 100: row 100 comes after row 149: rows are numbered backwards$`,
	}, {
		name: "row numbered twice",
		part: sheet,
		edit: func(b []byte) []byte {
			b = bytes.Replace(b, []byte(`<row r="150">`), []byte(`<row r="149">`), 1)
			return bytes.ReplaceAll(b, []byte(`150"`), []byte(`149"`))
		},
		want: `^in\.xlsx is damaged at row 149: row 149 comes after row 149: rows are numbered twice$`,
	}, {
		name: "cells out of order",
		part: sheet,
		edit: replaceOnce(`<c r="B150"`, `<c r="A150"`),
		want: `^in\.xlsx is damaged at row 150: cell A150 comes after cell A150`,
	}, {
		name: "sheet cut short",
		part: sheet,
		edit: func(b []byte) []byte { return b[:bytes.Index(b, []byte(`<row r="200"`))] },
		want: `^in\.xlsx is damaged at row 200: part xl/worksheets/sheet1\.xml: the XML ends inside <sheetData>`,
	}, {
		name: "undefined entity in the shared strings",
		part: "xl/sharedStrings.xml",
		edit: replaceOnce(`A-150`, `A-&bogus;`),
		want: `^in\.xlsx is damaged: part xl/sharedStrings\.xml: XML syntax error .*`,
	}, {
		name: "elements nested without end",
		part: sheet,
		edit: replaceOnce(`<row r="150"`, strings.Repeat("<x>", 300)+`<row r="150"`),
		want: `^in\.xlsx is damaged at row 150: part xl/worksheets/sheet1\.xml: line \d+: elements nest deeper than 256 levels$`,
	}, {
		name: "damaged workbook part",
		part: "xl/workbook.xml",
		edit: replaceOnce(`<sheets>`, `<sheets><`),
		want: `^in\.xlsx is damaged: part xl/workbook\.xml: XML syntax error`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := openAndDrain(t, damagedBook(t, tt.part, tt.edit), nil)
			if err == nil {
				t.Fatalf("read %d records without an error", n)
			}
			if !errors.Is(err, ErrDamaged) || !regexp.MustCompile(tt.want).MatchString(err.Error()) {
				t.Fatalf("error %q, want ErrDamaged matching %s", err, tt.want)
			}
		})
	}
}

// TestXLSXCorruptDeflate flips bytes in the middle of the sheet's deflate
// stream: whatever the inflater makes of it (an error, other bytes that are
// no XML, or the same XML with a wrong checksum), the file is refused.
func TestXLSXCorruptDeflate(t *testing.T) {
	path := damagedBook(t, "", nil)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	var off, size int64
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			if off, err = f.DataOffset(); err != nil {
				t.Fatal(err)
			}
			size = int64(f.CompressedSize64)
		}
	}
	if size < 100 {
		t.Fatalf("sheet part of %d bytes", size)
	}
	for _, at := range []int64{size / 3, size / 2, 2 * size / 3, size - 10} {
		for _, mask := range []byte{0x01, 0x10, 0xFF} {
			b := bytes.Clone(raw)
			b[off+at] ^= mask
			p := filepath.Join(t.TempDir(), "in.xlsx")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			n, err := openAndDrain(t, p, nil)
			if !errors.Is(err, ErrDamaged) || !strings.HasPrefix(err.Error(), "in.xlsx is damaged at row ") {
				t.Errorf("byte %d ^ %#x: %d records, error %v; want ErrDamaged at a row", at, mask, n, err)
			}
		}
	}
}

// allocDuring returns the bytes allocated while f runs.
func allocDuring(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

const headerRowXML = `<row r="1"><c r="A1" t="inlineStr"><is><t>SKU</t></is></c></row>`

// TestXLSXBombs: a zip bomb ends with a clear error naming the limit, in
// bounded memory, with small limits to prove the mechanism; and leaves no
// temporary file.
func TestXLSXBombs(t *testing.T) {
	const mib = 1 << 20
	wideRow := "<row>" + strings.Repeat(`<c><v>1</v></c>`, 16000) + "</row>"
	tests := []struct {
		name  string
		sheet rawPart
		lim   pipeline.SourceLimits
		kind  error
		want  string
	}{{
		name:  "one cell",
		sheet: bomb(t, sheetHead+headerRowXML+`<row r="2"><c r="A2" t="inlineStr"><is><t>`, repeatTo("A", mib), `</t></is></c></row>`+sheetTail, 16),
		lim:   pipeline.SourceLimits{MaxCellBytes: 256 << 10},
		kind:  ErrLimit,
		want:  "in.xlsx is too large: the sheet holds a value or a run of spaces of more than that (source.limits.max_cell_bytes is 256 KiB; raise it if the file is genuine)",
	}, {
		name:  "spaces",
		sheet: bomb(t, sheetHead+headerRowXML+`<row r="2"><c r="A2"><v>1</v></c></row>`, repeatTo(" ", mib), `<row r="3"><c r="A3"><v>1</v></c></row>`+sheetTail, 16),
		lim:   pipeline.SourceLimits{MaxCellBytes: 256 << 10},
		kind:  ErrLimit,
		want:  "source.limits.max_cell_bytes is 256 KiB",
	}, {
		name:  "16000 columns",
		sheet: bomb(t, sheetHead+headerRowXML, wideRow, sheetTail, 16),
		lim:   pipeline.SourceLimits{MaxColumns: 100},
		kind:  ErrLimit,
		want:  "in.xlsx is too large at row 2: cell CW2 is in column 101 (source.limits.max_columns is 100; raise it if the file is genuine)",
	}, {
		name:  "row bytes",
		sheet: bomb(t, sheetHead+headerRowXML, wideRow, sheetTail, 16),
		lim:   pipeline.SourceLimits{MaxRowBytes: 8 << 10, MaxColumns: 16384},
		kind:  ErrLimit,
		want:  "in.xlsx is too large at row 2: the row holds more than that (source.limits.max_row_bytes is 8 KiB",
	}, {
		name:  "unpacked size",
		sheet: bomb(t, sheetHead+headerRowXML, repeatTo(" ", mib), sheetTail, 16),
		lim:   pipeline.SourceLimits{MaxUncompressedBytes: 8 * mib},
		kind:  ErrLimit,
		want:  "in.xlsx is too large: part xl/worksheets/sheet1.xml unpacks to 16777448 bytes (source.limits.max_uncompressed_bytes is 8 MiB",
	}, {
		name: "declared size that lies",
		sheet: func() rawPart {
			p := bomb(t, sheetHead+headerRowXML, repeatTo(" ", mib), sheetTail, 16)
			p.size = 100 << 10
			return p
		}(),
		kind: ErrDamaged,
		want: "in.xlsx is damaged at row 2: part xl/worksheets/sheet1.xml: zip: not a valid zip file",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			path := filepath.Join(t.TempDir(), "in.xlsx")
			writeBook(t, path, tt.sheet)
			var err error
			alloc := allocDuring(func() { _, err = openAndDrain(t, path, &tt.lim) })
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %v containing %q", err, tt.kind, tt.want)
			}
			if alloc > 32<<20 {
				t.Errorf("%d MiB allocated for a bomb of %d MiB", alloc>>20, tt.sheet.size>>20)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// TestXLSXBombsDefaultLimits: bombs of gigabytes from a few MB are refused
// at the default limits before their bulk is unpacked.
func TestXLSXBombsDefaultLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gigabyte bombs")
	}
	const mib = 1 << 20
	tests := []struct {
		name  string
		sheet rawPart
		want  string
	}{{
		name:  "5 GiB of spaces",
		sheet: bomb(t, sheetHead+headerRowXML, repeatTo(" ", mib), sheetTail, 5<<10),
		want:  "in.xlsx is too large: part xl/worksheets/sheet1.xml unpacks to 5368709352 bytes (source.limits.max_uncompressed_bytes is 4 GiB",
	}, {
		name:  "1 GiB in one cell",
		sheet: bomb(t, sheetHead+headerRowXML+`<row r="2"><c r="A2" t="inlineStr"><is><t>`, repeatTo("A", mib), `</t></is></c></row>`+sheetTail, 1<<10),
		want:  "source.limits.max_cell_bytes is 4 MiB",
	}, {
		name:  "1 GiB of spaces",
		sheet: bomb(t, sheetHead+headerRowXML+`<row r="2"><c r="A2"><v>1</v></c></row>`, repeatTo(" ", mib), sheetTail, 1<<10),
		want:  "source.limits.max_cell_bytes is 4 MiB",
	}, {
		name:  "1 GiB of 16000-column rows",
		sheet: bomb(t, sheetHead+headerRowXML, repeatTo("<row>"+strings.Repeat(`<c><v>1</v></c>`, 16000)+"</row>", mib), sheetTail, 1<<10),
		want:  "in.xlsx is too large at row 2: cell FAO2 is in column 4097 (source.limits.max_columns is 4096",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "in.xlsx")
			writeBook(t, path, tt.sheet)
			if fi, err := os.Stat(path); err != nil || fi.Size() > 8*mib {
				t.Fatalf("bomb of %v bytes (%v), want a few MB", fi.Size(), err)
			}
			var err error
			alloc := allocDuring(func() { _, err = openAndDrain(t, path, nil) })
			if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if alloc > 64<<20 {
				t.Errorf("%d MiB allocated", alloc>>20)
			}
		})
	}
}

// TestXLSXNoTempFiles: a sheet larger than excelize's 16 MiB threshold for
// unpacking to a temporary file is read from the archive as a stream:
// nothing is written to TMPDIR while reading, on error or after Close.
func TestXLSXNoTempFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	row := `<row><c t="inlineStr"><is><t>` + strings.Repeat("x", 200) + `</t></is></c></row>`
	unit := repeatTo(row, 1<<20)
	path := filepath.Join(t.TempDir(), "in.xlsx")
	writeBook(t, path, bomb(t, sheetHead+headerRowXML, unit, sheetTail, 17))
	src, err := openBookLimits(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temporary files after open: %v", left)
	}
	n, err := drainXLSX(src)
	if want := 17 * len(unit) / len(row); err != nil || n != want {
		t.Errorf("%d records, %v; want %d", n, err, want)
	}
	src.Close()
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temporary files after Close: %v", left)
	}
}

const sstHead = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`

// TestXLSXStrings: shared strings (plain, rich text runs without their
// phonetic guide, _xHHHH_ escapes), inline strings and formula text, read
// in the one pass; a reference to a shared string that does not exist fails
// its record only.
func TestXLSXStrings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.xlsx")
	writeBook(t, path, sheetHead+
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>`+
		`<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="inlineStr"><is><t xml:space="preserve"> a&amp;b </t></is></c></row>`+
		`<row r="3"><c r="A3" t="str"><f>A2&amp;"x"</f><v>Line_x000D_x</v></c><c r="B3" t="s"><v> 3 </v></c></row>`+
		`<row r="4"><c r="A4" t="s"><v>7</v></c><c r="B4"><v>1</v></c></row>`+
		sheetTail,
		"xl/sharedStrings.xml", sstHead+`<si><t>SKU</t></si><si><t>Name</t></si>`+
			`<si><r><rPr><b/></rPr><t>Käse </t></r><r><t>„Gouda“</t></r><rPh sb="0" eb="1"><t>カ</t></rPh></si>`+
			`<si><t>a_x000D__x000A_b_x005F_x000D_</t></si></sst>`)
	src, err := openBookLimits(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	checkRows(t, readAll(t, src), []row{
		{Line: 2, Fields: []string{"Käse „Gouda“", " a&b "}},
		{Line: 3, Fields: []string{"Line_x000D_x", "a\r\nb_x000D_"}},
		{Line: 4, Fields: []string{"", "1"}, Err: `in.xlsx: sheet "Sheet1": row 4: cell A4 refers to shared string "7", which the workbook does not have`},
	})

	// the table's size is bounded as it is read
	var sst strings.Builder
	sst.WriteString(sstHead + `<si><t>SKU</t></si>`)
	for i := range 2000 {
		fmt.Fprintf(&sst, "<si><t>%0100d</t></si>", i)
	}
	sst.WriteString(`</sst>`)
	writeBook(t, path, sheetHead+`<row r="1"><c r="A1" t="s"><v>0</v></c></row>`+sheetTail, "xl/sharedStrings.xml", sst.String())
	_, err = openBookLimits(path, &pipeline.SourceLimits{MaxSharedStrings: 64 << 10})
	if want := "in.xlsx is too large: the shared strings table holds more text than that (source.limits.max_shared_strings_bytes is 64 KiB"; !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
	if src, err := openBookLimits(path, nil); err != nil {
		t.Errorf("at the default limit: %v", err)
	} else {
		src.Close()
	}
}

// A formula stored without its result, as programs that do not calculate
// write it (openpyxl: <f>B2*2</f><v></v>; others leave <v> out), has no
// known value, and an error code (#DIV/0!, #N/A) is none: the record fails
// naming the cell (and the formula), instead of reading as empty or as the
// code's text, when the job reads that column. A formula with its result
// reads as the result, an empty text result included. A header cell
// without its result stops the run at open.
func TestXLSXCellsWithoutValue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.xlsx")
	long := strings.Repeat("A1+", 40) + "1"
	writeBook(t, path, sheetHead+
		`<row r="1"><c r="A1" t="inlineStr"><is><t>SKU</t></is></c><c r="B1" t="inlineStr"><is><t>Preis</t></is></c><c r="C1" t="inlineStr"><is><t>Notiz</t></is></c></row>`+
		`<row r="2"><c r="A2" t="inlineStr"><is><t>A-1</t></is></c><c r="B2"><f>1+1</f><v>2</v></c><c r="C2" t="str"><f>""</f><v></v></c></row>`+
		`<row r="3"><c r="A3" t="inlineStr"><is><t>A-2</t></is></c><c r="B3"><f>B2*2</f><v></v></c></row>`+
		`<row r="4"><c r="A4" t="inlineStr"><is><t>A-3</t></is></c><c r="B4"><f>B2*3</f></c></row>`+
		`<row r="5"><c r="A5" t="inlineStr"><is><t>A-4</t></is></c><c r="B5"><f t="shared" si="0"/></c></row>`+
		`<row r="6"><c r="A6" t="inlineStr"><is><t>A-5</t></is></c><c r="B6"><v>7</v></c><c r="C6"><f>`+long+`</f><v/></c></row>`+
		`<row r="7"><c r="A7" t="inlineStr"><is><t>A-6</t></is></c><c r="B7"><v>8</v></c><c r="C7" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>`+
		`<row r="8"><c r="A8" t="inlineStr"><is><t>A-7</t></is></c><c r="B8" t="e"><v>#N/A</v></c></row>`+
		sheetTail)
	const advice = " but not its result (the program that wrote the file did not calculate it): open the file in Excel or LibreOffice, save it, and run the job again"
	at := func(row int) string { return fmt.Sprintf(`in.xlsx: sheet "Sheet1": row %d: `, row) }
	all := []row{
		{Line: 2, Fields: []string{"A-1", "2", ""}},
		{Line: 3, Fields: []string{"A-2", "", ""}, Err: at(3) + "cell B3 (column \"Preis\") holds the formula =B2*2" + advice},
		{Line: 4, Fields: []string{"A-3", "", ""}, Err: at(4) + "cell B4 (column \"Preis\") holds the formula =B2*3" + advice},
		{Line: 5, Fields: []string{"A-4", "", ""}, Err: at(5) + "cell B5 (column \"Preis\") holds a formula" + advice},
		{Line: 6, Fields: []string{"A-5", "7", ""}, Err: at(6) + "cell C6 (column \"Notiz\") holds the formula =" + long[:maxFormulaShown] + "…" + advice},
		{Line: 7, Fields: []string{"A-6", "8", "#DIV/0!"}, Err: at(7) + "cell C7 (column \"Notiz\") holds the error #DIV/0!, not a value: its formula =1/0 could not be calculated; correct it or the cells it uses, and run the job again"},
		{Line: 8, Fields: []string{"A-7", "#N/A", ""}, Err: at(8) + "cell B8 (column \"Preis\") holds the error #N/A, not a value: correct the cell, and run the job again"},
	}
	src, err := openBookLimits(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, readAll(t, src), all)
	src.Close()

	// a job that does not read Notiz: row 6's formula does not matter
	src, err = openBookLimits(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	src.ProjectColumns(pipeline.Projection{Columns: []string{"sku", "Preis"}})
	all[4].Err, all[5].Err = "", ""
	checkRows(t, readAll(t, src), all)
	src.Close()

	writeBook(t, path, sheetHead+`<row r="1"><c r="A1" t="inlineStr"><is><t>SKU</t></is></c><c r="B1"><f>"Pr"&amp;"eis"</f></c></row>`+sheetTail)
	if _, err := openBookLimits(path, nil); err == nil || !strings.Contains(err.Error(), `cell B1 holds the formula ="Pr"&"eis"`+advice) {
		t.Errorf("header: %v", err)
	}
}
