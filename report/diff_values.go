package report

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/internal/xlsxw"
)

// diffNorm reduces a plan value to one of nil, string, bool, int64,
// decimal.Decimal, json.Number, float64, time.Time or something to print.
func diffNorm(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int64, decimal.Decimal, json.Number, float64, time.Time:
		return v
	case int:
		return int64(x)
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case uint32:
		return int64(x)
	case uint16:
		return int64(x)
	case uint8:
		return int64(x)
	case uint:
		return diffNorm(uint64(x))
	case uint64:
		if x > math.MaxInt64 {
			return json.Number(strconv.FormatUint(x, 10))
		}
		return int64(x)
	case float32:
		// the float32's shortest digits, not its float64 widening
		return json.Number(strconv.FormatFloat(float64(x), 'g', -1, 32))
	case []string:
		if x == nil {
			return nil
		}
		return strings.Join(x, "|")
	case fmt.Stringer:
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				return nil
			}
			return diffNorm(rv.Elem().Interface())
		}
		return v
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		return diffNorm(rv.Elem().Interface())
	}
	return v
}

// diffNumber reads the numbers plans carry; text is not a number here, so a
// GTIN going from 0123 to 0124 gets no percentage.
func diffNumber(v any) (decimal.Decimal, bool) {
	switch x := v.(type) {
	case decimal.Decimal:
		return x, true
	case int64:
		return decimal.NewFromInt(x), true
	case json.Number:
		return xlsxw.ParseNumber(string(x))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return decimal.Decimal{}, false
		}
		return decimal.NewFromFloat(x), true
	}
	return decimal.Decimal{}, false
}

// diffPercent is the relative change (new-old)/|old| as a fraction, exact to
// six decimals (a percentage to four); none when either side is not a number
// or old is zero.
func diffPercent(old, nw any) (decimal.Decimal, bool) {
	o, ok := diffNumber(old)
	if !ok || o.IsZero() {
		return decimal.Decimal{}, false
	}
	n, ok := diffNumber(nw)
	if !ok {
		return decimal.Decimal{}, false
	}
	if q, ok := diffPercent64(o, n); ok {
		return decimal.New(q, -6), true
	}
	return n.Sub(o).DivRound(o.Abs(), 6), true
}

// diffPercent64 is diffPercent in int64 arithmetic, the common case of
// prices and quantities: (n-o)*10^6/|o| rounded half away from zero, as
// DivRound does; ok is false when a step would overflow.
func diffPercent64(o, n decimal.Decimal) (int64, bool) {
	if o.NumDigits() > 18 || n.NumDigits() > 18 {
		return 0, false
	}
	co, eo := o.CoefficientInt64(), o.Exponent()
	cn, en := n.CoefficientInt64(), n.Exponent()
	e := min(eo, en)
	O, ok1 := diffScale(co, int(eo-e))
	N, ok2 := diffScale(cn, int(en-e))
	if !ok1 || !ok2 || O == 0 {
		return 0, false
	}
	diff := N - O
	if (N >= 0) != (O >= 0) && (diff >= 0) != (N >= 0) {
		return 0, false // overflow
	}
	num, ok := diffScale(diff, 6)
	if !ok {
		return 0, false
	}
	den := O
	if den < 0 {
		den = -den
	}
	q, r := num/den, num%den
	if r < 0 {
		r = -r
	}
	if r >= den-r { // r/den >= 1/2
		if num < 0 {
			q--
		} else {
			q++
		}
	}
	return q, true
}

// diffScale is c*10^k, ok false on overflow.
func diffScale(c int64, k int) (int64, bool) {
	for ; k > 0; k-- {
		if c > math.MaxInt64/10 || c < math.MinInt64/10 {
			return 0, false
		}
		c *= 10
	}
	return c, true
}

// diffPctText shows a fraction as a signed percentage: +7.51 %.
func diffPctText(frac decimal.Decimal) string {
	p := frac.Shift(2)
	s := p.StringFixed(2)
	if p.IsPositive() {
		s = "+" + s
	}
	return s + "\u00a0%"
}
