package pipeline

import (
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/report"
)

// projectSource tells a source that can decode only what the job reads
// (ColumnProjector) which paths those are. It does nothing when the job
// may read any column: an expression or a when condition sees the whole
// record. Everything else that reads a raw record names a mapping column
// (the diff report's key, a sink's CustomerId) or is the error workbook,
// whose identifying paths come along; group_by and unpivot wrap the source,
// which then is no ColumnProjector.
func projectSource(src Source, m *mappings.Spec) {
	p, ok := src.(ColumnProjector)
	if !ok {
		return
	}
	cols, ok := readColumns(m)
	if !ok {
		return
	}
	p.ProjectColumns(Projection{Columns: cols, Identity: report.DocKeys()})
}

// readColumns are the columns a mapping reads; ok is false when it may read
// any (an expression, a when condition, no fields).
func readColumns(m *mappings.Spec) (cols []string, ok bool) {
	if m.When != "" || len(m.Fields) == 0 {
		return nil, false
	}
	for _, f := range m.Fields {
		switch {
		case f.Expr != "":
			return nil, false
		case f.Column != "":
			cols = append(cols, f.Column)
		}
	}
	return cols, true
}
