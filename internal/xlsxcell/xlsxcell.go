// Package xlsxcell holds the small rules every workbook etl writes follows
// (through internal/xlsxw) and the CSV sink shares: formula neutralisation,
// Excel's 15 significant digits, display widths.
package xlsxcell

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
