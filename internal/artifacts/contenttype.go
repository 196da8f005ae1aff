package artifacts

import (
	"path"
	"strings"
)

// contentTypes is part of every manifest's bytes: changing an entry changes
// the digest of trees holding such files, so add, never edit.
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".ico":         "image/x-icon",
	".txt":         "text/plain; charset=utf-8",
	".woff":        "font/woff",
	".woff2":       "font/woff2",
}

// ContentTypeOf returns the media type served for path, chosen by its
// extension (case-insensitive); unknown extensions are application/octet-stream.
func ContentTypeOf(p string) string {
	if ct, ok := contentTypes[strings.ToLower(path.Ext(p))]; ok {
		return ct
	}
	return "application/octet-stream"
}
