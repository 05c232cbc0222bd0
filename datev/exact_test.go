package datev

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// exactSum adds as decimal.Add does, exponent included: across the int64
// overflow boundary, with mixed exponents and with addends of more than
// 18 digits.
func TestExactSumIsDecimalSum(t *testing.T) {
	d := decimal.RequireFromString
	max := decimal.NewFromInt(math.MaxInt64)
	cases := [][]decimal.Decimal{
		{d("119.00"), d("-11.90"), d("0.19")},
		{d("1"), d("0.5"), d("0.25"), d("100")},                                // exponents 0, -1, -2
		{d("1e3"), d("2e2"), d("0.001")},                                       // positive exponents
		{decimal.New(math.MaxInt64/10, -2), decimal.New(math.MaxInt64/10, -2)}, // 18 digits each, the sum 19
		{decimal.New(900_000_000_000_000_000, -2), decimal.New(900_000_000_000_000_000, -2), d("-0.01")},
		{decimal.New(-900_000_000_000_000_000, -2), decimal.New(-900_000_000_000_000_000, -2)},
		{decimal.New(999_999_999_999_999_999, 0), d("0.1")}, // rescaling overflows
		{max, d("1")}, // 19 digits: decimal from the start
		{d("12345678901234567890.12"), d("-12345678901234567890.12"), d("0.01")},
		{d("5"), d("-5")},
		{},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var c []decimal.Decimal
		for range 1 + r.IntN(6) {
			u := r.Int64N(math.MaxInt64/int64(1+r.IntN(1000))) - math.MaxInt64/2000
			if r.IntN(3) == 0 {
				u = r.Int64N(100_000) - 50_000
			}
			c = append(c, decimal.New(u, int32(r.IntN(8)-5)))
		}
		cases = append(cases, c)
	}
	for i, c := range cases {
		want := decimal.Zero
		var got exactSum
		for _, x := range c {
			want = want.Add(x)
			got.add(x)
		}
		if v := got.value(); !v.Equal(want) || v.Exponent() != want.Exponent() {
			t.Fatalf("case %d %v: sum %s (exp %d), decimal %s (exp %d)", i, c, v, v.Exponent(), want, want.Exponent())
		}
		if got.sign() != want.Sign() {
			t.Fatalf("case %d: sign %d, want %d", i, got.sign(), want.Sign())
		}
		n := got.neg()
		if v := n.value(); !v.Equal(want.Neg()) {
			t.Fatalf("case %d: neg %s, want %s", i, v, want.Neg())
		}
		if !got.equalDec(want) || (len(c) > 0 && got.equalDec(want.Add(d("0.01")))) {
			t.Fatalf("case %d: equal is wrong", i)
		}
		if len(c) > 0 {
			start, want := startSum(c[0]), c[0]
			for _, x := range c[1:] {
				start.add(x)
				want = want.Add(x)
			}
			if v := start.value(); !v.Equal(want) || v.Exponent() != want.Exponent() {
				t.Fatalf("case %d: started from the first %s (exp %d), decimal %s (exp %d)", i, v, v.Exponent(), want, want.Exponent())
			}
		}
		if len(c) > 1 {
			diff := startSum(c[0])
			want := c[0]
			for _, x := range c[1:] {
				diff.sub(x)
				want = want.Sub(x)
			}
			if v := diff.value(); !v.Equal(want) || v.Exponent() != want.Exponent() {
				t.Fatalf("case %d: difference %s (exp %d), decimal %s (exp %d)", i, v, v.Exponent(), want, want.Exponent())
			}
			if v, w := difference(c[0], c[1]), c[0].Sub(c[1]); !v.Equal(w) || v.Exponent() != w.Exponent() {
				t.Fatalf("case %d: difference %s, decimal %s", i, v, w)
			}
		}
		var twice exactSum
		twice.addSum(&got)
		twice.addSum(&got)
		if v := twice.value(); !v.Equal(want.Add(want)) {
			t.Fatalf("case %d: twice %s, want %s", i, v, want.Add(want))
		}
	}
}

// derivedVAT is DerivedVAT, the rounding of both steps included.
func TestDerivedVATSmallIsDecimal(t *testing.T) {
	d := decimal.RequireFromString
	type pair struct{ g, r decimal.Decimal }
	cases := []pair{
		{d("119.00"), d("19")}, {d("-119.00"), d("19")}, {d("10.70"), d("7")}, {d("0.01"), d("19")},
		{d("0"), d("19")}, {d("5"), d("0")}, {d("100.00"), d("5.5")}, {d("100.00"), d("19.00")},
		{d("9999999999.99"), d("25")}, {d("123.45"), d("2e1")}, {d("1e20"), d("19")}, {d("1.23456789012"), d("19")},
		{d("99999999999999999.99"), d("19")}, // overflows int64 in the product: decimal
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		g := decimal.New(r.Int64N(2_000_000_000)-1_000_000_000, -2)
		rates := []string{"19", "7", "0", "5.5", "20", "21", "25", "16", "10", "8.1", "3.7", "17", "22", "23", "24", "27", "9.5", "12.5"}
		rate := d(rates[r.IntN(len(rates))])
		if r.IntN(5) == 0 {
			rate = decimal.New(r.Int64N(5000), -int32(r.IntN(4)))
		}
		cases = append(cases, pair{g, rate})
	}
	// grosses where the quotient's 9th and later places decide the
	// rounding to 8 places, and the 8 places the rounding to the cent
	for c := int64(1); c < 3000; c++ {
		cases = append(cases, pair{decimal.New(c, -2), d("19")}, pair{decimal.New(c*5, -3), d("7")})
	}
	for i, c := range cases {
		want := DerivedVAT(c.g, c.r)
		got := derivedVAT(c.g, c.r)
		if !got.Equal(want) || got.Exponent() != want.Exponent() {
			t.Fatalf("case %d: derivedVAT(%s, %s) = %s, DerivedVAT %s", i, c.g, c.r, got, want)
		}
	}
	if _, ok := derivedVATSmall(d("119.00"), d("19")); !ok {
		t.Error("the common case is not computed in int64")
	}
}

// Amount writes what StringFixed(2) does, with a decimal comma.
func TestAmountIsStringFixed(t *testing.T) {
	d := decimal.RequireFromString
	cases := []decimal.Decimal{d("0"), d("0.00"), d("-0.01"), d("1.5"), d("119.00"), d("-119"), d("1e3"), d("1.005"), d("-1.005"),
		d("9999999999.99"), decimal.New(math.MaxInt64/100, 0), decimal.New(math.MinInt64+1, -2), decimal.New(math.MaxInt64, 0), d("12345678901234567890.5")}
	r := rand.New(rand.NewPCG(5, 6))
	for range 5000 {
		cases = append(cases, decimal.New(r.Int64N(1<<40)-1<<39, int32(r.IntN(7)-4)))
	}
	for _, c := range cases {
		want := strings.Replace(c.StringFixed(2), ".", ",", 1)
		if got := Amount(c); got != want {
			t.Fatalf("Amount(%s) = %q, want %q", c, got, want)
		}
	}
}

// The amount checks of a booking, in cents or as decimals, draw the same
// lines: at most 10 digits before the comma, at most two after it.
func TestFormatBookingAmountLimits(t *testing.T) {
	h := testHeader()
	for _, c := range []struct {
		amount string
		ok     bool
	}{
		{"9999999999.99", true}, {"-9999999999.99", true}, {"10000000000.00", false}, {"-10000000000.00", false},
		{"9999999999.9", true}, {"9999999999", true}, {"1e10", false}, {"10000000000", false}, {"1.5e9", true},
		{"0.01", true}, {"0.010", true}, {"0.001", false}, {"9999999999.990", true}, {"9999999999.995", false},
		{"0.00", false}, {"123456789012345678901.00", false},
	} {
		b := testBooking()
		b.Umsatz = decimal.RequireFromString(c.amount)
		_, _, err := FormatBooking(&h, &b)
		if (err == nil) != c.ok {
			t.Errorf("Umsatz %s: error %v, want ok %v", c.amount, err, c.ok)
		}
	}
}

// Money holds a decimal exactly, exponent included, and says as the
// decimal does whether it has more than two decimals.
func TestMoneyIsDecimal(t *testing.T) {
	d := decimal.RequireFromString
	cases := []decimal.Decimal{d("0"), d("0.00"), d("119.00"), d("-1.5"), d("1.500"), d("1.505"), d("-0.001"), d("1e3"),
		d("12345678901234567890.12"), d("12345678901234567890.123"), decimal.New(5, -30), decimal.New(0, -30), decimal.New(math.MaxInt64, -5)}
	r := rand.New(rand.NewPCG(7, 8))
	for range 3000 {
		cases = append(cases, decimal.New(r.Int64N(1<<50)-1<<49, int32(r.IntN(10)-6)))
	}
	for _, c := range cases {
		for _, m := range []Money{MoneyOf(c), NewMoney(c.CoefficientInt64(), c.Exponent())} {
			if c.NumDigits() > 18 && m == NewMoney(c.CoefficientInt64(), c.Exponent()) {
				continue // no int64 for it
			}
			if v := m.Decimal(); !v.Equal(c) || v.Exponent() != c.Exponent() || m.String() != c.String() {
				t.Fatalf("Money of %s is %s (exp %d)", c, v, v.Exponent())
			}
			if got, want := m.InCents(), c.Equal(c.Round(2)); got != want {
				t.Fatalf("%s in cents: %v, want %v", c, got, want)
			}
			if !m.Equal(MoneyOf(c.Add(decimal.Zero))) || m.Equal(MoneyOf(c.Add(d("0.01")))) {
				t.Fatalf("%s: Equal is wrong", c)
			}
		}
	}
}
