package i18n

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Rules translate texts put together from a pattern and values: each rule
// is the English pattern with {} where a value stands and the German text
// with the same values in the same order. Texts no rule matches stay as
// they are, so a message added later reads in English until it has a rule.
type Rules struct {
	words map[string]string
	// compiled on first use: the tables are package variables of every
	// process, and most runs never print a German message.
	compile func() []Rule
}

// Rule is one pattern: En with {} for each value, De the German.
type Rule struct {
	En, De string
	re     *regexp.Regexp
}

// NewRules takes pairs of English pattern and German text; words are
// values that are translated too ("comma": "Komma"). The more specific
// patterns go first. The patterns are compiled when first needed.
func NewRules(pairs [][2]string, words map[string]string) *Rules {
	rs := &Rules{words: words}
	rs.compile = sync.OnceValue(func() []Rule {
		rules := make([]Rule, len(pairs))
		for i, p := range pairs {
			parts := strings.Split(p[0], "{}")
			for j := range parts {
				parts[j] = regexp.QuoteMeta(parts[j])
			}
			rules[i] = Rule{En: p[0], De: p[1], re: regexp.MustCompile("^" + strings.Join(parts, "(.+?)") + "$")}
		}
		return rules
	})
	return rs
}

// All lists the rules, for tests that word each pattern once.
func (rs *Rules) All() []Rule { return rs.compile() }

// Example is the rule's English pattern and its German with "v1", "v2", …
// for the values: what a translation of that English must give.
func (r Rule) Example() (en, de string) {
	en, de = r.En, r.De
	for i := 1; strings.Contains(en, "{}"); i++ {
		v := `"v` + strconv.Itoa(i) + `"`
		en, de = strings.Replace(en, "{}", v, 1), strings.Replace(de, "{}", v, 1)
	}
	return en, de
}

// Translate is s in German by the first rule that matches all of it.
func (rs *Rules) Translate(s string) (string, bool) {
	for _, r := range rs.compile() {
		m := r.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		var b strings.Builder
		vals := m[1:]
		for i, part := range strings.Split(r.De, "{}") {
			if i > 0 && i-1 < len(vals) {
				v := vals[i-1]
				if de, ok := rs.words[v]; ok {
					v = de
				}
				b.WriteString(v)
			}
			b.WriteString(part)
		}
		return b.String(), true
	}
	return s, false
}
