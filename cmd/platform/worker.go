package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/worker"
	"github.com/forgeai/platform/workflows"
)

func runWorker(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, log, err := loadConfig(false, false, stderr)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	queues := fs.String("queues", strings.Join(cfg.WorkerQueues, ","), "comma-separated task queues to poll (WORKER_QUEUES)")
	concurrency := fs.Int("concurrency", cfg.WorkerConcurrency, "max concurrent activities per queue; 1 runs one at a time (WORKER_CONCURRENCY)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg.WorkerQueues = strings.Split(*queues, ",")
	cfg.WorkerConcurrency = *concurrency
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	if cfg.TemporalAddress == "" {
		return fmt.Errorf("TEMPORAL_ADDRESS is required for `platform worker`")
	}
	tc, err := client.DialContext(ctx, client.Options{
		HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace, Logger: tlog.NewStructuredLogger(log),
	})
	if err != nil {
		return fmt.Errorf("connect to temporal at %s: %w", cfg.TemporalAddress, err)
	}
	defer tc.Close()
	if err := worker.EnsureSearchAttributes(ctx, tc, cfg.TemporalNamespace, workflows.SearchAttributes()); err != nil {
		// Managed namespaces may forbid this; the operator registers them instead.
		log.Warn("could not register search attributes", "error", err.Error())
	}
	store, err := openStore(ctx, cfg, "worker", log)
	if err != nil {
		return err
	}
	defer store.Close()
	arts, err := openArtifacts(ctx, cfg)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := ai.NewMetrics(reg)
	if cfg.WorkerMetricsAddr != "" {
		if err := serveMetrics(ctx, cfg.WorkerMetricsAddr, reg, cfg.Exposure.Pprof, log); err != nil {
			return err
		}
	}
	return runWorkers(ctx, cfg, log, tc, store, arts, metrics)
}
