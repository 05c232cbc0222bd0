// Command xlsxmem measures the memory of etl's XLSX sink against a raw
// excelize StreamWriter fed the same typed rows, at several sizes: peak RSS
// of each as a child process of its own, and their ratio (target <= 1.2).
// It uses the file and job of bench/filebench.
//
//	go run ./bench/xlsxmem -etl bin/etl -rows 10000,100000,1000000
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/wawi-etl/etl/bench/internal/benchfile"

	"github.com/wawi-etl/etl/internal/procstat"
)

const jobTmpl = `name: bench-xlsx
source:
  path: %[1]s
  delimiter: ","
mapping:
  decimal: point
  fields:
    - {target: Id, column: id, type: int}
    - {target: SKU, column: sku, transforms: [trim]}
    - {target: Name, column: name}
    - {target: GTIN, column: ean}
    - {target: Manufacturer, column: maker}
    - {target: PurchasePriceNet, column: ek, type: decimal}
    - {target: SalesPriceNet, column: vk, type: decimal}
    - {target: Stock, column: stock, type: int}
    - {target: WeightKg, column: weight, type: decimal}
    - {target: AvailableFrom, column: since, type: date, format: "2006-01-02"}
    - {target: Active, column: active, type: bool}
    - {target: Note, column: note}
sink:
  type: xlsx
  path: %[2]s
`

func main() {
	mode := flag.String("mode", "", "internal: run the StreamWriter baseline")
	etl := flag.String("etl", "bin/etl", "etl binary")
	sizes := flag.String("rows", "10000,100000,1000000", "row counts, comma-separated")
	keep := flag.String("keep", "", "write the inputs, jobs and outputs to this folder and keep them (to look at one run alone)")
	flag.Parse()
	if *mode == "streamwriter" {
		check(benchfile.StreamWriter(flag.Arg(0), flag.Arg(1)))
		return
	}
	dir := *keep
	if dir == "" {
		d, err := os.MkdirTemp("", "xlsxmem-")
		check(err)
		defer os.RemoveAll(d)
		dir = d
	} else {
		check(os.MkdirAll(dir, 0o755))
	}
	self, err := os.Executable()
	check(err)
	etlBin, err := filepath.Abs(*etl)
	check(err)
	rss := func(argv []string) float64 {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			check(fmt.Errorf("%s: %w", argv[0], err))
		}
		return procstat.MaxRSSMB(cmd.ProcessState)
	}
	fmt.Printf("%10s %16s %16s %8s\n", "rows", "StreamWriter", "etl csv->xlsx", "ratio")
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		in := filepath.Join(dir, fmt.Sprintf("in-%d.csv", n))
		check(benchfile.Generate(in, n))
		job := filepath.Join(dir, fmt.Sprintf("job-%d.yaml", n))
		check(os.WriteFile(job, fmt.Appendf(nil, jobTmpl, in, filepath.Join(dir, fmt.Sprintf("out-%d.xlsx", n))), 0o644))
		// best of two of each, alternating, so a noisy neighbour hurts both alike
		var base, mine float64
		for i := range 2 {
			b := rss([]string{self, "-mode", "streamwriter", in, filepath.Join(dir, "sw.xlsx")})
			m := rss([]string{etlBin, "run", "--no-progress", "--report-dir", filepath.Join(dir, "reports"), job})
			if i == 0 || b < base {
				base = b
			}
			if i == 0 || m < mine {
				mine = m
			}
		}
		fmt.Printf("%10d %13.0f MB %13.0f MB %7.2fx  (target <= 1.2)\n", n, base, mine, mine/base)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "xlsxmem:", err)
		os.Exit(1)
	}
}
