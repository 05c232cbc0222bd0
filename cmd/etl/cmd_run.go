package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/internal/priority"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
	"github.com/wawi-etl/etl/report"
)

func init() { subcommands = append(subcommands, newRunCommand) }

type runOptions struct {
	dryRun      bool
	sets        []string
	source      string
	reportDir   string
	concurrency int
	noProgress  bool
	logFormat   string
	stateDir    string
	resume      bool
	force       bool
	full        bool
	lang        i18n.Lang
	priority    string
	// inbox: etl run --inbox (cmd_inbox.go); inboxFile: this run is one
	// file of it, which the inbox moves itself.
	inbox       string
	inboxSettle time.Duration
	inboxFile   bool
}

// defaultPriority is --priority's default.
var defaultPriority = priority.Low

func newRunCommand() *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run JOB.yaml [JOB.yaml...]",
		Short: "Run jobs",
		Long: `Run one or more jobs, one after the other. Each writes summary.json, and
errors.xlsx when records failed, into its report folder (default
reports/<job name>).

With --inbox DIR, the one job runs for every file of DIR in arrival order,
each with its own report folder, and each file then moves to DIR/done or
DIR/failed.

Exit codes: 0 every record succeeded; 1 the run finished and some records
failed; 2 a job could not start; 130 interrupted.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				// the usage says what run wants; cobra's own message would not
				fmt.Fprint(cmd.ErrOrStderr(), cmd.UsageString())
				return withCode(exitCannotStart, langOf(cmd).Errorf("run.needs.job"))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.lang = langOf(cmd)
			level, ok := priority.Parse(o.priority)
			if !ok {
				return withCode(exitCannotStart, o.lang.Errorf("priority.value", o.priority))
			}
			if err := priority.Apply(level); err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "etl:", o.lang.Errorf("priority.failed", err))
			}
			if o.inbox != "" {
				return runInbox(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args, o)
			}
			return runJobs(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.dryRun, "dry-run", false, "plan only: read, map and compare, write nothing")
	f.StringArrayVar(&o.sets, "set", nil, "override a key of the job, e.g. --set source.path=today.csv (repeatable)")
	f.StringVar(&o.source, "source", "", "read this file instead of source.path (type from its extension), e.g. a fixed errors.xlsx")
	f.StringVar(&o.reportDir, "report-dir", "", "folder for summary.json and errors.xlsx (default reports/<job name>)")
	f.IntVar(&o.concurrency, "concurrency", 0, "records in flight at once (default: the job's, else by sink type)")
	f.BoolVar(&o.noProgress, "no-progress", false, "no progress bar, even on a terminal")
	f.StringVar(&o.logFormat, "log-format", "text", "log format on stderr: text or json")
	f.StringVar(&o.stateDir, "state-dir", "", "folder for the journal and export watermarks (default .etl-state beside the job)")
	f.BoolVar(&o.resume, "resume", false, "continue an import of the same file that was interrupted, without writing anything twice")
	f.BoolVar(&o.force, "force", false, "import a file again that was already imported completely")
	f.BoolVar(&o.full, "full", false, "exports: ignore the incremental watermark and export everything the filters select")
	f.StringVar(&o.inbox, "inbox", "", "import every file of this folder, oldest first, each as its own run with reports in <report dir>/<file name>; moved to DIR/done or DIR/failed")
	f.StringVar(&o.priority, "priority", string(defaultPriority), "CPU priority: low (below normal, so that a Wawi on the same machine and the people working on it come first) or normal")
	f.DurationVar(&o.inboxSettle, "inbox-settle", defaultInboxSettle, "with --inbox: a file whose size changes within this time is still being written and waits for the next run")
	return cmd
}

func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})), nil
	}
	return nil, i18n.English.Errorf("log.format", format)
}

func runJobs(ctx context.Context, stdout, stderr io.Writer, paths []string, o runOptions) error {
	log, err := newLogger(stderr, o.logFormat)
	if err != nil {
		return withCode(exitCannotStart, o.lang.Errorf("log.format", o.logFormat))
	}
	worst := exitOK
	var lastErr error
	for _, path := range paths {
		code, err := runOne(ctx, stdout, stderr, log, path, o, len(paths) > 1)
		if err != nil {
			lastErr = err
			if len(paths) > 1 {
				errorLine(stderr, o.logFormat == "json", path+": "+err.Error())
			}
		}
		worst = worse(worst, code)
		if code == exitInterrupted {
			break
		}
	}
	if worst == exitOK {
		return nil
	}
	if len(paths) > 1 || lastErr == nil {
		lastErr = errors.New("") // already reported per job
	}
	return withCode(worst, lastErr)
}

// worse orders exit codes by what a caller must react to first.
func worse(a, b int) int {
	rank := map[int]int{exitOK: 0, exitRecordsFail: 1, exitCannotStart: 2, exitInterrupted: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func runOne(ctx context.Context, stdout, stderr io.Writer, log *slog.Logger, path string, o runOptions, many bool) (code int, err error) {
	defer func() { err = pipeline.LocalizeJobError(o.lang, err) }()
	sets := append([]string(nil), o.sets...)
	if o.source != "" {
		sets = append(sets, "source.path="+o.source)
		if t := pipeline.SourceTypeForPath(o.source); t != "" {
			// errors.xlsx fed back into a CSV job is read as a workbook;
			// an unknown extension keeps the job's type
			sets = append(sets, "source.type="+t)
		}
	}
	job, err := loadJob(o.lang, path, pipeline.LoadOptions{Sets: sets})
	if err != nil {
		return exitCannotStart, err
	}
	if o.inboxFile || (o.source != "" && !setsKey(o.sets, "source.after")) {
		// the inbox moves its files itself; a file given with --source (a
		// fixed errors.xlsx) is not the job's input, unless --set says so
		job.Source.After = nil
	}
	var sum *pipeline.Summary
	defer func() { notifyRun(ctx, log, job, sum, code, err, o.lang) }()
	defer pipeline.TuneGC(job)()
	reportDir := o.reportDir
	if reportDir != "" && many {
		reportDir = filepath.Join(reportDir, report.FolderName(jobName(job)))
	}
	client, err := erpClientFor(job, o.concurrency, log, o.lang)
	if err != nil {
		return exitCannotStart, err
	}
	resolver := resolverFor(client)

	var progress pipeline.Progress
	if f, ok := stderr.(*os.File); ok && !o.noProgress && o.logFormat != "json" && term.IsTerminal(int(f.Fd())) {
		progress = pipeline.NewBar(stderr, pipeline.BarOptions{Width: terminalWidth(f), Lang: o.lang, Tick: 200 * time.Millisecond})
	} else {
		progress = pipeline.NewLogProgress(log, 10*time.Second)
	}
	sum, err = pipeline.Run(ctx, job, pipeline.RunOptions{
		DryRun: o.dryRun, ReportDir: reportDir, Concurrency: o.concurrency,
		Progress: progress, Logger: log, Resolver: resolver,
		Conn: conn(client), StateDir: o.stateDir, Resume: o.resume, Force: o.force, Full: o.full,
		Lang: string(o.lang),
	})
	var se *pipeline.StartError
	if sum != nil && !errors.As(err, &se) {
		// the summary is printed here, not by the run, to speak the
		// user's language and log format
		printSummary(stdout, o.logFormat == "json", o.lang, sum, fileSink(job))
	}
	switch {
	case errors.As(err, &se):
		if inner := errors.Unwrap(se.Err); inner != nil && strings.HasPrefix(se.Err.Error(), "source: ") {
			// name the job file and the line of what is wrong, as validate does
			return exitCannotStart, pipeline.SourceErrorAt(job, inner)
		}
		if strings.HasPrefix(se.Err.Error(), "sink: ") {
			return exitCannotStart, pipeline.SinkErrorAt(job, se.Err)
		}
		return exitCannotStart, err
	case errors.Is(err, pipeline.ErrInterrupted):
		return exitInterrupted, o.lang.Errorf("exit.interrupted")
	case err == pipeline.ErrGuardrail:
		return exitRecordsFail, o.lang.Errorf("exit.guardrail")
	case errors.Is(err, pipeline.ErrGuardrail):
		return exitRecordsFail, errors.New(pipeline.TextIn(err, string(o.lang)))
	case err != nil:
		// a fatal error stopped the run after it started: auth lost, the
		// connection gone for longer than the retry budget
		return exitCannotStart, err
	case sum.Failed > 0:
		return exitRecordsFail, o.lang.Errorf("exit.failed", sum.Failed, sum.RecordsRead)
	case sum.DeletesFailed > 0:
		return exitRecordsFail, o.lang.Errorf("exit.deletes_failed", sum.DeletesFailed)
	}
	return exitOK, nil
}

// fileSink: the sink writes a file, so its records are "written", not
// "created".
func fileSink(job *pipeline.Job) bool {
	t, ok := pipeline.LookupSinkType(job.Sink.Type)
	return ok && !t.NeedsConn
}

// terminalWidth asks the terminal for its width at every redraw: a window
// may be resized during a run.
func terminalWidth(f *os.File) func() int {
	return func() int {
		w, _, err := term.GetSize(int(f.Fd()))
		if err != nil || w <= 0 {
			return 80
		}
		return w
	}
}

func jobName(job *pipeline.Job) string {
	if job.Name != "" {
		return job.Name
	}
	b := filepath.Base(job.File)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// conn is the client as a job's shared connection: none when nil.
func conn(c *erp.Client) any {
	if c == nil {
		return nil
	}
	return c
}

// erpClientFor builds the one Wawi client a job shares between its source,
// sink and lookups; nil for jobs that never talk to the Wawi.
func erpClientFor(job *pipeline.Job, concurrency int, log *slog.Logger, lang i18n.Lang) (*erp.Client, error) {
	if !pipeline.NeedsConn(job) {
		return nil, nil
	}
	cfg, err := configFromEnvAndSpec(job.ERP)
	if err != nil {
		return nil, lang.Errorf("erp.connection", configError(lang, err))
	}
	if concurrency <= 0 {
		concurrency = job.Options.Concurrency
	}
	if concurrency > 0 {
		cfg.Concurrency = concurrency
	}
	cfg.Logger = log
	c, err := erp.New(cfg)
	if err != nil {
		return nil, lang.Errorf("erp.connection", configError(lang, err))
	}
	return c, nil
}

// resolverFor gives mappings their ERP lookups (names to ids and back).
func resolverFor(c *erp.Client) mappings.Resolver {
	if c == nil {
		return nil
	}
	return erp.NewLookups(c)
}
