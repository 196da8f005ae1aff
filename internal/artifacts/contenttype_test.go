package artifacts_test

import (
	"testing"

	"github.com/forgeai/platform/internal/artifacts"
)

func TestContentTypeOf(t *testing.T) {
	tests := map[string]string{
		"index.html":        "text/html; charset=utf-8",
		"a/b/STYLE.CSS":     "text/css; charset=utf-8",
		"app.js":            "text/javascript; charset=utf-8",
		"data.json":         "application/json",
		"logo.svg":          "image/svg+xml",
		"p.png":             "image/png",
		"p.jpg":             "image/jpeg",
		"p.jpeg":            "image/jpeg",
		"p.gif":             "image/gif",
		"p.webp":            "image/webp",
		"favicon.ico":       "image/x-icon",
		"robots.txt":        "text/plain; charset=utf-8",
		"f.woff2":           "font/woff2",
		"app.js.map":        "application/json",
		"Makefile":          "application/octet-stream",
		"archive.tar.gz":    "application/octet-stream",
		"html":              "application/octet-stream",
		"dir.html/file.exe": "application/octet-stream",
	}
	for p, want := range tests {
		t.Run(p, func(t *testing.T) {
			if got := artifacts.ContentTypeOf(p); got != want {
				t.Fatalf("ContentTypeOf(%q) = %q; want %q", p, got, want)
			}
		})
	}
}
