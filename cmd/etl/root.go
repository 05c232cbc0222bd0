package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/wawi-etl/etl/internal/i18n"
)

// Exit codes, chosen here and nowhere else.
const (
	exitOK          = 0   // every record succeeded
	exitRecordsFail = 1   // the run finished, some records failed (or a guardrail tripped)
	exitCannotStart = 2   // invalid job, unreadable source, auth or connection failure
	exitInterrupted = 130 // Ctrl-C
)

// exitError carries the exit code a command wants.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withCode attaches an exit code to err.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// subcommands is filled by the init functions of the cmd_*.go files, one
// command per file.
var subcommands []func() *cobra.Command

func newRootCommand(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "etl",
		Short:         "Move data in bulk between CSV/XLSX files and JTL-Wawi",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("lang", "", "language of messages and reports: de or en (default: from LC_ALL, LC_MESSAGES or LANG, else en)")
	// a wrong flag names the help that lists the right ones
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return withCode(exitCannotStart, langOf(cmd).Errorf("flag.wrong", err, cmd.CommandPath()))
	})
	root.SetOut(stdout)
	root.SetErr(stderr)
	for _, mk := range subcommands {
		root.AddCommand(mk())
	}
	return root
}

func run(args []string, stdout, stderr io.Writer) int {
	lang := i18n.Detect(flagInArgs(args, "lang"))
	jsonFormat := flagInArgs(args, "log-format") == "json"
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-finished:
		case <-ctx.Done():
			select {
			case <-finished: // run returned: this is its deferred stop
				return
			default:
			}
			// The first Ctrl-C lets in-flight records finish and the reports
			// be written; a second one is the default: the process ends.
			stop()
			if f, ok := stderr.(*os.File); ok && !jsonFormat && term.IsTerminal(int(f.Fd())) {
				// the progress line holds the cursor: the message goes below it
				fmt.Fprintln(stderr)
			}
			errorLine(stderr, jsonFormat, lang.T("interrupt"))
		}
	}()
	root := newRootCommand(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCannotStart
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if code != exitRecordsFail || ee == nil || ee.err.Error() != "" {
		errorLine(stderr, jsonFormat, err.Error())
	}
	return code
}
