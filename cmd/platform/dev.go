package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"golang.org/x/sync/errgroup"

	"github.com/forgeai/platform/internal/appshost"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/devstack"
	"github.com/forgeai/platform/worker"
	"github.com/forgeai/platform/workflows"
)

// runDev runs the whole platform in one process with no external setup.
func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg, log, err := loadConfig(true, true, stderr)
	if err != nil {
		return err
	}
	if _, set := environ()["WORKER_QUEUES"]; !set {
		cfg.WorkerQueues = allQueues()
	}
	useLoopback(&cfg, environ())
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("create DATA_DIR: %w", err)
	}
	tc, temporalUI, stopTemporal, err := devTemporal(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer stopTemporal()

	store, err := openStore(ctx, cfg, "dev", log)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := migrateAndSync(ctx, store, log); err != nil {
		return err
	}
	arts, err := openArtifacts(ctx, cfg)
	if err != nil {
		return err
	}
	ln, err := listen(cfg)
	if err != nil {
		return err
	}
	useBoundAppsURL(&cfg, ln)
	printDevBanner(stdout, cfg, ln, temporalUI, store.Dialect())

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return serve(gctx, cfg, log, ln, store, arts, tc) })
	g.Go(func() error { return runWorkers(gctx, cfg, log, tc, store, arts, nil) })
	err = g.Wait()
	fmt.Fprintln(stdout, "platform dev stopped")
	return err
}

// devTemporal starts the embedded dev server unless TEMPORAL_ADDRESS is set.
func devTemporal(ctx context.Context, cfg config.Config, log *slog.Logger) (client.Client, string, func(), error) {
	if cfg.TemporalAddress != "" {
		tc, err := client.DialContext(ctx, client.Options{
			HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace, Logger: tlog.NewStructuredLogger(log),
		})
		if err != nil {
			return nil, "", nil, fmt.Errorf("connect to temporal at %s: %w", cfg.TemporalAddress, err)
		}
		if err := worker.EnsureSearchAttributes(ctx, tc, cfg.TemporalNamespace, workflows.SearchAttributes()); err != nil {
			log.Warn("could not register search attributes", "error", err.Error())
		}
		return tc, "", tc.Close, nil
	}
	logFile, err := os.OpenFile(filepath.Join(cfg.DataDir, "temporal.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, "", nil, fmt.Errorf("open temporal log: %w", err)
	}
	srv, err := devstack.Start(ctx, devstack.Options{
		CLIPath: cfg.TemporalCLIPath, HostPort: net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.TemporalDevPort)),
		Namespace: cfg.TemporalNamespace, DBFile: filepath.Join(cfg.DataDir, "temporal.db"),
		UIPort: cfg.TemporalUIPort, Attrs: workflows.SearchAttributes(), Log: log, Output: logFile,
	})
	if err != nil {
		_ = logFile.Close()
		return nil, "", nil, fmt.Errorf("%w (its log: %s)", err, logFile.Name())
	}
	tc, err := client.DialContext(ctx, client.Options{
		HostPort: srv.Address(), Namespace: cfg.TemporalNamespace, Logger: tlog.NewStructuredLogger(log),
	})
	if err != nil {
		_ = srv.Stop()
		return nil, "", nil, fmt.Errorf("connect to temporal dev server: %w", err)
	}
	stop := func() {
		tc.Close()
		if err := srv.Stop(); err != nil {
			log.Warn("temporal dev server did not stop cleanly", "error", err.Error())
		}
		_ = logFile.Close()
	}
	return tc, srv.UIURL(), stop, nil
}

func printDevBanner(w io.Writer, cfg config.Config, ln listeners, temporalUI string, dialect config.Dialect) {
	_, apiPort, _ := net.SplitHostPort(ln.api.Addr().String())
	_, appsPort, _ := net.SplitHostPort(ln.apps.Addr().String())
	fmt.Fprintf(w, "\nplatform dev is running\n")
	fmt.Fprintf(w, "  Web app:      http://localhost:%s/  (sign in with any email)\n", apiPort)
	fmt.Fprintf(w, "  API:          http://localhost:%s/api  (health: /healthz, readiness: /readyz)\n", apiPort)
	if ln.metrics != nil {
		fmt.Fprintf(w, "  Metrics:      http://%s/metrics  (this host only)\n", ln.metrics.Addr().String())
	}
	appsHost := "<project-slug>.localhost:" + appsPort
	if o, err := appshost.ParseOrigins(cfg.AppsBaseURL); err == nil {
		appsHost = strings.TrimSuffix(strings.TrimPrefix(o.LiveURL("<project-slug>"), "http://"), "/")
	}
	fmt.Fprintf(w, "  Apps host:    http://localhost:%s/  (each published app on its own origin: http://%s/)\n", appsPort, appsHost)
	if temporalUI != "" {
		fmt.Fprintf(w, "  Temporal UI:  %s\n", temporalUI)
	} else {
		fmt.Fprintf(w, "  Temporal:     %s (external)\n", cfg.TemporalAddress)
	}
	fmt.Fprintf(w, "  Database:     %s\n", dialect)
	fmt.Fprintf(w, "Press Ctrl-C to stop.\n\n")
}

func allQueues() []string { return worker.QueueNames() }

// Loopback addresses `platform dev` listens on unless HTTP_ADDR or APPS_ADDR
// is set: the dev login must not be reachable from the network.
const (
	devHTTPAddr = "127.0.0.1:8080"
	devAppsAddr = "127.0.0.1:8081"
)

// useLoopback binds `platform dev` to 127.0.0.1 unless an address was set.
func useLoopback(cfg *config.Config, env map[string]string) {
	if _, set := env["HTTP_ADDR"]; !set {
		cfg.HTTPAddr = devHTTPAddr
	}
	if _, set := env["APPS_ADDR"]; !set {
		cfg.AppsAddr = devAppsAddr
	}
}

// useBoundAppsURL points the apps URLs at the port actually bound (APPS_ADDR
// may be :0) unless APPS_BASE_URL was set explicitly.
func useBoundAppsURL(cfg *config.Config, ln listeners) {
	_, port, _ := net.SplitHostPort(ln.apps.Addr().String())
	if _, set := environ()["APPS_BASE_URL"]; !set || cfg.AppsBaseURL == "" {
		cfg.AppsBaseURL = "http://localhost:" + port
	}
	if cfg.AppsInternalURL == "" {
		cfg.AppsInternalURL = "http://127.0.0.1:" + port
	}
}
