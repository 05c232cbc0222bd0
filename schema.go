// Package etl holds what the repository ships beside the code for the
// program to use: the JSON Schema of job files.
package etl

import (
	_ "embed"
	"sync"

	validator "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wawi-etl/etl/internal/schemac"
)

// JobSchema is etl-job.schema.json, the schema editors point at (make
// schema writes it). etl validates job files against it instead of
// generating it at every start; cmd/etl's TestShippedSchemaIsCurrent keeps
// it equal to the one the Go types give.
//
//go:embed etl-job.schema.json
var JobSchema []byte

// CompiledJobSchema is JobSchema compiled. The compiling starts with the
// program (init), on a goroutine of its own beside the other packages'
// initialisation: ~14 ms (checking the schema against its metaschema,
// then compiling it) that every run and validate otherwise spent on its
// way to the job, with the second core idle.
var CompiledJobSchema = sync.OnceValues(func() (*validator.Schema, error) {
	return schemac.Compile(schemac.JobURL, JobSchema)
})

func init() { go CompiledJobSchema() }
