package i18n

import (
	"fmt"
	"strconv"
	"strings"
)

// Msg names a message people read on the command line. The texts live in
// one catalog per language (messages_en.go, messages_de.go), so a
// translator finds them in one place and a test can check that both
// languages know every message with the same arguments.
type Msg string

// T formats message id in l's language. A message missing from the German
// catalog falls back to English; one missing from both is shown by its id
// so that the omission is visible rather than an empty line.
func (l Lang) T(id Msg, args ...any) string {
	format, ok := "", false
	if l == German {
		format, ok = german[id]
	}
	if !ok {
		format, ok = english[id]
	}
	if !ok {
		format = string(id)
	}
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// Plural picks the singular or plural form of a message pair by n:
// "1 company", "2 companies".
func (l Lang) Plural(n int64, one, many Msg) string {
	if n == 1 {
		return l.T(one, n)
	}
	return l.T(many, n)
}

// Errorf is T for errors; %w in the message wraps as with fmt.Errorf.
func (l Lang) Errorf(id Msg, args ...any) error {
	return fmt.Errorf(l.T(id), args...)
}

// Decimal formats x with prec decimals as people of l write it: 15.1 in
// English, 15,1 in German.
func (l Lang) Decimal(x float64, prec int) string {
	s := strconv.FormatFloat(x, 'f', prec, 64)
	if l == German {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
