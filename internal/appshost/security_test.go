package appshost_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/appshost"
)

func TestTraversalStaysInTree(t *testing.T) {
	f := newFixture(t)
	preview := "d--" + previewID
	tests := []struct {
		name, target string
		status       int
		body         string
	}{
		{"preview dot dot", on(preview, "/../x"), 404, ""},
		{"preview dot dot to live tree", on(preview, "/../../acme/assets/app.js"), 404, ""},
		{"encoded dot dot", on("acme", "/%2e%2e/other-app/secret.txt"), 404, ""},
		{"encoded dot dot and slash", on("acme", "/..%2f..%2fother-app%2fsecret.txt"), 404, ""},
		{"encoded dots above root", on("acme", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd"), 404, ""},
		{"dot dot inside the tree", on("acme", "/assets/../data.json"), 200, `{"a":1}`},
		{"encoded dot dot inside the tree", on("acme", "/img/%2E%2E/data.json"), 200, `{"a":1}`},
		{"dot dot to the root", on(preview, "/app/.."), 200, "<h1>preview</h1>"},
		{"double slash", on("acme", "//data.json"), 200, `{"a":1}`},
		{"backslash", on("acme", `/..\..\other-app\secret.txt`), 404, ""},
		{"encoded null", on("acme", "/data.json%00"), 404, ""},
		// Another app's files are not on this app's origin, under any path.
		{"another app's path", on("acme", "/other-app/secret.txt"), 404, ""},
		{"a preview's path", on("acme", "/_d/"+previewID+"/app.js"), 404, ""},
		{"a live path on the preview", on(preview, "/acme/data.json"), 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := f.do(t, "GET", tc.target, nil)
			b := body(t, res)
			if res.StatusCode != tc.status || !strings.HasPrefix(b, tc.body) {
				t.Fatalf("GET %s = %d %q; want %d %q", tc.target, res.StatusCode, b, tc.status, tc.body)
			}
			if strings.Contains(b, "secret") {
				t.Fatalf("another tree's file leaked: %q", b)
			}
		})
	}
}

// Each app has its own origin: the browser's same-origin policy (storage,
// cookies, DOM, CSP 'self') keeps one tenant's script away from another's
// data. Two apps never answer on one origin, and no response lets another
// origin read it (CORP same-origin, no CORS headers).
func TestEachAppOnItsOwnOrigin(t *testing.T) {
	f := newFixture(t)
	acme, other := f.do(t, "GET", on("acme", "/"), nil), f.do(t, "GET", on("other-app", "/secret.txt"), nil)
	if acme.StatusCode != 200 || other.StatusCode != 200 {
		t.Fatalf("acme %d, other %d", acme.StatusCode, other.StatusCode)
	}
	if r := f.do(t, "GET", on("acme", "/secret.txt"), nil); r.StatusCode != 404 {
		t.Fatalf("acme's origin serves another app's file: %d", r.StatusCode)
	}
	for _, res := range []*http.Response{acme, other} {
		if res.Header.Get("Cross-Origin-Resource-Policy") != "same-origin" || res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("cross-origin headers %v", res.Header)
		}
	}
	o := appshost.MustParseOrigins("http://localhost:8081")
	if got := o.LiveURL("acme"); got != "http://acme.localhost:8081/" {
		t.Fatalf("LiveURL = %q", got)
	}
	if got := o.DeploymentURL(previewID); got != "http://d--"+previewID+".localhost:8081/" {
		t.Fatalf("DeploymentURL = %q", got)
	}
	if got := o.TemplateURL("patient-intake"); got != "http://t--patient-intake.localhost:8081/" {
		t.Fatalf("TemplateURL = %q", got)
	}
	if got := o.FrameSource(); got != "http://*.localhost:8081" {
		t.Fatalf("FrameSource = %q", got)
	}
	prod := appshost.MustParseOrigins("https://Apps.Example.com/")
	if got, host := prod.LiveURL("acme"), prod.LiveHost("acme"); got != "https://acme.apps.example.com/" || host != "acme.apps.example.com" {
		t.Fatalf("LiveURL = %q, LiveHost = %q", got, host)
	}
	if !prod.Contains("https://acme.apps.example.com") || !prod.Contains("https://apps.example.com:8443") || prod.Contains("https://example.com") ||
		prod.Contains("https://evilapps.example.com") {
		t.Fatal("Contains")
	}
	for _, bad := range []string{"http://127.0.0.1:8081", "http://[::1]:8081", "ftp://apps.test", "http://apps.test/apps/",
		"http://user:pw@apps.test", "http://apps.test?x=1", "http:///x", "apps.test"} {
		if _, err := appshost.ParseOrigins(bad); err == nil {
			t.Errorf("ParseOrigins(%q) accepted", bad)
		}
	}
}

func TestNoResolverQueryForMalformedNames(t *testing.T) {
	f := newFixture(t)
	targets := []string{
		on("Acme_co", "/"), on("acme_co", "/"), on("-acme", "/"), on("acme-", "/"), on("ac--me", "/"), on("healthz", "/"),
		on("d--", "/"), on("d--not-a-uuid", "/"), on("d--"+previewID+"0", "/"), on("t--", "/"), on("t--Bad_Slug", "/"),
		on("", "/Acme/"), on("", "/_d/"), on("", "/_d/not-a-uuid/"), on("", "/_d/../acme/"), on("", "/a%20cme/"),
	}
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			before := f.resolver.count()
			res := f.do(t, "GET", target, nil)
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("status = %d; want 404", res.StatusCode)
			}
			if f.resolver.count() != before {
				t.Fatal("resolver was queried for a malformed name")
			}
		})
	}
}

func TestETag(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{on("acme", "/assets/app.js"), on("d--"+previewID, "/app.js")} {
		res := f.do(t, "GET", target, nil)
		etag := res.Header.Get("ETag")
		if res.StatusCode != 200 || !strings.HasPrefix(etag, `"sha256:`) {
			t.Fatalf("GET %s = %d, ETag %q", target, res.StatusCode, etag)
		}
		tests := []struct {
			name, ifNoneMatch string
			status            int
		}{
			{"match", etag, 304},
			{"weak match", "W/" + etag, 304},
			{"in a list", `"sha256:0000", ` + etag, 304},
			{"star", "*", 304},
			{"other", `"sha256:0000"`, 200},
		}
		for _, tc := range tests {
			t.Run(target+" "+tc.name, func(t *testing.T) {
				res := f.do(t, "GET", target, http.Header{"If-None-Match": {tc.ifNoneMatch}})
				b := body(t, res)
				if res.StatusCode != tc.status {
					t.Fatalf("status = %d; want %d", res.StatusCode, tc.status)
				}
				if tc.status == 304 && (b != "" || res.Header.Get("ETag") != etag || res.Header.Get("Cache-Control") == "") {
					t.Fatalf("304 body %q, ETag %q, Cache-Control %q", b, res.Header.Get("ETag"), res.Header.Get("Cache-Control"))
				}
			})
		}
	}
}

func TestRange(t *testing.T) {
	f := newFixture(t)
	res := f.do(t, "GET", on("acme", "/assets/app.js"), http.Header{"Range": {"bytes=0-6"}})
	if b := body(t, res); res.StatusCode != http.StatusPartialContent || b != "console" {
		t.Fatalf("range = %d %q", res.StatusCode, b)
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	f := newFixture(t)
	want := map[string]string{
		"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
			"connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
		"X-Content-Type-Options":       "nosniff",
		"Referrer-Policy":              "no-referrer",
		"X-Frame-Options":              "DENY",
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Resource-Policy": "same-origin",
	}
	credentials := http.Header{
		"Cookie":        {"platform_session=secret"},
		"Authorization": {"Bearer secret"},
	}
	requests := []struct{ method, target string }{
		{"GET", on("acme", "/")}, {"HEAD", on("acme", "/data.json")}, {"GET", on("", "/acme")}, {"GET", on("d--"+previewID, "/")},
		{"GET", on("", "/healthz")}, {"GET", on("nobody", "/")}, {"GET", on("acme", "/missing")}, {"GET", on("Bad_x", "/")},
		{"GET", on("broken", "/")}, {"GET", on("dangling", "/")}, {"PUT", on("acme", "/")}, {"OPTIONS", "*"},
		{"GET", on("acme", "/docs")},
	}
	for _, rq := range requests {
		t.Run(rq.method+" "+rq.target, func(t *testing.T) {
			res := f.do(t, rq.method, rq.target, credentials)
			for k, v := range want {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s = %q; want %q", k, got, v)
				}
			}
			if res.Header.Get("Content-Type") == "" && res.StatusCode != http.StatusPermanentRedirect {
				t.Error("no Content-Type")
			}
			if c := res.Header.Values("Set-Cookie"); len(c) != 0 {
				t.Errorf("Set-Cookie = %q", c)
			}
			if b := body(t, res); strings.Contains(b, "secret") {
				t.Errorf("body echoes credentials: %q", b)
			}
		})
	}
}
