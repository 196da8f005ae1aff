//go:build bench

package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/models"
)

// In a binary built with -tags bench (make bench builds bin/platform-bench),
// PUT and DELETE /bench/bare/templates/:id/favorite run the very handlers
// of /api/templates/:id/favorite without sign-in, permission check or
// audit event: the user is named by the X-Bench-User header and not loaded.
// The bench compares the two in one run to measure what that middleware
// costs. Never built into the platform's binary.
func init() {
	benchRoutes = func(s *Server, app *fiber.App) {
		bare := func(c *fiber.Ctx) error {
			c.Locals(keyUser, models.User{ID: string([]byte(c.Get("X-Bench-User")))})
			return c.Next()
		}
		s.handle(app, fiber.MethodPut, "/bench/bare/templates/:id/favorite", Public, bare, s.favoriteTemplate)
		s.handle(app, fiber.MethodDelete, "/bench/bare/templates/:id/favorite", Public, bare, s.unfavoriteTemplate)
	}
}
