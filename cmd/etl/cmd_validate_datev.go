package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/wawi-etl/etl/datev"
)

func init() { subcommands = append(subcommands, newValidateDATEVCommand) }

func newValidateDATEVCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "validate-datev FILE...",
		Short: "Check DATEV files (EXTF Buchungsstapel, Debitoren/Kreditoren) against DATEV's field rules",
		Long: `Check DATEV Buchungsstapel files (EXTF, header version 700, format version 13),
whoever wrote them: Windows-1252 and CRLF, the header's fields and ranges, the
period within one fiscal year, 125 columns, amounts (1234,56), Soll/Haben,
account lengths (Sachkontenlänge, personal accounts one digit longer),
Belegdatum within the period, field lengths, characters and quoting.

Debitoren/Kreditoren files (category 16, format version 5) are recognised by
their header: 254 columns, a personal account (Sachkontenlänge + 1 digits)
once per file, a name, Adressatentyp, the EU-Land of a VAT id, field
lengths, characters and quoting.

Each violation is printed as FILE:line:column: message, where column is the
field number as DATEV counts its columns; a file without any as FILE: ok.
Exit status 0: no violations; 1: violations; 2: a file could not be read.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			violations, unreadable := 0, 0
			for _, path := range args {
				data, err := os.ReadFile(path)
				if err != nil {
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					unreadable++
					continue
				}
				vs := datev.Check(data)
				for _, v := range vs {
					fmt.Fprintf(cmd.OutOrStdout(), "%s:%s\n", path, v.StringIn(langOf(cmd)))
				}
				violations += len(vs)
				if len(vs) == 0 {
					// a clean file says so: silence would leave a tax adviser
					// wondering whether it was checked at all
					fmt.Fprintln(cmd.OutOrStdout(), langOf(cmd).T("validate.ok", path))
				}
			}
			switch {
			case unreadable > 0:
				return withCode(exitCannotStart, langOf(cmd).Errorf("datev.unreadable", unreadable, len(args)))
			case violations > 0:
				return withCode(exitRecordsFail, langOf(cmd).Errorf("datev.violations", violations))
			}
			return nil
		},
	}
}
