package pipeline

import (
	"errors"
	"os"
	"regexp"
	"strings"
)

// Job files may hold secrets (erp.api_key, erp.client_secret), literally
// or as ${VAR}. An error about a job file shows the lines around the
// problem and sometimes the value it could not read; neither may show a
// secret. scrubJobError masks every secret the file or its variables hold.

// secretLine finds a secret key and its value in a YAML line.
var secretLine = regexp.MustCompile(`(?i)^\s*(?:-\s*)?(api_key|client_secret|client_id|password|token|secret|key_passphrase)\s*:\s*(.*?)\s*$`)

// varRef finds ${VAR} and ${VAR:-default}.
var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}`)

// secretEnv are the variables the connection reads its secrets from.
var secretEnv = []string{"WAWI_API_KEY", "WAWI_CLIENT_SECRET"}

const masked = "*****"

// jobSecrets lists the secret values a job file holds: literal values of
// secret keys, and the values of the variables they name.
func jobSecrets(path string, lookup func(string) (string, bool)) []string {
	var out []string
	add := func(v string) {
		v = strings.Trim(strings.TrimSpace(v), `"'`)
		if len(v) >= 4 { // shorter values would mask ordinary text
			out = append(out, v)
		}
	}
	for _, name := range secretEnv {
		if v, ok := lookup(name); ok {
			add(v)
		}
	}
	if k, ok := lookup("WAWI_API_KEY_FILE"); ok && k != "" {
		if b, err := os.ReadFile(k); err == nil && len(b) < 4096 {
			add(string(b))
		}
	}
	src, err := os.ReadFile(path)
	if err != nil || len(src) > maxJobBytes {
		return out
	}
	for _, line := range strings.Split(string(src), "\n") {
		m := secretLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if refs := varRef.FindAllStringSubmatch(m[2], -1); refs != nil {
			for _, r := range refs {
				if v, ok := lookup(r[1]); ok {
					add(v)
				}
			}
			continue
		}
		if strings.EqualFold(m[1], "client_id") {
			continue // an id, not a secret, when written out
		}
		add(m[2])
	}
	return out
}

// scrubJobError masks the job's secrets in a job error's message and
// excerpt, case-insensitively.
func scrubJobError(err error, path string, lookup func(string) (string, bool)) error {
	secrets := jobSecrets(path, lookup)
	if len(secrets) == 0 {
		return err
	}
	scrub := func(s string) string {
		for _, sec := range secrets {
			s = replaceFold(s, sec, masked)
		}
		return s
	}
	var jes JobErrors
	var je *JobError
	switch {
	case errors.As(err, &jes):
		for _, e := range jes {
			e.Msg, e.Snippet = scrub(e.Msg), scrub(e.Snippet)
		}
		return err
	case errors.As(err, &je):
		je.Msg, je.Snippet = scrub(je.Msg), scrub(je.Snippet)
		return err
	}
	if s := scrub(err.Error()); s != err.Error() {
		return errors.New(s)
	}
	return err
}

// replaceFold replaces every case-insensitive occurrence of old in s.
func replaceFold(s, old, repl string) string {
	if old == "" {
		return s
	}
	ls, lo := strings.ToLower(s), strings.ToLower(old)
	if len(ls) != len(s) || len(lo) != len(old) {
		return strings.ReplaceAll(s, old, repl) // case folding changed lengths
	}
	var b strings.Builder
	for {
		i := strings.Index(ls, lo)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s, ls = s[i+len(old):], ls[i+len(old):]
	}
}
