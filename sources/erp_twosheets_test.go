package sources

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
)

// openpyxlSheets reads the orders and line items sheets back: cells as
// typed values (numbers as Python's repr, dates as ISO datetimes), number
// formats per column, the totals row with each SUM recomputed over its
// range, panes, autofilter, and the parameters.
const openpyxlSheets = `
import json, sys, datetime
from decimal import Decimal
import openpyxl
from openpyxl.utils import column_index_from_string
DIGITS, LETTERS = "0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
def val(v):
    if v is None: return None
    if isinstance(v, datetime.datetime): return {"date": v.isoformat()}
    if isinstance(v, bool): return {"bool": v}
    if isinstance(v, (int, float)): return {"num": repr(v)}
    return {"text": str(v)}
wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": wb.sheetnames}
for name in sys.argv[2:]:
    ws = wb[name]
    rows = list(ws.iter_rows())
    hdr = [c.value for c in rows[0]]
    body, tot = rows[1:-1], rows[-1]
    totals = {}
    for i, c in enumerate(tot):
        f = c.value
        if isinstance(f, str) and f.startswith("=SUM("):
            a, b = f[5:-1].split(":")
            col = column_index_from_string(a.rstrip(DIGITS))
            lo, hi = int(a.lstrip(LETTERS)), int(b.lstrip(LETTERS))
            cells = [ws.cell(row=k, column=col).value for k in range(lo, hi + 1)]
            s = sum((Decimal(repr(v)) for v in cells if v is not None), Decimal(0))
            totals[hdr[i]] = {"formula": f, "sum": str(s), "fmt": c.number_format, "bold": bool(c.font.b), "from": lo, "to": hi}
    out[name] = {
        "header": hdr,
        "header_bold": all(bool(c.font.b) for c in rows[0]),
        "data": [[val(c.value) for c in r] for r in body],
        "formats": {h: sorted({r[i].number_format for r in body if r[i].value is not None}) for i, h in enumerate(hdr)},
        "label": tot[0].value,
        "totals": totals,
        "freeze": ws.freeze_panes,
        "filter": ws.auto_filter.ref,
    }
out["params"] = {r[0].value: r[1].value for r in wb["Parameter"].iter_rows()}
json.dump(out, sys.stdout)
`

type pyVal struct {
	Date *string
	Num  *string
	Text *string
	Bool *bool
}

type pyTotal struct {
	Formula, Sum, Fmt string
	Bold              bool
	From, To          int
}

type pyOrderSheet struct {
	Header     []string
	HeaderBold bool `json:"header_bold"`
	Data       [][]*pyVal
	Formats    map[string][]string
	Label      string
	Totals     map[string]pyTotal
	Freeze     *string
	Filter     *string
}

// The two-sheet export (jobs/orders-two-sheets.yaml): one row per order in
// the period on "Orders", one row per line item on "LineItems" linked by the
// order number, both read back by openpyxl and compared with the emulator.
func TestOrdersTwoSheetsJob(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{Seed: testSeed(300), Latency: time.Millisecond})
	defer srv.Close()
	c := newClient(t, srv.URL)
	run := runJobFile(t, "orders-two-sheets.yaml", c, t.TempDir())
	if run.err != nil {
		t.Fatal(run.err)
	}

	// what the emulator holds for May, not cancelled
	type wantLine struct {
		sku        string
		net, gross decimal.Decimal
	}
	type wantOrder struct {
		number, company, date string
		gross, stillToPay     decimal.Decimal
		lines                 []wantLine
	}
	berlin := mustLoc("Europe/Berlin")
	var orders []wantOrder
	nLines, records, withoutLines := 0, 0, 0
	sumGross, sumStill, sumLineNet, sumLineGross := decimal.Zero, decimal.Zero, decimal.Zero, decimal.Zero
	for _, o := range inMay(srv) {
		if o.IsCancelled {
			continue
		}
		w := wantOrder{number: o.Number, company: o.BillingAddress.Company, date: o.SalesOrderDate.In(berlin).Format(time.DateOnly) + "T00:00:00",
			gross: o.SalesOrderPaymentDetails.TotalGrossAmount.Decimal, stillToPay: o.SalesOrderPaymentDetails.StillToPay.Decimal}
		for _, l := range srv.LineItems(o.Id) {
			f := decimal.NewFromInt(1)
			if !l.Discount.IsZero() {
				f = decimal.NewFromInt(100).Sub(l.Discount.Decimal).Div(decimal.NewFromInt(100))
			}
			wl := wantLine{sku: l.SKU, net: l.Quantity.Mul(l.SalesPriceNet.Decimal).Mul(f).Round(2),
				gross: l.Quantity.Mul(l.SalesPriceGross.Decimal).Mul(f).Round(2)}
			w.lines = append(w.lines, wl)
			sumLineNet, sumLineGross = sumLineNet.Add(wl.net), sumLineGross.Add(wl.gross)
		}
		nLines += len(w.lines)
		records += max(1, len(w.lines))
		if len(w.lines) == 0 {
			withoutLines++
		}
		sumGross, sumStill = sumGross.Add(w.gross), sumStill.Add(w.stillToPay)
		orders = append(orders, w)
	}
	t.Logf("May: %d orders (%d without line items), %d line items, %d records", len(orders), withoutLines, nLines, records)
	if len(orders) < 50 || withoutLines == 0 || nLines <= len(orders) {
		t.Fatalf("the seed should give many orders with several lines and one without: %d orders, %d lines, %d without", len(orders), nLines, withoutLines)
	}
	// records_read counts line items (an order without lines is one record)
	if run.sum.RecordsRead != int64(records) || run.sum.Created != int64(records) || run.sum.Failed != 0 || run.sum.Skipped != 0 {
		t.Fatalf("summary %+v, want %d records", run.sum, records)
	}

	py := openpyxlPython(t)
	cmd := exec.Command(py, "-c", openpyxlSheets, run.out, "Orders", "LineItems")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, stderr.String())
	}
	var book struct {
		Sheets    []string
		Orders    pyOrderSheet
		LineItems pyOrderSheet
		Params    map[string]any // counts are numbers
	}
	if err := json.Unmarshal(raw, &book); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if strings.Join(book.Sheets, ",") != "Orders,LineItems,Parameter" {
		t.Errorf("sheets %v", book.Sheets)
	}
	ordSh, lineSh := book.Orders, book.LineItems
	if got := strings.Join(ordSh.Header, ","); got != "OrderNumber,OrderDate,CustomerNumber,Company,PaymentMethod,OrderGross,StillToPay" {
		t.Errorf("Orders header %s", got)
	}
	if got := strings.Join(lineSh.Header, ","); got != "OrderNumber,SKU,ItemName,Quantity,TaxRate,LineNet,LineGross" {
		t.Errorf("LineItems header %s", got)
	}
	if len(ordSh.Data) != len(orders) {
		t.Fatalf("Orders has %d rows, the emulator %d orders in May", len(ordSh.Data), len(orders))
	}
	if len(lineSh.Data) != nLines {
		t.Fatalf("LineItems has %d rows, the emulator %d line items", len(lineSh.Data), nLines)
	}

	text := func(v *pyVal) string {
		if v == nil || v.Text == nil {
			return ""
		}
		return *v.Text
	}
	num := func(v *pyVal) (decimal.Decimal, bool) {
		if v == nil || v.Num == nil {
			return decimal.Zero, false
		}
		// repr of the float is the shortest text that reads back: the exact
		// decimal for up to 15 digits
		d, err := decimal.NewFromString(*v.Num)
		return d, err == nil
	}
	grossByOrder := map[string]decimal.Decimal{}
	k := 0 // row of LineItems
	for i, w := range orders {
		r := ordSh.Data[i]
		if text(r[0]) != w.number {
			t.Fatalf("Orders row %d: %s, want order %s", i+2, text(r[0]), w.number)
		}
		if r[1] == nil || r[1].Date == nil || *r[1].Date != w.date {
			t.Errorf("Orders row %d: date %+v, want the datetime %s", i+2, r[1], w.date)
		}
		// kept as it is (a text cell with the quote prefix, see TestOrdersToExcelJob)
		if w.company == injection && text(r[3]) != injection {
			t.Errorf("the formula in a company name was not neutralised: %q", text(r[3]))
		}
		if g, ok := num(r[5]); !ok || !g.Equal(w.gross) {
			t.Errorf("Orders row %d: gross %+v, want %s", i+2, r[5], w.gross)
		}
		if s, ok := num(r[6]); !ok || !s.Equal(w.stillToPay) {
			t.Errorf("Orders row %d: still to pay %+v, want %s", i+2, r[6], w.stillToPay)
		}
		for j, wl := range w.lines {
			l := lineSh.Data[k]
			k++
			if text(l[0]) != w.number || text(l[1]) != wl.sku {
				t.Fatalf("LineItems row %d: order %s SKU %s, want line %d of %s: %s", k+1, text(l[0]), text(l[1]), j+1, w.number, wl.sku)
			}
			n, okN := num(l[5])
			g, okG := num(l[6])
			if !okN || !okG || !n.Equal(wl.net) || !g.Equal(wl.gross) {
				t.Errorf("LineItems row %d: %+v %+v, want %s %s", k+1, l[5], l[6], wl.net, wl.gross)
			}
		}
	}
	// linked by the order number, the lines add up to their order's gross
	// amount, as an accountant's pivot would check
	for _, l := range lineSh.Data {
		g, _ := num(l[6])
		grossByOrder[text(l[0])] = grossByOrder[text(l[0])].Add(g)
	}
	if len(grossByOrder) != len(orders)-withoutLines {
		t.Errorf("LineItems names %d orders, want %d", len(grossByOrder), len(orders)-withoutLines)
	}
	for _, r := range ordSh.Data {
		g, _ := num(r[5])
		if lg, ok := grossByOrder[text(r[0])]; ok && !lg.Equal(g) {
			t.Errorf("order %s: lines add up to %s, the order says %s", text(r[0]), lg, g)
		}
	}

	const euro = "#,##0.00 [$€-407]"
	for name, sh := range map[string]pyOrderSheet{"Orders": ordSh, "LineItems": lineSh} {
		if !sh.HeaderBold || sh.Freeze == nil || *sh.Freeze != "A2" {
			t.Errorf("%s: header bold %v, frozen at %v", name, sh.HeaderBold, sh.Freeze)
		}
		if want := fmt.Sprintf("A1:G%d", len(sh.Data)+1); sh.Filter == nil || strings.ReplaceAll(*sh.Filter, "$", "") != want {
			t.Errorf("%s: autofilter %v, want %s", name, sh.Filter, want)
		}
		if sh.Label != "Total" {
			t.Errorf("%s: totals label %q", name, sh.Label)
		}
	}
	for col, want := range map[string][]string{"OrderDate": {"dd.mm.yyyy"}, "OrderGross": {euro}, "StillToPay": {euro}} {
		if fmt.Sprint(ordSh.Formats[col]) != fmt.Sprint(want) {
			t.Errorf("Orders %s formats %v, want %v", col, ordSh.Formats[col], want)
		}
	}
	for col, want := range map[string][]string{"LineNet": {euro}, "LineGross": {euro}, "Quantity": {"#,##0.0"}} { // one format, as many decimals as the quantities have (2.1 m)
		if fmt.Sprint(lineSh.Formats[col]) != fmt.Sprint(want) {
			t.Errorf("LineItems %s formats %v, want %v", col, lineSh.Formats[col], want)
		}
	}
	checkTotals := func(sheet string, sh pyOrderSheet, want map[string]decimal.Decimal) {
		t.Helper()
		if len(sh.Totals) != len(want) {
			t.Errorf("%s: totals %v, want %d columns", sheet, sh.Totals, len(want))
		}
		for col, sum := range want {
			tot := sh.Totals[col]
			if !tot.Bold || tot.Fmt != euro || tot.From != 2 || tot.To != len(sh.Data)+1 || !decimal.RequireFromString(tot.Sum).Equal(sum) {
				t.Errorf("%s totals %s: %+v, want the sum %s over rows 2 to %d", sheet, col, tot, sum, len(sh.Data)+1)
			}
		}
	}
	checkTotals("Orders", ordSh, map[string]decimal.Decimal{"OrderGross": sumGross, "StillToPay": sumStill})
	checkTotals("LineItems", lineSh, map[string]decimal.Decimal{"LineNet": sumLineNet, "LineGross": sumLineGross})
	if !sumGross.Equal(sumLineGross) {
		t.Errorf("the orders' gross %s and the lines' %s differ", sumGross, sumLineGross)
	}

	for k, v := range map[string]string{
		"Job":                         "orders-two-sheets",
		"Rows (Orders)":               fmt.Sprint(len(orders)),
		"Rows (LineItems)":            fmt.Sprint(nLines),
		"Documents":                   fmt.Sprint(len(orders)),
		"Records (one per line item)": fmt.Sprint(records),
		"Period":                      "01.05.2025 – 31.05.2025 (SalesOrderDate, Europe/Berlin)",
	} {
		if got := fmt.Sprint(book.Params[k]); got != v {
			t.Errorf("parameter %s = %q, want %q", k, got, v)
		}
		if _, isNum := book.Params[k].(float64); isNum != (k != "Job" && k != "Period") {
			t.Errorf("parameter %s: a number is %v, want counts as numbers", k, isNum)
		}
	}
}

// The job is checked when it is loaded (etl validate): a CSV sink has no
// second sheet, and the lines sheet needs line items.
func TestOrdersTwoSheetsJobRefused(t *testing.T) {
	for _, c := range []struct {
		sets []string
		want string
	}{
		{[]string{"sink.type=csv", "sink.path=" + filepath.Join(t.TempDir(), "o.csv"), "sink.currency=", "sink.amounts=[]",
			"sink.totals=false", "sink.parameters_sheet=false"}, "a CSV file has no second sheet"},
		{[]string{"source.include="}, "lines_sheet needs line items from the source"},
	} {
		_, err := pipeline.LoadJob(filepath.Join("..", "jobs", "orders-two-sheets.yaml"), pipeline.LoadOptions{Sets: c.sets})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.sets, err, c.want)
		}
	}
}
