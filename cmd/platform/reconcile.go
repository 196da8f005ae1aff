package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/forgeai/platform/internal/deploying"
)

// reconcileDeployments makes, every interval, each deployment left in
// flight longer than age agree with its workflow (deploying.Service.Ensure):
// a crash between storing a deployment and starting its workflow, or a
// database outage that outlasted the workflow's retries, never leaves a
// project blocked. Every API instance runs it; each step is idempotent.
func reconcileDeployments(ctx context.Context, svc *deploying.Service, log *slog.Logger, interval, age time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := reconcileOnce(ctx, svc, age); err != nil && ctx.Err() == nil {
			log.Warn("reconcile deployments failed", "error", err.Error())
		}
	}
}

// reconcileOnce makes one pass over the deployments not updated for age.
func reconcileOnce(ctx context.Context, svc *deploying.Service, age time.Duration) (deploying.EnsureReport, error) {
	return svc.Ensure(ctx, time.Now().Add(-age))
}
