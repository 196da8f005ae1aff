// Package apispec holds the platform's HTTP answers to its OpenAPI document
// (api/openapi.json as the server serves it), for tests: the API tests'
// harness checks every answer with Validator.Check, the end-to-end tests'
// HTTP client goes through Transport. An answer fails when its status is not
// documented for the operation, its Content-Type is not one the document
// names, its body does not match the schema, or it has a body where the
// document describes none. A request to an /api path the document does not
// list must be answered 404 or 405 with the error envelope; 413 and 431,
// which the server answers before routing, may come from any path, with the
// envelope. Other paths (the
// web app), HEAD requests and CORS preflights are not operations and are not
// checked.
//
// It uses github.com/getkin/kin-openapi (openapi3, openapi3filter and the
// legacy router); nothing in the platform's binaries imports it.
package apispec

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Validator checks answers against one OpenAPI document.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
	// errorEnvelope is the schema of components.responses.Error, which an
	// /api path the document does not list must answer with.
	errorEnvelope *openapi3.Schema
}

// schemaOptions check formats too (uuid, date-time, date) and keep errors
// to the path and reason, without the schema and value.
var schemaOptions = []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation(),
	openapi3.SetSchemaErrorMessageCustomizer(func(err *openapi3.SchemaError) string {
		if len(err.JSONPointer()) > 0 && !strings.Contains(err.Reason, "/") {
			return "at /" + strings.Join(err.JSONPointer(), "/") + ": " + err.Reason
		}
		return err.Reason // the JSON Schema 2020-12 validator's reasons name the path
	})}

// Media types whose bodies are text the schema describes as a string.
var textMediaTypes = []string{"text/event-stream", "text/csv", "text/plain"}

func init() {
	for _, mt := range textMediaTypes {
		openapi3filter.RegisterBodyDecoder(mt, func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(r)
			return string(b), err
		})
	}
}

var loaded sync.Map // sha256 of a document → *loadResult

type loadResult struct {
	once sync.Once
	v    *Validator
	err  error
}

// Load parses and validates spec (OpenAPI 3.0 or 3.1, JSON). Documents are
// parsed once per process: tests load the same few many times.
func Load(spec []byte) (*Validator, error) {
	sum := sha256.Sum256(spec)
	r, _ := loaded.LoadOrStore(sum, &loadResult{})
	res := r.(*loadResult)
	res.once.Do(func() { res.v, res.err = parse(spec) })
	return res.v, res.err
}

func parse(spec []byte) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	v := &Validator{doc: doc, router: router}
	if doc.Components != nil {
		if ref := doc.Components.Responses["Error"]; ref != nil && ref.Value != nil {
			if mt := ref.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
				v.errorEnvelope = mt.Schema.Value
			}
		}
	}
	if v.errorEnvelope == nil {
		return nil, errors.New("the OpenAPI document has no components.responses.Error with an application/json schema")
	}
	return v, nil
}

// Doc is the parsed document.
func (v *Validator) Doc() *openapi3.T { return v.doc }

// Covers reports whether the answer to a request for path is checked: the
// document's paths and everything under /api.
func (v *Validator) Covers(req *http.Request) bool {
	if req.Method == http.MethodHead {
		return false // no body; Fiber answers HEAD like GET
	}
	if req.Method == http.MethodOptions && req.Header.Get("Access-Control-Request-Method") != "" {
		return false // a CORS preflight: the CORS layer answers it for any path, no operation does
	}
	if isAPIPath(req.URL.Path) {
		return true
	}
	_, _, err := v.router.FindRoute(req)
	return err == nil
}

func isAPIPath(p string) bool { return p == "/api" || strings.HasPrefix(p, "/api/") }

// Check checks one answer (status, headers, the whole body) to req.
func (v *Validator) Check(req *http.Request, status int, header http.Header, body []byte) error {
	return v.check(req, status, header, body, false)
}

// check does Check; withoutBody checks all but the body (a stream that
// has not ended).
func (v *Validator) check(req *http.Request, status int, header http.Header, body []byte, withoutBody bool) error {
	if !v.Covers(req) {
		return nil
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return v.checkUnlisted(req, status, header, body)
	}
	op := route.Operation
	ref := op.Responses.Status(status)
	if ref == nil && serverRefusals[status] {
		return v.checkEnvelope(req, status, header, body) // refused before routing, on any path
	}
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("%s %s answered %d, which the document does not list for %s %s (it lists %s): %s",
			req.Method, req.URL.Path, status, route.Method, route.Path, strings.Join(statuses(op), ", "), excerpt(body))
	}
	response := ref.Value
	ct := header.Get("Content-Type")
	switch {
	case len(response.Content) == 0 && len(body) > 0:
		return fmt.Errorf("%s %s answered %d with a body (%s) where the document describes none: %s",
			req.Method, req.URL.Path, status, ct, excerpt(body))
	case len(response.Content) > 0 && response.Content.Get(ct) == nil:
		return fmt.Errorf("%s %s answered %d with Content-Type %q; the document names %s: %s",
			req.Method, req.URL.Path, status, ct, strings.Join(mediaTypes(response.Content), ", "), excerpt(body))
	}
	// kin-openapi checks the documented headers, then the body.
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: withoutBody,
			SchemaValidationOptions: schemaOptions},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s answered %d against %s %s: %w; body: %s", req.Method, req.URL.Path, status, route.Method, route.Path, err, excerpt(body))
	}
	return nil
}

// serverRefusals are answered before routing, on any path (the document's
// info.description says so): a body over the limit, headers too large.
var serverRefusals = map[int]bool{http.StatusRequestEntityTooLarge: true, http.StatusRequestHeaderFieldsTooLarge: true}

// checkUnlisted holds the answer to a method and path the document does
// not list: the API's own 404 (or 405) error envelope, or a refusal before
// routing.
func (v *Validator) checkUnlisted(req *http.Request, status int, header http.Header, body []byte) error {
	if status != http.StatusNotFound && status != http.StatusMethodNotAllowed && !serverRefusals[status] {
		return fmt.Errorf("%s %s is no operation of the document but answered %d (want 404 or 405): %s",
			req.Method, req.URL.Path, status, excerpt(body))
	}
	return v.checkEnvelope(req, status, header, body)
}

// checkEnvelope holds an answer to the error envelope (components.responses.Error).
func (v *Validator) checkEnvelope(req *http.Request, status int, header http.Header, body []byte) error {
	if mt, _, err := mime.ParseMediaType(header.Get("Content-Type")); err != nil || mt != "application/json" {
		return fmt.Errorf("%s %s answered %d with Content-Type %q, not the JSON error envelope", req.Method, req.URL.Path, status, header.Get("Content-Type"))
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("%s %s answered %d with a body that is not JSON: %s", req.Method, req.URL.Path, status, excerpt(body))
	}
	if err := v.errorEnvelope.VisitJSON(value, append(slices.Clone(schemaOptions), openapi3.EnableJSONSchema2020(), openapi3.MultiErrors())...); err != nil {
		return fmt.Errorf("%s %s answered %d without the error envelope: %w; body: %s", req.Method, req.URL.Path, status, err, excerpt(body))
	}
	return nil
}

func statuses(op *openapi3.Operation) []string {
	var out []string
	for code := range op.Responses.Map() {
		out = append(out, code)
	}
	slices.Sort(out)
	return out
}

func mediaTypes(c openapi3.Content) []string {
	var out []string
	for k := range c {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// excerpt is the start of a body for an error message.
func excerpt(body []byte) string {
	const n = 600
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return "(empty)"
	}
	if len(body) > n {
		return string(body[:n]) + "…"
	}
	return string(body)
}
