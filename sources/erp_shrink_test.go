package sources

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/sinks"
)

func TestListShrink(t *testing.T) {
	for _, c := range []struct {
		totals []int
		shrank bool
		at     int // the first page at which page reports it
	}{
		{[]int{10, 10, 10, 10}, false, 0},
		{[]int{10, 11, 12, 12}, false, 0}, // grown: the pager reads on
		{[]int{10, 10, 9, 9}, true, 3},
		{[]int{10, 12, 11, 11}, false, 0}, // back from 12, still above the first
		{[]int{0, 0, 0}, false, 0},        // not counted by the server
	} {
		var l erp.ShrinkWatch
		at := 0
		for i, n := range c.totals {
			if l.Page(&erp.Page{TotalItems: n, PageNumber: i + 1}) && at == 0 {
				at = i + 1
			}
		}
		if l.Shrank() != c.shrank || at != c.at {
			t.Errorf("%v: shrank %v at page %d, want %v at %d", c.totals, l.Shrank(), at, c.shrank, c.at)
		}
	}
}

// A document deleted after the first page shifts the next page's first
// document onto the first page, unread: the DATEV export stops and writes
// nothing, instead of a file without that document.
func TestDATEVExportStopsWhenTheListShrinks(t *testing.T) {
	datevReg.Do(func() {
		pipeline.AddSinkType(sinks.DATEV)
		sinks.DateResolver = func(expr string, now time.Time, loc *time.Location) (time.Time, error) {
			r, err := ParseRelDate(expr, now, loc)
			return r.From, err
		}
	})
	var docs []string
	for i := 1; i <= 9; i++ {
		docs = append(docs, specDoc("RE-"+strconv.Itoa(i), fmt.Sprintf("2025-05-%02dT10:00:00Z", i), 0, "", specLine("19", "10.00", "1.90", "11.90", `""`)))
	}
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		n, _ := strconv.Atoi(r.URL.Query().Get("pageNumber"))
		size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
		n, size = max(n, 1), max(size, 1)
		pages := (len(docs) + size - 1) / size
		items := docs[min((n-1)*size, len(docs)):min(n*size, len(docs))]
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"TotalItems":%d,"PageNumber":%d,"PageSize":%d,"TotalPages":%d,"HasPreviousPage":%v,"HasNextPage":%v,"Items":[%s]}`,
			len(docs), n, size, pages, n > 1, n < pages, strings.Join(items, ","))
		if n == 1 {
			docs = docs[1:] // RE-1 is cancelled out of the list: RE-4 moves onto page 1
		}
	}))
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

// Outside accounting a shrinking list is logged: an order export of a busy
// shop (orders leaving a status filter) still runs, with a warning.
func TestOrderListShrinkingWarns(t *testing.T) {
	var mu sync.Mutex
	total := 6
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		n, _ := strconv.Atoi(r.URL.Query().Get("pageNumber"))
		size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
		n, size = max(n, 1), max(size, 1)
		pages := (total + size - 1) / size
		var items []string
		for i := (n-1)*size + 1; i <= min(n*size, total); i++ {
			items = append(items, fmt.Sprintf(`{"Id":%d,"Number":"AU-%d"}`, i, i))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"TotalItems":%d,"PageNumber":%d,"PageSize":%d,"TotalPages":%d,"HasNextPage":%v,"Items":[%s]}`,
			total, n, size, pages, n < pages, strings.Join(items, ","))
		if n == 1 {
			total-- // an order leaves the list
		}
	}))
	defer srv.Close()
	var logged strings.Builder
	env := testEnv(t, newClient(t, srv.URL))
	env.Concurrency = 1
	env.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	src, err := OpenERP(context.Background(), &pipeline.SourceSpec{Type: "erp", Resource: "salesOrders", PageSize: 2}, env)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	n := 0
	for {
		_, err := src.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 5 || !strings.Contains(logged.String(), "list shrank while it was read (6 records at the first page, 5 at page 2)") ||
		!strings.Contains(logged.String(), "run the export again if it must be complete") {
		t.Errorf("%d records, log %q", n, logged.String())
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
			var mu sync.Mutex
			ids := []int{7, 6, 5, 4, 3, 2, 1} // newest first
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				w.Header().Set("Content-Type", "application/json")
				if strings.HasSuffix(r.URL.Path, "/lineitems") {
					fmt.Fprint(w, `[{"Id":1,"Name":"x"}]`)
					return
				}
				n, _ := strconv.Atoi(r.URL.Query().Get("pageNumber"))
				size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
				n, size = max(n, 1), max(size, 1)
				pages := (len(ids) + size - 1) / size
				var items []string
				for _, id := range ids[min((n-1)*size, len(ids)):min(n*size, len(ids))] {
					items = append(items, fmt.Sprintf(`{"Id":%d,"Number":"RE-%d","InvoiceDate":"2025-05-0%dT10:00:00Z"}`, id, id, id))
				}
				fmt.Fprintf(w, `{"TotalItems":%d,"PageNumber":%d,"PageSize":%d,"TotalPages":%d,"HasNextPage":%v,"Items":[%s]}`,
					len(ids), n, size, pages, n < pages, strings.Join(items, ","))
				if n == 1 {
					ids = append([]int{8}, ids...) // a new invoice: RE-5 comes again on page 2
				}
			}))
			defer srv.Close()
			var logged strings.Builder
			env := testEnv(t, newClient(t, srv.URL))
			env.Concurrency = 1
			env.Logger = slog.New(slog.NewTextHandler(&logged, nil))
			src, err := OpenERP(context.Background(), &pipeline.SourceSpec{Type: "erp", Resource: "invoices", Include: c.include, PageSize: 3}, env)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			if p, ok := src.(pipeline.ColumnProjector); ok {
				p.ProjectColumns(pipeline.Projection{Columns: c.columns})
			}
			var got []string
			for {
				rec, err := src.Next(context.Background())
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
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
