package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
)

const testIndex = `<!doctype html><html><head><meta name="csp-nonce" content="__CSP_NONCE__" />` +
	`<script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>`

var testAsset = strings.Repeat("console.log('forge');\n", 200)

// webTestApp mounts the web app the way routes() does, behind the API's
// error handler, with one API route in front of it.
func webTestApp(dist fstest.MapFS) *fiber.App {
	app := fiber.New(fiber.Config{ErrorHandler: errorHandler(slog.New(slog.NewTextHandler(io.Discard, nil)), false)})
	app.Get("/api/known", func(c *fiber.Ctx) error { return ok(c, 200, "known") })
	app.Get("/*", newWebApp(dist, "http://apps.test:8081"))
	return app
}

func builtDist() fstest.MapFS {
	return fstest.MapFS{
		".gitkeep":                {Data: nil},
		"index.html":              {Data: []byte(testIndex)},
		"assets/index-abc123.js":  {Data: []byte(testAsset)},
		"assets/index-def456.css": {Data: []byte("body{color:red}")},
		"robots.txt":              {Data: []byte("User-agent: *\n")},
	}
}

func webGet(t *testing.T, app *fiber.App, path string, header ...string) (*httptestResponse, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Host = "platform.test:8080"
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	return &httptestResponse{status: res.StatusCode, header: res.Header}, string(body)
}

type httptestResponse struct {
	status int
	header map[string][]string
}

func (r *httptestResponse) get(name string) string {
	if v := r.header[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func TestWebAppServesHashedAssetsImmutable(t *testing.T) {
	app := webTestApp(builtDist())
	res, body := webGet(t, app, "/assets/index-abc123.js")
	if res.status != 200 || body != testAsset {
		t.Fatalf("status %d, body %d bytes", res.status, len(body))
	}
	if got := res.get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", got)
	}
	if got := res.get("Content-Type"); !strings.Contains(got, "javascript") {
		t.Errorf("Content-Type %q", got)
	}
	if res.get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("no nosniff")
	}

	res, body = webGet(t, app, "/assets/index-abc123.js", "Accept-Encoding", "gzip, br")
	if res.get("Content-Encoding") != "gzip" || !strings.Contains(res.get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip not served: encoding %q vary %q", res.get("Content-Encoding"), res.get("Vary"))
	}
	zr, err := gzip.NewReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if string(plain) != testAsset {
		t.Errorf("gzipped asset decompresses to %d bytes, want %d", len(plain), len(testAsset))
	}
}

func TestWebAppMissingAssetIs404NotTheApp(t *testing.T) {
	res, body := webGet(t, webTestApp(builtDist()), "/assets/index-gone999.js")
	if res.status != 404 || strings.Contains(body, "<html") {
		t.Fatalf("status %d body %q", res.status, body)
	}
}

func TestWebAppFallsBackToIndexWithNonceAndCSP(t *testing.T) {
	app := webTestApp(builtDist())
	nonces := map[string]bool{}
	for _, p := range []string{"/", "/projects/0193-abc", "/admin/audit?from=2026-01-01", "/signin"} {
		res, body := webGet(t, app, p)
		if res.status != 200 || !strings.Contains(body, `<div id="root">`) {
			t.Fatalf("%s: status %d body %q", p, res.status, body)
		}
		if got := res.get("Cache-Control"); got != "no-cache" {
			t.Errorf("%s: Cache-Control %q", p, got)
		}
		if got := res.get("Content-Type"); !strings.HasPrefix(got, "text/html") {
			t.Errorf("%s: Content-Type %q", p, got)
		}
		m := regexp.MustCompile(`name="csp-nonce" content="([^"]+)"`).FindStringSubmatch(body)
		if m == nil || m[1] == "__CSP_NONCE__" {
			t.Fatalf("%s: nonce not filled in: %s", p, body)
		}
		nonces[m[1]] = true
		csp := res.get("Content-Security-Policy")
		for _, want := range []string{
			"default-src 'self'", "script-src 'self';", "style-src 'self' 'nonce-" + m[1] + "'",
			"img-src 'self' data:", "connect-src 'self' ws://platform.test:8080 wss://platform.test:8080",
			"frame-src http://*.apps.test:8081;", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'",
		} {
			if !strings.Contains(csp+";", want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows inline code: %q", p, csp)
		}
		if res.get("Referrer-Policy") == "" || res.get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: security headers missing: %v", p, res.header)
		}
	}
	if len(nonces) != 4 {
		t.Errorf("nonces repeat across requests: %v", nonces)
	}
}

func TestWebAppServesOtherRootFilesUncached(t *testing.T) {
	res, body := webGet(t, webTestApp(builtDist()), "/robots.txt")
	if res.status != 200 || !strings.HasPrefix(body, "User-agent") || res.get("Cache-Control") != "no-cache" {
		t.Fatalf("status %d cache %q body %q", res.status, res.get("Cache-Control"), body)
	}
	// Dot files of the build directory (the committed placeholder) are not served.
	if res, body := webGet(t, webTestApp(builtDist()), "/.gitkeep"); !strings.Contains(body, `<div id="root">`) {
		t.Fatalf(".gitkeep served: %d %q", res.status, body)
	}
}

func TestWebAppLeavesTheAPIItsJSON404(t *testing.T) {
	app := webTestApp(builtDist())
	for _, p := range []string{"/api/unknown", "/api", "/api/templates/x/nothing", "/healthz", "/readyz", "/metrics"} {
		res, body := webGet(t, app, p)
		if res.status != 404 {
			t.Errorf("%s: status %d, want 404", p, res.status)
			continue
		}
		var env struct {
			Error struct{ Code string } `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &env); err != nil || env.Error.Code != "not_found" {
			t.Errorf("%s: not the API's JSON 404: %q", p, body)
		}
	}
	if res, body := webGet(t, app, "/api/known"); res.status != 200 || !strings.Contains(body, "known") {
		t.Errorf("/api/known: %d %q", res.status, body)
	}
}

func TestWebAppNotBuiltSaysHowToBuild(t *testing.T) {
	app := webTestApp(fstest.MapFS{".gitkeep": {Data: nil}})
	res, body := webGet(t, app, "/projects")
	if res.status != 503 || !strings.Contains(body, "make web") || !strings.HasPrefix(res.get("Content-Type"), "text/html") {
		t.Fatalf("status %d type %q body %q", res.status, res.get("Content-Type"), body)
	}
	if res.get("Content-Security-Policy") == "" {
		t.Error("no CSP on the placeholder page")
	}
	if res, _ := webGet(t, app, "/api/unknown"); res.status != 404 {
		t.Errorf("/api/unknown: %d", res.status)
	}
}

func TestWebCSPWithoutAppsOriginOrOddHost(t *testing.T) {
	csp := webCSP("n0nce", "", "evil.test; script-src *")
	if !strings.Contains(csp, "frame-src 'none'") || strings.Contains(csp, "evil") || !strings.Contains(csp, "connect-src 'self';") {
		t.Fatalf("CSP %q", csp)
	}
}
