package api

import (
	"context"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/models"
)

// AnalyticsStore is what the KPIs need from persistence.
type AnalyticsStore interface {
	AnalyticsKPIs(ctx context.Context, now time.Time) (models.KPIs, error)
}

var _ AnalyticsStore = (*models.Store)(nil)

// analyticsKPIs answers GET /api/analytics/kpis: active users, deployments
// per day, success rate and median duration, onboarding completion, top
// templates and pending approvals, as of now (see models.KPIs).
func (s *Server) analyticsKPIs(c *fiber.Ctx) error {
	store, keeps := s.store.(AnalyticsStore)
	if !keeps {
		return fmt.Errorf("analytics: the store keeps none")
	}
	k, err := store.AnalyticsKPIs(c.UserContext(), time.Now())
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, k)
}
