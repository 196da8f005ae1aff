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
// deployment left queued, or pending approval with no step, longer than age,
// so a crash between creating a deployment and starting its workflow never
// leaves a project blocked. A deployment's approval is created with it, so
// one that waits for an approval gets its workflow with that approval's
// timers.
func reconcileDeployments(ctx context.Context, store *models.Store, wf deploymentStarter, timers workflows.ApprovalTimers, log *slog.Logger, interval, age time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := reconcileOnce(ctx, store, wf, timers, log, age); err != nil && ctx.Err() == nil {
			log.Warn("reconcile deployments failed", "error", err.Error())
		}
	}
}

// reconcileOnce ensures the workflows of the stale unstarted deployments and
// reports how many it ensured. Starting is idempotent: a running workflow is
// attached to, a finished one is left alone.
func reconcileOnce(ctx context.Context, store *models.Store, wf deploymentStarter, timers workflows.ApprovalTimers, log *slog.Logger, age time.Duration) (int, error) {
	stale, err := store.StaleUnstartedDeployments(ctx, time.Now().Add(-age), 100)
	if err != nil {
		return 0, err
	}
	started := 0
	for _, d := range stale {
		p, err := store.ProjectByID(ctx, d.ProjectID)
		if err != nil {
			continue // deleted meanwhile
		}
		if d.WithoutItsApproval() {
			log.Warn("failing a deployment pending approval that has no approval to wait for", "deployment_id", d.ID)
			if _, err := store.FinishDeployment(ctx, d.ID, models.DeployFailed, "", models.ReasonApprovalLost); err != nil {
				log.Warn("failing a deployment without its approval failed", "deployment_id", d.ID, "error", err.Error())
			}
			continue
		}
		if err := wf.StartDeployment(ctx, workflows.NewDeploymentInput(d, p.OwnerID, timers)); err != nil {
			log.Warn("starting an unstarted deployment failed", "deployment_id", d.ID, "status", d.Status, "error", err.Error())
			continue
		}
		started++
		log.Debug("ensured the workflow of a deployment", "deployment_id", d.ID, "status", d.Status)
	}
	return started, nil
}
