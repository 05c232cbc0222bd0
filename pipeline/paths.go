package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// checkOutputPath refuses a file sink whose path is one of the job's inputs
// (the source file, the job file, an included mapping or a lookup file):
// writing it would destroy what the run reads. Compared as files, not as
// names, so `..`, symlinks, hard links and a different case on Windows all
// count. A path that does not exist yet cannot be an input.
func checkOutputPath(job *Job, sourceIsFile bool) error {
	out, err := os.Stat(job.Sink.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sink.path %s: %w", job.Sink.Path, err)
	}
	if out.IsDir() {
		return fmt.Errorf("sink.path %s is a folder: name the file to write, e.g. %s", job.Sink.Path, filepath.Join(job.Sink.Path, "out.xlsx"))
	}
	type input struct{ what, path string }
	inputs := []input{{"the job file", job.File}}
	if sourceIsFile {
		inputs = append(inputs, input{"the source file (source.path)", job.Source.Path})
	}
	rel := func(p string) string {
		if p != "" && !filepath.IsAbs(p) {
			return filepath.Join(job.Dir, p)
		}
		return p
	}
	for _, inc := range job.Mapping.Include {
		inputs = append(inputs, input{"an included mapping file", rel(inc)})
	}
	for name, l := range job.Mapping.Lookups {
		if l.File != "" {
			inputs = append(inputs, input{"the file of lookup " + name, rel(l.File)})
		}
	}
	for _, in := range inputs {
		if in.path == "" {
			continue
		}
		fi, err := os.Stat(in.path)
		if err == nil && os.SameFile(out, fi) {
			return fmt.Errorf("sink.path %s is %s: writing it would destroy the input; choose another output path", job.Sink.Path, in.what)
		}
	}
	return nil
}
