package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wawi-etl/etl/internal/schedule"
)

func init() { subcommands = append(subcommands, newScheduleCommand) }

type scheduleOptions struct {
	at, days, format, envFile, logFile, exe string
	install, uninstall                      bool
	whetherLoggedOn                         bool
}

// scheduleSystem is the system --install changes; tests replace it.
var scheduleSystem = func(home, taskDir string, out io.Writer) schedule.System {
	return schedule.OS(home, taskDir, out)
}

func newScheduleCommand() *cobra.Command {
	var o scheduleOptions
	cmd := &cobra.Command{
		Use:   "schedule JOB.yaml --at 02:30",
		Short: "Run a job every night: print or install a systemd timer, a cron line or a Windows task",
		Long: `Print what runs the job at a time of day on this system, or with --install
set it up: a systemd user service and timer on Linux (~/.config/systemd/user),
a crontab line elsewhere, a Task Scheduler task on Windows. --format windows
writes the task XML on any system (schtasks /create /xml FILE /tn etl-NAME).

The run starts in the job's folder, reads the secrets from --env-file
(KEY=VALUE lines; its values are never printed) and appends its output to
--log (default logs/etl-NAME.log beside the job).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSchedule(cmd.OutOrStdout(), args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.at, "at", "", "time of day, HH:MM (required)")
	f.StringVar(&o.days, "days", "", "days: mon-fri, mon,wed,fri or daily (default daily)")
	f.StringVar(&o.format, "format", "", "systemd, cron or windows (default: what this system uses)")
	f.StringVar(&o.envFile, "env-file", "", "file of KEY=VALUE lines with the job's ${VAR} secrets")
	f.StringVar(&o.logFile, "log", "", "file the run's output is appended to (default logs/etl-NAME.log beside the job)")
	f.StringVar(&o.exe, "exe", "", "path of the etl binary to run (default this one)")
	f.BoolVar(&o.install, "install", false, "write the files and activate the schedule")
	f.BoolVar(&o.uninstall, "uninstall", false, "deactivate the schedule and remove its files")
	f.BoolVar(&o.whetherLoggedOn, "run-whether-logged-on", false, "Windows: run the task whether or not the user is logged on (S4U logon: no password stored; Windows network shares are not reachable); default only while logged on")
	cmd.MarkFlagRequired("at")
	return cmd
}

var jobNameLine = regexp.MustCompile(`(?m)^name:\s*["']?([^"'#\r\n]*?)["']?\s*(?:#.*)?$`)

// scheduledName is the job's name: its name: key, else the file name. The
// job is not loaded: its ${VAR} come from the environment file at run time.
func scheduledName(jobFile string) (string, error) {
	b, err := os.ReadFile(jobFile)
	if err != nil {
		return "", err
	}
	if m := jobNameLine.FindSubmatch(b); m != nil && len(m[1]) > 0 {
		return string(m[1]), nil
	}
	return strings.TrimSuffix(filepath.Base(jobFile), filepath.Ext(jobFile)), nil
}

func schedulePlan(jobArg string, o scheduleOptions) (schedule.Plan, error) {
	var p schedule.Plan
	job, err := filepath.Abs(jobArg)
	if err != nil {
		return p, err
	}
	if p.Name, err = scheduledName(job); err != nil {
		return p, err
	}
	if p.Hour, p.Minute, err = schedule.ParseAt(o.at); err != nil {
		return p, err
	}
	if p.Days, err = schedule.ParseDays(o.days); err != nil {
		return p, err
	}
	p.Job, p.WorkDir = job, filepath.Dir(job)
	if o.envFile != "" {
		if p.EnvFile, err = filepath.Abs(o.envFile); err != nil {
			return p, err
		}
		if _, err := os.Stat(p.EnvFile); err != nil {
			return p, fmt.Errorf("--env-file: %w", err)
		}
	}
	p.LogFile = o.logFile
	if p.LogFile == "" {
		p.LogFile = filepath.Join(p.WorkDir, "logs", p.Unit()+".log")
	}
	if p.LogFile, err = filepath.Abs(p.LogFile); err != nil {
		return p, err
	}
	p.Exe = o.exe
	if p.Exe == "" {
		if p.Exe, err = os.Executable(); err != nil {
			return p, err
		}
	}
	p.Exe, err = filepath.Abs(p.Exe)
	return p, err
}

func runSchedule(out io.Writer, jobArg string, o scheduleOptions) error {
	if o.install && o.uninstall {
		return withCode(exitCannotStart, errors.New("--install and --uninstall: choose one"))
	}
	p, err := schedulePlan(jobArg, o)
	if err != nil {
		return withCode(exitCannotStart, err)
	}
	format := o.format
	if format == "" {
		format = schedule.DefaultFormat()
	}
	if o.whetherLoggedOn {
		if format != schedule.Windows {
			return withCode(exitCannotStart, errors.New("--run-whether-logged-on is for the Windows task; a systemd user timer runs while logged out after loginctl enable-linger, cron always does"))
		}
		p.S4U = true
		if u, err := user.Current(); err == nil {
			p.User = u.Username // DOMAIN\user on Windows
		}
	}
	home, _ := os.UserHomeDir()
	sys := scheduleSystem(home, filepath.Join(p.WorkDir, ".etl-state"), out)
	files, err := sys.Files(p, format)
	if err != nil {
		return withCode(exitCannotStart, err)
	}
	switch {
	case o.install:
		err = sys.Install(p, format)
	case o.uninstall:
		err = sys.Uninstall(p, format)
	default:
		for _, f := range files {
			fmt.Fprintf(out, "# %s\n%s\n", f.Path, f.Text)
		}
		if format == schedule.Cron {
			fmt.Fprintf(out, "%s\n\n", p.CronLine())
		}
		taskFile := ""
		if len(files) > 0 {
			taskFile = files[0].Path
		}
		fmt.Fprintf(out, "# to activate (or run etl schedule again with --install):\n")
		for _, c := range schedule.Commands(p, format, taskFile, false) {
			fmt.Fprintf(out, "#   %s\n", c)
		}
		return nil
	}
	if err != nil {
		return withCode(exitCannotStart, err)
	}
	return nil
}
