package erp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// regServer answers the registration calls; decide returns the status of
// the n-th poll (1-based).
type regServer struct {
	t      *testing.T
	decide func(n int) RegistrationStatus
	polls  atomic.Int64
	rec    recorder
	posted map[string]any
}

func (s *regServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.rec.add(r)
	if r.Header.Get(HeaderChallengeCode) != "my-challenge" {
		writeJSON(w, 412, errorBody("", "x-challengecode missing", nil))
		return
	}
	if r.Header.Get("Authorization") != "" || r.Header.Get("x-api-key") != "" {
		s.t.Errorf("registration call with credentials")
	}
	switch {
	case r.Method == "POST" && r.URL.Path == basePath+"/authentication":
		s.rec.mu.Lock()
		_ = json.Unmarshal(s.rec.body[len(s.rec.body)-1], &s.posted)
		s.rec.mu.Unlock()
		writeJSON(w, 201, map[string]any{"AppId": s.posted["AppId"], "RegistrationRequestId": "295C196B-CBB0-4E76-9050-ECEC3356DDA6", "Status": 0})
	case r.Method == "GET" && r.URL.Path == basePath+"/authentication/295C196B-CBB0-4E76-9050-ECEC3356DDA6":
		n := int(s.polls.Add(1))
		st := s.decide(n)
		body := map[string]any{"RequestStatusInfo": map[string]any{"AppId": "etl/test", "RegistrationRequestId": "295C196B-CBB0-4E76-9050-ECEC3356DDA6", "Status": st}}
		if st == RegistrationAccepted {
			body["Token"] = map[string]any{"ApiKey": "NEW-KEY-7f1e0c2a-5b6d"}
			body["GrantedScopes"] = []string{"all.read", "item.createitem"}
		}
		writeJSON(w, 200, body)
	default:
		http.NotFound(w, r)
	}
}

func newRegClient(t *testing.T, s *regServer) *Client {
	s.t = t
	c, _ := newTestClient(t, s, nil)
	// Registration needs only the URL.
	rc, err := NewForRegistration(Config{BaseURL: c.BaseURL(), AppID: "etl/test", AppVersion: "1.2.3", BackoffInitial: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return rc
}

func TestRegisterPendingThenAccepted(t *testing.T) {
	s := &regServer{decide: func(n int) RegistrationStatus {
		if n < 3 {
			return RegistrationPending
		}
		return RegistrationAccepted
	}}
	c := newRegClient(t, s)
	var waits []int
	reg, err := c.Register(context.Background(), "my-challenge", AppRegistration{DisplayName: "etl test"}, time.Millisecond, time.Second, func(st int) { waits = append(waits, st) })
	if err != nil {
		t.Fatal(err)
	}
	if reg.APIKey != "NEW-KEY-7f1e0c2a-5b6d" || reg.Status != RegistrationAccepted || len(reg.GrantedScopes) != 2 || reg.RequestID == "" {
		t.Fatalf("reg %+v key %q", reg, reg.APIKey)
	}
	if len(waits) != 2 || waits[0] != 0 {
		t.Errorf("onWait %v", waits)
	}
	// The body carries the spec's field names and required fields.
	for _, f := range []string{"AppId", "DisplayName", "Description", "Version", "ProviderName", "ProviderWebsite", "MandatoryApiScopes", "OptionalApiScopes", "AppIcon"} {
		if _, ok := s.posted[f]; !ok {
			t.Errorf("registration body lacks %s: %v", f, s.posted)
		}
	}
	if s.posted["AppId"] != "etl/test" || s.posted["Version"] != "1.2.3" || s.posted["DisplayName"] != "etl test" {
		t.Errorf("body %v", s.posted)
	}
	icon, err := base64.StdEncoding.DecodeString(s.posted["AppIcon"].(string))
	if err != nil || !strings.HasPrefix(string(icon), "\x89PNG") {
		t.Errorf("AppIcon is not a base64 PNG: %v", err)
	}
	// Printing the registration never shows the key.
	for _, s := range []string{reg.String(), fmtAll(reg), fmtAll(*reg)} {
		if strings.Contains(s, reg.APIKey) {
			t.Errorf("key printed: %s", s)
		}
	}
}

func TestRegisterRejected(t *testing.T) {
	s := &regServer{decide: func(n int) RegistrationStatus {
		if n < 2 {
			return RegistrationPending
		}
		return RegistrationRejected
	}}
	c := newRegClient(t, s)
	reg, err := c.Register(context.Background(), "my-challenge", AppRegistration{}, time.Millisecond, time.Second, nil)
	if !errors.Is(err, ErrRegistrationRejected) || reg == nil || reg.APIKey != "" {
		t.Fatalf("reg %v err %v", reg, err)
	}
}

func TestRegisterTimeout(t *testing.T) {
	s := &regServer{decide: func(int) RegistrationStatus { return RegistrationPending }}
	c := newRegClient(t, s)
	_, err := c.Register(context.Background(), "my-challenge", AppRegistration{DisplayName: "etl"}, 5*time.Millisecond, 60*time.Millisecond, nil)
	if err == nil || !strings.Contains(err.Error(), "no decision within 60ms") || !strings.Contains(err.Error(), "App-Registrierung") {
		t.Fatalf("err %v", err)
	}
	// a poll every 5ms for 60ms: the first at once, then at most 12 more
	if p := s.polls.Load(); p < 2 || p > 13 {
		t.Errorf("%d polls", p)
	}
}

func TestRegisterErrors(t *testing.T) {
	c := newRegClient(t, &regServer{decide: func(int) RegistrationStatus { return RegistrationAccepted }})
	for _, code := range []string{"", strings.Repeat("x", 31), "has space"} {
		if _, err := c.Register(context.Background(), code, AppRegistration{}, time.Millisecond, time.Second, nil); err == nil {
			t.Errorf("challenge %q accepted", code)
		}
	}
	if err := ValidateChallenge(strings.Repeat("x", 30)); err != nil {
		t.Error(err)
	}
	// 409: already registered.
	c2, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 409, errorBody("AppAlreadyRegistered", "already registered", nil))
	}), nil)
	rc, _ := NewForRegistration(Config{BaseURL: c2.BaseURL(), AppID: "etl/x"})
	_, err := rc.Register(context.Background(), "abc", AppRegistration{}, time.Millisecond, time.Second, nil)
	if StatusOf(err) != 409 || !strings.Contains(err.Error(), `AppId "etl/x" is already registered`) {
		t.Errorf("err %v", err)
	}
}

func TestRegistrationStatusDecoding(t *testing.T) {
	for in, want := range map[string]RegistrationStatus{`0`: 0, `2`: 2, `"Accepted"`: 2, `"rejected"`: 1, `"1"`: 1} {
		var s RegistrationStatus
		if err := json.Unmarshal([]byte(in), &s); err != nil || s != want {
			t.Errorf("%s: %v %v", in, s, err)
		}
	}
	var s RegistrationStatus
	if json.Unmarshal([]byte(`"maybe"`), &s) == nil {
		t.Error("junk accepted")
	}
}
