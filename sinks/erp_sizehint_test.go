package sinks

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/erptest"
)

// The planning pass of a file import already knows roughly how many records
// come (the CSV source's size estimate), so auto lookup loads the index up
// front instead of searching until the index would have paid: a dry run of
// a file touching every item costs the size probe and the index pages.
func TestERPPlanningPassUsesSizeEstimate(t *testing.T) {
	const items = 500
	srv := erptest.NewServer(erptest.Options{Seed: erptest.Generate(erptest.GenConfig{Items: items})})
	t.Cleanup(srv.Close)
	c, err := erp.New(erp.Config{BaseURL: srv.URL, APIKey: "k", HTTPClient: srv.Client(), BackoffInitial: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("SKU;Price\n")
	for _, it := range srv.Items() {
		fmt.Fprintf(&b, "%s;%d\n", it.SKU, 1+it.Id%50)
	}
	job := `name: hint
source: {type: csv, path: in.csv}
mapping:
  fields:
    - {target: SKU, column: SKU}
    - {target: ItemPriceData.SalesPriceNet, column: Price, type: decimal}
sink: {type: erp, resource: items, operation: update}
options: {guardrails: {max_price_change: "off"}}
`
	for name, data := range map[string]string{"in.csv": b.String(), "job.yaml": job} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum := runERPJob(t, c, filepath.Join(dir, "job.yaml"), true, false, filepath.Join(dir, "state"))
	if sum.RecordsRead != items || sum.Failed != 0 {
		t.Fatalf("%+v", sum)
	}
	pages := (items + erp.DefaultPageSize - 1) / erp.DefaultPageSize
	if got := srv.Counters().Route("GET /items"); got != int64(1+pages) {
		t.Errorf("GET /items %d times, want %d (the size probe and %d index pages, no searches)", got, 1+pages, pages)
	}
}
