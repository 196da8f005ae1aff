package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.temporal.io/sdk/client"

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

// listeners are the bound addresses of a running API process.
type listeners struct {
	api, apps net.Listener
}

// listen binds both ports first, so a port in use fails fast with a clear error.
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
	return listeners{api: apiLn, apps: appsLn}, nil
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
	wf := workflows.NewClient(tc)
	deployments := &deploying.Service{Store: store, Workflows: wf, Outcomes: wf, Log: log,
		Timers: workflows.ApprovalTimers{EscalateAfter: cfg.ApprovalEscalateAfter, Timeout: cfg.ApprovalTimeout}}
	go store.RunAuditChainer(streamCtx, auditChainEvery, log)
	go reconcileDeployments(streamCtx, deployments, log, cfg.ReconcileInterval, cfg.ReconcileAfter)
	go reconcileApprovals(streamCtx, store, wf, cfg.ApprovalEscalateAfter, log, cfg.ReconcileInterval, cfg.ReconcileAfter)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
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
		Workflows: wf, AppsBaseURL: cfg.AppsBaseURL, TaskQueues: wf,
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
	apps := &http.Server{Handler: appshost.New(arts, releaseResolver{store}, log).WithTemplatePreviews(templatePreviews{store}, previewFrameAncestors(cfg)), ReadHeaderTimeout: 10 * time.Second}

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
