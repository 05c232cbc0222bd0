// Package suggest finds the name a user probably meant: "did you mean …"
// for misspelt keys, columns, filters and lookups.
package suggest

import (
	"strings"
	"unicode/utf8"
)

// Closest returns the candidate nearest to word by Damerau-Levenshtein
// distance (adjacent swaps count one edit), ignoring case, if it is near
// enough to be a typo: at most a third of the word's length, at least one
// edit. An exact match (ignoring case) wins; ties go to the first
// candidate.
func Closest(word string, candidates []string) (string, bool) {
	w := strings.ToLower(strings.TrimSpace(word))
	if w == "" {
		return "", false
	}
	limit := max(1, utf8.RuneCountInString(w)/3)
	best, bestD := "", limit+1
	for _, c := range candidates {
		if c == word {
			continue // the word itself is no suggestion
		}
		d := Distance(w, strings.ToLower(strings.TrimSpace(c)))
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best, best != ""
}

// Distance is the optimal string alignment distance of a and b: insertions,
// deletions, substitutions and swaps of adjacent runes, one edit each.
func Distance(a, b string) int {
	s, t := []rune(a), []rune(b)
	prev2 := make([]int, len(t)+1)
	prev := make([]int, len(t)+1)
	cur := make([]int, len(t)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(s); i++ {
		cur[0] = i
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(t)]
}

// Hint is " did you mean %q?" for the closest candidate, or "".
func Hint(word string, candidates []string, didYouMean func(string) string) string {
	if c, ok := Closest(word, candidates); ok {
		return "; " + didYouMean(c)
	}
	return ""
}
