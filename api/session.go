package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/models"
)

// Browser session cookies. The access and refresh tokens are HttpOnly, so
// no script (ours or an injected one) can read them; the CSRF token is
// readable on purpose: the web app echoes it in X-CSRF-Token.
const (
	cookieAccess  = "forge_access"
	cookieRefresh = "forge_refresh"
	cookieCSRF    = "forge_csrf"
	headerCSRF    = "X-CSRF-Token"
	// refreshPath scopes the refresh cookie to the endpoints that use it.
	refreshPath = "/api/auth"
)

// SessionStore is what sign-in sessions need from persistence.
type SessionStore interface {
	CreateSession(ctx context.Context, sess models.Session, refreshHash string) (models.Session, error)
	SessionUser(ctx context.Context, sessionID string, now time.Time) (models.User, error)
	RotateRefresh(ctx context.Context, oldHash, newHash string, grace time.Duration) (models.Session, models.User, error)
	SessionOfRefresh(ctx context.Context, hash string) (models.Session, error)
	RevokeSession(ctx context.Context, sessionID, reason string, audited bool) error
}

var _ SessionStore = (*models.Store)(nil)

// sessionResponse is what a sign-in or refresh answers. Browsers ignore the
// tokens (they travel in cookies); API clients use them as Bearer tokens.
type sessionResponse struct {
	Token            string       `json:"token"`
	TokenType        string       `json:"tokenType"`
	ExpiresAt        time.Time    `json:"expiresAt"`
	RefreshToken     string       `json:"refreshToken"`
	SessionExpiresAt time.Time    `json:"sessionExpiresAt"`
	User             userResponse `json:"user"`
}

// startSession signs u in: a new session with its first refresh token (the
// request's audit event is written with it), an access token, and the
// browser's cookies.
func (s *Server) startSession(c *fiber.Ctx, u models.User, method string) (sessionResponse, error) {
	refresh, hash, err := auth.NewRefreshToken()
	if err != nil {
		return sessionResponse{}, err
	}
	s.recordSignIn(c, u)
	sess, err := s.store.CreateSession(c.UserContext(), models.Session{
		UserID: u.ID, Method: method, ExpiresAt: time.Now().UTC().Add(s.sessionTTL),
		IP: strings.Clone(c.IP()), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 512),
	}, hash)
	if err != nil {
		return sessionResponse{}, fmt.Errorf("start session: %w", err)
	}
	return s.issue(c, sess, u, refresh)
}

// issue answers a session's tokens and sets its cookies.
func (s *Server) issue(c *fiber.Ctx, sess models.Session, u models.User, refresh string) (sessionResponse, error) {
	access, exp, err := s.tokens.Issue(u.ID, sess.ID)
	if err != nil {
		return sessionResponse{}, err
	}
	s.setCookie(c, cookieAccess, access, "/", exp, true)
	s.setCookie(c, cookieRefresh, refresh, refreshPath, sess.ExpiresAt, true)
	s.setCookie(c, cookieCSRF, s.csrf.Token(sess.ID), "/", sess.ExpiresAt, false)
	return sessionResponse{Token: access, TokenType: "Bearer", ExpiresAt: exp, RefreshToken: refresh,
		SessionExpiresAt: sess.ExpiresAt, User: toUser(u)}, nil
}

func (s *Server) setCookie(c *fiber.Ctx, name, value, path string, expires time.Time, httpOnly bool) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: path, Expires: expires,
		MaxAge: max(int(time.Until(expires).Seconds()), 1), HTTPOnly: httpOnly, Secure: s.secureCookies, SameSite: fiber.CookieSameSiteLaxMode})
}

func (s *Server) clearSessionCookies(c *fiber.Ctx) {
	for _, ck := range []struct{ name, path string }{{cookieAccess, "/"}, {cookieRefresh, refreshPath}, {cookieCSRF, "/"}} {
		c.Cookie(&fiber.Cookie{Name: ck.name, Value: "", Path: ck.path, MaxAge: -1, Expires: time.Unix(0, 0),
			HTTPOnly: ck.name != cookieCSRF, Secure: s.secureCookies, SameSite: fiber.CookieSameSiteLaxMode})
	}
}

type refreshRequest struct {
	RefreshToken string `json:"refreshToken" validate:"omitempty,max=256"`
}

// refresh rotates a refresh token (from the JSON body, or the browser's
// cookie with its CSRF token) and answers new tokens and cookies.
func (s *Server) refresh(c *fiber.Ctx) error {
	token, fromCookie, err := s.refreshToken(c)
	if err != nil {
		return err
	}
	if token == "" {
		return invalid("invalid request", FieldError{Field: "refreshToken", Message: "is required (or the session cookie)"})
	}
	hash := auth.HashRefreshToken(token)
	if fromCookie {
		sess, err := s.store.SessionOfRefresh(c.UserContext(), hash)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if err == nil && !s.csrf.Valid(sess.ID, c.Get(headerCSRF)) {
			return errCSRF()
		}
	}
	next, nextHash, err := auth.NewRefreshToken()
	if err != nil {
		return err
	}
	sess, u, err := s.store.RotateRefresh(c.UserContext(), hash, nextHash, s.refreshGrace)
	if err != nil {
		if e := s.sessionError(c, err); e != nil {
			return e
		}
		return err
	}
	c.Locals(keyAuditActor, u)
	out, err := s.issue(c, sess, u, next)
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, out)
}

// sessionError maps a refused refresh to 401 (and clears the browser's
// cookies, which can no longer be used); nil for any other error.
func (s *Server) sessionError(c *fiber.Ctx, err error) *Error {
	var reason string
	switch {
	case errors.Is(err, models.ErrRefreshReused):
		reason = "refresh_token_reused"
	case errors.Is(err, models.ErrSessionEnded):
		reason = "session_ended"
	case errors.Is(err, models.ErrNotFound):
		reason = "unknown_refresh_token"
	default:
		return nil
	}
	c.Locals(keyAuditReason, reason)
	s.clearSessionCookies(c)
	msg := "your session has ended; sign in again"
	if reason == "refresh_token_reused" {
		msg = "this refresh token was already used, so its session has been ended for safety; sign in again"
	}
	return &Error{Status: fiber.StatusUnauthorized, Code: reason, Message: msg}
}

// refreshToken reads the refresh token from the JSON body or the cookie;
// "" if neither holds one.
func (s *Server) refreshToken(c *fiber.Ctx) (token string, fromCookie bool, err error) {
	if len(c.Body()) > 0 {
		var req refreshRequest
		if err := s.decodeBody(c, &req); err != nil {
			return "", false, err
		}
		if req.RefreshToken != "" {
			return req.RefreshToken, false, nil
		}
	}
	if v := c.Cookies(cookieRefresh); v != "" {
		return strings.Clone(v), true, nil
	}
	return "", false, nil
}

// logout ends the caller's session: every access and refresh token of it
// stops working at once, on every instance. Without a session it only
// clears the cookies.
func (s *Server) logout(c *fiber.Ctx) error {
	sessionID, err := s.sessionToEnd(c)
	if err != nil {
		return err
	}
	if sessionID != "" {
		if err := s.store.RevokeSession(c.UserContext(), sessionID, models.RevokedLogout, true); err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		s.sockets.closeSession(sessionID, closeUnauthorized, "signed out")
	}
	s.clearSessionCookies(c)
	return c.SendStatus(fiber.StatusNoContent)
}

// sessionToEnd finds the session logout ends: the access token's (Bearer or
// cookie, with its CSRF token) or else the refresh token's.
func (s *Server) sessionToEnd(c *fiber.Ctx) (string, error) {
	if token, fromCookie, found := accessToken(c); found {
		if claims, err := s.tokens.Verify(token); err == nil {
			if fromCookie && !s.csrf.Valid(claims.SessionID, c.Get(headerCSRF)) {
				return "", errCSRF()
			}
			if u, err := s.store.SessionUser(c.UserContext(), claims.SessionID, time.Now()); err == nil {
				c.Locals(keyAuditActor, u)
			}
			return claims.SessionID, nil
		}
	}
	token, fromCookie, err := s.refreshToken(c)
	if err != nil || token == "" {
		return "", err // nothing to end without a token
	}
	sess, err := s.store.SessionOfRefresh(c.UserContext(), auth.HashRefreshToken(token))
	if errors.Is(err, models.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if fromCookie && !s.csrf.Valid(sess.ID, c.Get(headerCSRF)) {
		return "", errCSRF()
	}
	return sess.ID, nil
}

func errCSRF() *Error {
	return &Error{Status: fiber.StatusForbidden, Code: "csrf_failed",
		Message: "missing or wrong " + headerCSRF + " header: send the value of the " + cookieCSRF + " cookie"}
}

// authConfigResponse tells the web app which ways to sign in exist.
type authConfigResponse struct {
	DevLogin bool `json:"devLogin"`
	OIDC     struct {
		Enabled  bool   `json:"enabled"`
		LoginURL string `json:"loginUrl"`
	} `json:"oidc"`
}

func (s *Server) authConfig(c *fiber.Ctx) error {
	var out authConfigResponse
	out.DevLogin = s.devMode
	out.OIDC.Enabled = s.oidc != nil
	out.OIDC.LoginURL = "/api/auth/oidc/login"
	return ok(c, fiber.StatusOK, out)
}

func truncate(v string, n int) string {
	if len(v) > n {
		v = v[:n]
	}
	return strings.ToValidUTF8(v, "") // also a copy: v may be a view of Fiber's buffer
}
