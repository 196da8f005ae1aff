package api

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"io/fs"
	"mime"
	"path"
	"regexp"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/internal/appshost"
	"github.com/forgeai/platform/web"
)

// The web application (web/, embedded by package web) is served on the API's
// own origin, so the browser session's cookies and CSRF token stay
// same-origin. Hashed files under /assets/ are cached for a year; every other
// GET that is not the API, health or metrics gets index.html (the SPA's
// router takes it from there), never cached, with a per-request nonce for the
// <style> elements some Radix components insert.

const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheNoCache   = "no-cache"
	// nonceMarker is the placeholder of web/index.html's csp-nonce meta tag.
	nonceMarker = "__CSP_NONCE__"
)

// webFile is one file of the built app, loaded once at start.
type webFile struct {
	body        []byte
	gzipped     []byte // nil when not worth compressing
	contentType string
}

// webApp answers the GET requests the API does not: the embedded build.
func (s *Server) webApp() fiber.Handler {
	return newWebApp(web.Dist(), s.appsBaseURL)
}

// newWebApp serves dist (index.html, assets/…) with the origins under
// appsBaseURL as the only ones the pages may frame (the template preview).
func newWebApp(dist fs.FS, appsBaseURL string) fiber.Handler {
	files := loadWebFiles(dist)
	index, built := files["index.html"]
	frameSrc := "" // template previews: each on its own origin under the apps host
	if apps, err := appshost.ParseOrigins(appsBaseURL); err == nil {
		frameSrc = apps.FrameSource()
	}
	return func(c *fiber.Ctx) error {
		p := c.Path()
		if reservedPath(p) {
			return fiber.ErrNotFound // the API's own JSON 404
		}
		name := strings.TrimPrefix(path.Clean("/"+p), "/")
		nonce := newNonce()
		setWebSecurityHeaders(c, webCSP(nonce, frameSrc, c.Hostname()))
		if f, ok := files[name]; ok && name != "index.html" {
			if strings.HasPrefix(name, "assets/") {
				c.Set(fiber.HeaderCacheControl, cacheImmutable)
			} else {
				c.Set(fiber.HeaderCacheControl, cacheNoCache)
			}
			return sendWebFile(c, f)
		}
		if strings.HasPrefix(name, "assets/") {
			// A missing hashed file is a 404, not the app: a browser would
			// otherwise run index.html as a script or style sheet.
			return fiber.ErrNotFound
		}
		c.Set(fiber.HeaderCacheControl, cacheNoCache)
		if !built {
			c.Set(fiber.HeaderCacheControl, "no-store")
			c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
			return c.Status(fiber.StatusServiceUnavailable).SendString(notBuiltPage)
		}
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.Send(bytes.Replace(index.body, []byte(nonceMarker), []byte(nonce), 1))
	}
}

// reservedPath tells the paths that are never the web app.
func reservedPath(p string) bool {
	switch {
	case p == "/api" || strings.HasPrefix(p, "/api/"):
		return true
	case p == "/healthz", p == "/readyz", p == "/metrics":
		return true
	}
	return false
}

func loadWebFiles(dist fs.FS) map[string]webFile {
	files := map[string]webFile{}
	_ = fs.WalkDir(dist, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(path.Base(name), ".") {
			return nil
		}
		body, err := fs.ReadFile(dist, name)
		if err != nil {
			return nil
		}
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = fiber.MIMEOctetStream
		}
		f := webFile{body: body, contentType: ct}
		if compressible(ct) && len(body) > 1024 && name != "index.html" {
			f.gzipped = gzipBytes(body)
		}
		files[name] = f
		return nil
	})
	return files
}

func compressible(contentType string) bool {
	for _, t := range []string{"text/", "javascript", "json", "svg", "wasm"} {
		if strings.Contains(contentType, t) {
			return true
		}
	}
	return false
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	if buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}

func sendWebFile(c *fiber.Ctx, f webFile) error {
	c.Set(fiber.HeaderContentType, f.contentType)
	if f.gzipped != nil {
		c.Vary(fiber.HeaderAcceptEncoding)
		if strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip") {
			c.Set(fiber.HeaderContentEncoding, "gzip")
			return c.Send(f.gzipped)
		}
	}
	return c.Send(f.body)
}

// hostPattern is what a Host header may be to be named in the CSP.
var hostPattern = regexp.MustCompile(`^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$`)

// webCSP is the pages' Content-Security-Policy: no inline script at all,
// <style> elements only with the nonce, WebSockets to this host, frames
// only from the apps origin, never framed.
func webCSP(nonce, frameSrc, host string) string {
	connect := "'self'"
	if hostPattern.MatchString(host) {
		connect += " ws://" + host + " wss://" + host
	}
	frame := "'none'"
	if frameSrc != "" {
		frame = frameSrc
	}
	return strings.Join([]string{
		"default-src 'self'",
		"script-src 'self'",
		"style-src 'self' 'nonce-" + nonce + "'",
		"img-src 'self' data:",
		"font-src 'self'",
		"connect-src " + connect,
		"frame-src " + frame,
		"object-src 'none'",
		"frame-ancestors 'none'",
		"base-uri 'self'",
		"form-action 'self'",
	}, "; ")
}

func setWebSecurityHeaders(c *fiber.Ctx, csp string) {
	c.Set(fiber.HeaderContentSecurityPolicy, csp)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "same-origin")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set("Cross-Origin-Opener-Policy", "same-origin")
}

func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// notBuiltPage answers in place of the app when the binary was built
// without it (no web/dist/index.html).
const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ForgeAI: web app not built</title></head>
<body>
<h1>The web application is not built into this binary</h1>
<p>The API works (see <a href="/api/openapi.json">/api/openapi.json</a>), but this
binary was compiled without the browser application.</p>
<p>Build it with <code>make web</code> (needs Node 20.19+ and npm; it runs
<code>npm ci</code> and <code>npm run build</code> in <code>web/</code>), then rebuild the
binary (<code>make build</code>), or simply run <code>make dev</code>, which does both.
For development with hot reload run <code>make web-dev</code> next to the API.</p>
</body></html>
`
