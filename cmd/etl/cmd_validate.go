package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wawi-etl/etl/pipeline"
)

func init() { subcommands = append(subcommands, newValidateCommand) }

func newValidateCommand() *cobra.Command {
	var sets []string
	cmd := &cobra.Command{
		Use:   "validate JOB.yaml...",
		Short: "Check job files without running them",
		Long: `Check job files: YAML syntax, unknown or misspelt keys, types, the JSON Schema,
and what the job means: the source can be read and has the columns the mapping
names, transforms exist, expressions compile. Nothing is written.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := 0
			for _, path := range args {
				err := validateOne(cmd, path, sets)
				if err != nil {
					bad++
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", path)
			}
			if bad > 0 {
				return withCode(exitCannotStart, fmt.Errorf("%d of %d job files have problems", bad, len(args)))
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a key of the job, e.g. --set source.path=today.csv (repeatable)")
	return cmd
}

func validateOne(cmd *cobra.Command, path string, sets []string) error {
	job, err := pipeline.LoadJob(path, pipeline.LoadOptions{Sets: sets})
	if err != nil {
		return err
	}
	resolver, closeFn, err := resolverFor(cmd.Context(), job, true)
	if err != nil {
		return err
	}
	defer closeFn()
	if err := pipeline.Check(cmd.Context(), job, resolver); err != nil {
		var je pipeline.JobErrors
		if errors.As(err, &je) {
			return je
		}
		return err
	}
	return nil
}
