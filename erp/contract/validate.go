package contract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Violation is one way a request or response breaks the contract.
type Violation struct {
	OpID   string // operation id; "" when no operation matches
	Method string
	Path   string // the request's path as sent (including any base path)
	Status int    // response status; 0 for request violations
	Msg    string // what is wrong, e.g. `body /Categories: property "Categories" is missing`
}

func (v *Violation) Error() string {
	op := v.OpID
	if op == "" {
		op = "(no operation)"
	}
	phase := "request"
	if v.Status != 0 {
		phase = fmt.Sprintf("response %d", v.Status)
	}
	return fmt.Sprintf("contract: %s %s %s: %s: %s", op, v.Method, v.Path, phase, v.Msg)
}

// Violations splits an error returned by ValidateRequest or ValidateResponse
// into its violations.
func Violations(err error) []*Violation {
	if err == nil {
		return nil
	}
	var out []*Violation
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, Violations(e)...)
		}
		return out
	}
	var v *Violation
	if errors.As(err, &v) {
		return []*Violation{v}
	}
	return nil
}

// maxViolationsPerMessage bounds the violations reported for one request or
// response (a page of 1000 bad items would otherwise give 1000 errors).
const maxViolationsPerMessage = 25

// match is a request matched to an operation.
type match struct {
	route  *routers.Route
	params map[string]string
	req    *http.Request // clone whose URL path is relative to the base
}

// basePathOf accepts "", "/api/eazybusiness", "/api/eazybusiness/" or a full
// URL and returns the path without trailing slash.
func basePathOf(base string) string {
	if strings.Contains(base, "://") {
		if u, err := url.Parse(base); err == nil {
			base = u.Path
		}
	}
	return strings.TrimRight(base, "/")
}

// find matches r to an operation. With a base path, the path must start
// with it; without one, the longest path suffix naming an operation wins.
func (o *oracle) find(basePath string, r *http.Request) (*match, error) {
	path := r.URL.Path
	var candidates []string
	if base := basePathOf(basePath); base != "" {
		rel, ok := strings.CutPrefix(path, base)
		if !ok || (rel != "" && rel[0] != '/') {
			return nil, fmt.Errorf("path %q is not below base path %q", path, base)
		}
		candidates = []string{rel}
	} else {
		segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
		for i := range segs {
			if o.firstSegments[segs[i]] {
				candidates = append(candidates, "/"+strings.Join(segs[i:], "/"))
			}
		}
	}
	var firstErr error
	for _, rel := range candidates {
		c := r.Clone(r.Context())
		u := *r.URL
		u.Path, u.RawPath = rel, ""
		c.URL = &u
		route, params, err := o.router.FindRoute(c)
		if err == nil {
			return &match{route: route, params: params, req: c}, nil
		}
		var re *routers.RouteError
		if firstErr == nil || (errors.As(err, &re) && re.Reason == routers.ErrMethodNotAllowed.Error()) {
			firstErr = fmt.Errorf("%s %s: %w", r.Method, rel, err)
		}
	}
	if firstErr == nil {
		firstErr = fmt.Errorf("no operation in the spec for %s %s", r.Method, path)
	}
	return nil, firstErr
}

// FindOperation returns the id and path parameters of the operation r
// addresses. basePath is the API's base path ("/api/eazybusiness") or base
// URL; "" lets the longest matching path suffix decide.
func FindOperation(basePath string, r *http.Request) (opID string, pathParams map[string]string, err error) {
	m, err := mustLoad().find(basePath, r)
	if err != nil {
		return "", nil, err
	}
	return m.route.Operation.OperationID, m.params, nil
}

func options() *openapi3filter.Options {
	return &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		SkipSettingDefaults:   true,
		AuthenticationFunc:    authenticate,
	}
}

// authenticate implements the real authentication forms (see package doc).
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if strings.HasPrefix(in.RequestValidationInput.Route.Path, "/authentication") {
		return nil // registration is how a key is obtained
	}
	return CheckAuthHeaders(in.RequestValidationInput.Request.Header)
}

// CheckAuthHeaders reports whether h carries one of the accepted credential
// forms: "Authorization: Wawi <key>", "x-api-key: <key>", or
// "Authorization: Bearer <token>" with a tenant in "tenant-id" or
// "X-Tenant-ID". It checks the form only, not the credentials.
func CheckAuthHeaders(h http.Header) error {
	a := strings.TrimSpace(h.Get("Authorization"))
	scheme, cred, _ := strings.Cut(a, " ")
	cred = strings.TrimSpace(cred)
	switch {
	case a == "" && h.Get("x-api-key") != "":
		return nil
	case a == "":
		return errors.New(`no credentials: want "Authorization: Wawi <key>" or "Authorization: Bearer <token>" with a tenant-id header`)
	case strings.EqualFold(scheme, "Wawi") && cred != "":
		return nil
	case strings.EqualFold(scheme, "Bearer") && cred != "":
		if h.Get("tenant-id") == "" && h.Get("X-Tenant-ID") == "" {
			return errors.New(`"Authorization: Bearer" without a tenant header (tenant-id or X-Tenant-ID)`)
		}
		return nil
	default:
		return fmt.Errorf("unsupported Authorization header %q (want Wawi <key> or Bearer <token>)", scheme+" …")
	}
}

// ValidateRequest checks r against the spec: the operation exists, path,
// query and header parameters (required headers included), credentials
// form, and the body's schema. r.Body is read and restored. basePath is as
// for FindOperation. The error joins *Violation values (see Violations).
func ValidateRequest(basePath string, r *http.Request) (opID string, err error) {
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		body, err = io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return "", err
		}
	}
	opID, vs := validateRequest(basePath, r, body)
	return opID, joinViolations(vs)
}

func validateRequest(basePath string, r *http.Request, body []byte) (string, []*Violation) {
	o := mustLoad()
	m, err := o.find(basePath, r)
	if err != nil {
		return "", []*Violation{{Method: r.Method, Path: r.URL.Path, Msg: err.Error()}}
	}
	op := m.route.Operation
	mk := func(msg string) *Violation {
		return &Violation{OpID: op.OperationID, Method: r.Method, Path: r.URL.Path, Msg: msg}
	}
	var vs []*Violation
	// Unknown query parameters (tightening, see package doc).
	declared := o.queryNames[op]
	var unknown []string
	for name := range m.req.URL.Query() {
		if !declared[name] {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		msg := fmt.Sprintf("query parameter %q is not declared by the operation", name)
		for d := range declared {
			if strings.EqualFold(d, name) {
				msg += fmt.Sprintf(" (the spec spells it %q)", d)
			}
		}
		vs = append(vs, mk(msg))
	}
	m.req.Body = io.NopCloser(bytes.NewReader(body))
	if body == nil {
		m.req.Body = http.NoBody
	}
	m.req.ContentLength = int64(len(body))
	m.req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	in := &openapi3filter.RequestValidationInput{
		Request:    m.req,
		PathParams: m.params,
		Route:      m.route,
		Options:    options(),
	}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		for _, msg := range describe(err) {
			vs = append(vs, mk(msg))
		}
	}
	return op.OperationID, capViolations(vs)
}

// Validator is ValidateRequest and ValidateResponse as an erptest.Validator,
// for the emulator's Options.Validate:
//
//	func init() { erptest.SetValidator(contract.Validator{}) }
type Validator struct{}

// ValidateRequest is ValidateRequest without the operation id.
func (Validator) ValidateRequest(basePath string, r *http.Request) error {
	_, err := ValidateRequest(basePath, r)
	return err
}

// ValidateResponse is ValidateResponse without the operation id.
func (Validator) ValidateResponse(basePath string, r *http.Request, status int, header http.Header, body []byte) error {
	_, err := ValidateResponse(basePath, r, status, header, body)
	return err
}

// ValidateResponse checks a response to r against the spec: the status is
// declared (or generic, see GenericStatuses) and the body matches the
// declared schema. r's body is not read.
func ValidateResponse(basePath string, r *http.Request, status int, header http.Header, body []byte) (opID string, err error) {
	opID, vs := validateResponse(basePath, r, status, header, body)
	return opID, joinViolations(vs)
}

func validateResponse(basePath string, r *http.Request, status int, header http.Header, body []byte) (string, []*Violation) {
	o := mustLoad()
	m, err := o.find(basePath, r)
	if err != nil {
		return "", []*Violation{{Method: r.Method, Path: r.URL.Path, Status: status, Msg: err.Error()}}
	}
	op := m.route.Operation
	opts := options()
	if isGeneric(status) && (len(bytes.TrimSpace(body)) == 0 || !isJSON(header.Get("Content-Type"))) {
		opts.ExcludeResponseBody = true
	}
	if header == nil {
		header = http.Header{}
	}
	m.req.Body = http.NoBody
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    m.req,
			PathParams: m.params,
			Route:      m.route,
			Options:    opts,
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: opts,
	}
	var vs []*Violation
	if err := openapi3filter.ValidateResponse(r.Context(), in); err != nil {
		for _, msg := range describe(err) {
			vs = append(vs, &Violation{OpID: op.OperationID, Method: r.Method, Path: r.URL.Path, Status: status, Msg: msg})
		}
	}
	return op.OperationID, capViolations(vs)
}

func isGeneric(status int) bool { return slices.Contains(GenericStatuses, status) }

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

func joinViolations(vs []*Violation) error {
	if len(vs) == 0 {
		return nil
	}
	errs := make([]error, len(vs))
	for i, v := range vs {
		errs[i] = v
	}
	return errors.Join(errs...)
}

func capViolations(vs []*Violation) []*Violation {
	if len(vs) <= maxViolationsPerMessage {
		return vs
	}
	rest := len(vs) - maxViolationsPerMessage + 1
	vs = vs[:maxViolationsPerMessage-1]
	last := *vs[0]
	last.Msg = fmt.Sprintf("… and %d more violations", rest)
	return append(vs, &last)
}

// describe flattens kin-openapi's nested errors into one short line per
// violation (kin-openapi's own messages embed whole schemas).
func describe(err error) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	var walk func(prefix string, err error)
	walk = func(prefix string, err error) {
		join := func(s string) string {
			if prefix == "" {
				return s
			}
			return prefix + ": " + s
		}
		switch e := err.(type) {
		case nil:
		case openapi3.MultiError:
			for _, x := range e {
				walk(prefix, x)
			}
		case *openapi3filter.SecurityRequirementsError:
			for _, x := range e.Errors {
				var re *openapi3filter.RequestError
				if errors.As(x, &re) && re.Err != nil {
					add(join("authentication: " + re.Err.Error()))
				} else {
					add(join("authentication: " + firstLine(x.Error())))
				}
			}
		case *openapi3filter.RequestError:
			p := prefix
			switch {
			case e.Parameter != nil:
				p = join(fmt.Sprintf("%s parameter %q", e.Parameter.In, e.Parameter.Name))
			case e.RequestBody != nil:
				p = join("body")
			}
			if e.Err == nil {
				add(p + ": " + e.Reason)
				return
			}
			if !isComposite(e.Err) && e.Reason != "" && e.Reason != "doesn't match schema" {
				if detail := short(e.Err); detail != e.Reason {
					add(p + ": " + e.Reason + ": " + detail)
				} else {
					add(p + ": " + e.Reason)
				}
				return
			}
			walk(p, e.Err)
		case *openapi3filter.ResponseError:
			p := prefix
			if e.Err == nil {
				add(join(e.Reason))
				return
			}
			if strings.HasPrefix(e.Reason, "response body doesn't match schema") {
				p = join("body")
			} else if !isComposite(e.Err) {
				add(join(e.Reason + ": " + short(e.Err)))
				return
			}
			walk(p, e.Err)
		case *openapi3.SchemaError:
			ptr := "/" + strings.Join(e.JSONPointer(), "/")
			switch {
			case strings.HasSuffix(prefix, "body"):
				add(prefix + " " + ptr + ": " + e.Reason)
			case ptr == "/":
				add(join(e.Reason))
			default:
				add(join(ptr + ": " + e.Reason))
			}
		default:
			if u, ok := err.(interface{ Unwrap() []error }); ok {
				for _, x := range u.Unwrap() {
					walk(prefix, x)
				}
				return
			}
			add(join(short(err)))
		}
	}
	walk("", err)
	return out
}

func isComposite(err error) bool {
	switch err.(type) {
	case openapi3.MultiError, *openapi3.SchemaError:
		return true
	}
	_, ok := err.(interface{ Unwrap() []error })
	return ok
}

func short(err error) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return "/" + strings.Join(se.JSONPointer(), "/") + ": " + se.Reason
	}
	return firstLine(err.Error())
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
