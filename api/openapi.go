package api

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// openAPIDocument describes every route of the API's listener (/api/…,
// /healthz, /readyz), including those only some modes route: an operation
// marked "x-routed-when" is served only by a server in that mode. The
// tests keep it equal to the router in every mode (openapi_test.go) and
// hold every answer of the API and end-to-end tests to it
// (internal/apispec).
//
//go:embed openapi.json
var openAPIDocument []byte

// Conditions of x-routed-when.
const (
	routedInDevMode = "devMode" // DEV_MODE: POST /api/auth/dev-login
	routedWithOIDC  = "oidc"    // OIDC_ISSUER: /api/auth/oidc/login, /api/auth/callback
)

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

// OpenAPI is the document a server built with o serves at
// /api/openapi.json: the operations it routes, no more, no less.
func OpenAPI(o Options) []byte {
	doc, err := openAPIFor(map[string]bool{routedInDevMode: o.DevMode, routedWithOIDC: o.OIDC != nil})
	if err != nil {
		panic(err) // the embedded document is tested: see openapi_test.go
	}
	return doc
}

// openAPIFor drops from the embedded document the operations whose
// x-routed-when condition does not hold, and paths left without any.
func openAPIFor(conditions map[string]bool) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	var paths map[string]map[string]json.RawMessage
	if err := json.Unmarshal(doc["paths"], &paths); err != nil {
		return nil, fmt.Errorf("openapi.json paths: %w", err)
	}
	for path, item := range paths {
		for method, raw := range item {
			if !httpMethods[method] {
				continue // a path item's summary, parameters, …
			}
			var op struct {
				RoutedWhen string `json:"x-routed-when"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return nil, fmt.Errorf("openapi.json %s %s: %w", method, path, err)
			}
			if op.RoutedWhen == "" {
				continue
			}
			holds, known := conditions[op.RoutedWhen]
			if !known {
				return nil, fmt.Errorf("openapi.json %s %s: unknown x-routed-when %q", method, path, op.RoutedWhen)
			}
			if !holds {
				delete(item, method)
			}
		}
		if len(item) == 0 {
			delete(paths, path)
		}
	}
	raw, err := json.Marshal(paths)
	if err != nil {
		return nil, err
	}
	doc["paths"] = raw
	return json.MarshalIndent(doc, "", "  ")
}

func (s *Server) openAPISpec(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(s.openAPI)
}
