package main

import (
	"github.com/spf13/cobra"

	etlroot "github.com/wawi-etl/etl"
	"github.com/wawi-etl/etl/pipeline"
)

func init() {
	subcommands = append(subcommands, newSchemaCommand)
	// Job files are validated against the shipped schema, equal to the
	// generated one (TestShippedSchemaIsCurrent): generating it was part of
	// every start, and it is being compiled since the program started.
	// Every type is registered by now (package inits).
	pipeline.UsePrebuiltSchema(etlroot.JobSchema, etlroot.CompiledJobSchema)
}

func newSchemaCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of job files (for editor completion)",
		Long: `Print the JSON Schema of job files. Save it and point your editor at it,
e.g. in VS Code with the YAML extension add to the top of a job file:

  # yaml-language-server: $schema=./etl-job.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// generated, not the shipped copy: make schema writes this
			b, err := pipeline.FreshSchema()
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(append(b, '\n'))
			return err
		},
	}
}
