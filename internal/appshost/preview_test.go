package appshost_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/appshost"
	"github.com/forgeai/platform/internal/artifacts"
)

// fakeTemplates serves the built-in catalog plus an "evil" template whose
// default is markup, and counts lookups.
type fakeTemplates struct {
	byslug map[string]appshost.PreviewTemplate
	calls  atomic.Int32
}

func (f *fakeTemplates) PreviewTemplate(_ context.Context, slug string) (appshost.PreviewTemplate, error) {
	f.calls.Add(1)
	if slug == "broken" {
		return appshost.PreviewTemplate{}, errors.New("database is down")
	}
	t, ok := f.byslug[slug]
	if !ok {
		return t, fmt.Errorf("template %q: %w", slug, artifacts.ErrNotFound)
	}
	return t, nil
}

func newPreviewFixture(t *testing.T) (*fixture, *fakeTemplates) {
	t.Helper()
	f := newFixture(t)
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	src := &fakeTemplates{byslug: map[string]appshost.PreviewTemplate{}}
	for _, c := range cat {
		files := make([]ai.File, len(c.Scaffold))
		for i, s := range c.Scaffold {
			files[i] = ai.File{Path: s.Path, Content: s.Content}
		}
		src.byslug[c.Slug] = appshost.PreviewTemplate{Slug: c.Slug, Name: c.Name, Digest: c.Digest, Schema: c.Schema, Scaffold: files}
	}
	src.byslug["evil"] = appshost.PreviewTemplate{Slug: "evil", Name: "Evil", Digest: "1",
		Schema:   []byte(`{"type":"object","properties":{"appName":{"type":"string","default":"<script>alert(1)</script>"}}}`),
		Scaffold: []ai.File{{Path: "index.html", Content: []byte(`<h1>{{html .Config.appName}}</h1>`)}}}
	src.byslug["unrenderable"] = appshost.PreviewTemplate{Slug: "unrenderable", Name: "U", Digest: "1",
		Schema: []byte(`{"type":"object"}`), Scaffold: []ai.File{{Path: "index.html", Content: []byte(`{{.Config.x.y.z}`)}}}
	f.handler.WithTemplatePreviews(src, []string{"http://localhost:8080", "https://forge.example.com"})
	return f, src
}

func TestTemplatePreviewRendersTheScaffoldWithItsDefaults(t *testing.T) {
	f, src := newPreviewFixture(t)
	res := f.do(t, "GET", on("t--patient-intake", "/"), nil)
	html := body(t, res)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if !strings.Contains(html, "<title>Patient Intake</title>") || strings.Contains(html, "{{") {
		t.Fatalf("not rendered with the defaults:\n%s", html)
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors http://localhost:8080 https://forge.example.com;") ||
		!strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("preview CSP %q", csp)
	}
	if res.Header.Get("X-Frame-Options") != "" || res.Header.Get("Cross-Origin-Resource-Policy") != "cross-origin" ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("preview headers %v", res.Header)
	}
	for file, ctype := range map[string]string{"app.js": "text/javascript; charset=utf-8", "styles.css": "text/css; charset=utf-8",
		"base.css": "text/css; charset=utf-8", "platform.json": "application/json; charset=utf-8"} {
		r := f.do(t, "GET", on("t--patient-intake", "/"+file), nil)
		if r.StatusCode != 200 || r.Header.Get("Content-Type") != ctype {
			t.Errorf("%s: status %d, type %q", file, r.StatusCode, r.Header.Get("Content-Type"))
		}
	}
	// Cached by digest: revalidation with the ETag is a 304.
	etag := res.Header.Get("ETag")
	if r := f.do(t, "GET", on("t--patient-intake", "/index.html"), http.Header{"If-None-Match": {etag}}); r.StatusCode != 304 {
		t.Fatalf("If-None-Match: %d", r.StatusCode)
	}
	if src.calls.Load() < 6 {
		t.Fatalf("the template is looked up on every request (it may change): %d", src.calls.Load())
	}
	// The ordinary apps origin keeps refusing to be framed.
	if r := f.do(t, "GET", on("acme", "/"), nil); r.Header.Get("X-Frame-Options") != "DENY" ||
		!strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("live app headers changed: %v", r.Header)
	}
}

func TestTemplatePreviewEscapesDefaults(t *testing.T) {
	f, _ := newPreviewFixture(t)
	html := body(t, f.do(t, "GET", on("t--evil", "/"), nil))
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("default not escaped: %s", html)
	}
}

func TestTemplatePreviewErrors(t *testing.T) {
	f, _ := newPreviewFixture(t)
	for target, want := range map[string]int{
		on("t--no-such-template", "/"):       404,
		on("t--patient-intake", "/missing"):  404,
		on("t--patient-intake", "/../other"): 404,
		on("t--Bad_Slug", "/"):               404,
		on("t--broken", "/"):                 502,
		on("t--unrenderable", "/"):           422,
		on("patient-intake", "/"):            404, // a project's origin, not the template's
		on("t--patient-intake.acme", "/"):    404,
	} {
		if r := f.do(t, "GET", target, nil); r.StatusCode != want {
			t.Errorf("%s: %d, want %d", target, r.StatusCode, want)
		}
	}
	if r := f.do(t, "GET", on("", "/_t/patient-intake"), nil); r.StatusCode != 308 || r.Header.Get("Location") != "http://t--patient-intake.apps.test/" {
		t.Fatalf("path address: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if r := f.do(t, "POST", on("t--patient-intake", "/"), nil); r.StatusCode != 405 {
		t.Fatalf("POST: %d", r.StatusCode)
	}
	// Without a template source, previews do not exist.
	plain := newFixture(t)
	if r := plain.do(t, "GET", on("t--patient-intake", "/"), nil); r.StatusCode != 404 {
		t.Fatalf("no source: %d", r.StatusCode)
	}
}
