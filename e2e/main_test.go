// Package e2e runs the etl binary, as a merchant does, against the
// in-process Wawi emulator (erp/erptest): imports under faults, a kill -9 and
// resume, guardrails on broken supplier files, dry runs and fatal errors.
// Each test builds its own emulator and inputs; the binary is built once.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wawi-etl/etl/erp/erptest"
)

// etlBin is the binary under test, built by TestMain.
var etlBin string

// repoRoot is the module root (the parent of this package).
var repoRoot string

func TestMain(m *testing.M) {
	flag.Parse()
	// The tests spend their time waiting for etl, which waits for backoff
	// timers and the emulator's latency, not on the CPU: run more of them at
	// once than the default of GOMAXPROCS (2 on a small CI machine), unless
	// -parallel says otherwise.
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		flag.Set("test.parallel", "12")
	}
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	repoRoot = filepath.Dir(wd)
	dir, err := os.MkdirTemp("", "etl-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer os.RemoveAll(dir)
	etlBin = filepath.Join(dir, "etl")
	if runtime.GOOS == "windows" {
		etlBin += ".exe"
	}
	build := exec.Command("go", "build", "-o", etlBin, "./cmd/etl")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building etl: %v\n%s", err, out)
		return 2
	}
	return m.Run()
}

// apiKey is the OnPremise key every emulator of the suite wants.
const apiKey = "e2e-key-5f1c9a"

// newServer starts an emulator with the seed and faults; it is stopped when
// the test ends.
func newServer(t *testing.T, seed *erptest.Seed, o erptest.Options) *erptest.Server {
	t.Helper()
	o.Seed = seed
	o.APIKey = apiKey
	if o.Rand == nil {
		// faults drawn reproducibly (timing still varies)
		o.Rand = rand.New(rand.NewPCG(42, uint64(len(t.Name()))))
	}
	srv := erptest.NewServer(o)
	t.Cleanup(srv.Close)
	return srv
}

// etlEnv is the environment of the binary: the caller's without any WAWI_*
// variable, then the connection to srv.
func etlEnv(url, key string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "WAWI_") && !strings.HasPrefix(kv, "LC_ALL=") {
			env = append(env, kv)
		}
	}
	// the tests read English messages whatever the machine's locale
	return append(env, "WAWI_URL="+url, "WAWI_API_KEY="+key, "LC_ALL=C")
}

// run is one finished invocation of the binary.
type run struct {
	code           int
	stdout, stderr string
	dur            time.Duration
}

func (r run) String() string {
	return fmt.Sprintf("exit %d after %s\nstdout:\n%s\nstderr:\n%s", r.code, r.dur.Round(time.Millisecond), r.stdout, lastLines(r.stderr, 30))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("… %d lines", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// job is a job file run against one emulator with its own report and state
// folders, as `etl run JOB --report-dir R --state-dir S`.
type job struct {
	t       *testing.T
	file    string // absolute
	url     string
	key     string
	reports string
	state   string
	args    []string // extra flags on every run, e.g. --source
}

// newJob prepares runs of a job file (relative to the repository root)
// against srv.
func newJob(t *testing.T, srv *erptest.Server, file string, args ...string) *job {
	t.Helper()
	return &job{t: t, file: filepath.Join(repoRoot, file), url: srv.URL, key: apiKey,
		reports: t.TempDir(), state: t.TempDir(), args: args}
}

func (j *job) command(ctx context.Context, extra ...string) *exec.Cmd {
	args := append([]string{"run", j.file, "--no-progress", "--report-dir", j.reports, "--state-dir", j.state}, j.args...)
	args = append(args, extra...)
	cmd := exec.CommandContext(ctx, etlBin, args...)
	cmd.Env = etlEnv(j.url, j.key)
	cmd.Dir = j.t.TempDir() // nothing may land in the repository
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// run runs the job to its end (at most two minutes) and returns how it
// ended; summary.json is removed first, so summary() reads this run's.
func (j *job) run(extra ...string) run {
	j.t.Helper()
	os.Remove(filepath.Join(j.reports, "summary.json"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := j.command(ctx, extra...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	r := run{stdout: stdout.String(), stderr: stderr.String(), dur: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		j.t.Fatalf("etl %v: %v", extra, err)
	}
	if ctx.Err() != nil {
		j.t.Fatalf("etl %v did not finish within 2 minutes:\n%s", extra, r)
	}
	j.t.Logf("etl run %s %s: exit %d in %s: %s", filepath.Base(j.file), strings.Join(extra, " "), r.code,
		r.dur.Round(time.Millisecond), firstLine(r.stdout))
	if os.Getenv("E2E_STDERR") != "" { // debugging: etl's log of every run
		j.t.Logf("stderr:\n%s", r.stderr)
	}
	return r
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// mustRun runs the job and fails the test unless it exits with code.
func (j *job) mustRun(code int, extra ...string) (run, summary) {
	j.t.Helper()
	r := j.run(extra...)
	if r.code != code {
		j.t.Fatalf("etl run %s %v: want exit %d, got %s\nerrors.xlsx:\n%s", filepath.Base(j.file), extra, code, r, j.errorRows())
	}
	return r, j.summary()
}

// summary is summary.json as the binary writes it (pipeline/summary.go).
type summary struct {
	Job             string `json:"job"`
	DryRun          bool   `json:"dry_run"`
	RecordsRead     int64  `json:"records_read"`
	Created         int64  `json:"created"`
	Updated         int64  `json:"updated"`
	Unchanged       int64  `json:"unchanged"`
	Skipped         int64  `json:"skipped"`
	Failed          int64  `json:"failed"`
	Requests        int64  `json:"requests"`
	Interrupted     bool   `json:"interrupted"`
	Fatal           string `json:"fatal"`
	AlreadyImported bool   `json:"already_imported"`
	Resumed         int64  `json:"resumed"`
	ErrorWorkbook   string `json:"error_workbook"`
	DiffWorkbook    string `json:"diff_workbook"`
	DiffHTML        string `json:"diff_html"`
	Guardrails      []struct {
		Rule    string `json:"rule"`
		Limit   string `json:"limit"`
		Found   string `json:"found"`
		Records []struct {
			Row    int    `json:"row"`
			Key    string `json:"key"`
			Detail string `json:"detail"`
		} `json:"records"`
	} `json:"guardrails"`
}

// counts are the outcome counts of a summary, for comparing in one go.
type counts struct{ Read, Created, Updated, Unchanged, Skipped, Failed int64 }

func (s summary) counts() counts {
	return counts{s.RecordsRead, s.Created, s.Updated, s.Unchanged, s.Skipped, s.Failed}
}

func (s summary) balanced() bool {
	return s.RecordsRead == s.Created+s.Updated+s.Unchanged+s.Skipped+s.Failed
}

// exitFor is the exit code of a finished run with these counts.
func exitFor(c counts) int {
	if c.Failed > 0 {
		return 1
	}
	return 0
}

func (j *job) summary() summary {
	j.t.Helper()
	b, err := os.ReadFile(filepath.Join(j.reports, "summary.json"))
	if err != nil {
		j.t.Fatalf("summary.json: %v", err)
	}
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		j.t.Fatalf("summary.json: %v\n%s", err, b)
	}
	return s
}

// errorRows is the content of the run's errors.xlsx, one line per row, for
// messages when more records failed than expected.
func (j *job) errorRows() string {
	f, err := excelize.OpenFile(filepath.Join(j.reports, "errors.xlsx"))
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	rows, err := f.GetRows("Errors")
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintln(&b, strings.Join(r, " | "))
	}
	return b.String()
}
