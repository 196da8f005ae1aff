package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
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
	store, err := openStore(ctx, cfg)
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
	ln, err := listen(cfg)
	if err != nil {
		return err
	}
	log.Info("api listening", "api", ln.api.Addr().String(), "apps", ln.apps.Addr().String())
	return serve(ctx, cfg, log, ln, store, tc)
}
