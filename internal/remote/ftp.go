package remote

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/jlaffaye/ftp"
)

// ftpConn is a session with an ftp server; ftps upgrades the control
// connection with AUTH TLS (explicit TLS) and protects every data
// connection, verifying the certificate.
type ftpConn struct {
	c     *ftp.ServerConn
	conns *connSet
}

var _ mover = (*ftpConn)(nil)

// connSet holds every connection of a session (control and data), so the
// attempt's end closes them all: the client has no deadlines of its own.
type connSet struct {
	mu    sync.Mutex
	conns []net.Conn
	done  bool
}

func (s *connSet) add(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		c.Close()
		return false
	}
	s.conns = append(s.conns, c)
	return true
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	for _, c := range s.conns {
		c.Close()
	}
}

func dialFTP(ctx context.Context, u *url.URL, o *Options) (conn, error) {
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "21")
	}
	var cfg *tls.Config
	if u.Scheme == "ftps" {
		var err error
		if cfg, err = tlsConfig(o, u.Hostname()); err != nil {
			return nil, err
		}
	}
	set := &connSet{}
	stop := context.AfterFunc(ctx, set.closeAll)
	first := true
	var d net.Dialer
	// The first dial is the control connection, which the client upgrades
	// itself (AUTH TLS); the others are data connections, which with a
	// dial function of ours are ours to wrap in TLS.
	dialFn := func(network, address string) (net.Conn, error) {
		nc, err := d.DialContext(ctx, network, address)
		if err != nil {
			return nil, err
		}
		if !set.add(nc) {
			return nil, ctx.Err()
		}
		if !first && cfg != nil {
			return tls.Client(nc, cfg), nil
		}
		first = false
		return nc, nil
	}
	opts := []ftp.DialOption{ftp.DialWithContext(ctx), ftp.DialWithDialFunc(dialFn)}
	if cfg != nil {
		opts = append(opts, ftp.DialWithExplicitTLS(cfg))
	}
	c, err := ftp.Dial(addr, opts...)
	if err != nil {
		stop()
		set.closeAll()
		var cert *tls.CertificateVerificationError
		if errors.As(err, &cert) {
			return nil, &permanent{err}
		}
		return nil, err
	}
	user, pass := o.Username, o.Password
	if user == "" {
		user, pass = "anonymous", "anonymous"
	}
	if err := c.Login(user, pass); err != nil {
		stop()
		set.closeAll()
		var cert *tls.CertificateVerificationError
		if errors.As(err, &cert) {
			return nil, &permanent{err}
		}
		if isCode(err, 530) {
			return nil, fatalf("login as %s refused: check the password (source.remote)", user)
		}
		return nil, err
	}
	return &ftpConn{c: c, conns: set}, nil
}

func (c *ftpConn) close() error {
	c.c.Quit()
	c.conns.closeAll()
	return nil
}

func (c *ftpConn) list(ctx context.Context, dir string) ([]entry, error) {
	es, err := c.c.List(dir)
	if err != nil {
		return nil, ftpErr(err)
	}
	var out []entry
	for _, e := range es {
		if e.Type == ftp.EntryTypeFile {
			out = append(out, entry{name: path.Base(e.Name), size: int64(e.Size), modTime: e.Time})
		}
	}
	return out, nil
}

func (c *ftpConn) open(ctx context.Context, p string) (io.ReadCloser, int64, error) {
	size, err := c.c.FileSize(p)
	if err != nil {
		size = -1 // SIZE is an extension; RETR says whether the file is there
	}
	r, err := c.c.Retr(p)
	if err != nil {
		return nil, 0, ftpErr(err)
	}
	return r, size, nil
}

func (c *ftpConn) exists(ctx context.Context, p string) (bool, error) {
	es, err := c.c.List(path.Dir(p))
	if err != nil {
		return false, ftpErr(err)
	}
	for _, e := range es {
		if path.Base(e.Name) == path.Base(p) {
			return true, nil
		}
	}
	return false, nil
}

func (c *ftpConn) mkdirAll(ctx context.Context, dir string) error {
	// MKD of a folder that exists fails; what counts is the rename after
	var sofar string
	for _, part := range strings.Split(strings.Trim(dir, "/"), "/") {
		if strings.HasPrefix(dir, "/") || sofar != "" {
			sofar += "/"
		}
		sofar += part
		c.c.MakeDir(sofar)
	}
	return nil
}

func (c *ftpConn) rename(ctx context.Context, from, to string) error {
	return ftpErr(c.c.Rename(from, to))
}

// ftpErr makes the server's permanent refusals (5xx: no such file, no
// access) permanent.
func ftpErr(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return &permanent{fmt.Errorf("server answered %d %s", te.Code, te.Msg)}
	}
	return err
}

func isCode(err error, code int) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code == code
}
