package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wawi-etl/etl/internal/remote"
)

// A source.path of https://, sftp://, ftps:// or ftp:// is downloaded once,
// before the run opens its source, into a file in the state folder
// (internal/remote); the run then goes on with a copy of the job whose
// source.path is that file. So every file source reads it as a local file
// of the type its extension names, the import reopening the source for its
// second pass reads the same bytes, and the journal knows the input by the
// file's content hash as before: the same remote file twice imports
// nothing.

// IsRemote reports whether a source path is a URL to download.
func IsRemote(p string) bool { return remote.IsRemote(p) }

// remoteExt is the extension of a URL's path, without query or fragment.
func remoteExt(p string) string { return remote.Ext(p) }

// RedactURL is a URL fit for logs and errors: no user info, no query (either
// may hold a secret).
func RedactURL(raw string) string { return remote.Redact(raw) }

// stateDirOf is the run's state folder: --state-dir, options.state_dir, or
// .etl-state beside the job file.
func stateDirOf(job *Job, o RunOptions) string {
	switch {
	case o.StateDir != "":
		return o.StateDir
	case job.Options.StateDir != "":
		return job.Options.StateDir
	}
	return filepath.Join(job.Dir, ".etl-state")
}

// remoteOptions turns source.remote into the fetcher's options; files it
// names are relative to the job file, ~/ to the home folder.
func remoteOptions(job *Job, log *slog.Logger, now func() time.Time) (remote.Options, error) {
	o := remote.Options{Log: log, Now: now}
	spec := job.Source.Remote
	if spec == nil {
		return o, nil
	}
	o.Username, o.Password, o.Token = spec.Username, spec.Password, spec.Token
	o.InsecureHTTP, o.InsecureFTP = spec.InsecureHTTP, spec.InsecureFTP
	o.Retries, o.MaxBytes = spec.Retries, spec.MaxBytes
	o.HostKey, o.AcceptUnknownHost = spec.HostKey, spec.AcceptUnknownHost
	o.KeyPassphrase, o.SSHAgent = spec.KeyPassphrase, spec.SSHAgent
	if spec.Timeout != "" {
		d, err := time.ParseDuration(spec.Timeout)
		if err != nil || d <= 0 {
			return o, fmt.Errorf("source.remote.timeout %q: a duration such as 2m", spec.Timeout)
		}
		o.Timeout = d
	}
	file := func(p string) string {
		if rest, ok := strings.CutPrefix(p, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				return filepath.Join(home, rest)
			}
		}
		if p != "" && !filepath.IsAbs(p) {
			return filepath.Join(job.Dir, p)
		}
		return p
	}
	o.KnownHosts, o.KeyFile, o.CAFile = file(spec.KnownHosts), file(spec.KeyFile), file(spec.CAFile)
	return o, nil
}

// fetched is the source file of a run: where it was read, and for a
// remote one what Move needs.
type fetched struct {
	path   string       // the local file read
	remote *remote.File // nil for a local file
}

// localSource downloads a remote source.path and returns a copy of the job
// reading the downloaded file, and a cleanup that removes it. A local path
// returns the job itself.
func localSource(ctx context.Context, job *Job, stateDir string, o RunOptions) (*Job, *fetched, func(), error) {
	if !IsRemote(job.Source.Path) {
		return job, &fetched{path: job.Source.Path}, func() {}, nil
	}
	ro, err := remoteOptions(job, o.Logger, o.Now)
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := remote.Fetch(ctx, job.Source.Path, ro, filepath.Join(stateDir, "downloads"))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("source.path %w", err)
	}
	cp := *job
	cp.Source.Path = f.Local
	return &cp, &fetched{path: f.Local, remote: f}, func() { os.Remove(f.Local) }, nil
}

// afterRun carries out source.after once the run is over: the source file
// is moved only when the import succeeded — not on a dry run, a tripped
// guardrail, a failed record or a run that stopped. A move that fails is
// logged and leaves the outcome: the file was imported, and the next run
// of it imports nothing and moves it then.
func (r *runner) afterRun(ctx context.Context, orig *Job, f *fetched, runErr error) {
	a := orig.Source.After
	sum := r.sum
	if f != nil && f.remote != nil {
		sum.SourceFile = f.remote.URL // after the passes, which reset the summary
	}
	if a == nil || a.MoveTo == "" || f == nil || f.path == "" || r.opts.DryRun || runErr != nil ||
		sum.Failed > 0 || sum.DeletesFailed > 0 || sum.AlreadyImportedFailed > 0 || len(sum.Guardrails) > 0 || sum.PlanOnly || sum.Interrupted {
		return
	}
	var dest string
	var err error
	if f.remote != nil {
		var ro remote.Options
		if ro, err = remoteOptions(orig, r.log, r.opts.Now); err == nil {
			dest, err = remote.Move(context.WithoutCancel(ctx), f.remote, a.MoveTo, ro)
		}
	} else {
		dest, err = remote.MoveLocal(f.path, a.MoveTo, r.opts.Now())
	}
	if err != nil {
		r.log.Error("source file not moved (source.after.move_to)", "error", err.Error())
		return
	}
	sum.MovedTo = dest
	if f.remote == nil {
		r.log.Info("source moved", "to", dest)
	}
}
