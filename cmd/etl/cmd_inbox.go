package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/wawi-etl/etl/internal/remote"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/report"
)

// etl run --inbox DIR JOB.yaml runs the job once for every file in DIR, in
// the order the files arrived, each with its own report folder, and moves
// each into DIR/done or DIR/failed. A file whose size or time changes
// while the command looks twice is still being written and stays for the
// next run.

// defaultInboxSettle is how long the inbox watches a file before taking it.
const defaultInboxSettle = 5 * time.Second

// inboxWait waits between the two looks at the inbox; tests replace it to
// grow a file meanwhile instead of waiting.
var inboxWait = func(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// inboxFile is a file of the inbox as one look saw it.
type inboxFile struct {
	path    string
	size    int64
	modTime time.Time
}

// lookAtInbox lists the files of dir, oldest first (then by name). Folders,
// hidden files and the .part files of uploads in progress are not inputs.
func lookAtInbox(dir string) ([]inboxFile, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []inboxFile
	for _, de := range des {
		name := de.Name()
		if strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".part") || strings.HasSuffix(name, ".tmp") {
			continue
		}
		fi, err := de.Info()
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		out = append(out, inboxFile{path: filepath.Join(dir, name), size: fi.Size(), modTime: fi.ModTime()})
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].modTime.Equal(out[j].modTime) {
			return out[i].modTime.Before(out[j].modTime)
		}
		return out[i].path < out[j].path
	})
	return out, nil
}

// settledFiles are the files of dir that did not change between two looks
// settle apart, in arrival order; the others are logged and left.
func settledFiles(ctx context.Context, log *slog.Logger, dir string, settle time.Duration) ([]inboxFile, error) {
	first, err := lookAtInbox(dir)
	if err != nil || len(first) == 0 {
		return nil, err
	}
	if err := inboxWait(ctx, settle); err != nil {
		return nil, err
	}
	second, err := lookAtInbox(dir)
	if err != nil {
		return nil, err
	}
	seen := map[string]inboxFile{}
	for _, f := range first {
		seen[f.path] = f
	}
	var ready []inboxFile
	for _, f := range second {
		was, ok := seen[f.path]
		switch {
		case !ok:
			log.Info("inbox: file arrived just now, left for the next run", "file", f.path)
		case was.size != f.size || !was.modTime.Equal(f.modTime):
			log.Info("inbox: file still being written, left for the next run", "file", f.path, "bytes", f.size)
		default:
			ready = append(ready, f)
		}
	}
	return ready, nil
}

func runInbox(ctx context.Context, stdout, stderr io.Writer, args []string, o runOptions) error {
	log, err := newLogger(stderr, o.logFormat)
	if err != nil {
		return withCode(exitCannotStart, o.lang.Errorf("log.format", o.logFormat))
	}
	if len(args) != 1 {
		return withCode(exitCannotStart, errors.New("--inbox runs one job: etl run --inbox DIR JOB.yaml"))
	}
	if o.source != "" {
		return withCode(exitCannotStart, errors.New("--inbox and --source exclude each other: the inbox names the files"))
	}
	if fi, err := os.Stat(o.inbox); err != nil || !fi.IsDir() {
		return withCode(exitCannotStart, fmt.Errorf("--inbox %s: not a folder", o.inbox))
	}
	settle := o.inboxSettle
	if settle < 0 {
		settle = 0
	}
	files, err := settledFiles(ctx, log, o.inbox, settle)
	if err != nil {
		return withCode(exitCannotStart, fmt.Errorf("--inbox %s: %w", o.inbox, err))
	}
	if len(files) == 0 {
		log.Info("inbox: no file to import", "folder", o.inbox)
		return nil
	}
	jobPath := args[0]
	base, err := inboxReportRoot(jobPath, files[0].path, o)
	if err != nil {
		return withCode(exitCannotStart, err)
	}
	worst := exitOK
	for _, f := range files {
		name := filepath.Base(f.path)
		fo := o
		fo.source = f.path
		fo.inboxFile = true
		fo.reportDir = filepath.Join(base, report.FolderName(strings.TrimSuffix(name, filepath.Ext(name))))
		log.Info("inbox: importing", "file", f.path, "reports", fo.reportDir)
		code, err := runOne(ctx, stdout, stderr, log, jobPath, fo, false)
		if err != nil {
			errorLine(stderr, o.logFormat == "json", name+": "+err.Error())
		}
		worst = worse(worst, code)
		if code == exitInterrupted {
			break // the file stays for the next run
		}
		if o.dryRun {
			continue // a dry run changes nothing, in the inbox neither
		}
		to := "done"
		if code != exitOK {
			to = "failed"
		}
		dest, err := remote.MoveLocal(f.path, filepath.Join(o.inbox, to), time.Now())
		if err != nil {
			errorLine(stderr, o.logFormat == "json", name+": cannot move it to "+to+"/: "+err.Error())
			worst = worse(worst, exitCannotStart)
			continue
		}
		log.Info("inbox: file moved", "file", dest)
	}
	if worst == exitOK {
		return nil
	}
	return withCode(worst, errors.New("")) // reported per file
}

// inboxReportRoot is the folder that holds a report folder per inbox file:
// --report-dir, options.report_dir, or reports/<job name>.
func inboxReportRoot(jobPath, first string, o runOptions) (string, error) {
	if o.reportDir != "" {
		return o.reportDir, nil
	}
	// the job is loaded with a file of the inbox: one without source.path
	// is complete only with it
	sets := append(append([]string(nil), o.sets...), "source.path="+first)
	job, err := loadJob(o.lang, jobPath, pipeline.LoadOptions{Sets: sets})
	if err != nil {
		return "", err
	}
	if job.Options.ReportDir != "" {
		return job.Options.ReportDir, nil
	}
	return filepath.Join(report.DefaultRoot, report.FolderName(jobName(job))), nil
}

// setsKey reports whether a --set names key or a key below it.
func setsKey(sets []string, key string) bool {
	for _, s := range sets {
		k, _, _ := strings.Cut(s, "=")
		if k == key || strings.HasPrefix(k, key+".") {
			return true
		}
	}
	return false
}
