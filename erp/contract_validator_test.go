package erp_test

import (
	"testing"

	"github.com/wawi-etl/etl/erp/contract"
	"github.com/wawi-etl/etl/erp/contract/contracttest"
	"github.com/wawi-etl/etl/erp/erptest"
)

// The emulators of this package's tests check Options.Validate with the full
// contract (kin-openapi against the published spec), which the binary leaves
// out.
func init() { erptest.SetValidator(contract.Validator{}) }

func TestEmulatorValidatesWithContract(t *testing.T) { contracttest.CheckEmulatorValidates(t) }
