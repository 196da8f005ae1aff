package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/worker"
	"github.com/forgeai/platform/workflows"
)

func runAPI(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg, log, err := loadConfig(false, true, stderr)
	if err != nil {
		return err
	}
	if cfg.TemporalAddress == "" {
		return fmt.Errorf("TEMPORAL_ADDRESS is required for `platform api` (use `platform dev` to start a local server)")
	}
	store, err := openStore(ctx, cfg, "api", log)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := syncCatalog(ctx, store, log); err != nil {
		return fmt.Errorf("%w (has `platform migrate` run?)", err)
	}
	// Lazy: the API starts and serves while Temporal is down; /readyz reports it.
	tc, err := client.NewLazyClient(client.Options{
		HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace, Logger: tlog.NewStructuredLogger(log),
	})
	if err != nil {
		return fmt.Errorf("temporal client: %w", err)
	}
	defer tc.Close()
	go ensureSearchAttributes(ctx, tc, cfg, log)
	arts, err := openArtifacts(ctx, cfg)
	if err != nil {
		return err
	}
	ln, err := listen(cfg)
	if err != nil {
		return err
	}
	log.Info("api listening", "api", ln.api.Addr().String(), "apps", ln.apps.Addr().String())
	return serve(ctx, cfg, log, ln, store, arts, tc)
}

// ensureSearchAttributes registers the workflows' search attributes once
// Temporal answers, retrying in the background so the API starts regardless.
func ensureSearchAttributes(ctx context.Context, tc client.Client, cfg config.Config, log *slog.Logger) {
	for {
		err := worker.EnsureSearchAttributes(ctx, tc, cfg.TemporalNamespace, workflows.SearchAttributes())
		if err == nil {
			return
		}
		log.Warn("search attributes not registered yet; retrying", "error", err.Error())
		select {
		case <-ctx.Done():
			return
		case <-time.After(5 * time.Second):
		}
	}
}
