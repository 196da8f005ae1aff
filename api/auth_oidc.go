package api

import (
	"context"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/internal/oidc"
	"github.com/forgeai/platform/models"
)

// OIDCProvider runs the OpenID Connect authorization-code flow
// (internal/oidc.Provider): Start makes the provider URL and the sealed flow
// cookie (state, nonce, PKCE verifier, where to return), Finish checks the
// callback against it and returns the verified identity.
type OIDCProvider interface {
	Start(returnTo string) (authURL, flowCookie string, err error)
	Finish(ctx context.Context, flowCookie string, query url.Values) (oidc.Identity, string, error)
}

// IdentityStore finds or creates the user an identity belongs to.
type IdentityStore interface {
	IdentityUser(ctx context.Context, id models.Identity) (models.User, bool, error)
}

const (
	oidcCallbackPath = "/api/auth/callback"
	cookieOIDCFlow   = "forge_oidc"
	oidcFlowTTL      = 10 * time.Minute
)

// oidcLogin starts a sign-in at the provider: GET /api/auth/oidc/login?returnTo=/path.
// It and oidcCallback are routed only with a provider (OIDC_ISSUER).
func (s *Server) oidcLogin(c *fiber.Ctx) error {
	authURL, flow, err := s.oidc.Start(c.Query("returnTo"))
	if err != nil {
		return err
	}
	// Lax: the browser sends it back on the provider's top-level redirect
	// to the callback, not on any request another site makes.
	s.setCookie(c, cookieOIDCFlow, flow, refreshPath, time.Now().Add(oidcFlowTTL), true)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(authURL, fiber.StatusFound)
}

// oidcCallback finishes a sign-in: GET /api/auth/callback?code=…&state=….
// Success starts a session and returns to where the user was going; any
// failure returns to the sign-in page with a stable error code. Either way
// the attempt is audited (the audit trail records this GET).
func (s *Server) oidcCallback(c *fiber.Ctx) error {
	flow := c.Cookies(cookieOIDCFlow)
	s.setCookie(c, cookieOIDCFlow, "", refreshPath, time.Unix(0, 0), true) // one use
	c.Set(fiber.HeaderCacheControl, "no-store")
	query := url.Values{}
	for k, v := range c.Queries() {
		query.Set(k, v)
	}
	id, returnTo, err := s.oidc.Finish(c.UserContext(), flow, query)
	if err != nil {
		code := oidc.CodeOf(err)
		if code == "" {
			return err // not the user's doing: a 5xx, logged
		}
		return s.signInRefused(c, code)
	}
	u, created, err := s.store.IdentityUser(c.UserContext(), models.Identity{
		Issuer: id.Issuer, Subject: id.Subject, Email: id.Email, Name: id.Name, Role: id.Role,
	})
	if err != nil {
		return err
	}
	if u.DeactivatedAt != nil {
		c.Locals(keyAuditActor, u)
		return s.signInRefused(c, "account_deactivated")
	}
	if created {
		s.startOnboarding(u)
	}
	if _, err := s.startSession(c, u, models.SessionOIDC); err != nil {
		return err
	}
	return c.Redirect(returnTo, fiber.StatusFound)
}

// signInRefused audits a refused sign-in with its reason and sends the
// browser back to the sign-in page, which explains the code.
func (s *Server) signInRefused(c *fiber.Ctx, code string) error {
	c.Locals(keyAuditReason, code)
	return c.Redirect("/signin?error="+url.QueryEscape(code), fiber.StatusFound)
}
