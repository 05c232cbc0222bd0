package sources

import "time"

// parseOffsetTime reads yyyy-mm-ddThh:mm:ss[.fraction](Z|±hh:mm), the
// form the Wawi writes, by hand: exports read several such dates per
// document and time.Parse costs several times more. ok is false for any
// other form (the caller falls back to time.Parse) and for invalid values.
func parseOffsetTime(s string) (t time.Time, offset int, ok bool) {
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, 0, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	mi, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, time.Month(mo)) ||
		h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, 0, false
	}
	i, ns := 19, 0
	if i < len(s) && s[i] == '.' {
		i++
		scale := 100_000_000
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if i-start < 9 {
				ns += int(s[i]-'0') * scale
				scale /= 10
			}
			i++
		}
		if i == start {
			return time.Time{}, 0, false
		}
	}
	switch rest := s[i:]; {
	case rest == "Z" || rest == "z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okh := num(i+1, 2)
		om, okm := num(i+4, 2)
		if !okh || !okm || oh > 23 || om > 59 {
			return time.Time{}, 0, false
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, 0, false
	}
	t = time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.UTC).Add(-time.Duration(offset) * time.Second)
	return t, offset, true
}

// formatDotNet writes t in its location as 2006-01-02T15:04:05.0000000-07:00
// (dotNetTime), by hand.
func formatDotNet(t time.Time) string {
	var b [33]byte
	y, mo, d := t.Date()
	h, mi, sec := t.Clock()
	_, off := t.Zone()
	put := func(i, v, n int) {
		for j := i + n - 1; j >= i; j-- {
			b[j] = byte('0' + v%10)
			v /= 10
		}
	}
	if y < 0 || y > 9999 {
		return t.Format(dotNetTime)
	}
	put(0, y, 4)
	b[4] = '-'
	put(5, int(mo), 2)
	b[7] = '-'
	put(8, d, 2)
	b[10] = 'T'
	put(11, h, 2)
	b[13] = ':'
	put(14, mi, 2)
	b[16] = ':'
	put(17, sec, 2)
	b[19] = '.'
	put(20, t.Nanosecond()/100, 7)
	b[27] = '+'
	if off < 0 {
		b[27] = '-'
		off = -off
	}
	put(28, off/3600, 2)
	b[30] = ':'
	put(31, off%3600/60, 2)
	return string(b[:])
}
