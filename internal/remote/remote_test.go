package remote

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/wawi-etl/etl/internal/remote/remotetest"
)

const secret = "pa55-Wörd-xyz"

// noWait makes retries immediate and counts them.
func noWait(t *testing.T) *atomic.Int32 {
	var n atomic.Int32
	old := backoff
	backoff = func(int) time.Duration { n.Add(1); return 0 }
	t.Cleanup(func() { backoff = old })
	return &n
}

func write(t *testing.T, p, content string, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newSFTP(t *testing.T) (*remotetest.SFTPServer, string) {
	t.Helper()
	root := t.TempDir()
	srv, err := remotetest.NewSFTP(root, "shop", secret)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	if err := srv.WriteKnownHosts(kh); err != nil {
		t.Fatal(err)
	}
	return srv, kh
}

// no .part or other file may stay behind in dir but the ones named
func onlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	des, _ := os.ReadDir(dir)
	var got []string
	for _, de := range des {
		got = append(got, de.Name())
	}
	if len(got) != len(want) {
		t.Errorf("files in %s: %v, want %d", dir, got, len(want))
	}
}

func TestSFTPFetchPicksNewestAndMoves(t *testing.T) {
	noWait(t)
	srv, kh := newSFTP(t)
	base := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	write(t, filepath.Join(srv.Root, "in", "preise_0701.csv"), "old", base)
	write(t, filepath.Join(srv.Root, "in", "preise_0703.csv"), "tie-a", base.Add(time.Hour))
	write(t, filepath.Join(srv.Root, "in", "preise_0704.csv"), "newest", base.Add(time.Hour))
	write(t, filepath.Join(srv.Root, "in", "other.csv"), "no match", base.Add(2*time.Hour))
	var logs bytes.Buffer
	dl := t.TempDir()
	o := Options{Password: secret, KnownHosts: kh, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	f, err := Fetch(context.Background(), srv.URL("in/preise_*.csv"), o, dl)
	if err != nil {
		t.Fatal(err)
	}
	// same time: the greater name wins
	if got := readFile(t, f.Local); got != "newest" || f.Matches != 3 || !strings.HasSuffix(f.URL, "/in/preise_0704.csv") {
		t.Errorf("picked %s (%q) of %d", f.URL, got, f.Matches)
	}
	if !strings.Contains(logs.String(), "source picked") || !strings.Contains(logs.String(), "preise_0704.csv") {
		t.Errorf("log does not say which file was picked:\n%s", logs.String())
	}
	onlyFiles(t, dl, filepath.Base(f.Local))

	// a file of the same name already in done/ is kept
	write(t, filepath.Join(srv.Root, "in", "done", "preise_0704.csv"), "last week", time.Time{})
	o.Now = func() time.Time { return time.Date(2026, 12, 7, 2, 30, 0, 0, time.UTC) }
	dest, err := Move(context.Background(), f, "done/", o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(dest, "/in/done/preise_0704.20261207-023000.csv") {
		t.Errorf("moved to %s", dest)
	}
	if _, err := os.Stat(filepath.Join(srv.Root, "in", "preise_0704.csv")); !os.IsNotExist(err) {
		t.Errorf("the file is still in the inbox: %v", err)
	}
	if got := readFile(t, filepath.Join(srv.Root, "in", "done", "preise_0704.csv")); got != "last week" {
		t.Errorf("the earlier file in done/ was replaced: %q", got)
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("log shows the password:\n%s", logs.String())
	}
}

func TestSFTPHostKeys(t *testing.T) {
	retries := noWait(t)
	srv, kh := newSFTP(t)
	write(t, filepath.Join(srv.Root, "a.csv"), "x", time.Time{})
	other, err := remotetest.NewSFTP(t.TempDir(), "shop", secret)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	empty := filepath.Join(t.TempDir(), "known_hosts")
	os.WriteFile(empty, nil, 0o600)
	// the other server's key under this server's address: a changed key
	changed := filepath.Join(t.TempDir(), "known_hosts")
	line := strings.Replace(other.KnownHostsLine(), other.Addr[strings.LastIndex(other.Addr, ":")+1:], srv.Addr[strings.LastIndex(srv.Addr, ":")+1:], 1)
	os.WriteFile(changed, []byte(line+"\n"), 0o600)

	for _, tc := range []struct {
		name string
		o    Options
		want string // "" means the fetch succeeds
	}{
		{"known", Options{KnownHosts: kh}, ""},
		{"unknown", Options{KnownHosts: empty}, "refusing an unknown host"},
		{"unknown accepted", Options{KnownHosts: empty, AcceptUnknownHost: true}, ""},
		{"changed", Options{KnownHosts: changed, AcceptUnknownHost: true}, "changed"},
		{"no known_hosts file", Options{KnownHosts: filepath.Join(t.TempDir(), "none")}, "cannot be read"},
		{"fingerprint", Options{HostKey: srv.Fingerprint()}, ""},
		{"wrong fingerprint", Options{HostKey: other.Fingerprint()}, "refusing to connect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			retries.Store(0)
			tc.o.Password = secret
			f, err := Fetch(context.Background(), srv.URL("a.csv"), tc.o, t.TempDir())
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if readFile(t, f.Local) != "x" {
					t.Error("wrong content")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if retries.Load() != 0 {
				t.Errorf("a refused host key was tried %d more times", retries.Load())
			}
		})
	}
	if srv.Requests.Load() != 3 {
		t.Errorf("files read: %d, want 3 (only the trusted connections)", srv.Requests.Load())
	}
}

func TestSFTPLogin(t *testing.T) {
	retries := noWait(t)
	srv, kh := newSFTP(t)
	write(t, filepath.Join(srv.Root, "a.csv"), "x", time.Time{})
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	sshPub, _ := ssh.NewPublicKey(pub)
	srv.AuthorizedKeys = append(srv.AuthorizedKeys, sshPub)
	block, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("key-pass"))
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600)

	if _, err := Fetch(context.Background(), srv.URL("a.csv"), Options{KnownHosts: kh, KeyFile: keyFile, KeyPassphrase: "key-pass"}, t.TempDir()); err != nil {
		t.Fatalf("key login: %v", err)
	}
	if _, err := Fetch(context.Background(), srv.URL("a.csv"), Options{KnownHosts: kh, KeyFile: keyFile}, t.TempDir()); err == nil || !strings.Contains(err.Error(), "key_passphrase") {
		t.Errorf("encrypted key without passphrase: %v", err)
	}
	// a wrong password in the URL is refused at once and never shown
	u := strings.Replace(srv.URL("a.csv"), "shop@", "shop:"+url.QueryEscape("wrong-"+secret)+"@", 1)
	_, err = Fetch(context.Background(), u, Options{KnownHosts: kh}, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "login as shop refused") || strings.Contains(err.Error(), secret) {
		t.Errorf("wrong password: %v", err)
	}
	if retries.Load() != 0 {
		t.Errorf("a refused login was tried again %d times", retries.Load())
	}
	// the password of the URL logs in
	u = strings.Replace(srv.URL("a.csv"), "shop@", "shop:"+url.QueryEscape(secret)+"@", 1)
	if _, err := Fetch(context.Background(), u, Options{KnownHosts: kh}, t.TempDir()); err != nil {
		t.Errorf("password in the URL: %v", err)
	}
	if _, err := Fetch(context.Background(), srv.URL("missing.csv"), Options{KnownHosts: kh, Password: secret}, t.TempDir()); err == nil || retries.Load() != 0 {
		t.Errorf("missing file: %v after %d retries", err, retries.Load())
	}
}

func TestSizeLimit(t *testing.T) {
	noWait(t)
	srv, kh := newSFTP(t)
	write(t, filepath.Join(srv.Root, "big.csv"), strings.Repeat("x", 2000), time.Time{})
	dl := t.TempDir()
	_, err := Fetch(context.Background(), srv.URL("big.csv"), Options{KnownHosts: kh, Password: secret, MaxBytes: 1000}, dl)
	if err == nil || !strings.Contains(err.Error(), "max_bytes") {
		t.Fatalf("err %v, want the size limit", err)
	}
	onlyFiles(t, dl)
}

func newFTP(t *testing.T, withTLS bool) (*remotetest.FTPServer, string) {
	t.Helper()
	srv, err := remotetest.NewFTP(t.TempDir(), "shop", secret, withTLS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, srv.CertPEM, 0o600)
	return srv, ca
}

func TestFTPSFetchGlobAndMove(t *testing.T) {
	noWait(t)
	srv, ca := newFTP(t, true)
	base := time.Date(2026, 12, 6, 2, 0, 0, 0, time.UTC)
	write(t, filepath.Join(srv.Root, "feed", "lager_1.csv"), "old", base)
	write(t, filepath.Join(srv.Root, "feed", "lager_2.csv"), "new", base.Add(time.Minute))
	o := Options{Password: secret, CAFile: ca}
	f, err := Fetch(context.Background(), srv.URL("feed/lager_*.csv"), o, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if readFile(t, f.Local) != "new" || f.Size != 3 || !strings.HasSuffix(f.URL, "/feed/lager_2.csv") || strings.Contains(f.URL, "shop@") {
		t.Errorf("fetched %s (%d bytes)", f.URL, f.Size)
	}
	dest, err := Move(context.Background(), f, "archive/done", o)
	if err != nil {
		t.Fatal(err)
	}
	if readFile(t, filepath.Join(srv.Root, "feed", "archive", "done", "lager_2.csv")) != "new" || !strings.HasSuffix(dest, "/feed/archive/done/lager_2.csv") {
		t.Errorf("moved to %s", dest)
	}
}

func TestFTPSVerifiesCertificate(t *testing.T) {
	retries := noWait(t)
	srv, _ := newFTP(t, true)
	write(t, filepath.Join(srv.Root, "a.csv"), "x", time.Time{})
	_, err := Fetch(context.Background(), srv.URL("a.csv"), Options{Password: secret}, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "certificate") || retries.Load() != 0 {
		t.Fatalf("untrusted certificate: %v after %d retries", err, retries.Load())
	}
	if srv.Logins.Load() != 0 {
		t.Errorf("the password was sent to an unverified server")
	}
}

func TestPlainFTPNeedsOptIn(t *testing.T) {
	noWait(t)
	srv, _ := newFTP(t, false)
	write(t, filepath.Join(srv.Root, "a.csv"), "plain", time.Time{})
	_, err := Fetch(context.Background(), srv.URL("a.csv"), Options{Password: secret}, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "insecure_ftp") || srv.Logins.Load() != 0 {
		t.Fatalf("plain ftp without opt-in: %v (%d logins)", err, srv.Logins.Load())
	}
	f, err := Fetch(context.Background(), srv.URL("a.csv"), Options{Password: secret, InsecureFTP: true}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if readFile(t, f.Local) != "plain" {
		t.Error("wrong content")
	}
	_, err = Fetch(context.Background(), srv.URL("a.csv"), Options{Password: "wrong-" + secret, InsecureFTP: true}, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "refused") || strings.Contains(err.Error(), secret) {
		t.Errorf("wrong password: %v", err)
	}
}

func TestMoveLocal(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.csv")
	write(t, p, "1", time.Time{})
	write(t, filepath.Join(dir, "done", "a.csv"), "0", time.Time{})
	to, err := MoveLocal(p, "done/", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if to != filepath.Join(dir, "done", "a.20260102-030405.csv") || readFile(t, to) != "1" || readFile(t, filepath.Join(dir, "done", "a.csv")) != "0" {
		t.Errorf("moved to %s", to)
	}
}

func TestIsRemote(t *testing.T) {
	for p, want := range map[string]bool{"sftp://h/a.csv": true, "FTPS://h/a": true, "ftp://h/a": true, "https://h/a": true,
		"http://h/a": true, "C:\\x.csv": false, "x.csv": false, "file:///x": false} {
		if IsRemote(p) != want {
			t.Errorf("IsRemote(%q) = %v", p, !want)
		}
	}
	if got := Redact("sftp://u:" + url.QueryEscape(secret) + "@h:22/a.csv?x=1"); got != "sftp://h:22/a.csv" {
		t.Errorf("Redact: %s", got)
	}
}

// A server that accepts the connection and never answers ends each attempt
// at the timeout, and the attempt is tried again.
func TestTimeoutEndsASilentServer(t *testing.T) {
	retries := noWait(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // never answers
		}
	}()
	for _, u := range []string{"sftp://shop@" + ln.Addr().String() + "/a.csv", "ftps://shop@" + ln.Addr().String() + "/a.csv"} {
		retries.Store(0)
		_, err := Fetch(context.Background(), u, Options{Password: secret, HostKey: "SHA256:x", Timeout: 50 * time.Millisecond, Retries: 1}, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "source.remote.timeout") {
			t.Errorf("%s: %v, want a timeout", u, err)
		}
		if retries.Load() != 1 {
			t.Errorf("%s: %d retries, want 1", u, retries.Load())
		}
	}
}
