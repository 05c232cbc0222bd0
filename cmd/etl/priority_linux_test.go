package main

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/wawi-etl/etl/erp/erptest"
	"github.com/wawi-etl/etl/internal/testkit"
)

// processNices is the nice value of every thread of process pid.
func processNices(t *testing.T, pid int) []int {
	t.Helper()
	nices, err := testkit.ThreadNices(pid)
	if err != nil {
		t.Fatal(err)
	}
	return nices
}

// TestRunPriority runs etl in a process of its own (the in-process tests
// run at normal priority, see TestMain) and reads the nice value of its
// threads while its first request waits for the Wawi: below normal by
// default, unchanged with --priority normal.
func TestRunPriority(t *testing.T) {
	if own := processNices(t, os.Getpid())[0]; own != 0 {
		t.Skipf("the tests run at nice %d", own)
	}
	seed, err := erptest.LoadSeed("../../samples/wawi-seed.json")
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want int
	}{{nil, 10}, {[]string{"--priority", "normal"}, 0}, {[]string{"--priority", "low"}, 10}} {
		srv := erptest.NewServer(erptest.Options{Seed: seed, Latency: 2 * time.Second})
		args := append([]string{"run", "--dry-run", "--no-progress", "--concurrency", "1", "--report-dir", t.TempDir(), "--state-dir", t.TempDir()}, tc.args...)
		cmd := exec.Command(exe, append(args, "../../jobs/supplier-stock.yaml")...)
		cmd.Env = append(os.Environ(), "ETL_TEST_MAIN=1", "WAWI_URL="+srv.URL, "WAWI_API_KEY=k")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// a request in the Wawi's hands: the run has started, and it
		// waits two seconds for the answer
		deadline := time.Now().Add(20 * time.Second)
		for srv.Counters().Requests == 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		nices := processNices(t, cmd.Process.Pid)
		cmd.Process.Kill()
		cmd.Wait()
		srv.Close()
		if srv.Counters().Requests == 0 {
			t.Fatalf("etl run %v sent no request", tc.args)
		}
		for _, n := range nices {
			if n != tc.want {
				t.Errorf("etl run %v: its threads' nice values %v, want all %d", tc.args, nices, tc.want)
				break
			}
		}
	}
}
