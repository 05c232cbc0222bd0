// Package etl holds what the repository ships beside the code for the
// program to use: the JSON Schema of job files.
package etl

import _ "embed"

// JobSchema is etl-job.schema.json, the schema editors point at (make
// schema writes it). etl validates job files against it instead of
// generating it at every start; cmd/etl's TestShippedSchemaIsCurrent keeps
// it equal to the one the Go types give.
//
//go:embed etl-job.schema.json
var JobSchema []byte
