package datev

import (
	"math"
	"math/bits"

	"github.com/shopspring/decimal"
)

// An export adds up three amounts per booking line in its check and its
// postings; as decimal.Decimal each sum allocates a big.Int. exactSum adds
// in int64 units of 10^exp instead, as long as every addend and the sum
// fit, and goes on in decimal from the first that does not: the result is
// the decimal sum, exponent included.

// small is d as unscaled × 10^exp when the unscaled value fits an int64.
func small(d decimal.Decimal) (int64, int32, bool) {
	if d.NumDigits() > 18 {
		return 0, 0, false
	}
	return d.CoefficientInt64(), d.Exponent(), true
}

var pow10s = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// scale is u × 10^n, false on overflow.
func scale(u int64, n int32) (int64, bool) {
	if n == 0 || u == 0 {
		return u, true
	}
	if n < 0 || n >= int32(len(pow10s)) {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(abs64(u)), uint64(pow10s[n]))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	if u < 0 {
		return -int64(lo), true
	}
	return int64(lo), true
}

func abs64(u int64) int64 {
	if u < 0 {
		return -u // math.MinInt64 stays negative: NumDigits caps u at 18 digits
	}
	return u
}

// add64 is a + b, false on overflow.
func add64(a, b int64) (int64, bool) {
	s := a + b
	if (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0) {
		return 0, false
	}
	return s, true
}

// exactSum is a sum of decimals, its zero value zero (decimal.Zero's
// exponent 0): decimal.Zero.Add(a).Add(b)... without a big.Int per step.
type exactSum struct {
	u   int64
	exp int32 // the smallest exponent added, as decimal.Add keeps it
	big bool  // the sum is d
	d   decimal.Decimal
}

func (s *exactSum) add(x decimal.Decimal) {
	if !s.big {
		if u, e, ok := small(x); ok && s.addSmall(u, e) {
			return
		}
		s.d, s.big = s.value(), true
	}
	s.d = s.d.Add(x)
}

// addSmall adds u × 10^e, reporting false (the sum unchanged) on overflow.
func (s *exactSum) addSmall(u int64, e int32) bool {
	su, se := s.u, s.exp
	var ok bool
	switch {
	case e < se:
		if su, ok = scale(su, se-e); !ok {
			return false
		}
		se = e
	case e > se:
		if u, ok = scale(u, e-se); !ok {
			return false
		}
	}
	if su, ok = add64(su, u); !ok {
		return false
	}
	s.u, s.exp = su, se
	return true
}

// sub subtracts x.
func (s *exactSum) sub(x decimal.Decimal) {
	if !s.big {
		if u, e, ok := small(x); ok && s.addSmall(-u, e) { // 18 digits: -u fits
			return
		}
		s.d, s.big = s.value(), true
	}
	s.d = s.d.Sub(x)
}

// addSum adds another sum.
func (s *exactSum) addSum(o *exactSum) {
	if !s.big && !o.big && s.addSmall(o.u, o.exp) {
		return
	}
	if !s.big {
		s.d, s.big = s.value(), true
	}
	s.d = s.d.Add(o.value())
}

// neg is -s.
func (s exactSum) neg() exactSum {
	if s.big || s.u == math.MinInt64 {
		return exactSum{big: true, d: s.value().Neg()}
	}
	s.u = -s.u
	return s
}

// value is the sum as the decimal additions would have made it.
func (s *exactSum) value() decimal.Decimal {
	if s.big {
		return s.d
	}
	return decimal.New(s.u, s.exp)
}

// sign is -1, 0 or 1.
func (s *exactSum) sign() int {
	switch {
	case s.big:
		return s.d.Sign()
	case s.u < 0:
		return -1
	case s.u > 0:
		return 1
	}
	return 0
}

// equal compares by value, as decimal.Equal.
func (s *exactSum) equal(o *exactSum) bool {
	if !s.big && !o.big {
		a, b := s.u, o.u
		var ok1, ok2 bool = true, true
		switch {
		case s.exp > o.exp:
			a, ok1 = scale(a, s.exp-o.exp)
		case s.exp < o.exp:
			b, ok2 = scale(b, o.exp-s.exp)
		}
		if ok1 && ok2 {
			return a == b
		}
	}
	return s.value().Equal(o.value())
}

// equalDec compares with a decimal by value.
func (s *exactSum) equalDec(d decimal.Decimal) bool {
	var o exactSum
	o.add(d)
	return s.equal(&o)
}

// cents is s rounded to the cent, half away from zero: what a booking
// can carry of an amount the source gives with more decimals (the Wawi's
// amounts may have four). A sum in cents by value is s itself, its
// exponent kept.
func (s exactSum) cents() exactSum {
	if (Money{s}).InCents() {
		return s
	}
	return startSum(s.value().Round(2))
}

// cents is d rounded as exactSum.cents rounds.
func cents(d decimal.Decimal) decimal.Decimal {
	if (Money{startSum(d)}).InCents() {
		return d
	}
	return d.Round(2)
}

var oneCent = decimal.New(1, -2)

// taxAgrees reports whether the lines' tax (vat, summed) is what DATEV
// derives from their gross total (gross, summed): to the cent; for amounts
// with more decimals (the Wawi's four) within a cent of it, as rounding
// the total to the cent moves the derived tax by up to that.
func taxAgrees(gross, vat, derived exactSum) bool {
	if (Money{gross}).InCents() && (Money{vat}).InCents() {
		return vat.equal(&derived)
	}
	return vat.value().Sub(derived.value()).Abs().LessThan(oneCent)
}

// sumOf is the exactSum of one decimal.
func sumOf(d decimal.Decimal) exactSum {
	var s exactSum
	s.add(d)
	return s
}

// startSum is a sum that starts at d, its exponent d's: d.Add(...)...
func startSum(d decimal.Decimal) exactSum {
	if u, e, ok := small(d); ok {
		return exactSum{u: u, exp: e}
	}
	return exactSum{big: true, d: d}
}

// derivedVAT is DerivedVAT(gross, rate) in int64 arithmetic where the
// numbers allow it (they do for any amount and rate of a shop), the
// decimal computation otherwise. It rounds as DerivedVAT does: the
// quotient half away from zero to 8 places, that to the cent.
func derivedVAT(gross, rate decimal.Decimal) decimal.Decimal {
	if v, ok := derivedVATSmall(gross, rate); ok {
		return v
	}
	return DerivedVAT(gross, rate)
}

func derivedVATSmall(gross, rate decimal.Decimal) (decimal.Decimal, bool) {
	if rate.IsZero() {
		return decimal.Zero, true
	}
	g, ge, ok1 := small(gross)
	r, re, ok2 := small(rate)
	if !ok1 || !ok2 {
		return decimal.Decimal{}, false
	}
	c, ok := derivedCents(g, ge, r, re)
	if !ok {
		return decimal.Decimal{}, false
	}
	return decimal.New(c, -2), true
}

// derivedCents is derivedVATSmall of g × 10^ge and a rate r × 10^re other
// than 0 (both of at most 18 digits), in cents.
func derivedCents(g int64, ge int32, r int64, re int32) (int64, bool) {
	if g <= -1e18 || g >= 1e18 || ge < -8 || ge > 8 || re < -8 || re > 8 {
		return 0, false
	}
	// rate r × 10^re: the denominator 100 + rate in units of 10^min(re, 0)
	var ok bool
	if re > 0 {
		if r, ok = scale(r, re); !ok {
			return 0, false
		}
		re = 0
	}
	den, ok := add64(100*pow10s[-re], r) // 100 × 10^-re ≤ 1e10
	if !ok || den == 0 {
		return 0, false
	}
	// gross × rate / (100 + rate) × 10^8 = g × r × 10^(ge+8) / den
	neg := (g < 0) != (r < 0) != (den < 0)
	hi, lo := bits.Mul64(uint64(abs64(g)), uint64(abs64(r)))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	num, ok := scale(int64(lo), ge+8)
	if !ok {
		return 0, false
	}
	d := abs64(den)
	q, rem := num/d, num%d
	if 2*rem >= d { // rem < d ≤ ~1e10: no overflow
		q++
	}
	// to the cent: q is in units of 10^-8
	c, rem := q/1_000_000, q%1_000_000
	if rem >= 500_000 {
		c++
	}
	if neg {
		c = -c
	}
	return c, true
}

// Money is an exact amount of a document line: unscaled × 10^exp in an
// int64 when it fits, else a decimal; the zero value is 0. An export reads
// three per booking line, and a decimal.Decimal costs a big.Int each.
type Money struct{ s exactSum }

// NewMoney is unscaled × 10^exp, as decimal.New.
func NewMoney(unscaled int64, exp int32) Money { return Money{exactSum{u: unscaled, exp: exp}} }

// MoneyOf is d, exponent included.
func MoneyOf(d decimal.Decimal) Money { return Money{startSum(d)} }

// Decimal is the amount as a decimal.Decimal.
func (m Money) Decimal() decimal.Decimal { return m.s.value() }

// String is the decimal's text.
func (m Money) String() string { return m.Decimal().String() }

// Equal compares by value.
func (m Money) Equal(o Money) bool { return m.s.equal(&o.s) }

// InCents reports whether the amount has at most two decimals (by value:
// 1.500 has).
func (m Money) InCents() bool {
	if m.s.big {
		return m.s.d.Equal(m.s.d.Round(2))
	}
	if m.s.exp >= -2 {
		return true
	}
	n := -2 - m.s.exp // decimals beyond the cent
	if n >= int32(len(pow10s)) {
		return m.s.u == 0
	}
	return m.s.u%pow10s[n] == 0
}

// shown is the amount for a message: to the cent, or with all its decimals
// when it has more.
func (m Money) shown() string {
	if m.InCents() {
		return m.Decimal().StringFixed(2)
	}
	return m.String()
}
