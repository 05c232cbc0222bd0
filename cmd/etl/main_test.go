package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/internal/priority"
	"github.com/wawi-etl/etl/pipeline"
)

// The test binary doubles as the etl binary for tests that need a process
// of their own (signals): ETL_TEST_MAIN=1 makes it run etl's main.
func TestMain(m *testing.M) {
	if os.Getenv("ETL_TEST_MAIN") == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	// the tests read English unless they ask for German: a German
	// developer's locale must not change what they see
	os.Setenv("LC_ALL", "C")
	// the jobs run in this process would lower its CPU priority, and with
	// it every test after them; TestRunPriority checks the default in a
	// process of its own
	defaultPriority = priority.Normal
	os.Exit(m.Run())
}

func etl(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func readSummary(t *testing.T, dir string) pipeline.Summary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s pipeline.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if !s.Balanced() {
		t.Errorf("summary does not add up: %+v", s)
	}
	return s
}

func TestValidatePointsAtTheLine(t *testing.T) {
	dir := t.TempDir()
	job := filepath.Join(dir, "bad.yaml")
	src, _ := filepath.Abs("../../samples/supplier-acme.csv")
	os.WriteFile(job, []byte("name: x\nsource:\n  path: "+src+"\n  encoding: windows-1252\n  delimitr: \";\"\nmapping:\n  fields:\n    - {target: SKU, column: Artikelnummer}\nsink: {type: csv, path: out.csv}\n"), 0o644)
	code, _, stderr := etl(t, "validate", job)
	if code != exitCannotStart {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr, "bad.yaml:5:3") || !strings.Contains(stderr, `unknown field "delimitr"`) || !strings.Contains(stderr, ">  5 |   delimitr") {
		t.Errorf("stderr:\n%s", stderr)
	}

	// meaning: a column the file does not have, named with the columns it has
	os.WriteFile(job, []byte("name: x\nsource:\n  path: "+src+"\n  encoding: windows-1252\nmapping:\n  fields:\n    - target: SKU\n      column: Artikelnumer\nsink: {type: csv, path: out.csv}\n"), 0o644)
	code, _, stderr = etl(t, "validate", job)
	if code != exitCannotStart || !strings.Contains(stderr, "bad.yaml:8:15") || !strings.Contains(stderr, "Artikelnummer, Bezeichnung") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}

	for _, f := range []string{"supplier-normalize", "supplier-prices", "supplier-stock", "catalog-migration", "orders-to-excel", "orders-two-sheets"} {
		if code, out, stderr := etl(t, "validate", "../../jobs/"+f+".yaml"); code != 0 {
			t.Errorf("%s: exit %d\n%s%s", f, code, out, stderr)
		}
	}
}

func TestSchemaAndVersion(t *testing.T) {
	code, out, _ := etl(t, "schema")
	var schema struct {
		Ref  string `json:"$ref"`
		Defs map[string]struct {
			Properties map[string]any `json:"properties"`
		} `json:"$defs"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &schema) != nil || schema.Ref != "#/$defs/Job" {
		t.Fatalf("exit %d, not the job schema: %.200s", code, out)
	}
	for _, k := range []string{"source", "mapping", "sink", "options", "erp"} {
		if schema.Defs["Job"].Properties[k] == nil {
			t.Errorf("schema has no %s", k)
		}
	}
	if code, out, _ := etl(t, "version"); code != 0 || !strings.Contains(out, "etl") {
		t.Errorf("version: %d %q", code, out)
	}
}

// The example file job: the sample's broken rows fail (exit 1), the rest
// lands in the workbook, and the reports account for every row.
func TestRunSupplierNormalize(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "clean.xlsx")
	code, stdout, stderr := etl(t, "run", "--no-progress", "--report-dir", dir, "--set", "sink.path="+out, "../../jobs/supplier-normalize.yaml")
	if code != exitRecordsFail {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	s := readSummary(t, dir)
	if s.RecordsRead != 36 || s.Failed == 0 || s.Created != 36-s.Failed-s.Skipped {
		t.Errorf("summary %+v", s)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("no output: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "errors.xlsx")); err != nil {
		t.Errorf("no error workbook: %v", err)
	}
	if !strings.Contains(stderr, "records failed") {
		t.Errorf("stderr: %s", stderr)
	}

	// a dry run writes no output
	dry := filepath.Join(dir, "dry.xlsx")
	if code, _, _ := etl(t, "run", "--no-progress", "--dry-run", "--report-dir", t.TempDir(), "--set", "sink.path="+dry, "../../jobs/supplier-normalize.yaml"); code != exitRecordsFail {
		t.Errorf("dry run exit %d", code)
	}
	if _, err := os.Stat(dry); !os.IsNotExist(err) {
		t.Errorf("dry run wrote %s", dry)
	}
}

func TestRunCannotStart(t *testing.T) {
	code, _, stderr := etl(t, "run", "--no-progress", "--report-dir", t.TempDir(), "--source", "/nonexistent/today.csv", "../../jobs/supplier-normalize.yaml")
	if code != exitCannotStart || !strings.Contains(stderr, "/nonexistent/today.csv") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	t.Setenv("WAWI_URL", "")
	t.Setenv("WAWI_API_KEY", "")
	code, _, stderr = etl(t, "run", "--no-progress", "--report-dir", t.TempDir(), "--state-dir", t.TempDir(), "../../jobs/supplier-prices.yaml")
	if code != exitCannotStart || !strings.Contains(stderr, "WAWI_URL") {
		t.Errorf("no connection: exit %d: %s", code, stderr)
	}
}

func TestRunWrongKeyNeverEchoed(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{APIKey: "RIGHT-KEY"})
	defer srv.Close()
	const secret = "WRONG-9f8e7d6c5b4a"
	t.Setenv("WAWI_URL", srv.URL)
	t.Setenv("WAWI_API_KEY", secret)
	start := time.Now()
	code, stdout, stderr := etl(t, "run", "--no-progress", "--report-dir", t.TempDir(), "--state-dir", t.TempDir(), "../../jobs/supplier-prices.yaml")
	if code != exitCannotStart {
		t.Errorf("exit %d, want 2\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, secret) {
		t.Errorf("the key is echoed:\n%s%s", stdout, stderr)
	}
	if !strings.Contains(stderr, "401") && !strings.Contains(strings.ToLower(stderr), "credential") && !strings.Contains(strings.ToLower(stderr), "key") {
		t.Errorf("the error does not say the key was refused: %s", stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v: auth errors must not be retried", d)
	}
	if c := srv.Counters(); c.Writes != 0 {
		t.Errorf("%d writes", c.Writes)
	}
}

// Ctrl-C: the records in flight finish, the reports are written, exit 130,
// and the journal lets --resume finish the job without writing twice.
func TestInterruptExits130AndResumes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a process cannot be sent SIGINT on Windows; the console delivers Ctrl-C")
	}
	seed, err := erptest.LoadSeed("../../samples/wawi-seed.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := erptest.NewServer(erptest.Options{Seed: seed, Latency: 100 * time.Millisecond})
	defer srv.Close()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	reports, state := t.TempDir(), t.TempDir()
	cmd := exec.Command(exe, "run", "--no-progress", "--concurrency", "1", "--report-dir", reports, "--state-dir", state, "../../jobs/supplier-stock.yaml")
	cmd.Env = append(os.Environ(), "ETL_TEST_MAIN=1", "WAWI_URL="+srv.URL, "WAWI_API_KEY=k")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for srv.Counters().Writes < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
		t.Fatalf("exit %d (%v), want 130\n%s", code, err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopping:") || !strings.Contains(stderr.String(), "--resume") {
		t.Errorf("the interrupt message does not say how to continue: %s", stderr.String())
	}
	s := readSummary(t, reports)
	if !s.Interrupted || s.Updated < 2 || s.RecordsRead >= 36 {
		t.Errorf("summary after Ctrl-C: %+v", s)
	}
	written := srv.Counters().Writes
	if written != s.Updated {
		t.Errorf("%d writes, the summary says %d updated", written, s.Updated)
	}

	// rerun without --resume: refused, naming the flag
	t.Setenv("WAWI_URL", srv.URL)
	t.Setenv("WAWI_API_KEY", "k")
	code, _, errOut := etl(t, "run", "--no-progress", "--report-dir", t.TempDir(), "--state-dir", state, "../../jobs/supplier-stock.yaml")
	if code != exitCannotStart || !strings.Contains(errOut, "--resume") {
		t.Errorf("rerun without --resume: exit %d: %s", code, errOut)
	}
	code, _, errOut = etl(t, "run", "--no-progress", "--resume", "--report-dir", reports, "--state-dir", state, "../../jobs/supplier-stock.yaml")
	if code != exitRecordsFail { // the sample's row without SKU
		t.Fatalf("resume: exit %d: %s", code, errOut)
	}
	s2 := readSummary(t, reports)
	// 7 levels differ in the sample: those written before Ctrl-C are
	// unchanged now, the rest written once
	if got := written + s2.Updated; got != 7 || srv.Counters().Writes != 7 {
		t.Errorf("writes before %d + after %d (emulator %d), want 7 in all", written, s2.Updated, srv.Counters().Writes)
	}
}
