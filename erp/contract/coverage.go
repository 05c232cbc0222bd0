package contract

import "github.com/wawi-etl/etl/erp/spec"

// Coverage is a thread-safe set of exercised operation ids with counts (the
// emulator's, shared through erp/spec). The zero value is ready to use.
type Coverage = spec.Coverage
