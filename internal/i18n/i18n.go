// Package i18n chooses the language people read etl's output in: German
// for German merchants and their accountants, English otherwise.
package i18n

import (
	"os"
	"strings"
)

// Lang is a language etl speaks.
type Lang string

const (
	German  Lang = "de"
	English Lang = "en"
)

// Detect picks the language: the --lang flag when given, else the locale
// (LC_ALL, LC_MESSAGES, LANG, in POSIX order of precedence; on Windows the
// same variables when set), else English.
func Detect(flag string) Lang {
	return detect(flag, os.Getenv)
}

func detect(flag string, getenv func(string) string) Lang {
	if l, ok := Parse(flag); ok {
		return l
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := getenv(v); s != "" {
			if l, ok := Parse(s); ok {
				return l
			}
			return English // the first set variable decides, as in POSIX
		}
	}
	return English
}

// Parse reads "de", "de_DE.UTF-8", "German", "en_US", ... .
func Parse(s string) (Lang, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return "", false
	case strings.HasPrefix(s, "de"), strings.HasPrefix(s, "german"):
		return German, true
	case strings.HasPrefix(s, "en"), s == "c", s == "posix", strings.HasPrefix(s, "c."):
		return English, true
	}
	return "", false
}

// Pick returns de for German, en otherwise.
func (l Lang) Pick(de, en string) string {
	if l == German {
		return de
	}
	return en
}
