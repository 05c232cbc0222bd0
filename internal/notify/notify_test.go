package notify

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/report"
)

func guardrailRun(lang i18n.Lang) Run {
	return Run{Job: "prices", ExitCode: 1, Lang: lang, Error: "guardrail tripped: nothing was written",
		Summary: &report.Summary{Job: "prices", RecordsRead: 120, Updated: 80, Failed: 2, PlanOnly: true,
			Guardrails: []report.GuardrailTrip{{Rule: "max_price_change", Limit: "50%", Found: "900%", Count: 3}}}}
}

func TestDue(t *testing.T) {
	ok := Run{ExitCode: 0, Summary: &report.Summary{}}
	failed := Run{ExitCode: 1, Summary: &report.Summary{Failed: 1}}
	noStart := Run{ExitCode: 2}
	trip := guardrailRun(i18n.English)
	for _, c := range []struct {
		on   string
		r    Run
		want bool
	}{
		{"", ok, false}, {"failure", ok, false}, {"failure", failed, true}, {"failure", noStart, true}, {"failure", trip, true},
		{"guardrail", failed, false}, {"guardrail", trip, true}, {"always", ok, true},
	} {
		if got := Due(c.on, c.r); got != c.want {
			t.Errorf("Due(%q, exit %d guardrail %v) = %v", c.on, c.r.ExitCode, c.r.Guardrail(), got)
		}
	}
}

func TestWebhookPostsSummaryAndText(t *testing.T) {
	var got map[string]any
	var posts int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts++
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s", r.Method, r.Header.Get("Content-Type"))
		}
		json.NewDecoder(r.Body).Decode(&got)
	}))
	defer srv.Close()
	spec := &pipeline.NotifySpec{On: "failure", Webhook: &pipeline.WebhookSpec{URL: srv.URL + "/hooks/T000/SECRETTOKEN"}}
	if err := (Sender{}).Send(context.Background(), spec, Run{Job: "prices", ExitCode: 0, Summary: &report.Summary{}}); err != nil || posts != 0 {
		t.Fatalf("a good run with on: failure: err %v, %d posts", err, posts)
	}
	if err := (Sender{}).Send(context.Background(), spec, guardrailRun(i18n.English)); err != nil {
		t.Fatal(err)
	}
	if posts != 1 || got["records_read"] != 120.0 || got["exit_code"] != 1.0 || got["job"] != "prices" {
		t.Fatalf("posted %v", got)
	}
	text, _ := got["text"].(string)
	if !strings.Contains(text, "FAILED") || !strings.Contains(text, "max_price_change") || !strings.Contains(text, "900%") {
		t.Errorf("text: %q", text)
	}
}

func TestWebhookErrorHidesToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) }))
	url := srv.URL + "/hooks/SECRETTOKEN"
	err := Webhook(context.Background(), nil, url, guardrailRun(i18n.English))
	if err == nil || !strings.Contains(err.Error(), "403") || strings.Contains(err.Error(), "SECRETTOKEN") {
		t.Errorf("refused: %v", err)
	}
	srv.Close() // now the connection fails
	err = Webhook(context.Background(), nil, url, guardrailRun(i18n.English))
	if err == nil || strings.Contains(err.Error(), "SECRETTOKEN") {
		t.Errorf("unreachable: %v", err)
	}
}

// smtpServer is a minimal SMTP server: EHLO, STARTTLS, AUTH PLAIN, MAIL,
// RCPT, DATA, QUIT; it records what it received.
type smtpServer struct {
	addr     string
	roots    *tls.Config
	startTLS bool

	mu       sync.Mutex
	auth     string
	from     string
	rcpt     []string
	data     string
	tlsUsed  bool
	commands []string
}

func newSMTPServer(t *testing.T, startTLS bool) *smtpServer {
	t.Helper()
	web := httptest.NewTLSServer(http.NotFoundHandler()) // for its certificate for 127.0.0.1
	t.Cleanup(web.Close)
	serverCfg := &tls.Config{Certificates: web.TLS.Certificates}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &smtpServer{addr: ln.Addr().String(), startTLS: startTLS,
		roots: &tls.Config{RootCAs: web.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs}}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c, serverCfg)
		}
	}()
	return s
}

func (s *smtpServer) serve(c net.Conn, cfg *tls.Config) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(l string) { io.WriteString(c, l+"\r\n") }
	say("220 test ESMTP")
	secure := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		s.mu.Lock()
		s.commands = append(s.commands, verb)
		s.mu.Unlock()
		switch {
		case verb == "EHLO":
			if s.startTLS && !secure {
				say("250-test\r\n250-STARTTLS\r\n250 AUTH PLAIN")
			} else {
				say("250-test\r\n250 AUTH PLAIN")
			}
		case verb == "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(c, cfg)
			if tc.Handshake() != nil {
				return
			}
			c, r, secure = tc, bufio.NewReader(tc), true
			s.mu.Lock()
			s.tlsUsed = true
			s.mu.Unlock()
		case verb == "AUTH":
			b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(line, "AUTH PLAIN "))
			s.mu.Lock()
			s.auth = string(b)
			s.mu.Unlock()
			say("235 ok")
		case verb == "MAIL":
			s.mu.Lock()
			s.from = line
			s.mu.Unlock()
			say("250 ok")
		case verb == "RCPT":
			s.mu.Lock()
			s.rcpt = append(s.rcpt, line)
			s.mu.Unlock()
			say("250 ok")
		case verb == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			s.mu.Lock()
			s.data = b.String()
			s.mu.Unlock()
			say("250 queued")
		case verb == "QUIT":
			say("221 bye")
			return
		default:
			say("502 no")
		}
	}
}

func (s *smtpServer) spec() *pipeline.EmailSpec {
	host, port, _ := net.SplitHostPort(s.addr)
	p, _ := strconv.Atoi(port)
	return &pipeline.EmailSpec{Host: host, Port: p, From: "etl@shop.example", To: []string{"ops@shop.example", "chef@shop.example"},
		Username: "mailer", Password: "pw-very-secret"}
}

// parts reads the mail: its subject, text body and attachments by name.
func parts(t *testing.T, data string) (subject, body string, files map[string][]byte) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	subject, _ = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	files = map[string][]byte{}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p) // multipart decodes quoted-printable itself
		if p.FileName() == "" {
			body = string(b)
			continue
		}
		dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(b), "\r\n", ""))
		if err != nil {
			t.Fatal(err)
		}
		files[p.FileName()] = dec
	}
	return subject, body, files
}

func TestMailGermanWithAttachments(t *testing.T) {
	srv := newSMTPServer(t, true)
	dir := t.TempDir()
	diff := filepath.Join(dir, "diff.html")
	errs := filepath.Join(dir, "errors.xlsx")
	os.WriteFile(diff, []byte("<html>diff</html>"), 0o600)
	os.WriteFile(errs, []byte(strings.Repeat("x", 5000)), 0o600)
	r := guardrailRun(i18n.German)
	r.Summary.DiffHTML, r.Summary.ErrorWorkbook = diff, errs

	spec := srv.spec()
	if err := (Sender{TLS: srv.roots}).Mail(context.Background(), spec, r); err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock() // the server's goroutine wrote these
	defer srv.mu.Unlock()
	if !srv.tlsUsed || srv.auth != "\x00mailer\x00pw-very-secret" || len(srv.rcpt) != 2 || !strings.Contains(srv.from, "etl@shop.example") {
		t.Fatalf("tls %v auth %q from %q rcpt %v", srv.tlsUsed, srv.auth, srv.from, srv.rcpt)
	}
	subject, body, files := parts(t, srv.data)
	if !strings.Contains(subject, "FEHLER") || !strings.Contains(body, "Schutzregel max_price_change") || !strings.Contains(body, "gelesen 120") {
		t.Errorf("subject %q body %q", subject, body)
	}
	if string(files["diff.html"]) != "<html>diff</html>" || len(files["errors.xlsx"]) != 5000 {
		t.Errorf("attachments: %v", len(files))
	}
	if strings.Contains(srv.data, "pw-very-secret") || strings.Contains(srv.data, "mailer\x00") {
		t.Error("the message holds the login")
	}

	// a cap that errors.xlsx does not fit in: left out, and said so
	spec.MaxAttachmentBytes = 1000
	srv.mu.Unlock()
	err := (Sender{TLS: srv.roots}).Mail(context.Background(), spec, r)
	srv.mu.Lock()
	if err != nil {
		t.Fatal(err)
	}
	_, body, files = parts(t, srv.data)
	if _, ok := files["errors.xlsx"]; ok || files["diff.html"] == nil || !strings.Contains(body, "Nicht angehängt") || !strings.Contains(body, "errors.xlsx") {
		t.Errorf("capped: files %d body %q", len(files), body)
	}
}

func TestMailRefusesWithoutSTARTTLS(t *testing.T) {
	srv := newSMTPServer(t, false)
	err := (Sender{TLS: srv.roots}).Mail(context.Background(), srv.spec(), guardrailRun(i18n.English))
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("err %v", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	for _, c := range srv.commands {
		if c == "AUTH" || c == "MAIL" {
			t.Errorf("sent %s without TLS", c)
		}
	}
}

func TestMailEnglishUntrustedCertificate(t *testing.T) {
	srv := newSMTPServer(t, true)
	// the system roots do not trust the test certificate
	if err := (Sender{}).Mail(context.Background(), srv.spec(), guardrailRun(i18n.English)); err == nil {
		t.Fatal("sent to a server with an untrusted certificate")
	}
}
