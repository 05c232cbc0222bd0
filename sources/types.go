package sources

import (
	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/pipeline"
)

// The source types a job file can name; cmd/etl registers them.
var (
	CSV  = pipeline.SourceType{Name: "csv", Open: OpenCSV, Extensions: []string{".csv", ".txt", ".tsv"}, ReadsFile: true}
	XLSX = pipeline.SourceType{Name: "xlsx", Open: OpenXLSX, Extensions: []string{".xlsx", ".xlsm"}, ReadsFile: true}
	ERP  = pipeline.SourceType{Name: "erp", Open: OpenERP, NeedsConn: true}
)

// Capabilities, checked at compile time.
var (
	_ pipeline.SizeEstimator   = (*CSVSource)(nil)
	_ pipeline.SizeEstimator   = (*XLSXSource)(nil)
	_ pipeline.Committer       = (*ERPSource)(nil)
	_ pipeline.RequestCounter  = (*ERPSource)(nil)
	_ pipeline.ParameterSource = (*ERPSource)(nil)
	_ pipeline.ColumnProjector = (*ERPSource)(nil)
)

// wawiClient is the job's connection to the Wawi, nil when it has none.
func wawiClient(env *pipeline.Env) *erp.Client {
	if env == nil {
		return nil
	}
	c, _ := env.Conn.(*erp.Client)
	return c
}
