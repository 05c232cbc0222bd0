// Package xlsxw is the one XLSX writer of etl: the file sink, the diff
// report and the error workbook write through it, so cell typing, styling
// and saving live in one place (with the rules of internal/xlsxcell).
//
// It has two modes of writing rows:
//
//   - Table streams typed rows through excelize's StreamWriter: values are
//     typed from their Go type (see Table), columns sized from the first
//     rows, with an optional totals row, comments and autofilter. With
//     TableOptions.Spool its rows are spooled as below instead of going
//     through excelize's in-memory stream buffer, and read the same.
//   - Spool writes each row as finished SpreadsheetML into a temporary
//     file and splices the rows into the sheet part while the workbook is
//     saved. Memory stays flat however many rows, at well under a tenth of
//     StreamWriter's cost per row; a long table goes on over further sheets.
//
// Save and Write write a workbook (with any spooled sheets) as it is
// compressed, Save through internal/atomicfile.
package xlsxw

// ListSeparator joins the elements of a list value into one cell.
const ListSeparator = "|"
