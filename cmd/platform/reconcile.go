package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// deploymentStarter starts a deployment's workflow idempotently.
type deploymentStarter interface {
	StartDeployment(ctx context.Context, in workflows.DeploymentInput) error
}

// reconcileDeployments (re)starts, every interval, the workflow of each
// deployment left queued longer than age, so a crash between creating a
// deployment and starting its workflow never leaves a project blocked.
func reconcileDeployments(ctx context.Context, store *models.Store, wf deploymentStarter, log *slog.Logger, interval, age time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := reconcileOnce(ctx, store, wf, log, age); err != nil && ctx.Err() == nil {
			log.Warn("reconcile deployments failed", "error", err.Error())
		}
	}
}

// reconcileOnce starts the stale queued deployments and reports how many.
// Starting is idempotent: a running workflow is attached to, a finished one
// is left alone.
func reconcileOnce(ctx context.Context, store *models.Store, wf deploymentStarter, log *slog.Logger, age time.Duration) (int, error) {
	stale, err := store.StaleQueuedDeployments(ctx, time.Now().Add(-age), 100)
	if err != nil {
		return 0, err
	}
	started := 0
	for _, d := range stale {
		p, err := store.ProjectByID(ctx, d.ProjectID)
		if err != nil {
			continue // deleted meanwhile
		}
		in := workflows.DeploymentInput{DeploymentID: d.ID, ProjectID: d.ProjectID, OwnerID: p.OwnerID}
		if d.Kind == models.KindRollback {
			in.RollbackArtifact = d.ArtifactDigest
		}
		if err := wf.StartDeployment(ctx, in); err != nil {
			log.Warn("starting a queued deployment failed", "deployment_id", d.ID, "error", err.Error())
			continue
		}
		started++
		log.Debug("ensured the workflow of a queued deployment", "deployment_id", d.ID)
	}
	return started, nil
}
