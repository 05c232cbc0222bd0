package schedule

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

func plan(t *testing.T, days string) Plan {
	t.Helper()
	d, err := ParseDays(days)
	if err != nil {
		t.Fatal(err)
	}
	return Plan{Name: "supplier prices", Exe: "/opt/etl/etl", Job: "/srv/jobs/prices.yaml", WorkDir: "/srv/jobs",
		EnvFile: "/srv/jobs/etl.env", LogFile: "/srv/jobs/logs/etl-prices.log", Hour: 2, Minute: 30, Days: d}
}

func TestParseDays(t *testing.T) {
	wd := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	for in, want := range map[string][]time.Weekday{
		"mon-fri": wd, "Mo-Fr": wd, "sat,sun": {time.Saturday, time.Sunday}, "fri-mon": {time.Monday, time.Friday, time.Saturday, time.Sunday},
		"": nil, "daily": nil, "mon-sun": nil,
	} {
		got, err := ParseDays(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseDays(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseDays("monday-xyz"); err == nil {
		t.Error("a wrong day was accepted")
	}
	if h, m, err := ParseAt("02:30"); h != 2 || m != 30 || err != nil {
		t.Errorf("ParseAt: %d %d %v", h, m, err)
	}
	if _, _, err := ParseAt("25:00"); err == nil {
		t.Error("25:00 accepted")
	}
}

// unitKeys reads a unit file's Key=Value lines by section.
func unitKeys(text string) map[string]string {
	out, section := map[string]string{}, ""
	for _, l := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(l, "["):
			section = strings.Trim(l, "[]")
		case strings.Contains(l, "="):
			k, v, _ := strings.Cut(l, "=")
			out[section+"."+k] = v
		}
	}
	return out
}

func TestSystemdUnits(t *testing.T) {
	p := plan(t, "mon-fri")
	if p.Unit() != "etl-supplier-prices" {
		t.Errorf("unit %q", p.Unit())
	}
	svc := unitKeys(p.SystemdService())
	for k, want := range map[string]string{
		"Service.Type": "oneshot", "Service.WorkingDirectory": "/srv/jobs", "Service.EnvironmentFile": "/srv/jobs/etl.env",
		"Service.ExecStart": "/opt/etl/etl run --no-progress /srv/jobs/prices.yaml", "Service.StandardOutput": "append:/srv/jobs/logs/etl-prices.log",
	} {
		if svc[k] != want {
			t.Errorf("service %s = %q, want %q", k, svc[k], want)
		}
	}
	tm := unitKeys(p.SystemdTimer())
	if tm["Timer.OnCalendar"] != "Mon,Tue,Wed,Thu,Fri *-*-* 02:30:00" || tm["Timer.Persistent"] != "true" ||
		tm["Timer.Unit"] != "etl-supplier-prices.service" || tm["Install.WantedBy"] != "timers.target" {
		t.Errorf("timer: %v", tm)
	}
	if got := unitKeys(plan(t, "").SystemdTimer())["Timer.OnCalendar"]; got != "*-*-* 02:30:00" {
		t.Errorf("daily OnCalendar %q", got)
	}
	p.WorkDir = "/srv/my jobs"
	if got := unitKeys(p.SystemdService())["Service.WorkingDirectory"]; got != `"/srv/my jobs"` {
		t.Errorf("a folder with a space: %s", got)
	}
}

func TestCronLine(t *testing.T) {
	p := plan(t, "mon-fri")
	p.WorkDir = "/srv/my jobs"
	f := strings.Fields(p.CronLine())
	if strings.Join(f[:5], " ") != "30 2 * * 1,2,3,4,5" || f[len(f)-1] != "etl-supplier-prices" {
		t.Fatalf("cron line %q", p.CronLine())
	}
	for _, want := range []string{"cd '/srv/my jobs' &&", "set -a && . /srv/jobs/etl.env && set +a", "/opt/etl/etl run --no-progress /srv/jobs/prices.yaml >> /srv/jobs/logs/etl-prices.log 2>&1"} {
		if !strings.Contains(p.CronLine(), want) {
			t.Errorf("cron line lacks %q: %s", want, p.CronLine())
		}
	}
}

// readTask decodes the UTF-16 file schtasks gets and parses its XML.
func readTask(t *testing.T, b []byte) (task struct {
	URI     string `xml:"RegistrationInfo>URI"`
	Start   string `xml:"Triggers>CalendarTrigger>StartBoundary"`
	DaysAny struct {
		Days []struct{ XMLName xml.Name } `xml:",any"`
	} `xml:"Triggers>CalendarTrigger>ScheduleByWeek>DaysOfWeek"`
	Daily     int    `xml:"Triggers>CalendarTrigger>ScheduleByDay>DaysInterval"`
	Command   string `xml:"Actions>Exec>Command"`
	Arguments string `xml:"Actions>Exec>Arguments"`
	WorkDir   string `xml:"Actions>Exec>WorkingDirectory"`
}) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte{0xFF, 0xFE}) {
		t.Fatal("no UTF-16 byte order mark")
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 2; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])|uint16(b[i+1])<<8)
	}
	d := xml.NewDecoder(strings.NewReader(string(utf16.Decode(u))))
	d.CharsetReader = func(label string, r io.Reader) (io.Reader, error) { return r, nil } // decoded above
	if err := d.Decode(&task); err != nil {
		t.Fatal(err)
	}
	return task
}

func TestWindowsTaskXML(t *testing.T) {
	p := plan(t, "mon-fri")
	p.Exe, p.Job, p.WorkDir, p.EnvFile, p.LogFile = `C:\etl\etl.exe`, `C:\Jobs\prices.yaml`, `C:\Jobs`, `C:\Jobs\etl.env`, `C:\Jobs\logs\etl.log`
	x, err := p.WindowsXML()
	if err != nil {
		t.Fatal(err)
	}
	task := readTask(t, UTF16File(x))
	var days []string
	for _, d := range task.DaysAny.Days {
		days = append(days, d.XMLName.Local)
	}
	if strings.Join(days, ",") != "Monday,Tuesday,Wednesday,Thursday,Friday" || !strings.HasSuffix(task.Start, "T02:30:00") {
		t.Errorf("days %v start %s", days, task.Start)
	}
	if task.URI != `\etl-supplier-prices` || task.Command != "powershell.exe" || task.WorkDir != `C:\Jobs` {
		t.Errorf("task %+v", task)
	}
	for _, want := range []string{`'C:\etl\etl.exe' 'run' '--no-progress' 'C:\Jobs\prices.yaml' *>> 'C:\Jobs\logs\etl.log'`, `Get-Content -LiteralPath 'C:\Jobs\etl.env'`} {
		if !strings.Contains(task.Arguments, want) {
			t.Errorf("arguments lack %s: %s", want, task.Arguments)
		}
	}
	x, _ = plan(t, "").WindowsXML()
	if daily := readTask(t, UTF16File(x)); daily.Daily != 1 || len(daily.DaysAny.Days) != 0 {
		t.Errorf("daily: %+v", daily)
	}
}

type fakeSystem struct {
	tools map[string]bool
	calls []string
	stdin map[string]string
	table string
}

func (f *fakeSystem) system(home string) System {
	return System{Home: home, TaskDir: filepath.Join(home, "tasks"), Out: io.Discard,
		LookPath: func(n string) (string, error) {
			if f.tools[n] {
				return "/usr/bin/" + n, nil
			}
			return "", errors.New("not found")
		},
		Run: func(stdin []byte, name string, args ...string) ([]byte, error) {
			c := name + " " + strings.Join(args, " ")
			f.calls = append(f.calls, c)
			if c == "crontab -l" {
				return []byte(f.table), nil
			}
			if c == "crontab -" {
				f.table = string(stdin)
			}
			return nil, nil
		}}
}

func TestInstallSystemdWithoutSystemctl(t *testing.T) {
	home := t.TempDir()
	p := plan(t, "mon-fri")
	p.LogFile = filepath.Join(home, "logs", "x.log")
	f := &fakeSystem{}
	err := f.system(home).Install(p, Systemd)
	if !errors.Is(err, ErrManual) || !strings.Contains(err.Error(), "systemctl --user enable --now etl-supplier-prices.timer") {
		t.Fatalf("err %v", err)
	}
	for _, n := range []string{"etl-supplier-prices.service", "etl-supplier-prices.timer"} {
		if _, err := os.Stat(filepath.Join(home, ".config/systemd/user", n)); err != nil {
			t.Errorf("%s not written: %v", n, err)
		}
	}
	if len(f.calls) != 0 {
		t.Errorf("ran %v", f.calls)
	}

	f.tools = map[string]bool{"systemctl": true}
	if err := f.system(home).Install(p, Systemd); err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.calls, "; ") != "systemctl --user daemon-reload; systemctl --user enable --now etl-supplier-prices.timer" {
		t.Errorf("calls %v", f.calls)
	}
	f.calls = nil
	if err := f.system(home).Uninstall(p, Systemd); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, ".config/systemd/user/etl-supplier-prices.timer")); !os.IsNotExist(err) {
		t.Error("timer left after uninstall")
	}
	if strings.Join(f.calls, "; ") != "systemctl --user disable --now etl-supplier-prices.timer; systemctl --user daemon-reload" {
		t.Errorf("calls %v", f.calls)
	}
}

func TestInstallCronKeepsOtherLines(t *testing.T) {
	home := t.TempDir()
	p := plan(t, "")
	p.LogFile = filepath.Join(home, "logs", "x.log")
	f := &fakeSystem{tools: map[string]bool{"crontab": true}, table: "0 1 * * * backup\n0 3 * * * old # etl-supplier-prices\n"}
	if err := f.system(home).Install(p, Cron); err != nil {
		t.Fatal(err)
	}
	if f.table != "0 1 * * * backup\n"+p.CronLine()+"\n" {
		t.Errorf("crontab:\n%s", f.table)
	}
	if err := f.system(home).Uninstall(p, Cron); err != nil || f.table != "0 1 * * * backup\n" {
		t.Errorf("after uninstall (%v):\n%s", err, f.table)
	}
	err := (&fakeSystem{}).system(home).Install(p, Cron)
	if !errors.Is(err, ErrManual) || !strings.Contains(err.Error(), p.CronLine()) {
		t.Errorf("without crontab: %v", err)
	}
}
