package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/crypto/ssh/knownhosts"
)

type sftpConn struct {
	nc   net.Conn
	ssh  *ssh.Client
	sftp *sftp.Client
	stop func() bool
}

var _ mover = (*sftpConn)(nil)

// dialSFTP connects, verifies the host key and logs in with a key, the
// agent's keys or a password, whichever the options give.
func dialSFTP(ctx context.Context, u *url.URL, o *Options) (conn, error) {
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "22")
	}
	check, err := hostKeyCheck(o)
	if err != nil {
		return nil, err
	}
	auth, closeAgent, err := sshAuth(o)
	if err != nil {
		return nil, err
	}
	defer closeAgent()
	if o.Username == "" {
		return nil, fatalf("no user to log in as: write sftp://USER@%s/... or set source.remote.username", u.Host)
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	// the attempt's deadline bounds every read and write of the session
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	cc, chans, reqs, err := ssh.NewClientConn(nc, addr, &ssh.ClientConfig{
		User: o.Username, Auth: auth, HostKeyCallback: check, Timeout: o.Timeout,
	})
	if err != nil {
		stop()
		nc.Close()
		var hk *hostKeyError
		if errors.As(err, &hk) {
			return nil, &permanent{hk}
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fatalf("login as %s refused: check the password or key (source.remote)", o.Username)
		}
		return nil, err
	}
	client := ssh.NewClient(cc, chans, reqs)
	sc, err := sftp.NewClient(client)
	if err != nil {
		stop()
		client.Close()
		return nil, fmt.Errorf("start sftp: %w", err)
	}
	return &sftpConn{nc: nc, ssh: client, sftp: sc, stop: stop}, nil
}

func (c *sftpConn) close() error {
	c.stop()
	c.sftp.Close()
	return c.ssh.Close()
}

func (c *sftpConn) list(ctx context.Context, dir string) ([]entry, error) {
	fis, err := c.sftp.ReadDirContext(ctx, dir)
	if err != nil {
		return nil, sftpErr(err)
	}
	var out []entry
	for _, fi := range fis {
		if fi.Mode().IsRegular() {
			out = append(out, entry{name: fi.Name(), size: fi.Size(), modTime: fi.ModTime()})
		}
	}
	return out, nil
}

func (c *sftpConn) open(ctx context.Context, p string) (io.ReadCloser, int64, error) {
	f, err := c.sftp.Open(p)
	if err != nil {
		return nil, 0, sftpErr(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, sftpErr(err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, fatalf("%s is not a file", p)
	}
	return f, fi.Size(), nil
}

func (c *sftpConn) exists(ctx context.Context, p string) (bool, error) {
	_, err := c.sftp.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, sftpErr(err)
}

func (c *sftpConn) mkdirAll(ctx context.Context, dir string) error {
	return sftpErr(c.sftp.MkdirAll(dir))
}

func (c *sftpConn) rename(ctx context.Context, from, to string) error {
	return sftpErr(c.sftp.Rename(from, to))
}

// sftpErr makes a missing file or a refused access permanent.
func sftpErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return &permanent{err}
	}
	return err
}

// hostKeyError is a server key that is unknown or changed.
type hostKeyError struct{ msg string }

func (e *hostKeyError) Error() string { return e.msg }

// hostKeyCheck verifies the server's key: against the fingerprint of
// source.remote.host_key when set, else against known_hosts. An unknown
// host passes only with AcceptUnknownHost; a changed key never does.
func hostKeyCheck(o *Options) (ssh.HostKeyCallback, error) {
	if o.HostKey != "" {
		want := o.HostKey
		if !strings.HasPrefix(want, "SHA256:") {
			return nil, fatalf("source.remote.host_key %q: give the SHA256:... fingerprint (ssh-keyscan HOST | ssh-keygen -lf -)", want)
		}
		return func(host string, _ net.Addr, key ssh.PublicKey) error {
			if got := ssh.FingerprintSHA256(key); got != want {
				return &hostKeyError{fmt.Sprintf("host key of %s is %s, not the %s source.remote.host_key names: refusing to connect", host, got, want)}
			}
			return nil
		}, nil
	}
	file := o.KnownHosts
	if file == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, fatalf("no home folder for ~/.ssh/known_hosts: set source.remote.known_hosts or host_key")
		}
		file = filepath.Join(home, ".ssh", "known_hosts")
	}
	var known ssh.HostKeyCallback
	if _, err := os.Stat(file); err == nil {
		if known, err = knownhosts.New(file); err != nil {
			return nil, fatalf("known_hosts %s: %v", file, err)
		}
	} else if !o.AcceptUnknownHost {
		return nil, fatalf("known_hosts %s cannot be read (%v): add the server's key to it (ssh-keyscan -p PORT HOST >> %s), or set source.remote.host_key", file, errors.Unwrap(err), file)
	}
	return func(host string, remote net.Addr, key ssh.PublicKey) error {
		fp := ssh.FingerprintSHA256(key)
		if known != nil {
			err := known(host, remote, key)
			var ke *knownhosts.KeyError
			switch {
			case err == nil:
				return nil
			case errors.As(err, &ke) && len(ke.Want) > 0:
				return &hostKeyError{fmt.Sprintf("host key of %s changed (now %s; %s line %d has another): refusing to connect; if the server really got a new key, replace the line", host, fp, ke.Want[0].Filename, ke.Want[0].Line)}
			case !errors.As(err, &ke):
				return &hostKeyError{err.Error()}
			}
		}
		if o.AcceptUnknownHost {
			o.Log.Warn("unknown sftp host accepted (source.remote.accept_unknown_host)", "host", host, "key", fp)
			return nil
		}
		h, port, err := net.SplitHostPort(host)
		if err != nil {
			h, port = host, "22"
		}
		return &hostKeyError{fmt.Sprintf("host %s is not in %s (its key is %s): refusing an unknown host; add it (ssh-keyscan -p %s %s >> %s) or set source.remote.host_key: %s", host, file, fp, port, h, file, fp)}
	}, nil
}

// sshAuth offers the key file, the agent's keys and the password, in this
// order; close ends the agent connection.
func sshAuth(o *Options) (methods []ssh.AuthMethod, close func(), err error) {
	close = func() {}
	if o.KeyFile != "" {
		pem, err := os.ReadFile(o.KeyFile)
		if err != nil {
			return nil, close, fatalf("source.remote.key_file: %v", errors.Unwrap(err))
		}
		var signer ssh.Signer
		if o.KeyPassphrase != "" {
			signer, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(o.KeyPassphrase))
		} else {
			signer, err = ssh.ParsePrivateKey(pem)
		}
		if err != nil {
			var pp *ssh.PassphraseMissingError
			if errors.As(err, &pp) {
				return nil, close, fatalf("source.remote.key_file %s is encrypted: set source.remote.key_passphrase", o.KeyFile)
			}
			return nil, close, fatalf("source.remote.key_file %s: not a private key the server can use", o.KeyFile)
		}
		methods = append(methods, ssh.PublicKeys(signer))
	}
	if o.SSHAgent {
		sock := os.Getenv("SSH_AUTH_SOCK")
		if sock == "" {
			return nil, close, fatalf("source.remote.ssh_agent: SSH_AUTH_SOCK is not set")
		}
		ac, err := net.Dial("unix", sock)
		if err != nil {
			return nil, close, fmt.Errorf("ssh agent: %w", err)
		}
		close = func() { ac.Close() }
		methods = append(methods, ssh.PublicKeysCallback(agent.NewClient(ac).Signers))
	}
	if o.Password != "" {
		pw := o.Password
		methods = append(methods, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, qs []string, _ []bool) ([]string, error) {
				a := make([]string, len(qs))
				for i := range a {
					a[i] = pw
				}
				return a, nil
			}))
	}
	if len(methods) == 0 {
		return nil, close, fatalf("no sftp credentials: set source.remote.key_file, password or ssh_agent")
	}
	return methods, close, nil
}
