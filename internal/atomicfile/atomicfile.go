// Package atomicfile writes a file so that readers see either the previous
// file or the complete new one, never a part: the data goes to a temporary
// file beside the target (".<name>.tmp-*", on the same file system), is
// synced, and is renamed over the target only on Commit. Discard, or any
// failure on the way, removes the temporary file and leaves the target as it
// was. A crash can leave a temporary file behind; its name keeps it from
// being taken for output.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Private is the permission of files that hold customer data (reports:
// names, prices): readable by the owner only.
var Private = Options{Perm: 0o600, DirPerm: 0o700}

// Options say how a file is created. The zero value gives 0644 files in 0755
// folders.
type Options struct {
	// Perm is the permission of the new file (default 0644).
	Perm os.FileMode
	// DirPerm is the permission of parent folders created for it (default
	// 0755). Existing folders keep theirs.
	DirPerm os.FileMode
	// KeepMode gives the new file the permission of the file it replaces, if
	// there is one, instead of Perm.
	KeepMode bool
	// Writeback starts the disk writes of large files while they are being
	// written (Linux), so that the sync at Commit has less left to wait for.
	Writeback bool
}

// File is a file being written. Write to it, then Commit or Discard; both
// may be called after the other, and more than once: only the first counts.
type File struct {
	f    *os.File
	w    io.Writer
	path string
	opts Options
	done bool
	// synced: Sync ran and nothing was written since
	synced bool
}

// Create makes the parent folders of path and a temporary file beside it.
func Create(path string, opts Options) (*File, error) {
	if opts.Perm == 0 {
		opts.Perm = 0o644
	}
	if opts.DirPerm == 0 {
		opts.DirPerm = 0o755
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, opts.DirPerm); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	a := &File{f: f, w: f, path: path, opts: opts}
	if opts.Writeback {
		a.w = earlyWriteback(f)
	}
	return a, nil
}

// Write writes to the temporary file.
func (a *File) Write(p []byte) (int, error) {
	if a.done {
		return 0, os.ErrClosed
	}
	a.synced = false
	return a.w.Write(p)
}

// Sync writes the temporary file to disk ahead of Commit, which then only
// renames it: a sink with several files syncs them at the same time
// instead of one after the other. A write after Sync makes Commit sync
// again.
func (a *File) Sync() error {
	if a.done {
		return os.ErrClosed
	}
	if err := a.prepare(); err != nil {
		return err
	}
	a.synced = true
	return nil
}

// prepare gives the temporary file its permission and syncs it (the data
// and the permission).
func (a *File) prepare() error {
	mode := a.opts.Perm
	if a.opts.KeepMode {
		if fi, err := os.Stat(a.path); err == nil && fi.Mode().IsRegular() {
			mode = fi.Mode().Perm()
		}
	}
	if err := a.f.Chmod(mode); err != nil {
		return err
	}
	return a.f.Sync()
}

// Path is the target the file is renamed to on Commit.
func (a *File) Path() string { return a.path }

// TempName is the path of the temporary file.
func (a *File) TempName() string { return a.f.Name() }

// Commit syncs the temporary file, sets its permission and renames it over
// the target. On any failure the temporary file is removed and the target
// left as it was.
func (a *File) Commit() error {
	if err := a.commit(); err != nil {
		return err
	}
	syncDir(filepath.Dir(a.path))
	return nil
}

// CommitAll commits files as Commit does, in order, and then syncs each of
// their folders once instead of once per file: a sink writing one file a
// month makes their renames durable together. At the first failure it
// discards the files not committed yet and returns the error; the files
// committed before it stay.
func CommitAll(files ...*File) error {
	dirs := map[string]bool{}
	defer func() {
		for dir := range dirs {
			syncDir(dir)
		}
	}()
	for i, a := range files {
		if err := a.commit(); err != nil {
			for _, b := range files[i+1:] {
				b.Discard()
			}
			return err
		}
		dirs[filepath.Dir(a.path)] = true
	}
	return nil
}

// commit is Commit without the folder's sync.
func (a *File) commit() error {
	if a.done {
		return os.ErrClosed
	}
	a.done = true
	name := a.f.Name()
	fail := func(err error) error {
		a.f.Close()
		os.Remove(name)
		return err
	}
	if !a.synced {
		if err := a.prepare(); err != nil {
			return fail(err)
		}
	}
	if err := a.f.Close(); err != nil {
		os.Remove(name)
		return err
	}
	if err := rename(name, a.path); err != nil {
		os.Remove(name)
		return renameError(a.path, err)
	}
	return nil
}

// Discard removes the temporary file; the target stays as it was. It does
// nothing after Commit.
func (a *File) Discard() error {
	if a == nil || a.done {
		return nil
	}
	a.done = true
	a.f.Close()
	if err := os.Remove(a.f.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte, opts Options) error {
	a, err := Create(path, opts)
	if err != nil {
		return err
	}
	if _, err := a.Write(data); err != nil {
		a.Discard()
		return err
	}
	return a.Commit()
}

// WriteTo writes to path atomically what write writes; an error from write
// discards the file.
func WriteTo(path string, opts Options, write func(io.Writer) error) error {
	a, err := Create(path, opts)
	if err != nil {
		return err
	}
	if err := write(a); err != nil {
		a.Discard()
		return err
	}
	return a.Commit()
}

// rename is os.Rename; tests replace it to fail as Windows does.
var rename = os.Rename

// inUse reports whether a rename failed because another program holds the
// target open (Excel locks the workbooks it shows). Tests replace it.
var inUse = isSharingViolation

// renameError says what to do when the target is open elsewhere.
func renameError(path string, err error) error {
	if inUse(err) {
		return &InUseError{Path: path, Err: err}
	}
	return err
}

// InUseError is a rename over a file that another program holds open. The
// previous file is intact and the new one was removed.
type InUseError struct {
	Path string
	Err  error
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("close %s (open in another program?) and run again: the previous file is left intact, the new one (a temporary file) was removed (%v)", e.Path, e.Err)
}

func (e *InUseError) Unwrap() error { return e.Err }

// syncDir makes a rename durable. Best effort: not every platform can fsync
// a folder, and the data itself is already synced.
var syncDir = func(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
