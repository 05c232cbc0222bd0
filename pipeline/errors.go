package pipeline

import (
	"errors"
	"fmt"
	"strings"
)

// Errors are classified by what they say about the run, never by their
// package or text. An error anywhere in a chain (a client's, a source's, a
// sink's) joins a class by having the method; the runner finds it with
// errors.As, so wrapping with %w keeps the class. The first error in the
// chain with the method decides.
type (
	// RunFatalError concerns the whole run, not one record: credentials
	// refused, an endpoint that does not exist (a wrong base URL), the
	// service unavailable beyond the retry budget. The run stops (exit 2).
	RunFatalError interface {
		error
		RunFatal() bool
	}
	// RetryableError may pass if the same request is repeated.
	RetryableError interface {
		error
		Retryable() bool
	}
	// OutcomeUnknownError is a write that was sent and whose answer was
	// lost: it may or may not have landed. The journal keeps it pending, so
	// that a rerun checks before it writes again.
	OutcomeUnknownError interface {
		error
		OutcomeUnknown() bool
	}
)

// fatalError marks an error that stops the whole run.
type fatalError struct{ err error }

func (e *fatalError) Error() string  { return e.err.Error() }
func (e *fatalError) Unwrap() error  { return e.err }
func (e *fatalError) RunFatal() bool { return true }

// Fatal wraps err so that the runner stops the run instead of failing one
// record.
func Fatal(err error) error {
	if err == nil {
		return nil
	}
	return &fatalError{err}
}

// IsFatal reports whether err ends the run: wrapped by Fatal, or classed
// RunFatal by the code that made it.
func IsFatal(err error) bool {
	if err == nil {
		return false // before the target, which escapes: an allocation per record
	}
	var f RunFatalError
	return errors.As(err, &f) && f.RunFatal()
}

// IsRetryable reports whether err is classed as one a repeat may clear.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	var r RetryableError
	return errors.As(err, &r) && r.Retryable()
}

// IsOutcomeUnknown reports whether err is a write whose answer was lost.
func IsOutcomeUnknown(err error) bool {
	if err == nil {
		return false
	}
	var u OutcomeUnknownError
	return errors.As(err, &u) && u.OutcomeUnknown()
}

// TargetError is a mapping target a sink cannot write, found before any
// record is read (etl validate places it at the target's line).
type TargetError struct {
	Target string // the target as the job names it; "" for the mapping as a whole
	Msg    string
}

// TargetErrors are the targets a sink refuses, all at once.
type TargetErrors []TargetError

func (es TargetErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		if e.Target == "" {
			parts[i] = e.Msg
			continue
		}
		parts[i] = fmt.Sprintf("target %q: %s", e.Target, e.Msg)
	}
	return strings.Join(parts, "; ")
}
