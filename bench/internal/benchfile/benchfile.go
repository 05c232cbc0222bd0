// Package benchfile is the input the file benchmarks share: a CSV of
// typed columns, and the bare excelize StreamWriter baseline over it.
package benchfile

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// Header is the generated file's columns; Renamed what the jobs map them to.
var Header = []string{"id", "sku", "name", "ean", "maker", "ek", "vk", "stock", "weight", "since", "active", "note"}
var Renamed = []string{"Id", "SKU", "Name", "GTIN", "Manufacturer", "PurchasePriceNet", "SalesPriceNet", "Stock", "WeightKg", "AvailableFrom", "Active", "Note"}

// Generate writes a deterministic file of n rows.
func Generate(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	cw := csv.NewWriter(w)
	_ = cw.Write(Header)
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

// StreamWriter is the floor for the XLSX path: the same rows, typed with
// the cheapest conversions, straight through excelize's StreamWriter.
func StreamWriter(in, out string) error {
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
	hdr := make([]any, len(Renamed))
	for i, h := range Renamed {
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
