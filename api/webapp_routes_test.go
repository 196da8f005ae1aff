package api_test

import (
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/config"
)

// With the web app registered last, the API, health and metrics routes keep
// answering as before, unknown API paths stay JSON 404s, and other GETs get
// the app's page (built or the how-to-build page) under its CSP.
func TestWebAppRouteLeavesTheAPIAlone(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	if res := h.do("GET", "/api/unknown", "", nil); res.Status != 404 || !strings.Contains(string(res.Body), `"not_found"`) {
		t.Fatalf("/api/unknown: %d %s", res.Status, res.Body)
	}
	if res := h.do("POST", "/projects", "", nil); res.Status != 404 {
		t.Fatalf("POST /projects: %d %s", res.Status, res.Body)
	}
	h.do("GET", "/healthz", "", nil).expect(t, 200)
	h.do("GET", "/api/openapi.json", "", nil).expect(t, 200)
	res := h.do("GET", "/projects/some-id", "", nil)
	if res.Status != 200 && res.Status != 503 {
		t.Fatalf("/projects/some-id: %d %s", res.Status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-src http://*.apps.test;") {
		t.Errorf("CSP %q", csp)
	}
}

// A HEAD of an app page (a monitor, a link checker) answers like its GET,
// without a body.
func TestWebAppAnswersHead(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	get := h.do("GET", "/gallery", "", nil)
	head := h.do("HEAD", "/gallery", "", nil)
	if head.Status != get.Status || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") || len(head.Body) != 0 {
		t.Fatalf("HEAD answered %d %q (%d bytes), GET %d %q", head.Status, head.Header.Get("Content-Type"), len(head.Body), get.Status, get.Header.Get("Content-Type"))
	}
	if res := h.do("HEAD", "/api/unknown", "", nil); res.Status != 404 {
		t.Fatalf("HEAD /api/unknown: %d", res.Status)
	}
}
