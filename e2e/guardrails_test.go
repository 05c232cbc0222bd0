package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/erp/erptest"
)

// Doctored supplier files: each trips a guardrail in the plan, so the run
// stops before its first write with exit 1 and says which rule tripped on
// which records; loosening the rule with --set lets the same file through.

// tripped checks a run stopped by the guardrail rule: exit 1, no write,
// summary.json naming the rule, and the keys of the records it lists are
// those of wantKeys (the first 100, the most the summary lists).
func tripped(t *testing.T, srv *erptest.Server, j *job, rule string, wantKeys []string, extra ...string) summary {
	t.Helper()
	r, s := j.mustRun(1, extra...)
	if w := writesOf(srv); w != 0 {
		t.Errorf("%d writes after the guardrail tripped", w)
	}
	if !strings.Contains(r.stdout, "STOPPED, nothing was written: guardrail "+rule) {
		t.Errorf("stdout does not name the rule %s:\n%s", rule, r.stdout)
	}
	var found bool
	for _, g := range s.Guardrails {
		if g.Rule != rule {
			continue
		}
		found = true
		if wantKeys == nil {
			break
		}
		var keys []string
		for _, rec := range g.Records {
			keys = append(keys, rec.Key)
		}
		want := wantKeys[:min(len(wantKeys), 100)]
		if fmt.Sprint(keys) != fmt.Sprint(want) {
			t.Errorf("%s lists %d records %v,\nwant %d %v", rule, len(keys), keys, len(want), want)
		}
		if n := fmt.Sprintf("%d ", len(wantKeys)); !strings.HasPrefix(g.Found, n) {
			t.Errorf("%s: found %q, want %d records", rule, g.Found, len(wantKeys))
		}
	}
	if !found {
		t.Errorf("summary.json guardrails %+v, want %s", s.Guardrails, rule)
	}
	return s
}

// ACME's prices arrive ×10 on every fourth row (a shifted decimal comma):
// max_price_change (50 %) stops the run.
func TestGuardrailPriceJump(t *testing.T) {
	t.Parallel()
	sup := genSupplier(300, 21)
	srv := newServer(t, sup.seed, erptest.Options{})
	var keys []string
	for i, r := range sup.rows {
		if i%4 == 0 {
			sup.rows[i].EK = r.EK.Mul(dec("10"))
			sup.rows[i].VK = r.VK.Mul(dec("10"))
			if r.inWawi && !r.badPrice {
				keys = append(keys, r.SKU)
			}
		}
	}
	j := newJob(t, srv, "jobs/supplier-prices.yaml", "--source", sup.write(t, tempFile(t, "acme.csv"), nil))
	s := tripped(t, srv, j, "max_price_change", keys)
	for _, g := range s.Guardrails {
		if g.Rule == "max_price_change" && len(g.Records) > 0 && !strings.Contains(g.Records[0].Detail, "PurchasePriceNet") {
			t.Errorf("detail %q does not name the price field", g.Records[0].Detail)
		}
	}

	// the merchant checked it: the prices really went up tenfold
	want := sup.priceCounts()
	_, s = j.mustRun(exitFor(want), "--set", "options.guardrails.max_price_change=2000%")
	if s.counts() != want || len(s.Guardrails) > 0 {
		t.Errorf("loosened: %+v, want %+v", s, want)
	}
	if w := writesOf(srv); w != s.Updated {
		t.Errorf("%d writes for %d updates", w, s.Updated)
	}
	it, _ := srv.ItemBySKU(keys[0])
	if !it.ItemPriceData.PurchasePriceNet.Equal(erptest.DecOf(sup.rows[0].EK)) {
		t.Errorf("%s purchase price %s, want %s", keys[0], it.ItemPriceData.PurchasePriceNet, sup.rows[0].EK)
	}
}

// ACME's stock column arrives as 0 everywhere (an export before their
// stock take): max_zeroed_stock (10 %) stops the run.
func TestGuardrailStockZeroed(t *testing.T) {
	t.Parallel()
	sup := genSupplier(300, 22)
	srv := newServer(t, sup.seed, erptest.Options{})
	var keys []string
	for i, r := range sup.rows {
		sup.rows[i].Stock = 0
		if r.inWawi && !r.badStock && r.oldStock > 0 {
			keys = append(keys, r.SKU+" @ "+r.Lager)
		}
	}
	j := newJob(t, srv, "jobs/supplier-stock.yaml", "--source", sup.write(t, tempFile(t, "acme.csv"), nil))
	tripped(t, srv, j, "max_zeroed_stock", keys)

	want := sup.stockCounts()
	_, s := j.mustRun(exitFor(want), "--set", "options.guardrails.max_zeroed_stock=100%")
	if s.counts() != want || int(s.Updated) != len(keys) {
		t.Errorf("loosened: %+v, want %+v with %d updates", s.counts(), want, len(keys))
	}
	for _, r := range sup.rows {
		if r.inWawi && !r.badStock && !stockOf(t, srv, r.SKU, whID(r.Lager)).IsZero() {
			t.Errorf("%s in %s not zeroed", r.SKU, r.Lager)
		}
	}
}

// Broken files fail (nearly) every record in the plan: max_failed stops
// the run before the first write.
func TestGuardrailBrokenFiles(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, job string
		edit      func(i int, f []string)
	}{
		// the stock column is empty: the job requires it
		{"stock emptied", "jobs/supplier-stock.yaml", func(i int, f []string) { f[7] = "" }},
		// exported with a decimal point: 12.50 is not a number with a decimal comma
		{"decimal point", "jobs/supplier-prices.yaml", func(i int, f []string) {
			f[4], f[5] = strings.Replace(f[4], ",", ".", 1), strings.Replace(f[5], ",", ".", 1)
		}},
		// another supplier's file in the same layout: their article numbers
		{"other supplier", "jobs/supplier-stock.yaml", func(i int, f []string) { f[0] = fmt.Sprintf("WÜ-%06d", 700000+i) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sup := genSupplier(200, 23)
			srv := newServer(t, sup.seed, erptest.Options{})
			j := newJob(t, srv, c.job, "--source", sup.write(t, tempFile(t, "acme.csv"), c.edit))
			s := tripped(t, srv, j, "max_failed", nil)
			if s.Failed < 190 || s.RecordsRead != 200 {
				t.Errorf("%+v", s.counts())
			}
		})
	}
}

// ACME's file with "," or tabs instead of ";" is one column wide for the
// job: it cannot even start (exit 2), naming the columns it lacks, before
// the first request that writes.
func TestBrokenFileWrongDelimiter(t *testing.T) {
	t.Parallel()
	sup := genSupplier(100, 24)
	srv := newServer(t, sup.seed, erptest.Options{})
	for _, sep := range []byte{',', '\t'} {
		path := tempFile(t, "acme.csv")
		writeCSV(t, path, sup.table(nil), sep)
		j := newJob(t, srv, "jobs/supplier-stock.yaml", "--source", path)
		r := j.run()
		header := strings.Join(supplierHeader, string(sep))
		if sep == '\t' {
			header = strconv.Quote(header) // a name with tabs is listed escaped
		}
		if r.code != 2 || !strings.Contains(r.stderr, `column "Artikelnummer" is not in the file (columns: `+header) {
			t.Errorf("separator %q: %s", sep, r)
		}
	}
	if c := srv.Counters(); c.Writes != 0 {
		t.Errorf("%d writes", c.Writes)
	}
}
