package sources

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/testkit"

	"github.com/wawi-etl/etl/datev"
	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/sinks"
)

var datevReg sync.Once

// registerDATEV makes the datev sink and its relative dates known to jobs,
// once for the package's tests.
func registerDATEV() {
	datevReg.Do(func() {
		pipeline.AddSinkType(sinks.DATEV)
		sinks.DateResolver = func(expr string, now time.Time, loc *time.Location) (time.Time, error) {
			r, err := ParseRelDate(expr, now, loc)
			return r.From, err
		}
	})
}

// mayDocs are the emulator's accounting documents of May in Berlin, by
// number.
func mayDocs(t *testing.T, srv *erptest.Server) map[string]erptest.AccountingData {
	t.Helper()
	var all erptest.PagedList[erptest.AccountingData]
	if err := newClient(t, srv.URL).Get(context.Background(), "/accountingData", map[string][]string{"pageSize": {"1000"}}, &all); err != nil {
		t.Fatal(err)
	}
	out := map[string]erptest.AccountingData{}
	for _, d := range all.Items {
		if inMonthMay(d.DocumentDate.Time) {
			out[d.DocumentNumber] = d
		}
	}
	return out
}

func negative(typ int) bool {
	return typ == erptest.DocCredit || typ == erptest.DocInvoiceCorrection || typ == erptest.DocInvoiceCancellation
}

// TestInvoicesToExcelJob runs jobs/invoices-to-excel.yaml against the
// emulator: one row per document of May, per-rate amounts equal to the
// Wawi's booking lines to the cent (credit notes and cancellations
// negative), the open amount of each invoice, euro formats and a totals row.
func TestInvoicesToExcelJob(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: accountingSeed(), Latency: time.Millisecond})
	defer srv.Close()
	c := newClient(t, srv.URL)
	run := runJobFile(t, "invoices-to-excel.yaml", c, t.TempDir())
	if run.err != nil {
		t.Fatal(run.err)
	}
	want := mayDocs(t, srv)
	if run.sum.RecordsRead != int64(len(want)) || run.sum.Created != int64(len(want)) || len(want) < 50 {
		t.Fatalf("summary %+v, want %d documents", run.sum, len(want))
	}
	f, err := excelize.OpenFile(run.out)
	if err != nil {
		t.Fatal(err)
	}
	testkit.CheckDimensions(t, run.out)
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "Belege" || got[1] != sinks.ParametersSheet {
		t.Errorf("sheets %v", got)
	}
	rows, _ := f.GetRows("Belege", excelize.Options{RawCellValue: true})
	if len(rows) != len(want)+2 {
		t.Fatalf("%d sheet rows, want header + %d + totals", len(rows), len(want))
	}
	const header = "Belegnummer,Belegart,Belegdatum,Auftrag,Firma,Name,Land,USt-IdNr,Netto 19 %,USt 19 %,Brutto 19 %,Netto 7 %,USt 7 %,Brutto 7 %,Netto 0 %,Netto,USt,Brutto,Offen"
	if h := strings.Join(rows[0], ","); h != header {
		t.Errorf("header %s", h)
	}
	col := map[string]int{}
	for i, h := range strings.Split(header, ",") {
		col[h] = i
	}
	cell := func(r []string, name string) string {
		if i := col[name]; i < len(r) {
			return r[i]
		}
		return ""
	}
	num := func(s string) decimal.Decimal {
		if s == "" {
			return decimal.Zero
		}
		d, err := decimal.NewFromString(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return d
	}
	typeNames := map[int]string{0: "Rechnung", 2: "Rechnungskorrektur", 3: "Storno Rechnung"}
	seenTypes := map[string]int{}
	sums := map[string]decimal.Decimal{}
	for i, r := range rows[1 : len(rows)-1] {
		d, ok := want[cell(r, "Belegnummer")]
		if !ok {
			t.Fatalf("row %d: %v is not a document of May", i+2, r)
		}
		delete(want, d.DocumentNumber)
		seenTypes[cell(r, "Belegart")]++
		if cell(r, "Belegart") != typeNames[d.Type] || cell(r, "Land") != d.ShipmentCountry.CountryISO || cell(r, "USt-IdNr") != d.CustomerVatId ||
			cell(r, "Auftrag") != d.SalesOrderNumber {
			t.Errorf("row %d: %v, document %+v", i+2, r, d)
		}
		sign := decimal.NewFromInt(1)
		if negative(d.Type) {
			sign = sign.Neg()
		}
		rate := map[string][3]decimal.Decimal{}
		var net, vat, gross decimal.Decimal
		for _, l := range d.AccountDataLineItems {
			s := rate[l.VatRate.String()]
			rate[l.VatRate.String()] = [3]decimal.Decimal{s[0].Add(l.TotalNetAmount.Decimal), s[1].Add(l.VatAmount.Decimal), s[2].Add(l.TotalGrossAmount.Decimal)}
			net, vat, gross = net.Add(l.TotalNetAmount.Decimal), vat.Add(l.VatAmount.Decimal), gross.Add(l.TotalGrossAmount.Decimal)
		}
		for name, w := range map[string]decimal.Decimal{"Netto 19 %": rate["19"][0], "USt 19 %": rate["19"][1], "Brutto 19 %": rate["19"][2],
			"Netto 7 %": rate["7"][0], "USt 7 %": rate["7"][1], "Brutto 7 %": rate["7"][2], "Netto 0 %": rate["0"][0], "Netto": net, "USt": vat, "Brutto": gross} {
			if got := num(cell(r, name)); !got.Equal(w.Mul(sign)) {
				t.Errorf("%s %s: %s, want %s", d.DocumentNumber, name, got, w.Mul(sign))
			}
			sums[name] = sums[name].Add(w.Mul(sign))
		}
		if _, has := rate["7"]; !has && cell(r, "Netto 7 %") != "" {
			t.Errorf("%s: Net7 %q for a document without 7 %%", d.DocumentNumber, cell(r, "Netto 7 %"))
		}
		open := cell(r, "Offen")
		if d.Type == erptest.DocInvoice {
			o, _ := srv.Order(d.SalesOrderId)
			wantOpen := o.SalesOrderPaymentDetails.StillToPay.Decimal
			if o.IsCancelled {
				wantOpen = decimal.Zero
			}
			if open == "" || !num(open).Equal(wantOpen) {
				t.Errorf("%s: open %q, want %s", d.DocumentNumber, open, wantOpen)
			}
		} else if open != "" {
			t.Errorf("%s (type %d): open %q", d.DocumentNumber, d.Type, open)
		}
	}
	if len(want) != 0 {
		t.Errorf("documents missing from the sheet: %v", want)
	}
	if seenTypes["Rechnung"] == 0 || seenTypes["Rechnungskorrektur"] == 0 || seenTypes["Storno Rechnung"] == 0 {
		t.Errorf("types %v", seenTypes)
	}
	// the totals row sums every amount column
	last := len(rows)
	for _, name := range []string{"Netto 19 %", "USt 19 %", "Brutto 19 %", "Netto 7 %", "Netto 0 %", "Netto", "USt", "Brutto"} {
		ref, _ := excelize.CoordinatesToCellName(col[name]+1, last)
		fm, _ := f.GetCellFormula("Belege", ref)
		if !strings.HasPrefix(fm, "SUM(") {
			t.Errorf("%s: totals %q", ref, fm)
		}
		v, _ := f.GetCellValue("Belege", ref, excelize.Options{RawCellValue: true})
		if v != "" && !num(v).Equal(sums[name]) {
			t.Errorf("%s: cached total %s, want %s", ref, v, sums[name])
		}
	}
	// euro amounts and dates are typed cells with their formats
	for _, c := range []string{"I2", "R2", "C2"} {
		id, _ := f.GetCellStyle("Belege", c)
		st, _ := f.GetStyle(id)
		if st.CustomNumFmt == nil || (c != "C2") != strings.Contains(*st.CustomNumFmt, "€") {
			t.Errorf("%s: number format %v", c, st.CustomNumFmt)
		}
	}
	params, _ := f.GetRows(sinks.ParametersSheet)
	var p []string
	for _, r := range params {
		p = append(p, strings.Join(r, " "))
	}
	if s := strings.Join(p, "\n"); !strings.Contains(s, "Period 01.05.2025 – 31.05.2025 (DocumentDate, Europe/Berlin)") {
		t.Errorf("parameters:\n%s", s)
	}
}

// TestDATEVExportJob runs jobs/datev-export.yaml against the emulator:
// every booking line of May is booked, the file passes the format check,
// and per revenue account the bookings (H negative) add up to the Wawi's
// lines: the line's own account where it has one, else SKR03's default.
func TestDATEVExportJob(t *testing.T) {
	registerDATEV()
	srv := erptest.NewServer(erptest.Options{Seed: accountingSeed()})
	defer srv.Close()
	c := newClient(t, srv.URL)
	dir := t.TempDir()
	run := runJobFile(t, "datev-export.yaml", c, t.TempDir(), "sink.path="+filepath.Join(dir, "EXTF_Buchungsstapel.csv"),
		"sink.datev.fiscal_year_start=2025-01-01")
	if run.err != nil {
		t.Fatal(run.err)
	}
	want := mayDocs(t, srv)
	lines := 0
	perAccount := map[string]decimal.Decimal{}
	for _, d := range want {
		for _, l := range d.AccountDataLineItems {
			lines++
			acct := l.GeneralLedgerAccount
			switch {
			case acct != "":
			case l.VatRate.Equal(erptest.D("19")):
				acct = "8400"
			case l.VatRate.Equal(erptest.D("7")):
				acct = "8300"
			case d.CustomerVatId != "":
				acct = "8125"
			default:
				acct = "8120"
			}
			v := l.TotalGrossAmount.Decimal
			if negative(d.Type) {
				v = v.Neg()
			}
			perAccount[acct] = perAccount[acct].Add(v)
		}
	}
	if run.sum.Created != int64(lines) || run.sum.Failed != 0 {
		t.Fatalf("summary %+v, want %d booking lines", run.sum, lines)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "EXTF_*.csv"))
	if len(files) != 1 || filepath.Base(files[0]) != "EXTF_Buchungsstapel_202505_1.csv" {
		t.Fatalf("files %v", files)
	}
	if _, err := os.Stat(filepath.Join(dir, "EXTF_Buchungsstapel_Kontrolle.xlsx")); err != nil {
		t.Errorf("control workbook: %v", err)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if vs := datev.Check(b); len(vs) > 0 {
		t.Fatalf("format check: %v", vs)
	}
	got := map[string]decimal.Decimal{}
	rows := strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")[2:]
	for _, r := range rows {
		f := strings.Split(r, ";")
		amt, err := decimal.NewFromString(strings.Replace(f[0], ",", ".", 1))
		if err != nil {
			t.Fatal(err)
		}
		if f[1] == `"H"` {
			amt = amt.Neg()
		}
		if f[6] != "10000" {
			t.Errorf("Konto %s", f[6])
		}
		got[f[7]] = got[f[7]].Add(amt)
	}
	var accts []string
	for a := range perAccount {
		accts = append(accts, a)
	}
	sort.Strings(accts)
	for _, a := range accts {
		if !got[a].Equal(perAccount[a]) {
			t.Errorf("account %s: booked %s, Wawi %s", a, got[a], perAccount[a])
		}
	}
	if len(got) != len(perAccount) || len(rows) < len(want) {
		t.Errorf("accounts %v in %d bookings; want %v, at least one booking per document (%d)", got, len(rows), perAccount, len(want))
	}
}
