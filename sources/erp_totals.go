package sources

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/erp"
)

// TotalsKey is where the ERP source puts a document's sums of its embedded
// lines (erp.Totals): Totals.TotalNetAmount, Totals.ByRate.19.VatAmount, ...
const TotalsKey = "Totals"

// embeddedLines are the records of an embedded sub-resource: the objects of
// the array v (anything else in it is dropped; a missing array is no line).
func embeddedLines(v any) []map[string]any {
	arr, _ := v.([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, x := range arr {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// addTotals adds doc[TotalsKey]: each Sums field added up over the lines,
// in all and per rate, exactly, negated when the document's sign field says
// so. A line amount that is not a number is an error: a sum that skipped it
// would be wrong without a sign of it.
func addTotals(doc map[string]any, t *erp.Totals) error {
	neg := slices.Contains(t.Negative, keyText(doc[t.SignField]))
	all := make([]exactSum, len(t.Sums))
	type rateSums struct {
		raw, key string // the rate as sent and as keyed
		sums     []exactSum
	}
	var byRate []rateSums // a document has a rate or two: a list
	for i, l := range embeddedLines(doc[t.Lines]) {
		raw, isNum := l[t.Rate].(json.Number)
		var sums []exactSum
		for j := range byRate {
			if isNum && byRate[j].raw == string(raw) {
				sums = byRate[j].sums
				break
			}
		}
		if sums == nil {
			rate, err := docDecimal(l[t.Rate])
			if err != nil {
				return fmt.Errorf("%s[%d].%s: %w", t.Lines, i, t.Rate, err)
			}
			key := strings.ReplaceAll(rate.String(), ".", "_")
			for j := range byRate {
				if byRate[j].key == key {
					sums = byRate[j].sums
					break
				}
			}
			if sums == nil {
				sums = make([]exactSum, len(t.Sums))
			}
			if isNum {
				byRate = append(byRate, rateSums{string(raw), key, sums})
			} else {
				byRate = append(byRate, rateSums{"", key, sums})
			}
		}
		for j, f := range t.Sums {
			v := l[f]
			if n, ok := v.(json.Number); ok {
				if m, exp, ok := plainNumber(string(n)); ok && sums[j].fits(m) && all[j].fits(m) {
					sums[j].addPlain(m, exp)
					all[j].addPlain(m, exp)
					continue
				}
			}
			d, err := docDecimal(v)
			if err != nil {
				return fmt.Errorf("%s[%d].%s: %w", t.Lines, i, f, err)
			}
			sums[j].add(d)
			all[j].add(d)
		}
	}
	out := func(sums []exactSum) map[string]any {
		m := make(map[string]any, len(sums))
		for j, f := range t.Sums {
			places := max(2, -sums[j].exp())
			if x := sums[j]; !x.usedDec && places <= 6 && x.micro != math.MinInt64 {
				if neg {
					x.micro = -x.micro
				}
				m[f] = json.Number(formatMicro(x.micro, int(places)))
				continue
			}
			v := sums[j].total()
			if neg {
				v = v.Neg()
			}
			m[f] = json.Number(v.StringFixed(places))
		}
		return m
	}
	rates := make(map[string]any, len(byRate))
	for _, r := range byRate {
		if _, done := rates[r.key]; !done {
			rates[r.key] = out(r.sums)
		}
	}
	tot := out(all)
	tot["ByRate"] = rates
	doc[TotalsKey] = tot
	return nil
}

// exactSum is a decimal sum of a document's amounts: the plain ones
// (57.86) in micro-units in an int64, the others as decimals. minExp is
// the smallest exponent added, the sum's as decimal.Add keeps it.
type exactSum struct {
	micro   int64
	dec     decimal.Decimal
	minExp  int32
	usedDec bool
}

// fits: adding m micro-units does not overflow.
func (s *exactSum) fits(m int64) bool {
	return !(m > 0 && s.micro > math.MaxInt64-m) && !(m < 0 && s.micro < math.MinInt64-m)
}

func (s *exactSum) addPlain(m int64, exp int32) {
	s.micro += m
	s.minExp = min(s.minExp, exp)
}

func (s *exactSum) add(d decimal.Decimal) {
	s.dec = s.dec.Add(d)
	s.minExp = min(s.minExp, d.Exponent())
	s.usedDec = true
}

func (s *exactSum) exp() int32 { return s.minExp }

func (s *exactSum) total() decimal.Decimal {
	v := decimal.New(s.micro, -6)
	if s.usedDec {
		v = v.Add(s.dec)
	}
	return v
}

// formatMicro is decimal.New(m, -6).StringFixed(places) for a sum whose
// digits beyond places are zero (places ≥ the amounts' decimals).
func formatMicro(m int64, places int) string {
	var b [32]byte
	out := b[:0]
	if m < 0 {
		out = append(out, '-')
		m = -m
	}
	out = strconv.AppendInt(out, m/1e6, 10)
	out = append(out, '.')
	frac := strconv.AppendInt(nil, 1e6+m%1e6, 10)[1:] // six digits
	return string(append(out, frac[:places]...))
}

// plainNumber reads a JSON number without exponent, at most 12 digits
// before and 6 after the point, in micro-units, with the exponent
// decimal.NewFromString gives it (57.80 is -2).
func plainNumber(s string) (int64, int32, bool) {
	i, negative := 0, false
	if i < len(s) && s[i] == '-' {
		negative, i = true, 1
	}
	var m int64
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		m = m*10 + int64(s[i]-'0')
		i++
	}
	if i == start || i-start > 12 {
		return 0, 0, false
	}
	frac := 0
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			m = m*10 + int64(s[i]-'0')
			i++
		}
		frac = i - fs
		if frac == 0 || frac > 6 {
			return 0, 0, false
		}
	}
	if i != len(s) {
		return 0, 0, false
	}
	for k := frac; k < 6; k++ {
		m *= 10
	}
	if negative {
		m = -m
	}
	return m, int32(-frac), true
}

// docDecimal reads a number of a document (json.Number, or a numeric string).
func docDecimal(v any) (decimal.Decimal, error) {
	switch v := v.(type) {
	case json.Number:
		return decimal.NewFromString(string(v))
	case string:
		return decimal.NewFromString(v)
	case nil:
		return decimal.Zero, nil
	}
	return decimal.Decimal{}, fmt.Errorf("%v is not a number", v)
}

// checkTotals fails where addTotals fails (a line's rate or amount that is
// not a number), for a document whose sums no one reads.
func checkTotals(doc map[string]any, t *erp.Totals) error {
	for i, l := range embeddedLines(doc[t.Lines]) {
		if !plainDecimal(l[t.Rate]) {
			if _, err := docDecimal(l[t.Rate]); err != nil {
				return fmt.Errorf("%s[%d].%s: %w", t.Lines, i, t.Rate, err)
			}
		}
		for _, f := range t.Sums {
			if !plainDecimal(l[f]) {
				if _, err := docDecimal(l[f]); err != nil {
					return fmt.Errorf("%s[%d].%s: %w", t.Lines, i, f, err)
				}
			}
		}
	}
	return nil
}

// plainDecimal: v is a number plainNumber reads, which docDecimal reads too.
func plainDecimal(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	_, _, ok = plainNumber(string(n))
	return ok
}
