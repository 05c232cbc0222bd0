package erptest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// checkAuth returns "" when r carries valid credentials, else why not.
func (e *Emulator) checkAuth(r *http.Request, now time.Time) string {
	scheme, cred, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	cred = strings.TrimSpace(cred)
	if scheme == "" {
		if k := strings.TrimSpace(r.Header.Get("x-api-key")); k != "" {
			scheme, cred = "Wawi", k
		}
	}
	switch strings.ToLower(scheme) {
	case "":
		return `Missing credentials: send "Authorization: Wawi <ApiKey>" (OnPremise) or "Authorization: Bearer <token>" with X-Tenant-ID (Cloud).`
	case "wawi":
		if cred == "" {
			return "The API key is empty."
		}
		e.amu.Lock()
		registered := e.keys[cred]
		e.amu.Unlock()
		switch {
		case registered:
			return ""
		case e.opts.APIKey != "":
			if cred == e.opts.APIKey {
				return ""
			}
			return "The API key is not valid."
		case e.opts.ClientID != "":
			return "The API key is not valid."
		}
		return ""
	case "bearer":
		if e.opts.ClientID == "" {
			return "Bearer tokens are not accepted: this Wawi has no Cloud credentials configured."
		}
		e.amu.Lock()
		exp, ok := e.tokens[cred]
		e.amu.Unlock()
		switch {
		case !ok:
			return "The access token is not valid."
		case !now.Before(exp):
			return "The access token has expired."
		}
		tenant := r.Header.Get("X-Tenant-ID")
		if tenant == "" {
			tenant = r.Header.Get("tenant-id")
		}
		if tenant == "" {
			return "Missing tenant: send X-Tenant-ID (or tenant-id) with a Bearer token."
		}
		if e.opts.TenantID != "" && !strings.EqualFold(tenant, e.opts.TenantID) {
			return fmt.Sprintf("The tenant %q is not known.", tenant)
		}
		return ""
	default:
		return fmt.Sprintf("Unsupported authorization scheme %q (want Wawi or Bearer).", scheme)
	}
}

// serveToken is the Cloud token endpoint (client credentials grant).
func (e *Emulator) serveToken(w http.ResponseWriter, r *http.Request) {
	oauthErr := func(status int, code, desc string) {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="erptest"`)
		}
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		oauthErr(http.StatusUnauthorized, "invalid_client", "client authentication with HTTP Basic is required")
		return
	}
	if e.opts.ClientID == "" || id != e.opts.ClientID || secret != e.opts.ClientSecret {
		oauthErr(http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthErr(http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		oauthErr(http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported", gt))
		return
	}
	now := e.now()
	exp := now.Add(e.opts.TokenTTL)
	tok := makeToken(id, e.opts.TenantID, now, exp)
	e.amu.Lock()
	e.tokens[tok] = exp
	e.amu.Unlock()
	e.count(func(c *Counters) { c.TokensIssued++ })
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "Bearer", "expires_in": int64(e.opts.TokenTTL / time.Second),
		"scope": r.PostForm.Get("scope"),
	})
}

// makeToken builds an opaque token that looks like a JWT (three base64url
// parts; the signature is random, nobody can verify it).
func makeToken(clientID, tenant string, iat, exp time.Time) string {
	enc := base64.RawURLEncoding
	head, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "erptest"})
	nonce := make([]byte, 16)
	rand.Read(nonce)
	body, _ := json.Marshal(map[string]any{"iss": "erptest", "sub": clientID, "tid": tenant, "iat": iat.Unix(), "exp": exp.Unix(), "jti": enc.EncodeToString(nonce)})
	sig := make([]byte, 32)
	rand.Read(sig)
	return enc.EncodeToString(head) + "." + enc.EncodeToString(body) + "." + enc.EncodeToString(sig)
}

// --- OnPremise app registration ---

// Registration statuses (RegistrationRequestStatusInfo.Status).
const (
	RegistrationPending  = 0
	RegistrationRejected = 1
	RegistrationAccepted = 2
)

type registration struct {
	id, appID, challenge string
	created              time.Time
	status               int
	apiKey               string
	scopes               []string
	delivered            bool // the final answer has been fetched once
}

type registrationRequest struct {
	AppId              string
	MandatoryApiScopes []string
	OptionalApiScopes  []string
}

func uuidUpper() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]))
}

func (e *Emulator) postRegistration(c *call) reply {
	const op = "AuthenticationHeader_RegisterAppAsync"
	v, bad := decodeBody(c, op)
	if bad != nil {
		return *bad
	}
	var in registrationRequest
	if err := fromJSONValue(v, &in); err != nil {
		return validationReply(map[string]string{"$": err.Error()})
	}
	e.amu.Lock()
	defer e.amu.Unlock()
	for _, r := range e.regs {
		if r.appID == in.AppId && r.status == RegistrationAccepted {
			return errorReply(http.StatusConflict, "AppAlreadyRegistered", fmt.Sprintf("An application with the id '%s' is already registered.", in.AppId), nil)
		}
	}
	reg := &registration{
		id: uuidUpper(), appID: in.AppId, challenge: c.r.Header.Get("x-challengecode"), created: c.now,
		scopes: append(slices.Clone(in.MandatoryApiScopes), in.OptionalApiScopes...),
	}
	e.regs[reg.id] = reg
	e.regIDs = append(e.regIDs, reg.id)
	return jsonReply(http.StatusCreated, map[string]any{"AppId": reg.appID, "RegistrationRequestId": reg.id, "Status": RegistrationPending})
}

func (e *Emulator) getRegistration(c *call) reply {
	id := c.r.PathValue("registrationId")
	e.amu.Lock()
	defer e.amu.Unlock()
	reg := e.regs[strings.ToUpper(id)]
	if reg == nil || reg.challenge != c.r.Header.Get("x-challengecode") {
		return errorReply(http.StatusNotFound, "NotFound", "No registration request was found for the given id and challenge code.", nil)
	}
	if reg.status == RegistrationPending && e.opts.RegistrationAutoAccept > 0 && c.now.Sub(reg.created) >= e.opts.RegistrationAutoAccept {
		e.decideLocked(reg, true)
	}
	if reg.delivered {
		return errorReply(http.StatusGone, "RegistrationProcessed", "The registration request has already been processed and answered.", nil)
	}
	info := map[string]any{"RequestStatusInfo": map[string]any{"AppId": reg.appID, "RegistrationRequestId": reg.id, "Status": reg.status}}
	switch reg.status {
	case RegistrationAccepted:
		info["Token"] = map[string]string{"ApiKey": reg.apiKey}
		info["GrantedScopes"] = reg.scopes
		reg.delivered = true
	case RegistrationRejected:
		reg.delivered = true
	}
	return jsonReply(http.StatusOK, info)
}

func (e *Emulator) decideLocked(reg *registration, accept bool) {
	if !accept {
		reg.status = RegistrationRejected
		return
	}
	reg.status = RegistrationAccepted
	reg.apiKey = uuidUpper()
	e.keys[reg.apiKey] = true
	if reg.scopes == nil {
		reg.scopes = []string{}
	}
}

// DecideRegistration accepts or rejects a pending registration, as the
// merchant does in the Wawi's Admin → App registration. It fails for an
// unknown id or one already decided.
func (e *Emulator) DecideRegistration(id string, accept bool) error {
	e.amu.Lock()
	defer e.amu.Unlock()
	reg := e.regs[strings.ToUpper(id)]
	if reg == nil {
		return fmt.Errorf("no registration %q", id)
	}
	if reg.status != RegistrationPending {
		return fmt.Errorf("registration %q is already decided", id)
	}
	e.decideLocked(reg, accept)
	return nil
}

// Registrations returns the ids of the registration requests, oldest first.
func (e *Emulator) Registrations() []string {
	e.amu.Lock()
	defer e.amu.Unlock()
	return slices.Clone(e.regIDs)
}
