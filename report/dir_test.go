package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFolderName(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"prices", "prices"},
		{"../../x", "_.._x"},
		{"..", "job"},
		{"", "job"},
		{"/etc/passwd", "_etc_passwd"},
		{`C:\Windows`, "C__Windows"},
		{".hidden", "hidden"},
		{"Preise März", "Preise März"},
		{"a\x00b", "a_b"},
	} {
		got := FolderName(c.in)
		if got != c.want {
			t.Errorf("FolderName(%q) = %q, want %q", c.in, got, c.want)
		}
		if !filepath.IsLocal(got) || filepath.Base(got) != got {
			t.Errorf("FolderName(%q) = %q is not one local folder", c.in, got)
		}
	}
}

func TestDir(t *testing.T) {
	dir := t.TempDir()
	if got, err := Dir("", "../../x"); err != nil || got != filepath.Join("reports", "_.._x") {
		t.Errorf("Dir = %q, %v", got, err)
	}
	if got, err := Dir(dir, "ignored"); err != nil || got != dir {
		t.Errorf("Dir = %q, %v", got, err)
	}
	missing := filepath.Join(dir, "new", "folder")
	if got, err := Dir(missing, "j"); err != nil || got != missing {
		t.Errorf("a folder still to make: Dir = %q, %v", got, err)
	}
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Dir(file, "j"); err == nil || !strings.Contains(err.Error(), "is a file") {
		t.Errorf("a file: err = %v", err)
	}
}
