package sources

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/internal/testkit"
	"github.com/wawi-etl/etl/pipeline"
)

// A document deleted after the first page shifts the next page's first
// document onto the first page, unread: the DATEV export stops and writes
// nothing, instead of a file without that document.
func TestDATEVExportStopsWhenTheListShrinks(t *testing.T) {
	registerDATEV()
	var docs []string
	for i := 1; i <= 9; i++ {
		docs = append(docs, specDoc("RE-"+strconv.Itoa(i), fmt.Sprintf("2025-05-%02dT10:00:00Z", i), 0, "", specLine("19", "10.00", "1.90", "11.90", `""`)))
	}
	srv := accountingServer(t, func() []string { return docs }, func(page int) {
		if page == 1 {
			docs = docs[1:] // RE-1 is cancelled out of the list: RE-4 moves onto page 1
		}
	})
	defer srv.Close()
	dir := t.TempDir()
	run := runJobFile(t, "datev-export.yaml", newClient(t, srv.URL), t.TempDir(), "sink.path="+filepath.Join(dir, "EXTF_Buchungsstapel.csv"),
		"sink.datev.fiscal_year_start=2025-01-01", "source.page_size=3", "options.concurrency=1")
	if run.err == nil || !strings.Contains(run.err.Error(), "list shrank while it was read (9 records at the first page, 8 at page 2)") {
		t.Fatalf("err %v, want the list's shrinking named", run.err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "EXTF_*.csv")); len(files) > 0 {
		t.Errorf("written although a document may be missing: %v", files)
	}
	if _, err := os.Stat(filepath.Join(dir, "EXTF_Buchungsstapel_202505_1.csv")); !os.IsNotExist(err) {
		t.Errorf("the month's file: %v", err)
	}
}

// openLogged opens spec against h, one page at a time, with its warnings
// logged to the builder returned.
func openLogged(t *testing.T, h http.Handler, spec pipeline.SourceSpec) (pipeline.Source, *strings.Builder) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	var logged strings.Builder
	env := testEnv(t, newClient(t, srv.URL))
	env.Concurrency = 1
	env.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	spec.Type = "erp"
	src, err := OpenERP(context.Background(), &spec, env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src, &logged
}

// Outside accounting a shrinking list is logged: an order export of a busy
// shop (orders leaving a status filter) still runs, with a warning.
func TestOrderListShrinkingWarns(t *testing.T) {
	var orders []string
	for i := 1; i <= 6; i++ {
		orders = append(orders, fmt.Sprintf(`{"Id":%d,"Number":"AU-%d"}`, i, i))
	}
	src, logged := openLogged(t, testkit.PagedList(func() []string { return orders }, func(page int) {
		if page == 1 {
			orders = orders[:len(orders)-1] // an order leaves the list
		}
	}), pipeline.SourceSpec{Resource: "salesOrders", PageSize: 2})
	recs := drain(t, src)
	if len(recs) != 5 || !strings.Contains(logged.String(), "list shrank while it was read (6 records at the first page, 5 at page 2)") ||
		!strings.Contains(logged.String(), "run the export again if it must be complete") {
		t.Errorf("%d records, log %q", len(recs), logged.String())
	}
}

// projectedValues reads src projected to columns and returns field of
// every record, in order.
func projectedValues(t *testing.T, src pipeline.Source, columns []string, field string) []string {
	t.Helper()
	if p, ok := src.(pipeline.ColumnProjector); ok {
		p.ProjectColumns(pipeline.Projection{Columns: columns})
	}
	var got []string
	for _, rec := range drain(t, src) {
		v, _ := rec.Lookup(field)
		got = append(got, fmt.Sprint(v))
	}
	return got
}

// An invoice list that grows at its start while it is paged (new invoices
// first) repeats the last invoice of one page at the start of the next:
// the export takes it once, whether the job maps its id or not, with
// include: lineitems or without.
func TestInvoiceListGrowingTakesEachOnce(t *testing.T) {
	for _, c := range []struct {
		name    string
		include string
		columns []string
	}{
		{"id not mapped", "", []string{"Number"}},
		{"id mapped", "", []string{"Id", "Number"}},
		{"with line items", "lineitems", []string{"Number", "LineItem.Name"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			invoice := func(id int) string {
				return fmt.Sprintf(`{"Id":%d,"Number":"RE-%d","InvoiceDate":"2025-05-0%dT10:00:00Z"}`, id, id, id)
			}
			var invoices []string
			for id := 7; id >= 1; id-- { // newest first
				invoices = append(invoices, invoice(id))
			}
			list := testkit.PagedList(func() []string { return invoices }, func(page int) {
				if page == 1 {
					invoices = append([]string{invoice(8)}, invoices...) // a new invoice: RE-5 comes again on page 2
				}
			})
			src, logged := openLogged(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/lineitems") {
					w.Header().Set("Content-Type", "application/json")
					fmt.Fprint(w, `[{"Id":1,"Name":"x"}]`)
					return
				}
				list.ServeHTTP(w, r)
			}), pipeline.SourceSpec{Resource: "invoices", Include: c.include, PageSize: 3})
			got := projectedValues(t, src, c.columns, "Number")
			if want := "RE-7 RE-6 RE-5 RE-4 RE-3 RE-2 RE-1"; strings.Join(got, " ") != want {
				t.Errorf("records %v, want %s", got, want)
			}
			if !strings.Contains(logged.String(), "1 records came twice") {
				t.Errorf("log %q", logged.String())
			}
		})
	}
}

// growingLedger is a period's accounting documents, oldest first, to which
// a late, back-dated invoice is added after page 1 was served: the last
// document of page 1 comes again at the start of page 2. RE-3 and its
// cancellation ST share DocumentId and DocumentNumber and differ in Type.
func growingLedger() (docs func() []string, served func(page int)) {
	doc := func(number, day string, typ, id int) string {
		return specDoc(number, "2025-05-"+day+"T10:00:00Z", typ, "DocumentId="+strconv.Itoa(id), specLine("19", "10.00", "1.90", "11.90", `""`))
	}
	list := []string{doc("RE-1", "02", 0, 1), doc("RE-2", "03", 0, 2), doc("RE-3", "04", 0, 3),
		doc("RE-3", "05", 3, 3), doc("RE-4", "06", 0, 4), doc("RE-5", "07", 0, 5), doc("RE-6", "08", 0, 6)}
	return func() []string { return list }, func(page int) {
		if page == 1 {
			list = append([]string{doc("RE-0", "01", 0, 7)}, list...)
		}
	}
}

// An accounting list that grows before the page being read repeats a
// document on the next page: the export takes it once (by Type, DocumentId
// and DocumentNumber: accountingData has no id) and says so, and keeps an
// invoice and its cancellation, which share id and number.
func TestAccountingListGrowingTakesEachOnce(t *testing.T) {
	docs, served := growingLedger()
	src, logged := openLogged(t, testkit.PagedList(docs, served), pipeline.SourceSpec{Resource: "accountingData", Include: "lineitems", PageSize: 3})
	got := projectedValues(t, src, []string{"DocumentNumber", "LineItem.TotalGrossAmount"}, "DocumentNumber")
	if want := "RE-1 RE-2 RE-3 RE-3 RE-4 RE-5 RE-6"; strings.Join(got, " ") != want {
		t.Errorf("records %v, want %s", got, want)
	}
	if !strings.Contains(logged.String(), "1 records came twice") {
		t.Errorf("log %q", logged.String())
	}
}

// The DATEV export of a list that grew while it was read books every
// document it read once: the repeat is not a second booking, and not a
// duplicate that stops the export either.
func TestDATEVExportOfAGrowingListBooksEachOnce(t *testing.T) {
	registerDATEV()
	docs, served := growingLedger()
	srv := accountingServer(t, docs, served)
	defer srv.Close()
	dir := t.TempDir()
	run := runJobFile(t, "datev-export.yaml", newClient(t, srv.URL), t.TempDir(), "sink.path="+filepath.Join(dir, "EXTF_Buchungsstapel.csv"),
		"sink.datev.fiscal_year_start=2025-01-01", "source.page_size=3", "options.concurrency=1",
		"source.filters.from=2025-05-01", "source.filters.to=2025-05-31", "sink.datev.period.from=2025-05-01", "sink.datev.period.to=2025-05-31")
	if run.err != nil {
		t.Fatal(run.err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "EXTF_Buchungsstapel_202505_1.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\r\n"), "\r\n")[2:] {
		f := strings.Split(l, ";")
		got = append(got, f[1]+" "+f[10])
	}
	want := `"S" "RE-1"|"S" "RE-2"|"S" "RE-3"|"H" "RE-3"|"S" "RE-4"|"S" "RE-5"|"S" "RE-6"`
	if strings.Join(got, "|") != want {
		t.Errorf("bookings %s, want %s", strings.Join(got, "|"), want)
	}
}
