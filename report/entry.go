// Package report writes what a run leaves for its user in the report
// folder: summary.json (Summary), errors.xlsx with the failed records to fix
// and import again (ErrorBook), and for an ERP import diff.xlsx and
// diff.html, what the import changes field by field (Diff).
//
// It knows nothing of the pipeline that runs jobs: the pipeline hands it
// records (record.Record) and entries (Entry) and imports it, not the other
// way round. Files are written through internal/atomicfile and are private
// (0600 in 0700 folders): they hold customer names and prices.
package report

import (
	"errors"

	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/mappings"
)

// fileOptions: reports hold customer data, readable by the owner only.
var fileOptions = atomicfile.Private

// Outcome is what became of a record, in the order of the pipeline's
// outcomes.
type Outcome int

const (
	Created Outcome = iota
	Updated
	Unchanged
	Skipped
	Failed

	// NoPlan is the planned outcome of a record that failed before it was
	// planned (a mapping error, a malformed row).
	NoPlan Outcome = -1
)

// nOutcomes is the number of outcomes a record can end in.
const nOutcomes = int(Failed) + 1

func (o Outcome) String() string {
	if o >= Created && o <= Failed {
		return diffOutcomeNames[o]
	}
	return "unknown"
}

var diffOutcomeNames = [...]string{"created", "updated", "unchanged", "skipped", "failed"}

// Change is one field an update changes.
type Change struct {
	Field    string
	Old, New any
}

// Entry is one record for the diff report: what its plan would do and what
// became of it.
type Entry struct {
	Row     int    // source row, 0 when unknown
	Key     string // the record's key in the Wawi (SKU), "" without a plan
	Planned Outcome
	Outcome Outcome
	// Changes are an update's changed fields.
	Changes []Change
	// Targets and Values are a create's values by mapping target; the
	// targets also say which fields hold ids of things the run creates.
	Targets []mappings.Target
	Values  []any
	// Err is the reason of a failure.
	Err error
}

// ColumnError is implemented by errors that know which field (and thus
// which source column) they concern, e.g. an API validation error on SKU.
type ColumnError interface {
	ErrorColumn() (field, column string)
}

// FieldErrors is implemented by an error holding every field problem of
// one record.
type FieldErrors interface {
	FieldErrors() []*mappings.FieldError
}

// mappingField is the target and column of a mapping error, the first of
// several.
func mappingField(err error) (field, column string, ok bool) {
	var fes FieldErrors
	var fe *mappings.FieldError
	switch {
	case errors.As(err, &fes) && len(fes.FieldErrors()) > 0:
		f := fes.FieldErrors()[0]
		return f.Target, f.Column, true
	case errors.As(err, &fe):
		return fe.Target, fe.Column, true
	}
	return "", "", false
}

// errorField names the field a failure concerns, as the diff report shows
// it: the mapping target, or the field a sink error names.
func errorField(err error) string {
	if err == nil {
		return ""
	}
	field, _, _ := mappingField(err)
	var ce ColumnError
	if errors.As(err, &ce) {
		if f, _ := ce.ErrorColumn(); f != "" {
			field = f
		}
	}
	return field
}

// errorColumn is the field and source column of a failure, as the error
// workbook shows them: the column decides which cell gets the comment.
func errorColumn(err error) (field, column string) {
	field, column, _ = mappingField(err)
	var ce ColumnError
	if errors.As(err, &ce) {
		if f, c := ce.ErrorColumn(); c != "" {
			field, column = f, c
		}
	}
	return field, column
}
