// Package sources reads tabular input files (CSV, XLSX) as records.
//
// Both sources stream: memory stays bounded by one record (plus a small
// read-ahead), whatever the size of the file, and source.limits bound the
// record. A malformed row comes back as a record with Err set, so one broken
// line never stops a run; only a failure of the file itself is returned as an
// error from Next: a damaged file ("in.xlsx is damaged at row 7: ...",
// ErrDamaged) or one past a limit (ErrLimit).
//
// Rules a merchant may notice:
//   - Rows with no value at all (blank lines, lines of bare delimiters, empty
//     sheet rows) are not records; Row keeps counting them.
//   - header_row counts physical lines (CSV) or sheet rows (XLSX); skip
//     counts rows after it, a CSV record with quoted line breaks being one.
//   - More fields than columns are fine when the extra ones are empty; a
//     value beyond the last column, or too few fields, fails the record.
//   - CSV: a quote inside an unquoted field is text (3/8" Zoll), as in
//     Excel. A stray quote inside a quoted field fails its record; a quote
//     that never closes (it runs to the end of the file or over 1000 lines,
//     or "closes" before text) means the file is damaged.
//   - CSV: a byte-order mark decides the encoding, whatever source.encoding
//     says; iso-8859-1 is decoded as windows-1252 (as browsers do), which
//     differs only in having the € and „“ of Windows files. A UTF-8 file
//     that is not valid UTF-8 in its first 32 KiB fails to open with advice.
//   - CSV: a header with none of , ; tab | means one column.
//   - XLSX: merged cells that leave a header cell empty fail the open.
package sources

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/wawi-etl/etl/pipeline"
)

// Kinds of row problems; RowError unwraps to one of them.
var (
	// ErrQuote: a quote that does not close, or a quote inside a quoted field
	// that is not doubled.
	ErrQuote = errors.New("unbalanced quote")
	// ErrFieldCount: a row with fewer fields than the header, or with values
	// beyond the last header column.
	ErrFieldCount = errors.New("wrong number of fields")
	// ErrEncoding: bytes that are not valid in the file's encoding.
	ErrEncoding = errors.New("invalid text encoding")
	// ErrCell: a spreadsheet cell excelize could not read.
	ErrCell = errors.New("unreadable cell")
	// ErrHeader: the header row cannot be used (empty, duplicate or merged
	// names). Returned by the Open functions, never on a record.
	ErrHeader = errors.New("invalid header row")
)

// RowError is the Err of a malformed record. It names the file and the line
// (CSV) or sheet row (XLSX) the merchant has to look at.
type RowError struct {
	File  string // as shown to the user
	Sheet string // XLSX only
	Line  int    // CSV: line the record starts on; XLSX: sheet row
	Kind  error  // ErrQuote, ErrFieldCount, ErrEncoding or ErrCell
	Msg   string // e.g. "expected 12 fields, found 11"
}

func (e *RowError) Error() string {
	if e.Sheet != "" {
		return fmt.Sprintf("%s: sheet %q: row %d: %s", e.File, e.Sheet, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: line %d: %s", e.File, e.Line, e.Msg)
}

func (e *RowError) Unwrap() error { return e.Kind }

// kindError is an error of one of the Err* kinds whose message does not
// repeat the kind, so errors.Is works and the merchant reads one sentence.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func kindErrorf(kind error, format string, args ...any) error {
	return &kindError{kind, fmt.Sprintf(format, args...)}
}

// resolvePath makes a relative source path relative to the job folder and
// returns the path to open and the (shorter) path to show in messages.
func resolvePath(p string, env *pipeline.Env) (abs, display string, err error) {
	if strings.TrimSpace(p) == "" {
		return "", "", errors.New("source.path is missing: which file should be read?")
	}
	jobDir := ""
	if env != nil {
		jobDir = env.JobDir
	}
	abs = p
	if !filepath.IsAbs(p) && jobDir != "" {
		abs = filepath.Join(jobDir, p)
	}
	display = abs
	if jobDir != "" {
		if rel, err := filepath.Rel(jobDir, abs); err == nil && rel != ".." &&
			!strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			display = rel
		}
	}
	return abs, display, nil
}

// headerSpec checks the header_row and skip options shared by CSV and XLSX.
func headerSpec(spec *pipeline.SourceSpec) (headerRow, skip int, err error) {
	headerRow, skip = spec.HeaderRow, spec.Skip
	if headerRow == 0 {
		headerRow = 1
	}
	if headerRow < 0 {
		return 0, 0, fmt.Errorf("source.header_row is %d: it counts from 1", spec.HeaderRow)
	}
	if skip < 0 {
		return 0, 0, fmt.Errorf("source.skip is %d: it must not be negative", spec.Skip)
	}
	return headerRow, skip, nil
}

// cleanName trims a header cell. Besides spaces (incl. no-break space) it
// drops byte-order marks, which survive in the first name when a file was
// concatenated or re-encoded by a tool that does not know about them.
func cleanName(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return r == '\uFEFF' || r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == '\u00A0'
	})
}

// checkNames rejects empty and repeated header names. pos names a column for
// the message ("column 4", "cell D1"); noName is the phrase for an empty one.
func checkNames(names []string, pos func(i int) string, noName string) error {
	seen := make(map[string]int, len(names))
	for i, n := range names {
		if n == "" {
			return kindErrorf(ErrHeader, "%s %s: every column needs a name", pos(i), noName)
		}
		if j, dup := seen[n]; dup {
			return kindErrorf(ErrHeader, "%s repeats the name %q of %s: column names must be unique",
				pos(i), n, pos(j))
		}
		seen[n] = i
	}
	return nil
}
