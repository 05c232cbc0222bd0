package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// leftovers lists the files of dir other than the named ones.
func leftovers(t *testing.T, dir string, want ...string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		keep := false
		for _, w := range want {
			keep = keep || e.Name() == w
		}
		if !keep {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestCommitReplacesWithPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	dir := filepath.Join(t.TempDir(), "reports", "job")
	path := filepath.Join(dir, "summary.json")
	if err := WriteFile(path, []byte("old"), Private); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("new"), Private); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != "new" {
		t.Fatalf("content %q", b)
	}
	fi, _ := os.Stat(path)
	di, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Fatalf("file %v folder %v, want 0600 and 0700", fi.Mode().Perm(), di.Mode().Perm())
	}
	if l := leftovers(t, dir, "summary.json"); len(l) > 0 {
		t.Fatalf("left behind: %v", l)
	}
}

func TestKeepMode(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	path := filepath.Join(t.TempDir(), "out.csv")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o640)
	if err := WriteFile(path, []byte("new"), Options{KeepMode: true, Writeback: true}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v, want the replaced file's 0640", fi.Mode().Perm())
	}
	fresh := filepath.Join(filepath.Dir(path), "fresh.csv")
	if err := WriteFile(fresh, nil, Options{KeepMode: true}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o644 {
		t.Fatalf("new file mode %v, want 0644", fi.Mode().Perm())
	}
}

func TestDiscardAndFailedWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "diff.xlsx")
	if err := os.WriteFile(path, []byte("previous"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := Create(path, Private)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(a, "half")
	if err := a.Discard(); err != nil {
		t.Fatal(err)
	}
	if err := a.Commit(); err == nil {
		t.Fatal("commit after discard succeeded")
	}
	boom := errors.New("boom")
	if err := WriteTo(path, Private, func(w io.Writer) error { io.WriteString(w, "x"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "previous" {
		t.Fatalf("target changed to %q", b)
	}
	if l := leftovers(t, dir, "diff.xlsx"); len(l) > 0 {
		t.Fatalf("left behind: %v", l)
	}
}

// A rename onto a workbook that Excel shows fails on Windows; the message
// says to close it, and nothing but the previous file is left.
func TestRenameOntoOpenFile(t *testing.T) {
	errLocked := errors.New("The process cannot access the file because it is being used by another process.")
	oldRename, oldInUse := rename, inUse
	t.Cleanup(func() { rename, inUse = oldRename, oldInUse })
	rename = func(from, to string) error { return &os.LinkError{Op: "rename", Old: from, New: to, Err: errLocked} }
	inUse = func(err error) bool { return errors.Is(err, errLocked) }

	dir := t.TempDir()
	path := filepath.Join(dir, "errors.xlsx")
	if err := os.WriteFile(path, []byte("previous"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(path, []byte("new"), Private)
	var iu *InUseError
	if !errors.As(err, &iu) || !errors.Is(err, errLocked) {
		t.Fatalf("err %v, want an InUseError wrapping the rename's", err)
	}
	msg := err.Error()
	for _, want := range []string{"close " + path + " (open in another program?)", "previous file is left intact", "temporary file) was removed"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if b, _ := os.ReadFile(path); string(b) != "previous" {
		t.Fatalf("target changed to %q", b)
	}
	if l := leftovers(t, dir, "errors.xlsx"); len(l) > 0 {
		t.Fatalf("temp file left behind: %v", l)
	}

	// another rename error is passed on as it is
	other := errors.New("disk gone")
	rename = func(string, string) error { return other }
	if err := WriteFile(path, []byte("new"), Private); !errors.Is(err, other) || errors.As(err, &iu) {
		t.Fatalf("err %v", err)
	}
}

// Sync ahead of Commit: the temporary file holds the data and the
// permission already; a write after it is committed too.
func TestSyncThenCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "EXTF_1.csv")
	a, err := Create(path, Options{Perm: 0o640})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(a.TempName()); err != nil || fi.Mode().Perm() != 0o640 {
			t.Fatalf("temporary file after Sync: %v %v, want 0640", fi.Mode().Perm(), err)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("target exists before Commit: %v", err)
	}
	if _, err := a.Write([]byte("b")); err != nil {
		t.Fatal(err)
	}
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "ab" {
		t.Fatalf("content %q", b)
	}
	if err := a.Sync(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Sync after Commit: %v", err)
	}
}

// CommitAll renames every file and syncs each folder once; a failed rename
// keeps the files committed before it, leaves its own target as it was
// and discards the files after it.
func TestCommitAll(t *testing.T) {
	oldSync, oldRename := syncDir, rename
	t.Cleanup(func() { syncDir, rename = oldSync, oldRename })
	synced := map[string]int{}
	syncDir = func(dir string) { synced[dir]++ }

	a, b := t.TempDir(), t.TempDir()
	paths := []string{filepath.Join(a, "EXTF_1.csv"), filepath.Join(a, "EXTF_2.csv"), filepath.Join(b, "EXTF_3.csv")}
	create := func() []*File {
		var files []*File
		for i, p := range paths {
			f, err := Create(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write([]byte{'1' + byte(i)}); err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		return files
	}
	if err := CommitAll(create()...); err != nil {
		t.Fatal(err)
	}
	for i, p := range paths {
		if got, _ := os.ReadFile(p); string(got) != string(rune('1'+i)) {
			t.Fatalf("%s: %q", p, got)
		}
	}
	if len(synced) != 2 || synced[a] != 1 || synced[b] != 1 {
		t.Fatalf("folder syncs %v, want each of the two folders once", synced)
	}

	// the second rename fails
	for _, p := range paths {
		if err := os.WriteFile(p, []byte("previous"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	clear(synced)
	failed := errors.New("disk gone")
	rename = func(from, to string) error {
		if to == paths[1] {
			return failed
		}
		return os.Rename(from, to)
	}
	files := create()
	if err := CommitAll(files...); !errors.Is(err, failed) {
		t.Fatalf("err %v, want the rename's", err)
	}
	want := []string{"1", "previous", "previous"}
	for i, p := range paths {
		if got, _ := os.ReadFile(p); string(got) != want[i] {
			t.Errorf("%s: %q, want %q", p, got, want[i])
		}
	}
	if l := append(leftovers(t, a, "EXTF_1.csv", "EXTF_2.csv"), leftovers(t, b, "EXTF_3.csv")...); len(l) > 0 {
		t.Fatalf("temporary files left behind: %v", l)
	}
	if synced[a] != 1 || len(synced) != 1 {
		t.Fatalf("folder syncs %v, want the first file's folder once", synced)
	}
	if err := files[2].Commit(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Commit of a discarded file: %v", err)
	}
}
