package pipeline

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/wawi-etl/etl/mappings"
)

// mappingError points compile errors of the mapping at their line in the job
// file.
func (j *Job) mappingError(err error) error {
	var ce *mappings.CompileError
	if !errors.As(err, &ce) {
		return err
	}
	var errs JobErrors
	for _, se := range ce.Errs {
		if se.File != "" {
			// the field lives in an included mapping file: point there
			inc := &Job{File: se.File}
			if !filepath.IsAbs(se.File) {
				inc.File = filepath.Join(j.Dir, se.File)
			}
			// included files hold a mapping: block like a job does
			path := fmt.Sprintf("$.mapping.fields[%d]", se.FileField)
			if se.Field < 0 {
				path = "$.mapping"
			}
			if se.Key != "" {
				path += "." + se.Key
			}
			errs = append(errs, inc.ErrorAt(path, se.Msg))
			continue
		}
		path := "$.mapping"
		if se.Field >= 0 {
			path = fmt.Sprintf("$.mapping.fields[%d]", se.Field-j.includedFields)
		}
		if se.Key != "" {
			path += "." + se.Key
		}
		errs = append(errs, j.ErrorAt(path, se.Msg))
	}
	return errs
}
