package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/wawi-etl/etl/pipeline"
)

// DefaultMaxAttachments caps the attachments of one mail together; many
// mail servers refuse messages past 10 to 25 MB.
const DefaultMaxAttachments = 10 << 20

// Sender sends notifications; the zero value uses the system's certificate
// roots and default timeouts.
type Sender struct {
	HTTP *http.Client
	// TLS is the STARTTLS configuration; nil verifies the server's
	// certificate against the system roots. Tests trust their own.
	TLS *tls.Config
}

// Send sends what spec asks for when it is due for r. Every channel is
// tried; the error joins those that failed.
func (s Sender) Send(ctx context.Context, spec *pipeline.NotifySpec, r Run) error {
	if spec == nil || !Due(spec.On, r) {
		return nil
	}
	var errs []error
	if spec.Webhook != nil && spec.Webhook.URL != "" {
		errs = append(errs, Webhook(ctx, s.HTTP, spec.Webhook.URL, r))
	}
	if spec.Email != nil {
		errs = append(errs, s.Mail(ctx, spec.Email, r))
	}
	return errors.Join(errs...)
}

// Mail sends r by SMTP with STARTTLS (required: the login and the reports
// must not travel in clear), diff.html and errors.xlsx attached when they
// exist and fit in the cap.
func (s Sender) Mail(ctx context.Context, e *pipeline.EmailSpec, r Run) error {
	if e.Host == "" || e.From == "" || len(e.To) == 0 {
		return errors.New("e-mail: host, from and to are needed")
	}
	port := e.Port
	if port == 0 {
		port = 587
	}
	addr := net.JoinHostPort(e.Host, strconv.Itoa(port))
	msg, err := message(e, r)
	if err != nil {
		return err
	}
	d := net.Dialer{Timeout: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("e-mail %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, e.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("e-mail %s: %w", addr, err)
	}
	defer c.Close()
	fail := func(step string, err error) error { return fmt.Errorf("e-mail %s: %s: %w", addr, step, err) }
	if err := c.Hello("localhost"); err != nil {
		return fail("EHLO", err)
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return fail("STARTTLS", errors.New("the server does not offer it; refusing to send in clear"))
	}
	cfg := s.TLS
	if cfg == nil {
		cfg = &tls.Config{}
	}
	cfg = cfg.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = e.Host
	}
	if err := c.StartTLS(cfg); err != nil {
		return fail("STARTTLS", err)
	}
	if e.Username != "" || e.Password != "" {
		if err := c.Auth(smtp.PlainAuth("", e.Username, e.Password, e.Host)); err != nil {
			return fail("AUTH", errors.New("login refused")) // the server's text may echo the login
		}
	}
	if err := c.Mail(e.From); err != nil {
		return fail("MAIL FROM", err)
	}
	for _, to := range e.To {
		if err := c.Rcpt(to); err != nil {
			return fail("RCPT TO "+to, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fail("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fail("DATA", err)
	}
	if err := w.Close(); err != nil {
		return fail("DATA", err)
	}
	return c.Quit()
}

// message is the MIME mail: the summary as text, then the reports that fit.
func message(e *pipeline.EmailSpec, r Run) ([]byte, error) {
	limit := e.MaxAttachmentBytes
	if limit <= 0 {
		limit = DefaultMaxAttachments
	}
	type file struct {
		name string
		data []byte
	}
	var files []file
	var left []string
	var total int64
	if s := r.Summary; s != nil {
		for _, p := range []string{s.DiffHTML, s.ErrorWorkbook} {
			if p == "" {
				continue
			}
			st, err := os.Stat(p)
			if err != nil {
				continue
			}
			if total+st.Size() > limit {
				left = append(left, filepath.Base(p))
				continue
			}
			data, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			total += int64(len(data))
			files = append(files, file{filepath.Base(p), data})
		}
	}
	text := r.Text()
	if len(left) > 0 {
		text += "\n" + fmt.Sprintf(r.Lang.Pick("Nicht angehängt (zusammen größer als %d MB): %s — im Berichtsordner auf dem Rechner des Laufs.\n",
			"Not attached (together larger than %d MB): %s — see the report folder on the machine that ran it.\n"), (limit+(1<<20)-1)>>20, strings.Join(left, ", "))
	}

	var b bytes.Buffer
	boundary := "etl-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	hdr := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	hdr("From", e.From)
	hdr("To", strings.Join(e.To, ", "))
	hdr("Subject", mime.QEncoding.Encode("utf-8", r.Subject()))
	hdr("Date", time.Now().Format(time.RFC1123Z))
	hdr("MIME-Version", "1.0")
	hdr("Content-Type", `multipart/mixed; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary)
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(text, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	qp.Close()
	b.WriteString("\r\n")
	for _, f := range files {
		ctype := mime.TypeByExtension(filepath.Ext(f.name))
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=%q\r\n\r\n", boundary, ctype, f.name)
		enc := base64.StdEncoding.EncodeToString(f.data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes(), nil
}
