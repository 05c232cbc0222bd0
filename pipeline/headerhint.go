package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wawi-etl/etl/mappings"
)

// headerRowsTried is how far down a file withHeaderRowHint looks for the
// names a mapping misses.
const headerRowsTried = 10

// withHeaderRowHint adds to each "column … is not in the file" of err the
// row in which the file has every name the mapping misses, when that is
// not source.header_row: a title, a date or a blank line above the names
// is common in suppliers' files. Only file sources are looked at, each
// row by opening the file again (this is the error path).
func withHeaderRowHint(ctx context.Context, spec *SourceSpec, env *Env, err error) error {
	var ce *mappings.CompileError
	if !errors.As(err, &ce) {
		return err
	}
	var missing []string
	for _, se := range ce.Errs {
		if se.Missing != "" {
			missing = append(missing, se.Missing)
		}
	}
	if t, ok := LookupSourceType(spec.Type); !ok || !t.ReadsFile || len(missing) == 0 {
		return err
	}
	current := max(spec.HeaderRow, 1)
	for row := 1; row <= headerRowsTried; row++ {
		if row == current || ctx.Err() != nil {
			continue
		}
		try := *spec
		try.HeaderRow, try.Skip = row, 0
		src, oerr := OpenSource(ctx, &try, env)
		if oerr != nil {
			continue
		}
		all := true
		for _, m := range missing {
			_, ok := src.Header().IndexShown(m) // as the mapping finds a column
			all = all && ok
		}
		src.Close()
		if !all {
			continue
		}
		for _, se := range ce.Errs {
			if se.Missing != "" {
				// the row explains the lone column, not the delimiter
				msg, _, _ := strings.Cut(se.Msg, "; the header was read as a single column")
				se.Msg = msg + fmt.Sprintf("; the file has the names in row %d: set source.header_row: %d", row, row)
			}
		}
		return err
	}
	return err
}
