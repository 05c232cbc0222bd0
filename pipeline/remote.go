package pipeline

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// A source.path of https://... is downloaded once, before the run opens
// its source, into a file in the state folder; the run then goes on with a
// copy of the job whose source.path is that file. So every file source
// reads it as a local file of the type its extension names, the import
// reopening the source for its second pass reads the same bytes, and the
// journal knows the input by the file's content hash as before: the same
// remote file twice imports nothing.

// Remote download defaults (source.remote).
const (
	defaultRemoteTimeout  = 5 * time.Minute
	defaultRemoteRetries  = 3
	defaultRemoteMaxBytes = 1 << 30
)

// IsRemote reports whether a source path is a URL to download.
func IsRemote(p string) bool {
	l := strings.ToLower(p)
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")
}

// remoteExt is the extension of a URL's path, without query or fragment.
func remoteExt(p string) string {
	u, err := url.Parse(p)
	if err != nil {
		return ""
	}
	return strings.ToLower(path.Ext(u.Path))
}

// RedactURL is a URL fit for logs and errors: no user info, no query (either
// may hold a token).
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

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

// localSource downloads a remote source.path and returns a copy of the job
// reading the downloaded file, and a cleanup that removes it. A local path
// returns the job itself.
func localSource(ctx context.Context, job *Job, stateDir string, log *slog.Logger) (*Job, func(), error) {
	if !IsRemote(job.Source.Path) {
		return job, func() {}, nil
	}
	local, err := Download(ctx, job.Source.Path, job.Source.Remote, filepath.Join(stateDir, "downloads"), log)
	if err != nil {
		return nil, nil, err
	}
	cp := *job
	cp.Source.Path = local
	return &cp, func() { os.Remove(local) }, nil
}

// errRemote is a download failure that trying again will not mend.
type errRemote struct{ msg string }

func (e *errRemote) Error() string { return e.msg }

// Download fetches rawURL into dir and returns the file's path. The file is
// written as NAME.part and renamed when complete, so a download that broke
// off is never read. Certificates are verified; http:// is refused unless
// spec.InsecureHTTP. Credentials of spec are sent and never logged.
func Download(ctx context.Context, rawURL string, spec *RemoteSpec, dir string, log *slog.Logger) (string, error) {
	if spec == nil {
		spec = &RemoteSpec{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	shown := RedactURL(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("source.path %s: not a valid URL", shown)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !spec.InsecureHTTP {
			return "", fmt.Errorf("source.path %s: plain http sends the file and any credentials unencrypted; use https, or set source.remote.insecure_http: true", shown)
		}
	default:
		return "", fmt.Errorf("source.path %s: only https:// is supported", shown)
	}
	timeout := defaultRemoteTimeout
	if spec.Timeout != "" {
		if timeout, err = time.ParseDuration(spec.Timeout); err != nil || timeout <= 0 {
			return "", fmt.Errorf("source.remote.timeout %q: a duration such as 2m", spec.Timeout)
		}
	}
	retries := defaultRemoteRetries
	if spec.Retries > 0 {
		retries = spec.Retries
	}
	maxBytes := int64(defaultRemoteMaxBytes)
	if spec.MaxBytes > 0 {
		maxBytes = spec.MaxBytes
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("source.path %s: %w", shown, err)
	}
	name := path.Base(u.Path)
	if name == "" || name == "/" || name == "." {
		name = "download"
	}
	client := &http.Client{Timeout: timeout, Transport: remoteTransport}
	for attempt := 0; ; attempt++ {
		local, err := downloadOnce(ctx, client, rawURL, spec, dir, name, maxBytes)
		if err == nil {
			log.Info("source downloaded", "url", shown, "file", local)
			return local, nil
		}
		var fatal *errRemote
		if errors.As(err, &fatal) || ctx.Err() != nil || attempt >= retries {
			return "", fmt.Errorf("source.path %s: %w", shown, err)
		}
		log.Warn("download failed, trying again", "url", shown, "attempt", attempt+1, "error", err.Error())
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(remoteBackoff(attempt)):
		}
	}
}

// remoteTransport verifies certificates (the default); tests replace it to
// trust their server's certificate.
var remoteTransport http.RoundTripper = http.DefaultTransport

// remoteBackoff waits longer after each failed attempt; tests shorten it.
var remoteBackoff = func(attempt int) time.Duration { return time.Duration(attempt+1) * 2 * time.Second }

func downloadOnce(ctx context.Context, client *http.Client, rawURL string, spec *RemoteSpec, dir, name string, maxBytes int64) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", &errRemote{"cannot build the request"}
	}
	switch {
	case spec.Token != "":
		req.Header.Set("Authorization", "Bearer "+spec.Token)
	case spec.Username != "" || spec.Password != "":
		req.SetBasicAuth(spec.Username, spec.Password)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL, query and all
		}
		var cert *tls.CertificateVerificationError
		if errors.As(err, &cert) {
			return "", &errRemote{err.Error()}
		}
		return "", err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return "", fmt.Errorf("server answered %s", resp.Status)
	case resp.StatusCode != http.StatusOK:
		return "", &errRemote{fmt.Sprintf("server answered %s", resp.Status)}
	case resp.ContentLength > maxBytes:
		return "", &errRemote{fmt.Sprintf("the file has %d bytes, more than source.remote.max_bytes (%d)", resp.ContentLength, maxBytes)}
	}
	f, err := os.CreateTemp(dir, "*-"+name+".part")
	if err != nil {
		return "", &errRemote{err.Error()}
	}
	part := f.Name()
	n, err := io.Copy(f, io.LimitReader(resp.Body, maxBytes+1))
	if err == nil && n > maxBytes {
		err = &errRemote{fmt.Sprintf("the file is larger than source.remote.max_bytes (%d)", maxBytes)}
	}
	if err == nil && resp.ContentLength >= 0 && n != resp.ContentLength {
		err = fmt.Errorf("the download broke off after %d of %d bytes", n, resp.ContentLength)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(part)
		return "", err
	}
	local := strings.TrimSuffix(part, ".part")
	if err := os.Rename(part, local); err != nil {
		os.Remove(part)
		return "", &errRemote{err.Error()}
	}
	return local, nil
}
