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
// same file (1M rows × 12 columns; ETL_BENCH_ROWS changes the size).
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
