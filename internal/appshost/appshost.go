// Package appshost serves published applications apart from the API, each on
// an origin of its own (origins.go): a project's live release at
// <slug>.<domain>, a deployed deployment's artifact, immutable, at
// d--<deploymentID>.<domain>, and a template's preview (its scaffold rendered
// with its defaults) at t--<templateSlug>.<domain>. Every response carries a
// restrictive Content-Security-Policy; the platform's cookies are never read.
// The apps host's own origin answers /healthz and redirects the path-based
// addresses earlier versions handed out (/<slug>/, /_d/<id>/, /_t/<slug>/) to
// the application's origin.
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
	// DeploymentArtifact returns the digest of the deployment's artifact if
	// the deployment went live (deployed, or rolled back from since), or an
	// error wrapping artifacts.ErrNotFound: the artifacts of deployments
	// that failed, were cancelled or are still running are never served.
	DeploymentArtifact(ctx context.Context, deploymentID string) (digest string, err error)
}

// Handler serves the apps origin.
type Handler struct {
	store     artifacts.Store
	resolver  Resolver
	origins   Origins
	log       *slog.Logger
	manifests *manifestCache
	blobs     *blobCache // served files by digest (blobcache.go)
	// Template previews (WithTemplatePreviews); nil source: /_t/ is 404.
	previews   TemplateSource
	previewCSP string
	rendered   *renderCache
}

var _ http.Handler = (*Handler)(nil)

// New returns the apps host handler for the applications under origins; a
// nil log discards.
func New(store artifacts.Store, resolver Resolver, origins Origins, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{store: store, resolver: resolver, origins: origins, log: log, manifests: newManifestCache(256), blobs: newBlobCache(DefaultCacheBytes)}
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

// The path prefixes of the path-based addresses of earlier versions, which
// the apps host's own origin redirects: /_d/<deploymentID>/, /_t/<templateSlug>/.
const (
	previewPrefix  = "_d"
	templatePrefix = "_t"
)

// ServeHTTP routes by Host (origins.go): an application's origin serves its
// files; the apps host's own origin (or any Host that is not one of ours)
// answers /healthz and redirects the path-based addresses of earlier
// versions. The request's cookies and credentials are never read.
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
	kind, name := h.origins.site(r.Host)
	switch kind {
	case siteLive:
		h.serveLive(w, r, name, r.URL.Path)
	case siteDeployment:
		h.serveDeployment(w, r, name, r.URL.Path)
	case siteTemplate:
		h.serveTemplatePreview(w, r, name, r.URL.Path)
	case siteBase:
		h.redirectPathAddress(w, r)
	default:
		writeError(w, http.StatusNotFound, "no application is published at this address")
	}
}

// redirectPathAddress answers 308 from a path-based address of an earlier
// version (/<slug>/…, /_d/<id>/…, /_t/<slug>/…) to the same file on the
// application's origin, so links handed out before keep working. The target
// is built from the configured domain and a validated name, never from the
// request's Host. Anything else on the apps host's origin is 404.
func (h *Handler) redirectPathAddress(w http.ResponseWriter, r *http.Request) {
	first, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	var origin string
	switch {
	case first == previewPrefix || first == templatePrefix:
		name, file, _ := strings.Cut(rest, "/")
		switch {
		case first == previewPrefix && uuidPattern.MatchString(name):
			origin = h.origins.DeploymentURL(name)
		case first == templatePrefix && slugPattern.MatchString(name):
			origin = h.origins.TemplateURL(name)
		}
		rest = file
	case slugPattern.MatchString(first) && !reservedSlugs[first]:
		origin = h.origins.LiveURL(first)
	}
	if origin == "" {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	loc := origin + strings.TrimPrefix((&url.URL{Path: "/" + rest}).EscapedPath(), "/")
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", loc)
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusPermanentRedirect)
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
