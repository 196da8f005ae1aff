package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
)

// The API's port does not serve metrics (request rates per route, error
// counts, runtime figures): they are on METRICS_ADDR, which cmd/platform
// binds to 127.0.0.1 by default.
func TestMetricsAreNotServedOnTheAPIPort(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	h.do("GET", "/api/templates", "", nil).expect(t, 200)
	for _, p := range []string{"/metrics", "/api/metrics"} {
		res := h.do("GET", p, "", nil)
		if res.Status != 404 || strings.Contains(string(res.Body), "platform_http_request_duration") || strings.Contains(string(res.Body), "go_goroutines") {
			t.Fatalf("GET %s on the API port = %d:\n%.300s", p, res.Status, res.Body)
		}
	}
	if !strings.Contains(h.scrape(), `route="/api/templates"`) {
		t.Fatal("the metrics listener's handler lacks the API's requests")
	}
}

// Every API response says how it may be used: never sniffed into another
// type, never framed, never cached under /api (sign-in and refresh answers
// carry tokens), and only over HTTPS once the platform is on HTTPS.
func TestAPIResponsesCarrySecurityHeaders(t *testing.T) {
	for _, https := range []bool{false, true} {
		h := newHarness(t, config.SQLite, options{devMode: true, https: https})
		requests := []struct {
			method, path string
			body         any
			status       int
			noStore      bool
		}{
			{"POST", "/api/auth/dev-login", map[string]string{"email": "hdr@example.com"}, 200, true},
			{"POST", "/api/auth/refresh", map[string]string{"refreshToken": "nope"}, 401, true},
			{"GET", "/api/auth/config", nil, 200, true},
			{"GET", "/api/templates", nil, 200, true},
			{"GET", "/api/projects", nil, 401, true},
			{"GET", "/api/no-such-route", nil, 404, true},
			{"GET", "/api/openapi.json", nil, 200, true},
			{"GET", "/healthz", nil, 200, false},
			{"GET", "/metrics", nil, 404, false},
		}
		for _, rq := range requests {
			res := h.do(rq.method, rq.path, "", rq.body)
			if res.Status != rq.status {
				t.Fatalf("%s %s = %d, want %d: %s", rq.method, rq.path, res.Status, rq.status, res.Body)
			}
			hdr := res.Header
			if hdr.Get("X-Content-Type-Options") != "nosniff" || hdr.Get("X-Frame-Options") != "DENY" ||
				!strings.Contains(hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
				t.Errorf("%s %s: nosniff %q, X-Frame-Options %q, CSP %q", rq.method, rq.path,
					hdr.Get("X-Content-Type-Options"), hdr.Get("X-Frame-Options"), hdr.Get("Content-Security-Policy"))
			}
			if rq.noStore && hdr.Get("Cache-Control") != "no-store" {
				t.Errorf("%s %s: Cache-Control %q, want no-store", rq.method, rq.path, hdr.Get("Cache-Control"))
			}
			if got := hdr.Get("Strict-Transport-Security"); (got != "") != https || (https && !strings.HasPrefix(got, "max-age=31536000")) {
				t.Errorf("%s %s (https %v): Strict-Transport-Security %q", rq.method, rq.path, https, got)
			}
		}
		// The web app's pages keep their own policy (frames from the apps
		// host's origins only), still never framed themselves.
		page := h.do("GET", "/gallery", "", nil)
		if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src http://*.apps.test") ||
			!strings.Contains(csp, "frame-ancestors 'none'") || page.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("web app page CSP %q", csp)
		}
	}
}

// Requests the server refuses before routing (a body over the limit,
// headers too large) carry the same headers: the error handler sets them.
func TestServerRefusalsCarrySecurityHeaders(t *testing.T) {
	for _, https := range []bool{false, true} {
		h := newHarness(t, config.SQLite, options{devMode: true, https: https})
		base := "http://" + h.serve()
		big, _ := http.NewRequest("PATCH", base+"/api/user/profile", strings.NewReader(`{"name":"`+strings.Repeat("A", 128<<10)+`"}`))
		big.Header.Set("Content-Type", "application/json")
		long, _ := http.NewRequest("GET", base+"/api/templates", nil)
		long.Header.Set("X-Filler", strings.Repeat("A", 16<<10))
		for _, tc := range []struct {
			req    *http.Request
			status int
		}{{big, 413}, {long, 431}} {
			resp, err := http.DefaultClient.Do(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			hdr := resp.Header
			if resp.StatusCode != tc.status || hdr.Get("X-Content-Type-Options") != "nosniff" || hdr.Get("X-Frame-Options") != "DENY" ||
				!strings.Contains(hdr.Get("Content-Security-Policy"), "frame-ancestors 'none'") || hdr.Get("Cache-Control") != "no-store" ||
				(hdr.Get("Strict-Transport-Security") != "") != https {
				t.Errorf("%s %s (https %v): %d, headers %v", tc.req.Method, tc.req.URL.Path, https, resp.StatusCode, hdr)
			}
		}
	}
}

// Without CORS_ALLOWED_ORIGINS no other origin may read the API from a
// browser: no Access-Control-Allow-Origin, on simple requests or preflights.
// With it, only the listed origins may, and never with the session cookies.
func TestCORSAllowsOnlyTheConfiguredOrigins(t *testing.T) {
	const evil, admin = "https://evil.example", "https://admin.example.com"
	cors := func(h *harness, method, path, origin string) (int, string, string) {
		hdr := []string{"Origin", origin}
		if method == "OPTIONS" {
			hdr = append(hdr, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type")
		}
		res := h.do(method, path, "", nil, hdr...)
		return res.Status, res.Header.Get("Access-Control-Allow-Origin"), res.Header.Get("Access-Control-Allow-Credentials")
	}

	closed := newHarness(t, config.SQLite, options{devMode: true})
	for _, origin := range []string{evil, admin, "http://acme.apps.test", "null"} {
		for _, method := range []string{"GET", "OPTIONS"} {
			if _, acao, _ := cors(closed, method, "/api/templates", origin); acao != "" {
				t.Fatalf("%s from %s without CORS_ALLOWED_ORIGINS: Access-Control-Allow-Origin %q", method, origin, acao)
			}
		}
	}

	open := newHarness(t, config.SQLite, options{devMode: true, corsOrigins: []string{admin}})
	if _, acao, acac := cors(open, "GET", "/api/templates", admin); acao != admin || acac != "" {
		t.Fatalf("GET from %s: Access-Control-Allow-Origin %q, -Credentials %q", admin, acao, acac)
	}
	if status, acao, acac := cors(open, "OPTIONS", "/api/projects", admin); status != 204 || acao != admin || acac != "" {
		t.Fatalf("preflight from %s: %d, Access-Control-Allow-Origin %q, -Credentials %q", admin, status, acao, acac)
	}
	for _, origin := range []string{evil, "http://acme.apps.test", "https://admin.example.com.evil.example"} {
		for _, method := range []string{"GET", "OPTIONS"} {
			if _, acao, _ := cors(open, method, "/api/projects", origin); acao != "" {
				t.Fatalf("%s from %s: Access-Control-Allow-Origin %q", method, origin, acao)
			}
		}
	}
}

// A deployment's artifact is public (previewUrl) only once it went live:
// the artifacts of failed and cancelled deployments are not offered, and the
// address is the deployment's own origin.
func TestPreviewURLOnlyForDeploymentsThatWentLive(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h, admin, _, p := deployHarness(t, d)
		ctx := context.Background()
		digest := "sha256:" + strings.Repeat("b", 64)
		preview := func(id string) string {
			var out struct {
				PreviewURL string `json:"previewUrl"`
			}
			h.do("GET", "/api/deployments/"+id, admin, nil).expect(t, 200).data(t, &out)
			return out.PreviewURL
		}
		deploy := func() string {
			var dep struct{ ID string }
			raw := h.do("POST", "/api/projects/"+p.ID+"/deployments", admin, nil).expect(t, 202).env(t).Data
			if err := json.Unmarshal(raw, &dep); err != nil {
				t.Fatal(err)
			}
			if err := h.store.SetArtifactDigest(ctx, dep.ID, digest); err != nil {
				t.Fatal(err)
			}
			return dep.ID
		}
		for _, status := range []string{models.DeployFailed, models.DeployCancelled} {
			id := deploy()
			if got := preview(id); got != "" {
				t.Fatalf("a running deployment offers its artifact at %q", got)
			}
			if _, err := h.store.FinishDeployment(ctx, id, status, "", "stopped by the test"); err != nil {
				t.Fatal(err)
			}
			if got := preview(id); got != "" {
				t.Fatalf("a %s deployment offers its artifact at %q", status, got)
			}
		}
		id := deploy()
		if _, err := h.store.PublishRelease(ctx, id, func(slug string) string { return "http://" + slug + ".apps.test/" }); err != nil {
			t.Fatal(err)
		}
		if _, err := h.store.FinishDeployment(ctx, id, models.DeployDeployed, "http://riverside.apps.test/", ""); err != nil {
			t.Fatal(err)
		}
		if got, want := preview(id), "http://d--"+id+".apps.test/"; got != want {
			t.Fatalf("previewUrl of a deployed deployment %q, want %q", got, want)
		}
	})
}
