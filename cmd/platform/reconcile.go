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
	every(ctx, interval, log, "reconcile deployments", func(ctx context.Context) error {
		_, err := reconcileOnce(ctx, svc, age)
		return err
	})
}

// every runs fn each interval until ctx ends, logging its failures.
func every(ctx context.Context, interval time.Duration, log *slog.Logger, what string, fn func(context.Context) error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := fn(ctx); err != nil && ctx.Err() == nil {
			log.Warn(what+" failed", "error", err.Error())
		}
	}
}

// reconcileOnce makes one pass over the deployments not updated for age.
func reconcileOnce(ctx context.Context, svc *deploying.Service, age time.Duration) (deploying.EnsureReport, error) {
	return svc.Ensure(ctx, time.Now().Add(-age))
}
