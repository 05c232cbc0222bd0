package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/erp/contract"
	"github.com/wawi-etl/etl/erp/erptest"
)

// The emulators of this package's tests check Options.Validate with the full
// contract (kin-openapi against the published spec), which the binary leaves
// out.
func init() { erptest.SetValidator(contract.Validator{}) }

// A deliberately wrong request (a misspelt query parameter) is reported by
// erp/contract, whose messages start with "contract:".
func TestEmulatorValidatesWithContract(t *testing.T) {
	srv := erptest.NewServer(erptest.Options{APIKey: "k", Validate: true})
	defer srv.Close()
	req, err := http.NewRequest("GET", srv.URL+"/items?pagesize=5", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = http.Header{"Authorization": {"Wawi k"}, "X-Appid": {"etl/1.0"}, "X-Appversion": {"1.0"}, "Api-Version": {"1.0"}}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	v := srv.ContractViolations()
	if len(v) != 1 || !strings.HasPrefix(v[0], "contract: ItemHeader_QueryItemsAsync") || !strings.Contains(v[0], `query parameter "pagesize" is not declared`) {
		t.Errorf("violations %q", v)
	}
}
