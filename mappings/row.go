package mappings

import (
	"time"

	"github.com/shopspring/decimal"
)

// RowWriter receives a record's values typed, one call per target, i being
// the target's index in Mapper.Targets. A file sink formats them straight
// into its row: boxing every value in an interface for Result.Values was
// most of what a record of a file job cost.
type RowWriter interface {
	// Null is an empty value.
	Null(i int)
	Text(i int, s string)
	Int(i int, v int64)
	// Decimal is unscaled × 10^exp, exact; decimals of more than 18 digits,
	// and those made by round or multiply, come through Value.
	Decimal(i int, unscaled int64, exp int32)
	Bool(i int, b bool)
	// Time is a date or a date-time, as Targets[i].Type says.
	Time(i int, t time.Time)
	// Value is any other value, as Result.Values would hold it: a
	// decimal.Decimal, a []string list, a value of an expression or lookup.
	Value(i int, v any)
}

// valueKind tells which field of a value holds it.
type valueKind uint8

const (
	vNull valueKind = iota
	vText           // s
	vInt            // i
	vDec            // i × 10^exp
	vBool           // i != 0
	vTime           // t
	vAny            // x
)

// value is a typed field value, unboxed until a RowWriter or Result.Values
// needs it.
type value struct {
	kind valueKind
	exp  int32
	i    int64
	s    string
	t    time.Time
	x    any
}

func (v *value) emit(i int, w RowWriter) {
	switch v.kind {
	case vNull:
		w.Null(i)
	case vText:
		w.Text(i, v.s)
	case vInt:
		w.Int(i, v.i)
	case vDec:
		w.Decimal(i, v.i, v.exp)
	case vBool:
		w.Bool(i, v.i != 0)
	case vTime:
		w.Time(i, v.t)
	default:
		w.Value(i, v.x)
	}
}

// box is the value as Result.Values holds it.
func (v *value) box() any {
	switch v.kind {
	case vText:
		return v.s
	case vInt:
		return v.i
	case vDec:
		return decimal.New(v.i, v.exp)
	case vBool:
		return v.i != 0
	case vTime:
		return v.t
	case vAny:
		return v.x
	}
	return nil
}

// boxer is the RowWriter behind Apply: it fills Result.Values.
type boxer struct{ vals []any }

func (b *boxer) Null(i int)                             { b.vals[i] = nil }
func (b *boxer) Text(i int, s string)                   { b.vals[i] = s }
func (b *boxer) Int(i int, v int64)                     { b.vals[i] = v }
func (b *boxer) Decimal(i int, unscaled int64, e int32) { b.vals[i] = decimal.New(unscaled, e) }
func (b *boxer) Bool(i int, v bool)                     { b.vals[i] = v }
func (b *boxer) Time(i int, t time.Time)                { b.vals[i] = t }
func (b *boxer) Value(i int, v any)                     { b.vals[i] = v }
