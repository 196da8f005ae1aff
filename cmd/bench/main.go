// Command bench measures the platform against its targets and prints the
// figures. It is a report, not a test: it exits 0 when a target is missed
// and non-zero only when the bench itself could not run.
//
// It creates a throw-away Postgres schema, migrates it with `platform
// migrate`, starts `platform api` (and a Temporal dev server and `platform
// worker` for the deployment section) against it, seeds a user and projects
// over HTTP, then runs every section -reps times (3): the GET endpoints at
// a fixed rate (internal/loadgen), the platform beside a bare net/http + pgx
// baseline (compare.go, baseline.go), live events, deployments, the
// middleware's cost; then audit verify and the KPIs, each seeded once and
// measured -reps times. It closes with a table of every figure (min,
// median, max, each repetition; a target passes only when every repetition
// meets it) and the CPU each process used during each measurement.
//
//	go run ./cmd/bench [-platform bin/platform] [-weed bin/weed] [-reps 3] [-db URL] [-rate 500] [-duration 10s] [-warmup 2s] [-projects 50] [-compare-clients 32,64] [-compare-rate 1000] [-middleware-rate 200] [-middleware-duration 240s] [-audit-events 100000] [-kpi-deployments 100000] [-json]
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
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
	weed        string
	deploys     int
	sequential  int
	rounds      int
	wsClients   int
	eventRate   float64
	kpiDeploys  int
	mwRate      float64
	mwDuration  time.Duration
	auditEvents int
	reps        int
	// The side-by-side section: closed-loop client counts (none skips
	// it) and the fixed rate for GET /api/templates on both servers.
	compareClients []int
	compareRate    float64
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
	flag.StringVar(&o.weed, "weed", "bin/weed", "SeaweedFS, for the deployment bench's rounds with the artifacts on S3 (empty skips them)")
	flag.IntVar(&o.deploys, "deploys", 50, "concurrent deployments in the deployment bench (0 skips it)")
	flag.IntVar(&o.sequential, "sequential", 10, "deployments one after another, for single-deploy latency")
	flag.IntVar(&o.rounds, "rounds", 5, "rounds of concurrent deployments and no-op workflows, interleaved; the ratio is their median")
	flag.IntVar(&o.wsClients, "ws-clients", 1000, "WebSocket clients in the live-events bench (0 skips it)")
	flag.Float64Var(&o.eventRate, "event-rate", 200, "events appended per second in the live-events bench")
	flag.Float64Var(&o.mwRate, "middleware-rate", 200, "requests per second, six kinds in turn, for -middleware-duration after -warmup in the middleware-cost section (0 skips it)")
	flag.DurationVar(&o.mwDuration, "middleware-duration", 240*time.Second, "measured duration of the middleware-cost section (longer than -duration: a p95 difference needs thousands of samples)")
	flag.IntVar(&o.auditEvents, "audit-events", 100000, "audit events appended for the GET /api/audit/verify timing (0 skips it)")
	flag.IntVar(&o.kpiDeploys, "kpi-deployments", 100000, "deployments seeded for the GET /api/analytics/kpis timing, run last (0 skips it)")
	flag.IntVar(&o.reps, "reps", 3, "repetitions of every measurement; a target passes only when it holds in every one")
	clients := flag.String("compare-clients", defaultCompareCli, "closed-loop client counts for the platform-beside-baseline saturation runs, comma-separated (empty skips the section)")
	flag.Float64Var(&o.compareRate, "compare-rate", 1000, "fixed rate for GET /api/templates on the platform and the baseline (0 skips it)")
	serve := flag.String(serveBaselineFlag, "", "internal: serve the bare baseline on this address (the bench starts it itself)")
	flag.Parse()

	if *serve != "" {
		if err := serveBaseline(*serve); err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			os.Exit(1)
		}
		return
	}
	var err error
	if o.compareClients, err = parseClients(*clients); err != nil {
		fmt.Fprintf(os.Stderr, "bench: -compare-clients: %v\n", err)
		os.Exit(2)
	}
	if o.rate <= 0 || o.duration <= 0 || o.warmup < 0 || o.projects < 0 || o.maxInFlight <= 0 || o.rounds < 1 || o.reps < 1 || o.compareRate < 0 || o.mwDuration <= 0 {
		fmt.Fprintln(os.Stderr, "bench: need -rate > 0, -duration > 0, -warmup >= 0, -projects >= 0, -max-inflight > 0, -rounds >= 1, -reps >= 1, -compare-rate >= 0, -middleware-duration > 0")
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
	// The api's JWT secret is the bench's, so the baseline can verify the
	// same tokens (the later JWT_SECRET wins over startAPI's own).
	secret, err := randomHex(24)
	if err != nil {
		return err
	}
	// Room for the live-events clients of one repetition while the last
	// one's are still closing, and the deployment section's own sockets.
	apiEnv := []string{"JWT_SECRET=" + secret, fmt.Sprintf("WS_MAX_CONNECTIONS_PER_USER=%d", 2*max(o.wsClients, 1)+16)}
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
		Config: runConfig{Reps: o.reps, Rate: o.rate, DurationS: o.duration.Seconds(), WarmupS: o.warmup.Seconds(),
			Projects: o.projects, MaxInFlight: o.maxInFlight, CompareClients: o.compareClients, CompareRate: o.compareRate},
		Memory: memReport{IdleMB: idleRSS, TargetMB: targetIdleRSSMB, Verdict: verdict(idleRSS < targetIdleRSSMB)},
	}
	rep.Machine.Postgres = pgVersion
	cpu := &cpuLog{cpus: rep.Machine.NumCPU}
	// Whatever was measured is printed, also when a later section fails.
	defer func() {
		rep.CPU = cpu.samples
		rep.finish()
		if err != nil {
			logf("the bench stopped early; what it measured so far:")
			rep.writeText(os.Stderr)
			return
		}
		var text io.Writer = os.Stdout
		if o.json {
			text = os.Stderr
		}
		rep.writeText(text)
		if o.json {
			err = rep.writeJSON(os.Stdout)
		}
	}()

	// The middleware section's repetitions first, on the platform as it
	// starts (see runMiddlewareBench for why).
	if o.mwRate > 0 {
		for i := 1; i <= o.reps; i++ {
			cpu.setRep(i)
			m, err := runMiddlewareBench(ctx, o, c, dbURL, cpu)
			if err != nil {
				return fmt.Errorf("middleware bench: %w", err)
			}
			rep.Middleware = append(rep.Middleware, m)
		}
	}
	// One-time setup of the sections that repeat.
	var base *apiProc
	var cmp *compareSetup
	if len(o.compareClients) > 0 || o.compareRate > 0 {
		if base, err = startBaseline(ctx, dbURL, secret); err != nil {
			return err
		}
		defer func() {
			base.stop(5 * time.Second)
			if err == nil {
				os.Remove(base.logPath)
			}
		}()
		logf("baseline server up on %s", base.addr)
		if cmp, err = setupCompare(ctx, c, "http://"+base.addr, dbURL, templates); err != nil {
			return fmt.Errorf("platform beside the baseline: %w", err)
		}
	}
	var streams []string
	if o.wsClients > 0 {
		if streams, err = setupEvents(ctx, c, templates); err != nil {
			return fmt.Errorf("live-events bench: %w", err)
		}
	}
	var deploys *deployBench
	if stack != nil {
		if deploys, err = setupDeployBench(ctx, o, c, stack, dbURL, templates); err != nil {
			return fmt.Errorf("deployment bench: %w", err)
		}
	}

	auth := http.Header{"Authorization": {"Bearer " + c.token}}
	cfg := loadgen.Config{Rate: o.rate, Duration: o.duration, Warmup: o.warmup, MaxInFlight: o.maxInFlight}
	for i := 1; i <= o.reps; i++ {
		cpu.setRep(i)
		logf("=== repetition %d of %d ===", i, o.reps)
		p := passReport{Rep: i}
		rep.Passes = append(rep.Passes, p)
		cur := &rep.Passes[len(rep.Passes)-1]
		for _, ep := range []struct {
			path   string
			target bool
		}{{"/api/templates", true}, {"/api/projects", false}} {
			name := "GET " + ep.path
			logf("%s: %.0f req/s for %v after %v warmup", name, o.rate, o.duration, o.warmup)
			done := cpu.start(fmt.Sprintf("%s at %.0f req/s", name, o.rate))
			res, err := loadgen.Run(ctx, cfg, loadgen.HTTP(client, http.MethodGet, c.base+ep.path, auth))
			done()
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			e := endpoint(name, res, ep.target)
			cur.Endpoints = append(cur.Endpoints, e)
			logf("%s", e.line())
		}
		if cur.AfterLoadRSSMB, cur.PeakRSSMB, err = api.memMB(); err != nil {
			return fmt.Errorf("after load (did the api die?): %w", err)
		}
		if cmp != nil {
			if cur.Compare, err = runCompare(ctx, o, c, "http://"+base.addr, cmp, cpu, i); err != nil {
				return fmt.Errorf("platform beside the baseline: %w", err)
			}
		}
		if o.wsClients > 0 {
			if cur.Events, err = runEventsBench(ctx, o, c, api, dbURL, streams, cpu); err != nil {
				return fmt.Errorf("live-events bench: %w", err)
			}
		}
		if deploys != nil {
			if cur.Deploy, err = deploys.run(ctx, o, c, stack, cpu); err != nil {
				return fmt.Errorf("deployment bench: %w", err)
			}
		}
	}
	// The expensive seeds, once each, then measured -reps times; last,
	// because the rows they add would change the sections above.
	if o.auditEvents > 0 {
		seedS, err := setupAudit(ctx, o.auditEvents, c, dbURL)
		if err != nil {
			return fmt.Errorf("audit bench: %w", err)
		}
		for i := 1; i <= o.reps; i++ {
			cpu.setRep(i)
			a, err := runAuditBench(ctx, o.auditEvents, seedS, c, cpu)
			if err != nil {
				return fmt.Errorf("audit bench: %w", err)
			}
			rep.Audit = append(rep.Audit, a)
		}
	}
	if o.kpiDeploys > 0 {
		seeded, err := setupKPI(ctx, o.kpiDeploys, dbURL)
		if err != nil {
			return fmt.Errorf("analytics bench: %w", err)
		}
		for i := 1; i <= o.reps; i++ {
			cpu.setRep(i)
			k, err := runKPIBench(ctx, seeded, c, cpu)
			if err != nil {
				return fmt.Errorf("analytics bench: %w", err)
			}
			rep.KPI = append(rep.KPI, k)
		}
	}
	return nil
}

// parseClients reads "32,64"; empty is none.
func parseClients(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 4096 {
			return nil, fmt.Errorf("%q is not a client count from 1 to 4096", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
