package sources

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
	"github.com/wawi-etl/etl/report"
)

func TestClassifyFormat(t *testing.T) {
	padded := func(n uint8) numFormat { return numFormat{kind: fmtPadded, width: n} }
	var (
		general  = numFormat{}
		date     = numFormat{kind: fmtDate}
		dateTime = numFormat{kind: fmtDateTime}
		clock    = numFormat{kind: fmtTime}
	)
	for _, c := range []struct {
		code string
		want numFormat
	}{
		// zero padding
		{"00000", padded(5)},
		{"[<=99999]00000", padded(5)}, // Excel's German "Postleitzahl"
		{"0000000000000", padded(13)}, // a GTIN
		{"00", padded(2)},
		{"00000;-00000", padded(5)},              // the first section counts
		{"[Blue]00000;[Red]-00000", padded(5)},   // colours are no literals
		{"[<=99999]00000;00000-0000", padded(5)}, // ZIP+4: the rest is the stored number
		{"[<100000]00000", padded(5)},
		{"[<=9999]00000", general}, // 12345 would take another section
		{"[<99999]00000", general}, // so would 99999
		{"[>=100]00000", general},  // and 7
		{"[=0]00000", general},
		{"[<>0]00000", general},
		{"[<=abc]00000", general},
		{"[<=99999][>0]00000", general},
		{"[<1]hh:mm;dd.mm.yyyy", general},
		{"0", general},
		{"0.00", general},
		{"000.00", general},
		{"#,##0", general},
		{"#,##0.00", general},
		{`#,##0.00 "€"`, general},
		{`#,##0.00\ [$€-407]`, general},
		{`00000" Stk"`, general},
		{`\d\a\y 0`, general}, // escaped letters are literals, not a date
		{`"PLZ "00000`, general},
		{"0%", general},
		{"0.00E+00", general},
		{"# ?/?", general},
		{"@", general},
		{"General", general},
		{"GENERAL", general},
		{"", general},
		{"_-* #,##0.00 €_-;-* #,##0.00 €_-;_-* \"-\"?? €_-;_-@_-", general}, // accounting
		// dates
		{"DD.MM.YYYY", date},
		{"dd.mm.yyyy", date},
		{"dd/mm/yy;@", date},
		{"yyyy-mm-dd", date},
		{"[$-407]DD. MMMM YYYY", date},
		{"[$-F800]dddd, mmmm dd, yyyy", date},
		{`"Datum: "dd.mm.yyyy`, date},
		{"mmm-yy", date},
		{"d-mmm", date},
		{"MMMM YYYY", date},
		{`dd\.mm\.yyyy`, date},
		// times of day
		{"h:mm AM/PM", clock},
		{"hh:mm", clock},
		{"HH:MM", clock},
		{"h:mm:ss", clock},
		{"mm:ss", clock},
		{"mm:ss.0", clock},
		{"[$-F400]h:mm:ss AM/PM", clock},
		// both
		{"yyyy-mm-dd hh:mm:ss", dateTime},
		{"DD.MM.YYYY HH:MM", dateTime},
		{"m/d/yy h:mm", dateTime},
		{"dd.mm.yyyy hh:mm;@", dateTime},
		// durations: a number of hours, not a time of day
		{"[h]:mm:ss", general},
		{"[hh]:mm", general},
		{"[mm]:ss", general},
		{"[s]", general},
		// month alone, without a day or year: not told from minutes
		{"mmmm", general},
		// broken codes read as stored
		{"[<=99999", general},
		{`"unclosed`, general},
		{`00000\`, general},
		{strings.Repeat("0", 256), general}, // longer than Excel allows
	} {
		if got := classifyFormat(c.code); got != c.want {
			t.Errorf("classifyFormat(%q) = %+v, want %+v", c.code, got, c.want)
		}
	}
}

func TestBuiltinFormats(t *testing.T) {
	want := map[int]numKind{14: fmtDate, 15: fmtDate, 16: fmtDate, 17: fmtDate,
		18: fmtTime, 19: fmtTime, 20: fmtTime, 21: fmtTime, 22: fmtDateTime, 45: fmtTime, 47: fmtTime}
	for id := range 200 {
		if got := builtinFormat(id).kind; got != want[id] {
			t.Errorf("built-in format %d: kind %d, want %d", id, got, want[id])
		}
	}
}

// shownCase is a cell with a number format: its stored value as read and
// what it shows ("" when the stored value).
type shownCase struct {
	name   string
	format any // a format code, or a built-in id
	value  any
	stored string
	shown  string
}

// shownBook writes one column per case (header: the case's name) and
// returns the folder of in.xlsx.
func shownBook(t *testing.T, date1904 bool, cases []shownCase) string {
	t.Helper()
	return saveBook(t, func(f *excelize.File) {
		if date1904 {
			if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range cases {
			setRows(t, f, "Sheet1", 1, append(make([]any, i), c.name))
			var st excelize.Style
			switch v := c.format.(type) {
			case string:
				st.CustomNumFmt = &v
			case int:
				st.NumFmt = v
			}
			id, err := f.NewStyle(&st)
			if err != nil {
				t.Fatal(err)
			}
			cell := cellName(i, 2)
			switch v := c.value.(type) {
			case string: // a number as stored
				err = f.SetCellDefault("Sheet1", cell, v)
			default:
				err = f.SetCellValue("Sheet1", cell, v)
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellStyle("Sheet1", cell, cell, id); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func checkShown(t *testing.T, dir string, cases []shownCase) *record.Record {
	t.Helper()
	src, err := openXLSXDir(t, dir, pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, src)
	if len(recs) != 1 || recs[0].Err != nil {
		t.Fatalf("records %v", recs)
	}
	rec := recs[0]
	for i, c := range cases {
		if got := rec.Fields[i]; got != c.stored {
			t.Errorf("%s: stored value %q, want %q", c.name, got, c.stored)
		}
		if got := rec.ShownAt(i); got != c.shown {
			t.Errorf("%s: shown %q, want %q", c.name, got, c.shown)
		}
	}
	return rec
}

// A number cell whose format pads it with zeros, or shows it as a date or
// time, has that text besides its stored value; other formats change
// nothing, and the stored value (what typed fields read) is as before.
func TestXLSXShownFormats(t *testing.T) {
	cases := []shownCase{
		{"padded", "00000", 1234, "1234", "01234"},
		{"postcode", "[<=99999]00000", 1067, "1067", "01067"},
		{"zero", "00000", 0, "0", "00000"},
		{"gtin", "0000000000000", 400638133393, "400638133393", "0400638133393"},
		{"wide", "00000", 123456, "123456", ""}, // wider than the format: as is
		{"negative", "00000", -42, "-42", ""},   // Excel shows -00042: left as stored
		{"fraction", "00000", 12.5, "12.5", ""}, // Excel rounds: left as stored
		{"text", "00000", "x", "x", ""},         // a text cell keeps its text
		{"decimals", "#,##0.00", 1234.5, "1234.5", ""},
		{"euro", `#,##0.00 "€"`, 12.5, "12.5", ""},
		{"date", "DD.MM.YYYY", "46082", "46082", "2026-03-01"},
		{"date with time", "DD.MM.YYYY", "46082.75", "46082.75", "2026-03-01"},
		{"builtin date", 14, "46082", "46082", "2026-03-01"},
		{"long date", "[$-407]DD. MMMM YYYY", "46082", "46082", "2026-03-01"},
		{"datetime", "DD.MM.YYYY HH:MM", "46082.604166666664", "46082.6041666667", "2026-03-01T14:30:00"},
		{"builtin datetime", 22, "46082.5", "46082.5", "2026-03-01T12:00:00"},
		{"rounded", "yyyy-mm-dd hh:mm:ss", "46082.60416204", "46082.60416204", "2026-03-01T14:30:00"}, // 14:29:59.6
		{"to midnight", "yyyy-mm-dd hh:mm:ss", "46082.999999", "46082.999999", "2026-03-02T00:00:00"},
		{"time", "HH:MM", "0.604166666666667", "0.604166666666667", "14:30:00"},
		{"builtin time", 21, "0.5", "0.5", "12:00:00"},
		{"time of a date", "h:mm AM/PM", "46082.25", "46082.25", "06:00:00"},
		{"duration", "[h]:mm:ss", "1.5", "1.5", ""},
		{"builtin duration", 46, "1.5", "1.5", ""},
		{"day zero", "DD.MM.YYYY", "0", "0", ""},    // Excel's 1900-01-00
		{"lotus day", "DD.MM.YYYY", "60", "60", ""}, // 1900-02-29, which was not
		{"past 9999", "DD.MM.YYYY", "2958466", "2958466", ""},
		{"negative date", "DD.MM.YYYY", "-1", "-1", ""},
		{"early date", "DD.MM.YYYY", "59", "59", "1900-02-28"},
		{"after lotus", "DD.MM.YYYY", "61", "61", "1900-03-01"},
		{"general", 0, 1234, "1234", ""},
	}
	rec := checkShown(t, shownBook(t, false, cases), cases)
	if rec.Shown == nil {
		t.Fatal("Shown is nil")
	}
}

// The 1904 date system of old Mac workbooks counts from 1904-01-01.
func TestXLSXShownFormats1904(t *testing.T) {
	cases := []shownCase{
		{"date", "DD.MM.YYYY", "43465.25", "43465.25", "2023-01-01"},
		{"datetime", "DD.MM.YYYY HH:MM", "43465.25", "43465.25", "2023-01-01T06:00:00"},
		{"day zero", "DD.MM.YYYY", "0", "0", "1904-01-01"},
		{"time", "HH:MM:SS", "0.75", "0.75", "18:00:00"},
		{"padded", "00000", 1067, "1067", "01067"},
	}
	checkShown(t, shownBook(t, true, cases), cases)
}

// A row without such a cell has no Shown, so it costs nothing.
func TestXLSXShownNilForPlainRows(t *testing.T) {
	dir := saveBook(t, func(f *excelize.File) {
		setRows(t, f, "Sheet1", 1, []any{"SKU", "PLZ"}, []any{"A-1", 1067}, []any{"A-2", "01067"}, []any{"A-3", nil})
		code := "00000"
		id, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		f.SetCellStyle("Sheet1", "B3", "B4", id) // text and an empty cell
	})
	src, err := openXLSXDir(t, dir, pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range readAll(t, src) {
		if rec.Shown != nil {
			t.Errorf("row %d: Shown %q, want nil", rec.Row, rec.Shown)
		}
	}
}

// The styles part is read strictly as to where number formats are (a
// differential format's numFmt and a cell style's xf are none of a cell's),
// and leniently as to damage: a styles part that is broken, or missing, or
// a style index past it, leaves the cells as stored values instead of
// refusing the workbook.
func TestXLSXStylesPart(t *testing.T) {
	const styles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<numFmts count="3"><numFmt numFmtId="164" formatCode="00000"/><numFmt numFmtId="165" formatCode="DD.MM.YYYY"/>` +
		`<numFmt numFmtId="3" formatCode="000000"/></numFmts>` +
		`<cellStyleXfs count="2"><xf numFmtId="0"/><xf numFmtId="165"/></cellStyleXfs>` +
		`<cellXfs count="5"><xf numFmtId="0" xfId="0"/><xf numFmtId="164" xfId="0"/><xf numFmtId="165" xfId="1" applyNumberFormat="1"/>` +
		`<xf numFmtId="3"/><xf/></cellXfs>` +
		`<dxfs count="1"><dxf><numFmt numFmtId="166" formatCode="00000"/></dxf></dxfs>` +
		`</styleSheet>`
	// s: 1 padded, 2 a date, 3 a built-in id redefined, 4 no numFmtId
	// (General), 5 past the styles, 9x malformed; a cell without s is
	// style 0
	const sheet = sheetHead + `<row r="1"><c r="A1" t="inlineStr"><is><t>A</t></is></c><c r="B1" t="inlineStr"><is><t>B</t></is></c>` +
		`<c r="C1" t="inlineStr"><is><t>C</t></is></c><c r="D1" t="inlineStr"><is><t>D</t></is></c>` +
		`<c r="E1" t="inlineStr"><is><t>E</t></is></c><c r="F1" t="inlineStr"><is><t>F</t></is></c><c r="G1" t="inlineStr"><is><t>G</t></is></c></row>` +
		`<row r="2"><c r="A2" s="1"><v>1067</v></c><c r="B2" s="2"><v>46082</v></c><c r="C2" s="3"><v>42</v></c>` +
		`<c r="D2" s="4"><v>7</v></c><c r="E2" s="5"><v>1067</v></c><c r="F2" s="9x"><v>1067</v></c><c r="G2"><v>1067</v></c></row>` + sheetTail
	stored := []string{"1067", "46082", "42", "7", "1067", "1067", "1067"}
	read := func(t *testing.T, extra ...string) *record.Record {
		t.Helper()
		path := filepath.Join(t.TempDir(), "in.xlsx")
		writeBook(t, path, sheet, extra...)
		src, err := openBookLimits(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		recs := readAll(t, src)
		if len(recs) != 1 || recs[0].Err != nil || !reflect.DeepEqual(recs[0].Fields, stored) {
			t.Fatalf("records %v", recs)
		}
		return recs[0]
	}
	t.Run("read", func(t *testing.T) {
		rec := read(t, "xl/styles.xml", styles)
		if want := []string{"01067", "2026-03-01", "000042", "", "", "", ""}; !reflect.DeepEqual(rec.Shown, want) {
			t.Errorf("shown %q, want %q", rec.Shown, want)
		}
	})
	t.Run("style 0", func(t *testing.T) {
		rec := read(t, "xl/styles.xml", strings.Replace(styles, `<xf numFmtId="0" xfId="0"/>`, `<xf numFmtId="164" xfId="0"/>`, 1))
		if got := rec.ShownAt(6); got != "01067" {
			t.Errorf("a cell without s: shown %q, want the first style's 01067", got)
		}
	})
	for name, part := range map[string]string{
		"damaged":   strings.Replace(styles, "</cellXfs>", "", 1),
		"entities":  `<!DOCTYPE x [<!ENTITY a "b">]>` + styles[strings.Index(styles, "<styleSheet"):],
		"not xml":   "PK\x03\x04 not a styles part",
		"truncated": styles[:len(styles)/2],
	} {
		t.Run(name, func(t *testing.T) {
			if rec := read(t, "xl/styles.xml", part); rec.Shown != nil {
				t.Errorf("shown %q, want nil", rec.Shown)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		if rec := read(t); rec.Shown != nil {
			t.Errorf("shown %q, want nil", rec.Shown)
		}
	})
	t.Run("too large", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "in.xlsx")
		big := strings.Replace(styles, "<cellXfs", "<!--"+strings.Repeat("x", 64<<10)+"--><cellXfs", 1)
		writeBook(t, path, sheet, "xl/styles.xml", big)
		// a limit the styles part is past and the sheet is not
		src, err := openBookLimits(path, &pipeline.SourceLimits{MaxUncompressedBytes: 32 << 10})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		recs := readAll(t, src)
		if len(recs) != 1 || recs[0].Shown != nil {
			t.Errorf("records %v", recs)
		}
	})
}

// Through a mapping: a field without a type (or type: string) gets what
// the cell shows, typed fields what they got before (the stored number, a
// date's serial read as a date), expressions what an untyped field gets.
func TestXLSXShownThroughMapping(t *testing.T) {
	cases := []shownCase{
		{"SKU", "00000", 1234, "1234", "01234"},
		{"Datum", "DD.MM.YYYY", "46082", "46082", "2026-03-01"},
		{"Zeitpunkt", "DD.MM.YYYY HH:MM", "46082.604166666664", "46082.6041666667", "2026-03-01T14:30:00"},
		{"Preis", "00000", "12.5", "12.5", ""},
	}
	src, err := openXLSXDir(t, shownBook(t, false, cases), pipeline.SourceSpec{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mappings.Compile(&mappings.Spec{Decimal: "comma", DateFormat: "dd.mm.yyyy", Fields: []mappings.FieldSpec{
		{Target: "SKU", Column: "SKU"},
		{Target: "SKUString", Column: "SKU", Type: mappings.String},
		{Target: "SKUInt", Column: "SKU", Type: mappings.Int},
		{Target: "SKUDecimal", Column: "SKU", Type: mappings.Decimal},
		{Target: "Datum", Column: "Datum"},
		{Target: "DatumDate", Column: "Datum", Type: mappings.Date},
		{Target: "Zeitpunkt", Column: "Zeitpunkt"},
		{Target: "ZeitpunktDateTime", Column: "Zeitpunkt", Type: mappings.DateTime},
		{Target: "Preis", Column: "Preis", Type: mappings.Decimal},
		{Target: "Expr", Expr: `SKU + " / " + Datum`},
		{Target: "ExprDate", Expr: `Datum`, Type: mappings.Date},
	}}, src.Header(), mappings.Options{})
	if err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, src)
	res, err := m.Apply(context.Background(), recs[0])
	if err != nil || len(res.Errs) > 0 {
		t.Fatalf("%v %v", err, res.Errs)
	}
	want := []string{"01234", "01234", "1234", "1234", "2026-03-01", "2026-03-01 00:00:00 +0000 UTC",
		"2026-03-01T14:30:00", "2026-03-01 14:30:00 +0000 UTC", "12.5", "01234 / 2026-03-01", "2026-03-01 00:00:00 +0000 UTC"}
	for i, w := range want {
		if got := fmt.Sprint(res.Values[i]); got != w {
			t.Errorf("%s = %s, want %s", m.Targets()[i].Path, got, w)
		}
	}
}

// errors.xlsx holds a failed row's cells so that a re-import reads them as
// the original file did: the shown text and the stored value alike.
func TestXLSXErrorWorkbookKeepsShownCells(t *testing.T) {
	cases := []shownCase{
		{"SKU", "00000", 1234, "1234", "01234"},
		{"GTIN", "0000000000000", 400638133393, "400638133393", "0400638133393"},
		{"Datum", "DD.MM.YYYY", "46082", "46082", "2026-03-01"},
		{"Zeitpunkt", "DD.MM.YYYY HH:MM", "46082.604166666664", "46082.6041666667", "2026-03-01T14:30:00"},
		{"Uhrzeit", "HH:MM", "0.604166666666667", "0.604166666666667", "14:30:00"},
		{"Preis", `#,##0.00 "€"`, "12.5", "12.5", ""},
	}
	orig := checkShown(t, shownBook(t, false, cases), cases)
	dir := t.TempDir()
	book := report.NewErrorBook(filepath.Join(dir, "in.xlsx"), orig.Header)
	if err := book.Add(orig, errTest); err != nil {
		t.Fatal(err)
	}
	if _, err := book.Close(); err != nil {
		t.Fatal(err)
	}
	back := checkShown(t, dir, cases)
	for i, c := range cases {
		if back.IsNumeric(i) != orig.IsNumeric(i) {
			t.Errorf("%s: numeric %v, was %v", c.name, back.IsNumeric(i), orig.IsNumeric(i))
		}
	}
}

var errTest = &RowError{File: "in.xlsx", Line: 2, Kind: ErrCell, Msg: "test"}
