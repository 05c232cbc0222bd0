package schedule

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Formats this package writes.
const (
	Systemd = "systemd"
	Cron    = "cron"
	Windows = "windows"
)

// DefaultFormat is what this system uses: Task Scheduler on Windows, a
// systemd user timer on Linux booted with systemd, cron elsewhere.
func DefaultFormat() string {
	switch runtime.GOOS {
	case "windows":
		return Windows
	case "linux":
		if st, err := os.Stat("/run/systemd/system"); err == nil && st.IsDir() {
			return Systemd
		}
	}
	return Cron
}

// System is what installing touches; tests replace the commands.
type System struct {
	Home     string // the user's home: systemd user units go below it
	TaskDir  string // where the Windows task XML is kept
	LookPath func(string) (string, error)
	// Run runs a command with stdin and returns its combined output.
	Run func(stdin []byte, name string, args ...string) ([]byte, error)
	Out io.Writer // what was done, for the user
}

// OS is the running system.
func OS(home, taskDir string, out io.Writer) System {
	return System{Home: home, TaskDir: taskDir, LookPath: exec.LookPath, Out: out,
		Run: func(stdin []byte, name string, args ...string) ([]byte, error) {
			cmd := exec.Command(name, args...)
			if stdin != nil {
				cmd.Stdin = bytes.NewReader(stdin)
			}
			return cmd.CombinedOutput()
		}}
}

// UnitDir is where systemd looks for user units.
func (s System) UnitDir() string { return filepath.Join(s.Home, ".config", "systemd", "user") }

// File is one file a format needs, and where it goes.
type File struct {
	Path string
	Text string
}

// Files lists what format writes for p; cron has none (a crontab line).
func (s System) Files(p Plan, format string) ([]File, error) {
	switch format {
	case Systemd:
		return []File{
			{filepath.Join(s.UnitDir(), p.Unit()+".service"), p.SystemdService()},
			{filepath.Join(s.UnitDir(), p.Unit()+".timer"), p.SystemdTimer()},
		}, nil
	case Windows:
		x, err := p.WindowsXML()
		return []File{{filepath.Join(s.TaskDir, p.Unit()+".xml"), x}}, err
	case Cron:
		return nil, nil
	}
	return nil, fmt.Errorf("--format %q: systemd, cron or windows", format)
}

// Commands are what activates (or, undo, removes) p in format, as a user
// types them.
func Commands(p Plan, format, taskFile string, undo bool) []string {
	u := p.Unit()
	switch format {
	case Systemd:
		if undo {
			return []string{"systemctl --user disable --now " + u + ".timer", "systemctl --user daemon-reload"}
		}
		return []string{"systemctl --user daemon-reload", "systemctl --user enable --now " + u + ".timer",
			"loginctl enable-linger \"$USER\"   # so the timer runs while nobody is logged in"}
	case Windows:
		if undo {
			return []string{`schtasks /delete /tn ` + u + ` /f`}
		}
		return []string{`schtasks /create /xml "` + taskFile + `" /tn ` + u + ` /f`}
	case Cron:
		if undo {
			return []string{"crontab -e   # delete the line ending in # " + u}
		}
		return []string{"crontab -e   # add: " + p.CronLine()}
	}
	return nil
}

// ErrManual: the files were written, or nothing could be, and the user must
// run the commands the error names. The schedule is not active yet.
var ErrManual = errors.New("the schedule is not active yet")

// Install writes p's files and activates the schedule. A missing tool
// (systemctl, crontab, schtasks) is an error naming what to run instead.
func (s System) Install(p Plan, format string) error {
	files, err := s.Files(p, format)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.LogFile), 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			return err
		}
		data := []byte(f.Text)
		if format == Windows {
			data = UTF16File(f.Text)
		}
		if err := os.WriteFile(f.Path, data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(s.Out, "wrote %s\n", f.Path)
	}
	taskFile := ""
	if format == Windows {
		taskFile = files[0].Path
	}
	switch format {
	case Systemd:
		return s.runAll(p, format, "systemctl", taskFile, false,
			[][]string{{"--user", "daemon-reload"}, {"--user", "enable", "--now", p.Unit() + ".timer"}})
	case Windows:
		return s.runAll(p, format, "schtasks", taskFile, false,
			[][]string{{"/create", "/xml", taskFile, "/tn", p.Unit(), "/f"}})
	}
	return s.editCrontab(p, false)
}

// Uninstall deactivates p and removes its files.
func (s System) Uninstall(p Plan, format string) error {
	files, err := s.Files(p, format)
	if err != nil {
		return err
	}
	switch format {
	case Systemd:
		if err := s.runAll(p, format, "systemctl", "", true, [][]string{{"--user", "disable", "--now", p.Unit() + ".timer"}}); err != nil {
			return err
		}
	case Windows:
		if err := s.runAll(p, format, "schtasks", "", true, [][]string{{"/delete", "/tn", p.Unit(), "/f"}}); err != nil {
			return err
		}
	case Cron:
		return s.editCrontab(p, true)
	}
	for _, f := range files {
		if err := os.Remove(f.Path); err == nil {
			fmt.Fprintf(s.Out, "removed %s\n", f.Path)
		}
	}
	if format == Systemd {
		if out, err := s.Run(nil, "systemctl", "--user", "daemon-reload"); err != nil {
			return fmt.Errorf("systemctl --user daemon-reload: %v: %s", err, bytes.TrimSpace(out))
		}
	}
	return nil
}

func (s System) runAll(p Plan, format, tool, taskFile string, undo bool, calls [][]string) error {
	if _, err := s.LookPath(tool); err != nil {
		return fmt.Errorf("%w: %s was not found here; on the machine that runs the job, run:\n  %s", ErrManual, tool,
			strings.Join(Commands(p, format, taskFile, undo), "\n  "))
	}
	for _, args := range calls {
		if out, err := s.Run(nil, tool, args...); err != nil {
			return fmt.Errorf("%s %s: %v: %s", tool, strings.Join(args, " "), err, bytes.TrimSpace(out))
		}
		fmt.Fprintf(s.Out, "ran %s %s\n", tool, strings.Join(args, " "))
	}
	return nil
}

// editCrontab replaces the line tagged with p's unit (or removes it) and
// keeps every other line.
func (s System) editCrontab(p Plan, remove bool) error {
	if _, err := s.LookPath("crontab"); err != nil {
		return fmt.Errorf("%w: crontab was not found here; run:\n  %s", ErrManual, strings.Join(Commands(p, Cron, "", remove), "\n  "))
	}
	// no crontab yet is an error of crontab -l, and an empty table
	old, _ := s.Run(nil, "crontab", "-l")
	tag := "# " + p.Unit()
	var keep []string
	for _, l := range strings.Split(strings.TrimRight(string(old), "\n"), "\n") {
		if l != "" && !strings.HasSuffix(l, tag) && !strings.HasPrefix(l, "no crontab for") {
			keep = append(keep, l)
		}
	}
	if !remove {
		keep = append(keep, p.CronLine())
	}
	table := strings.Join(keep, "\n") + "\n"
	if out, err := s.Run([]byte(table), "crontab", "-"); err != nil {
		return fmt.Errorf("crontab -: %v: %s", err, bytes.TrimSpace(out))
	}
	if remove {
		fmt.Fprintf(s.Out, "removed the crontab line %s\n", tag)
	} else {
		fmt.Fprintf(s.Out, "added to the crontab: %s\n", p.CronLine())
	}
	return nil
}
