package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzLoadJob: whatever a job file holds, loading it returns a job or an
// error, never panics, and errors about the file name the file.
func FuzzLoadJob(f *testing.F) {
	for _, name := range []string{"supplier-normalize", "supplier-prices", "supplier-stock", "catalog-migration", "orders-to-excel", "orders-two-sheets"} {
		if b, err := os.ReadFile(filepath.Join("..", "jobs", name+".yaml")); err == nil {
			f.Add(string(b), "")
		}
	}
	f.Add("source:\n  path: a.csv\n  delimeter: ';'\nsink:\n  path: b.csv\n", "options.concurrency=3")
	f.Add("source: {path: ${X:-a}.csv}\nsink: {path: b.xlsx}\nmapping: {fields: [{target: A, column: x, type: decimal}]}\n", "mapping.fields[0].column=y")
	f.Add("source:\n  path: a.csv\nsink:\n  path: b.csv\n  path: c.csv\n", "")
	f.Add("&a [*a]", "")
	// alias bombs: refused by their expanded size before decoding
	bomb := "mapping:\n  lookups:\n    l0: &a0 {values: {x: lol}}\n"
	for i := 1; i <= 9; i++ {
		bomb += fmt.Sprintf("    l%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	f.Add(bomb+"source: {path: a.csv}\nsink: {path: b.csv}\n", "")
	f.Add("x: &a {<<: *a}\n", "")
	dir := f.TempDir() // one per fuzz worker process; inputs run one at a time in each
	f.Fuzz(func(t *testing.T, body, set string) {
		tm := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("LoadJob hangs on %q set %q", body, set)) })
		defer tm.Stop()
		p := filepath.Join(dir, "job.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		var sets []string
		if set != "" {
			sets = []string{set}
		}
		job, err := LoadJob(p, LoadOptions{Sets: sets, LookupEnv: func(string) (string, bool) { return "", false }})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if job.File == "" || job.Dir != dir {
			t.Errorf("job without its file: %q %q", job.File, job.Dir)
		}
		if !strings.HasSuffix(job.File, "job.yaml") {
			t.Errorf("job file %q", job.File)
		}
	})
}
