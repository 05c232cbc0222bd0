package erptest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestMissingHeaders(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{})
	ts.badRequests = true
	for _, h := range []string{"x-appid", "x-appversion", "api-version"} {
		r := must(t, ts.call("GET", "/items", nil, h, ""), http.StatusPreconditionFailed)
		e := r.errResp(t)
		if e.ErrorCode != "MissingHeaders" || e.ValidationErrors[h] == "" || !strings.Contains(e.ErrorMessage, h) {
			t.Errorf("%s: %+v", h, e)
		}
	}
	r := must(t, ts.call("POST", "/items", `{}`, "x-appid", "", "x-appversion", ""), http.StatusPreconditionFailed)
	if e := r.errResp(t); len(e.ValidationErrors) != 2 {
		t.Errorf("both missing: %+v", e)
	}
	// api-version 2.0 is a valid string to the spec, but this Wawi speaks 1.x.
	ts.allowed = append(ts.allowed, "GET /api/eazybusiness/items: response 400: status is not supported")
	must(t, ts.call("GET", "/items", nil, "api-version", "2.0"), http.StatusBadRequest)
	must(t, ts.call("GET", "/items", nil, "api-version", "1.1"), http.StatusOK)
	if c := ts.Counters(); c.MissingHeaders != 4 || c.Writes != 0 {
		t.Errorf("counters %+v", c)
	}
}

func TestOnPremiseAuth(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Options{APIKey: "secret-key"})
	ts.badRequests = true
	must(t, ts.call("GET", "/items", nil, "Authorization", "Wawi secret-key"), 200)
	must(t, ts.call("GET", "/items", nil, "Authorization", "wawi secret-key"), 200)
	must(t, ts.call("GET", "/items", nil, "Authorization", "", "x-api-key", "secret-key"), 200)
	for _, auth := range []string{"", "Wawi other", "Wawi", "Bearer secret-key", "Basic abc"} {
		r := must(t, ts.call("GET", "/items", nil, "Authorization", auth), http.StatusUnauthorized)
		if e := r.errResp(t); e.ErrorCode != "Unauthorized" || e.ErrorMessage == "" {
			t.Errorf("%q: %+v", auth, e)
		}
	}
	if n := ts.Counters().Unauthorized; n != 5 {
		t.Errorf("unauthorized %d", n)
	}
	// Without a configured key any non-empty key is accepted.
	open := newServer(t, Options{})
	must(t, open.call("GET", "/items", nil, "Authorization", "Wawi whatever"), 200)
	open.badRequests = true
	must(t, open.call("GET", "/items", nil, "Authorization", ""), http.StatusUnauthorized)
}

func getToken(t *testing.T, ts *testServer, id, secret, grant string) (*resp, map[string]any) {
	t.Helper()
	r, _ := http.NewRequest("POST", ts.TokenURL, strings.NewReader(url.Values{"grant_type": {grant}}.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.SetBasicAuth(id, secret)
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	return &resp{status: res.StatusCode, header: res.Header}, m
}

func TestCloudAuth(t *testing.T) {
	t.Parallel()
	clock := newClock()
	const tenant = "6f1c7a52-8d7b-4b0e-9c1a-1f2e3d4c5b6a"
	ts := newServer(t, Options{ClientID: "cid", ClientSecret: "cs", TenantID: tenant, TokenTTL: 10 * time.Minute, Now: clock.Now})
	r, tok := getToken(t, ts, "cid", "cs", "client_credentials")
	must(t, r, 200)
	access, _ := tok["access_token"].(string)
	if tok["token_type"] != "Bearer" || tok["expires_in"] != float64(600) || strings.Count(access, ".") != 2 {
		t.Fatalf("token answer %v", tok)
	}
	if r, m := getToken(t, ts, "cid", "wrong", "client_credentials"); r.status != 401 || m["error"] != "invalid_client" {
		t.Errorf("wrong secret: %d %v", r.status, m)
	}
	if r, m := getToken(t, ts, "cid", "cs", "password"); r.status != 400 || m["error"] != "unsupported_grant_type" {
		t.Errorf("wrong grant: %d %v", r.status, m)
	}
	bearer := "Bearer " + access
	must(t, ts.call("GET", "/items", nil, "Authorization", bearer, "X-Tenant-ID", tenant), 200)
	must(t, ts.call("GET", "/items", nil, "Authorization", bearer, "tenant-id", tenant), 200)
	var st Status
	must(t, ts.call("GET", "/info", nil, "Authorization", bearer, "tenant-id", tenant), 200).decode(t, &st)
	if st.Type != "Cloud" || st.Tenant != tenant {
		t.Errorf("info %+v", st)
	}
	ts.badRequests = true
	must(t, ts.call("GET", "/items", nil, "Authorization", bearer), 401)
	must(t, ts.call("GET", "/items", nil, "Authorization", bearer, "X-Tenant-ID", "00000000-0000-4000-8000-000000000000"), 401)
	must(t, ts.call("GET", "/items", nil, "Authorization", "Bearer forged.token.x", "X-Tenant-ID", tenant), 401)
	must(t, ts.call("GET", "/items", nil, "Authorization", "Wawi some-key", "X-Tenant-ID", tenant), 401)
	clock.Add(10 * time.Minute)
	r = must(t, ts.call("GET", "/items", nil, "Authorization", bearer, "X-Tenant-ID", tenant), 401)
	if !strings.Contains(r.errResp(t).ErrorMessage, "expired") {
		t.Errorf("expiry: %s", r)
	}
	if c := ts.Counters(); c.TokensIssued != 1 || c.Unauthorized != 5 {
		t.Errorf("counters %+v", c)
	}
}

func registrationBody(app string) string {
	return `{"AppId":"` + app + `","DisplayName":"ETL","Description":"bulk import","Version":"1.0.0","ProviderName":"wawi-etl",
		"ProviderWebsite":"https://example.com","MandatoryApiScopes":["all.read","item.createitem"],"OptionalApiScopes":["stock.stockadjustment"],"AppIcon":"iVBORw0KGgo="}`
}

func TestRegistrationFlow(t *testing.T) {
	t.Parallel()
	clock := newClock()
	ts := newServer(t, Options{APIKey: "preset", Now: clock.Now})
	noAuth := []string{"Authorization", "", "x-appid", "", "x-appversion", "", "x-challengecode", "chal-1"}
	var info struct {
		AppId, RegistrationRequestId string
		Status                       int
	}
	must(t, ts.call("POST", "/authentication", registrationBody("etl/1"), noAuth...), 201).decode(t, &info)
	if info.Status != RegistrationPending || info.RegistrationRequestId == "" || info.AppId != "etl/1" {
		t.Fatalf("registered %+v", info)
	}
	path := "/authentication/" + info.RegistrationRequestId
	type regInfo struct {
		RequestStatusInfo struct{ Status int }
		Token             *struct{ ApiKey string }
		GrantedScopes     []string
	}
	var ri regInfo
	must(t, ts.call("GET", path, nil, noAuth...), 200).decode(t, &ri)
	if ri.RequestStatusInfo.Status != RegistrationPending || ri.Token != nil {
		t.Errorf("pending %+v", ri)
	}
	// The merchant accepts in the Wawi (admin route).
	r := doRequest(t, "POST", ts.RootURL+"/_admin/registrations/"+info.RegistrationRequestId+"?status=accept", nil)
	must(t, r, http.StatusNoContent)
	must(t, ts.call("GET", path, nil, noAuth...), 200).decode(t, &ri)
	if ri.RequestStatusInfo.Status != RegistrationAccepted || ri.Token == nil || ri.Token.ApiKey == "" || len(ri.GrantedScopes) != 3 {
		t.Fatalf("accepted %+v", ri)
	}
	// The key works at once; it is shown only once.
	must(t, ts.call("GET", "/items", nil, "Authorization", "Wawi "+ri.Token.ApiKey), 200)
	must(t, ts.call("GET", path, nil, noAuth...), http.StatusGone)

	ts.badRequests = true
	must(t, ts.call("POST", "/authentication", registrationBody("etl/1"), noAuth...), http.StatusConflict)
	must(t, ts.call("GET", path, nil, append(noAuth, "x-challengecode", "other")...), 404)
	must(t, ts.call("POST", "/authentication", registrationBody("etl/2"), "x-challengecode", ""), http.StatusPreconditionFailed)
	must(t, ts.call("POST", "/authentication", registrationBody("etl/2"), "x-challengecode", strings.Repeat("x", 31)), http.StatusPreconditionFailed)
	wantValidation(t, ts.call("POST", "/authentication", `{"AppId":"etl/2"}`, noAuth...), "DisplayName", "AppIcon", "MandatoryApiScopes")

	// Rejection.
	must(t, ts.call("POST", "/authentication", registrationBody("etl/3"), noAuth...), 201).decode(t, &info)
	if err := ts.DecideRegistration(info.RegistrationRequestId, false); err != nil {
		t.Fatal(err)
	}
	ri = regInfo{}
	must(t, ts.call("GET", "/authentication/"+info.RegistrationRequestId, nil, noAuth...), 200).decode(t, &ri)
	if ri.RequestStatusInfo.Status != RegistrationRejected || ri.Token != nil {
		t.Errorf("rejected %+v", ri)
	}
	if err := ts.DecideRegistration(info.RegistrationRequestId, true); err == nil {
		t.Error("decided twice")
	}
	if ids := ts.Registrations(); len(ids) != 2 {
		t.Errorf("registrations %v", ids)
	}
}

func TestRegistrationAutoAccept(t *testing.T) {
	t.Parallel()
	clock := newClock()
	ts := newServer(t, Options{RegistrationAutoAccept: 3 * time.Second, Now: clock.Now})
	hdr := []string{"Authorization", "", "x-challengecode", "c"}
	var info struct{ RegistrationRequestId string }
	must(t, ts.call("POST", "/authentication", registrationBody("etl/auto"), hdr...), 201).decode(t, &info)
	var ri struct {
		RequestStatusInfo struct{ Status int }
		Token             *struct{ ApiKey string }
	}
	must(t, ts.call("GET", "/authentication/"+info.RegistrationRequestId, nil, hdr...), 200).decode(t, &ri)
	if ri.RequestStatusInfo.Status != RegistrationPending {
		t.Errorf("early: %+v", ri)
	}
	clock.Add(3 * time.Second)
	must(t, ts.call("GET", "/authentication/"+strings.ToLower(info.RegistrationRequestId), nil, hdr...), 200).decode(t, &ri)
	if ri.RequestStatusInfo.Status != RegistrationAccepted || ri.Token == nil {
		t.Errorf("late: %+v", ri)
	}
}
