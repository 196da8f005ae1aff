package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"

	"github.com/forgeai/platform/internal/appshost"
)

// apiCSP is the policy of every response that is not a web app page (JSON,
// the OpenAPI document, health): nothing in it may load or run, and no page
// may frame it. The web app's pages set their own policy (webapp.go).
const apiCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// hstsValue asks browsers to use HTTPS only for a year, on the API's host
// (not its subdomains, which the platform does not own).
const hstsValue = "max-age=31536000"

// securityHeaders sets the headers every response of the API's listener
// carries, before the handler runs so that a handler can still override
// them (the web app's pages set their CSP, the event stream its caching):
//
//   - X-Content-Type-Options: nosniff, so no response is read as another type;
//   - Content-Security-Policy frame-ancestors 'none' and X-Frame-Options DENY:
//     no other site frames the API (clickjacking);
//   - Cache-Control: no-store on everything under /api: responses carry
//     tokens (sign-in, refresh, decision tokens) and private data that no
//     browser or proxy cache may keep;
//   - Strict-Transport-Security when PUBLIC_URL is https (hsts).
func securityHeaders(hsts bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		setSecurityHeaders(c, hsts)
		return c.Next()
	}
}

// setSecurityHeaders sets securityHeaders' headers on c's response. The
// error handler sets them too when no middleware ran: the server refuses
// some requests (a body over the limit, headers too large) before routing.
func setSecurityHeaders(c *fiber.Ctx, hsts bool) {
	h := &c.Response().Header
	h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	h.Set(fiber.HeaderContentSecurityPolicy, apiCSP)
	h.Set(fiber.HeaderXFrameOptions, "DENY")
	h.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	if p := c.Path(); p == "/api" || strings.HasPrefix(p, "/api/") {
		h.Set(fiber.HeaderCacheControl, "no-store")
		h.Set(fiber.HeaderPragma, "no-cache")
	}
	if hsts {
		h.Set(fiber.HeaderStrictTransportSecurity, hstsValue)
	}
}

// corsPolicy lets the browser origins in allowed (CORS_ALLOWED_ORIGINS)
// call the API cross-origin, with a Bearer token: credentials (the session
// cookies) are never allowed cross-origin, so a page elsewhere cannot act
// with a signed-in user's cookies. Without origins there is no CORS at all:
// only the web app, on the API's own origin, calls it from a browser. The
// configuration refuses "*" and the apps host's origins
// (internal/config), so a published app is never allowed.
func corsPolicy(allowed []string) fiber.Handler {
	return cors.New(cors.Config{
		Next: func(c *fiber.Ctx) bool {
			p := c.Path()
			return p != "/api" && !strings.HasPrefix(p, "/api/")
		},
		AllowOrigins:     strings.Join(allowed, ","),
		AllowMethods:     "GET,POST,PUT,PATCH,DELETE",
		AllowHeaders:     "Authorization,Content-Type,Idempotency-Key,X-Request-ID,Last-Event-ID",
		ExposeHeaders:    "X-Request-ID,Retry-After",
		AllowCredentials: false,
		MaxAge:           600,
	})
}

// useSecurityMiddleware installs securityHeaders and, with allowed origins,
// corsPolicy.
func useSecurityMiddleware(app *fiber.App, hsts bool, corsOrigins []string) {
	app.Use(securityHeaders(hsts))
	if len(corsOrigins) > 0 {
		app.Use(corsPolicy(corsOrigins))
	}
}

// appsOrigins reads the apps host's origins from AppsBaseURL; false when it
// is not set (some tests) or not an origin, and then no app link is given.
func (s *Server) appsOrigins() (appshost.Origins, bool) {
	o, err := appshost.ParseOrigins(s.appsBaseURL)
	return o, err == nil
}
