package sources

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/pipeline"
)

var benchData = sync.OnceValue(func() []byte {
	rows := 1_000_000
	if s := os.Getenv("ETL_BENCH_ROWS"); s != "" {
		rows, _ = strconv.Atoi(s)
	}
	return genCSV(rows)
})

// genCSV makes a product list of 12 columns, some of them quoted.
func genCSV(rows int) []byte {
	var b strings.Builder
	b.Grow(rows * 120)
	b.WriteString("SKU,Name,EAN,Manufacturer,Cost,Price,RRP,Stock,Warehouse,Weight,Available,Active\n")
	for i := range rows {
		fmt.Fprintf(&b, "ACME-%07d,\"Schraube M%d, verzinkt\",%013d,ACME GmbH,%d.%02d,%d.%02d,%d.99,%d,Hauptlager,%d.%03d,2026-%02d-%02d,%t\n",
			i, i%12+2, 4006381000000+i, i%500, i%100, i%900, i%100, i%1000, i%5000, i%20, i%1000, i%12+1, i%28+1, i%3 != 0)
	}
	return []byte(b.String())
}

// BenchmarkCSVSource compares the CSV source with plain encoding/csv on the
// same file (1M rows × 12 columns; ETL_BENCH_ROWS changes the size):
//
//	go test -run '^$' -bench CSVSource -benchtime 3x ./sources/
func BenchmarkCSVSource(b *testing.B) {
	data := benchData()
	path := filepath.Join(b.TempDir(), "bench.csv")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	spec := &pipeline.SourceSpec{Type: "csv", Path: path, Delimiter: ","}

	b.Run("source", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			src, err := OpenCSV(context.Background(), spec, nil)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				rec, err := src.Next(context.Background())
				if err == io.EOF {
					break
				}
				if err != nil || rec.Err != nil {
					b.Fatal(err, rec.Err)
				}
				n++
			}
			src.Close()
			b.ReportMetric(float64(n), "records/op")
		}
	})
	for _, reuse := range []bool{false, true} {
		name := "encoding-csv"
		if reuse {
			name += "-reuse"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				r := csv.NewReader(f)
				r.ReuseRecord = reuse
				n := -1 // the header
				for {
					_, err := r.Read()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				f.Close()
				b.ReportMetric(float64(n), "records/op")
			}
		})
	}
}

// BenchmarkXLSXSource compares the XLSX source with a plain excelize raw
// row loop on the same workbook (20k rows × 12 columns, with booleans and
// 0/1 numbers, told apart by cell type in the one pass;
// ETL_BENCH_XLSX_ROWS changes the size).
func BenchmarkXLSXSource(b *testing.B) {
	rows := 20_000
	if s := os.Getenv("ETL_BENCH_XLSX_ROWS"); s != "" {
		rows, _ = strconv.Atoi(s)
	}
	path := filepath.Join(b.TempDir(), "bench.xlsx")
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	sw.SetRow("A1", []any{"SKU", "Name", "EAN", "Manufacturer", "Cost", "Price", "RRP", "Stock", "Warehouse", "Weight", "Available", "Active"})
	for i := range rows {
		sw.SetRow(cellName(0, i+2), []any{
			fmt.Sprintf("ACME-%07d", i), fmt.Sprintf("Schraube M%d, verzinkt", i%12+2), 4006381000000 + i, "ACME GmbH",
			float64(i%500) + 0.25, float64(i%900) + 0.5, i % 1000, i % 2, "Hauptlager", float64(i%20) / 8, 45000 + i%365, i%3 != 0,
		})
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	f.Close()

	b.Run("source", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			src, err := OpenXLSX(context.Background(), &pipeline.SourceSpec{Type: "xlsx", Path: path}, nil)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				rec, err := src.Next(context.Background())
				if err == io.EOF {
					break
				}
				if err != nil || rec.Err != nil {
					b.Fatal(err, rec.Err)
				}
				n++
			}
			src.Close()
			b.ReportMetric(float64(n), "records/op")
		}
	})
	b.Run("excelize-rows", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			f, err := excelize.OpenFile(path)
			if err != nil {
				b.Fatal(err)
			}
			rs, err := f.Rows("Sheet1")
			if err != nil {
				b.Fatal(err)
			}
			n := -1
			for rs.Next() {
				if _, err := rs.Columns(excelize.Options{RawCellValue: true}); err != nil {
					b.Fatal(err)
				}
				n++
			}
			rs.Close()
			f.Close()
			b.ReportMetric(float64(n), "records/op")
		}
	})
}
