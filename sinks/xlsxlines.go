package sinks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/record"
)

// checkLinesSheet checks the name of the lines sheet against Excel's rules
// and the workbook's other sheets (Excel compares names case-insensitively).
func (s *XLSXSink) checkLinesSheet(spec *pipeline.SinkSpec, sheet string) error {
	if err := CheckSheetName(spec.LinesSheet); err != nil {
		return fmt.Errorf("sink.lines_sheet: %w", err)
	}
	if strings.EqualFold(spec.LinesSheet, sheet) {
		return fmt.Errorf("sink.lines_sheet %q is the name of the orders sheet (sink.sheet); Excel needs two names", spec.LinesSheet)
	}
	if spec.ParametersSheet && strings.EqualFold(spec.LinesSheet, ParametersSheet) {
		return fmt.Errorf("sink.lines_sheet %q is the parameters sheet's name", spec.LinesSheet)
	}
	return nil
}

// isLineColumn reports whether a source column is under a line item key:
// LineItem.SKU, LineTotal.Gross.
func isLineColumn(col string) bool {
	for _, k := range [...]string{record.LineItemKey, record.LineTotalKey} {
		if col == k || strings.HasPrefix(col, k+".") || strings.HasPrefix(col, k+"[") {
			return true
		}
	}
	return false
}

// splitTargets divides the targets between the two sheets and returns the
// target indexes of each sheet's columns. Line columns are those named in
// lines_columns, or by default those mapped from a column under LineItem or
// LineTotal (an expression has no column: name it in lines_columns if it
// reads line fields). Every other target is an order column. The lines
// sheet starts with the order key, lines_key or the first order column, so
// each line can be matched to its order.
func splitTargets(spec *pipeline.SinkSpec, targets []mappings.Target) (orderCols, lineCols []int, err error) {
	find := func(key, name string) (int, error) {
		i := slices.IndexFunc(targets, func(t mappings.Target) bool { return t.Path == name })
		if i < 0 {
			return -1, fmt.Errorf("sink.%s: no column %q (columns: %s)", key, name, targetNames(targets))
		}
		return i, nil
	}
	line := make([]bool, len(targets))
	if len(spec.LinesColumns) > 0 {
		for _, n := range spec.LinesColumns {
			i, err := find("lines_columns", n)
			if err != nil {
				return nil, nil, err
			}
			line[i] = true
		}
	} else {
		for i, t := range targets {
			line[i] = isLineColumn(t.Column)
		}
	}
	var lines []int
	for i := range targets {
		if line[i] {
			lines = append(lines, i)
		} else {
			orderCols = append(orderCols, i)
		}
	}
	switch {
	case len(lines) == 0:
		return nil, nil, fmt.Errorf("sink.lines_sheet: no column comes from a line item; map columns such as LineItem.SKU or LineTotal.Gross, or name the line columns in sink.lines_columns (columns: %s)", targetNames(targets))
	case len(orderCols) == 0:
		return nil, nil, fmt.Errorf("sink.lines_sheet: every column comes from a line item; the orders sheet needs order columns such as Number")
	}
	key := orderCols[0]
	if spec.LinesKey != "" {
		if key, err = find("lines_key", spec.LinesKey); err != nil {
			return nil, nil, err
		}
		if line[key] {
			return nil, nil, fmt.Errorf("sink.lines_key %q is a line column; name the order column that links a line to its order, such as OrderNumber", spec.LinesKey)
		}
	}
	return orderCols, append([]int{key}, lines...), nil
}

func targetNames(targets []mappings.Target) string {
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.Path
	}
	return strings.Join(names, ", ")
}

// sheetTotals gives the positions on a sheet (whose columns are the targets
// idx) of the totals targets, looking at the columns from first on.
func sheetTotals(totals, idx []int, first int) []int {
	var out []int
	for j := first; j < len(idx); j++ {
		if slices.Contains(totals, idx[j]) {
			out = append(out, j)
		}
	}
	return out
}

func pickColumns(cols []Column, idx []int) []Column {
	out := make([]Column, len(idx))
	for j, i := range idx {
		out[j] = cols[i]
	}
	return out
}

func pickValues(values []any, idx []int) []any {
	out := make([]any, len(idx))
	for j, i := range idx {
		if i < len(values) {
			out[j] = values[i]
		}
	}
	return out
}
