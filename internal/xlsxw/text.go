package xlsxw

import (
	"math"
	"reflect"
	"strings"
	"unicode/utf8"
)

// xmlUnsafe finds the first character XML 1.0 cannot carry, or invalid UTF-8.
func xmlUnsafe(s string) (bad bool, pos int, r rune) {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b < 0x20 && b != '\t' && b != '\n' && b != '\r' {
				return true, i, rune(b)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			return true, i, r
		}
		i += size
	}
	return false, 0, 0
}

func xmlSanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, string(utf8.RuneError)))
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func cutUTF16(s string, limit int) string {
	n := 0
	for i, r := range s {
		w := 1
		if r >= 0x10000 {
			w = 2
		}
		if n+w > limit {
			return s[:i]
		}
		n += w
	}
	return s
}

// formatWidth estimates how wide a date format displays: roughly its length.
func formatWidth(f string) int {
	n := 0
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case '"', '\\', '[', ']':
		default:
			n++
		}
	}
	return n
}

// numberWidth estimates the display width of a number under a format: the
// integer digits, grouping separators if the format groups, the decimals the
// format shows.
func numberWidth(v any, numFmt string) float64 {
	var a float64
	switch v := v.(type) {
	case int64:
		a = float64(v)
	case float64:
		a = v
	}
	n := 1.0
	if a < 0 {
		n++
		a = -a
	}
	digits := 1.0
	if a >= 1 {
		digits = math.Floor(math.Log10(a)) + 1
	}
	n += digits
	if strings.Contains(numFmt, ",") {
		n += math.Floor((digits - 1) / 3)
	}
	if dot := strings.IndexByte(numFmt, '.'); dot >= 0 {
		dec := 0
		for _, c := range numFmt[dot+1:] {
			if c != '0' && c != '#' && c != '?' {
				break
			}
			dec++
		}
		n += float64(dec) + 1
	}
	return n
}

// excelDateFormatOK reports whether an Excel number format shows a date or
// time part (d, m, y, h, s outside quoted text); "02.01.2006" would show the
// serial number through digit placeholders.
func excelDateFormatOK(f string) bool {
	inQuote := false
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '\\':
			i++
		case strings.IndexByte("dDmMyYhHsS", c) >= 0:
			return true
		}
	}
	return false
}

// isNilPointer reports a typed nil pointer, which is an empty cell, not "<nil>".
func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}
