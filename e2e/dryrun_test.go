package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/erp/erptest"
)

// sampleSeed is the Wawi of `make demo`: samples/wawi-seed.json.
func sampleSeed(t *testing.T) *erptest.Seed {
	t.Helper()
	s, err := erptest.LoadSeed(filepath.Join(repoRoot, "samples", "wawi-seed.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sheet reads a sheet of the run's diff.xlsx, raw cell values, without
// its header row.
func (j *job) sheet(name string) [][]string {
	j.t.Helper()
	f, err := excelize.OpenFile(filepath.Join(j.reports, "diff.xlsx"))
	if err != nil {
		j.t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
	if err != nil {
		j.t.Fatalf("diff.xlsx sheet %s: %v", name, err)
	}
	if len(rows) == 0 {
		j.t.Fatalf("diff.xlsx sheet %s has no header", name)
	}
	return rows[1:]
}

// changeRows are the Changes sheet as "key | field | current | new".
func (j *job) changeRows() []string {
	var out []string
	for _, r := range j.sheet("Changes") {
		for len(r) < 5 {
			r = append(r, "")
		}
		// the field is "label · API path" where the path has a label
		_, field, ok := strings.Cut(r[2], " · ")
		if !ok {
			field = r[2]
		}
		out = append(out, strings.Join([]string{r[1], field, r[3], r[4]}, " | "))
	}
	return out
}

func contains(list []string, s string) bool { return indexOf(list, s) >= 0 }

// A dry run of each example job (the samples against the sample Wawi, as
// `make demo` runs them) writes nothing, says what the run would do, and
// leaves diff.xlsx and diff.html with the field-level changes.
func TestDryRunExampleJobs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		job     string
		want    counts
		changes []string // rows the Changes sheet must hold
		nChange int      // rows it holds
		creates int      // rows of the Creates sheet
	}{
		// 9 items get other prices (ACME-1020 both); 11 SKUs are not
		// carried; a garbage price and a row without SKU fail
		{"jobs/supplier-prices.yaml", counts{36, 0, 9, 14, 11, 2}, []string{
			"ACME-1004 | ItemPriceData.PurchasePriceNet | 54.09 | 56.94",
			"ACME-1020 | ItemPriceData.PurchasePriceNet | 7.53 | 7.93",
			"ACME-1020 | ItemPriceData.SalesPriceNet | 12.54 | 12.06",
			"ACME-1035 | ItemPriceData.SalesPriceNet | 188.24 | 181.00",
		}, 10, 0},
		// 7 levels differ, 2 drop to 0
		{"jobs/supplier-stock.yaml", counts{36, 0, 7, 17, 11, 1}, []string{
			"ACME-1001 @ Außenlager | Quantity | 4 | 0",
			"ACME-1013 @ Außenlager | Quantity | 1205 | 1200",
			"ACME-1005 @ Hauptlager | Quantity | 8 | 3",
		}, 7, 0},
		// 44 new products; 5 exist and get descriptions, prices, a name;
		// a row without name and one with a price as text fail
		{"jobs/catalog-migration.yaml", counts{51, 44, 5, 0, 0, 2}, []string{
			"OS-10001 | ItemPriceData.SalesPriceNet | 23.90 | 24.90",
			"OS-10023 | Description |  | Nylon-Spreizdübel.",
			"OS-10031 | Name | Schutzbrille | Schutzbrille klar",
		}, 8, 44},
	} {
		t.Run(filepath.Base(c.job), func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, sampleSeed(t), erptest.Options{Validate: true})
			j := newJob(t, srv, c.job)
			r, s := j.mustRun(exitFor(c.want), "--dry-run")
			checkDryRun(t, srv, j, r, s)
			if s.counts() != c.want {
				t.Errorf("dry run %+v, want %+v", s.counts(), c.want)
			}
			rows := j.changeRows()
			for _, want := range c.changes {
				if !contains(rows, want) {
					t.Errorf("Changes lacks %q; has:\n%s", want, strings.Join(rows, "\n"))
				}
			}
			if len(rows) != c.nChange {
				t.Errorf("Changes has %d rows, want %d:\n%s", len(rows), c.nChange, strings.Join(rows, "\n"))
			}
			html, _ := os.ReadFile(filepath.Join(j.reports, "diff.html"))
			for _, want := range c.changes {
				if key, _, _ := strings.Cut(want, " | "); !strings.Contains(string(html), key) {
					t.Errorf("diff.html does not show %s", key)
				}
			}
			if n := len(j.sheet("Creates")); n != c.creates {
				t.Errorf("Creates has %d rows, want %d", n, c.creates)
			}
			for _, v := range srv.ContractViolations() {
				t.Errorf("contract violation: %s", v)
			}
		})
	}
}

// checkDryRun checks what every dry run must do: no write, the summary says
// dry run, and both diff files are there.
func checkDryRun(t *testing.T, srv *erptest.Server, j *job, r run, s summary) {
	t.Helper()
	c := srv.Counters()
	for route, n := range c.ByRoute {
		if !strings.HasPrefix(route, "GET ") && n > 0 {
			t.Errorf("the dry run sent %d × %s", n, route)
		}
	}
	if c.Writes != 0 {
		t.Errorf("the dry run wrote %d times", c.Writes)
	}
	if !s.DryRun || !s.balanced() || !strings.Contains(r.stdout, "dry run: nothing was written") {
		t.Errorf("summary %+v\n%s", s, r.stdout)
	}
	html, err := os.ReadFile(filepath.Join(j.reports, "diff.html"))
	if err != nil {
		t.Fatal(err)
	}
	// self-contained: readable offline, nothing fetched from elsewhere
	if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:)?//`).Find(html); m != nil {
		t.Errorf("diff.html loads %s", m)
	}
	if _, err := os.Stat(filepath.Join(j.reports, "diff.xlsx")); err != nil {
		t.Error(err)
	}
}

// A dry run of the larger generated files: the diff lists every changed
// field and every order to create, and nothing is written.
func TestDryRunGenerated(t *testing.T) {
	t.Parallel()
	t.Run("supplier prices", func(t *testing.T) {
		t.Parallel()
		sup := genSupplier(1000, 31)
		srv := newServer(t, sup.seed, erptest.Options{})
		j := newJob(t, srv, "jobs/supplier-prices.yaml", "--source", sup.write(t, tempFile(t, "acme.csv"), nil))
		want := sup.priceCounts()
		r, s := j.mustRun(exitFor(want), "--dry-run")
		checkDryRun(t, srv, j, r, s)
		if s.counts() != want {
			t.Errorf("%+v, want %+v", s.counts(), want)
		}
		var changes []string
		for _, r := range sup.rows {
			if !r.inWawi || r.badPrice {
				continue
			}
			if !r.EK.Equal(r.oldEK) {
				changes = append(changes, r.SKU+" | ItemPriceData.PurchasePriceNet | "+r.oldEK.StringFixed(2)+" | "+r.EK.StringFixed(2))
			}
			if !r.VK.Equal(r.oldVK) {
				changes = append(changes, r.SKU+" | ItemPriceData.SalesPriceNet | "+r.oldVK.StringFixed(2)+" | "+r.VK.StringFixed(2))
			}
		}
		if got := j.changeRows(); strings.Join(got, "\n") != strings.Join(changes, "\n") {
			t.Errorf("Changes: %d rows, want %d; first rows:\n%s\nwant\n%s", len(got), len(changes),
				strings.Join(got[:min(5, len(got))], "\n"), strings.Join(changes[:min(5, len(changes))], "\n"))
		}
	})
	t.Run("orders", func(t *testing.T) {
		t.Parallel()
		ord := genOrders(500, 32)
		srv := newServer(t, ord.seed, erptest.Options{})
		j := newJob(t, srv, "e2e/testdata/orders-create.yaml", "--source", ord.write(t, tempFile(t, "orders.csv")))
		r, s := j.mustRun(0, "--dry-run")
		checkDryRun(t, srv, j, r, s)
		if want := ord.counts(); s.counts() != want {
			t.Errorf("%+v, want %+v", s.counts(), want)
		}
		var want []string
		for _, r := range ord.rows {
			if !r.inWawi {
				want = append(want, r.Ext)
			}
		}
		var got []string
		for _, r := range j.sheet("Creates") {
			got = append(got, r[1])
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("Creates lists %d orders, want %d", len(got), len(want))
		}
	})
}

// The export example job: a dry run reads last month's orders but writes
// no workbook (and nothing to the Wawi); the real run writes it.
func TestDryRunExport(t *testing.T) {
	t.Parallel()
	seed := erptest.Generate(erptest.GenConfig{Items: 50, Orders: 300, Days: 70, Now: time.Now().UTC()})
	srv := newServer(t, seed, erptest.Options{})
	out := tempFile(t, "orders.xlsx")
	j := newJob(t, srv, "jobs/orders-to-excel.yaml", "--set", "sink.path="+out)
	r, s := j.mustRun(0, "--dry-run")
	if !s.DryRun || s.RecordsRead == 0 || s.Failed != 0 || !strings.Contains(r.stdout, "dry run: nothing was written") {
		t.Errorf("dry run %+v\n%s", s.counts(), r.stdout)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the dry run wrote %s (%v)", out, err)
	}
	if w := writesOf(srv); w != 0 {
		t.Errorf("%d writes", w)
	}
	_, s2 := j.mustRun(0)
	if _, err := os.Stat(out); err != nil || s2.RecordsRead != s.RecordsRead {
		t.Errorf("the run: %v, %d records, the dry run read %d", err, s2.RecordsRead, s.RecordsRead)
	}
}
