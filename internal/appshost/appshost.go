// Package appshost serves published applications on their own origin, apart
// from the API, with a restrictive Content-Security-Policy and no platform
// cookies. Until a project is published every path answers 404.
package appshost

import (
	"net/http"
)

// Handler serves the apps origin.
type Handler struct{}

// New returns the apps host handler.
func New() *Handler { return &Handler{} }

// securityHeaders are set on every response of the apps origin.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
	"X-Content-Type-Options": "nosniff",
	"Referrer-Policy":        "no-referrer",
	"X-Frame-Options":        "DENY",
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range securityHeaders {
		w.Header().Set(k, v)
	}
	if r.URL.Path == "/healthz" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	// No project has a published release yet: deployments arrive with the pipeline.
	http.Error(w, "no application is published at this address", http.StatusNotFound)
}
