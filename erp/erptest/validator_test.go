package erptest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/wawi-etl/etl/erp/contract"
)

// The emulators of this package's tests check with the full contract.
func init() { SetValidator(contract.Validator{}) }

// A server with Options.Validate reports a deliberately wrong request with
// erp/contract's check (its messages start with "contract:").
func TestValidateUsesContract(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{APIKey: "test-key"})
	ts.badRequests = true
	must(t, ts.call("GET", "/items?pagesize=5", nil), 200)
	v := ts.ContractViolations()
	if len(v) != 1 || !strings.HasPrefix(v[0], "contract: ItemHeader_QueryItemsAsync GET") ||
		!strings.Contains(v[0], `query parameter "pagesize" is not declared by the operation (the spec spells it "pageSize")`) {
		t.Errorf("violations %q", v)
	}
}

func TestChooseValidator(t *testing.T) {
	if v, err := chooseValidator(TableValidator{}, contract.Validator{}); err != nil || v != (TableValidator{}) {
		t.Errorf("the option's: %v, %v", v, err)
	}
	if v, err := chooseValidator(nil, installedValidator()); err != nil || v != (contract.Validator{}) {
		t.Errorf("the installed one: %v, %v", v, err)
	}
	if v, err := chooseValidator(nil, nil); err == nil || v != nil {
		t.Errorf("none: %v, %v", v, err)
	}
}

func tableRequest(method, target, body string, hdr ...string) *http.Request {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, BasePath+target, nil)
	} else {
		r = httptest.NewRequest(method, BasePath+target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range stdHeaders {
		r.Header[k] = v
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			r.Header.Del(hdr[i])
		} else {
			r.Header.Set(hdr[i], hdr[i+1])
		}
	}
	return r
}

func TestTableValidatorRequests(t *testing.T) {
	var tv TableValidator
	for _, c := range []struct {
		name string
		r    *http.Request
		want []string // substrings, one per violation, in order
	}{
		{"valid list", tableRequest("GET", "/items?pageSize=5&pageNumber=2", ""), nil},
		{"valid create", tableRequest("POST", "/items", `{"Name":"x","Categories":[{"CategoryId":1}]}`), nil},
		{"misspelt query", tableRequest("GET", "/items?pagesize=5", ""),
			[]string{`query parameter "pagesize" is not declared by the operation (the spec spells it "pageSize")`}},
		{"query type", tableRequest("GET", "/items?pageSize=many", ""), []string{`query parameter "pageSize": "many" is not a valid int32`}},
		{"path type", tableRequest("GET", "/items/abc", ""), []string{`path parameter "itemId": "abc" is not a valid int32`}},
		{"enum", tableRequest("PATCH", "/salesOrders/1?recalculateTax=7", `{}`), []string{`query parameter "recalculateTax": "7" is not one of 0, 1, 2`}},
		{"header", tableRequest("GET", "/items", "", "x-appid", ""), []string{`header parameter "x-appid": value is required but missing`}},
		{"api-version always", tableRequest("GET", "/items", "", "api-version", ""), []string{`header parameter "api-version"`}},
		{"body", tableRequest("POST", "/items", `{"Name":5}`), []string{"body Categories: The Categories field is required.", "body Name: The JSON value for Name must be a string."}},
		{"body syntax", tableRequest("POST", "/items", `{"Name":`), []string{"body: "}},
		{"content type", tableRequest("POST", "/items", `{"Name":"x","Categories":[{"CategoryId":1}]}`, "Content-Type", "text/plain"),
			[]string{`body: content type "text/plain" is not declared by the operation`}},
		{"no operation", tableRequest("DELETE", "/items", ""), []string{"table check: (no operation) DELETE /api/eazybusiness/items: request: no operation"}},
	} {
		vs := splitViolations(tv.ValidateRequest(BasePath, c.r))
		ok := len(vs) == len(c.want)
		for i := 0; ok && i < len(vs); i++ {
			ok = strings.Contains(vs[i], c.want[i]) && strings.HasPrefix(vs[i], "table check: ")
		}
		if !ok {
			t.Errorf("%s: violations %q, want %q", c.name, vs, c.want)
		}
	}
	// The body stays readable for the handler.
	r := tableRequest("POST", "/items", `{"Name":"x","Categories":[{"CategoryId":1}]}`)
	tv.ValidateRequest(BasePath, r)
	if b := make([]byte, 8); r.Body == nil {
		t.Error("no body")
	} else if n, _ := r.Body.Read(b); string(b[:n]) != `{"Name":` {
		t.Errorf("body after the check: %q", b[:n])
	}
}

func TestTableValidatorResponses(t *testing.T) {
	var tv TableValidator
	json := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	get := tableRequest("GET", "/items/1", "")
	for _, c := range []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"declared", 200, `{"Id":1}`, ""},
		{"generic", 503, `{"ErrorCode":"x"}`, ""},
		{"undeclared", 418, ``, "response 418: status 418 is not declared by the operation"},
		{"not JSON", 200, `{"Id":`, "response 200: body: "},
	} {
		vs := splitViolations(tv.ValidateResponse(BasePath, get, c.status, json, []byte(c.body)))
		if (c.want == "") != (len(vs) == 0) || (c.want != "" && (len(vs) != 1 || !strings.Contains(vs[0], c.want))) {
			t.Errorf("%s: violations %q, want %q", c.name, vs, c.want)
		}
	}
}

// The emulator's own answers to valid requests pass the table check (no
// false alarms for etl emulator --validate).
func TestTableValidatorAcceptsEmulator(t *testing.T) {
	t.Parallel()
	ts := newUncheckedServer(t, Options{APIKey: "test-key"})
	var tv TableValidator
	check := func(method, path, body string) {
		t.Helper()
		r := tableRequest(method, path, body)
		if vs := splitViolations(tv.ValidateRequest(BasePath, r)); len(vs) > 0 {
			t.Errorf("%s %s: request %q", method, path, vs)
		}
		w := httptest.NewRecorder()
		ts.ServeHTTP(w, tableRequest(method, path, body))
		if w.Code >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, w.Code, w.Body)
		}
		if vs := splitViolations(tv.ValidateResponse(BasePath, r, w.Code, w.Header(), w.Body.Bytes())); len(vs) > 0 {
			t.Errorf("%s %s: response %q", method, path, vs)
		}
	}
	check("POST", "/categories", `{"Name":"Tools"}`)
	check("POST", "/items", `{"Name":"Hammer","SKU":"H-1","Categories":[{"CategoryId":1}]}`)
	check("GET", "/items?pageSize=5", "")
	check("GET", "/items/1", "")
	check("PATCH", "/items/1", `{"Name":"Big hammer"}`)
	check("GET", "/salesOrders?pageSize=5", "")
	if n := ts.Counters().Requests; n != 6 || !slices.Contains(ts.Coverage().Operations(), "ItemHeader_UpdateItemAsync") {
		t.Errorf("%d requests served, coverage %v", n, ts.Coverage().Operations())
	}
}

// The required headers read from the table are those erp/contract's relaxed
// spec requires.
func TestRequiredHeadersFollowContract(t *testing.T) {
	n := 0
	for _, id := range contract.AllOperations() {
		var want []string
		for _, p := range contract.Operation(id).Parameters {
			if p.Value.In == "header" && p.Value.Required {
				want = append(want, p.Value.Name)
			}
		}
		if got := requiredHeaders()[id]; !slices.Equal(got, want) {
			t.Errorf("%s: %q, contract %q", id, got, want)
		}
		n += len(want)
	}
	if n < 400 {
		t.Errorf("only %d required headers", n)
	}
}
