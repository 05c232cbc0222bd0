package mappings

import (
	"context"
	"fmt"
	"strings"
)

// KnownLister is a Resolver that can list the keys of a table (the names
// of the suppliers, customer groups, ...), so that a key that is not there
// is reported with those that are.
type KnownLister interface {
	Known(ctx context.Context, table string) ([]string, bool)
}

// notInLookup is the message of a key that lookup l does not have.
func notInLookup(ctx context.Context, l *lookup, key string) string {
	msg := fmt.Sprintf("%q is not in lookup table %q", key, l.name)
	if l.erp == nil {
		return msg
	}
	kl, ok := l.erp.resolver.(KnownLister)
	if !ok {
		return msg
	}
	known, ok := kl.Known(ctx, l.erp.table)
	switch {
	case !ok:
		return msg
	case len(known) == 0:
		return fmt.Sprintf("%s: the Wawi has no %s", msg, l.erp.table)
	}
	return fmt.Sprintf("%s: the Wawi knows %s", msg, strings.Join(known, ", "))
}
