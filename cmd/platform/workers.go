package main

import (
	"context"
	"log/slog"

	"go.temporal.io/sdk/client"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/worker"
	"github.com/forgeai/platform/workflows"
)

// runWorkers polls cfg.WorkerQueues with every queue's workflows and
// activities until ctx ends; `dev` and `worker` both run it, so the two
// cannot register different things. m may be nil (no AI metrics).
func runWorkers(ctx context.Context, cfg config.Config, log *slog.Logger, tc client.Client, store *models.Store, arts artifacts.Store, m *ai.Metrics) error {
	queues := worker.Queues(
		deploymentActivities(cfg, store, arts, m),
		approvalActivities(cfg, store),
		onboardingActivities(cfg, store, workflows.NewClient(tc).Describe(store, cfg.PublicURL)),
	)
	return worker.Run(ctx, tc, workerOptions(cfg, log), queues)
}

// approvalActivities verifies decision tokens with the key the API signs
// them with (JWT_SECRET); a worker without it refuses every token.
func approvalActivities(cfg config.Config, store *models.Store) *activities.Approvals {
	a := &activities.Approvals{Store: store}
	if d, err := auth.NewDecisionTokens(cfg.JWTSecret, cfg.JWTPreviousSecrets...); err == nil {
		a.Decisions = d
	}
	return a
}

func workerOptions(cfg config.Config, log *slog.Logger) worker.Options {
	return worker.Options{
		Queues: cfg.WorkerQueues, Concurrency: cfg.WorkerConcurrency, StopTimeout: cfg.ShutdownTimeout, Log: log,
	}
}
