package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/models"
)

const (
	keyUser ctxKey = 100
	// keySession is the signed-in request's session id.
	keySession ctxKey = 101
)

type devLoginRequest struct {
	Email string `json:"email" validate:"required,email,max=254"`
	Name  string `json:"name" validate:"max=120"`
}

func (r *devLoginRequest) normalize() {
	r.Email = strings.ToLower(strings.TrimSpace(r.Email))
	r.Name = strings.TrimSpace(r.Name)
}

type loginResponse struct {
	sessionResponse
	Created bool `json:"created"`
}

// devLogin signs a user in by email alone. It is registered only in dev mode.
func (s *Server) devLogin(c *fiber.Ctx) error {
	var req devLoginRequest
	if err := s.decodeBody(c, &req); err != nil {
		return err
	}
	u, created, err := s.store.LoginUser(c.UserContext(), req.Email, req.Name)
	if err != nil {
		return err
	}
	if u.DeactivatedAt != nil {
		c.Locals(keyAuditActor, u)
		return errDeactivated()
	}
	if created {
		s.startOnboarding(u)
	}
	out, err := s.startSession(c, u, models.SessionDev)
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, loginResponse{sessionResponse: out, Created: created})
}

// requireAuth admits a request with a valid access token (Bearer header or
// the browser's cookie) of a live session of an active user, and loads that
// user (role included) from the database, never from the token.
func (s *Server) requireAuth(c *fiber.Ctx) error {
	token, fromCookie, found := accessToken(c)
	if !found {
		return unauthorized("sign in first: send a bearer token or the session cookie")
	}
	if err := s.authenticate(c, token, fromCookie); err != nil {
		return err
	}
	return c.Next()
}

// optionalAuth personalises public reads when a valid token is sent; a bad
// token is still an error so clients notice it (and refresh).
func (s *Server) optionalAuth(c *fiber.Ctx) error {
	if token, fromCookie, found := accessToken(c); found {
		if err := s.authenticate(c, token, fromCookie); err != nil {
			return err
		}
	}
	return c.Next()
}

func (s *Server) authenticate(c *fiber.Ctx, token string, fromCookie bool) error {
	u, sessionID, err := s.userOfToken(c.UserContext(), token)
	if err != nil {
		return err
	}
	// A cookie rides along on any request the browser makes, also one a
	// page on another site triggers; a state change needs the session's
	// CSRF token too. A Bearer header no other site can set.
	if fromCookie && mutating(c.Method()) && !s.csrf.Valid(sessionID, c.Get(headerCSRF)) {
		c.Locals(keyAuditActor, u)
		return errCSRF()
	}
	c.Locals(keyUser, u)
	c.Locals(keySession, sessionID)
	return nil
}

// userOfToken verifies an access token and loads its live session's user.
// A refusal is an *Error (401); any other error means the database did not
// answer.
func (s *Server) userOfToken(ctx context.Context, token string) (models.User, string, error) {
	claims, err := s.tokens.Verify(token)
	if err != nil {
		return models.User{}, "", unauthorized("invalid or expired token")
	}
	u, err := s.store.SessionUser(ctx, claims.SessionID, time.Now())
	switch {
	case u.DeactivatedAt != nil && u.ID == claims.UserID:
		return models.User{}, "", errDeactivated()
	case errors.Is(err, models.ErrNotFound), err == nil && u.ID != claims.UserID:
		return models.User{}, "", unauthorized("invalid or expired token")
	case errors.Is(err, models.ErrSessionEnded):
		return models.User{}, "", &Error{Status: fiber.StatusUnauthorized, Code: "session_ended", Message: "your session has ended; sign in again"}
	case err != nil:
		// A database that cannot answer says nothing about the token: a
		// 401 here would sign a browser out during a failover.
		return models.User{}, "", fmt.Errorf("load the signed-in user: %w", err)
	}
	return u, claims.SessionID, nil
}

// accessToken is the request's access token: the Authorization header's, or
// else the session cookie's (fromCookie). found is true if either was sent,
// even malformed, so a bad header is an error rather than anonymous.
func accessToken(c *fiber.Ctx) (token string, fromCookie, found bool) {
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return "", false, true
		}
		return strings.TrimSpace(tok), false, true
	}
	if v := c.Cookies(cookieAccess); v != "" {
		return v, true, true
	}
	return "", false, false
}

// currentUser is the authenticated user; requireAuth guarantees one.
func currentUser(c *fiber.Ctx) models.User {
	u, _ := c.Locals(keyUser).(models.User)
	return u
}

func currentUserID(c *fiber.Ctx) string { return currentUser(c).ID }

// currentSession is the signed-in request's session id.
func currentSession(c *fiber.Ctx) string {
	id, _ := c.Locals(keySession).(string)
	return id
}
