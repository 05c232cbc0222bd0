package erp_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wawi-etl/etl/erp"
	"github.com/wawi-etl/etl/erp/contract"
)

const contractBase = "/api/eazybusiness"

// sample builds a value that satisfies schema: every required property,
// type- and format-appropriate scalars, the first enum value.
func sample(ref *openapi3.SchemaRef, depth int) any {
	if ref == nil || ref.Value == nil || depth > 8 {
		return nil
	}
	s := ref.Value
	if len(s.AllOf) > 0 {
		m := map[string]any{}
		for _, sub := range s.AllOf {
			if v, ok := sample(sub, depth+1).(map[string]any); ok {
				for k, x := range v {
					m[k] = x
				}
			}
		}
		return m
	}
	if len(s.OneOf) > 0 {
		return sample(s.OneOf[0], depth+1)
	}
	if len(s.AnyOf) > 0 {
		return sample(s.AnyOf[0], depth+1)
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch {
	case s.Type.Is("object") || len(s.Properties) > 0:
		m := map[string]any{}
		for _, name := range s.Required {
			m[name] = sample(s.Properties[name], depth+1)
		}
		return m
	case s.Type.Is("array"):
		return []any{sample(s.Items, depth+1)}
	case s.Type.Is("integer"):
		return 1
	case s.Type.Is("number"):
		return json.Number("19.99")
	case s.Type.Is("boolean"):
		return false
	case s.Type.Is("string"):
		switch s.Format {
		case "date-time":
			return "2025-01-01T12:00:00+01:00"
		case "date":
			return "2025-01-01"
		case "uuid":
			return "6a1b9c55-6d3e-4bd5-8c7f-3f1e9c0e7a11"
		case "byte":
			return "AA=="
		}
		return "x"
	}
	return nil
}

// specServer answers every request with a body generated from the spec's
// response schema for the operation; paged lists have 3 pages.
func specServer(t *testing.T, status func(opID string) int) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opID, _, err := contract.FindOperation(contractBase, r)
		if err != nil {
			t.Errorf("no operation for %s %s: %v", r.Method, r.URL.Path, err)
			http.NotFound(w, r)
			return
		}
		op := contract.Operation(opID)
		code := 0
		if status != nil {
			code = status(opID)
		}
		if code == 0 {
			for _, c := range []int{200, 201, 204} {
				if op.Responses.Status(c) != nil {
					code = c
					break
				}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		var body any
		if resp := op.Responses.Status(code); resp != nil && resp.Value != nil {
			if mt := resp.Value.Content.Get("application/json"); mt != nil {
				body = sample(mt.Schema, 0)
			}
		}
		if code >= 400 {
			body = map[string]any{"ErrorCode": "E", "ErrorMessage": "failed", "ValidationErrors": map[string]string{"SKU": "already exists"}}
		}
		if m, ok := body.(map[string]any); ok {
			if _, paged := m["Items"]; paged {
				page, _ := strconv.Atoi(r.URL.Query().Get("pageNumber"))
				size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
				m["PageNumber"], m["PageSize"], m["TotalItems"], m["TotalPages"] = page, size, 3*size, 3
				m["HasNextPage"], m["HasPreviousPage"] = page < 3, page > 1
				m["NextPageNumber"], m["PreviousPageNumber"] = min(page+1, 3), max(page-1, 1)
				items := m["Items"].([]any)
				for len(items) < size {
					items = append(items, items[0])
				}
				m["Items"] = items
			}
			if info, ok := m["RequestStatusInfo"].(map[string]any); ok {
				info["Status"] = 2
				m["Token"] = map[string]any{"ApiKey": "FB622234-98A7-46FA-A01B-06C9D0971AAF"}
			}
		}
		w.WriteHeader(code)
		if body != nil && code != 204 {
			_ = json.NewEncoder(w).Encode(body)
		}
	}))
}

// TestClientMeetsContract runs the client's calls through erp/contract's
// validating transport: every request must match the official spec
// (operation, parameters, required headers, credentials, body schema), and
// the test server's spec-generated answers must decode.
func TestClientMeetsContract(t *testing.T) {
	var mu sync.Mutex
	var violations []string
	report := func(err error) {
		mu.Lock()
		violations = append(violations, err.Error())
		mu.Unlock()
	}
	failing := map[string]int{"ItemHeader_GetItemAsync": 404, "CustomerHeader_CreateCustomerAsync": 400}
	srv := specServer(t, func(op string) int { return failing[op] })
	defer srv.Close()
	tr := contract.NewTransport(http.DefaultTransport, report)
	tr.BasePath = contractBase

	for _, mode := range []string{"onpremise", "cloud"} {
		cfg := erp.Config{
			BaseURL: srv.URL + contractBase, AppID: "etl/1.0.0", AppVersion: "1.0.0",
			HTTPClient: &http.Client{Transport: tr}, PageSize: 2,
			BackoffInitial: time.Millisecond, MaxAttempts: 2,
		}
		if mode == "onpremise" {
			cfg.APIKey = "FB622234-98A7-46FA-A01B-06C9D0971AAF"
		} else {
			tok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"access_token":"jwt","token_type":"Bearer","expires_in":3600}`))
			}))
			defer tok.Close()
			// The token endpoint is not part of the API: keep it out of
			// the validating transport.
			cfg.HTTPClient = &http.Client{Transport: roundTripSplit{tok.URL, tr}}
			cfg.ClientID, cfg.ClientSecret, cfg.TenantID, cfg.TokenURL = "cid", "secret", "6a1b9c55-6d3e-4bd5-8c7f-3f1e9c0e7a11", tok.URL+"/token"
			cfg.RunAs = "1"
		}
		c, err := erp.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := c.Info(ctx); err != nil {
			t.Fatal(err)
		}
		for _, name := range erp.Resources() {
			def, _ := erp.Resource(name)
			q := url.Values{}
			for _, p := range def.ListQuery {
				switch {
				case len(p.Enum) > 0:
					q.Set(p.Name, p.Enum[len(p.Enum)-1])
				case p.Type == "integer":
					q.Set(p.Name, "3")
				case p.Type == "boolean":
					q.Set(p.Name, "true")
				case p.Type == "date-time":
					q.Set(p.Name, "2025-01-01T00:00:00Z")
				default:
					q.Set(p.Name, "A-1")
				}
			}
			n := 0
			for rec, err := range c.List(ctx, def.ListPath, q, erp.PageOptions{Parallel: 2}) {
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if def.IDField != "" && name != "salesChannels" { // a sales channel's Id is text: 1-1-1
					if _, ok := rec[def.IDField].(json.Number); !ok {
						t.Errorf("%s: %s is %T", name, def.IDField, rec[def.IDField])
					}
				}
				n++
			}
			if def.Paged && n != 6 {
				t.Errorf("%s: %d records over 3 pages of 2", name, n)
			}
			if def.ItemPath != "" && name != "items" {
				var one map[string]any
				if err := c.Get(ctx, def.ItemURL(1), nil, &one); err != nil {
					t.Errorf("%s: %v", name, err)
				}
			}
		}
		items, _ := erp.Resource("items")
		if err := c.Get(ctx, items.ItemURL(99), nil, nil); erp.StatusOf(err) != 404 {
			t.Errorf("GET item 99: %v", err)
		}
		wf := url.Values{erp.QueryDisableWorkflows: {"true"}}
		var created map[string]any
		if err := c.Post(ctx, items.CreatePath, wf, map[string]any{"Name": "Hammer", "SKU": "A-1", "Categories": []any{map[string]any{"CategoryId": 1}}}, &created, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.Patch(ctx, items.ItemURL(1), wf, map[string]any{"Name": "Hammer 2"}, nil); err != nil {
			t.Fatal(err)
		}
		stocks, _ := erp.Resource("stocks")
		if err := c.Post(ctx, stocks.CreatePath, wf, map[string]any{"WarehouseId": 1, "ItemId": 1, "Quantity": json.Number("2.5")}, nil, nil); err != nil {
			t.Fatal(err)
		}
		so, _ := erp.Resource("salesOrders")
		if err := c.Post(ctx, so.CreatePath, url.Values{"renameSalesOrderNumberWhenAlreadyExists": {"false"}}, map[string]any{"CompanyId": 1, "CustomerId": 1, "ExternalNumber": "EXT-1"}, nil, nil); err != nil {
			t.Fatal(err)
		}
		li := so.Sub["lineitems"]
		if err := c.Post(ctx, li.ListURL(1), nil, []map[string]any{{"ItemId": 1, "Quantity": 1}}, nil, nil); err != nil {
			t.Fatal(err)
		}
		if err := c.Patch(ctx, so.ItemURL(1), nil, map[string]any{"Comment": "x"}, nil); err != nil {
			t.Fatal(err)
		}
		cust, _ := erp.Resource("customers")
		err = c.Post(ctx, cust.CreatePath, nil, map[string]any{"CustomerGroupId": 1, "LanguageIso": "DE", "InternalCompanyId": 1, "BillingAddress": map[string]any{"City": "Hückelhoven", "CountryIso": "DE"}}, nil, nil)
		var ae *erp.APIError
		if !errors.As(err, &ae) || ae.ValidationErrors["SKU"] != "already exists" {
			t.Errorf("POST customers: %v", err)
		}
		cat, _ := erp.Resource("categories")
		if err := c.Post(ctx, cat.CreatePath, nil, map[string]any{"Name": "Tools"}, nil, nil); err != nil {
			t.Fatal(err)
		}

		if mode == "onpremise" {
			rc, err := erp.NewForRegistration(erp.Config{BaseURL: cfg.BaseURL, HTTPClient: cfg.HTTPClient, AppID: "etl/1.0.0", AppVersion: "1.0.0"})
			if err != nil {
				t.Fatal(err)
			}
			reg, err := rc.Register(ctx, "challenge-1", erp.AppRegistration{DisplayName: "etl"}, time.Millisecond, time.Second, nil)
			if err != nil || reg.APIKey == "" {
				t.Fatalf("register: %v", err)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(violations) > 0 {
		t.Errorf("%d contract violations:\n%s", len(violations), strings.Join(violations, "\n"))
	}
	ops := tr.Operations()
	for _, want := range []string{
		"InfoHeader_GetStatusAsync", "ItemHeader_QueryItemsAsync", "ItemHeader_CreateItemAsync", "ItemHeader_UpdateItemAsync",
		"StockHeader_StockAdjustmentAsync", "SalesOrderHeader_CreateSalesOrderLineItemAsync",
		"AuthenticationHeader_RegisterAppAsync", "AuthenticationHeader_FetchRegistrationStatusAsync",
		"CompanyHeader_QueryCompaniesAsync", "ManufacturerHeader_QueryManufacturersAsync",
	} {
		if !slices.Contains(ops, want) {
			t.Errorf("operation %s not exercised", want)
		}
	}
	t.Logf("%d spec operations exercised:\n  %s", len(ops), strings.Join(ops, "\n  "))
}

// roundTripSplit sends requests to the token server directly and the rest
// through the validating transport.
type roundTripSplit struct {
	tokenURL string
	api      http.RoundTripper
}

func (s roundTripSplit) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.String(), s.tokenURL) {
		return http.DefaultTransport.RoundTrip(r)
	}
	return s.api.RoundTrip(r)
}
