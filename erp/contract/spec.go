// Package contract turns JTL's official OpenAPI description of the Wawi REST
// API (openapi-cloud-1.0.json, embedded) into a test oracle: the client's tests
// wrap their transport with NewTransport, and the emulator (erp/erptest)
// checks what it receives and answers with ValidateRequest and
// ValidateResponse (tests install Validator with erptest.SetValidator). Both
// sides therefore speak to the same contract.
//
// The package is for tests only: it brings kin-openapi and the 1.2 MB
// document, which the etl binary leaves out. What the binary needs of the
// spec is the generated table in erp/spec.
//
// In a client test:
//
//	tr := contract.NewTransport(http.DefaultTransport, func(err error) { t.Error(err) })
//	client := &http.Client{Transport: tr}
//	// ... exercise the client against erptest.NewServer(...).URL ...
//	t.Log(tr.Coverage()) // "12 of 209 spec operations exercised" and the list
//
// # Matching requests to the spec
//
// The spec's only server is https://api.jtl-cloud.com/erp, but requests are
// sent to other base URLs (OnPremise http://127.0.0.1:64110/api/eazybusiness/,
// the emulator, a proxy). Routing therefore ignores the scheme and host and
// matches the path relative to a base path: either the one given
// (ValidateRequest's basePath, Transport.BasePath) or, when none is given,
// the longest path suffix that names an operation (so
// /api/eazybusiness/items/7 and /erp/items/7 both match GET /items/{itemId}).
//
// # Deviations from the published document (all applied in load)
//
// Relaxed, because kin-openapi or reality disagree with the document:
//   - Example validation is off (doc.Validate with DisableExamplesValidation):
//     the spec has examples such as "" for arrays and "NOT APPLICABLE" that
//     kin-openapi rejects on load. Nothing else in the document fails
//     validation.
//   - The header parameter "x-api-key" (declared required on 201 operations)
//     is removed: it duplicates the "Wawi" security scheme, and real
//     OnPremise clients send the key as "Authorization: Wawi <key>".
//     Authentication is checked by the AuthenticationFunc instead (below).
//   - The header parameter "tenant-id" is made optional: OnPremise has no
//     tenant. For Cloud (Bearer) the AuthenticationFunc requires a tenant in
//     "tenant-id" (spec spelling) or "X-Tenant-ID" (docs spelling).
//   - Every operation additionally admits the cross-cutting statuses the
//     README documents for all calls (401, 402, 403, 412, 429) and the
//     infrastructure statuses 500, 502, 503, 504; their bodies, when
//     present and JSON, must be an ErrorResponse. Any other status the
//     operation does not declare is a violation.
//   - The Value of CustomFieldValue and UpdateCustomFieldValue, declared
//     as an object without properties, is C#'s object: any JSON value (the
//     document's own example is a text; a field's type decides).
//   - Security: every operation requires {oauth2 AND Wawi} in the document,
//     which no real client satisfies. The AuthenticationFunc accepts one of
//     the real forms instead: "Authorization: Wawi <key>", "x-api-key: <key>"
//     (the spec's header), or "Authorization: Bearer <token>" plus a tenant
//     header. The registration operations (/authentication...) need none,
//     since they are how a key is obtained.
//
// Tightened, because the project's README requires it:
//   - "api-version" is required wherever the spec declares it (the spec
//     makes it optional; the docs disagree on the default, so always send it).
//   - Query parameters the operation does not declare are reported (catches
//     misspelt names such as "pagesize" that the server silently ignores).
package contract

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/wawi-etl/etl/erp/spec"
)

//go:embed openapi-cloud-1.0.json
var specJSON []byte

// SpecJSON returns the embedded, unmodified spec document.
func SpecJSON() []byte { return slices.Clone(specJSON) }

// GenericStatuses are the statuses every operation may answer although the
// spec does not declare them on each operation (see package doc).
var GenericStatuses = spec.GenericStatuses

type oracle struct {
	doc        *openapi3.T
	router     routers.Router
	ops        map[string]*openapi3.Operation // by operation id
	queryNames map[*openapi3.Operation]map[string]bool
	// firstSegments holds the first path segment of every spec path, used to
	// find the base path quickly when none is given.
	firstSegments map[string]bool
}

var load = sync.OnceValues(func() (*oracle, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(specJSON)
	if err != nil {
		return nil, fmt.Errorf("contract: loading embedded spec: %w", err)
	}
	relax(doc)
	if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("contract: validating embedded spec: %w", err)
	}
	// The router matches paths relative to the base: give it a shallow copy
	// without servers so the host and base path play no part.
	routed := *doc
	routed.Servers = nil
	router, err := legacy.NewRouter(&routed, openapi3.DisableExamplesValidation())
	if err != nil {
		return nil, fmt.Errorf("contract: building router: %w", err)
	}
	o := &oracle{
		doc:           doc,
		router:        router,
		ops:           map[string]*openapi3.Operation{},
		queryNames:    map[*openapi3.Operation]map[string]bool{},
		firstSegments: map[string]bool{},
	}
	for path, item := range doc.Paths.Map() {
		seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
		o.firstSegments[seg] = true
		for _, op := range item.Operations() {
			o.ops[op.OperationID] = op
			names := map[string]bool{}
			for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, p := range ps {
					if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
						names[p.Value.Name] = true
					}
				}
			}
			o.queryNames[op] = names
		}
	}
	return o, nil
})

func mustLoad() *oracle {
	o, err := load()
	if err != nil {
		panic(err)
	}
	return o
}

// relax applies the deviations listed in the package doc.
func relax(doc *openapi3.T) {
	errSchema := &openapi3.SchemaRef{Ref: "#/components/schemas/ErrorResponse"}
	if s := doc.Components.Schemas["ErrorResponse"]; s != nil {
		errSchema.Value = s.Value
	}
	generic := make(map[int]*openapi3.ResponseRef, len(GenericStatuses))
	for _, code := range GenericStatuses {
		desc := http.StatusText(code) + " (cross-cutting status admitted by erp/contract)"
		generic[code] = &openapi3.ResponseRef{Value: openapi3.NewResponse().
			WithDescription(desc).WithJSONSchemaRef(errSchema)}
	}
	for _, name := range []string{"CustomFieldValue", "UpdateCustomFieldValue"} {
		if sch := doc.Components.Schemas[name]; sch != nil && sch.Value != nil {
			if v := sch.Value.Properties["Value"]; v != nil && v.Value != nil && len(v.Value.Properties) == 0 {
				v.Value.Type = nil
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			kept := op.Parameters[:0]
			for _, p := range op.Parameters {
				v := p.Value
				if v != nil && v.In == openapi3.ParameterInHeader {
					switch strings.ToLower(v.Name) {
					case "x-api-key":
						continue
					case "tenant-id":
						v.Required = false
					case "api-version":
						v.Required = true
					}
				}
				kept = append(kept, p)
			}
			op.Parameters = kept
			if op.Responses == nil {
				op.Responses = openapi3.NewResponses()
			}
			for _, code := range GenericStatuses {
				if op.Responses.Value(strconv.Itoa(code)) == nil {
					op.Responses.Set(strconv.Itoa(code), generic[code])
				}
			}
		}
	}
}

// Spec returns the loaded spec with the package's documented deviations
// applied. The document is shared: do not modify it. It panics if the
// embedded spec cannot be loaded (covered by the package tests).
func Spec() *openapi3.T { return mustLoad().doc }

// AllOperations returns the sorted ids of every operation in the spec.
func AllOperations() []string {
	o := mustLoad()
	ids := make([]string, 0, len(o.ops))
	for id := range o.ops {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Operation returns the operation with the given id, or nil.
func Operation(opID string) *openapi3.Operation { return mustLoad().ops[opID] }
