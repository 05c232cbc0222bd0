package erp

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// escapeControl makes a text from the server safe for a terminal or a log
// line: control characters (C0, DEL, C1), bidirectional overrides and
// invalid UTF-8 are written as Go escapes (\n, \x1b, \u202e), so a server
// message can neither move the cursor, recolour the terminal, fake a log
// line nor reorder what is shown.
func escapeControl(s string) string {
	clean := true
	for _, r := range s {
		if needsEscape(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && needsEscape(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case needsEscape(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, r == utf8.RuneError:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidirectional controls
	}
	return false
}

// secretForms are the ways a secret can appear in a server's text: as is,
// URL-encoded (query and path escaping), base64 (standard, URL-safe, with
// and without padding) and JSON-escaped (with Go's HTML escaping and with
// "\/"). Matching is case-insensitive on top, so a key echoed lower- or
// upper-cased (.NET prints GUIDs in lower case) is found too.
func secretForms(sec string) []string {
	forms := []string{sec, url.QueryEscape(sec), url.PathEscape(sec),
		base64.StdEncoding.EncodeToString([]byte(sec)), base64.RawStdEncoding.EncodeToString([]byte(sec)),
		base64.URLEncoding.EncodeToString([]byte(sec)), base64.RawURLEncoding.EncodeToString([]byte(sec))}
	if b, err := json.Marshal(sec); err == nil {
		j := string(b[1 : len(b)-1])
		forms = append(forms, j, strings.ReplaceAll(j, "/", `\/`))
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(sec) == nil {
		j := strings.TrimSuffix(b.String(), "\n")
		forms = append(forms, j[1:len(j)-1])
	}
	slices.Sort(forms)
	return slices.Compact(forms)
}

// secretPattern matches every form of every secret (of at least 4
// characters), case-insensitively; nil when there is none. Longer forms
// come first so that a secret is replaced whole, not a prefix of it.
func secretPattern(secrets ...string) *regexp.Regexp {
	var forms []string
	for _, s := range secrets {
		if len(s) >= 4 {
			forms = append(forms, secretForms(s)...)
		}
	}
	if len(forms) == 0 {
		return nil
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	forms = slices.Compact(forms)
	q := make([]string, len(forms))
	for i, f := range forms {
		q[i] = regexp.QuoteMeta(f)
	}
	return regexp.MustCompile("(?i)(?:" + strings.Join(q, "|") + ")")
}

// scrubWith replaces what re matches with [REDACTED].
func scrubWith(re *regexp.Regexp, s string) string {
	if re == nil || s == "" {
		return s
	}
	return re.ReplaceAllLiteralString(s, redacted)
}

// hostClass tells where a URL's host is, without a DNS lookup: loopback,
// private (RFC 1918, ULA, link-local, or a LAN name: no dot, .local, .lan,
// .internal, .home.arpa, .fritz.box), or public.
type hostClass int

const (
	hostPublic hostClass = iota
	hostPrivate
	hostLoopback
)

func classifyHost(host string) hostClass {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return hostLoopback
	}
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		switch {
		case ip.IsLoopback():
			return hostLoopback
		case ip.IsPrivate(), ip.IsLinkLocalUnicast():
			return hostPrivate
		}
		return hostPublic
	}
	if !strings.Contains(host, ".") {
		return hostPrivate
	}
	for _, suf := range []string{".local", ".lan", ".internal", ".home.arpa", ".fritz.box", ".intranet", ".corp"} {
		if strings.HasSuffix(host, suf) {
			return hostPrivate
		}
	}
	return hostPublic
}
