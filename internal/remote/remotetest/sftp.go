// Package remotetest starts SFTP and FTP(S) servers on localhost that serve
// a folder, for tests and the demo, as net/http/httptest does for http.
package remotetest

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// SFTPServer serves Root over SFTP on 127.0.0.1: sftp://USER@Addr/x.csv is
// the file Root/x.csv. It logs in User with Password, or with a key whose
// public half is in AuthorizedKeys.
type SFTPServer struct {
	Addr     string
	Root     string
	User     string
	Password string
	// AuthorizedKeys may log in as User instead of the password.
	AuthorizedKeys []ssh.PublicKey
	// HostKey is the server's key, generated anew for each server.
	HostKey ssh.PublicKey

	ln       net.Listener
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
	closed   bool
	Logins   atomic.Int32
	Requests atomic.Int32
}

// NewSFTP starts a server for root with a fresh host key.
func NewSFTP(root, user, password string) (*SFTPServer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &SFTPServer{Addr: ln.Addr().String(), Root: root, User: user, Password: password,
		HostKey: signer.PublicKey(), ln: ln}
	cfg := &ssh.ServerConfig{
		PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if c.User() == s.User && s.Password != "" && string(pw) == s.Password {
				return nil, nil
			}
			return nil, errors.New("denied")
		},
		PublicKeyCallback: func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			for _, k := range s.AuthorizedKeys {
				if c.User() == s.User && string(k.Marshal()) == string(key.Marshal()) {
					return nil, nil
				}
			}
			return nil, errors.New("denied")
		},
	}
	cfg.AddHostKey(signer)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			if !s.track(nc) {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(nc, cfg)
			}()
		}
	}()
	return s, nil
}

func (s *SFTPServer) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return false
	}
	s.conns = append(s.conns, c)
	return true
}

// KnownHostsLine is the server's line for a known_hosts file.
func (s *SFTPServer) KnownHostsLine() string {
	return knownHostsLine(s.Addr, s.HostKey)
}

func knownHostsLine(addr string, key ssh.PublicKey) string {
	host, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf("[%s]:%s %s", host, port, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key))))
}

// WriteKnownHosts writes a known_hosts file naming this server.
func (s *SFTPServer) WriteKnownHosts(path string) error {
	return os.WriteFile(path, []byte(s.KnownHostsLine()+"\n"), 0o600)
}

// Fingerprint is the host key's SHA256:... fingerprint.
func (s *SFTPServer) Fingerprint() string { return ssh.FingerprintSHA256(s.HostKey) }

// URL is sftp://USER@ADDR/name.
func (s *SFTPServer) URL(name string) string {
	return "sftp://" + s.User + "@" + s.Addr + "/" + strings.TrimPrefix(name, "/")
}

// Close stops the server and its sessions.
func (s *SFTPServer) Close() {
	s.mu.Lock()
	s.closed = true
	s.ln.Close()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *SFTPServer) serve(nc net.Conn, cfg *ssh.ServerConfig) {
	defer nc.Close()
	_, chans, reqs, err := ssh.NewServerConn(nc, cfg)
	if err != nil {
		return
	}
	s.Logins.Add(1)
	go ssh.DiscardRequests(reqs)
	for nch := range chans {
		if nch.ChannelType() != "session" {
			nch.Reject(ssh.UnknownChannelType, "no")
			continue
		}
		ch, in, err := nch.Accept()
		if err != nil {
			return
		}
		go func() {
			for req := range in {
				ok := req.Type == "subsystem" && len(req.Payload) > 4 && string(req.Payload[4:]) == "sftp"
				req.Reply(ok, nil)
			}
		}()
		srv := sftp.NewRequestServer(ch, sftp.Handlers{FileGet: s, FilePut: s, FileCmd: s, FileList: s})
		srv.Serve()
		srv.Close()
		ch.Close()
	}
}

// local is the file of Root an sftp path names; paths cannot leave Root.
func (s *SFTPServer) local(p string) string {
	return filepath.Join(s.Root, filepath.FromSlash(filepath.Clean("/"+p)))
}

// Fileread opens a file for reading.
func (s *SFTPServer) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	s.Requests.Add(1)
	return os.Open(s.local(r.Filepath))
}

// Filewrite writes a file.
func (s *SFTPServer) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	return os.OpenFile(s.local(r.Filepath), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
}

// Filecmd renames, makes folders, removes.
func (s *SFTPServer) Filecmd(r *sftp.Request) error {
	switch r.Method {
	case "Rename", "PosixRename":
		if r.Method == "Rename" {
			if _, err := os.Lstat(s.local(r.Target)); err == nil {
				return os.ErrExist // SSH_FXP_RENAME does not overwrite
			}
		}
		return os.Rename(s.local(r.Filepath), s.local(r.Target))
	case "Mkdir":
		return os.Mkdir(s.local(r.Filepath), 0o755)
	case "Remove":
		return os.Remove(s.local(r.Filepath))
	case "Rmdir":
		return os.Remove(s.local(r.Filepath))
	case "Setstat":
		return nil
	}
	return sftp.ErrSSHFxOpUnsupported
}

// Filelist lists folders and stats files.
func (s *SFTPServer) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	switch r.Method {
	case "List":
		des, err := os.ReadDir(s.local(r.Filepath))
		if err != nil {
			return nil, err
		}
		var fis lister
		for _, de := range des {
			if fi, err := de.Info(); err == nil {
				fis = append(fis, fi)
			}
		}
		return fis, nil
	case "Stat", "Lstat":
		fi, err := os.Stat(s.local(r.Filepath))
		if err != nil {
			return nil, err
		}
		return lister{fi}, nil
	}
	return nil, sftp.ErrSSHFxOpUnsupported
}

type lister []os.FileInfo

func (l lister) ListAt(out []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(out, l[off:])
	if n < len(out) {
		return n, io.EOF
	}
	return n, nil
}
