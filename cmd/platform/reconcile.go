package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/deploying"
	"github.com/forgeai/platform/internal/leader"
)

// leadReconcilers runs the reconcilers (run) on one API instance at a time:
// on Postgres the instance holding the reconciler leader lock
// (internal/leader), which the others try to take every
// RECONCILE_LEADER_RETRY; on SQLite, the only instance. The gauge
// platform_reconciler_leader, registered on reg, is 1 on the leader.
func leadReconcilers(ctx context.Context, cfg config.Config, reg prometheus.Registerer, log *slog.Logger, run func(context.Context)) {
	gauge := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "platform_reconciler_leader",
		Help: "1 while this API instance is the one that runs the deployment and approval reconcilers, else 0.",
	})
	reg.MustRegister(gauge)
	o := leader.Options{Name: "reconciler", Retry: cfg.ReconcileLeaderRetry, Gauge: gauge, Log: log}
	dialect, dsn, _ := cfg.Database()
	if dialect != config.Postgres {
		leader.Always(ctx, o, run)
		return
	}
	o.DatabaseURL = dsn
	leader.Run(ctx, o, run)
}

// reconcileDeployments makes, every interval, each deployment left in
// flight longer than age agree with its workflow (deploying.Service.Ensure):
// a crash between storing a deployment and starting its workflow, or a
// database outage that outlasted the workflow's retries, never leaves a
// project blocked. One API instance at a time runs it (leadReconcilers);
// each step is idempotent.
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
