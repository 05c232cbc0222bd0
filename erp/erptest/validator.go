package erptest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/wawi-etl/etl/erp/spec"
)

// Validator checks the API's traffic for Options.Validate. An error may
// join several violations (errors.Join); each is recorded on its own.
//
// The full check, kin-openapi against the published document, lives in
// erp/contract, which the etl binary does not link: tests install it with
//
//	func init() { erptest.SetValidator(contract.Validator{}) }
//
// and programs pass one in Options.Validator (etl emulator --validate uses
// TableValidator). Options.Validate without either is an error, so that a
// test never checks less than it believes.
type Validator interface {
	ValidateRequest(basePath string, r *http.Request) error
	ValidateResponse(basePath string, r *http.Request, status int, header http.Header, body []byte) error
}

var (
	validatorMu sync.Mutex
	validator   Validator
)

// SetValidator installs v for the emulators created afterwards with
// Options.Validate and no Options.Validator.
func SetValidator(v Validator) {
	validatorMu.Lock()
	defer validatorMu.Unlock()
	validator = v
}

func installedValidator() Validator {
	validatorMu.Lock()
	defer validatorMu.Unlock()
	return validator
}

// chooseValidator returns the Validator for Options.Validate: the option's,
// else the installed one.
func chooseValidator(opt, installed Validator) (Validator, error) {
	switch {
	case opt != nil:
		return opt, nil
	case installed != nil:
		return installed, nil
	}
	return nil, errors.New("Options.Validate needs a Validator: set Options.Validator, or in tests " +
		"add func init() { erptest.SetValidator(contract.Validator{}) } for the full contract check")
}

// splitViolations lists the violations a Validator's error joins.
func splitViolations(err error) []string {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, splitViolations(e)...)
		}
		return out
	}
	return []string{err.Error()}
}

// TableValidator is a light check from the table in erp/spec, for programs
// that do not link erp/contract. Requests: the operation exists, query
// parameters are declared, required headers are present, path and query
// values have the declared type and enum, and a body is JSON and matches the
// operation's request schema (as the emulator's 400 answers check it).
// Responses: the status is declared (or generic, spec.GenericStatuses) and a
// JSON body parses. It does not check credentials, response schemas or
// formats beyond date-time.
type TableValidator struct{}

// tableViolation is one finding of TableValidator.
type tableViolation struct {
	opID, method, path string
	status             int
	msg                string
}

func (v *tableViolation) Error() string {
	op := v.opID
	if op == "" {
		op = "(no operation)"
	}
	phase := "request"
	if v.status != 0 {
		phase = fmt.Sprintf("response %d", v.status)
	}
	return fmt.Sprintf("table check: %s %s %s: %s: %s", op, v.method, v.path, phase, v.msg)
}

func findOperation(basePath string, r *http.Request) (*spec.Operation, map[string]string) {
	rel, ok := strings.CutPrefix(r.URL.Path, strings.TrimRight(basePath, "/"))
	if !ok {
		return nil, nil
	}
	return spec.Find(r.Method, rel)
}

// ValidateRequest implements Validator. r.Body is read and restored.
func (TableValidator) ValidateRequest(basePath string, r *http.Request) error {
	op, pathParams := findOperation(basePath, r)
	if op == nil {
		return &tableViolation{method: r.Method, path: r.URL.Path, msg: "no operation in the spec for " + r.Method + " " + r.URL.Path}
	}
	var errs []error
	add := func(format string, a ...any) {
		errs = append(errs, &tableViolation{opID: op.ID, method: r.Method, path: r.URL.Path, msg: fmt.Sprintf(format, a...)})
	}
	declared := map[string]*spec.Param{}
	for _, p := range op.Params {
		switch p.In {
		case "query":
			declared[p.Name] = p
		case "path":
			if msg := paramValueError(p, pathParams[p.Name]); msg != "" {
				add("path parameter %q: %s", p.Name, msg)
			}
		}
	}
	q := r.URL.Query()
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p := declared[name]
		if p == nil {
			msg := fmt.Sprintf("query parameter %q is not declared by the operation", name)
			for d := range declared {
				if strings.EqualFold(d, name) {
					msg += fmt.Sprintf(" (the spec spells it %q)", d)
				}
			}
			add("%s", msg)
			continue
		}
		if msg := paramValueError(p, q.Get(name)); msg != "" {
			add("query parameter %q: %s", name, msg)
		}
	}
	for _, name := range requiredHeaders()[op.ID] {
		if r.Header.Get(name) == "" {
			add("header parameter %q: value is required but missing", name)
		}
	}
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return err
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if op.Request != nil && len(bytes.TrimSpace(body)) > 0 {
			v, err := decodeJSON(body)
			if mt != "application/json" {
				add("body: content type %q is not declared by the operation", r.Header.Get("Content-Type"))
			} else if err != nil {
				add("body: %v", err)
			} else {
				verrs := validateBody(v, op.Request)
				keys := make([]string, 0, len(verrs))
				for k := range verrs {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				for _, k := range keys {
					add("body %s: %s", k, verrs[k])
				}
			}
		}
	}
	return errors.Join(errs...)
}

// ValidateResponse implements Validator.
func (TableValidator) ValidateResponse(basePath string, r *http.Request, status int, header http.Header, body []byte) error {
	op, _ := findOperation(basePath, r)
	if op == nil {
		return &tableViolation{method: r.Method, path: r.URL.Path, status: status, msg: "no operation in the spec for " + r.Method + " " + r.URL.Path}
	}
	mk := func(msg string) error {
		return &tableViolation{opID: op.ID, method: r.Method, path: r.URL.Path, status: status, msg: msg}
	}
	if _, ok := op.Response(status); !ok && !slices.Contains(spec.GenericStatuses, status) {
		return mk(fmt.Sprintf("status %d is not declared by the operation", status))
	}
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	if (mt == "application/json" || strings.HasSuffix(mt, "+json")) && len(bytes.TrimSpace(body)) > 0 {
		if _, err := decodeJSON(body); err != nil {
			return mk("body: " + err.Error())
		}
	}
	return nil
}

// paramValueError checks a path or query value against the parameter's
// type and enum; "" means fine.
func paramValueError(p *spec.Param, v string) string {
	if v == "" {
		if p.Required {
			return "value is required but missing"
		}
		return ""
	}
	var err error
	switch p.Type {
	case "integer":
		bits := 64
		if p.Format == "int32" {
			bits = 32
		}
		_, err = strconv.ParseInt(v, 10, bits)
	case "number":
		_, err = strconv.ParseFloat(v, 64)
	case "boolean":
		_, err = strconv.ParseBool(v)
	case "string":
		if p.Format == "date-time" {
			_, err = ParseTime(v)
		}
	}
	if err != nil {
		return fmt.Sprintf("%q is not a valid %s", v, orDefault(p.Format, p.Type))
	}
	if len(p.Enum) > 0 && !slices.Contains(p.Enum, v) {
		return fmt.Sprintf("%q is not one of %s", v, strings.Join(p.Enum, ", "))
	}
	return ""
}
