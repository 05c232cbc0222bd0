package priority

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/wawi-etl/etl/internal/testkit"
)

// threadNices is the nice value of every thread of this process.
func threadNices() ([]int, error) { return testkit.ThreadNices(os.Getpid()) }

// TestMain runs a child's part when the parent test asks for one: a test
// process cannot lower itself without slowing every test after it.
func TestMain(m *testing.M) {
	switch os.Getenv("PRIORITY_CHILD") {
	case "":
		os.Exit(m.Run())
	case "preset15":
		for _, n := range listTasks() {
			unix.Setpriority(unix.PRIO_PROCESS, n, 15)
		}
		fallthrough
	case "low", "normal":
		l := Low
		if os.Getenv("PRIORITY_CHILD") == "normal" {
			l = Normal
		}
		if err := Apply(l); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		// a thread the runtime starts afterwards, for a goroutine that
		// keeps its own
		done := make(chan struct{})
		go func() {
			runtime.LockOSThread()
			<-done
		}()
		for range 100 {
			go func() { <-done }()
		}
		runtime.Gosched()
		nices, err := threadNices()
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println(nices)
		close(done)
		os.Exit(0)
	}
}

func listTasks() []int {
	names, _ := os.ReadDir("/proc/self/task")
	var tids []int
	for _, n := range names {
		if v, err := strconv.Atoi(n.Name()); err == nil {
			tids = append(tids, v)
		}
	}
	return tids
}

// ownNice is the nice value the test process runs at.
func ownNice(t *testing.T) int {
	t.Helper()
	nices, err := threadNices()
	if err != nil {
		t.Fatal(err)
	}
	return nices[0]
}

func child(t *testing.T, mode string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PRIORITY_CHILD="+mode)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", mode, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestLowSetsEveryThreadIncludingLaterOnes(t *testing.T) {
	if n := ownNice(t); n >= lowNice {
		t.Skipf("the tests run at nice %d already", n)
	}
	out := child(t, "low")
	nices := strings.Fields(strings.Trim(out, "[]"))
	if len(nices) < 3 {
		t.Fatalf("child reported %q: expected several threads", out)
	}
	for _, n := range nices {
		if n != strconv.Itoa(lowNice) {
			t.Fatalf("thread nice values after Apply(Low): %s, want all %d", out, lowNice)
		}
	}
}

func TestNormalChangesNothing(t *testing.T) {
	start := ownNice(t)
	if start >= lowNice {
		t.Skipf("the tests run at nice %d already", start)
	}
	out := child(t, "normal")
	for _, n := range strings.Fields(strings.Trim(out, "[]")) {
		if n != strconv.Itoa(start) {
			t.Fatalf("thread nice values after Apply(Normal): %s, want all %d", out, start)
		}
	}
}

func TestLowNeverRaises(t *testing.T) {
	out := child(t, "preset15")
	for _, n := range strings.Fields(strings.Trim(out, "[]")) {
		if n != "15" {
			t.Fatalf("a process at nice 15 after Apply(Low): %s, want all 15", out)
		}
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Level{"low": Low, "normal": Normal} {
		if got, ok := Parse(in); !ok || got != want {
			t.Errorf("Parse(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "high", "Low", "idle"} {
		if _, ok := Parse(in); ok {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
}
