// Package sinks holds the file sinks (CSV, XLSX). The XLSX sink writes
// through internal/xlsxw, which the reports share, so that cell typing and
// styling live in one place.
//
// Both file sinks write to a temporary file next to the target
// (".<name>.tmp-*", internal/atomicfile) and rename it into place only on
// Close(ctx, true). A
// failed run, a dry run or a crash never leaves a partial file at the target
// path, and an existing file there stays untouched until the rename. A crash
// can leave the temporary file behind; it is never mistaken for output
// because of its name.
//
// Formula injection: unless neutralize_formulas is false, a text value that
// starts with = + - @ tab or CR gets a leading ' so that a spreadsheet opening
// the file shows it as text instead of evaluating it. Typed numbers are never
// touched (a negative decimal is a number). In XLSX, string cells are never
// evaluated, but the prefix is added there too: users save workbooks as CSV
// and open that in Excel, where the formula would come alive again. Column
// headers come from the job file, not from data, and are written as they are.
package sinks

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/wawi-etl/etl/internal/atomicfile"
	"github.com/wawi-etl/etl/internal/xlsxw"
	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// ListSeparator joins the elements of a list value into one cell.
const ListSeparator = xlsxw.ListSeparator

// FieldError is a record-level problem with one output value: a character
// the file's encoding lacks, a number Excel cannot hold exactly. It names the
// output field and, through pipeline.ColumnError, the source column, so the
// error workbook can point at the offending cell.
type FieldError struct {
	Field  string // target path, the output column name
	Column string // source column the value came from, "" for constants
	Err    error
}

func (e *FieldError) Error() string {
	if e.Column != "" && e.Column != e.Field {
		return fmt.Sprintf("field %q (from column %q): %v", e.Field, e.Column, e.Err)
	}
	return fmt.Sprintf("field %q: %v", e.Field, e.Err)
}

func (e *FieldError) Unwrap() error { return e.Err }

// ErrorColumn implements pipeline.ColumnError.
func (e *FieldError) ErrorColumn() (field, column string) { return e.Field, e.Column }

var _ pipeline.ColumnError = (*FieldError)(nil)

// itemKey names a record in reports: its row in the source.
func itemKey(it *pipeline.Item) string {
	if it.Rec == nil {
		return ""
	}
	if it.Rec.Row > 0 {
		return strconv.Itoa(it.Rec.Row)
	}
	return strconv.FormatInt(it.Rec.Seq+1, 10)
}

// checkValues guards against a mapper/sink mismatch, which is a bug, not a
// data problem.
func checkValues(it *pipeline.Item, targets []mappings.Target) error {
	if len(it.Values) != len(targets) {
		return fmt.Errorf("internal: item has %d values for %d columns", len(it.Values), len(targets))
	}
	return nil
}

// outputPath resolves a sink path against the job folder and checks that it
// does not name a folder.
func outputPath(p string, env *pipeline.Env) (string, error) {
	if p == "" {
		return "", errors.New("sink.path is required")
	}
	if !filepath.IsAbs(p) && env != nil && env.JobDir != "" {
		p = filepath.Join(env.JobDir, p)
	}
	p = filepath.Clean(p)
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		return "", fmt.Errorf("sink.path %s is a folder", p)
	}
	return p, nil
}

// fileOptions: an output keeps the mode of the file it replaces (a user may
// have shared it), else 0644; its disk writes start while it is written.
var fileOptions = atomicfile.Options{Perm: 0o644, DirPerm: 0o755, KeepMode: true, Writeback: true}

// createTemp makes the parent folders of path and a temporary file beside it,
// so that the final rename stays on one file system and is atomic.
func createTemp(path string) (*atomicfile.File, error) {
	return atomicfile.Create(path, fileOptions)
}

// commitTemp makes a finished temporary file durable and renames it over
// its target.
func commitTemp(tmp *atomicfile.File) error { return outputError(tmp.Commit()) }

// outputError classes an error writing the output file (disk full, the
// folder gone, a failed sync or rename) as the run's: it concerns every
// record at once, so the run stops with one error instead of failing each
// record that follows, and nothing is counted as written.
func outputError(err error) error { return pipeline.Fatal(err) }

// discardTemp removes a temporary file that will not be committed; nil (a
// dry run) is nothing to remove.
func discardTemp(tmp *atomicfile.File) error { return tmp.Discard() }

// bufSize is the write buffer of the file sinks.
const bufSize = 256 << 10

// goLayoutOK reports whether a Go time layout contains at least one
// reference-time element; "dd.mm.yyyy" does not and would print literally.
func goLayoutOK(layout string) bool {
	a := goRefA.Format(layout)
	b := goRefB.Format(layout)
	return a != b
}

var (
	goRefA = time.Date(2006, time.January, 2, 15, 4, 5, 0, time.UTC)
	goRefB = time.Date(2017, time.November, 23, 8, 9, 10, 0, time.UTC)
)

// isNilPointer reports a typed nil pointer, which is an empty cell, not "<nil>".
func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// appendDecimal writes d in plain notation keeping its scale (19.90 stays
// 19.90, 1E3 is 1000), with point as the decimal separator and no grouping.
func appendDecimal(buf []byte, d decimal.Decimal, point byte) []byte {
	exp := d.Exponent()
	if d.NumDigits() > 18 || exp > 18 {
		var t string
		if exp < 0 {
			t = d.StringFixed(-exp)
		} else {
			t = d.String()
		}
		if point != '.' {
			t = strings.Replace(t, ".", string(point), 1)
		}
		return append(buf, t...)
	}
	return appendUnscaled(buf, d.CoefficientInt64(), exp, point)
}

// appendUnscaled writes c × 10^exp as appendDecimal does; c has at most 18
// digits.
func appendUnscaled(buf []byte, c int64, exp int32, point byte) []byte {
	if c < 0 {
		buf = append(buf, '-')
		c = -c
	}
	if exp >= 0 {
		buf = strconv.AppendInt(buf, c, 10)
		if c != 0 {
			for range exp {
				buf = append(buf, '0')
			}
		}
		return buf
	}
	var tmp [20]byte
	digits := strconv.AppendInt(tmp[:0], c, 10)
	scale := int(-exp)
	if len(digits) <= scale {
		buf = append(buf, '0', point)
		for range scale - len(digits) {
			buf = append(buf, '0')
		}
		return append(buf, digits...)
	}
	buf = append(buf, digits[:len(digits)-scale]...)
	buf = append(buf, point)
	return append(buf, digits[len(digits)-scale:]...)
}
