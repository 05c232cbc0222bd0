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
			if p, ok := src.(pipeline.ColumnProjector); ok {
				p.ProjectColumns(pipeline.Projection{Columns: c.columns})
			}
			var got []string
			for _, rec := range drain(t, src) {
				v, _ := rec.Lookup("Number")
				got = append(got, fmt.Sprint(v))
			}
			if want := "RE-7 RE-6 RE-5 RE-4 RE-3 RE-2 RE-1"; strings.Join(got, " ") != want {
				t.Errorf("records %v, want %s", got, want)
			}
			if !strings.Contains(logged.String(), "1 records came twice") {
				t.Errorf("log %q", logged.String())
			}
		})
	}
}
