// Command xlsxmem measures the memory of etl's XLSX sink against a raw
// excelize StreamWriter fed the same typed rows, at several sizes: peak RSS
// of each as a child process of its own, and their ratio (target <= 1.2).
// It uses the file and job of bench/filebench.
//
//	go run ./bench/xlsxmem -etl bin/etl -rows 10000,100000,1000000
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/procstat"
)

var header = []string{"id", "sku", "name", "ean", "maker", "ek", "vk", "stock", "weight", "since", "active", "note"}
var renamed = []string{"Id", "SKU", "Name", "GTIN", "Manufacturer", "PurchasePriceNet", "SalesPriceNet", "Stock", "WeightKg", "AvailableFrom", "Active", "Note"}

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
	flag.Parse()
	if *mode == "streamwriter" {
		check(streamWriter(flag.Arg(0), flag.Arg(1)))
		return
	}
	dir, err := os.MkdirTemp("", "xlsxmem-")
	check(err)
	defer os.RemoveAll(dir)
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
		check(generate(in, n))
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

// generate writes a deterministic file of n rows.
func generate(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	cw := csv.NewWriter(w)
	_ = cw.Write(header)
	makers := []string{"ACME GmbH", "Würth", "Müller & Söhne", "Bosch", "Fischer"}
	rec := make([]string, 12)
	for i := range n {
		rec[0] = strconv.Itoa(i + 1)
		rec[1] = fmt.Sprintf("SKU-%07d", i)
		rec[2] = fmt.Sprintf("Artikel %d, Größe %d", i, i%50)
		rec[3] = strconv.Itoa(4006381000000 + i)
		rec[4] = makers[i%len(makers)]
		rec[5] = fmt.Sprintf("%d.%02d", i%900, i%100)
		rec[6] = fmt.Sprintf("%d.%02d", i%900+5, (i*7)%100)
		rec[7] = strconv.Itoa(i % 1000)
		rec[8] = fmt.Sprintf("%d.%03d", i%20, i%1000)
		rec[9] = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%700).Format("2006-01-02")
		rec[10] = []string{"true", "false"}[i%2]
		rec[11] = "Bemerkung"
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// streamWriter is the floor for the XLSX path: the same rows, typed with
// the cheapest conversions, straight through excelize's StreamWriter.
func streamWriter(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	x := excelize.NewFile()
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	if _, err := r.Read(); err != nil {
		return err
	}
	hdr := make([]any, len(renamed))
	for i, h := range renamed {
		hdr[i] = h
	}
	if err := sw.SetRow("A1", hdr); err != nil {
		return err
	}
	row := make([]any, 12)
	for n := 2; ; n++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		id, _ := strconv.Atoi(rec[0])
		ek, _ := strconv.ParseFloat(rec[5], 64)
		vk, _ := strconv.ParseFloat(rec[6], 64)
		st, _ := strconv.Atoi(rec[7])
		wt, _ := strconv.ParseFloat(rec[8], 64)
		since, _ := time.Parse("2006-01-02", rec[9])
		act := rec[10] == "true"
		row[0], row[1], row[2], row[3], row[4] = id, rec[1], rec[2], rec[3], rec[4]
		row[5], row[6], row[7], row[8], row[9], row[10], row[11] = ek, vk, st, wt, since, act, rec[11]
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return x.SaveAs(out)
}
