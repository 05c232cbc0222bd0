package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/wawi-etl/etl/mappings"
)

// runImport runs an ERP import in two passes over the source: the first
// plans every record (reads only) and checks the guardrails; only when they
// hold does the second pass plan again and write. A dry run stops after the
// first. The journal makes the second pass safe to repeat after a crash.
func (r *runner) runImport(ctx context.Context, src Source, env *Env, reportDir string, readsFile bool) error {
	o, job, sum := r.opts, r.job, r.sum
	g, err := newGuardrails(job.Options.Guardrails)
	if err != nil {
		return &StartError{err}
	}
	if !o.DryRun {
		done, err := r.openJournal(src, env, readsFile)
		if err != nil || done {
			return err
		}
		if r.journal != nil {
			defer r.journal.Close()
		}
	}

	// pass 1: plan
	if h, ok := r.sink.(SizeHinter); ok {
		// A guess from the file's size lets the ERP sink choose index or
		// search up front instead of searching until the index pays.
		if e, ok := src.(SizeEstimator); ok && e.SizeEstimate() > 0 {
			h.SizeHint(e.SizeEstimate())
		}
	}
	diff, err := r.newDiffReport(reportDir, o.DryRun, true)
	if err != nil {
		return &StartError{fmt.Errorf("diff report: %w", err)}
	}
	if pn, ok := o.Resolver.(placeholderNamer); ok {
		diff.SetPlaceholders(pn.PlaceholderName) // this pass creates nothing
	}
	r.apply, r.guard, r.diff = false, g, diff
	r.keys = newKeyOrder()
	r.dups = newDupScan()
	o.Progress.Phase("planning", -1)
	err = r.pass(ctx, src)
	if err == nil {
		err = r.planNotesErr()
	}
	if err == nil && r.dups.found() {
		// Rows share keys: plan once more, now knowing which rows collapse,
		// fail together or give way, so that the report, the guardrails and
		// the writing pass all see the same verdicts.
		if g, diff, err = r.replanWithDuplicates(ctx, env, reportDir); err != nil {
			return err
		}
		err = r.planNotesErr()
	}
	r.dups = nil
	if err == nil {
		err = r.planDeletes(ctx, g)
	}
	var trips []GuardrailTrip
	if err == nil {
		// A plan cut short by a fatal error or Ctrl-C trips no rule: its
		// records failed because the run stopped.
		trips = g.trips()
	}
	if err != nil || o.DryRun || len(trips) > 0 {
		sum.Guardrails = trips
		// the counts are the plan's: this run wrote nothing
		sum.PlanOnly = !o.DryRun
		r.closeDiff(trips, false)
		if r.journal != nil {
			_ = r.journal.Finish(false, 0, 0, o.Now())
		}
		if err == nil && len(trips) > 0 {
			return ErrGuardrail
		}
		return err
	}
	if sum.Unchanged == sum.RecordsRead && sum.Deleted == 0 {
		// Nothing to write: the writing pass would plan every record again
		// to the same verdict and write nothing. The plan's report is the
		// run's (an unchanged record reads the same in both).
		r.closeDiff(nil, true)
		if r.journal != nil {
			if err := r.journal.Finish(true, 0, 0, o.Now()); err != nil {
				return fmt.Errorf("journal: %w", err)
			}
		}
		return nil
	}
	diff.Abort()

	// pass 2: plan again and write; outcomes of this pass are the run's
	src2, err := OpenSource(ctx, &job.Source, env)
	if err != nil {
		return fmt.Errorf("source: %w", err)
	}
	defer src2.Close()
	projectSource(src2, &job.Mapping)
	if d, ok := o.Resolver.(dryRunner); ok {
		// The mapping caches what lookups answered; answers of the planning
		// pass may be placeholders for categories not created yet.
		d.SetDryRun(false)
		m, err := mappings.Compile(&job.Mapping, src2.Header(), mappings.Options{BaseDir: job.Dir, Resolver: o.Resolver})
		if err != nil {
			return fmt.Errorf("mapping: %w", job.mappingError(err))
		}
		r.mapper = m
	}
	if h, ok := r.sink.(SizeHinter); ok {
		h.SizeHint(sum.RecordsRead)
	}
	if diff, err = r.newDiffReport(reportDir, false, false); err != nil {
		return fmt.Errorf("diff report: %w", err)
	}
	o.Progress.Phase("writing", sum.RecordsRead)
	r.resetCounts()
	r.apply, r.guard, r.diff = true, nil, diff
	r.order, r.keys = r.keys.forWriting(), nil
	err = r.pass(ctx, src2)
	if err == nil {
		err = r.applyDeletes(ctx)
	}
	r.closeDiff(nil, true)
	sum.Resumed = r.resumed.Load()
	if r.journal != nil {
		if ferr := r.journal.Finish(err == nil, sum.Created+sum.Updated, sum.Failed, o.Now()); ferr != nil && err == nil {
			err = fmt.Errorf("journal: %w", ferr)
		}
	}
	return err
}

// openJournal opens the journal of an input that has an identity (a file
// by its hash). done: this input was imported before and nothing is to be
// done. An unfinished earlier run needs --resume or --force.
func (r *runner) openJournal(src Source, env *Env, readsFile bool) (done bool, err error) {
	o, job, sum := r.opts, r.job, r.sum
	hash, err := r.inputID(src, readsFile)
	if err != nil {
		return false, &StartError{fmt.Errorf("source: %w", err)}
	}
	if hash == "" {
		return false, nil
	}
	jr, err := OpenJournal(env.StateDir, env.JobName)
	if err != nil {
		return false, &StartError{err}
	}
	status, prev, err := jr.Begin(hash, job.Source.Path, o.Force, o.Now())
	if err != nil {
		jr.Close()
		return false, &StartError{fmt.Errorf("journal: %w", err)}
	}
	switch {
	case status == InputComplete && !o.Force:
		jr.Close()
		sum.AlreadyImported = true
		sum.AlreadyImportedAt = prev.FinishedAt
		sum.AlreadyImportedFailed = prev.Failed
		return true, nil
	case status == InputPartial && !o.Resume && !o.Force:
		jr.Close()
		return false, &StartError{fmt.Errorf("an earlier run of this job on this file (started %s) did not finish: run it with --resume to continue without writing anything twice, or with --force to plan it from scratch",
			prev.StartedAt.Format(time.DateTime))}
	}
	if err := jr.Start(job.Source.Path, o.Now()); err != nil {
		jr.Close()
		return false, &StartError{fmt.Errorf("journal: %w", err)}
	}
	r.journal = jr
	return false, nil
}

// planDeletes asks a sink that prunes (Pruner) what the input no longer
// names, once every record was planned: the deletions show in the diff
// report and count against max_deletes.
func (r *runner) planDeletes(ctx context.Context, g *guardrails) error {
	pr, ok := r.sink.(Pruner)
	if !ok {
		return nil
	}
	dels, err := pr.PrunePlans(ctx)
	if err != nil {
		return fmt.Errorf("planning deletions: %w", err)
	}
	for _, p := range dels {
		g.observeDelete(p)
		r.sum.Deleted++
		if err := r.diff.Add(nil, p, p.Outcome, nil); err != nil {
			return fmt.Errorf("diff report: %w", err)
		}
	}
	return nil
}

// applyDeletes deletes, after every record was written, what the input no
// longer names. Deletions are not journaled: a DELETE can be repeated, and
// a rerun plans them again from what the Wawi holds then.
func (r *runner) applyDeletes(ctx context.Context) error {
	pr, ok := r.sink.(Pruner)
	if !ok {
		return nil
	}
	dels, err := pr.PrunePlans(ctx)
	if err != nil {
		return fmt.Errorf("planning deletions: %w", err)
	}
	for _, p := range dels {
		if ctx.Err() != nil {
			return ErrInterrupted
		}
		aerr := r.sink.Apply(ctx, p)
		outcome := p.Outcome
		if aerr != nil {
			outcome = Failed
			r.sum.DeletesFailed++
			r.log.Error("cannot delete", "key", p.Key, "err", aerr)
		} else {
			r.sum.Deleted++
		}
		if err := r.diff.Add(nil, p, outcome, aerr); err != nil {
			return fmt.Errorf("diff report: %w", err)
		}
		if IsFatal(aerr) {
			return aerr
		}
	}
	return nil
}

// replanWithDuplicates runs the planning pass again with verdicts for the
// rows that share a key; it returns the guardrails and diff report of that
// pass.
func (r *runner) replanWithDuplicates(ctx context.Context, env *Env, reportDir string) (*guardrails, *DiffReport, error) {
	r.dupVerdicts = r.dups.verdicts(r.job.Options.Duplicates)
	r.dups = nil
	r.diff.Abort()
	g, err := newGuardrails(r.job.Options.Guardrails)
	if err != nil {
		return nil, nil, &StartError{err}
	}
	diff, err := r.newDiffReport(reportDir, r.opts.DryRun, true)
	if err != nil {
		return nil, nil, fmt.Errorf("diff report: %w", err)
	}
	if pn, ok := r.opts.Resolver.(placeholderNamer); ok {
		diff.SetPlaceholders(pn.PlaceholderName)
	}
	src, err := OpenSource(ctx, &r.job.Source, env)
	if err != nil {
		return nil, nil, fmt.Errorf("source: %w", err)
	}
	defer src.Close()
	projectSource(src, &r.job.Mapping)
	r.resetCounts()
	r.guard, r.diff, r.keys = g, diff, newKeyOrder()
	return g, diff, r.pass(ctx, src)
}

// resetCounts starts the counts and the error workbook of a new pass.
func (r *runner) resetCounts() {
	sum := r.sum
	*sum = Summary{Job: sum.Job, JobFile: sum.JobFile, StartedAt: sum.StartedAt, Source: sum.Source, Sink: sum.Sink, Location: sum.Location}
	r.book.reset()
}

// inputID identifies the input by its content, for the journal: a source
// that names its input says it; a file source is known by its file's hash.
// "" means the input has no identity to journal (a Wawi query).
func (r *runner) inputID(src Source, readsFile bool) (string, error) {
	if id, ok := src.(InputIdentifier); ok {
		return id.InputID()
	}
	if !readsFile || r.job.Source.Path == "" {
		return "", nil
	}
	return HashFile(r.job.Source.Path)
}
