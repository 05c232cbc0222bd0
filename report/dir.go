package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// DefaultRoot is the folder that holds each job's report folder.
const DefaultRoot = "reports"

// Dir is the report folder of a run: dir when one is given (--report-dir
// or options.report_dir), else reports/<job name>. A job name cannot lead
// out of the reports folder: it becomes one folder name (FolderName). A
// dir that exists and is no folder is refused, so the run stops before it
// writes anything.
func Dir(dir, jobName string) (string, error) {
	if dir == "" {
		dir = filepath.Join(DefaultRoot, FolderName(jobName))
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return "", fmt.Errorf("report folder %s is a file: name a folder with --report-dir (or options.report_dir)", dir)
	}
	return dir, nil
}

// FolderName makes a job name one safe folder name: path separators, a
// drive colon and control characters become _, and leading dots go, so
// "../../x" is "_.._x" and never a path of its own. An empty result is
// "job".
func FolderName(name string) string {
	s := strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\' || r == ':' || unicode.IsControl(r):
			return '_'
		case strings.ContainsRune(`<>"|?*`, r): // Windows refuses these
			return '_'
		}
		return r
	}, name)
	s = strings.TrimLeft(s, ".")
	s = strings.TrimRight(s, ". ") // Windows drops trailing dots and spaces
	if s == "" {
		return "job"
	}
	return s
}
