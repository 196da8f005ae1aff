// Command bench measures the api against its targets and prints the figures:
// GET /api/templates at 500 req/s with p95 under 20 ms on Postgres, and the
// api's idle RSS under 100 MB. It is a report, not a test: it exits 0 when a
// target is missed and non-zero only when the bench itself could not run.
//
// It creates a throw-away Postgres schema, migrates it with `platform migrate`,
// starts `platform api` against it, seeds a user and projects over HTTP, then
// runs a fixed-rate open-loop load (internal/loadgen) per endpoint.
//
//	go run ./cmd/bench [-platform bin/platform] [-db URL] [-rate 500] [-duration 10s] [-warmup 2s] [-projects 50] [-middleware-rate 300] [-audit-events 100000] [-kpi-deployments 100000] [-json]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/forgeai/platform/internal/loadgen"
)

const defaultDB = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

type options struct {
	platform    string
	db          string
	rate        float64
	duration    time.Duration
	warmup      time.Duration
	projects    int
	maxInFlight int
	json        bool
	temporal    string
	deploys     int
	sequential  int
	rounds      int
	wsClients   int
	eventRate   float64
	kpiDeploys  int
	mwRate      float64
	auditEvents int
}

func main() {
	db := defaultDB
	if v := os.Getenv("BENCH_DATABASE_URL"); v != "" {
		db = v
	}
	var o options
	flag.StringVar(&o.platform, "platform", "bin/platform", "path to the platform binary")
	flag.StringVar(&o.db, "db", db, "Postgres URL; a fresh schema is created in it and dropped at the end (env BENCH_DATABASE_URL)")
	flag.Float64Var(&o.rate, "rate", 500, "requests per second per endpoint")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured duration per endpoint")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warmup per endpoint, results discarded")
	flag.IntVar(&o.projects, "projects", 50, "projects to create before the load")
	flag.IntVar(&o.maxInFlight, "max-inflight", 2000, "cap on requests in flight; beyond it requests are counted as dropped")
	flag.BoolVar(&o.json, "json", false, "print the figures as JSON on stdout (the table goes to stderr)")
	flag.StringVar(&o.temporal, "temporal", "bin/temporal", "the Temporal CLI, for the deployment bench's dev server")
	flag.IntVar(&o.deploys, "deploys", 50, "concurrent deployments in the deployment bench (0 skips it)")
	flag.IntVar(&o.sequential, "sequential", 10, "deployments one after another, for single-deploy latency")
	flag.IntVar(&o.rounds, "rounds", 5, "rounds of concurrent deployments and no-op workflows, interleaved; the ratio is their median")
	flag.IntVar(&o.wsClients, "ws-clients", 1000, "WebSocket clients in the live-events bench (0 skips it)")
	flag.Float64Var(&o.eventRate, "event-rate", 200, "events appended per second in the live-events bench")
	flag.Float64Var(&o.mwRate, "middleware-rate", 300, "requests per second, four kinds in turn, for -duration after -warmup in the middleware-cost section (0 skips it)")
	flag.IntVar(&o.auditEvents, "audit-events", 100000, "audit events appended for the GET /api/audit/verify timing (0 skips it)")
	flag.IntVar(&o.kpiDeploys, "kpi-deployments", 100000, "deployments seeded for the GET /api/analytics/kpis timing, run last (0 skips it)")
	flag.Parse()

	if o.rate <= 0 || o.duration <= 0 || o.warmup < 0 || o.projects < 0 || o.maxInFlight <= 0 || o.rounds < 1 {
		fmt.Fprintln(os.Stderr, "bench: need -rate > 0, -duration > 0, -warmup >= 0, -projects >= 0, -max-inflight > 0, -rounds >= 1")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }() // a second Ctrl-C kills at once

	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		if errors.Is(err, context.Canceled) {
			os.Exit(130)
		}
		os.Exit(1)
	}
}

func logf(format string, args ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...) }

func run(ctx context.Context, o options) (err error) {
	if _, err := os.Stat(o.platform); err != nil {
		return fmt.Errorf("platform binary: %w (build it first: go build -o bin/platform ./cmd/platform)", err)
	}
	schema, pgVersion, dbURL, err := createSchema(ctx, o.db)
	if err != nil {
		return err
	}
	logf("schema %s created (Postgres %s)", schema, pgVersion)
	defer func() {
		if derr := dropSchema(o.db, schema); derr != nil {
			logf("drop schema %s: %v", schema, derr)
		} else {
			logf("schema %s dropped", schema)
		}
	}()

	if err := migrate(ctx, o.platform, dbURL); err != nil {
		return err
	}
	var stack *deployStack
	if o.deploys > 0 {
		if stack, err = startDeployStack(ctx, o.temporal, dbURL); err != nil {
			return fmt.Errorf("temporal dev server for the deployment bench: %w", err)
		}
		defer stack.stop()
	}
	apiEnv := []string{fmt.Sprintf("WS_MAX_CONNECTIONS_PER_USER=%d", max(o.wsClients, 1))}
	if stack != nil {
		apiEnv = append(apiEnv, stack.env...)
	}
	api, err := startAPI(o.platform, dbURL, apiEnv...)
	if err != nil {
		return err
	}
	defer func() {
		api.stop(10 * time.Second)
		if err != nil {
			logf("api log: %s", api.logPath)
		} else {
			os.Remove(api.logPath)
		}
	}()
	if err := api.waitHealthy(ctx, 30*time.Second); err != nil {
		return err
	}
	logf("api up on %s; idling 2s before reading RSS", api.addr)
	if err := sleep(ctx, 2*time.Second); err != nil {
		return err
	}
	idleRSS, _, err := api.memMB()
	if err != nil {
		return err
	}

	client := newClient()
	c := &apiClient{http: client, base: "http://" + api.addr}
	if err := c.login(ctx); err != nil {
		return err
	}
	templates, err := c.templateIDs(ctx)
	if err != nil {
		return err
	}
	if err := c.createProjects(ctx, o.projects, templates); err != nil {
		return err
	}
	logf("logged in; %d templates, %d projects created", len(templates), o.projects)

	rep := &report{
		Machine: machine(),
		Config: runConfig{Rate: o.rate, DurationS: o.duration.Seconds(), WarmupS: o.warmup.Seconds(),
			Projects: o.projects, MaxInFlight: o.maxInFlight},
	}
	rep.Machine.Postgres = pgVersion
	auth := http.Header{"Authorization": {"Bearer " + c.token}}
	cfg := loadgen.Config{Rate: o.rate, Duration: o.duration, Warmup: o.warmup, MaxInFlight: o.maxInFlight}
	for _, ep := range []struct {
		path   string
		target bool
	}{{"/api/templates", true}, {"/api/projects", false}} {
		name := "GET " + ep.path
		logf("%s: %.0f req/s for %v after %v warmup", name, o.rate, o.duration, o.warmup)
		res, err := loadgen.Run(ctx, cfg, loadgen.HTTP(client, http.MethodGet, c.base+ep.path, auth))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		e := endpoint(name, res, ep.target)
		rep.Endpoints = append(rep.Endpoints, e)
		logf("%s", e.line())
	}

	afterRSS, peakRSS, err := api.memMB()
	if err != nil {
		return fmt.Errorf("after load (did the api die?): %w", err)
	}
	if o.wsClients > 0 {
		if rep.Events, err = runEventsBench(ctx, o, c, api, dbURL, templates); err != nil {
			return fmt.Errorf("live-events bench: %w", err)
		}
	}
	if stack != nil {
		if rep.Deploy, err = runDeployBench(ctx, o, c, stack, dbURL, templates); err != nil {
			return fmt.Errorf("deployment bench: %w", err)
		}
	}
	if o.mwRate > 0 {
		if rep.Middleware, err = runMiddlewareBench(ctx, o, c); err != nil {
			return fmt.Errorf("middleware bench: %w", err)
		}
	}
	if o.auditEvents > 0 {
		if rep.Audit, err = runAuditBench(ctx, o.auditEvents, c, dbURL); err != nil {
			return fmt.Errorf("audit bench: %w", err)
		}
	}
	if o.kpiDeploys > 0 {
		if rep.KPI, err = runKPIBench(ctx, o.kpiDeploys, c, dbURL); err != nil {
			return fmt.Errorf("analytics bench: %w", err)
		}
	}
	rep.Memory = memReport{IdleMB: idleRSS, AfterLoadMB: afterRSS, PeakMB: peakRSS,
		TargetMB: targetIdleRSSMB, Verdict: verdict(idleRSS < targetIdleRSSMB)}

	var text io.Writer = os.Stdout
	if o.json {
		text = os.Stderr
	}
	rep.writeText(text)
	if o.json {
		return rep.writeJSON(os.Stdout)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
