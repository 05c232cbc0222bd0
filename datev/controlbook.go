package datev

import (
	"fmt"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/internal/xlsxw"
	"github.com/wawi-etl/etl/mappings"
)

// euroFormat is the number format of amounts: German notation in Excel and
// LibreOffice whatever the reader's locale (as the XLSX sink's EUR format).
const euroFormat = `#,##0.00 [$€-407]`

// Sheet names of the control workbook.
const (
	SheetOverview = "Übersicht"
	SheetRates    = "Steuersätze"
	SheetAccounts = "Konten"
	SheetFindings = "Befunde"
)

// WriteWorkbook writes the control workbook: an overview (period, counts,
// files, result), the sums per rate and country from the documents and
// from the file side by side, the sums per account, rate, country and
// Soll/Haben as the file books them, and the findings. info are extra
// lines for the overview (files, job).
func (c *Control) WriteWorkbook(path string, info [][2]string, opts atomicfile.Options) error {
	c.Finish()
	f := excelize.NewFile()
	defer f.Close()
	tableOpts := xlsxw.TableOptions{FreezeHeader: true, TableStyle: "TableStyleLight1", Lenient: true, Neutralize: true}

	result := "vollständig: Export geschrieben"
	if !c.OK() {
		result = "FEHLER: Export gestoppt, keine DATEV-Datei geschrieben"
	}
	period := "ohne Vorgabe"
	if !c.From.IsZero() || !c.To.IsZero() {
		period = fmt.Sprintf("%s bis %s", c.From.Format("02.01.2006"), c.To.Format("02.01.2006"))
	}
	stops, notes := 0, 0
	for _, fd := range c.findings {
		if fd.Stops {
			stops++
		} else {
			notes++
		}
	}
	over, err := xlsxw.NewTable(f, SheetOverview, []xlsxw.Column{{Name: "Angabe", Width: 28}, {Name: "Wert", Width: 70}}, tableOpts)
	if err != nil {
		return err
	}
	rows := [][2]any{
		{"Ergebnis", result},
		{"Zeitraum", period},
		{"Belege", int64(c.Documents)},
		{"Buchungen", int64(c.Bookings)},
		{"Fehler (stoppen den Export)", int64(stops)},
		{"Hinweise (Lücken im Nummernkreis)", int64(notes)},
	}
	for _, i := range info {
		rows = append(rows, [2]any{i[0], i[1]})
	}
	for _, r := range rows {
		if _, err := over.Append([]any{r[0], r[1]}); err != nil {
			return err
		}
	}
	if err := over.Flush(); err != nil {
		return err
	}

	money := func(name string) xlsxw.Column {
		return xlsxw.Column{Name: name, Type: mappings.Decimal, NumFmt: euroFormat}
	}
	rates, err := xlsxw.NewTable(f, SheetRates, []xlsxw.Column{
		{Name: "Steuersatz %", Type: mappings.Decimal, NumFmt: "0.00"}, {Name: "Land"},
		money("Netto Belege"), money("USt Belege"), money("Brutto Belege"),
		money("Netto Datei"), money("USt Datei"), money("Brutto Datei"),
		money("Differenz Brutto"), {Name: "Status"},
	}, tableOpts)
	if err != nil {
		return err
	}
	for _, k := range c.TaxKeys() {
		s, fl := c.Sum(k)
		status := "stimmt"
		if !s.Equal(fl) {
			status = "ABWEICHUNG"
		}
		rate, _ := decimal.NewFromString(k.Rate)
		if _, err := rates.Append([]any{rate, k.Country, s.Net, s.VAT, s.Gross, fl.Net, fl.VAT, fl.Gross, fl.Gross.Sub(s.Gross), status}); err != nil {
			return err
		}
	}
	if err := rates.AppendTotals("Summe", []int{2, 3, 4, 5, 6, 7, 8}); err != nil {
		return err
	}
	if err := rates.Flush(); err != nil {
		return err
	}

	accs, err := xlsxw.NewTable(f, SheetAccounts, []xlsxw.Column{
		{Name: "Konto (Debitor)"}, {Name: "Gegenkonto (Erlöse)"}, {Name: "Steuersatz %", Type: mappings.Decimal, NumFmt: "0.00"},
		{Name: "Land"}, {Name: "Soll/Haben"}, {Name: "Buchungen", Type: mappings.Int}, money("Umsatz"),
	}, tableOpts)
	if err != nil {
		return err
	}
	keys, sums := c.Accounts()
	for i, k := range keys {
		rate, _ := decimal.NewFromString(k.Rate)
		if _, err := accs.Append([]any{k.Konto, k.Gegenkonto, rate, k.Country, k.SollHaben, int64(sums[i].Bookings), sums[i].Umsatz}); err != nil {
			return err
		}
	}
	if err := accs.AppendTotals("Summe", []int{5, 6}); err != nil {
		return err
	}
	if err := accs.Flush(); err != nil {
		return err
	}

	finds, err := xlsxw.NewTable(f, SheetFindings, []xlsxw.Column{
		{Name: "Beleg"}, {Name: "Belegart"}, {Name: "Zeile", Type: mappings.Int, General: true}, {Name: "Befund", Width: 90}, {Name: "Stoppt Export"},
	}, tableOpts)
	if err != nil {
		return err
	}
	for _, fd := range c.Findings() {
		var row any
		if fd.Row > 0 {
			row = int64(fd.Row)
		}
		stop := "nein"
		if fd.Stops {
			stop = "ja"
		}
		if _, err := finds.Append([]any{fd.Document, fd.Type, row, fd.Problem, stop}); err != nil {
			return err
		}
	}
	if err := finds.Flush(); err != nil {
		return err
	}
	// the overview, the first sheet, is the active one already: excelize's
	// SetActiveSheet would read every sheet back to say so again
	return xlsxw.Save(f, path, opts)
}
