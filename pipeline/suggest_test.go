package pipeline_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/pipeline"
)

func jobFile(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "in.csv"), []byte("Artikelnummer;Bezeichnung;Preis\nA-1;Tasse;1,50\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Misspelt keys, enum values, columns, lookups and expression names get
// the nearest right name, with the line they are on.
func TestDidYouMean(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"key", "source:\n  path: in.csv\n  delimitr: \";\"\nmapping: {fields: [{target: SKU, column: Artikelnummer}]}\nsink: {type: csv, path: out.csv}\n",
			`job.yaml:3:3: source: unknown field "delimitr"; did you mean "delimiter"?`},
		{"nested key", "source: {path: in.csv}\nmapping:\n  fields:\n    - {target: SKU, column: Artikelnummer, transfrom: [trim]}\nsink: {type: csv, path: out.csv}\n",
			`unknown field "transfrom"; did you mean "transforms"?`},
		{"bool", "source: {path: in.csv}\nmapping: {fields: [{target: SKU, column: Artikelnummer}]}\nsink: {type: csv, path: out.csv, decimal_comma: yes}\n",
			`sink.decimal_comma: true or false is expected here, not text ("yes")`},
		{"enum", "source: {path: in.csv}\nmapping: {fields: [{target: SKU, column: Artikelnummer, transforms: [uper]}]}\nsink: {type: csv, path: out.csv}\n",
			`did you mean "upper"?`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := pipeline.LoadJob(jobFile(t, c.body), pipeline.LoadOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v\nwant %s", err, c.want)
			}
		})
	}
	for _, c := range []struct {
		name, body string
		want       []string
	}{
		{"column", "source: {path: in.csv, delimiter: \";\"}\nmapping:\n  fields:\n    - {target: SKU, column: Artikelnumer}\nsink: {type: csv, path: out.csv}\n",
			[]string{"job.yaml:4:", `did you mean "Artikelnummer"?`}},
		{"lookup", "source: {path: in.csv, delimiter: \";\"}\nmapping:\n  lookups: {color: {values: {a: b}}}\n  fields:\n    - {target: SKU, column: Artikelnummer, lookup: colr}\nsink: {type: csv, path: out.csv}\n",
			[]string{`did you mean "color"?`}},
		{"expr", "source: {path: in.csv, delimiter: \";\"}\nmapping:\n  fields:\n    - {target: Name, expr: 'Bezeichnug + \"!\"'}\nsink: {type: csv, path: out.csv}\n",
			[]string{"the columns it can use: Artikelnummer, Bezeichnung, Preis", `did you mean "Bezeichnung"?`}},
		{"missing file", "source:\n  path: nope.csv\nmapping: {fields: [{target: SKU, column: Artikelnummer}]}\nsink: {type: csv, path: out.csv}\n",
			[]string{"job.yaml:2:9: cannot open the source"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			job, err := pipeline.LoadJob(jobFile(t, c.body), pipeline.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			err = pipeline.Check(context.Background(), job, nil)
			for _, w := range c.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("got %v\nwant %s", err, w)
				}
			}
		})
	}
}

func TestSinkErrorAtTarget(t *testing.T) {
	job, err := pipeline.LoadJob(jobFile(t, "source: {path: in.csv}\nmapping:\n  fields:\n    - {target: SKU, column: Artikelnummer}\n    - {target: ItemPriceData.SalesPrizeNet, column: Preis}\nsink: {type: csv, path: out.csv}\n"), pipeline.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got := pipeline.SinkErrorAt(job, errors.New(`sink: the item sink cannot send these targets (UpdateItem): target "ItemPriceData.SalesPrizeNet": "SalesPrizeNet" is not a field of ItemPriceData (fields: PurchasePriceNet, SalesPriceNet)`)).Error()
	if !strings.Contains(got, "job.yaml:5:") || !strings.Contains(got, `did you mean "SalesPriceNet"?`) {
		t.Errorf("got %s", got)
	}
	other := errors.New("sink: cannot write out.csv")
	if pipeline.SinkErrorAt(job, other) != other {
		t.Error("an error without a target changed")
	}
}

// A title, a date or a blank line above the names (common in suppliers'
// files) makes the mapping's columns "not in the file": the error says in
// which row the file has them, in CSV and XLSX, in English and German. A
// spreadsheet whose title holds a comma gets no advice about delimiters.
func TestHeaderRowHint(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "titled.csv")
	if err := os.WriteFile(csvPath, []byte("Preisliste ACME, März 2026\n\nArtikelnummer;Preis\nA-1;1,50\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := excelize.NewFile()
	for cell, v := range map[string]any{"A1": "Preisliste ACME, März 2026", "A4": "Artikelnummer", "B4": "Preis", "A5": "A-1", "B5": 1.5} {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	xlsxPath := filepath.Join(dir, "titled.xlsx")
	if err := f.SaveAs(xlsxPath); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, source, row string }{
		{"csv", "{path: titled.csv, delimiter: \";\"}", "3"},
		{"xlsx", "{path: titled.xlsx}", "4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := "source: " + c.source + "\nmapping:\n  fields:\n    - {target: SKU, column: Artikelnummer}\n    - {target: Price, column: Preis, type: decimal}\nsink: {type: csv, path: out.csv}\n"
			p := filepath.Join(dir, c.name+".yaml")
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			job, err := pipeline.LoadJob(p, pipeline.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			err = pipeline.Check(context.Background(), job, nil)
			want := "; the file has the names in row " + c.row + ": set source.header_row: " + c.row
			if err == nil || strings.Count(err.Error(), want) != 2 || strings.Contains(err.Error(), "delimiter right") {
				t.Errorf("got %v\nwant %q for both columns", err, want)
			}
			de := pipeline.LocalizeJobError(i18n.German, err)
			if wantDE := "gibt es in der Datei nicht (vorhandene Spalten: Preisliste ACME, März 2026); die Datei hat die Namen in Zeile " + c.row + ": source.header_row: " + c.row + " angeben"; !strings.Contains(de.Error(), wantDE) {
				t.Errorf("German: %v\nwant %s", de, wantDE)
			}
		})
	}
	// names the file has nowhere: no hint
	p := filepath.Join(dir, "none.yaml")
	if err := os.WriteFile(p, []byte("source: {path: titled.csv, delimiter: \";\"}\nmapping: {fields: [{target: SKU, column: Bestellnummer}]}\nsink: {type: csv, path: out.csv}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	job, err := pipeline.LoadJob(p, pipeline.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := pipeline.Check(context.Background(), job, nil); err == nil || strings.Contains(err.Error(), "header_row") {
		t.Errorf("got %v", err)
	}
}
