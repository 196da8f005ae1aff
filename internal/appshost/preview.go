package appshost

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/artifacts"
)

// PreviewTemplate is what a template preview is rendered from.
type PreviewTemplate struct {
	Slug, Name string
	// Digest changes whenever the template's content does; rendered
	// previews are cached under it.
	Digest   string
	Schema   json.RawMessage
	Scaffold []ai.File
}

// TemplateSource finds a published template for its preview.
type TemplateSource interface {
	// PreviewTemplate returns the published template with this slug, or an
	// error wrapping artifacts.ErrNotFound.
	PreviewTemplate(ctx context.Context, slug string) (PreviewTemplate, error)
}

// WithTemplatePreviews serves t--<slug>.<domain> (Origins.TemplateURL), an
// origin of its own like every application's: the template's scaffold rendered
// with its schema's defaults, exactly as the offline generator renders a
// project (scaffolds escape what they insert with {{html}}), for the web
// app's preview iframe. frameAncestors are the origins allowed to frame the
// previews (the web app's); with none, previews cannot be framed either.
func (h *Handler) WithTemplatePreviews(src TemplateSource, frameAncestors []string) *Handler {
	h.previews = src
	h.previewCSP = previewCSP(frameAncestors)
	h.rendered = &renderCache{max: 64, entries: map[string]map[string][]byte{}}
	return h
}

// previewCSP is the apps origin's policy, framable by the given origins.
func previewCSP(frameAncestors []string) string {
	anc := "'none'"
	if len(frameAncestors) > 0 {
		anc = strings.Join(frameAncestors, " ")
	}
	return strings.Replace(securityHeaders["Content-Security-Policy"], "frame-ancestors 'none'", "frame-ancestors "+anc, 1)
}

// serveTemplatePreview serves one file of a template's rendered preview.
func (h *Handler) serveTemplatePreview(w http.ResponseWriter, r *http.Request, slug, file string) {
	if h.previews == nil {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	t, err := h.previews.PreviewTemplate(r.Context(), slug)
	if err != nil {
		if errors.Is(err, artifacts.ErrNotFound) {
			writeError(w, http.StatusNotFound, "no template is published at this address")
			return
		}
		h.log.Error("apps host: template preview", "slug", slug, "err", err)
		writeError(w, http.StatusBadGateway, "preview temporarily unavailable")
		return
	}
	files, err := h.renderPreview(r.Context(), t)
	if err != nil {
		h.log.Error("apps host: render template preview", "slug", slug, "err", err)
		writeError(w, http.StatusUnprocessableEntity, "this template's preview does not render")
		return
	}
	// The preview is framed by the web app in a sandbox without
	// allow-same-origin: its document has an opaque origin, so its styles and
	// scripts are cross-origin requests that CORP same-origin would block.
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", h.previewCSP)
	hdr.Del("X-Frame-Options")
	hdr.Set("Cross-Origin-Resource-Policy", "cross-origin")
	name := treePath(file)
	data, ok := files[name]
	if !ok {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	sum := sha256.Sum256(data)
	etag := hex.EncodeToString(sum[:])
	hdr.Set("Cache-Control", liveCacheControl)
	hdr.Set("ETag", `"`+etag+`"`)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", contentType(name))
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}

// renderPreview renders t's scaffold with its schema's defaults (cached by digest).
func (h *Handler) renderPreview(ctx context.Context, t PreviewTemplate) (map[string][]byte, error) {
	key := t.Slug + "@" + t.Digest
	if files, ok := h.rendered.get(key); ok {
		return files, nil
	}
	sch, err := catalog.CompileSchema(t.Schema)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	gen, err := ai.NewOffline().GenerateSource(ctx, ai.GenerateRequest{
		ProjectName: t.Name, ProjectSlug: "preview", TemplateName: t.Name, TemplateSlug: t.Slug,
		Scaffold: t.Scaffold, Configuration: sch.ApplyDefaults(map[string]any{}),
	})
	if err != nil {
		return nil, err
	}
	files := make(map[string][]byte, len(gen.Files))
	for _, f := range gen.Files {
		files[f.Path] = f.Content
	}
	h.rendered.put(key, files)
	return files, nil
}

// contentType is a file's media type by extension, UTF-8 for text.
func contentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".html", ".htm":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return "application/json; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// renderCache keeps rendered previews by template digest, up to max of them.
type renderCache struct {
	mu      sync.Mutex
	max     int
	entries map[string]map[string][]byte
}

func (c *renderCache) get(key string) (map[string][]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	return e, ok
}

func (c *renderCache) put(key string, files map[string][]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if len(c.entries) < c.max {
			break
		}
		delete(c.entries, k)
	}
	c.entries[key] = files
}
