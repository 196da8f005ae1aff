// Package appshost serves published applications on their own origin, apart
// from the API, with a restrictive Content-Security-Policy and no platform
// cookies. A project's live release is at /<slug>/, every deployment's
// artifact, immutable, at /_d/<deploymentID>/, and a template's preview (its
// scaffold rendered with its defaults) at /_t/<templateSlug>/.
package appshost

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/forgeai/platform/internal/artifacts"
)

// Resolver finds which artifact (manifest digest) to serve.
type Resolver interface {
	// LiveArtifact returns the digest of the project's live release, or an
	// error wrapping artifacts.ErrNotFound if the slug is unknown or has none.
	LiveArtifact(ctx context.Context, projectSlug string) (digest string, err error)
	// DeploymentArtifact returns the digest of the deployment's artifact, or an
	// error wrapping artifacts.ErrNotFound if it is unknown or has none.
	DeploymentArtifact(ctx context.Context, deploymentID string) (digest string, err error)
}

// Handler serves the apps origin.
type Handler struct {
	store     artifacts.Store
	resolver  Resolver
	log       *slog.Logger
	manifests *manifestCache
	// Template previews (WithTemplatePreviews); nil source: /_t/ is 404.
	previews   TemplateSource
	previewCSP string
	rendered   *renderCache
}

var _ http.Handler = (*Handler)(nil)

// New returns the apps host handler; a nil log discards.
func New(store artifacts.Store, resolver Resolver, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{store: store, resolver: resolver, log: log, manifests: newManifestCache(256)}
}

// securityHeaders are set on every response of the apps origin.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
	"X-Content-Type-Options":       "nosniff",
	"Referrer-Policy":              "no-referrer",
	"X-Frame-Options":              "DENY",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
}

var (
	slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	// Deployment ids are canonical lowercase UUIDs, as models generates them.
	uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// reservedSlugs name the host's own paths; the API should refuse them too.
var reservedSlugs = map[string]bool{"healthz": true}

// previewPrefix starts the path of a deployment's immutable preview.
const previewPrefix = "_d"

// ServeHTTP routes /healthz, /_d/<deploymentID>/<path>, /_t/<templateSlug>/<path>
// (template previews) and /<slug>/<path>.
// The request's cookies and credentials are never read.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range securityHeaders {
		w.Header().Set(k, v)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if r.URL.Path == "/healthz" {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	first, rest, hasSlash := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if first == previewPrefix && hasSlash {
		id, file, ok := strings.Cut(rest, "/")
		switch {
		case !uuidPattern.MatchString(id):
			writeError(w, http.StatusNotFound, "not found")
		case !ok:
			redirectToDir(w, r, id)
		default:
			h.serveDeployment(w, r, id, file)
		}
		return
	}
	if first == templatePrefix && hasSlash {
		slug, file, ok := strings.Cut(rest, "/")
		switch {
		case !slugPattern.MatchString(slug):
			writeError(w, http.StatusNotFound, "not found")
		case !ok:
			redirectToDir(w, r, slug)
		default:
			h.serveTemplatePreview(w, r, slug, file)
		}
		return
	}
	switch {
	case !slugPattern.MatchString(first) || reservedSlugs[first]:
		writeError(w, http.StatusNotFound, "not found")
	case !hasSlash:
		redirectToDir(w, r, first)
	default:
		h.serveLive(w, r, first, rest)
	}
}

// redirectToDir answers 308 to the directory named by the request's last
// segment. The Location is relative, so it stays right behind a proxy that
// mounts the apps host under a path prefix.
func redirectToDir(w http.ResponseWriter, r *http.Request, lastSegment string) {
	loc := "./" + url.PathEscape(lastSegment) + "/"
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", loc)
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusPermanentRedirect)
}

// writeError answers a short plain-text error that no cache keeps.
func writeError(w http.ResponseWriter, status int, msg string) {
	hdr := w.Header()
	hdr.Del("ETag")
	hdr.Del("Content-Length")
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}
