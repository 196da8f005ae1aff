package appshost

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/forgeai/platform/internal/artifacts"
)

// ArtifactHeader names the artifact (its manifest digest) a response comes
// from, so the deployment pipeline can tell which release is live. Digests
// are content hashes of public files: they reveal nothing else.
const ArtifactHeader = "X-Artifact-Digest"

const (
	liveCacheControl      = "no-cache"
	immutableCacheControl = "public, max-age=31536000, immutable"
)

// serveLive serves a file of the project's live release. Browsers revalidate
// every time (the release can move), which the ETag makes cheap.
func (h *Handler) serveLive(w http.ResponseWriter, r *http.Request, slug, file string) {
	digest, err := h.resolver.LiveArtifact(r.Context(), slug)
	if err != nil {
		h.resolveFailed(w, err, "project", slug)
		return
	}
	h.serveFile(w, r, digest, file, liveCacheControl)
}

// serveDeployment serves a file of one deployment's artifact, which never changes.
func (h *Handler) serveDeployment(w http.ResponseWriter, r *http.Request, id, file string) {
	digest, err := h.resolver.DeploymentArtifact(r.Context(), id)
	if err != nil {
		h.resolveFailed(w, err, "deployment", id)
		return
	}
	h.serveFile(w, r, digest, file, immutableCacheControl)
}

func (h *Handler) resolveFailed(w http.ResponseWriter, err error, kind, key string) {
	if errors.Is(err, artifacts.ErrNotFound) {
		writeError(w, http.StatusNotFound, "no application is published at this address")
		return
	}
	h.log.Error("apps host: resolve artifact", "kind", kind, "key", key, "err", err)
	writeError(w, http.StatusBadGateway, "application temporarily unavailable")
}

// serveFile looks the cleaned request path up in the tree's manifest: a path
// is only ever a key of that map, so no request can leave the tree.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, digest, file, cacheControl string) {
	entries, err := h.manifest(r.Context(), digest)
	if err != nil {
		h.log.Error("apps host: read manifest", "artifact", digest, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	name := treePath(file)
	e, ok := entries[name]
	if !ok {
		if _, isDir := entries[name+"/index.html"]; isDir && !strings.HasSuffix(file, "/") {
			redirectToDir(w, r, path.Base(name))
			return
		}
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	hdr := w.Header()
	hdr.Set("Cache-Control", cacheControl)
	hdr.Set("ETag", `"`+e.Digest+`"`)
	hdr.Set(ArtifactHeader, digest)
	if etagMatches(r.Header.Get("If-None-Match"), e.Digest) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	data, err := h.blobs.get(r.Context(), h.store, e.Digest)
	if err != nil {
		h.log.Error("apps host: read file", "artifact", digest, "path", name, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error")
		return
	}
	hdr.Set("Content-Type", e.ContentType)
	// ServeContent adds Range support and HEAD handling.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}

// treePath turns the part of the URL path below the tree's root into a
// manifest path: cleaned, relative, and index.html for a directory.
func treePath(file string) string {
	name := strings.TrimPrefix(path.Clean("/"+file), "/")
	switch {
	case name == "":
		return "index.html"
	case strings.HasSuffix(file, "/"):
		return name + "/index.html"
	}
	return name
}

// etagMatches implements If-None-Match's weak comparison against a file digest.
func etagMatches(header, digest string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == `"`+digest+`"` {
			return true
		}
	}
	return false
}

// manifest returns the tree's entries by path. Manifests are immutable, so
// they are cached by digest and a request costs the resolver and one blob read.
func (h *Handler) manifest(ctx context.Context, digest string) (map[string]artifacts.Entry, error) {
	if entries, ok := h.manifests.get(digest); ok {
		return entries, nil
	}
	m, err := h.store.GetManifest(ctx, digest)
	if err != nil {
		return nil, err
	}
	entries := make(map[string]artifacts.Entry, len(m.Files))
	for _, e := range m.Files {
		entries[e.Path] = e
	}
	h.manifests.put(digest, entries)
	return entries, nil
}
