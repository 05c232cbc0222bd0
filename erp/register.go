package erp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// RegistrationStatus is RegistrationRequestStatusInfo.Status.
type RegistrationStatus int

const (
	RegistrationPending  RegistrationStatus = 0
	RegistrationRejected RegistrationStatus = 1
	RegistrationAccepted RegistrationStatus = 2
)

func (s RegistrationStatus) String() string {
	switch s {
	case RegistrationPending:
		return "pending"
	case RegistrationRejected:
		return "rejected"
	case RegistrationAccepted:
		return "accepted"
	}
	return fmt.Sprintf("status %d", int(s))
}

// ErrRegistrationRejected: the merchant rejected the registration in Wawi.
var ErrRegistrationRejected = errors.New("the registration was rejected in JTL-Wawi")

// MaxChallengeLen is the longest x-challengecode the API accepts.
const MaxChallengeLen = 30

// AppRegistration is CreateAppRegistrationRequest. Empty fields are filled
// by Register: AppId and Version from the client's Config, the texts with
// etl's, the scopes with DefaultScopes, AppIcon with a generated icon.
type AppRegistration struct {
	AppID              string   `json:"AppId"`
	DisplayName        string   `json:"DisplayName"`
	Description        string   `json:"Description"`
	Version            string   `json:"Version"`
	ProviderName       string   `json:"ProviderName"`
	ProviderWebsite    string   `json:"ProviderWebsite"`
	MandatoryAPIScopes []string `json:"MandatoryApiScopes"`
	OptionalAPIScopes  []string `json:"OptionalApiScopes,omitempty"`
	// AppIcon is image data, sent base64 (the spec requires it).
	AppIcon []byte `json:"AppIcon"`
	// RegistrationType: 0 OneInstance (default), 1 MultiInstance, 2
	// PerUserInstance, 3 PerUserLoginInstance.
	RegistrationType int `json:"RegistrationType,omitempty"`
}

// Registration is the outcome of Register.
type Registration struct {
	AppID         string
	RequestID     string
	Status        RegistrationStatus
	APIKey        string // shown once by the Wawi; store it at once
	GrantedScopes []string
}

// String redacts the API key; print r.APIKey deliberately.
func (r Registration) String() string {
	return fmt.Sprintf("erp.Registration{AppID:%s RequestID:%s Status:%s APIKey:%s GrantedScopes:%v}",
		r.AppID, r.RequestID, r.Status, mask(r.APIKey), r.GrantedScopes)
}

// GoString is String.
func (r Registration) GoString() string { return r.String() }

// Format makes every verb print the redacted form.
func (r Registration) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(r.String())) }

// LogValue redacts the API key.
func (r Registration) LogValue() slog.Value {
	return slog.GroupValue(slog.String("app_id", r.AppID), slog.String("request_id", r.RequestID),
		slog.String("status", r.Status.String()), slog.String("api_key", mask(r.APIKey)),
		slog.Any("granted_scopes", r.GrantedScopes))
}

type statusInfo struct {
	AppID                 string `json:"AppId"`
	RegistrationRequestID string `json:"RegistrationRequestId"`
	Status                RegistrationStatus
}

type registrationInformation struct {
	RequestStatusInfo statusInfo
	Token             *struct{ ApiKey string }
	GrantedScopes     []string
}

// DefaultScopes are the scopes etl's jobs use: reading everything is
// mandatory, the writes are optional so a merchant can grant export only.
func DefaultScopes() (mandatory, optional []string) {
	return []string{"all.read"}, []string{
		"item.createitem", "item.updateitem",
		"stock.stockadjustment",
		"salesorder.createsalesorder", "salesorder.updatesalesorder", "salesorder.createsalesorderlineitem",
		"customer.createcustomer", "customer.updatecustomer",
		"category.createcategory",
	}
}

// ValidateChallenge checks an x-challengecode: 1 to 30 printable ASCII
// characters.
func ValidateChallenge(code string) error {
	switch {
	case code == "":
		return &ConfigError{Msg: "the challenge code is empty; choose any text of up to 30 characters and use the same on every registration call"}
	case len(code) > MaxChallengeLen:
		return &ConfigError{Msg: fmt.Sprintf("the challenge code has %d characters; the API allows at most %d", len(code), MaxChallengeLen)}
	}
	for _, r := range code {
		if r < 0x21 || r > 0x7e {
			return &ConfigError{Msg: "the challenge code must be printable ASCII without spaces"}
		}
	}
	return nil
}

// Register runs the OnPremise app registration: POST /authentication with
// the x-challengecode header and app, then GET /authentication/{id} every
// poll until the merchant accepts (the API key and granted scopes are
// returned), rejects (ErrRegistrationRejected) or timeout passes. onWait,
// if set, is called after each answer that is still pending.
func (c *Client) Register(ctx context.Context, challenge string, app AppRegistration, poll, timeout time.Duration, onWait func(status int)) (*Registration, error) {
	if err := ValidateChallenge(challenge); err != nil {
		return nil, err
	}
	app = c.registrationDefaults(app)
	if poll <= 0 {
		poll = 2 * time.Second
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, errRegistrationTimeout)
		defer cancel()
	}
	hdr := http.Header{}
	hdr.Set(HeaderChallengeCode, challenge)
	body, err := marshalBody(app)
	if err != nil {
		return nil, err
	}
	var st statusInfo
	err = c.call(ctx, &call{method: http.MethodPost, path: PathAuthentication, body: body, hasBody: true, header: hdr, noAuth: true}, &st)
	if err != nil {
		return nil, c.registrationError(ctx, app, "", timeout, err)
	}
	if st.RegistrationRequestID == "" {
		return nil, fmt.Errorf("POST %s: the answer has no RegistrationRequestId", PathAuthentication)
	}
	reg := &Registration{AppID: st.AppID, RequestID: st.RegistrationRequestID, Status: st.Status}
	if reg.AppID == "" {
		reg.AppID = app.AppID
	}
	if st.Status == RegistrationRejected {
		return reg, ErrRegistrationRejected
	}
	path := fillParam(PathAuthenticationStatus, "registrationId", st.RegistrationRequestID)
	t := time.NewTimer(0) // first look at once: the merchant may have accepted already
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return reg, c.registrationError(ctx, app, reg.RequestID, timeout, context.Cause(ctx))
		case <-t.C:
		}
		var info registrationInformation
		err := c.call(ctx, &call{method: http.MethodGet, path: path, header: hdr, noAuth: true}, &info)
		if err != nil {
			return reg, c.registrationError(ctx, app, reg.RequestID, timeout, err)
		}
		reg.Status = info.RequestStatusInfo.Status
		switch reg.Status {
		case RegistrationAccepted:
			if info.Token == nil || info.Token.ApiKey == "" {
				return reg, fmt.Errorf("GET %s: the registration is accepted but the answer carries no API key (was it fetched before? the key is shown only once: start a new registration)", apiPath(path))
			}
			reg.APIKey = info.Token.ApiKey
			reg.GrantedScopes = info.GrantedScopes
			c.addSecret(reg.APIKey)
			return reg, nil
		case RegistrationRejected:
			return reg, ErrRegistrationRejected
		}
		if onWait != nil {
			onWait(int(reg.Status))
		}
		t.Reset(poll)
	}
}

var errRegistrationTimeout = errors.New("registration timed out")

// registrationError explains a failed registration call.
func (c *Client) registrationError(ctx context.Context, app AppRegistration, requestID string, timeout time.Duration, err error) error {
	if errors.Is(context.Cause(ctx), errRegistrationTimeout) {
		return fmt.Errorf("no decision within %s: accept the request of %q in JTL-Wawi (Admin → App-Registrierung) and run the registration again with the same challenge code", timeout, app.DisplayName)
	}
	switch StatusOf(err) {
	case http.StatusConflict:
		return fmt.Errorf("an app with AppId %q is already registered in this Wawi: remove it under Admin → App-Registrierung or register with another app id: %w", app.AppID, err)
	case http.StatusGone:
		return fmt.Errorf("registration request %s was already answered (the API key is handed out only once): start a new registration in JTL-Wawi: %w", requestID, err)
	case http.StatusNotFound:
		if requestID != "" {
			return fmt.Errorf("registration request %s is unknown to the Wawi (was the Wawi restarted, or the challenge code changed?): %w", requestID, err)
		}
		return fmt.Errorf("no Wawi API at %s (check WAWI_URL, e.g. http://127.0.0.1:64110/api/eazybusiness/): %w", c.BaseURL(), err)
	case http.StatusPaymentRequired:
		return fmt.Errorf("no licence for the REST API, or the app is not authorised by JTL: %w", err)
	case http.StatusForbidden:
		return fmt.Errorf("the Wawi does not accept registrations now: open JTL-Wawi → Admin → App-Registrierung and start the registration there first: %w", err)
	}
	return err
}

func (c *Client) registrationDefaults(a AppRegistration) AppRegistration {
	if a.AppID == "" {
		a.AppID = c.cfg.AppID
	}
	if a.Version == "" {
		a.Version = c.cfg.AppVersion
	}
	if a.DisplayName == "" {
		a.DisplayName = "etl"
	}
	if a.Description == "" {
		a.Description = "Bulk import and export of items, stock and sales orders between files and JTL-Wawi"
	}
	if a.ProviderName == "" {
		a.ProviderName = "etl"
	}
	if a.ProviderWebsite == "" {
		a.ProviderWebsite = "https://github.com/wawi-etl/etl"
	}
	if a.MandatoryAPIScopes == nil && a.OptionalAPIScopes == nil {
		a.MandatoryAPIScopes, a.OptionalAPIScopes = DefaultScopes()
	}
	if a.MandatoryAPIScopes == nil {
		a.MandatoryAPIScopes = []string{}
	}
	if len(a.AppIcon) == 0 {
		a.AppIcon = defaultIcon()
	}
	a.AppID = strings.TrimSpace(a.AppID)
	return a
}

var defaultIcon = sync.OnceValue(func() []byte {
	const n = 64
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			c := color.NRGBA{0x1f, 0x5f, 0xa8, 0xff}
			if (x/8+y/8)%2 == 0 && x > 8 && x < n-8 && y > 8 && y < n-8 {
				c = color.NRGBA{0xf2, 0xa9, 0x00, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
})

// UnmarshalJSON accepts the integer the spec declares and, leniently, the
// enum names (its example says "Pending").
func (s *RegistrationStatus) UnmarshalJSON(b []byte) error {
	str := strings.Trim(string(b), `"`)
	for _, v := range []RegistrationStatus{RegistrationPending, RegistrationRejected, RegistrationAccepted} {
		if strings.EqualFold(str, v.String()) {
			*s = v
			return nil
		}
	}
	var n int
	if _, err := fmt.Sscan(str, &n); err != nil {
		return fmt.Errorf("registration status %s: not 0, 1, 2 or a status name", b)
	}
	*s = RegistrationStatus(n)
	return nil
}
