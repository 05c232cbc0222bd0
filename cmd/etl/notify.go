package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/internal/notify"
	"github.com/wawi-etl/etl/pipeline"
)

// notifySender sends the notifications of etl run; tests trust their own
// servers through it.
var notifySender = notify.Sender{}

// notifyRun sends options.notify for a finished run. A notification that
// cannot be sent is logged, without its credentials, and leaves the exit
// code as it is.
func notifyRun(ctx context.Context, log *slog.Logger, job *pipeline.Job, sum *pipeline.Summary, code int, runErr error, lang i18n.Lang) {
	if job == nil || job.Options.Notify == nil {
		return
	}
	r := notify.Run{Summary: sum, Job: jobName(job), ExitCode: code, Lang: lang}
	if runErr != nil {
		r.Error = runErr.Error()
	}
	// an interrupted run is still reported, within a bound of its own
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if err := notifySender.Send(ctx, job.Options.Notify, r); err != nil {
		log.Error("notification not sent", "job", r.Job, "error", err.Error())
	} else if notify.Due(job.Options.Notify.On, r) {
		log.Info("notification sent", "job", r.Job)
	}
}
