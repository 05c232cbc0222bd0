// Package remote fetches a source file from where a supplier keeps it
// (https, sftp, ftp, ftps) into a local file, and moves it there once it
// was imported. Each scheme is a small dialer returning a conn; what every
// scheme shares (the newest file of a glob, the .part file renamed only
// when complete, retries, the size limit, credentials kept out of messages)
// lives here once.
package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Defaults of Options.
const (
	DefaultTimeout  = 5 * time.Minute
	DefaultRetries  = 3
	DefaultMaxBytes = 1 << 30
)

// Options say how a remote file is reached. Credentials are sent to the
// server and never appear in a message of this package.
type Options struct {
	// Username and Password log in (http basic auth, sftp, ftp); empty
	// takes the URL's user info. Token is an http bearer token.
	Username, Password, Token string
	// InsecureHTTP allows http://, InsecureFTP ftp://: both send the file
	// and the credentials unencrypted.
	InsecureHTTP, InsecureFTP bool
	// Timeout bounds one attempt (connect, list, download); Retries are
	// further attempts after a failure that may pass; MaxBytes is the
	// largest file accepted. Zero takes the default.
	Timeout  time.Duration
	Retries  int
	MaxBytes int64
	// KnownHosts is the known_hosts file sftp checks the server's key
	// against (default ~/.ssh/known_hosts); HostKey a SHA256:... fingerprint
	// that replaces it. AcceptUnknownHost lets an sftp server in whose key
	// neither names (never one whose key changed).
	KnownHosts        string
	HostKey           string
	AcceptUnknownHost bool
	// KeyFile is a private key for sftp, KeyPassphrase its passphrase;
	// SSHAgent also offers the keys of the agent at SSH_AUTH_SOCK.
	KeyFile, KeyPassphrase string
	SSHAgent               bool
	// CAFile holds PEM certificates trusted for https and ftps besides the
	// system's (a server with a certificate of its own authority).
	CAFile string
	// Log hears which file was picked, retries and refusals; nil is silent.
	Log *slog.Logger
	// Now is the clock of Move's name for a file already in the target
	// folder; nil is time.Now.
	Now func() time.Time
}

// File is a remote file fetched.
type File struct {
	// Local is the downloaded copy.
	Local string
	// URL names the remote file read (the match of a glob), without
	// credentials or query: fit for logs and reports.
	URL string
	// Size and ModTime as the server gave them (ModTime zero when unknown).
	Size    int64
	ModTime time.Time
	// Matches is how many files the glob matched (1 without a glob).
	Matches int

	// raw is the file's URL with its credentials, for Move.
	raw *url.URL
}

// entry is a file of a remote folder.
type entry struct {
	name    string
	size    int64
	modTime time.Time
}

// conn is one session with a server, opened for one attempt.
type conn interface {
	// list returns the files (not folders) of dir.
	list(ctx context.Context, dir string) ([]entry, error)
	// open reads the file at p from its start; size is what the server
	// says the file holds, -1 when it does not say.
	open(ctx context.Context, p string) (rc io.ReadCloser, size int64, err error)
	close() error
}

// mover is a conn that can rename files (sftp, ftp); https cannot.
type mover interface {
	// exists reports whether p names a file or folder.
	exists(ctx context.Context, p string) (bool, error)
	mkdirAll(ctx context.Context, dir string) error
	rename(ctx context.Context, from, to string) error
}

// scheme is how one URL scheme is reached.
type scheme struct {
	dial func(ctx context.Context, u *url.URL, o *Options) (conn, error)
	// refused says why the scheme needs an option first; "" when it does not.
	refused func(o *Options) string
	// lists: the scheme can list a folder, so a glob can pick a file.
	lists bool
}

var schemes = map[string]scheme{
	"https": {dial: dialHTTP},
	"http": {dial: dialHTTP, refused: func(o *Options) string {
		if o.InsecureHTTP {
			return ""
		}
		return "plain http sends the file and any credentials unencrypted; use https, or set source.remote.insecure_http: true"
	}},
	"sftp": {dial: dialSFTP, lists: true},
	"ftps": {dial: dialFTP, lists: true},
	"ftp": {dial: dialFTP, lists: true, refused: func(o *Options) string {
		if o.InsecureFTP {
			return ""
		}
		return "plain ftp sends the file and the password unencrypted; use sftp or ftps (explicit TLS), or set source.remote.insecure_ftp: true"
	}},
}

// IsRemote reports whether p is a URL of a scheme this package fetches.
func IsRemote(p string) bool {
	i := strings.Index(p, "://")
	if i <= 0 {
		return false
	}
	_, ok := schemes[strings.ToLower(p[:i])]
	return ok
}

// Ext is the extension of a URL's file name, without query or fragment.
func Ext(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(path.Ext(u.Path))
}

// Redact is a URL fit for logs and errors: no user info, no query (either
// may hold a secret).
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return redactURL(u)
}

func redactURL(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.Fragment, c.ForceQuery = nil, "", "", false
	return c.String()
}

// permanent is a failure that trying again will not mend (refused host
// key, wrong password, no such file, too large).
type permanent struct{ err error }

func (e *permanent) Error() string { return e.err.Error() }
func (e *permanent) Unwrap() error { return e.err }

func fatalf(format string, a ...any) error { return &permanent{fmt.Errorf(format, a...)} }

// IsPermanent reports whether err will not pass by trying again.
func IsPermanent(err error) bool {
	var p *permanent
	return errors.As(err, &p)
}

// backoff is the wait before attempt+2; tests shorten it.
var backoff = func(attempt int) time.Duration { return time.Duration(attempt+1) * 2 * time.Second }

// prepare parses raw and fills the defaults of o.
func prepare(raw string, o *Options) (*url.URL, scheme, error) {
	shown := Redact(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return nil, scheme{}, fmt.Errorf("%s: not a valid URL", shown)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	s, ok := schemes[u.Scheme]
	if !ok {
		return nil, scheme{}, fmt.Errorf("%s: only https://, sftp://, ftps:// and ftp:// are fetched", shown)
	}
	if s.refused != nil {
		if why := s.refused(o); why != "" {
			return nil, scheme{}, fmt.Errorf("%s: %s", shown, why)
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Retries <= 0 {
		o.Retries = DefaultRetries
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Username == "" && u.User != nil {
		o.Username = u.User.Username()
	}
	if p, ok := u.User.Password(); ok && o.Password == "" {
		o.Password = p
	}
	return u, s, nil
}

// retry runs attempt until it succeeds, fails for good, or the retries are
// spent, each attempt bounded by o.Timeout.
func retry(ctx context.Context, o *Options, shown string, attempt func(ctx context.Context) error) error {
	for n := 0; ; n++ {
		actx, cancel := context.WithTimeout(ctx, o.Timeout)
		err := attempt(actx)
		timedOut := actx.Err() != nil && ctx.Err() == nil
		cancel()
		if err == nil {
			return nil
		}
		if timedOut {
			err = fmt.Errorf("no answer within %s (source.remote.timeout): %w", o.Timeout, err)
		}
		err = o.scrub(err)
		if IsPermanent(err) || ctx.Err() != nil || n >= o.Retries {
			return fmt.Errorf("%s: %w", shown, err)
		}
		o.Log.Warn("remote source failed, trying again", "url", shown, "attempt", n+1, "error", err.Error())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff(n)):
		}
	}
}

// scrub masks the credentials in an error's text: a server may echo what
// it was sent, and a library may quote it. The error's kind is kept.
func (o *Options) scrub(err error) error {
	msg := err.Error()
	out := msg
	for _, s := range []string{o.Password, o.Token, o.KeyPassphrase} {
		if len(s) >= 3 {
			out = strings.ReplaceAll(out, s, "*****")
		}
	}
	if out == msg {
		return err
	}
	if IsPermanent(err) {
		return &permanent{errors.New(out)}
	}
	return errors.New(out)
}

// hasGlob: the last element of a path is a pattern.
func hasGlob(p string) bool { return strings.ContainsAny(path.Base(p), "*?[") }

// Fetch downloads the file raw names, or the newest file its glob matches
// (by modification time, then by name), into dir. It is written as a .part
// file and renamed when it is complete and as large as the server said, so
// a download that broke off is never read.
func Fetch(ctx context.Context, raw string, o Options, dir string) (*File, error) {
	u, s, err := prepare(raw, &o)
	if err != nil {
		return nil, err
	}
	shown := redactURL(u)
	if hasGlob(u.Path) && !s.lists {
		return nil, fmt.Errorf("%s: %s:// cannot list a folder, so the path cannot be a pattern; name the file", shown, u.Scheme)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("%s: %w", shown, err)
	}
	var got *File
	err = retry(ctx, &o, shown, func(ctx context.Context) error {
		c, err := s.dial(ctx, u, &o)
		if err != nil {
			return err
		}
		defer c.close()
		f, err := pick(ctx, c, u, &o)
		if err != nil {
			return err
		}
		if err := download(ctx, c, f, &o, dir); err != nil {
			return err
		}
		got = f
		return nil
	})
	if err != nil {
		return nil, err
	}
	o.Log.Info("source downloaded", "url", got.URL, "bytes", got.Size, "file", got.Local)
	return got, nil
}

// pick resolves u to one file: itself, or the newest match of its glob.
func pick(ctx context.Context, c conn, u *url.URL, o *Options) (*File, error) {
	f := &File{raw: u, URL: redactURL(u), Size: -1, Matches: 1}
	if !hasGlob(u.Path) {
		return f, nil
	}
	dir, pattern := path.Split(u.Path)
	if _, err := path.Match(pattern, ""); err != nil {
		return nil, fatalf("the pattern %q is malformed", pattern)
	}
	entries, err := c.list(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	var matches []entry
	for _, e := range entries {
		if ok, _ := path.Match(pattern, e.name); ok {
			matches = append(matches, e)
		}
	}
	if len(matches) == 0 {
		return nil, fatalf("no file in %s matches %s", dir, pattern)
	}
	sort.Slice(matches, func(i, j int) bool {
		a, b := matches[i], matches[j]
		if !a.modTime.Equal(b.modTime) {
			return a.modTime.After(b.modTime)
		}
		return a.name > b.name // preise_0702 after preise_0701
	})
	m := matches[0]
	cp := *u
	cp.Path = path.Join(dir, m.name)
	cp.RawPath = ""
	f.raw, f.URL, f.Size, f.ModTime, f.Matches = &cp, redactURL(&cp), m.size, m.modTime, len(matches)
	o.Log.Info("source picked", "url", f.URL, "modified", m.modTime.Format(time.RFC3339), "matches", len(matches), "pattern", pattern)
	return f, nil
}

// download copies f into dir as NAME.part and renames it when complete.
func download(ctx context.Context, c conn, f *File, o *Options, dir string) error {
	rc, size, err := c.open(ctx, f.raw.Path)
	if err != nil {
		return err
	}
	defer rc.Close()
	if size >= 0 {
		f.Size = size
	}
	if f.Size > o.MaxBytes {
		return fatalf("the file has %d bytes, more than source.remote.max_bytes (%d)", f.Size, o.MaxBytes)
	}
	name := path.Base(f.raw.Path)
	if name == "" || name == "/" || name == "." {
		name = "download"
	}
	tmp, err := os.CreateTemp(dir, "*-"+name+".part")
	if err != nil {
		return &permanent{err}
	}
	part := tmp.Name()
	// large reads let sftp keep several requests in flight; the struct
	// hides the file's ReadFrom, which would read 32 KiB at a time
	n, err := io.CopyBuffer(struct{ io.Writer }{tmp}, io.LimitReader(rc, o.MaxBytes+1), make([]byte, 1<<20))
	if err == nil && n > o.MaxBytes {
		err = fatalf("the file is larger than source.remote.max_bytes (%d)", o.MaxBytes)
	}
	if err == nil && f.Size >= 0 && n != f.Size {
		// a broken connection, or a file still being written on the server
		err = fmt.Errorf("the download ended after %d of %d bytes", n, f.Size)
	}
	if err == nil {
		err = rc.Close() // an ftp transfer reports its end here
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(part)
		return err
	}
	local := strings.TrimSuffix(part, ".part")
	if err := os.Rename(part, local); err != nil {
		os.Remove(part)
		return &permanent{err}
	}
	f.Local, f.Size = local, n
	return nil
}

// Move renames the remote file f into the folder moveTo, relative to the
// file's own folder unless it starts with /; the folder is made when
// missing. A file of that name already there is kept: the moved file's name
// gets the time of the move. It returns where the file went (no
// credentials).
func Move(ctx context.Context, f *File, moveTo string, o Options) (string, error) {
	u, s, err := prepare(f.raw.String(), &o)
	if err != nil {
		return "", err
	}
	shown := redactURL(u)
	var dest string
	err = retry(ctx, &o, shown, func(ctx context.Context) error {
		c, err := s.dial(ctx, u, &o)
		if err != nil {
			return err
		}
		defer c.close()
		m, ok := c.(mover)
		if !ok {
			return fatalf("%s:// cannot move a file; leave out source.after", u.Scheme)
		}
		dir := TargetDir(path.Dir(u.Path), moveTo, path.Join)
		if err := m.mkdirAll(ctx, dir); err != nil {
			return fmt.Errorf("make folder %s: %w", dir, err)
		}
		to := path.Join(dir, path.Base(u.Path))
		taken, err := m.exists(ctx, to)
		if err != nil {
			return err
		}
		if taken {
			to = path.Join(dir, Stamped(path.Base(u.Path), o.Now()))
		}
		if err := m.rename(ctx, u.Path, to); err != nil {
			return fmt.Errorf("rename to %s: %w", to, err)
		}
		cp := *u
		cp.Path, cp.RawPath = to, ""
		dest = redactURL(&cp)
		return nil
	})
	if err != nil {
		return "", err
	}
	o.Log.Info("source moved", "from", shown, "to", dest)
	return dest, nil
}

// TargetDir is the folder moveTo names for a file in dir: moveTo itself
// when absolute, else joined to dir.
func TargetDir(dir, moveTo string, join func(...string) string) string {
	if strings.HasPrefix(moveTo, "/") || filepath.IsAbs(moveTo) {
		return join(moveTo)
	}
	return join(dir, moveTo)
}

// Stamped is name with t before its extension: preise.csv becomes
// preise.20261207-023000.csv, so a file moved where one of its name already
// lies keeps both.
func Stamped(name string, t time.Time) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + t.Format("20060102-150405") + ext
}

// MoveLocal moves the local file p into moveTo (relative to p's folder
// unless absolute), keeping a file of the same name already there.
func MoveLocal(p, moveTo string, now time.Time) (string, error) {
	dir := TargetDir(filepath.Dir(p), moveTo, filepath.Join)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	to := filepath.Join(dir, filepath.Base(p))
	if _, err := os.Lstat(to); err == nil {
		to = filepath.Join(dir, Stamped(filepath.Base(p), now))
	}
	if err := os.Rename(p, to); err != nil {
		return "", err
	}
	return to, nil
}
