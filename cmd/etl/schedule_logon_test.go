package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The Windows task runs only while the user is logged on, unless
// --run-whether-logged-on asks for an S4U logon as the current user.
func TestScheduleWindowsRunWhetherLoggedOn(t *testing.T) {
	dir := t.TempDir()
	job := filepath.Join(dir, "prices.yaml")
	os.WriteFile(job, []byte("name: prices\nsource: {path: in.csv}\n"), 0o644)
	code, stdout, stderr := etl(t, "schedule", job, "--at", "02:30", "--format", "windows")
	if code != 0 || !strings.Contains(stdout, "<LogonType>InteractiveToken</LogonType>") || strings.Contains(stdout, "<UserId>") {
		t.Fatalf("default: exit %d:\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = etl(t, "schedule", job, "--at", "02:30", "--format", "windows", "--run-whether-logged-on")
	if code != 0 || !strings.Contains(stdout, "<UserId>") || !strings.Contains(stdout, "<LogonType>S4U</LogonType>") {
		t.Fatalf("S4U: exit %d:\n%s%s", code, stdout, stderr)
	}
	if code, _, stderr := etl(t, "schedule", job, "--at", "02:30", "--format", "cron", "--run-whether-logged-on"); code != exitCannotStart || !strings.Contains(stderr, "Windows") {
		t.Errorf("cron: exit %d: %s", code, stderr)
	}
}
