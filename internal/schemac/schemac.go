// Package schemac compiles the JSON Schemas of job files. It depends on the
// validator alone, so that package etl can compile the shipped schema from
// its init, before the packages that use it are initialised.
package schemac

import (
	"bytes"

	validator "github.com/santhosh-tekuri/jsonschema/v6"
)

// JobURL is the name the job schema is compiled under.
const JobURL = "etl-job.json"

// Compile compiles the schema doc (JSON) under the name url.
func Compile(url string, doc []byte) (*validator.Schema, error) {
	inst, err := validator.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	c := validator.NewCompiler()
	if err := c.AddResource(url, inst); err != nil {
		return nil, err
	}
	return c.Compile(url)
}
