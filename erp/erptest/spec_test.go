package erptest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/erp/contract"
)

// TestGeneratedDataIsSpecValid reads every generated record through the API
// with validation on: the generator's data must satisfy the spec.
func TestGeneratedDataIsSpecValid(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: Generate(GenConfig{Items: 40, Orders: 40, Seed: 11})})
	for _, path := range []string{"/items", "/salesOrders", "/customers", "/stocks", "/categories", "/warehouses"} {
		var p PagedList[map[string]any]
		must(t, ts.call("GET", path+"?pageSize=1000", nil), 200).decode(t, &p)
		if p.TotalItems == 0 {
			t.Errorf("%s: empty", path)
		}
	}
	for _, o := range ts.Orders() {
		must(t, ts.call("GET", fmt.Sprintf("/salesOrders/%d/lineitems", o.Id), nil), 200)
	}
	must(t, ts.call("GET", "/items/40", nil), 200)
	must(t, ts.call("GET", "/customers/3", nil), 200)
}

// TestClientSideTransport checks the emulator's answers the way the
// client's tests do: through contract.NewTransport, which finds the
// operation below the non-root base path on its own.
func TestClientSideTransport(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{Seed: Generate(GenConfig{Items: 5, Orders: 5})})
	var violations []string
	tr := contract.NewTransport(nil, func(err error) { violations = append(violations, err.Error()) })
	client := &http.Client{Transport: tr}
	send := func(method, path, body string) int {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		r, _ := http.NewRequest(method, ts.URL+path, rd)
		for k, v := range stdHeaders {
			r.Header[k] = v
		}
		if body != "" {
			r.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	send("GET", "/items?pageSize=2", "")
	send("POST", "/items", `{"Name":"x","Categories":[{"CategoryId":1}]}`)
	send("PATCH", "/items/1", `{"ItemPriceData":{"SalesPriceNet":1.5}}`)
	send("POST", "/stocks", `{"ItemId":1,"WarehouseId":1,"Quantity":3}`)
	send("POST", "/salesOrders", `{"CompanyId":1,"CustomerId":1}`)
	send("POST", "/salesOrders/6/lineitems", `[{"ItemId":1,"Quantity":1,"SalesPriceGross":2.38}]`)
	send("GET", "/salesOrders/6", "")
	if len(violations) != 0 {
		t.Errorf("violations: %q", violations)
	}
	if ops := tr.Operations(); len(ops) != 7 {
		t.Errorf("operations %v", ops)
	}
	// A client bug is reported by the transport.
	send("GET", "/items?pagesize=2", "")
	if len(violations) != 1 || !strings.Contains(violations[0], `"pagesize"`) {
		t.Errorf("violations: %q", violations)
	}
	ts.badRequests = true
}
