// Package contracttest checks that a test package's emulators validate
// with the full contract.
package contracttest

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/erp/erptest"
)

// CheckEmulatorValidates sends the emulator a deliberately wrong request (a
// misspelt query parameter) and fails t unless contract.Validator,
// installed with erptest.SetValidator, reports it. Test packages that rely
// on Options.Validate run it, so that a missing installation cannot make
// their contract checks silently weaker.
func CheckEmulatorValidates(t testing.TB) {
	t.Helper()
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
