package api

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/models"
)

const keyUser ctxKey = 100

type devLoginRequest struct {
	Email string `json:"email" validate:"required,email,max=254"`
	Name  string `json:"name" validate:"max=120"`
}

func (r *devLoginRequest) normalize() {
	r.Email = strings.ToLower(strings.TrimSpace(r.Email))
	r.Name = strings.TrimSpace(r.Name)
}

type loginResponse struct {
	Token     string       `json:"token"`
	TokenType string       `json:"tokenType"`
	ExpiresAt time.Time    `json:"expiresAt"`
	User      userResponse `json:"user"`
	Created   bool         `json:"created"`
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
		return errDeactivated()
	}
	if created {
		s.startOnboarding(u)
	}
	token, exp, err := s.tokens.Issue(u.ID)
	if err != nil {
		return err
	}
	s.recordSignIn(c, u)
	return ok(c, fiber.StatusOK, loginResponse{Token: token, TokenType: "Bearer", ExpiresAt: exp, User: toUser(u), Created: created})
}

// requireAuth admits a request with a valid bearer token of an existing user
// and loads that user (role included) from the database, never from the token.
func (s *Server) requireAuth(c *fiber.Ctx) error {
	token, found := bearer(c)
	if !found {
		return unauthorized("missing bearer token")
	}
	if err := s.authenticate(c, token); err != nil {
		return err
	}
	return c.Next()
}

// optionalAuth personalises public reads when a valid token is sent; a bad
// token is still an error so clients notice it.
func (s *Server) optionalAuth(c *fiber.Ctx) error {
	if token, found := bearer(c); found {
		if err := s.authenticate(c, token); err != nil {
			return err
		}
	}
	return c.Next()
}

func (s *Server) authenticate(c *fiber.Ctx, token string) error {
	userID, err := s.tokens.Verify(token)
	if err != nil {
		return unauthorized("invalid or expired token")
	}
	u, err := s.store.GetUser(c.UserContext(), userID)
	if errors.Is(err, models.ErrNotFound) {
		return unauthorized("invalid or expired token")
	}
	if err != nil {
		// A database that cannot answer says nothing about the token: a
		// 401 here would sign a browser out during a failover.
		return fmt.Errorf("load the signed-in user: %w", err)
	}
	if u.DeactivatedAt != nil {
		return errDeactivated()
	}
	c.Locals(keyUser, u)
	return nil
}

func bearer(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	if h == "" {
		return "", false
	}
	scheme, token, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", true
	}
	return strings.TrimSpace(token), true
}

// currentUser is the authenticated user; requireAuth guarantees one.
func currentUser(c *fiber.Ctx) models.User {
	u, _ := c.Locals(keyUser).(models.User)
	return u
}

func currentUserID(c *fiber.Ctx) string { return currentUser(c).ID }
