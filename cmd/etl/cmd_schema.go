package main

import (
	"github.com/spf13/cobra"

	"github.com/wawi-etl/etl/pipeline"
)

func init() { subcommands = append(subcommands, newSchemaCommand) }

func newSchemaCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of job files (for editor completion)",
		Long: `Print the JSON Schema of job files. Save it and point your editor at it,
e.g. in VS Code with the YAML extension add to the top of a job file:

  # yaml-language-server: $schema=./etl-job.schema.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := cmd.OutOrStdout().Write(append(pipeline.Schema(), '\n'))
			return err
		},
	}
}
