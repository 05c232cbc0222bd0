// Package notify tells someone how a run went: a webhook (Slack, Teams,
// Mattermost) or an e-mail with the reports attached. A notification that
// cannot be sent is the caller's to log; it never changes the run's exit
// code. Credentials (webhook URL, SMTP login) never appear in a message or
// an error.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/report"
)

// Run is what a notification says about one run.
type Run struct {
	Summary *report.Summary // nil when the job could not start
	Job     string
	// ExitCode of etl run for this job: 0, 1 (records failed or a guardrail
	// tripped), 2 (could not start), 130 (interrupted).
	ExitCode int
	// Error is the message etl printed, "" when none.
	Error string
	Lang  i18n.Lang
}

// Guardrail reports whether a guardrail stopped the run.
func (r Run) Guardrail() bool { return r.Summary != nil && len(r.Summary.Guardrails) > 0 }

// Failed reports whether the run did not fully succeed.
func (r Run) Failed() bool { return r.ExitCode != 0 || r.Guardrail() }

// Due reports whether options.notify.on asks for a notification of r:
// failure (default) for any exit code but 0 or a tripped guardrail,
// guardrail for a tripped guardrail only, always for every run.
func Due(on string, r Run) bool {
	switch on {
	case "always":
		return true
	case "guardrail":
		return r.Guardrail()
	}
	return r.Failed()
}

// Status is the run's outcome in a few words.
func (r Run) Status() string {
	l := r.Lang
	switch {
	case r.Guardrail():
		return l.Pick("von einer Schutzregel gestoppt, nichts geschrieben", "stopped by a guardrail, nothing written")
	case r.ExitCode == 0:
		return l.Pick("erfolgreich", "succeeded")
	case r.ExitCode == 1:
		return l.Pick("Datensätze fehlgeschlagen", "records failed")
	case r.ExitCode == 130:
		return l.Pick("abgebrochen", "interrupted")
	}
	return l.Pick("konnte nicht starten oder wurde abgebrochen", "could not start or was stopped")
}

// Subject is the one-line headline of a message.
func (r Run) Subject() string {
	mark := "OK"
	if r.Failed() {
		mark = r.Lang.Pick("FEHLER", "FAILED")
	}
	return fmt.Sprintf("etl %s: %s (%s, exit %d)", r.Job, mark, r.Status(), r.ExitCode)
}

// Text is the summary people read: the headline, the counts, what tripped,
// the error.
func (r Run) Text() string {
	var b strings.Builder
	l := r.Lang
	b.WriteString(r.Subject() + "\n")
	if s := r.Summary; s != nil {
		if s.DryRun {
			b.WriteString(l.Pick("Probelauf: nichts wurde geschrieben.\n", "Dry run: nothing was written.\n"))
		}
		fmt.Fprintf(&b, l.Pick("gelesen %d · angelegt %d · geändert %d · unverändert %d · übersprungen %d · fehlgeschlagen %d\n",
			"read %d · created %d · updated %d · unchanged %d · skipped %d · failed %d\n"),
			s.RecordsRead, s.Created, s.Updated, s.Unchanged, s.Skipped, s.Failed)
		if s.AlreadyImported {
			b.WriteString(l.Pick("Diese Datei wurde schon importiert; nichts zu tun.\n", "This file was imported before; nothing to do.\n"))
		}
		for _, g := range s.Guardrails {
			fmt.Fprintf(&b, l.Pick("Schutzregel %s: Grenze %s, gefunden %s\n", "guardrail %s: limit %s, found %s\n"), g.Rule, g.Limit, g.Found)
		}
		if s.Fatal != "" {
			b.WriteString(s.Fatal + "\n")
		}
	}
	if r.Error != "" && (r.Summary == nil || r.Error != r.Summary.Fatal) {
		b.WriteString(r.Error + "\n")
	}
	return b.String()
}

// Webhook POSTs the summary's fields as JSON with text (Slack, Mattermost
// and Teams incoming webhooks show it), exit_code and status added.
func Webhook(ctx context.Context, client *http.Client, webhookURL string, r Run) error {
	fields := map[string]any{}
	if r.Summary != nil {
		b, err := json.Marshal(r.Summary)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &fields); err != nil {
			return err
		}
	}
	fields["job"] = r.Job
	fields["text"] = r.Text()
	fields["exit_code"] = r.ExitCode
	fields["status"] = r.Status()
	if r.Error != "" {
		fields["error"] = r.Error
	}
	body, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhookURL, bytes.NewReader(body))
	if err != nil {
		return errors.New("webhook: the URL is not valid")
	}
	req.Header.Set("Content-Type", "application/json")
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text holds the URL, whose path is the token
		}
		return fmt.Errorf("webhook %s: %w", hostOf(webhookURL), err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s: answered %s", hostOf(webhookURL), resp.Status)
	}
	return nil
}

// hostOf names a URL's server only: the rest may be a secret.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	return u.Host
}
