// Package schedule writes what runs a job every night on this system: a
// systemd user service and timer, a cron line, or a Windows Task Scheduler
// task. It never reads the environment file it names: its values are
// secrets and stay out of everything printed.
package schedule

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// Plan is one scheduled job.
type Plan struct {
	Name    string // etl-<Name> names the unit, cron tag and task
	Exe     string // absolute path of the etl binary
	Job     string // absolute path of the job file
	WorkDir string // the job's folder: relative paths of the job resolve there
	EnvFile string // optional KEY=VALUE file with the secrets, absolute
	LogFile string // where the run's output goes, absolute
	Hour    int
	Minute  int
	// Days the job runs, Sunday=0; empty means every day.
	Days []time.Weekday
	// S4U: the Windows task runs as User whether or not User is logged on
	// (no password stored, so no Windows-authenticated network shares);
	// otherwise only while User is logged on (InteractiveToken).
	S4U  bool
	User string
}

// Unit is the name of the unit, cron tag and task: etl-<name>.
func (p Plan) Unit() string { return "etl-" + safeName(p.Name) }

var unsafe = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

func safeName(s string) string {
	s = strings.Trim(unsafe.ReplaceAllString(s, "-"), "-")
	if s == "" {
		return "job"
	}
	return s
}

// ParseAt reads "02:30".
func ParseAt(s string) (hour, minute int, err error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, 0, fmt.Errorf("--at %q: a time of day as HH:MM, e.g. 02:30", s)
	}
	return t.Hour(), t.Minute(), nil
}

var dayNames = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"so": time.Sunday, "mo": time.Monday, "di": time.Tuesday, "mi": time.Wednesday, "do": time.Thursday, "fr": time.Friday, "sa": time.Saturday}

// ParseDays reads "mon-fri", "mon,wed,fri", "sat-sun" (German short names
// too: mo-fr); "" or "daily" is every day. Days come back Monday first.
func ParseDays(s string) ([]time.Weekday, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "daily" || s == "*" {
		return nil, nil
	}
	set := map[time.Weekday]bool{}
	bad := fmt.Errorf("--days %q: days as mon-fri, mon,wed,fri or daily", s)
	for _, part := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, ok := dayNames[strings.TrimSpace(from)]
		if !ok {
			return nil, bad
		}
		b := a
		if isRange {
			if b, ok = dayNames[strings.TrimSpace(to)]; !ok {
				return nil, bad
			}
		}
		for d := a; ; d = (d + 1) % 7 { // sat-mon wraps over Sunday
			set[d] = true
			if d == b {
				break
			}
		}
	}
	var out []time.Weekday
	for i := 1; i <= 7; i++ {
		if d := time.Weekday(i % 7); set[d] {
			out = append(out, d)
		}
	}
	if len(out) == 7 {
		return nil, nil
	}
	return out, nil
}

// args are etl's arguments for the scheduled run: no progress bar, a log
// that reads well in a file.
func (p Plan) args() []string { return []string{"run", "--no-progress", p.Job} }

// SystemdService is the user service that runs the job once.
func (p Plan) SystemdService() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[Unit]\nDescription=etl %s (nightly run)\nWants=network-online.target\nAfter=network-online.target\n\n", p.Name)
	b.WriteString("[Service]\nType=oneshot\n")
	fmt.Fprintf(&b, "WorkingDirectory=%s\n", systemdQuote(p.WorkDir))
	if p.EnvFile != "" {
		fmt.Fprintf(&b, "EnvironmentFile=%s\n", systemdQuote(p.EnvFile))
	}
	cmd := []string{systemdQuote(p.Exe)}
	for _, a := range p.args() {
		cmd = append(cmd, systemdQuote(a))
	}
	fmt.Fprintf(&b, "ExecStart=%s\n", strings.Join(cmd, " "))
	fmt.Fprintf(&b, "StandardOutput=append:%s\nStandardError=append:%s\n", p.LogFile, p.LogFile)
	return b.String()
}

// OnCalendar is the timer's calendar expression, e.g. Mon,Tue *-*-* 02:30:00.
func (p Plan) OnCalendar() string {
	expr := fmt.Sprintf("*-*-* %02d:%02d:00", p.Hour, p.Minute)
	if len(p.Days) == 0 {
		return expr
	}
	names := make([]string, len(p.Days))
	for i, d := range p.Days {
		names[i] = d.String()[:3]
	}
	return strings.Join(names, ",") + " " + expr
}

// SystemdTimer starts the service at the time; Persistent catches up a run
// missed while the machine was off.
func (p Plan) SystemdTimer() string {
	return fmt.Sprintf("[Unit]\nDescription=etl %s at %02d:%02d\n\n[Timer]\nOnCalendar=%s\nPersistent=true\nUnit=%s.service\n\n[Install]\nWantedBy=timers.target\n",
		p.Name, p.Hour, p.Minute, p.OnCalendar(), p.Unit())
}

// systemdQuote quotes a word of a unit file when it holds a space or quote.
func systemdQuote(s string) string {
	if !strings.ContainsAny(s, " \t\"'\\") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// CronLine is the crontab line, tagged "# etl-<name>" so uninstall finds
// it. The environment file is sourced by the shell at run time.
func (p Plan) CronLine() string {
	dow := "*"
	if len(p.Days) > 0 {
		nums := make([]string, len(p.Days))
		for i, d := range p.Days {
			nums[i] = strconv.Itoa(int(d))
		}
		dow = strings.Join(nums, ",")
	}
	cmd := "cd " + shQuote(p.WorkDir) + " && "
	if p.EnvFile != "" {
		cmd += "set -a && . " + shQuote(p.EnvFile) + " && set +a && "
	}
	parts := []string{shQuote(p.Exe)}
	for _, a := range p.args() {
		parts = append(parts, shQuote(a))
	}
	cmd += strings.Join(parts, " ") + " >> " + shQuote(p.LogFile) + " 2>&1"
	// % ends a cron command: escape it
	cmd = strings.ReplaceAll(cmd, "%", `\%`)
	return fmt.Sprintf("%d %d * * %s %s # %s", p.Minute, p.Hour, dow, cmd, p.Unit())
}

func shQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`;&|<>()*?[]#~%!{}") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Task is the part of a Task Scheduler task definition this package
// writes (schema http://schemas.microsoft.com/windows/2004/02/mit/task).
type Task struct {
	XMLName     xml.Name `xml:"http://schemas.microsoft.com/windows/2004/02/mit/task Task"`
	Version     string   `xml:"version,attr"`
	Description string   `xml:"RegistrationInfo>Description"`
	URI         string   `xml:"RegistrationInfo>URI"`
	Trigger     Trigger  `xml:"Triggers>CalendarTrigger"`
	UserID      string   `xml:"Principals>Principal>UserId,omitempty"`
	LogonType   string   `xml:"Principals>Principal>LogonType"`
	Settings    Settings `xml:"Settings"`
	Command     string   `xml:"Actions>Exec>Command"`
	Arguments   string   `xml:"Actions>Exec>Arguments"`
	WorkingDir  string   `xml:"Actions>Exec>WorkingDirectory"`
}

// Trigger is a calendar trigger: every day, or weekly on some days.
type Trigger struct {
	StartBoundary string  `xml:"StartBoundary"`
	Enabled       bool    `xml:"Enabled"`
	ByDay         *ByDay  `xml:"ScheduleByDay,omitempty"`
	ByWeek        *ByWeek `xml:"ScheduleByWeek,omitempty"`
}

// ByDay runs every DaysInterval days.
type ByDay struct {
	DaysInterval int `xml:"DaysInterval"`
}

// ByWeek runs on DaysOfWeek every WeeksInterval weeks.
type ByWeek struct {
	DaysOfWeek    DaysOfWeek `xml:"DaysOfWeek"`
	WeeksInterval int        `xml:"WeeksInterval"`
}

// DaysOfWeek holds an empty element per day: <Monday/>.
type DaysOfWeek struct {
	Days []xml.Name `xml:",any"`
}

// MarshalXML writes <Monday/>... .
func (d DaysOfWeek) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, n := range d.Days {
		el := xml.StartElement{Name: xml.Name{Local: n.Local}}
		if err := e.EncodeToken(el); err != nil {
			return err
		}
		if err := e.EncodeToken(el.End()); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

// Settings of the task: one run at a time, catch up a missed start, stop
// after 12 hours, run on battery too.
type Settings struct {
	MultipleInstancesPolicy    string `xml:"MultipleInstancesPolicy"`
	DisallowStartIfOnBatteries bool   `xml:"DisallowStartIfOnBatteries"`
	StopIfGoingOnBatteries     bool   `xml:"StopIfGoingOnBatteries"`
	StartWhenAvailable         bool   `xml:"StartWhenAvailable"`
	ExecutionTimeLimit         string `xml:"ExecutionTimeLimit"`
	Enabled                    bool   `xml:"Enabled"`
}

// WindowsTask is the task definition. The action runs PowerShell, which
// loads the environment file (KEY=VALUE lines; # comments) into the
// process, changes to the job's folder and appends etl's output to the log.
func (p Plan) WindowsTask() Task {
	tr := Trigger{StartBoundary: fmt.Sprintf("2026-01-01T%02d:%02d:00", p.Hour, p.Minute), Enabled: true}
	if len(p.Days) == 0 {
		tr.ByDay = &ByDay{DaysInterval: 1}
	} else {
		w := &ByWeek{WeeksInterval: 1}
		for _, d := range p.Days {
			w.DaysOfWeek.Days = append(w.DaysOfWeek.Days, xml.Name{Local: d.String()})
		}
		tr.ByWeek = w
	}
	var ps strings.Builder
	ps.WriteString("$ErrorActionPreference='Stop'; ")
	if p.EnvFile != "" {
		fmt.Fprintf(&ps, "Get-Content -LiteralPath %s | ForEach-Object { if ($_ -match '^\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*=(.*)$') { [Environment]::SetEnvironmentVariable($Matches[1], $Matches[2].Trim().Trim('\"')) } }; ", psQuote(p.EnvFile))
	}
	args := make([]string, 0, 3)
	for _, a := range p.args() {
		args = append(args, psQuote(a))
	}
	fmt.Fprintf(&ps, "& %s %s *>> %s; exit $LASTEXITCODE", psQuote(p.Exe), strings.Join(args, " "), psQuote(p.LogFile))
	logon, user := "InteractiveToken", ""
	if p.S4U {
		logon, user = "S4U", p.User
	}
	return Task{
		UserID:      user,
		Version:     "1.2",
		Description: "etl run " + p.Job,
		URI:         `\` + p.Unit(),
		Trigger:     tr,
		LogonType:   logon,
		Settings: Settings{MultipleInstancesPolicy: "IgnoreNew", StartWhenAvailable: true,
			ExecutionTimeLimit: "PT12H", Enabled: true},
		Command:    "powershell.exe",
		Arguments:  "-NoProfile -NonInteractive -ExecutionPolicy Bypass -Command \"" + strings.ReplaceAll(ps.String(), `"`, `\"`) + "\"",
		WorkingDir: p.WorkDir,
	}
}

func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// WindowsXML is the task as text, for `schtasks /create /xml FILE`.
func (p Plan) WindowsXML() (string, error) {
	b, err := xml.MarshalIndent(p.WindowsTask(), "", "  ")
	if err != nil {
		return "", err
	}
	return `<?xml version="1.0" encoding="UTF-16"?>` + "\n" + string(b) + "\n", nil
}

// UTF16File is text as schtasks reads it best: UTF-16 little endian with
// a byte order mark.
func UTF16File(s string) []byte {
	u := utf16.Encode([]rune(strings.ReplaceAll(s, "\n", "\r\n")))
	out := make([]byte, 2, 2+2*len(u))
	out[0], out[1] = 0xFF, 0xFE
	for _, c := range u {
		out = append(out, byte(c), byte(c>>8))
	}
	return out
}
