package sources

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/pipeline/pipelinetest"
)

// Every source passes the runner's conformance suite.
func TestSourceConformance(t *testing.T) {
	t.Run("csv", func(t *testing.T) {
		pipelinetest.RunSourceSuite(t, pipelinetest.SourceSuite{Open: OpenCSV,
			Input: func(t *testing.T, dir string, n int) pipeline.SourceSpec {
				var b strings.Builder
				b.WriteString("SKU;Preis;Name\n")
				for i := range n {
					fmt.Fprintf(&b, "S%04d;%d,50;\"Artikel\nmit Umbruch %d\"\n", i, i, i)
				}
				p := filepath.Join(dir, "in.csv")
				if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return pipeline.SourceSpec{Path: p}
			}})
	})
	t.Run("xlsx", func(t *testing.T) {
		pipelinetest.RunSourceSuite(t, pipelinetest.SourceSuite{Open: OpenXLSX,
			Input: func(t *testing.T, dir string, n int) pipeline.SourceSpec {
				f := excelize.NewFile()
				defer f.Close()
				sw, err := f.NewStreamWriter("Sheet1")
				if err != nil {
					t.Fatal(err)
				}
				_ = sw.SetRow("A1", []any{"SKU", "Preis", "Name"})
				for i := range n {
					cell, _ := excelize.CoordinatesToCellName(1, i+2)
					_ = sw.SetRow(cell, []any{fmt.Sprintf("S%04d", i), float64(i) + 0.5, "Artikel"})
				}
				if err := sw.Flush(); err != nil {
					t.Fatal(err)
				}
				p := filepath.Join(dir, "in.xlsx")
				if err := f.SaveAs(p); err != nil {
					t.Fatal(err)
				}
				return pipeline.SourceSpec{Path: p}
			}})
	})
	t.Run("erp", func(t *testing.T) {
		var srv *erptest.Server
		t.Cleanup(func() {
			if srv != nil {
				srv.Close()
			}
		})
		pipelinetest.RunSourceSuite(t, pipelinetest.SourceSuite{Open: OpenERP,
			Input: func(t *testing.T, dir string, n int) pipeline.SourceSpec {
				s := erptest.NewServer(erptest.Options{Seed: erptest.Generate(erptest.GenConfig{Items: n, Seed: 3})})
				t.Cleanup(s.Close)
				srv = s
				return pipeline.SourceSpec{Resource: "items", PageSize: 40}
			},
			Conn: func(t *testing.T) any { return newClient(t, srv.URL) },
		})
	})
}
