package mappings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
)

// IncludeError is a problem with an included mapping file. For YAML errors
// it carries goccy's position and source excerpt with a caret.
type IncludeError struct {
	// File is the included file, relative to the job folder when below it.
	File string
	// Line and Column are 1-based; 0 when the problem has no position.
	Line, Column int
	Msg          string
	// Source is the excerpt of the file around the position, with a caret.
	Source string
	Err    error
}

// Error reads like `shared/base.yaml:4:5: unknown field "colum"` followed by
// the excerpt.
func (e *IncludeError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Source != "" {
		b.WriteString("\n")
		b.WriteString(e.Source)
	}
	return b.String()
}

func (e *IncludeError) Unwrap() error { return e.Err }

// LoadIncludes merges the files named by spec.Include into spec, recursively.
// An included file is YAML with a top-level mapping: block, decoded strictly
// (unknown keys are errors). Paths are relative to the including file's
// folder; baseDir is the job file's folder.
//
// Merging: the fields of included files come first, in include order (each
// after its own includes), then the spec's own. Lookups are merged; the same
// name defined differently in two included files is an error, and the
// including file's definition wins over an included one. An included file's
// decimal and date_format become defaults of its own fields, and its lookup
// files resolve against its folder. when is not allowed in included files.
// A file included twice (A includes B and C, B includes C) is merged once; a
// cycle is an error. spec.Include is cleared.
func LoadIncludes(spec *Spec, baseDir string) error {
	return LoadIncludesChecked(spec, baseDir, nil)
}

// LoadIncludesChecked is LoadIncludes with a check for an included file
// the decoder rejected: when it returns an error (every problem of the
// file, say), that is the answer instead of the decoder's first problem.
// display is the file's name as errors show it.
func LoadIncludesChecked(spec *Spec, baseDir string, check func(display string, src []byte) error) error {
	if len(spec.Include) == 0 {
		return nil
	}
	l := &includeLoader{baseDir: baseDir, done: map[string]bool{}, check: check}
	return l.expand(spec, baseDir, nil, "")
}

// placedError is the check's answer for a file: its problems carry their
// place, so it is passed on as it is.
type placedError struct{ error }

type includeLoader struct {
	baseDir string
	done    map[string]bool
	check   func(display string, src []byte) error
}

// display names a file relative to the job folder when it is below it.
func (l *includeLoader) display(path string) string {
	if rel, err := filepath.Rel(l.baseDir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// expand resolves spec.Include. dir is the folder of the file spec came
// from, stack the chain of files being expanded, from the file spec was read
// from ("" for the job).
func (l *includeLoader) expand(spec *Spec, dir string, stack []string, from string) error {
	var fields []FieldSpec
	lookups := map[string]LookupSpec{}
	for i, inc := range spec.Include {
		where := fmt.Sprintf("mapping.include[%d]", i)
		if from != "" {
			where = l.display(from) + ": " + where
		}
		path := inc
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		path, err := filepath.Abs(path)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if slices.Contains(stack, path) {
			chain := make([]string, 0, len(stack)+1)
			for _, s := range append(stack, path) {
				chain = append(chain, l.display(s))
			}
			return fmt.Errorf("%s: include cycle: %s", where, strings.Join(chain, " → "))
		}
		if l.done[path] {
			continue
		}
		l.done[path] = true
		sub, err := l.read(path)
		if err != nil {
			var ie *IncludeError
			if errors.As(err, &ie) {
				return err
			}
			if pe, ok := err.(placedError); ok {
				return pe.error // each problem names its file and line
			}
			return fmt.Errorf("%s: %w", where, err)
		}
		if err := l.expand(sub, filepath.Dir(path), append(stack, path), path); err != nil {
			return err
		}
		fields = append(fields, sub.Fields...)
		for name, ls := range sub.Lookups {
			if prev, dup := lookups[name]; dup && !sameLookup(prev, ls) {
				return fmt.Errorf("%s: lookup %q is defined differently in %s and %s", where, name, l.display(prev.From), l.display(ls.From))
			}
			lookups[name] = ls
		}
	}
	for name, ls := range spec.Lookups {
		lookups[name] = ls // the including file wins
	}
	if len(lookups) > 0 {
		spec.Lookups = lookups
	}
	spec.Fields = append(fields, spec.Fields...)
	spec.Include = nil
	return nil
}

func sameLookup(a, b LookupSpec) bool {
	a.From, b.From = "", ""
	return reflect.DeepEqual(a, b)
}

// read decodes one included file strictly and makes it self-contained:
// provenance on its fields and lookups, its defaults pushed into its fields,
// its lookup files made absolute.
func (l *includeLoader) read(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Mapping *Spec `yaml:"mapping"`
	}
	if err := yaml.UnmarshalWithOptions(data, &doc, yaml.Strict()); err != nil {
		if l.check != nil {
			if cerr := l.check(l.display(path), data); cerr != nil {
				return nil, placedError{cerr}
			}
		}
		return nil, l.yamlError(path, err)
	}
	show := l.display(path)
	if doc.Mapping == nil {
		return nil, &IncludeError{File: show, Msg: "has no mapping: block"}
	}
	sub := doc.Mapping
	if sub.When != "" {
		return nil, &IncludeError{File: show, Msg: "mapping.when is not allowed in an included file; put it in the job"}
	}
	if _, ok := parseSep(sub.Decimal); !ok {
		return nil, &IncludeError{File: show, Msg: fmt.Sprintf("mapping.decimal must be comma, point or auto, not %q", sub.Decimal)}
	}
	for j := range sub.Fields {
		f := &sub.Fields[j]
		f.From, f.FromIndex = show, j
		if f.Decimal == "" && (f.Type == Int || f.Type == Decimal) {
			f.Decimal = sub.Decimal
		}
		if f.Format == "" && (f.Type == Date || f.Type == DateTime) {
			f.Format = sub.DateFormat
		}
	}
	for name, ls := range sub.Lookups {
		ls.From = show
		if ls.File != "" && !filepath.IsAbs(ls.File) {
			ls.File = filepath.Join(filepath.Dir(path), ls.File)
		}
		sub.Lookups[name] = ls
	}
	return sub, nil
}

// yamlError keeps goccy's position and caret excerpt, with the file name.
func (l *includeLoader) yamlError(path string, err error) error {
	ie := &IncludeError{File: l.display(path), Msg: err.Error(), Err: err}
	var ye yaml.Error
	if errors.As(err, &ye) {
		ie.Msg = ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			ie.Line, ie.Column = tk.Position.Line, tk.Position.Column
		}
		// FormatError is "[line:col] message\n excerpt"; keep the excerpt.
		if _, src, ok := strings.Cut(yaml.FormatError(err, false, true), "\n"); ok {
			ie.Source = strings.TrimRight(src, "\n ")
		}
	}
	return ie
}
