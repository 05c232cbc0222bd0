package contract

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func apiRequest(method, target, body string) *http.Request {
	var r *http.Request
	if body == "" {
		r = httptest.NewRequest(method, target, nil)
	} else {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
	}
	r.Header.Set("Authorization", "Wawi 7F3B1E2A-0000-4000-8000-000000000001")
	r.Header.Set("x-appid", "etl/1.0.0")
	r.Header.Set("x-appversion", "1.0.0")
	r.Header.Set("api-version", "1.0")
	return r
}

func msgs(err error) []string {
	var out []string
	for _, v := range Violations(err) {
		out = append(out, v.Msg)
	}
	return out
}

func wantViolation(t *testing.T, err error, substr string) {
	t.Helper()
	for _, m := range msgs(err) {
		if strings.Contains(m, substr) {
			return
		}
	}
	t.Errorf("want a violation containing %q, got %q", substr, msgs(err))
}

func TestSpecLoads(t *testing.T) {
	doc := Spec()
	if doc.Info.Version != "1.0" {
		t.Errorf("version %q", doc.Info.Version)
	}
	if n := len(AllOperations()); n != 209 {
		t.Errorf("%d operations, want 209", n)
	}
	if Operation("ItemHeader_QueryItemsAsync") == nil {
		t.Error("ItemHeader_QueryItemsAsync missing")
	}
	// x-api-key parameter removed, tenant-id optional, api-version required.
	for _, p := range Operation("ItemHeader_QueryItemsAsync").Parameters {
		switch p.Value.Name {
		case "x-api-key":
			t.Error("x-api-key still a parameter")
		case "tenant-id":
			if p.Value.Required {
				t.Error("tenant-id still required")
			}
		case "api-version":
			if !p.Value.Required {
				t.Error("api-version not required")
			}
		}
	}
}

func TestFindOperation(t *testing.T) {
	cases := []struct{ base, method, path, op string }{
		{"/api/eazybusiness", "GET", "/api/eazybusiness/items/5", "ItemHeader_GetItemAsync"},
		{"http://127.0.0.1:1/api/eazybusiness/", "GET", "/api/eazybusiness/items", "ItemHeader_QueryItemsAsync"},
		{"", "GET", "/api/eazybusiness/items/5", "ItemHeader_GetItemAsync"},
		{"", "GET", "/erp/salesOrders/cancellationReasons", "SalesOrderHeader_QuerySalesOrderCancellationReasonsAsync"},
		{"", "POST", "/x/salesOrders/12/lineitems", "SalesOrderHeader_CreateSalesOrderLineItemAsync"},
		{"", "GET", "/stocks", "StockHeader_QueryStocksPerItemAsync"},
	}
	for _, c := range cases {
		op, _, err := FindOperation(c.base, httptest.NewRequest(c.method, c.path, nil))
		if err != nil || op != c.op {
			t.Errorf("%s %s (base %q): got %q, %v; want %q", c.method, c.path, c.base, op, err, c.op)
		}
	}
	_, params, _ := FindOperation("", httptest.NewRequest("GET", "/a/b/items/42", nil))
	if params["itemId"] != "42" {
		t.Errorf("params %v", params)
	}
	if _, _, err := FindOperation("/api/eazybusiness", httptest.NewRequest("GET", "/other/items", nil)); err == nil {
		t.Error("path outside the base path matched")
	}
	if _, _, err := FindOperation("", httptest.NewRequest("DELETE", "/items", nil)); err == nil {
		t.Error("DELETE /items matched")
	}
}

func TestValidateRequest(t *testing.T) {
	base := "/api/eazybusiness"
	op, err := ValidateRequest(base, apiRequest("GET", base+"/items?searchKeyWord=abc&pageNumber=1&pageSize=100", ""))
	if err != nil || op != "ItemHeader_QueryItemsAsync" {
		t.Fatalf("valid request: %q %v", op, err)
	}
	// A Cloud request is valid too.
	r := apiRequest("GET", base+"/items", "")
	r.Header.Set("Authorization", "Bearer eyJhbGciOi.x.y")
	r.Header.Set("X-Tenant-ID", "9b2f3c1e-0000-4000-8000-000000000000")
	if _, err := ValidateRequest(base, r); err != nil {
		t.Errorf("cloud request: %v", err)
	}

	r = apiRequest("GET", base+"/items", "")
	r.Header.Del("x-appid")
	_, err = ValidateRequest(base, r)
	wantViolation(t, err, `header parameter "x-appid"`)

	r = apiRequest("GET", base+"/items", "")
	r.Header.Del("api-version")
	_, err = ValidateRequest(base, r)
	wantViolation(t, err, `header parameter "api-version"`)

	r = apiRequest("GET", base+"/items", "")
	r.Header.Del("Authorization")
	_, err = ValidateRequest(base, r)
	wantViolation(t, err, "authentication: no credentials")

	r = apiRequest("GET", base+"/items", "")
	r.Header.Set("Authorization", "Bearer abc")
	_, err = ValidateRequest(base, r)
	wantViolation(t, err, "without a tenant header")

	_, err = ValidateRequest(base, apiRequest("GET", base+"/items?pagesize=5", ""))
	wantViolation(t, err, `query parameter "pagesize" is not declared by the operation (the spec spells it "pageSize")`)

	_, err = ValidateRequest(base, apiRequest("GET", base+"/items?pageSize=abc", ""))
	wantViolation(t, err, `query parameter "pageSize"`)

	_, err = ValidateRequest(base, apiRequest("GET", base+"/salesOrders?paymentStatus=7", ""))
	wantViolation(t, err, `query parameter "paymentStatus"`)

	// Body: Categories missing, Name wrong type.
	rb := apiRequest("POST", base+"/items", `{"Name": 5}`)
	_, err = ValidateRequest(base, rb)
	wantViolation(t, err, `body /Categories: property "Categories" is missing`)
	wantViolation(t, err, `body /Name:`)
	// The body is restored.
	if b, _ := io.ReadAll(rb.Body); string(b) != `{"Name": 5}` {
		t.Errorf("body not restored: %q", b)
	}
	if _, err := ValidateRequest(base, apiRequest("POST", base+"/items", `{"Name":"x","Categories":[{"CategoryId":1}]}`)); err != nil {
		t.Errorf("valid CreateItem: %v", err)
	}
	// Registration needs no credentials but x-challengecode.
	r = apiRequest("GET", base+"/authentication/abc", "")
	r.Header.Del("Authorization")
	r.Header.Del("x-appid")
	r.Header.Set("x-challengecode", "abc")
	if _, err := ValidateRequest(base, r); err != nil {
		t.Errorf("registration status: %v", err)
	}

	_, err = ValidateRequest(base, apiRequest("GET", base+"/nope", ""))
	if v := Violations(err); len(v) != 1 || v[0].OpID != "" {
		t.Errorf("unknown path: %v", err)
	}
	if !strings.Contains(err.Error(), "contract: (no operation) GET /api/eazybusiness/nope") {
		t.Errorf("message: %v", err)
	}
}

func TestValidateResponse(t *testing.T) {
	base := "/api/eazybusiness"
	r := apiRequest("GET", base+"/companies", "")
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	if _, err := ValidateResponse(base, r, 200, h, []byte(`[{"Id":1,"Name":"ACME"}]`)); err != nil {
		t.Errorf("valid: %v", err)
	}
	_, err := ValidateResponse(base, r, 200, h, []byte(`[{"Id":1}]`))
	wantViolation(t, err, `body /0/Name: property "Name" is missing`)
	_, err = ValidateResponse(base, r, 200, h, []byte(`[{"Id":"1","Name":"x"}]`))
	wantViolation(t, err, `body /0/Id:`)
	_, err = ValidateResponse(base, r, 418, h, nil)
	wantViolation(t, err, "status is not supported")
	// Generic statuses: empty body or ErrorResponse.
	for _, st := range []int{401, 412, 429, 500, 502, 503, 504} {
		if _, err := ValidateResponse(base, r, st, http.Header{}, nil); err != nil {
			t.Errorf("%d empty: %v", st, err)
		}
		if _, err := ValidateResponse(base, r, st, h, []byte(`{"ErrorCode":"x","ErrorMessage":"y"}`)); err != nil {
			t.Errorf("%d ErrorResponse: %v", st, err)
		}
	}
	_, err = ValidateResponse(base, r, 429, h, []byte(`{"ValidationErrors":{"a":1}}`))
	wantViolation(t, err, "body /ValidationErrors/a")
	// Declared 400 on POST /items must be an ErrorResponse.
	rp := apiRequest("POST", base+"/items", `{}`)
	if _, err := ValidateResponse(base, rp, 400, h, []byte(`{"ErrorMessage":"bad","ValidationErrors":{"Name":"required"}}`)); err != nil {
		t.Errorf("400: %v", err)
	}
	// 404 is not declared for GET /salesOrders.
	_, err = ValidateResponse(base, apiRequest("GET", base+"/salesOrders", ""), 404, h, []byte(`{}`))
	wantViolation(t, err, "status is not supported")
}

func TestTransport(t *testing.T) {
	var gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/eazybusiness/companies":
			io.WriteString(w, `[{"Id":1,"Name":"ACME"}]`)
		case "/api/eazybusiness/paymentMethods":
			io.WriteString(w, `[{"Id":1,"Name":"Cash"}]`) // IsStandard, IsActive missing
		case "/api/eazybusiness/categories":
			w.WriteHeader(201)
			io.WriteString(w, `{"Id":1,"Name":"x","Description":"","ParentCategoryId":0,"Level":1,"SortNumber":0,"ActiveSalesChannels":""}`)
		}
	}))
	defer srv.Close()
	var reported []string
	tr := NewTransport(nil, func(err error) { reported = append(reported, err.Error()) })
	client := &http.Client{Transport: tr}
	do := func(r *http.Request) {
		t.Helper()
		r.RequestURI = ""
		resp, err := client.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	do(apiRequest("GET", srv.URL+"/api/eazybusiness/companies", ""))
	if len(reported) != 0 {
		t.Fatalf("unexpected: %v", reported)
	}
	do(apiRequest("GET", srv.URL+"/api/eazybusiness/paymentMethods", ""))
	if len(reported) != 2 || !strings.Contains(reported[0], "PaymentMethodHeader_QueryPaymentMethodsAsync") {
		t.Errorf("reported %q", reported)
	}
	do(apiRequest("POST", srv.URL+"/api/eazybusiness/categories", `{"Name":"Tools"}`))
	if gotBody != `{"Name":"Tools"}` {
		t.Errorf("server got body %q", gotBody)
	}
	if len(tr.Violations()) != 2 {
		t.Errorf("violations %v", tr.Violations())
	}
	ops := tr.Operations()
	want := []string{"CategoryHeader_CreateCategoryAsync", "CompanyHeader_QueryCompaniesAsync", "PaymentMethodHeader_QueryPaymentMethodsAsync"}
	if strings.Join(ops, ",") != strings.Join(want, ",") {
		t.Errorf("operations %v", ops)
	}
	s := tr.Coverage().String()
	if !strings.HasPrefix(s, "3 of 209 spec operations exercised") || !strings.Contains(s, "/companies") {
		t.Errorf("coverage string %q", s)
	}
}
