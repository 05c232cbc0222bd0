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
	"sync/atomic"
	"time"

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
	// Conn is the Wawi client for jobs that use it (Env.Conn).
	Conn any
	// StateDir overrides options.state_dir (default .etl-state beside the job).
	StateDir string
	// Resume continues an input whose earlier run did not finish; Force runs
	// an input again that was already imported; Full ignores watermarks.
	Resume, Force, Full bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Lang is the language of reports and messages people read ("de" or
	// "en"; see internal/i18n); empty means English.
	Lang string
}

// ErrGuardrail is returned when a guardrail stopped an import before its
// first write; Summary.Guardrails says which and on which records.
var ErrGuardrail = errors.New("guardrail tripped: nothing was written")

// WordedError is an error that words itself in the user's language (the
// CLI prints TextIn instead of Error): a sink's guardrail whose findings
// are German anyway, like the datev sink's completeness check.
type WordedError interface {
	error
	TextIn(lang string) string
}

// TextIn is err in lang where it (or an error it wraps) words itself, else
// err's own text.
func TextIn(err error, lang string) string {
	var w WordedError
	if errors.As(err, &w) {
		return w.TextIn(lang)
	}
	return err.Error()
}

// Run executes a job and accounts for every record. The error is nil when
// the run finished (check Summary.Failed), a *StartError when it could not
// start, ErrInterrupted after Ctrl-C, or the fatal error that stopped it.
func Run(ctx context.Context, job *Job, o RunOptions) (*Summary, error) {
	start := time.Now()
	if o.Progress == nil {
		o.Progress = nopProgress{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	name := job.Name
	if name == "" {
		name = trimExt(filepath.Base(job.File))
	}
	sum := &Summary{Job: name, JobFile: job.File, DryRun: o.DryRun, StartedAt: start,
		Source: job.Source.Type, Sink: job.Sink.Type, Location: reportLocation(job)}
	reportDir, err := resolveReportDir(o, job, name)
	if err != nil {
		return sum, &StartError{err}
	}
	// a source.path of https://, sftp://, ftp(s):// is read from a local copy (remote.go)
	orig := job
	job, file, cleanup, err := localSource(ctx, job, stateDirOf(job, o), o)
	if err != nil {
		return sum, &StartError{fmt.Errorf("source: %w", err)}
	}
	defer cleanup()
	if file.remote != nil {
		sum.SourceFile = file.remote.URL
	}
	r, src, env, err := open(ctx, job, o, name, sum, reportDir)
	if err != nil {
		return sum, err
	}
	srcClosed := false
	defer func() {
		if !srcClosed {
			src.Close()
		}
	}()

	var runErr error
	if r.twoPass {
		runErr = r.runImport(ctx, src, env, reportDir, r.srcType.ReadsFile)
	} else {
		runErr = r.pass(ctx, src)
	}
	runErr = r.commit(ctx, src, runErr)
	// closed before source.after moves the file (Windows keeps open files)
	src.Close()
	srcClosed = true
	r.afterRun(ctx, orig, file, runErr)
	return sum, r.report(runErr, start, reportDir)
}

// open opens the source, compiles the mapping and opens the sink: the
// runner, ready for its passes. Errors are StartErrors: nothing was written.
func open(ctx context.Context, job *Job, o RunOptions, name string, sum *Summary, reportDir string) (*runner, Source, *Env, error) {
	srcType, _ := LookupSourceType(job.Source.Type)
	sinkType, _ := LookupSinkType(job.Sink.Type)
	conc := o.Concurrency
	if conc <= 0 {
		conc = job.Options.Concurrency
	}
	if conc <= 0 {
		conc = defaultConcurrency(srcType.NeedsConn || sinkType.NeedsConn)
	}
	stateDir := stateDirOf(job, o)
	env := &Env{JobDir: job.Dir, SourcePath: job.Source.Path, DryRun: o.DryRun, Logger: o.Logger, Concurrency: conc,
		Conn: o.Conn, JobName: name, StateDir: stateDir, Full: o.Full, Now: o.Now}
	if sinkType.WritesFile {
		// before anything is read: the output must not destroy an input
		if err := checkOutputPath(job, srcType.ReadsFile); err != nil {
			return nil, nil, nil, &StartError{err}
		}
	}
	src, err := OpenSource(ctx, &job.Source, env)
	if err != nil {
		return nil, nil, nil, &StartError{fmt.Errorf("source: %w", err)}
	}
	// Lookups create nothing (missing categories) until the sink is known:
	// a sink that plans first creates only in its writing pass (runImport).
	dry, _ := o.Resolver.(dryRunner)
	if dry != nil {
		dry.SetDryRun(true)
	}
	if job.Sink.DisableWorkflows == nil && job.ERP != nil {
		job.Sink.DisableWorkflows = job.ERP.DisableWorkflows
	}
	fail := func(err error) (*runner, Source, *Env, error) {
		src.Close()
		return nil, nil, nil, &StartError{err}
	}
	mapper, err := mappings.Compile(&job.Mapping, src.Header(), mappings.Options{BaseDir: job.Dir, Resolver: o.Resolver})
	if err != nil {
		return fail(job.mappingError(withHeaderRowHint(ctx, &job.Source, env, err)))
	}
	projectSource(src, &job.Mapping)
	env.Targets = mapper.Targets()
	sink, err := OpenSink(ctx, &job.Sink, env)
	if err != nil {
		return fail(fmt.Errorf("sink: %w", err))
	}
	planner, _ := sink.(Planner)
	r := &runner{job: job, opts: o, log: o.Logger, sink: sink, mapper: mapper, sum: sum, conc: conc,
		apply: !o.DryRun, book: newErrorBook(filepath.Join(reportDir, "errors.xlsx"), src.Header(), reportLang(o)),
		srcType: srcType, twoPass: planner != nil && planner.PlansBeforeWriting()}
	if dry != nil {
		dry.SetDryRun(o.DryRun || r.twoPass)
	}
	if ord, ok := sink.(Ordered); ok && ord.Ordered() {
		r.ordered = true
	}
	// a workbook's parameters sheet says what the source selected (period,
	// filters, counts)
	if p, ok := src.(ParameterSource); ok {
		if ps, ok := sink.(ParameterSink); ok {
			ps.SetParameters(p.Parameters)
		}
	}
	return r, src, env, nil
}

// commit closes the sink, committing its output when the run succeeded,
// and only then the source's state (an export's watermark).
func (r *runner) commit(ctx context.Context, src Source, runErr error) error {
	commit := runErr == nil && !r.opts.DryRun
	closeErr := r.sink.Close(context.WithoutCancel(ctx), commit)
	if closeErr != nil && runErr == nil {
		runErr = Fatal(fmt.Errorf("sink: %w", closeErr))
	}
	if commit && closeErr == nil {
		if fo, ok := r.sink.(FileOutput); ok && fo.OutputPath() != "" {
			r.sum.Output = fo.OutputPath()
		}
		// A source that keeps state (an export's watermark) advances it only
		// once the output is safely in place, and a watermark that cannot be
		// saved fails the run: the next run would skip or repeat documents.
		if c, ok := src.(Committer); ok {
			if err := c.Commit(); err != nil {
				runErr = fmt.Errorf("the export was written, but its watermark could not be saved, so the next incremental run would start from the wrong place (run it with --full or fix the state folder): %w", err)
			}
		}
	}
	if _, ok := r.sink.(FileOutput); ok && !r.opts.DryRun && r.sum.Output == "" && runErr != nil {
		r.outputLost()
	}
	for _, part := range []any{r.sink, src} {
		if rq, ok := part.(RequestCounter); ok {
			r.sum.Requests += rq.Requests()
		}
	}
	return runErr
}

// report finishes the error workbook and the summary, and prints it.
func (r *runner) report(runErr error, start time.Time, reportDir string) error {
	sum := r.sum
	r.opts.Progress.Finish()
	if p, err := r.book.close(); err != nil {
		r.log.Error("cannot write the error workbook", "err", err)
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
	} else if runErr != nil && !errors.Is(runErr, ErrGuardrail) {
		sum.Fatal = runErr.Error()
	}
	if err := sum.WriteJSON(reportDir); err != nil {
		r.log.Error("cannot write summary.json", "err", err)
	}
	if !sum.Balanced() {
		// this is a bug in etl, never in the data: say so loudly
		runErr = errors.Join(runErr, fmt.Errorf("internal: records do not add up: %+v", *sum))
	}
	return runErr
}

// progressEvery: the progress display hears of every 64th record; asking
// the clock after each one cost a tenth of a file job's accounting.
const progressEvery = 64

// fileBatch is how many records a worker maps at a time for a file sink.
const fileBatch = 256

// importAhead is how many records per request in flight an import's
// passes hold: the client bounds the requests in flight (concurrency), and
// the extra workers keep its slots busy while others map, plan, wait for
// the journal or for a record planned together with them (the two prices
// of one item wait on one read of the item's prices).
const importAhead = 4

// workers is the size of a pass's pool: concurrency, or for an import
// (whose Wawi client bounds the requests in flight by itself) importAhead
// times that. Concurrency 1 stays one record at a time, in file order.
func (r *runner) workers() int {
	if r.twoPass && r.conc > 1 {
		return r.conc * importAhead
	}
	return r.conc
}

// pool bounds the records in flight: first at the start, max once a
// record went through without a fatal error (widen). A Wawi that fails
// every request (a wrong URL, rejected credentials) thus stops the run with
// as few records failed as at concurrency, not importAhead times as many.
type pool struct {
	sem  chan struct{}
	held int // slots taken until widen
	once sync.Once
}

func newPool(first, max int) *pool {
	p := &pool{sem: make(chan struct{}, max), held: max - first}
	for range p.held {
		p.sem <- struct{}{}
	}
	return p
}

func (p *pool) acquire() { p.sem <- struct{}{} }
func (p *pool) release() { <-p.sem }

// widen frees the held slots; the channel always holds at least them.
func (p *pool) widen() {
	p.once.Do(func() {
		for range p.held {
			<-p.sem
		}
	})
}

// defaultConcurrency: a job that talks to the Wawi (export or import) is
// bound by round trips and overlaps 8 of them, the client's own default; a
// file job is bound by the CPU.
func defaultConcurrency(network bool) int {
	if network {
		return 8
	}
	return max(2, runtime.GOMAXPROCS(0))
}

func trimExt(s string) string { return s[:len(s)-len(filepath.Ext(s))] }

type runner struct {
	job     *Job
	opts    RunOptions
	log     *slog.Logger
	sink    Sink
	mapper  *mappings.Mapper
	sum     *Summary
	conc    int
	apply   bool
	ordered bool
	book    *errorBook
	srcType SourceType
	// twoPass: the sink plans before writing (Planner): an import
	twoPass bool

	// set for ERP imports
	journal *Journal
	guard   *guardrails
	diff    *DiffReport
	resumed atomic.Int64
	// keys notes, while planning, the rows that share a key; order then
	// keeps them in file order while writing (see keyOrder).
	keys  *keyOrder
	order *keyOrder
	// dups finds rows that share a key while planning; dupVerdicts say
	// what becomes of them in the passes after (see duplicates.go).
	dups        *dupScan
	dupVerdicts map[int64]dupVerdict
	// diffQ takes the diff report's records during a planning pass (see
	// pass); nil: finish adds them itself.
	diffQ chan diffEntry
}

// diffEntry is what finish hands the diff report of one record.
type diffEntry struct {
	rec     *record.Record
	plan    *Plan
	outcome Outcome
	err     error
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
func (r *runner) pass(ctx context.Context, src Source) error {
	// In-flight records finish after Ctrl-C: only reading stops.
	work, cancelWork := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancelWork(nil)
	// Workers report failures through setFatal. They live as long as the
	// pass: a goroutine per record grew its stack anew for every record
	// (planning and writing go deep), a fifth of a worker's CPU time.
	workers := r.workers()
	pool := newPool(r.conc, workers)
	// a record is handed over only once pool gave it a slot, so it never
	// waits for a worker: there are as many as slots
	jobs := make(chan func(), workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				job()
			}
		}()
	}

	// Records travel in batches: for file sinks, where a record costs a
	// microsecond or two, handing each to a worker on its own would cost
	// more than the work. ERP records go one at a time, so that one slow
	// request holds up no other record (the client bounds the requests in
	// flight, see workers).
	batchSize := 1
	if r.ordered {
		batchSize = fileBatch
	}
	// a slot is a batch's results, in order, and its rows
	type batchDone struct {
		out  []*result
		rows RowBatch
	}
	slots := make(chan chan batchDone, workers*4)
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

	// The planning pass's diff report is written on a goroutine of its
	// own, in order: the one goroutine that accounts for every record in
	// order otherwise spends most of its time on it while the records of
	// an index just loaded wait for it (nothing is written in this pass,
	// so a failed report stops the run a few records later at most).
	var reported chan struct{}
	if r.diff != nil && !r.apply {
		q := make(chan diffEntry, 1024)
		reported = make(chan struct{})
		diff := r.diff
		go func() {
			defer close(reported)
			for e := range q {
				if err := diff.Add(e.rec, e.plan, e.outcome, e.err); err != nil {
					setFatal(fmt.Errorf("diff report: %w", err))
				}
			}
		}()
		r.diffQ = q
		defer func() { r.diffQ = nil }()
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		for slot := range slots {
			b := <-slot
			for _, res := range b.out {
				r.finish(work, res, setFatal)
			}
			// the diff report's goroutine may still hold the plans
			if rel, ok := b.rows.(RowReleaser); ok && r.diffQ == nil {
				rel.Release()
			}
		}
	}()

	batch := make([]*record.Record, 0, batchSize)
	dispatch := func() {
		recs := batch
		batch = make([]*record.Record, 0, batchSize)
		slot := make(chan batchDone, 1)
		slots <- slot
		pool.acquire()
		jobs <- func() {
			defer pool.release()
			// one allocation each for the batch's results and items
			out := make([]*result, len(recs))
			results := make([]result, len(recs))
			items := make([]Item, len(recs))
			var rows RowBatch
			if rp, ok := r.sink.(RowPlanner); ok {
				rows = rp.NewRows(len(recs))
			}
			// the lines of a document are mostly in one batch
			var dc mappings.DocCache
			for i, rec := range recs {
				out[i] = &results[i]
				r.process(work, rec, setFatal, &results[i], &items[i], rows, &dc)
				if !IsFatal(results[i].err) {
					pool.widen()
				}
			}
			slot <- batchDone{out, rows}
		}
	}
	var readErr error
	for {
		if ctx.Err() != nil {
			readErr = ErrInterrupted
			break
		}
		if err := getFatal(); err != nil {
			break
		}
		rec, err := src.Next(ctx)
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
		if batch = append(batch, rec); len(batch) == batchSize {
			dispatch()
		}
	}
	if len(batch) > 0 {
		dispatch() // records read are accounted for, whatever stopped the reading
	}
	close(jobs)
	wg.Wait()
	close(slots)
	<-done
	if reported != nil {
		close(r.diffQ)
		<-reported
	}
	if f := getFatal(); f != nil {
		return f
	}
	return readErr
}

// process maps and plans one record into res, and applies it when the sink
// takes writes in any order; item is the record's, for the sink. rows is
// set for sinks that take values typed.
func (r *runner) process(ctx context.Context, rec *record.Record, setFatal func(error), res *result, item *Item, rows RowBatch, dc *mappings.DocCache) {
	if r.order != nil {
		// a row whose key an earlier row has plans only after that one is
		// written, against what it wrote: the last row of a key wins
		r.order.wait(ctx, rec.Seq)
		defer r.order.done(rec.Seq)
	}
	res.rec = rec
	if rec.Err != nil {
		res.outcome, res.err = Failed, rec.Err
		return
	}
	if err := ctx.Err(); err != nil {
		res.outcome, res.err = Failed, fmt.Errorf("not processed, the run stopped: %w", context.Cause(ctx))
		return
	}
	var row RowPlan
	var m mappings.Result
	var err error
	if rows != nil {
		row = rows.Row()
		m, err = r.mapper.ApplyToWith(ctx, rec, row, dc)
	} else {
		m, err = r.mapper.Apply(ctx, rec)
	}
	if err != nil {
		if !IsFatal(err) {
			// a lookup that failed for this record only
			res.outcome, res.err = Failed, err
			return
		}
		setFatal(err)
		res.outcome, res.err = Failed, err
		return
	}
	if m.Skip {
		res.outcome = Skipped
		return
	}
	if len(m.Errs) > 0 {
		res.outcome, res.err = Failed, fieldErrors(m.Errs)
		return
	}
	*item = Item{Rec: rec, Targets: r.mapper.Targets(), Values: m.Values}
	var plan *Plan
	if row != nil {
		plan, err = row.Plan(ctx, item)
	} else {
		plan, err = r.sink.Plan(ctx, item)
	}
	if err != nil && !IsFatal(err) {
		res.outcome, res.err = Failed, err
		return
	}
	if err != nil {
		setFatal(err)
		res.outcome, res.err = Failed, err
		return
	}
	res.plan, res.outcome, res.err = plan, plan.Outcome, plan.Err
	if v, ok := r.dupVerdicts[rec.Seq]; ok && plan.Key == v.key {
		res.outcome, res.err = v.outcome, v.err
		if v.note != "" {
			r.log.Info("duplicate row", "row", rec.Row, "note", v.note)
		}
		return
	}
	if !r.ordered && r.apply && writes(plan.Outcome) {
		r.applyJournaled(ctx, res, setFatal)
	}
}

// applyJournaled writes one planned record, recording in the journal that
// the write is about to happen and that it happened, so a rerun after a
// crash neither skips nor repeats it.
func (r *runner) applyJournaled(ctx context.Context, res *result, setFatal func(error)) {
	plan, seq := res.plan, res.rec.Seq
	rc, reconciles := r.sink.(Reconciler)
	if r.journal == nil {
		r.applyPlan(ctx, res, setFatal, nil)
		return
	}
	e, found, err := r.journal.Get(seq)
	if err != nil {
		setFatal(fmt.Errorf("journal: %w", err))
		res.outcome, res.err = Failed, err
		return
	}
	if found && e.State == JournalApplied {
		res.outcome = Unchanged // applied by the run that was interrupted
		r.resumed.Add(1)
		return
	}
	if found && e.State == JournalPending && reconciles {
		landed, err := rc.Landed(ctx, plan, e.Detail)
		if err != nil {
			res.outcome, res.err = Failed, fmt.Errorf("an interrupted run may have written this record and it cannot be checked: %w", err)
			return
		}
		if landed {
			res.outcome = Unchanged
			r.resumed.Add(1)
			_ = r.journal.Put(seq, JournalEntry{State: JournalApplied, Outcome: e.Outcome, Key: plan.Key, Detail: e.Detail, At: r.opts.Now()})
			return
		}
	}
	var detail string
	noted := false
	note := func(d string) error {
		detail, noted = d, true
		e := JournalEntry{State: JournalPending, Outcome: plan.Outcome.String(), Key: plan.Key, Detail: d, At: r.opts.Now()}
		if d != "" {
			// Only this entry can settle the write after a crash (Landed
			// reads it): on disk before the request leaves, even if the
			// power fails.
			return r.journal.PutDurable(seq, e)
		}
		// The record's fresh plan settles it after a crash (it finds what
		// was written): losing this entry with the last batch is harmless.
		return r.journal.Put(seq, e)
	}
	r.applyPlan(ctx, res, setFatal, note)
	if !noted {
		return // nothing was sent
	}
	state := JournalApplied
	switch {
	case IsOutcomeUnknown(res.err):
		return // stays pending: a rerun checks whether it landed
	case res.outcome == Failed:
		state = JournalFailed
	}
	if err := r.journal.Put(seq, JournalEntry{State: state, Outcome: res.outcome.String(), Key: plan.Key, Detail: detail, At: r.opts.Now()}); err != nil {
		setFatal(fmt.Errorf("journal: %w", err))
	}
}

// applyPlan writes through the sink; with note, the sink (or, for sinks
// that are no Reconciler, the runner) notes the write as pending first.
func (r *runner) applyPlan(ctx context.Context, res *result, setFatal func(error), note func(string) error) {
	var err error
	switch rc, ok := r.sink.(Reconciler); {
	case note != nil && ok:
		err = rc.ApplyNoted(ctx, res.plan, note)
	case note != nil:
		if err = note(""); err != nil {
			err = Fatal(fmt.Errorf("journal: %w", err))
			break
		}
		err = r.sink.Apply(ctx, res.plan)
	default:
		err = r.sink.Apply(ctx, res.plan)
	}
	if err != nil {
		if IsFatal(err) {
			setFatal(err)
		}
		res.outcome, res.err = Failed, err
	}
}

func writes(o Outcome) bool { return o == Created || o == Updated }

// finish runs in input order: ordered sinks write here, and every record is
// counted exactly once.
func (r *runner) finish(ctx context.Context, res *result, setFatal func(error)) {
	if r.ordered && r.apply && res.plan != nil && writes(res.outcome) {
		if ctx.Err() != nil {
			// the run's fatal error (e.g. the disk is full) is why: said
			// once in the summary, not per record
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
	countOutcome(r.sum, res.outcome)
	if r.guard != nil {
		r.guard.observe(res)
	}
	if r.dups != nil && res.plan != nil && res.plan.Key != "" && res.outcome != Failed && res.plan.Item != nil {
		r.dups.see(res.plan.Key, res.rec.Seq, res.rec.Row, res.plan.Item.Values)
	}
	if _, dup := r.dupVerdicts[res.rec.Seq]; dup && res.outcome == Unchanged {
		r.sum.Duplicates++
	}
	if r.keys != nil && res.plan != nil && res.plan.Key != "" {
		r.keys.see(res.plan.Key, res.rec.Seq)
	}
	if r.diffQ != nil {
		r.diffQ <- diffEntry{res.rec, res.plan, res.outcome, res.err}
	} else if r.diff != nil {
		if err := r.diff.Add(res.rec, res.plan, res.outcome, res.err); err != nil {
			setFatal(fmt.Errorf("diff report: %w", err))
		}
	}
	// A file sink's record that failed because the run did (its output
	// cannot be written, a lookup lost its connection) is fine as it is:
	// the error workbook is for rows to fix and import again, and a file
	// is written whole or not at all.
	if res.outcome == Failed && !(r.ordered && IsFatal(res.err)) {
		if err := r.book.add(res.rec, res.err); err != nil {
			setFatal(err)
		}
	}
	if r.sum.RecordsRead%progressEvery == 0 {
		r.opts.Progress.Update(r.sum)
	}
}

// outputLost recounts a file sink's run whose output was not committed
// because the run failed: none of its records was written, so those counted
// as written failed with the run (its error says why, once).
func (r *runner) outputLost() {
	s := r.sum
	s.Failed += s.Created + s.Updated
	s.Created, s.Updated = 0, 0
}
