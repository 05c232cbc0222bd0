package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"

	"github.com/wawi-etl/etl/internal/i18n"
	"github.com/wawi-etl/etl/mappings"
)

// JobError is a problem at a place in a job file.
type JobError struct {
	File      string
	Line, Col int    // 0 when the place is not known
	Path      string // YAML path, e.g. $.mapping.fields[2].column
	Msg       string
	Snippet   string // the offending lines with a caret

	unknownKey string // the key the decoder did not know, if that was the problem
}

func (e *JobError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Snippet != "" {
		b.WriteString("\n")
		b.WriteString(strings.TrimRight(e.Snippet, "\n"))
	}
	return b.String()
}

// JobErrors collects every problem found in a job, so a user fixes them in
// one go rather than one per run.
type JobErrors []*JobError

func (es JobErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// LoadOptions change how a job file is read.
type LoadOptions struct {
	// Sets are key.path=value overrides from the command line.
	Sets []string
	// LookupEnv resolves ${VAR}; os.LookupEnv when nil.
	LookupEnv func(string) (string, bool)
	// Lang is the language of the messages about the file's keys and
	// values (English when empty).
	Lang i18n.Lang
}

// LoadJob reads, strictly decodes, validates against the job schema,
// expands ${VAR} and applies overrides. Errors point at file:line:col.
func LoadJob(path string, opts LoadOptions) (*Job, error) {
	job, err := loadJob(path, opts)
	if err != nil {
		lookup := opts.LookupEnv
		if lookup == nil {
			lookup = os.LookupEnv
		}
		return nil, scrubJobError(err, path, lookup)
	}
	return job, nil
}

func loadJob(path string, opts LoadOptions) (*Job, error) {
	src, err := readJobFile(path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	job := &Job{File: path, Dir: filepath.Dir(abs)}
	if len(bytes.TrimSpace(src)) == 0 {
		return nil, &JobError{File: path, Msg: "job file is empty; it needs at least source: and sink:"}
	}
	if err := checkAliases(path, src); err != nil {
		return nil, err
	}
	if err := yaml.UnmarshalWithOptions(src, job, yaml.Strict()); err != nil {
		// The decoder stops at the first problem; the schema names every
		// unknown key and every value of the wrong kind in one go. A file
		// that is not YAML at all has only the decoder's word.
		if errs, ok := validateSchema(path, src, opts.Lang); ok && len(errs) > 0 {
			return nil, errs
		}
		je := yamlError(path, src, err, opts.Lang)
		if e, ok := je.(*JobError); ok && e.unknownKey != "" {
			e.Msg += unknownKeyHint(opts.Lang, e.unknownKey, keyPathAt(src, e.Line, e.Col), "")
		}
		return nil, je
	}
	if errs, _ := validateSchema(path, src, opts.Lang); len(errs) > 0 {
		return nil, errs
	}
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if err := expandEnv(job, lookup); err != nil {
		return nil, &JobError{File: path, Msg: err.Error()}
	}
	// Paths in the file are relative to the file; paths given with --set are
	// typed by a user in a shell and are relative to the working directory.
	resolveJobPaths(job)
	for _, s := range opts.Sets {
		if err := applySet(job, s, lookup); err != nil {
			return nil, fmt.Errorf("--set %s: %w", s, err)
		}
		if job.setOnCLI == nil {
			job.setOnCLI = map[string]bool{}
		}
		key, _, _ := strings.Cut(s, "=")
		job.setOnCLI[key] = true
	}
	inferTypes(job)
	own := len(job.Mapping.Fields)
	if err := mappings.LoadIncludesChecked(&job.Mapping, job.Dir, checkIncludeFile(opts.Lang)); err != nil {
		return nil, err
	}
	job.includedFields = len(job.Mapping.Fields) - own
	if err := checkStructure(job); err != nil {
		return nil, err
	}
	return job, nil
}

// yamlError turns a go-yaml error into a JobError with its position and the
// source lines with a caret.
func yamlError(file string, src []byte, err error, l i18n.Lang) error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return &JobError{File: file, Msg: err.Error()}
	}
	je := &JobError{File: file, Msg: ye.GetMessage()}
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		je.Line, je.Col = tk.Position.Line, tk.Position.Column
	}
	je.Snippet = snippetAt(src, je.Line, je.Col)
	if key, ok := strings.CutPrefix(je.Msg, "unknown field "); ok {
		je.unknownKey = strings.Trim(key, `"`)
		je.Msg = l.T("job.unknown_field", je.unknownKey)
		return je
	}
	je.Msg = friendlyYAMLMessage(je.Msg, l)
	return je
}

// friendlyYAMLMessage drops Go type names from decoder messages: a merchant
// editing a job file knows YAML, not our structs.
func friendlyYAMLMessage(msg string, l i18n.Lang) string {
	if i := strings.Index(msg, "into Go struct field "); i >= 0 {
		rest := msg[i+len("into Go struct field "):]
		if j := strings.Index(rest, " of type "); j >= 0 {
			want := strings.TrimPrefix(rest[j+len(" of type "):], "*")
			if want == "bool" {
				// name the values, not the type: YAML's yes/no/on are text here
				return msg[:i] + l.T("job.expected.bool")
			}
			return msg[:i] + l.T("job.expected", want)
		}
	}
	return msg
}

// positionOf finds the line and column of a YAML path in src and the lines
// around it with a caret. It returns zeros when the path is not in the file
// (e.g. a default or an --set value).
func positionOf(src []byte, path string) (line, col int, snippet string) {
	p, err := yaml.PathString(path)
	if err != nil {
		return 0, 0, ""
	}
	f, err := parser.ParseBytes(src, 0)
	if err != nil {
		return 0, 0, ""
	}
	n, err := p.FilterFile(f)
	if err != nil || n == nil {
		return 0, 0, ""
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0, ""
	}
	line, col = tk.Position.Line, tk.Position.Column
	return line, col, snippetAt(src, line, col)
}

// ErrorAt builds a JobError for a YAML path of the job's file.
func (j *Job) ErrorAt(path, msg string) *JobError {
	je := &JobError{File: j.File, Path: path, Msg: msg}
	if src, err := os.ReadFile(j.File); err == nil && !j.setOnCLI[strings.TrimPrefix(path, "$.")] {
		je.Line, je.Col, je.Snippet = positionOf(src, path)
	}
	if je.Line == 0 {
		je.Msg = strings.TrimPrefix(path, "$.") + ": " + msg
	}
	return je
}

func resolveJobPaths(job *Job) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) && !IsRemote(*p) {
			*p = filepath.Join(job.Dir, *p)
		}
	}
	abs(&job.Source.Path)
	abs(&job.Sink.Path)
	abs(&job.Options.ReportDir)
	abs(&job.Options.StateDir)
	if job.ERP != nil {
		abs(&job.ERP.APIKeyFile)
	}
}

// inferTypes fills an empty source or sink type from the file extension, so
// `--set source.path=errors.xlsx` re-imports an error workbook without more.
func inferTypes(job *Job) {
	if job.Source.Type == "" {
		job.Source.Type = SourceTypeForPath(job.Source.Path)
	}
	if job.Sink.Type == "" {
		job.Sink.Type = SinkTypeForPath(job.Sink.Path)
	}
}

// checkStructure catches what the schema cannot: combinations of keys.
func checkStructure(job *Job) error {
	var errs JobErrors
	add := func(path, msg string) { errs = append(errs, job.ErrorAt(path, msg)) }
	if job.Source.Type == "" {
		add("$.source", fmt.Sprintf("source.type is missing (%s)", strings.Join(SourceTypes(), ", ")))
	} else if t, ok := LookupSourceType(job.Source.Type); ok {
		switch {
		case t.ReadsFile && job.Source.Path == "":
			add("$.source", "source.path is missing: which file should be read?")
		case t.NeedsConn && job.Source.Resource == "" && t.Check == nil:
			add("$.source", "source.resource is missing (e.g. salesOrders, items)")
		}
		if t.Check != nil {
			t.Check(job, add)
		}
	}
	if job.Sink.Type == "" {
		add("$.sink", fmt.Sprintf("sink.type is missing (%s)", strings.Join(SinkTypes(), ", ")))
	} else if t, ok := LookupSinkType(job.Sink.Type); ok {
		switch {
		case t.WritesFile && job.Sink.Path == "":
			add("$.sink", "sink.path is missing: where should the output go?")
		case t.NeedsConn && job.Sink.Resource == "" && t.Check == nil:
			// a sink with a Check names the resources it writes itself
			add("$.sink", "sink.resource is missing: what should be written?")
		}
		if t.Check != nil {
			t.Check(job, add)
		}
	}
	if job.Sink.LinesSheet == "" && (job.Sink.LinesKey != "" || len(job.Sink.LinesColumns) > 0) {
		add("$.sink", "sink.lines_key and lines_columns shape the lines sheet: set sink.lines_sheet too")
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
