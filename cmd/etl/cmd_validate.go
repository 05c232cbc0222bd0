package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wawi-etl/etl/mappings"
	"github.com/wawi-etl/etl/pipeline"
)

// offlineResolver stands in for the Wawi during validate, which compiles
// mappings without connecting; it is never asked to resolve.
type offlineResolver struct{}

func (offlineResolver) Resolve(context.Context, string, string, bool) (any, bool, error) {
	return nil, false, errors.New("validate does not connect to the Wawi")
}

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
			bad, lang := 0, langOf(cmd)
			for _, path := range args {
				err := validateOne(cmd, path, sets)
				if err != nil {
					bad++
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), lang.T("validate.ok", path))
			}
			if bad > 0 {
				return withCode(exitCannotStart, lang.Errorf("exit.jobs", bad, len(args)))
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a key of the job, e.g. --set source.path=today.csv (repeatable)")
	return cmd
}

func validateOne(cmd *cobra.Command, path string, sets []string) (err error) {
	defer func() { err = pipeline.LocalizeJobError(langOf(cmd), err) }()
	job, err := loadJob(langOf(cmd), path, pipeline.LoadOptions{Sets: sets})
	if err != nil {
		return err
	}
	// ERP lookups are checked for their syntax only: validate works offline.
	var resolver mappings.Resolver = offlineResolver{}
	if err := pipeline.Check(cmd.Context(), job, resolver); err != nil {
		var je pipeline.JobErrors
		if errors.As(err, &je) {
			return je
		}
		return err
	}
	return nil
}
