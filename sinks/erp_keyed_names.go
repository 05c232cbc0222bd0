package sinks

import (
	"context"
	"fmt"
	"strings"
)

// showKey writes key values for people: an id that Import.KeyNames can
// name is shown as "Hahn (2)" (the id stays, so keys stay unique).
func (d *keyedSink) showKey(ctx context.Context, vals []string) string {
	names := d.def.Import.KeyNames
	if len(names) == 0 {
		return strings.Join(vals, " / ")
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = v
		table, ok := names[d.keyFields[i]]
		if !ok || d.s.lookups == nil || v == "0" {
			continue
		}
		// only for people: a failed lookup leaves the id
		if n, found, err := d.s.lookups.Resolve(ctx, table, v, false); err == nil && found {
			if s := keyText(n); s != "" {
				out[i] = fmt.Sprintf("%s (%s)", s, v)
			}
		}
	}
	return strings.Join(out, " / ")
}
