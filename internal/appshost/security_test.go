package appshost_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestTraversalStaysInTree(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, target string
		status       int
		body         string
	}{
		{"preview dot dot", "/_d/" + previewID + "/../x", 404, ""},
		{"preview dot dot to live tree", "/_d/" + previewID + "/../../acme/assets/app.js", 404, ""},
		{"encoded dot dot", "/acme/%2e%2e/other-app/secret.txt", 404, ""},
		{"encoded dot dot and slash", "/acme/..%2f..%2fother-app%2fsecret.txt", 404, ""},
		{"encoded dots above root", "/acme/%2e%2e/%2e%2e/%2e%2e/etc/passwd", 404, ""},
		{"dot dot inside the tree", "/acme/assets/../data.json", 200, `{"a":1}`},
		{"encoded dot dot inside the tree", "/acme/img/%2E%2E/data.json", 200, `{"a":1}`},
		{"dot dot to the root", "/_d/" + previewID + "/app/..", 200, "<h1>preview</h1>"},
		{"double slash", "/acme//data.json", 200, `{"a":1}`},
		{"backslash", `/acme/..\..\other-app\secret.txt`, 404, ""},
		{"encoded null", "/acme/data.json%00", 404, ""},
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

func TestNoResolverQueryForMalformedNames(t *testing.T) {
	f := newFixture(t)
	targets := []string{
		"/Acme/", "/acme_co/", "/-acme/", "/acme-/", "/ac--me/", "/a%20cme/", "/healthz/", "/_d/",
		"/_d/not-a-uuid/", "/_d/" + strings.ToUpper(previewID) + "/", "/_d/{" + previewID + "}/", "/_d/../acme/",
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
	for _, target := range []string{"/acme/assets/app.js", "/_d/" + previewID + "/app.js"} {
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
	res := f.do(t, "GET", "/acme/assets/app.js", http.Header{"Range": {"bytes=0-6"}})
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
		{"GET", "/acme/"}, {"HEAD", "/acme/data.json"}, {"GET", "/acme"}, {"GET", "/_d/" + previewID + "/"},
		{"GET", "/healthz"}, {"GET", "/nobody/"}, {"GET", "/acme/missing"}, {"GET", "/Bad/"},
		{"GET", "/broken/"}, {"GET", "/dangling/"}, {"PUT", "/acme/"}, {"OPTIONS", "*"},
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
