package mappings

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/wawi-etl/etl/internal/suggest"
)

// FieldError is a per-record problem with one output field. A record collects
// all of them; the pipeline fails the record and reports each.
type FieldError struct {
	Target string
	// Column is the source column ("" for value and expr inputs).
	Column string
	// Value is the input as read, before transforms, so that the user can find
	// the cell.
	Value  string
	Reason string
}

// Error reads like `SKU (column "Artikelnummer"): value "x": <reason>`; the
// column and value parts are left out when empty.
func (e *FieldError) Error() string { return e.Text("column", "value", e.Reason) }

// Text is Error in other words: column and value name those parts (the
// reports' "Spalte" and "Wert"), reason stands for Reason.
func (e *FieldError) Text(column, value, reason string) string {
	var b strings.Builder
	b.WriteString(e.Target)
	if e.Column != "" {
		b.WriteString(" (" + column + " ")
		b.WriteString(strconv.Quote(e.Column))
		b.WriteByte(')')
	}
	if e.Value != "" {
		b.WriteString(": " + value + " ")
		b.WriteString(strconv.Quote(e.Value))
	}
	b.WriteString(": ")
	b.WriteString(reason)
	return b.String()
}

// SpecError is one problem in the mapping block of a job.
//
// Field is the index into Spec.Fields (after LoadIncludes merged included
// fields in front), or -1 for a mapping-level key. Key is the YAML key below
// mapping.fields[Field] (or below mapping for -1); it may be a dotted path for
// nested keys: "validate.pattern", "lookups.countries.file". The pipeline
// turns both into the YAML path $.mapping.fields[Field].Key.
//
// When the field or lookup came from an included file, File names it (as
// given to LoadIncludes, relative to the job folder where possible) and
// FileField is the index into that file's mapping.fields; the YAML path then
// points into File, not into the job file.
type SpecError struct {
	Field int
	Key   string
	Msg   string
	// Missing is the column a "not in the file" message is about
	Missing string

	File      string
	FileField int
}

// Error reads like `mapping.fields[3].column: column "Artikel" is not in the
// file (columns: SKU, Name, ...)`, prefixed with "file: " for included fields.
func (e *SpecError) Error() string {
	var b strings.Builder
	field := e.Field
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
		field = e.FileField
	}
	b.WriteString(e.Path(field))
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Path is the dotted location of the problem for a field index:
// "mapping.fields[3].column" or "mapping.when".
func (e *SpecError) Path(field int) string {
	if e.Field < 0 {
		if e.Key == "" {
			return "mapping"
		}
		return "mapping." + e.Key
	}
	p := "mapping.fields[" + strconv.Itoa(field) + "]"
	if e.Key != "" {
		p += "." + e.Key
	}
	return p
}

// CompileError lists every problem Compile found, so that a user fixes a job
// in one round.
type CompileError struct {
	Errs []*SpecError
}

func (e *CompileError) Error() string {
	if len(e.Errs) == 1 {
		return e.Errs[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d problems in the mapping:", len(e.Errs))
	for _, se := range e.Errs {
		b.WriteString("\n  ")
		b.WriteString(se.Error())
	}
	return b.String()
}

// Unwrap lets errors.As find the individual SpecErrors.
func (e *CompileError) Unwrap() []error {
	out := make([]error, len(e.Errs))
	for i, se := range e.Errs {
		out[i] = se
	}
	return out
}

// reasonError is a parse failure whose text is the whole reason; parsers
// return it so that FieldError.Reason needs no prefix stripping.
type reasonError string

func (e reasonError) Error() string { return string(e) }

func reasonf(format string, args ...any) error {
	return reasonError(fmt.Sprintf(format, args...))
}

// didYouMean is "; did you mean %q?" for the name nearest to word, if one
// is near enough to be a typo.
func didYouMean(word string, candidates []string) string {
	return suggest.Hint(word, candidates, func(s string) string { return fmt.Sprintf("did you mean %q?", s) })
}
