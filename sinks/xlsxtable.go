package sinks

import (
	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/internal/xlsxw"
)

// The XLSX sink writes through the shared writer of internal/xlsxw; these
// names keep the sink's code and tests short.
type (
	Table        = xlsxw.Table
	Column       = xlsxw.Column
	TableOptions = xlsxw.TableOptions
	Row          = xlsxw.Row
	CellError    = xlsxw.CellError
)

var (
	NewTable       = xlsxw.NewTable
	CheckSheetName = xlsxw.CheckSheetName
	ErrRowLimit    = xlsxw.ErrRowLimit
)

const (
	MaxRows         = xlsxw.MaxRows
	MaxSignificant  = xlsxw.MaxSignificant
	maxDisplayWidth = xlsxw.MaxDisplayWidth

	IntFormat             = xlsxw.IntFormat
	DefaultDecimalFormat  = xlsxw.DefaultDecimalFormat
	DefaultDateFormat     = xlsxw.DefaultDateFormat
	DefaultDateTimeFormat = xlsxw.DefaultDateTimeFormat
)

// SaveAtomic writes the workbook to a temporary file in path's folder
// (created if missing), syncs it and renames it over path, so readers see
// the old file or the complete new one, never a partial one. It keeps the
// mode of a file it replaces, as the file sinks do.
func SaveAtomic(f *excelize.File, path string) error {
	return xlsxw.Save(f, path, fileOptions)
}
