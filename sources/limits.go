package sources

import (
	"errors"
	"fmt"

	"github.com/wawi-etl/etl/pipeline"
)

// Kinds of fatal file errors, returned from Open or Next (never on a
// record): errors.Is tells them apart.
var (
	// ErrDamaged: the file's structure is broken (a corrupt archive,
	// malformed XML, a quote that swallows the rest of a CSV file), so no
	// reading of it can be trusted.
	ErrDamaged = errors.New("damaged file")
	// ErrLimit: the file is past one of source.limits.
	ErrLimit = errors.New("source limit exceeded")
)

// Defaults of source.limits. They are far above real merchant files (Excel
// caps a cell at 32,767 characters) and keep one hostile file under about
// 512 MB of memory.
const (
	defMaxCellBytes         = 4 << 20
	defMaxRowBytes          = 16 << 20
	defMaxColumns           = 4096
	defMaxUncompressedBytes = 4 << 30
	defMaxSharedStrings     = 256 << 20
)

// limits is source.limits with the defaults filled in.
type limits struct {
	cell, row     int64
	columns       int
	uncompressed  int64
	sharedStrings int64
}

func sourceLimits(spec *pipeline.SourceSpec) (limits, error) {
	l := limits{defMaxCellBytes, defMaxRowBytes, defMaxColumns, defMaxUncompressedBytes, defMaxSharedStrings}
	sl := spec.Limits
	if sl == nil {
		return l, nil
	}
	if sl.MaxCellBytes < 0 || sl.MaxRowBytes < 0 || sl.MaxColumns < 0 || sl.MaxUncompressedBytes < 0 || sl.MaxSharedStrings < 0 {
		return l, errors.New("source.limits: a limit must not be negative (0 means the default)")
	}
	set := func(dst *int64, v int64) {
		if v > 0 {
			*dst = v
		}
	}
	set(&l.cell, sl.MaxCellBytes)
	set(&l.row, sl.MaxRowBytes)
	set(&l.uncompressed, sl.MaxUncompressedBytes)
	set(&l.sharedStrings, sl.MaxSharedStrings)
	if sl.MaxColumns > 0 {
		l.columns = sl.MaxColumns
	}
	return l, nil
}

// fileError is a fatal error of a whole file: damaged (ErrDamaged) or past a
// limit (ErrLimit). Its text names the file and the row to look at.
type fileError struct {
	kind    error
	file    string
	row     int // 0: not tied to a row (the archive itself)
	msg     string
	wrapped error // the underlying cause, if any
}

func (e *fileError) Error() string {
	what := "is damaged"
	if e.kind == ErrLimit {
		what = "is too large"
	}
	if e.row > 0 {
		return fmt.Sprintf("%s %s at row %d: %s", e.file, what, e.row, e.msg)
	}
	return fmt.Sprintf("%s %s: %s", e.file, what, e.msg)
}

func (e *fileError) Is(target error) bool { return target == e.kind }
func (e *fileError) Unwrap() error        { return e.wrapped }

func damagedf(file string, row int, format string, args ...any) *fileError {
	return &fileError{kind: ErrDamaged, file: file, row: row, msg: fmt.Sprintf(format, args...)}
}

// limitf says which limit was hit and how to raise it.
func limitf(file string, row int, option string, limit int64, format string, args ...any) *fileError {
	msg := fmt.Sprintf(format, args...) + fmt.Sprintf(" (source.limits.%s is %s; raise it if the file is genuine)", option, sizeText(limit, option))
	return &fileError{kind: ErrLimit, file: file, row: row, msg: msg}
}

func sizeText(n int64, option string) string {
	if option == "max_columns" {
		return fmt.Sprint(n)
	}
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
