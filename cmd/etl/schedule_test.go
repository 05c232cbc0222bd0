package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// etl schedule prints the units with the environment file's path, never its
// values; --install with systemctl absent writes them and says what to run.
func TestScheduleSystemdInstallWithoutSystemctl(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	t.Setenv("HOME", home)
	t.Setenv("PATH", filepath.Join(dir, "no-tools"))
	job := filepath.Join(dir, "prices.yaml")
	env := filepath.Join(dir, "etl.env")
	os.WriteFile(job, []byte("name: prices # nightly\nsource: {path: in.csv}\n"), 0o644)
	os.WriteFile(env, []byte("WAWI_API_KEY=very-secret-key\n"), 0o600)

	code, stdout, stderr := etl(t, "schedule", job, "--at", "02:30", "--days", "mon-fri", "--format", "systemd", "--env-file", env)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"OnCalendar=Mon,Tue,Wed,Thu,Fri *-*-* 02:30:00", "EnvironmentFile=" + env, "WorkingDirectory=" + dir,
		"systemctl --user enable --now etl-prices.timer"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(filepath.Join(home, ".config/systemd/user/etl-prices.timer")); !os.IsNotExist(err) {
		t.Error("printing wrote the timer")
	}

	code, stdout, stderr = etl(t, "schedule", job, "--at", "02:30", "--format", "systemd", "--env-file", env, "--install")
	if code != exitCannotStart {
		t.Errorf("exit %d without systemctl, want 2", code)
	}
	if !strings.Contains(stderr, "systemctl was not found") || !strings.Contains(stderr, "systemctl --user daemon-reload") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(home, ".config/systemd/user/etl-prices.timer")); err != nil {
		t.Errorf("timer not written: %v", err)
	}
	if strings.Contains(stdout+stderr, "very-secret-key") {
		t.Error("printed a value of the environment file")
	}
}
