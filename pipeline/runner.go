package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/record"
)

// ErrInterrupted is returned when the run was stopped by the user; the
// records counted were finished and the reports written.
var ErrInterrupted = errors.New("interrupted")

// StartError means the job could not start: invalid job, unreadable source,
// no connection. Nothing was written.
type StartError struct{ Err error }

func (e *StartError) Error() string { return e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }

// RunOptions are the command line's say in a run.
type RunOptions struct {
	DryRun      bool
	ReportDir   string // default: ./reports/<job name>
	Concurrency int    // 0: from the job, else a default by sink type
	Progress    Progress
	Logger      *slog.Logger
	Resolver    mappings.Resolver
	// Stdout receives the short summary; nil for none.
	Stdout io.Writer
}

// Run executes a job and accounts for every record. The error is nil when
// the run finished (check Summary.Failed), a *StartError when it could not
// start, ErrInterrupted after Ctrl-C, or the fatal error that stopped it.
func Run(ctx context.Context, job *Job, o RunOptions) (*Summary, error) {
	start := time.Now()
	if o.Progress == nil {
		o.Progress = nopProgress{}
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	name := job.Name
	if name == "" {
		name = trimExt(filepath.Base(job.File))
	}
	sum := &Summary{Job: name, JobFile: job.File, DryRun: o.DryRun, StartedAt: start,
		Source: job.Source.Type, Sink: job.Sink.Type}
	reportDir := o.ReportDir
	if reportDir == "" {
		reportDir = job.Options.ReportDir
	}
	if reportDir == "" {
		reportDir = filepath.Join("reports", name)
	}

	conc := o.Concurrency
	if conc <= 0 {
		conc = job.Options.Concurrency
	}
	if conc <= 0 {
		conc = defaultConcurrency(job.Sink.Type)
	}

	env := &Env{JobDir: job.Dir, DryRun: o.DryRun, Logger: log, Concurrency: conc}
	src, err := OpenSource(ctx, &job.Source, env)
	if err != nil {
		return sum, &StartError{fmt.Errorf("source: %w", err)}
	}
	defer src.Close()
	mapper, err := mappings.Compile(&job.Mapping, src.Header(), mappings.Options{BaseDir: job.Dir, Resolver: o.Resolver})
	if err != nil {
		return sum, &StartError{job.mappingError(err)}
	}
	env.Targets = mapper.Targets()
	sink, err := OpenSink(ctx, &job.Sink, env)
	if err != nil {
		return sum, &StartError{fmt.Errorf("sink: %w", err)}
	}

	r := &runner{job: job, opts: o, log: log, src: src, sink: sink, mapper: mapper, sum: sum, conc: conc,
		apply: !o.DryRun, book: newErrorBook(filepath.Join(reportDir, "errors.xlsx"), src.Header())}
	if ord, ok := sink.(Ordered); ok && ord.Ordered() {
		r.ordered = true
	}
	runErr := r.pass(ctx)

	commit := runErr == nil && !o.DryRun
	if err := sink.Close(context.WithoutCancel(ctx), commit); err != nil && runErr == nil {
		runErr = fmt.Errorf("sink: %w", err)
	}
	if commit && job.Sink.Path != "" && (job.Sink.Type == "csv" || job.Sink.Type == "xlsx") {
		sum.Output = job.Sink.Path
	}
	if rq, ok := sink.(interface{ Requests() int64 }); ok {
		sum.Requests += rq.Requests()
	}
	if rq, ok := src.(interface{ Requests() int64 }); ok {
		sum.Requests += rq.Requests()
	}
	o.Progress.Finish()

	if p, err := r.book.close(); err != nil {
		log.Error("cannot write the error workbook", "err", err)
		if runErr == nil {
			runErr = fmt.Errorf("error workbook: %w", err)
		}
	} else {
		sum.ErrorWorkbook = p
	}
	sum.FinishedAt = time.Now()
	sum.DurationSeconds = sum.FinishedAt.Sub(start).Seconds()
	if errors.Is(runErr, ErrInterrupted) {
		sum.Interrupted = true
	} else if runErr != nil {
		sum.Fatal = runErr.Error()
	}
	if err := sum.WriteJSON(reportDir); err != nil {
		log.Error("cannot write summary.json", "err", err)
	}
	if !sum.Balanced() {
		// this is a bug in etl, never in the data: say so loudly
		runErr = errors.Join(runErr, fmt.Errorf("internal: records do not add up: %+v", *sum))
	}
	if o.Stdout != nil {
		sum.Print(o.Stdout, job.Sink.Type != "erp")
	}
	return sum, runErr
}

func defaultConcurrency(sinkType string) int {
	if sinkType == "erp" {
		return 8 // network bound: overlap round trips
	}
	return max(2, runtime.GOMAXPROCS(0))
}

func trimExt(s string) string { return s[:len(s)-len(filepath.Ext(s))] }

type runner struct {
	job     *Job
	opts    RunOptions
	log     *slog.Logger
	src     Source
	sink    Sink
	mapper  *mappings.Mapper
	sum     *Summary
	conc    int
	apply   bool
	ordered bool
	book    *errorBook
}

// result is one record's way through map and plan, handed to the in-order
// accounting goroutine.
type result struct {
	rec     *record.Record
	outcome Outcome
	plan    *Plan
	err     error
}

// pass reads the source to the end, mapping and planning records on a
// bounded pool; results are accounted in input order, and file sinks apply in
// that order too.
func (r *runner) pass(ctx context.Context) error {
	// In-flight records finish after Ctrl-C: only reading stops.
	work, cancelWork := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancelWork(nil)
	// Workers report failures through setFatal, not through the group: the
	// group's context would be cancelled by Wait while the accounting
	// goroutine still needs it.
	var g errgroup.Group
	g.SetLimit(r.conc)

	slots := make(chan chan *result, r.conc*4)
	var fatalMu sync.Mutex
	var fatal error
	setFatal := func(err error) {
		fatalMu.Lock()
		if fatal == nil {
			fatal = err
			cancelWork(err)
		}
		fatalMu.Unlock()
	}
	getFatal := func() error {
		fatalMu.Lock()
		defer fatalMu.Unlock()
		return fatal
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		for slot := range slots {
			res := <-slot
			r.finish(work, res, setFatal)
		}
	}()

	var readErr error
	for {
		if ctx.Err() != nil {
			readErr = ErrInterrupted
			break
		}
		if err := getFatal(); err != nil {
			break
		}
		rec, err := r.src.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				readErr = ErrInterrupted
			} else {
				readErr = fmt.Errorf("source: %w", err)
			}
			break
		}
		slot := make(chan *result, 1)
		slots <- slot
		g.Go(func() error {
			slot <- r.process(work, rec, setFatal)
			return nil
		})
	}
	_ = g.Wait()
	close(slots)
	<-done
	if f := getFatal(); f != nil {
		return f
	}
	return readErr
}

// process maps and plans one record, and applies it when the sink takes
// writes in any order.
func (r *runner) process(ctx context.Context, rec *record.Record, setFatal func(error)) *result {
	res := &result{rec: rec}
	if rec.Err != nil {
		res.outcome, res.err = Failed, rec.Err
		return res
	}
	if err := ctx.Err(); err != nil {
		res.outcome, res.err = Failed, fmt.Errorf("not processed, the run stopped: %w", context.Cause(ctx))
		return res
	}
	m, err := r.mapper.Apply(ctx, rec)
	if err != nil {
		setFatal(err)
		res.outcome, res.err = Failed, err
		return res
	}
	if m.Skip {
		res.outcome = Skipped
		return res
	}
	if len(m.Errs) > 0 {
		res.outcome, res.err = Failed, fieldErrors(m.Errs)
		return res
	}
	item := &Item{Rec: rec, Targets: r.mapper.Targets(), Values: m.Values}
	plan, err := r.sink.Plan(ctx, item)
	if err != nil {
		setFatal(err)
		res.outcome, res.err = Failed, err
		return res
	}
	res.plan, res.outcome, res.err = plan, plan.Outcome, plan.Err
	if !r.ordered && r.apply && writes(plan.Outcome) {
		if err := r.sink.Apply(ctx, plan); err != nil {
			if IsFatal(err) {
				setFatal(err)
			}
			res.outcome, res.err = Failed, err
		}
	}
	return res
}

func writes(o Outcome) bool { return o == Created || o == Updated }

// finish runs in input order: ordered sinks write here, and every record is
// counted exactly once.
func (r *runner) finish(ctx context.Context, res *result, setFatal func(error)) {
	if r.ordered && r.apply && res.plan != nil && writes(res.outcome) {
		if ctx.Err() != nil {
			res.outcome, res.err = Failed, fmt.Errorf("not written, the run stopped: %w", context.Cause(ctx))
		} else if err := r.sink.Apply(ctx, res.plan); err != nil {
			if IsFatal(err) {
				setFatal(err)
			}
			res.outcome, res.err = Failed, err
		}
	}
	if res.outcome == Failed && res.err == nil {
		res.err = errors.New("failed")
	}
	r.sum.count(res.outcome)
	if res.outcome == Failed {
		if err := r.book.add(res.rec, res.err); err != nil {
			setFatal(err)
		}
	}
	r.opts.Progress.Update(r.sum)
}

// mappingError points compile errors of the mapping at their line in the job
// file.
func (j *Job) mappingError(err error) error {
	var ce *mappings.CompileError
	if !errors.As(err, &ce) {
		return err
	}
	var errs JobErrors
	for _, se := range ce.Errs {
		if se.File != "" {
			// the field lives in an included mapping file: point there
			inc := &Job{File: se.File}
			if !filepath.IsAbs(se.File) {
				inc.File = filepath.Join(j.Dir, se.File)
			}
			path := fmt.Sprintf("$.fields[%d]", se.FileField)
			if se.Field < 0 {
				path = "$"
			}
			if se.Key != "" {
				path += "." + se.Key
			}
			errs = append(errs, inc.ErrorAt(path, se.Msg))
			continue
		}
		path := "$.mapping"
		if se.Field >= 0 {
			path = fmt.Sprintf("$.mapping.fields[%d]", se.Field-j.includedFields)
		}
		if se.Key != "" {
			path += "." + se.Key
		}
		errs = append(errs, j.ErrorAt(path, se.Msg))
	}
	return errs
}
