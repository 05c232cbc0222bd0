package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An error about a job file never shows a secret: not in the excerpt of the
// file, not in the message, not lower-cased.
func TestJobErrorsHideSecrets(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "job.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := func(k string) (string, bool) {
		v, ok := map[string]string{"MY_SECRET": "S3cr3t-Fr0m-Env", "WAWI_API_KEY": "AB12CD34-0000-4000-8000-ABCDEF012345"}[k]
		return v, ok
	}
	for name, body := range map[string]string{
		"literal key next to a typo":  "erp:\n  url: http://localhost:1/\n  api_key: Lit3ral-Key-9876\n  rate_limit: banana\nsource: {path: a.csv}\nsink: {path: b.csv}\n",
		"secret from a variable":      "erp:\n  client_secret: ${MY_SECRET}\n  client_id: [oops]\nsource: {path: a.csv}\nsink: {path: b.csv}\n",
		"unknown key beside a secret": "erp:\n  api_key: Lit3ral-Key-9876\n  api_kee: x\nsource: {path: a.csv}\nsink: {path: b.csv}\n",
	} {
		_, err := LoadJob(write(body), LoadOptions{LookupEnv: env})
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		msg := strings.ToLower(err.Error())
		for _, secret := range []string{"lit3ral-key-9876", "s3cr3t-fr0m-env", "ab12cd34-0000-4000-8000-abcdef012345"} {
			if strings.Contains(msg, secret) {
				t.Errorf("%s: the error shows a secret:\n%s", name, err)
			}
		}
		if !strings.Contains(err.Error(), "job.yaml:") {
			t.Errorf("%s: the error lost its place: %s", name, err)
		}
	}
}
