package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.temporal.io/sdk/client"
	"golang.org/x/net/publicsuffix"

	"github.com/forgeai/platform/api"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/appshost"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/deploying"
	"github.com/forgeai/platform/internal/oidc"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// listeners are the bound addresses of a running API process; metrics is
// nil when METRICS_ADDR is off.
type listeners struct {
	api, apps, metrics net.Listener
}

// listen binds every port first, so a port in use fails fast with a clear error.
func listen(cfg config.Config) (listeners, error) {
	apiLn, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return listeners{}, fmt.Errorf("HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	appsLn, err := net.Listen("tcp", cfg.AppsAddr)
	if err != nil {
		_ = apiLn.Close()
		return listeners{}, fmt.Errorf("APPS_ADDR %s: %w", cfg.AppsAddr, err)
	}
	ln := listeners{api: apiLn, apps: appsLn}
	if addr := cfg.Exposure.MetricsAddr; addr != config.MetricsOff {
		if ln.metrics, err = net.Listen("tcp", addr); err != nil {
			_, _ = apiLn.Close(), appsLn.Close()
			return listeners{}, fmt.Errorf("METRICS_ADDR %s: %w (set another address, or off)", addr, err)
		}
	}
	return ln, nil
}

// auditChainEvery is how often an API instance moves committed audit events
// from the outbox onto the hash chain (reads of the trail also do it first).
const auditChainEvery = 250 * time.Millisecond

// serve runs the API and the apps host until ctx is done, then lets in-flight
// requests finish within SHUTDOWN_TIMEOUT.
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, ln listeners, store *models.Store, arts artifacts.Store, tc client.Client) error {
	tokens, err := auth.NewTokens(cfg.JWTSecret, cfg.JWTIssuer, cfg.JWTAudience, cfg.JWTTTL, cfg.JWTPreviousSecrets...)
	if err != nil {
		return err
	}
	var sso api.OIDCProvider // nil unless OIDC_ISSUER is set
	if cfg.OIDC.Enabled() {
		p, err := oidc.New(ctx, cfg.OIDCConfig(), []byte(cfg.JWTSecret))
		if err != nil {
			return fmt.Errorf("single sign-on (OIDC_ISSUER %s): %w", cfg.OIDC.Issuer, err)
		}
		sso = p
	}
	streamCtx, stopStreams := context.WithCancel(ctx)
	defer stopStreams()
	hub := startEvents(streamCtx, cfg, store, log)
	wf := workflows.NewClient(tc).Describe(store, cfg.PublicURL)
	deployments := &deploying.Service{Store: store, Workflows: wf, Outcomes: wf, Log: log,
		Timers: workflows.ApprovalTimers{EscalateAfter: cfg.ApprovalEscalateAfter, Timeout: cfg.ApprovalTimeout}}
	go store.RunAuditChainer(streamCtx, auditChainEvery, log)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// One instance at a time reconciles (cmd/platform/reconcile.go).
	go leadReconcilers(streamCtx, cfg, reg, log, func(ctx context.Context) {
		var wg sync.WaitGroup // leadership ends once both stopped
		wg.Go(func() {
			reconcileApprovals(ctx, store, wf, cfg.ApprovalEscalateAfter, log, cfg.ReconcileInterval, cfg.ReconcileAfter)
		})
		reconcileDeployments(ctx, deployments, log, cfg.ReconcileInterval, cfg.ReconcileAfter)
		wg.Wait()
	})
	quotas, closeQuotas, err := openQuotas(ctx, cfg, log, reg)
	if err != nil {
		return err
	}
	defer closeQuotas()
	app := api.New(api.Options{
		Store: store, Tokens: tokens, Logger: log, Registry: reg, DevMode: cfg.DevMode,
		BodyLimit: cfg.BodyLimitBytes, Version: version,
		Onboarding: wf, ReminderAfter: cfg.OnboardingReminderAfter,
		Approvals: wf, ApprovalEscalateAfter: cfg.ApprovalEscalateAfter, ApprovalTimeout: cfg.ApprovalTimeout,
		Workflows: wf, AppsBaseURL: cfg.AppsBaseURL, TaskQueues: wf, CORSAllowedOrigins: cfg.Exposure.CORSAllowedOrigins,
		Hub: hub, Context: streamCtx,
		SessionTTL: cfg.SessionTTL, SecureCookies: strings.HasPrefix(cfg.PublicURL, "https://"),
		SessionCheckEvery: cfg.SessionCheckInterval, OIDC: sso,
		AI: ai.New(aiConfig(cfg, 3), ai.NewMetrics(reg)), ChatHistoryTokens: cfg.ChatHistoryTokens, ChatPerMinute: cfg.ChatPerMinute,
		Quotas: quotas,
		Limits: api.StreamLimits{
			ConnectionsPerUser: cfg.WSMaxConnectionsPerUser, SubscriptionsPerConn: cfg.WSMaxSubscriptions,
			AllowedOrigins: cfg.AllowedOrigins(), AllowAnyLocalhostOrigin: cfg.DevMode,
		},
		Checks: map[string]api.Checker{"database": storeCheck{store}, "temporal": temporalCheck{tc}},
	})
	origins, err := appshost.ParseOrigins(cfg.AppsBaseURL)
	if err != nil {
		return fmt.Errorf("APPS_BASE_URL: %w", err)
	}
	warnSharedSite(cfg, origins, log)
	apps := &http.Server{Handler: appshost.New(arts, releaseResolver{store}, origins, log).WithCacheBytes(cfg.Artifacts.AppsCacheBytes).WithTemplatePreviews(templatePreviews{store}, previewFrameAncestors(cfg)), ReadHeaderTimeout: 10 * time.Second}
	if ln.metrics != nil {
		// The backlog is read only when someone can scrape it.
		backlog := api.NewBacklogGauge(reg, workflows.NewBacklogs(tc, cfg.TemporalNamespace), workflows.Queues, log)
		go backlog.Run(streamCtx, cfg.Exposure.BacklogInterval)
		serveMetricsOn(ctx, ln.metrics, api.MetricsHandler(reg), cfg.Exposure.Pprof, log, "metrics listening")
	}

	errs := make(chan error, 2)
	go func() { errs <- app.Listener(ln.api) }()
	go func() {
		if err := apps.Serve(ln.apps); !errors.Is(err, http.ErrServerClosed) {
			errs <- err
			return
		}
		errs <- nil
	}()
	select {
	case err := <-errs:
		_ = app.Shutdown()
		_ = apps.Close()
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("http servers stopping", "timeout", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	return errors.Join(app.ShutdownWithContext(shutdownCtx), apps.Shutdown(shutdownCtx))
}

type storeCheck struct{ s *models.Store }

func (c storeCheck) Check(ctx context.Context) error { return c.s.Ping(ctx) }

type temporalCheck struct{ c client.Client }

func (c temporalCheck) Check(ctx context.Context) error {
	_, err := c.c.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}

// warnSharedSite warns when the apps' domain and the API's host are one site
// (the same registrable domain, e.g. apps.example.com and
// platform.example.com): an app's script can then set cookies for the
// shared parent domain, which the browser sends to the API too. Each app
// keeps its own origin either way; a domain of their own (apps-example.net)
// removes that last link. localhost is exempt (development).
func warnSharedSite(cfg config.Config, apps appshost.Origins, log *slog.Logger) {
	u, err := url.Parse(cfg.PublicURL)
	if err != nil {
		return
	}
	apiSite, err1 := publicsuffix.EffectiveTLDPlusOne(strings.ToLower(u.Hostname()))
	appsSite, err2 := publicsuffix.EffectiveTLDPlusOne(apps.Domain())
	if err1 == nil && err2 == nil && apiSite == appsSite {
		log.Warn("APPS_BASE_URL shares its site with PUBLIC_URL: published apps can set cookies the API receives; serve apps from a domain of their own",
			"site", apiSite, "apps_domain", apps.Domain())
	}
}
