package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/report"
)

// langOf is the language a command speaks: --lang, else the locale.
func langOf(cmd *cobra.Command) i18n.Lang {
	flag, _ := cmd.Flags().GetString("lang")
	return i18n.Detect(flag)
}

// flagInArgs finds --name VALUE or --name=VALUE in args before cobra has
// parsed them: the interrupt message and the last error line are written
// outside any command, and must speak the command's language and format.
func flagInArgs(args []string, name string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v
		}
		if a == "--"+name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// loadJob is pipeline.LoadJob with a job file that is not there said
// plainly, with where the examples are.
func loadJob(l i18n.Lang, path string, o pipeline.LoadOptions) (*pipeline.Job, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, l.Errorf("job.missing", path)
	}
	o.Lang = l
	job, err := pipeline.LoadJob(path, o)
	return job, pipeline.LocalizeJobError(l, err)
}

// errorLine writes the error a command ended with: "etl: ..." as text, or
// one JSON object with --log-format json, so that every line of a JSON run
// is JSON.
func errorLine(w io.Writer, jsonFormat bool, msg string) {
	if jsonFormat {
		slog.New(slog.NewJSONHandler(w, nil)).Error(msg)
		return
	}
	fmt.Fprintln(w, "etl:", msg)
}

// printSummary writes the short summary of a run: lines for people in
// their language, or with --log-format json one JSON object (msg
// "summary") with the counts under the keys of summary.json, followed by
// one object per guardrail that stopped the run.
func printSummary(w io.Writer, jsonFormat bool, l i18n.Lang, s *pipeline.Summary, fileSink bool) {
	if jsonFormat {
		log := slog.New(slog.NewJSONHandler(w, nil))
		args := []any{"job", s.Job, "dry_run", s.DryRun, "records_read", s.RecordsRead,
			"created", s.Created, "updated", s.Updated, "unchanged", s.Unchanged,
			"skipped", s.Skipped, "failed", s.Failed, "duration_seconds", s.DurationSeconds,
			"requests", s.Requests, "interrupted", s.Interrupted}
		for _, kv := range []struct{ k, v string }{{"output", s.Output}, {"error_workbook", s.ErrorWorkbook},
			{"diff_html", s.DiffHTML}, {"diff_workbook", s.DiffWorkbook}, {"fatal", s.Fatal}} {
			if kv.v != "" {
				args = append(args, kv.k, kv.v)
			}
		}
		if s.AlreadyImported {
			args = append(args, "already_imported", true, "already_imported_at", s.AlreadyImportedAt)
		}
		if s.Resumed > 0 {
			args = append(args, "resumed", s.Resumed)
		}
		for _, kv := range []struct {
			k string
			v int64
		}{{"deleted", s.Deleted}, {"deletes_failed", s.DeletesFailed}, {"duplicates", s.Duplicates}} {
			if kv.v > 0 {
				args = append(args, kv.k, kv.v)
			}
		}
		if s.PlanOnly {
			args = append(args, "plan_only", true)
		}
		log.Info("summary", args...)
		for _, t := range s.Guardrails {
			log.Warn("guardrail", "job", s.Job, "rule", t.Rule, "limit", t.Limit, "found", t.Found, "records", len(t.Records))
		}
		return
	}
	line := func(id i18n.Msg, args ...any) { fmt.Fprintln(w, l.T(id, args...)) }
	created := l.T("sum.created")
	if fileSink {
		created = l.T("sum.written")
	}
	mode := ""
	if s.DryRun || s.PlanOnly {
		// the counts say what the run would do
		created = l.T("sum.tobe.created")
		if fileSink {
			created = l.T("sum.tobe.written")
		}
		mode = l.T("sum.dryrun")
		if !s.DryRun {
			mode = l.T("sum.planonly")
		}
	}
	id := i18n.Msg("sum.line")
	if s.DryRun || s.PlanOnly {
		id = "sum.line.dry"
	}
	line(id, s.Job, s.RecordsRead, s.Created, created, s.Updated, s.Unchanged, s.Skipped, s.Failed, l.Decimal(s.DurationSeconds, 1), mode)
	if s.Deleted > 0 || s.DeletesFailed > 0 {
		if s.DryRun || s.PlanOnly {
			line("sum.prune.tobe", s.Deleted)
		} else {
			line("sum.prune", s.Deleted, s.DeletesFailed)
		}
	}
	if s.Duplicates > 0 {
		line("sum.duplicates", s.Duplicates)
	}
	if s.Requests > 0 {
		line("sum.requests", s.Requests)
	}
	if s.Output != "" {
		line("sum.output", s.Output)
	}
	if s.AlreadyImported {
		line("sum.already", s.AlreadyImportedAt.Format(time.DateTime))
		if s.AlreadyImportedFailed > 0 {
			fmt.Fprintln(w, l.Plural(s.AlreadyImportedFailed, "sum.already.failed.one", "sum.already.failed"))
		}
	}
	if s.Resumed > 0 {
		line("sum.resumed", s.Resumed)
	}
	for _, t := range s.Guardrails {
		line("sum.stopped.guard", pipeline.TripText(l, t.Rule, t.Limit, t.Found))
		for i, rec := range t.Records {
			if i == 5 {
				// Records holds the first ones only; Count says how many broke it
				line("sum.more", max(t.Count, int64(len(t.Records)))-5)
				break
			}
			detail := pipeline.TripDetail(l, t.Rule, rec.Detail)
			if rec.Err != nil {
				detail = report.ReasonText(l, rec.Err)
			}
			if rec.Key != "" {
				line("sum.row.key", rec.Row, rec.Key, detail)
			} else {
				line("sum.row", rec.Row, detail)
			}
		}
	}
	if s.DiffHTML != "" {
		line("sum.diff", s.DiffHTML, s.DiffWorkbook)
	}
	if s.ErrorWorkbook != "" {
		if s.Fatal == "" && !s.Interrupted && s.Source != report.SourceWawi {
			// rows of a file: fix them in the workbook, import it again
			line("sum.errors", s.ErrorWorkbook, s.ErrorWorkbook)
		} else {
			// Wawi documents are fixed in the Wawi; a run that stopped is
			// run again, not re-imported from its error workbook
			line("sum.errors.only", s.ErrorWorkbook)
			line("sum.next", s.NextStepIn(l))
		}
	}
	if s.Interrupted {
		if fileSink {
			line("sum.interrupted")
		} else {
			// an import keeps a journal: --resume finishes it
			line("sum.interrupted.resume")
		}
	}
	if s.Fatal != "" {
		line("sum.fatal", strings.ReplaceAll(s.Fatal, "\n", "\n    "))
	}
}

// germanConfig words the connection settings' most common problems (erp
// config.go) for a German merchant setting up a run.
var germanConfig = i18n.NewRules([][2]string{
	{"WAWI_URL is not set (e.g. {} or {})", "WAWI_URL ist nicht gesetzt (z. B. {} oder {})"},
	{"WAWI_URL {} is not an http(s) URL with a host (e.g. {})", "WAWI_URL {} ist keine http(s)-Adresse mit Host (z. B. {})"},
	{"no credentials: set WAWI_API_KEY (or WAWI_API_KEY_FILE) for an OnPremise Wawi, or WAWI_CLIENT_ID, WAWI_CLIENT_SECRET and WAWI_TENANT_ID for JTL Cloud (get a key with `etl register`)",
		"keine Zugangsdaten: für eine OnPremise-Wawi WAWI_API_KEY (oder WAWI_API_KEY_FILE) setzen, für JTL Cloud WAWI_CLIENT_ID, WAWI_CLIENT_SECRET und WAWI_TENANT_ID (einen Schlüssel gibt es mit `etl register`)"},
	{"cannot read the API key file {} (WAWI_API_KEY_FILE): {}", "die Schlüsseldatei {} (WAWI_API_KEY_FILE) lässt sich nicht lesen: {}"},
	{"the API key file {} (WAWI_API_KEY_FILE) is empty", "die Schlüsseldatei {} (WAWI_API_KEY_FILE) ist leer"},
	{"Cloud mode needs {}", "für JTL Cloud fehlt {}"},
	{"set only one of WAWI_API_KEY and WAWI_API_KEY_FILE", "nur eins von WAWI_API_KEY und WAWI_API_KEY_FILE setzen"},
}, nil)

// configError is a connection settings' problem in l's language, where it
// has words there.
func configError(l i18n.Lang, err error) error {
	var ce *erp.ConfigError
	if !errors.As(err, &ce) {
		return err
	}
	if l == i18n.German {
		if de, ok := germanConfig.Translate(ce.Msg); ok {
			return errors.New(de)
		}
		return err
	}
	// the console says "ERP connection: " before it; "erp config: " twice
	// over would be noise
	return errors.New(ce.Msg)
}
