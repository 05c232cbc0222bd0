package mappings

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// DecimalSep says which character separates the fraction in numeric text.
type DecimalSep uint8

const (
	// SepAuto decides per value; see ParseDecimal.
	SepAuto DecimalSep = iota
	// SepComma: 1.234,56 — "," is the decimal separator, "." groups thousands.
	SepComma
	// SepPoint: 1,234.56 — "." is the decimal separator, "," groups thousands.
	SepPoint
)

func (s DecimalSep) String() string {
	switch s {
	case SepComma:
		return "comma"
	case SepPoint:
		return "point"
	}
	return "auto"
}

// parseSep reads the decimal: setting of a job.
func parseSep(s string) (DecimalSep, bool) {
	switch s {
	case "", "auto":
		return SepAuto, true
	case "comma":
		return SepComma, true
	case "point":
		return SepPoint, true
	}
	return SepAuto, false
}

// Bounds that keep hostile input from producing huge big.Ints or strings.
const (
	maxNumberLen = 400
	maxExponent  = 100
)

// ParseDecimal reads a number as people and spreadsheets write it.
//
// Around the number it accepts spaces, a leading sign (+, -, U+2212) and one
// currency symbol or code (€ $ £ ¥ EUR USD GBP CHF, any case) before or after
// it. Thousands may be grouped with "." or "," (whichever is not the decimal
// separator), an apostrophe (' or ’) or a space (also no-break and thin
// spaces); groups after the first must have exactly 3 digits, and one number
// uses one kind of grouping. An exponent (1.5E-3) is accepted only with a
// decimal point and no grouping, as spreadsheets store numbers that way.
//
// With SepComma and SepPoint the roles of "," and "." are fixed; text that does
// not fit them ("1.5" with SepComma: "." would group thousands, but "5" is no
// group of 3) is an error, never a guess.
//
// With SepAuto the decision is made per value:
//   - both "." and "," appear: the last one is the decimal separator;
//   - one of them appears more than once: it groups thousands;
//   - one of them appears once: it is the decimal separator, unless it is
//     followed by exactly 3 digits and preceded by 1–3 digits not starting
//     with 0 ("1,234", "12.500"). That text is ambiguous — it is 1.234 or
//     1234 depending on the file's convention — and is an error naming both
//     readings: a wrong guess would silently change a price or a stock level
//     by a factor of 1000. Set decimal: comma or point to read such files.
//     Apostrophe or space grouping elsewhere in the number resolves it ("1 234,5").
//
// Spreadsheet cells (Header.SerialDates) come in the stored form, so for them
// a lone "." is always the decimal point; "," keeps the rules above.
func ParseDecimal(s string, sep DecimalSep) (decimal.Decimal, error) {
	var n number
	if err := scanNumber(s, sep, false, &n); err != nil {
		return decimal.Decimal{}, err
	}
	return n.decimal(), nil
}

// number is numeric text reduced to its digits: the value is
// ±digits × 10^(exp-frac). It lives on the caller's stack; digits beyond
// len(buf) spill to long.
type number struct {
	neg  bool
	nd   int
	buf  [40]byte
	long []byte
	frac int
	exp  int
}

func (n *number) push(c byte) {
	if n.long == nil && n.nd < len(n.buf) {
		n.buf[n.nd] = c
		n.nd++
		return
	}
	if n.long == nil {
		n.long = append(make([]byte, 0, 2*len(n.buf)), n.buf[:n.nd]...)
	}
	n.long = append(n.long, c)
	n.nd++
}

func (n *number) digits() []byte {
	if n.long != nil {
		return n.long
	}
	return n.buf[:n.nd]
}

// decimal converts without going through a string for up to 18 digits, which
// is every price and quantity in practice.
func (n *number) decimal() decimal.Decimal {
	if m, exp, ok := n.small(); ok {
		return decimal.New(m, exp)
	}
	exp := int32(n.exp - n.frac)
	digits := n.digits()
	bi, _ := new(big.Int).SetString(string(digits), 10)
	if n.neg {
		bi.Neg(bi)
	}
	return decimal.NewFromBigInt(bi, exp)
}

// small is the number as m × 10^exp when its digits fit an int64, which
// needs no big.Int.
func (n *number) small() (m int64, exp int32, ok bool) {
	digits := n.digits()
	if len(digits) > 18 {
		return 0, 0, false
	}
	for _, c := range digits {
		m = m*10 + int64(c-'0')
	}
	if n.neg {
		m = -m
	}
	return m, int32(n.exp - n.frac), true
}

// int64 converts exactly or fails: 1.0 is 1, 1.5 is an error.
func (n *number) int64() (int64, error) {
	digits := n.digits()
	e := n.exp - n.frac
	for ; e < 0; e++ {
		if digits[len(digits)-1] != '0' {
			return 0, reasonError("not a whole number")
		}
		digits = digits[:len(digits)-1]
		if len(digits) == 0 {
			return 0, nil
		}
	}
	var u uint64
	const cutoff = math.MaxUint64 / 10
	overflow := reasonError("too large for an int (max 9223372036854775807)")
	for _, c := range digits {
		if u > cutoff {
			return 0, overflow
		}
		u = u*10 + uint64(c-'0')
		if u < uint64(c-'0') {
			return 0, overflow
		}
	}
	for ; e > 0; e-- {
		if u > cutoff {
			return 0, overflow
		}
		u *= 10
	}
	if n.neg {
		if u > 1<<63 {
			return 0, overflow
		}
		return -int64(u), nil
	}
	if u > math.MaxInt64 {
		return 0, overflow
	}
	return int64(u), nil
}

// sepKind classifies the non-digit characters allowed inside a number.
const (
	kindDot   = '.'
	kindComma = ','
	kindApos  = '\''
	kindSpace = ' '
)

// sepAt returns the kind and byte width of the separator at s[i], or 0.
func sepAt(s string, i int) (byte, int) {
	switch c := s[i]; c {
	case '.', ',', '\'', ' ':
		return c, 1
	}
	if s[i] < utf8.RuneSelf {
		return 0, 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	switch r {
	case '\u2019': // ’ typographic apostrophe, Swiss grouping
		return kindApos, size
	case '\u00a0', '\u202f', '\u2009': // no-break, narrow no-break, thin space
		return kindSpace, size
	}
	return 0, size
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanNumber validates numeric text and collects its digits; sheet marks
// spreadsheet input, where a lone "." is the decimal point (see
// parseDecimalSheet).
func scanNumber(s string, sep DecimalSep, sheet bool, n *number) error {
	if len(s) > maxNumberLen {
		return reasonError("too long for a number")
	}
	body, neg, err := stripAround(s)
	if err != nil {
		return err
	}
	n.neg = neg
	seps, err := findSeparators(body)
	if err != nil {
		return err
	}
	mant := body[:seps.end]
	hasExp := seps.end < len(body)
	dec, err := decimalSeparator(s, mant, sep, sheet, hasExp, seps)
	if err != nil {
		return err
	}
	seenDec, thou, err := collectDigits(mant, dec, n)
	if err != nil {
		return err
	}
	if n.nd == 0 {
		return reasonError("not a number: no digits")
	}
	if hasExp {
		if dec == kindComma && seenDec || thou != 0 || sep == SepComma {
			return reasonError("exponent notation (E) needs a decimal point and no thousands separators")
		}
		e, ok := parseExponent(body[seps.end+1:])
		if !ok {
			return reasonf("not a number: bad exponent %q", body[seps.end:])
		}
		if e > maxExponent || e < -maxExponent {
			return reasonf("exponent %d out of range (±%d)", e, maxExponent)
		}
		n.exp = e
	}
	return nil
}

// separators is what the first pass over a number finds.
type separators struct {
	dots, commas, others int
	lastDot, lastComma   int
	end                  int // where the mantissa ends (an E, or the end)
}

// findSeparators is pass 1: the separators and where the mantissa ends.
func findSeparators(body string) (separators, error) {
	f := separators{lastDot: -1, lastComma: -1, end: len(body)}
	for i := 0; i < len(body); {
		c := body[i]
		if isDigit(c) {
			i++
			continue
		}
		if c == 'e' || c == 'E' {
			f.end = i
			break
		}
		k, size := sepAt(body, i)
		switch k {
		case kindDot:
			f.dots++
			f.lastDot = i
		case kindComma:
			f.commas++
			f.lastComma = i
		case kindApos, kindSpace:
			f.others++
		default:
			r, _ := utf8.DecodeRuneInString(body[i:])
			return f, reasonf("not a number: unexpected %q", r)
		}
		i += size
	}
	return f, nil
}

// decimalSeparator decides which character separates the fraction: the
// job's setting, else what the separators found make unambiguous.
func decimalSeparator(s, mant string, sep DecimalSep, sheet, hasExp bool, f separators) (byte, error) {
	switch sep {
	case SepComma:
		return kindComma, nil
	case SepPoint:
		return kindDot, nil
	}
	switch {
	case f.dots > 0 && f.commas > 0:
		if f.lastDot > f.lastComma {
			return kindDot, nil
		}
		return kindComma, nil
	case f.dots+f.commas == 0:
		return 0, nil
	case f.dots > 1 || f.commas > 1:
		return 0, nil // repeated: it groups thousands, there is no fraction
	}
	c, pos := byte(kindDot), f.lastDot
	if f.commas == 1 {
		c, pos = kindComma, f.lastComma
	}
	before, after := pos, len(mant)-pos-1
	if !hasExp && f.others == 0 && after == 3 && before >= 1 && before <= 3 && mant[0] != '0' && !(c == kindDot && sheet) {
		return 0, reasonf("ambiguous: %s is %s with a decimal %s or %s with a thousands %s; set decimal: comma or decimal: point",
			strconv.Quote(strings.TrimSpace(s)), mant[:pos]+"."+mant[pos+1:], sepName(c), mant[:pos]+mant[pos+1:], sepName(c))
	}
	return c, nil
}

// collectDigits is pass 2: the digits into n, the grouping checked.
func collectDigits(mant string, dec byte, n *number) (seenDec bool, thou byte, err error) {
	var (
		group    = -1 // digits since the last grouping separator; -1 before the first
		intCount int  // digits before the decimal separator
	)
	groupErr := func(k byte) error {
		return reasonf("%s must separate groups of 3 digits (decimal separator: %s)", sepDesc(k), sepDescOrNone(dec))
	}
	for i := 0; i < len(mant); {
		c := mant[i]
		if isDigit(c) {
			n.push(c)
			if seenDec {
				n.frac++
			} else {
				intCount++
				if group >= 0 {
					group++
				}
			}
			i++
			continue
		}
		k, size := sepAt(mant, i)
		i += size
		if k == dec {
			if seenDec {
				return seenDec, thou, reasonf("more than one decimal separator %s", sepDesc(k))
			}
			if group >= 0 && group != 3 {
				return seenDec, thou, groupErr(thou)
			}
			seenDec = true
			continue
		}
		switch {
		case seenDec:
			return seenDec, thou, reasonf("%s after the decimal separator %s", sepDesc(k), sepDesc(dec))
		case thou == 0:
			if intCount == 0 {
				return seenDec, thou, reasonf("starts with %s", sepDesc(k))
			}
			if intCount > 3 || mant[0] == '0' {
				return seenDec, thou, groupErr(k)
			}
			thou = k
		case k != thou:
			return seenDec, thou, reasonf("mixes %s and %s as thousands separators", sepDesc(thou), sepDesc(k))
		case group != 3:
			return seenDec, thou, groupErr(k)
		}
		group = 0
	}
	if !seenDec && group >= 0 && group != 3 {
		return seenDec, thou, groupErr(thou)
	}
	return seenDec, thou, nil
}

// parseExponent reads [+-]digits, at most 4 digits.
func parseExponent(s string) (int, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	if s == "" || len(s) > 4 {
		return 0, false
	}
	e := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		e = e*10 + int(s[i]-'0')
	}
	if neg {
		e = -e
	}
	return e, true
}

func sepName(c byte) string {
	if c == kindComma {
		return "comma"
	}
	return "point"
}

func sepDesc(k byte) string {
	switch k {
	case kindApos:
		return "apostrophe"
	case kindSpace:
		return "space"
	}
	return strconv.Quote(string(k))
}

func sepDescOrNone(k byte) string {
	if k == 0 {
		return "none"
	}
	return sepDesc(k)
}

// currencies are stripped before or after a number. Codes match in any case.
var currencies = []string{"€", "$", "£", "¥", "EUR", "USD", "GBP", "CHF"}

// stripAround removes spaces, one currency marker and the sign.
func stripAround(s string) (body string, neg bool, err error) {
	s = strings.TrimSpace(s)
	if s != "" && isDigit(s[0]) && isDigit(s[len(s)-1]) {
		return s, false, nil // no sign, no currency: the common case
	}
	signed := false
	takeSign := func() {
		if signed || s == "" {
			return
		}
		switch {
		case s[0] == '-':
			neg, s = true, s[1:]
		case s[0] == '+':
			s = s[1:]
		case strings.HasPrefix(s, "\u2212"):
			neg, s = true, s[len("\u2212"):]
		default:
			return
		}
		signed = true
		s = strings.TrimLeft(s, " ")
	}
	takeSign()
	cur := false
	for _, c := range currencies {
		if len(s) >= len(c) && strings.EqualFold(s[:len(c)], c) {
			s, cur = strings.TrimSpace(s[len(c):]), true
			break
		}
	}
	takeSign()
	if !cur {
		for _, c := range currencies {
			if len(s) >= len(c) && strings.EqualFold(s[len(s)-len(c):], c) {
				s = strings.TrimSpace(s[:len(s)-len(c)])
				break
			}
		}
	}
	if s == "" {
		return "", false, reasonError("not a number: no digits")
	}
	return s, neg, nil
}

// parseDecimalSheet reads a spreadsheet cell: cells come either as the stored
// number ("1234.5", "1.5E-3") or as text someone typed. A lone "." followed by
// 3 digits is then the decimal point, since that is how the stored form
// writes 1.234; a lone "," stays ambiguous under auto.
func parseDecimalSheet(s string, sep DecimalSep) (decimal.Decimal, error) {
	var n number
	if err := scanNumber(s, sep, true, &n); err != nil {
		return decimal.Decimal{}, err
	}
	return n.decimal(), nil
}

// plainDecimal is the fast path for the common decimal: an optional sign,
// at most 18 digits, and at most one decimal separator between digits, the
// one sep names (with SepAuto: none). It gives m × 10^exp as scanNumber and
// number.small would; ok=false leaves the text to them.
func plainDecimal(s string, sep DecimalSep) (m int64, exp int32, ok bool) {
	var point byte
	switch sep {
	case SepPoint:
		point = '.'
	case SepComma:
		point = ','
	}
	i := 0
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		i = 1
	}
	digits, frac := 0, -1 // frac: digits after the separator, -1 before it
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			m = m*10 + int64(c-'0')
			digits++
			if frac >= 0 {
				frac++
			}
		case c == point && point != 0 && frac < 0 && digits > 0:
			frac = 0
		default:
			return 0, 0, false
		}
	}
	if digits == 0 || digits > 18 || frac == 0 {
		return 0, 0, false
	}
	if s[0] == '-' {
		m = -m
	}
	return m, int32(-max(frac, 0)), true
}

// parseInt reads an int64 with the same rules as ParseDecimal; the value must
// be whole ("1.000" with decimal: comma is 1000; "1.5" is an error).
func parseInt(s string, sep DecimalSep, sheet bool) (int64, error) {
	if v, ok := plainInt(s); ok {
		return v, nil
	}
	var n number
	if err := scanNumber(s, sep, sheet, &n); err != nil {
		return 0, err
	}
	return n.int64()
}

// plainInt is the fast path for the common "123" / "-42".
func plainInt(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 18 {
		return 0, false
	}
	i := 0
	neg := s[0] == '-'
	if neg || s[0] == '+' {
		i = 1
		if len(s) == 1 {
			return 0, false
		}
	}
	var v int64
	for ; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}
