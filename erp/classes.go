package erp

// Error classes as pipeline reads them (RunFatal, Retryable,
// OutcomeUnknown): the runner stops the run for an error that concerns it
// all and keeps going for one that concerns a record.

// RunFatal: a 401, or a status that stayed retryable through every retry.
func (e *APIError) RunFatal() bool { return e.Status == 401 || retryableStatus(e.Status) }

// Retryable reports whether repeating the request may succeed.
func (e *APIError) Retryable() bool { return retryableStatus(e.Status) }

// RunFatal: the token endpoint refused the client or stayed unreachable.
func (e *AuthError) RunFatal() bool { return true }

// Retryable reports whether the token endpoint may answer later.
func (e *AuthError) Retryable() bool { return e.Temporary }

// RunFatal: the Wawi stayed unreachable through every retry.
func (e *TransportError) RunFatal() bool { return true }

// Retryable reports whether the failure is likely to pass.
func (e *TransportError) Retryable() bool { return transient(e.Err) }

// RunFatal is false: a lost answer concerns one write, settled per record.
func (e *UnknownOutcomeError) RunFatal() bool { return false }

// Retryable is false: the write may have landed; check before repeating.
func (e *UnknownOutcomeError) Retryable() bool { return false }

// OutcomeUnknown is true: the write was sent and its answer lost.
func (e *UnknownOutcomeError) OutcomeUnknown() bool { return true }
