package remotetest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FTPServer serves Root over FTP on 127.0.0.1, enough of RFC 959, 2228
// (AUTH TLS, PBSZ, PROT), 2428 (EPSV) and 3659 (SIZE, MLSD) for a client
// that lists, downloads and renames. With TLS it is an explicit FTPS
// server that refuses to log in before AUTH TLS.
type FTPServer struct {
	Addr     string
	Root     string
	User     string
	Password string
	// CertPEM is the certificate of a TLS server, for clients to trust.
	CertPEM []byte

	tls    *tls.Config
	ln     net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
	closed bool
	// Logins counts sessions logged in; Retrs downloads begun.
	Logins atomic.Int32
	Retrs  atomic.Int32
}

// NewFTP starts a plain FTP server, or an explicit FTPS one with a fresh
// self-signed certificate for 127.0.0.1 when withTLS.
func NewFTP(root, user, password string, withTLS bool) (*FTPServer, error) {
	s := &FTPServer{Root: root, User: user, Password: password}
	if withTLS {
		cert, certPEM, err := selfSigned()
		if err != nil {
			return nil, err
		}
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.CertPEM = certPEM
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln, s.Addr = ln, ln.Addr().String()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !s.track(c) {
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.session(c)
			}()
		}
	}()
	return s, nil
}

// URL is SCHEME://USER@ADDR/name with scheme ftps for a TLS server.
func (s *FTPServer) URL(name string) string {
	scheme := "ftp"
	if s.tls != nil {
		scheme = "ftps"
	}
	return scheme + "://" + s.User + "@" + s.Addr + "/" + strings.TrimPrefix(name, "/")
}

func (s *FTPServer) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return false
	}
	s.conns = append(s.conns, c)
	return true
}

// Close stops the server and its sessions.
func (s *FTPServer) Close() {
	s.mu.Lock()
	s.closed = true
	s.ln.Close()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *FTPServer) local(p string) string {
	return filepath.Join(s.Root, filepath.FromSlash(filepath.Clean("/"+p)))
}

type ftpSession struct {
	s        *FTPServer
	c        net.Conn
	r        *bufio.Reader
	secure   bool
	protect  bool
	user     string
	loggedIn bool
	pasv     net.Listener
	renFrom  string
}

func (f *ftpSession) reply(format string, a ...any) {
	fmt.Fprintf(f.c, format+"\r\n", a...)
}

func (s *FTPServer) session(c net.Conn) {
	f := &ftpSession{s: s, c: c, r: bufio.NewReader(c)}
	defer func() {
		if f.pasv != nil {
			f.pasv.Close()
		}
		f.c.Close()
	}()
	f.reply("220 test server ready")
	for {
		line, err := f.r.ReadString('\n')
		if err != nil {
			return
		}
		cmd, arg, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		cmd = strings.ToUpper(cmd)
		switch cmd {
		case "AUTH":
			if s.tls == nil || !strings.EqualFold(arg, "TLS") {
				f.reply("502 no TLS here")
				continue
			}
			f.reply("234 go ahead")
			tc := tls.Server(f.c, s.tls)
			if err := tc.Handshake(); err != nil {
				return
			}
			f.c, f.r, f.secure = tc, bufio.NewReader(tc), true
			continue
		case "USER":
			if s.tls != nil && !f.secure {
				f.reply("530 AUTH TLS first")
				continue
			}
			f.user = arg
			f.reply("331 password please")
			continue
		case "PASS":
			if f.user == s.User && arg == s.Password {
				f.loggedIn = true
				s.Logins.Add(1)
				f.reply("230 logged in")
			} else {
				f.reply("530 Login incorrect")
			}
			continue
		case "QUIT":
			f.reply("221 bye")
			return
		case "FEAT":
			f.reply("211-Features:\r\n MLST type*;size*;modify*;\r\n SIZE\r\n MDTM\r\n EPSV\r\n UTF8\r\n PBSZ\r\n PROT\r\n211 End")
			continue
		case "NOOP", "TYPE", "OPTS", "PBSZ":
			f.reply("200 ok")
			continue
		case "PROT":
			f.protect = strings.EqualFold(arg, "P")
			f.reply("200 ok")
			continue
		}
		if !f.loggedIn {
			f.reply("530 not logged in")
			continue
		}
		f.command(cmd, arg)
	}
}

func (f *ftpSession) command(cmd, arg string) {
	s := f.s
	switch cmd {
	case "PWD":
		f.reply(`257 "/"`)
	case "CWD":
		f.reply("250 ok")
	case "EPSV", "PASV":
		if f.pasv != nil {
			f.pasv.Close()
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			f.reply("425 no port")
			return
		}
		f.pasv = ln
		port := ln.Addr().(*net.TCPAddr).Port
		if cmd == "EPSV" {
			f.reply("229 Entering Extended Passive Mode (|||%d|)", port)
		} else {
			f.reply("227 Entering Passive Mode (127,0,0,1,%d,%d)", port/256, port%256)
		}
	case "SIZE":
		fi, err := os.Stat(s.local(arg))
		if err != nil || !fi.Mode().IsRegular() {
			f.reply("550 no such file")
			return
		}
		f.reply("213 %d", fi.Size())
	case "MDTM":
		fi, err := os.Stat(s.local(arg))
		if err != nil {
			f.reply("550 no such file")
			return
		}
		f.reply("213 %s", fi.ModTime().UTC().Format("20060102150405"))
	case "MLSD":
		des, err := os.ReadDir(s.local(arg))
		if err != nil {
			f.reply("550 no such folder")
			return
		}
		f.transfer(func(w io.Writer) {
			for _, de := range des {
				fi, err := de.Info()
				if err != nil {
					continue
				}
				typ := "file"
				if fi.IsDir() {
					typ = "dir"
				}
				fmt.Fprintf(w, "type=%s;size=%d;modify=%s; %s\r\n", typ, fi.Size(), fi.ModTime().UTC().Format("20060102150405.000"), fi.Name())
			}
		})
	case "RETR":
		file, err := os.Open(s.local(arg))
		if err != nil {
			f.reply("550 no such file")
			return
		}
		defer file.Close()
		s.Retrs.Add(1)
		f.transfer(func(w io.Writer) { io.Copy(w, file) })
	case "RNFR":
		if _, err := os.Lstat(s.local(arg)); err != nil {
			f.reply("550 no such file")
			return
		}
		f.renFrom = arg
		f.reply("350 ready for RNTO")
	case "RNTO":
		if f.renFrom == "" {
			f.reply("503 RNFR first")
			return
		}
		err := os.Rename(s.local(f.renFrom), s.local(arg))
		f.renFrom = ""
		if err != nil {
			f.reply("550 rename failed")
			return
		}
		f.reply("250 renamed")
	case "MKD":
		if err := os.Mkdir(s.local(arg), 0o755); err != nil {
			f.reply("550 cannot make it")
			return
		}
		f.reply(`257 "%s" created`, arg)
	default:
		f.reply("502 %s not implemented", cmd)
	}
}

// transfer sends what write writes over the passive data connection.
func (f *ftpSession) transfer(write func(io.Writer)) {
	if f.pasv == nil {
		f.reply("425 EPSV or PASV first")
		return
	}
	f.pasv.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	dc, err := f.pasv.Accept()
	f.pasv.Close()
	f.pasv = nil
	if err != nil {
		f.reply("425 no data connection")
		return
	}
	var w net.Conn = dc
	if f.protect && f.s.tls != nil {
		w = tls.Server(dc, f.s.tls)
	}
	f.reply("150 here it comes")
	write(w)
	w.Close()
	f.reply("226 done")
}

// selfSigned makes a certificate for 127.0.0.1 and localhost.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "etl test server"},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, certPEM, nil
}
