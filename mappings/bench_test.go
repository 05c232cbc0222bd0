package mappings

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/wawi-etl/etl/record"
)

var benchColumns = []string{"Artikelnummer", "Name", "VK", "EK", "Bestand", "Mindestbestand", "Angelegt", "Geändert", "Aktiv", "EAN", "Gewicht", "Kategorie"}

const benchMapping = `
mapping:
  decimal: comma
  fields:
    - {target: SKU, column: Artikelnummer, required: true}
    - {target: Name, column: Name, transforms: [trim]}
    - {target: ItemPriceData.SalesPriceNet, column: VK, type: decimal}
    - {target: ItemPriceData.PurchasePrice, column: EK, type: decimal}
    - {target: Stock, column: Bestand, type: int}
    - {target: MinStock, column: Mindestbestand, type: int}
    - {target: Created, column: Angelegt, type: date, format: dd.mm.yyyy}
    - {target: Modified, column: Geändert, type: date}
    - {target: Active, column: Aktiv, type: bool}
    - {target: GTIN, column: EAN}
    - {target: Weight, column: Gewicht, type: decimal}
    - {target: Category, column: Kategorie, transforms: [upper]}
`

func benchRows(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{
			fmt.Sprintf("ART-%06d", i),
			fmt.Sprintf(" Artikel Nummer %d ", i),
			fmt.Sprintf("%d.%03d,%02d", 1+i%9, i%1000, i%100),
			fmt.Sprintf("%d,%02d", i%500, i%100),
			strconv.Itoa(i % 5000),
			strconv.Itoa(i % 10),
			fmt.Sprintf("%02d.%02d.20%02d", 1+i%28, 1+i%12, 10+i%15),
			fmt.Sprintf("20%02d-%02d-%02d", 10+i%15, 1+i%12, 1+i%28),
			[]string{"ja", "nein", "1", "0"}[i%4],
			fmt.Sprintf("40%011d", i),
			fmt.Sprintf("0,%03d", i%1000),
			[]string{"schuhe", "hosen", "jacken"}[i%3],
		}
	}
	return rows
}

func benchCSV(rows [][]string) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	_ = w.Write(benchColumns)
	_ = w.WriteAll(rows)
	return buf.Bytes()
}

// BenchmarkApply maps one 12-column record per op: strings, comma decimals,
// ints, dates in two formats, a bool.
func BenchmarkApply(b *testing.B) {
	h := record.NewHeader(benchColumns)
	m, err := Compile(decodeSpec(b, benchMapping), h, Options{})
	if err != nil {
		b.Fatal(err)
	}
	rows := benchRows(1024)
	recs := make([]*record.Record, len(rows))
	for i, r := range rows {
		recs[i] = &record.Record{Row: i + 2, Header: h, Fields: r}
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := m.Apply(ctx, recs[i%len(recs)])
		if err != nil || len(res.Errs) > 0 {
			b.Fatal(err, errStrings(res.Errs))
		}
	}
}

// BenchmarkApplyParallel is BenchmarkApply from GOMAXPROCS goroutines, as the
// pipeline's workers call it.
func BenchmarkApplyParallel(b *testing.B) {
	h := record.NewHeader(benchColumns)
	m, err := Compile(decodeSpec(b, benchMapping), h, Options{})
	if err != nil {
		b.Fatal(err)
	}
	rows := benchRows(1024)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			rec := &record.Record{Row: i, Header: h, Fields: rows[i%len(rows)]}
			if _, err := m.Apply(context.Background(), rec); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkCSVReadWrite is the yardstick: encoding/csv reading and writing
// the same rows, one record per op.
func BenchmarkCSVReadWrite(b *testing.B) {
	data := benchCSV(benchRows(1024))
	b.ReportAllocs()
	b.ResetTimer()
	w := csv.NewWriter(io.Discard)
	var r *csv.Reader
	for i := 0; i < b.N; i++ {
		if i%1024 == 0 {
			r = csv.NewReader(bytes.NewReader(data))
			r.Comma = ';'
			r.ReuseRecord = true
			_, _ = r.Read()
		}
		rec, err := r.Read()
		if err != nil {
			b.Fatal(err)
		}
		_ = w.Write(rec)
	}
	w.Flush()
}

// BenchmarkCSVReadApplyWrite is the pipeline's shape: read, map, format the
// typed values, write; compare with BenchmarkCSVReadWrite.
func BenchmarkCSVReadApplyWrite(b *testing.B) {
	data := benchCSV(benchRows(1024))
	h := record.NewHeader(benchColumns)
	m, err := Compile(decodeSpec(b, benchMapping), h, Options{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	out := make([]string, len(benchColumns))
	b.ReportAllocs()
	b.ResetTimer()
	w := csv.NewWriter(io.Discard)
	var r *csv.Reader
	for i := 0; i < b.N; i++ {
		if i%1024 == 0 {
			r = csv.NewReader(bytes.NewReader(data))
			r.Comma = ';'
			_, _ = r.Read()
		}
		fields, err := r.Read()
		if err != nil {
			b.Fatal(err)
		}
		res, err := m.Apply(ctx, &record.Record{Row: i, Header: h, Fields: fields})
		if err != nil || len(res.Errs) > 0 {
			b.Fatal(err)
		}
		for j, v := range res.Values {
			switch v := v.(type) {
			case string:
				out[j] = v
			case decimal.Decimal:
				out[j] = v.String()
			case int64:
				out[j] = strconv.FormatInt(v, 10)
			case bool:
				out[j] = strconv.FormatBool(v)
			case time.Time:
				out[j] = v.Format(time.DateOnly)
			default:
				out[j] = ""
			}
		}
		_ = w.Write(out)
	}
	w.Flush()
}
