// Package xlsxcell holds the small rules every workbook etl writes follows
// (through internal/xlsxw) and the CSV sink shares: formula neutralisation,
// Excel's 15 significant digits, display widths.
package xlsxcell

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"io"

	"github.com/xuri/excelize/v2"
)

// Neutralize prefixes text that a spreadsheet would take for a formula (or
// that starts with a control character some readers act on) with an
// apostrophe, so that "=HYPERLINK(...)" from a supplier file stays text.
func Neutralize(s string) string {
	if FormulaLike(s) {
		return "'" + s
	}
	return s
}

// FormulaLike reports whether Neutralize prefixes s.
func FormulaLike(s string) bool {
	if s != "" {
		switch s[0] {
		case '=', '+', '-', '@', '\t', '\r':
			return true
		}
	}
	return false
}

// SignificantDigits counts the digits of a plain decimal number text between
// its first and last non-zero digit: Excel keeps 15.
func SignificantDigits(s string) int {
	first, last, n := -1, -1, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		if c != '0' {
			if first < 0 {
				first = n
			}
			last = n
		}
		n++
	}
	if first < 0 {
		return 0
	}
	return last - first + 1
}

// TextWidth is the width text displays at, in characters: its longest line,
// capped at limit.
func TextWidth(s string, limit int) int {
	best, n := 0, 0
	for _, r := range s {
		if r == '\n' {
			best, n = max(best, n), 0
			continue
		}
		if n++; n > limit {
			return limit
		}
	}
	return max(best, n)
}

// Write writes a workbook to w as it is compressed. excelize's WriteTo and
// SaveAs build the whole zip in a bytes.Buffer first (tens of MB at a
// million rows, doubled while it grows); its ZipWriter hook lets it
// compress straight into w instead, and the buffer it returns stays empty.
func Write(f *excelize.File, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	zw := zip.NewWriter(bw)
	// The compression runs after the last row, while nothing else is left
	// to do: the fastest level takes a third of the time for files about a
	// fifth larger.
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zw })
	if _, err := f.WriteToBuffer(); err != nil { // closes zw
		return err
	}
	return bw.Flush()
}
