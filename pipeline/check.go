package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wawi-etl/etl/mappings"
)

// Check validates what a job means beyond its syntax: the source can be
// opened and has the columns the mapping names, transforms exist and
// expressions compile, and the sink type is known. It writes nothing.
func Check(ctx context.Context, job *Job, resolver mappings.Resolver) error {
	var errs JobErrors
	if !contains(SinkTypes(), job.Sink.Type) {
		errs = append(errs, job.ErrorAt("$.sink.type", fmt.Sprintf("unknown sink type %q (known: %v)", job.Sink.Type, SinkTypes())))
	}
	env := &Env{JobDir: job.Dir, DryRun: true}
	local, _, cleanup, err := localSource(ctx, job, stateDirOf(job, RunOptions{}), RunOptions{})
	if err != nil {
		return append(errs, SourceErrorAt(job, err))
	}
	defer cleanup()
	src, err := OpenSource(ctx, &local.Source, env)
	if err != nil {
		errs = append(errs, SourceErrorAt(job, err))
		// without a header the mapping can still be checked for everything
		// but column names
		if _, cerr := mappings.Compile(&job.Mapping, nil, mappings.Options{BaseDir: job.Dir, Resolver: resolver}); cerr != nil {
			errs = appendJobErrors(errs, job.mappingError(cerr))
		}
		return errs
	}
	defer src.Close()
	m, err := mappings.Compile(&job.Mapping, src.Header(), mappings.Options{BaseDir: job.Dir, Resolver: resolver})
	if err != nil {
		errs = appendJobErrors(errs, job.mappingError(withHeaderRowHint(ctx, &local.Source, env, err)))
	} else if t, ok := LookupSinkType(job.Sink.Type); ok && t.CheckTargets != nil {
		errs = append(errs, targetErrors(job, t.CheckTargets(ctx, &job.Sink, m.Targets()))...)
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// SourceErrorAt places an error of opening job's source in the job file: a
// filter the API does not have at its key under source.filters (with the
// nearest filter it does have), a file that cannot be read at source.path.
func SourceErrorAt(job *Job, err error) *JobError {
	msg := strings.TrimPrefix(err.Error(), "source: ")
	if _, rest, ok := strings.Cut(msg, " has no filter "); ok {
		bad, declared, _ := strings.Cut(rest, "; the API declares: ")
		name, _, _ := strings.Cut(bad, ", ")
		path := "$.source.filters"
		if _, ok := job.Source.Filters[name]; ok {
			path += "." + name
		}
		msg = strings.TrimPrefix(msg, "source.filters: ")
		return job.ErrorAt(path, "source.filters: "+msg+didYouMean(name, strings.Split(declared, ", ")))
	}
	if rest, ok := strings.CutPrefix(msg, "source.resource "); ok && job.Source.Resource != "" {
		if _, known, ok := strings.Cut(rest, " is unknown (known: "); ok {
			known = strings.TrimSuffix(known, ")")
			return job.ErrorAt("$.source.resource", "cannot open the source: "+msg+didYouMean(job.Source.Resource, strings.Split(known, ", ")))
		}
	}
	if strings.Contains(msg, ": source.sheet ") && job.Source.Sheet != "" {
		return job.ErrorAt("$.source.sheet", "cannot open the source: "+msg)
	}
	if job.Source.Path != "" {
		return job.ErrorAt("$.source.path", "cannot open the source: "+msg)
	}
	return job.ErrorAt("$.source", "cannot open the source: "+msg)
}

// SinkErrorAt places a sink's refusal of a mapping target at that target's
// line, with the nearest field the API has: the sink says
// `target "T": "N" is not a field of X (fields: A, B, ...)`. Other errors
// come back as they are.
func SinkErrorAt(job *Job, err error) error {
	msg := err.Error()
	_, rest, ok := strings.Cut(msg, `target "`)
	if !ok {
		return err
	}
	target, rest, _ := strings.Cut(rest, `"`)
	_, rest, ok = strings.Cut(rest, `: "`)
	if !ok {
		return err
	}
	name, rest, _ := strings.Cut(rest, `" is not a field`)
	_, list, ok := strings.Cut(rest, "(fields: ")
	if !ok {
		return err
	}
	fields := strings.Split(strings.TrimSuffix(strings.TrimSpace(list), ")"), ", ")
	msg += didYouMean(name, fields)
	for i, f := range job.Mapping.Fields {
		if f.Target == target && f.From == "" {
			return job.ErrorAt(fmt.Sprintf("$.mapping.fields[%d].target", i-job.includedFields), strings.TrimPrefix(msg, "sink: "))
		}
	}
	return errors.New(msg)
}

// targetErrors places what a sink refuses of the mapping's targets at each
// target's line, with the nearest field the sink has.
func targetErrors(job *Job, err error) JobErrors {
	if err == nil {
		return nil
	}
	var tes TargetErrors
	if !errors.As(err, &tes) {
		return JobErrors{job.ErrorAt("$.sink", err.Error())}
	}
	var out JobErrors
	for _, te := range tes {
		if te.Target == "" {
			out = append(out, job.ErrorAt("$.mapping", te.Msg))
			continue
		}
		one := TargetErrors{te}
		placed := SinkErrorAt(job, one)
		var je *JobError
		if !errors.As(placed, &je) {
			je = job.ErrorAt("$.mapping", one.Error())
			for i, f := range job.Mapping.Fields {
				if f.Target == te.Target && i >= job.includedFields {
					je = job.ErrorAt(fmt.Sprintf("$.mapping.fields[%d].target", i-job.includedFields), one.Error())
					break
				}
			}
		}
		out = append(out, je)
	}
	return out
}

func appendJobErrors(errs JobErrors, err error) JobErrors {
	var je JobErrors
	if errors.As(err, &je) {
		return append(errs, je...)
	}
	var one *JobError
	if errors.As(err, &one) {
		return append(errs, one)
	}
	return append(errs, &JobError{Msg: err.Error()})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
