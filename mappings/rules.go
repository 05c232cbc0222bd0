package mappings

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// ruleSet is a field's compiled validate block. Rules skip empty values:
// required is what rejects those.
type ruleSet struct {
	pattern     *regexp.Regexp
	patternText string

	// min/max in the field's type; nil when unset.
	min, max         any
	minText, maxText string

	oneOf     []any               // typed entries for int, decimal, bool, date
	oneOfStr  map[string]struct{} // string and list fields
	oneOfText string              // for messages

	maxLen int
}

// compileRules prepares the validate block for a field whose type and date
// parser are already set. bad reports under validate.<key>.
func compileRules(r *Rules, f *field, bad func(key, msg string)) *ruleSet {
	if r == nil {
		return nil
	}
	rs := &ruleSet{maxLen: r.MaxLength}
	if r.Pattern != "" {
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			bad("pattern", fmt.Sprintf("pattern %q: %v", r.Pattern, err))
		}
		rs.pattern, rs.patternText = re, r.Pattern
	}
	bound := func(key string, s *string) (any, string) {
		if s == nil {
			return nil, ""
		}
		switch f.typ {
		case Int, Decimal, Date, DateTime:
		default:
			bad(key, fmt.Sprintf("%s applies to int, decimal, date and datetime fields, not %s", key, f.typ))
			return nil, ""
		}
		v, err := f.parseRuleValue(*s)
		if err != nil {
			bad(key, fmt.Sprintf("%s %q: %v", key, *s, err))
			return nil, ""
		}
		return v, *s
	}
	rs.min, rs.minText = bound("min", r.Min)
	rs.max, rs.maxText = bound("max", r.Max)
	if rs.min != nil && rs.max != nil && compareValues(rs.min, rs.max) > 0 {
		bad("max", fmt.Sprintf("max %s is below min %s", rs.maxText, rs.minText))
	}
	if len(r.OneOf) > 0 {
		rs.oneOfText = strings.Join(r.OneOf, ", ")
		switch f.typ {
		case String, List:
			rs.oneOfStr = make(map[string]struct{}, len(r.OneOf))
			for _, s := range r.OneOf {
				rs.oneOfStr[s] = struct{}{}
			}
		default:
			for _, s := range r.OneOf {
				v, err := f.parseRuleValue(s)
				if err != nil {
					bad("one_of", fmt.Sprintf("entry %q: %v", s, err))
					continue
				}
				rs.oneOf = append(rs.oneOf, v)
			}
		}
	}
	if r.MaxLength < 0 {
		bad("max_length", "max_length must not be negative")
	} else if r.MaxLength > 0 && f.typ != String && f.typ != List {
		bad("max_length", fmt.Sprintf("max_length applies to string and list fields, not %s", f.typ))
	}
	return rs
}

// parseRuleValue reads a bound or one_of entry written in the job. Numbers
// are read with decimal: auto whatever the field's separator, since YAML
// numbers (min: 1.5) come with a point; dates use the field's format and
// fall back to the default forms.
func (f *field) parseRuleValue(s string) (any, error) {
	s = strings.TrimSpace(s)
	switch f.typ {
	case Int:
		return parseInt(s, SepAuto, false)
	case Decimal:
		return ParseDecimal(s, SepAuto)
	case Bool:
		b, ok := parseBool(s)
		if !ok {
			return nil, reasonError(boolHelp)
		}
		return b, nil
	case Date, DateTime:
		t, err := f.dates.parse(s)
		if err != nil && f.dates.layout != "" {
			def := *f.dates
			def.layout, def.format = "", ""
			if t2, err2 := def.parse(s); err2 == nil {
				return t2, nil
			}
		}
		return t, err
	}
	return s, nil
}

// compareValues orders two values of the same field type.
func compareValues(a, b any) int {
	switch a := a.(type) {
	case int64:
		b := b.(int64)
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	case decimal.Decimal:
		return a.Cmp(b.(decimal.Decimal))
	case time.Time:
		return a.Compare(b.(time.Time))
	case bool:
		if a == b.(bool) {
			return 0
		}
		return 1
	}
	return 0
}

// check reports each broken rule. text is the value's text after transforms
// (what pattern sees), v the typed value.
func (rs *ruleSet) check(text string, v any, report func(reason string)) {
	if rs.pattern != nil && !rs.pattern.MatchString(text) {
		report(fmt.Sprintf("does not match pattern %q", rs.patternText))
	}
	if rs.min != nil && compareValues(v, rs.min) < 0 {
		report("is below the minimum " + rs.minText)
	}
	if rs.max != nil && compareValues(v, rs.max) > 0 {
		report("is above the maximum " + rs.maxText)
	}
	if rs.oneOfStr != nil {
		if _, ok := rs.oneOfStr[text]; !ok {
			report("is not one of: " + rs.oneOfText)
		}
	} else if rs.oneOf != nil {
		found := false
		for _, o := range rs.oneOf {
			if compareValues(v, o) == 0 {
				found = true
				break
			}
		}
		if !found {
			report("is not one of: " + rs.oneOfText)
		}
	}
	if rs.maxLen > 0 {
		if n := utf8.RuneCountInString(text); n > rs.maxLen {
			report("is " + strconv.Itoa(n) + " characters long, more than max_length " + strconv.Itoa(rs.maxLen))
		}
	}
}

const boolHelp = "not a yes/no value (use ja/nein, yes/no, true/false, wahr/falsch, j/n, y/n, 1/0, or x for yes)"

// parseBool reads the yes/no spellings of German and English files, in any
// case. Empty never gets here: it is nil.
func parseBool(s string) (bool, bool) {
	if len(s) > 6 {
		return false, false
	}
	var buf [6]byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(s)]) {
	case "ja", "yes", "true", "wahr", "1", "x", "j", "y":
		return true, true
	case "nein", "no", "false", "falsch", "0", "n":
		return false, true
	}
	return false, false
}
