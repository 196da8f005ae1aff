package appshost_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/forgeai/platform/internal/appshost"
	"github.com/forgeai/platform/internal/artifacts"
)

const (
	previewID = "0190a4c2-7d3e-7b1a-9c4d-2f6e8a1b3c5d"
	unknownID = "0190a4c2-7d3e-7b1a-9c4d-000000000000"
	// appsBase is the apps host's base URL: project acme is at http://acme.apps.test/.
	appsBase = "http://apps.test"
)

// on is the URL of path on the origin of label (a project slug, d--<id> or
// t--<slug>); on("", path) is the apps host's own origin.
func on(label, path string) string {
	if label == "" {
		return appsBase + path
	}
	return "http://" + label + ".apps.test" + path
}

// fakeResolver maps slugs and deployment ids to digests and counts lookups.
type fakeResolver struct {
	mu          sync.Mutex
	live        map[string]string
	deployments map[string]string
	calls       int
}

func (f *fakeResolver) lookup(m map[string]string, key string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if key == "broken" {
		return "", errors.New("database is down")
	}
	if d, ok := m[key]; ok {
		return d, nil
	}
	return "", fmt.Errorf("lookup %q: %w", key, artifacts.ErrNotFound)
}

func (f *fakeResolver) LiveArtifact(_ context.Context, slug string) (string, error) {
	return f.lookup(f.live, slug)
}

func (f *fakeResolver) DeploymentArtifact(_ context.Context, id string) (string, error) {
	return f.lookup(f.deployments, id)
}

func (f *fakeResolver) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

type fixture struct {
	handler  *appshost.Handler
	resolver *fakeResolver
	logs     *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store, err := artifacts.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	putTree := func(files map[string]string) string {
		t.Helper()
		var fs []artifacts.File
		for p, c := range files {
			fs = append(fs, artifacts.File{Path: p, Content: []byte(c)})
		}
		d, err := store.PutTree(context.Background(), fs)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	acme := putTree(map[string]string{
		"index.html":       "<h1>acme live</h1>",
		"about/index.html": "<h1>about</h1>",
		"docs/index.html":  "<h1>docs</h1>",
		"assets/app.js":    "console.log('acme')",
		"assets/site.css":  "body{color:red}",
		"img/logo.svg":     "<svg></svg>",
		"img/photo.png":    "\x89PNG",
		"data.json":        `{"a":1}`,
		"font.woff2":       "wOF2",
		"notes.unknownext": "<script>alert(1)</script>",
	})
	other := putTree(map[string]string{"index.html": "other", "secret.txt": "other project's secret"})
	preview := putTree(map[string]string{"index.html": "<h1>preview</h1>", "app.js": "preview()"})
	r := &fakeResolver{
		live: map[string]string{
			"acme": acme, "other-app": other,
			"dangling": artifacts.DigestOf([]byte("no such tree")),
		},
		deployments: map[string]string{previewID: preview},
	}
	logs := &bytes.Buffer{}
	h := appshost.New(store, r, appshost.MustParseOrigins(appsBase), slog.New(slog.NewTextHandler(logs, nil)))
	return &fixture{handler: h, resolver: r, logs: logs}
}

func (f *fixture) do(t *testing.T, method, target string, header http.Header) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRoutes(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, method, target string
		status               int
		contentType, body    string // body: prefix expected; "" skips
		cacheControl         string
		location             string
	}{
		{"live index", "GET", on("acme", "/"), 200, "text/html; charset=utf-8", "<h1>acme live</h1>", "no-cache", ""},
		{"live index without slash", "GET", on("acme", ""), 200, "text/html; charset=utf-8", "<h1>acme live</h1>", "no-cache", ""},
		{"live index with query", "GET", on("acme", "/?utm=x"), 200, "text/html; charset=utf-8", "<h1>acme live</h1>", "no-cache", ""},
		{"host with port", "GET", "http://acme.apps.test:8081/", 200, "text/html; charset=utf-8", "<h1>acme live</h1>", "no-cache", ""},
		{"host in upper case", "GET", "http://ACME.Apps.Test/", 200, "text/html; charset=utf-8", "<h1>acme live</h1>", "no-cache", ""},
		{"nested index", "GET", on("acme", "/about/"), 200, "text/html; charset=utf-8", "<h1>about</h1>", "no-cache", ""},
		{"nested file", "GET", on("acme", "/assets/app.js"), 200, "text/javascript; charset=utf-8", "console.log('acme')", "no-cache", ""},
		{"css", "GET", on("acme", "/assets/site.css"), 200, "text/css; charset=utf-8", "body{", "no-cache", ""},
		{"svg", "GET", on("acme", "/img/logo.svg"), 200, "image/svg+xml", "<svg>", "no-cache", ""},
		{"png", "GET", on("acme", "/img/photo.png"), 200, "image/png", "", "no-cache", ""},
		{"json", "GET", on("acme", "/data.json"), 200, "application/json", `{"a":1}`, "no-cache", ""},
		{"woff2", "GET", on("acme", "/font.woff2"), 200, "font/woff2", "", "no-cache", ""},
		{"unknown type is not sniffed", "GET", on("acme", "/notes.unknownext"), 200, "application/octet-stream", "", "no-cache", ""},
		{"head", "HEAD", on("acme", "/"), 200, "text/html; charset=utf-8", "", "no-cache", ""},
		{"directory redirect", "GET", on("acme", "/docs"), 308, "", "", "", "./docs/"},
		{"preview index", "GET", on("d--"+previewID, "/"), 200, "text/html; charset=utf-8", "<h1>preview</h1>", "public, max-age=31536000, immutable", ""},
		{"preview file", "GET", on("d--"+previewID, "/app.js"), 200, "text/javascript; charset=utf-8", "preview()", "public, max-age=31536000, immutable", ""},
		{"healthz", "GET", on("", "/healthz"), 200, "text/plain; charset=utf-8", "ok", "", ""},
		{"healthz on any host", "GET", "http://127.0.0.1:8081/healthz", 200, "text/plain; charset=utf-8", "ok", "", ""},
		{"unknown slug", "GET", on("nobody", "/"), 404, "text/plain; charset=utf-8", "no application", "no-store", ""},
		{"unknown file", "GET", on("acme", "/missing.js"), 404, "text/plain; charset=utf-8", "not found", "no-store", ""},
		{"unknown deployment", "GET", on("d--"+unknownID, "/"), 404, "text/plain; charset=utf-8", "no application", "no-store", ""},
		{"bad label", "GET", on("acme_co", "/"), 404, "text/plain; charset=utf-8", "no application", "no-store", ""},
		{"two labels", "GET", on("x.acme", "/"), 404, "text/plain; charset=utf-8", "no application", "no-store", ""},
		{"bad deployment id", "GET", on("d--not-a-uuid", "/"), 404, "text/plain; charset=utf-8", "no application", "no-store", ""},
		{"apps host root", "GET", on("", "/"), 404, "text/plain; charset=utf-8", "not found", "no-store", ""},
		{"resolver failure", "GET", on("broken", "/"), 502, "text/plain; charset=utf-8", "application temporarily unavailable", "no-store", ""},
		{"missing artifact", "GET", on("dangling", "/"), 500, "text/plain; charset=utf-8", "internal error", "no-store", ""},
		{"post", "POST", on("acme", "/"), 405, "text/plain; charset=utf-8", "method not allowed", "no-store", ""},
		{"delete", "DELETE", on("", "/healthz"), 405, "text/plain; charset=utf-8", "method not allowed", "no-store", ""},

		// The path-based addresses of earlier versions redirect to the app's origin.
		{"path address", "GET", on("", "/acme/"), 308, "", "", "no-cache", "http://acme.apps.test/"},
		{"path address without slash", "GET", on("", "/acme"), 308, "", "", "no-cache", "http://acme.apps.test/"},
		{"path address keeps file and query", "GET", on("", "/acme/assets/app.js?x=1"), 308, "", "", "no-cache", "http://acme.apps.test/assets/app.js?x=1"},
		{"path address escapes", "GET", on("", "/acme/a%20b.js"), 308, "", "", "no-cache", "http://acme.apps.test/a%20b.js"},
		{"path address of a preview", "GET", on("", "/_d/"+previewID+"/app.js"), 308, "", "", "no-cache", "http://d--" + previewID + ".apps.test/app.js"},
		{"path address of a template", "GET", on("", "/_t/patient-intake/"), 308, "", "", "no-cache", "http://t--patient-intake.apps.test/"},
		{"path address on another host", "GET", "http://127.0.0.1:8081/acme/", 308, "", "", "no-cache", "http://acme.apps.test/"},
		{"path address, bad slug", "GET", on("", "/Acme/"), 404, "text/plain; charset=utf-8", "not found", "no-store", ""},
		{"path address, bad id", "GET", on("", "/_d/not-a-uuid/"), 404, "text/plain; charset=utf-8", "not found", "no-store", ""},
		{"path address, reserved", "GET", on("", "/healthz/"), 404, "text/plain; charset=utf-8", "not found", "no-store", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := f.do(t, tc.method, tc.target, nil)
			b := body(t, res)
			if res.StatusCode != tc.status {
				t.Fatalf("status = %d; want %d (body %q)", res.StatusCode, tc.status, b)
			}
			if tc.contentType != "" && res.Header.Get("Content-Type") != tc.contentType {
				t.Errorf("Content-Type = %q; want %q", res.Header.Get("Content-Type"), tc.contentType)
			}
			if !strings.HasPrefix(b, tc.body) {
				t.Errorf("body = %q; want prefix %q", b, tc.body)
			}
			if tc.method == "HEAD" && b != "" {
				t.Errorf("HEAD body = %q", b)
			}
			if got := res.Header.Get("Cache-Control"); tc.cacheControl != "" && got != tc.cacheControl {
				t.Errorf("Cache-Control = %q; want %q", got, tc.cacheControl)
			}
			if got := res.Header.Get("Location"); got != tc.location {
				t.Errorf("Location = %q; want %q", got, tc.location)
			}
			if tc.status == 405 && res.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q", res.Header.Get("Allow"))
			}
			if len(b) > 100 && res.StatusCode >= 400 {
				t.Errorf("error body is long: %q", b)
			}
		})
	}
	if !strings.Contains(f.logs.String(), "database is down") {
		t.Errorf("resolver failure not logged; logs:\n%s", f.logs)
	}
	if strings.Contains(f.logs.String(), "nobody") {
		t.Errorf("a plain 404 was logged as an error; logs:\n%s", f.logs)
	}
}
