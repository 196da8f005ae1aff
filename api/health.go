package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

func (s *Server) healthz(c *fiber.Ctx) error {
	return ok(c, fiber.StatusOK, fiber.Map{"status": "alive", "version": s.version})
}

// readyz checks every dependency with a short deadline, concurrently.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	type result struct{ name, status string }
	results := make(chan result, len(s.checks))
	for name, chk := range s.checks {
		go func() {
			status := "ok"
			if err := chk.Check(ctx); err != nil {
				s.log.WarnContext(ctx, "readiness check failed", "check", name, "error", err.Error())
				status = "unavailable"
			}
			results <- result{name, status}
		}()
	}
	checks := make(map[string]string, len(s.checks))
	ready := true
	for range s.checks {
		r := <-results
		checks[r.name] = r.status
		ready = ready && r.status == "ok"
	}
	status, code := "ready", fiber.StatusOK
	if !ready {
		status, code = "not_ready", fiber.StatusServiceUnavailable
	}
	return ok(c, code, fiber.Map{"status": status, "checks": checks,
		"ai": fiber.Map{"provider": s.ai.Name(), "model": s.ai.Model()}})
}
