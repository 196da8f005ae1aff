// Package api is the platform's HTTP API: routes, handlers, middleware and
// request/response types. Handlers never wait on workflows.
package api

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/auth"
)

// Checker reports whether a dependency is reachable, for /readyz.
type Checker interface {
	Check(ctx context.Context) error
}

// Options configure a Server.
type Options struct {
	Store     Store
	Tokens    *auth.Tokens
	Checks    map[string]Checker // name → dependency, e.g. database, temporal
	Logger    *slog.Logger
	Registry  *prometheus.Registry
	DevMode   bool
	BodyLimit int
	Version   string
	Workflows Workflows
	// AppsBaseURL is the public origin of the apps host, for preview URLs.
	AppsBaseURL string
	// Hub serves live events over WebSocket and SSE; Limits bound them.
	Hub    Hub
	Limits StreamLimits
	// Context ends when the server shuts down; streams close with it.
	Context context.Context
	// AI answers chat; ChatHistoryTokens bounds the history sent to it.
	AI                ai.Provider
	ChatHistoryTokens int
	// Approvals runs approval workflows; their escalation delay and timeout.
	Approvals             Approvals
	ApprovalEscalateAfter time.Duration
	ApprovalTimeout       time.Duration
	// Onboarding runs onboarding workflows; ReminderAfter is their inactivity reminder.
	Onboarding    Onboarding
	ReminderAfter time.Duration
	// ChatPerMinute caps chat messages per user and minute (0: 30), unless
	// Quotas.Limits sets it.
	ChatPerMinute int
	// Quotas bound deployments, code generation, AI tokens, sign-ins and
	// anonymous use (api/quota.go); the zero value limits only chat, in memory.
	Quotas Quotas
	// TaskQueues tells which task queues no worker polls, so an active
	// deployment shows what it waits for; nil leaves that out. One look
	// serves all requests for WorkerCheckEvery (0: 5s).
	TaskQueues       TaskQueues
	WorkerCheckEvery time.Duration
	// SessionTTL is how long a sign-in lasts (0: 7 days); SecureCookies
	// marks the session cookies Secure (PUBLIC_URL is https). Live
	// connections look at their session every SessionCheckEvery (0: 30s).
	SessionTTL        time.Duration
	SecureCookies     bool
	SessionCheckEvery time.Duration
	// RefreshReuseGrace lets tabs that refresh at the same moment share a
	// refresh token (0: 10s); a rotated token used later revokes its session.
	RefreshReuseGrace time.Duration
	// OIDC signs users in with an OpenID Connect provider; nil disables it.
	OIDC OIDCProvider
	// CORSAllowedOrigins may call the API from a browser on another origin,
	// with a Bearer token (CORS_ALLOWED_ORIGINS); none: same-origin only.
	// SecureCookies (PUBLIC_URL is https) also turns on HSTS.
	CORSAllowedOrigins []string
}

// Server holds the handlers' dependencies.
type Server struct {
	store  Store
	tokens *auth.Tokens
	csrf   *auth.CSRF
	oidc   OIDCProvider

	sessionTTL        time.Duration
	secureCookies     bool
	sessionCheckEvery time.Duration
	refreshGrace      time.Duration
	checks            map[string]Checker
	log               *slog.Logger
	metrics           *httpMetrics
	validate          *validator.Validate
	devMode           bool
	version           string
	openAPI           []byte   // what GET /api/openapi.json answers (OpenAPI)
	schemas           sync.Map // template content digest → *catalog.Schema
	templateLists     templateListCache

	workflows   Workflows
	appsBaseURL string

	hub    Hub
	limits StreamLimits
	conns  connCounter
	// sockets lets deactivation close a user's live WebSockets.
	sockets userSockets
	ctx     context.Context

	ai         ai.Provider
	chatBudget int

	approvals        Approvals
	approvalEscalate time.Duration
	approvalTimeout  time.Duration
	onboarding       Onboarding
	reminderAfter    time.Duration
	workers          *workerWatch
	quotas           quotaState
}

// New builds the Fiber app with every route and middleware.
func New(o Options) *fiber.App {
	s := &Server{
		store: o.Store, tokens: o.Tokens, checks: o.Checks, log: o.Logger,
		metrics: newHTTPMetrics(o.Registry), validate: newValidator(), devMode: o.DevMode, version: o.Version,
		workflows: o.Workflows, appsBaseURL: o.AppsBaseURL,
		hub: o.Hub, limits: o.Limits, ctx: o.Context, ai: o.AI, chatBudget: o.ChatHistoryTokens,
		approvals: o.Approvals, approvalEscalate: o.ApprovalEscalateAfter, approvalTimeout: o.ApprovalTimeout,
		onboarding: o.Onboarding, reminderAfter: o.ReminderAfter,
		csrf: o.Tokens.CSRF(), oidc: o.OIDC, sessionTTL: o.SessionTTL, secureCookies: o.SecureCookies,
		sessionCheckEvery: o.SessionCheckEvery, refreshGrace: o.RefreshReuseGrace,
		openAPI: OpenAPI(o),
	}
	if s.refreshGrace <= 0 {
		s.refreshGrace = 10 * time.Second
	}
	if s.sessionTTL <= 0 {
		s.sessionTTL = 7 * 24 * time.Hour
	}
	if s.sessionCheckEvery <= 0 {
		s.sessionCheckEvery = 30 * time.Second
	}
	if o.WorkerCheckEvery <= 0 {
		o.WorkerCheckEvery = workerCheckTTL
	}
	s.workers = newWorkerWatch(o.TaskQueues, o.WorkerCheckEvery, o.Logger)
	s.setupQuotas(o)
	if s.reminderAfter <= 0 {
		s.reminderAfter = 24 * time.Hour
	}
	if s.approvalTimeout <= 0 {
		s.approvalTimeout = 72 * time.Hour
	}
	if s.ai == nil {
		s.ai = ai.NewOffline()
	}
	if s.chatBudget <= 0 {
		s.chatBudget = 6000
	}
	if s.ctx == nil {
		s.ctx = context.Background()
	}
	if s.limits.ConnectionsPerUser == 0 {
		s.limits.ConnectionsPerUser = defaultMaxConns
	}
	if s.limits.SubscriptionsPerConn == 0 {
		s.limits.SubscriptionsPerConn = defaultMaxSubs
	}
	app := fiber.New(fiber.Config{
		AppName:               "platform-api",
		BodyLimit:             o.BodyLimit,
		ErrorHandler:          errorHandler(o.Logger, o.SecureCookies),
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
	})
	app.Use(requestIDs())
	app.Use(s.accessLog())
	app.Use(recover.New())
	useSecurityMiddleware(app, o.SecureCookies, o.CORSAllowedOrigins) // api/security_headers.go

	s.routes(app, o)
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	return app
}

// routes registers every endpoint, each with the access it needs (see
// handle). Authentication is per route, not a group middleware, so unknown
// paths stay 404.
func (s *Server) routes(app *fiber.App, o Options) {
	const get, post, put, patch, del = fiber.MethodGet, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete
	s.handle(app, get, "/healthz", Public, s.healthz)
	s.handle(app, get, "/readyz", Public, s.readyz)
	// /metrics is not on this listener: cmd/platform serves MetricsHandler
	// on METRICS_ADDR, which the public does not reach.

	r := app.Group("/api")
	if s.devMode {
		s.handle(r, post, "/auth/dev-login", Public, s.limitSignIn, s.devLogin)
	}
	s.handle(r, get, "/auth/config", Public, s.limitAnonymous, s.authConfig)
	// Refresh and logout find their session themselves (refresh token,
	// access token or cookie, with the CSRF token for a cookie).
	s.handle(r, post, "/auth/refresh", Public, s.limitSignIn, s.refresh)
	s.handle(r, post, "/auth/logout", Public, s.limitAnonymous, s.logout)
	if s.oidc != nil { // routed only with a provider (OIDC_ISSUER), like dev login in dev mode
		s.handle(r, get, "/auth/oidc/login", Public, s.limitSignIn, s.oidcLogin)
		s.handle(r, get, "/auth/callback", Public, s.limitSignIn, s.oidcCallback)
	}
	s.handle(r, get, "/openapi.json", Public, s.limitAnonymous, s.openAPISpec)
	s.handle(r, get, "/ws", SignedInOnSocket, s.limitAnonymous, s.wsUpgrade, websocket.New(s.wsHandler, wsConfig()))
	s.handle(r, get, "/events", SignedIn, s.sse)
	s.handle(r, get, "/templates", Personalised, s.limitAnonymous, s.listTemplates)
	s.handle(r, post, "/templates", auth.SubmitTemplate, s.submitTemplate)
	s.handle(r, get, "/templates/:id", Personalised, s.limitAnonymous, s.getTemplate)
	s.handle(r, put, "/templates/:id/rating", auth.ReadTemplates, s.rateTemplate)
	s.handle(r, put, "/templates/:id/favorite", auth.ReadTemplates, s.favoriteTemplate)
	s.handle(r, del, "/templates/:id/favorite", auth.ReadTemplates, s.unfavoriteTemplate)

	s.handle(r, get, "/user/profile", SignedIn, s.getProfile)
	s.handle(r, patch, "/user/profile", SignedIn, s.updateProfile)
	s.handle(r, post, "/user/role-requests", SignedIn, s.requestRole)
	s.handle(r, get, "/onboarding", SignedIn, s.getOnboarding)
	s.handle(r, post, "/onboarding/steps/:step", SignedIn, s.postOnboardingStep)

	// Projects and deployments are the owner's: handlers answer 404 for others'.
	s.handle(r, post, "/projects", auth.CreateProject, s.createProject)
	s.handle(r, get, "/projects", SignedIn, s.listProjects)
	s.handle(r, get, "/projects/:id", SignedIn, s.getProject)
	s.handle(r, patch, "/projects/:id", auth.CreateProject, s.updateProject)
	s.handle(r, del, "/projects/:id", SignedIn, s.deleteProject)
	// Anyone who may create a project may deploy it; without deploy:project
	// the deployment waits for an approval.
	s.handle(r, post, "/projects/:id/deployments", auth.CreateProject, s.limitDeploy, s.deployProject)
	s.handle(r, post, "/projects/:id/deploy", auth.CreateProject, s.limitDeploy, s.deployProject)
	s.handle(r, get, "/projects/:id/deployments", SignedIn, s.listDeployments)
	s.handle(r, post, "/projects/:id/rollback", auth.DeployProject, s.limitRollback, s.rollbackProject)
	s.handle(r, get, "/deployments/:id", SignedIn, s.getDeployment)
	s.handle(r, post, "/deployments/:id/cancel", SignedIn, s.cancelDeployment)

	// Who may decide an approval depends on its type: the workflow checks
	// the decider against the approval's eligible roles.
	s.handle(r, get, "/approvals", SignedIn, s.listApprovals)
	s.handle(r, get, "/approvals/:id", SignedIn, s.getApproval)
	s.handle(r, post, "/approvals/:id/approve", SignedIn, s.approveApproval)
	s.handle(r, post, "/approvals/:id/reject", SignedIn, s.rejectApproval)
	// Only who may decide the approval now gets a token (the handler checks).
	s.handle(r, post, "/approvals/:id/decision-token", SignedIn, s.decisionToken)

	s.handle(r, post, "/chat/sessions", auth.Chat, s.createChatSession)
	s.handle(r, get, "/chat/sessions", SignedIn, s.listChatSessions)
	s.handle(r, get, "/chat/sessions/:id", SignedIn, s.getChatSession)
	s.handle(r, del, "/chat/sessions/:id", SignedIn, s.deleteChatSession)
	s.handle(r, post, "/chat/sessions/:id/messages", auth.Chat, s.limitChat, s.postChatMessage)
	s.handle(r, post, "/chat/sessions/:id/proposals/:pid/apply", auth.Chat, s.applyProposal)

	// Administration. There is deliberately no route that sets a role:
	// roles change only through approvals (POST /user/role-requests).
	s.handle(r, get, "/admin/users", auth.AdminUsers, s.listUsers)
	s.handle(r, post, "/admin/users/:id/deactivate", auth.AdminUsers, s.deactivateUser)
	s.handle(r, post, "/admin/users/:id/reactivate", auth.AdminUsers, s.reactivateUser)
	s.handle(r, get, "/admin/projects", auth.AdminUsers, s.listAllProjects)
	s.handle(r, get, "/admin/deployments", auth.AdminUsers, s.listAllDeployments)
	s.handle(r, post, "/templates/:id/unpublish", auth.PublishTemplate, s.unpublishTemplate)

	// The audit trail, read-only: the audit middleware and the store write it.
	s.handle(r, get, "/audit", auth.ReadAudit, s.listAudit)
	s.handle(r, get, "/audit/verify", auth.ReadAudit, s.verifyAudit)
	s.handle(r, get, "/audit/report", auth.ReadAudit, s.auditReport)

	// Key figures from SQL aggregates (models.KPIs).
	s.handle(r, get, "/analytics/kpis", auth.ReadAnalytics, s.analyticsKPIs)

	// Stored notifications, each user's own: another's answers 404.
	s.handle(r, get, "/notifications", SignedIn, s.listNotifications)
	s.handle(r, get, "/notifications/unread-count", SignedIn, s.unreadNotifications)
	s.handle(r, post, "/notifications/read-all", SignedIn, s.readAllNotifications)
	s.handle(r, post, "/notifications/:id/read", SignedIn, s.readNotification)

	if benchRoutes != nil {
		benchRoutes(s, app) // only in a binary built with -tags bench
	}
	s.handle(app, get, "/*", Public, s.webApp()) // the web app: every other GET (api/webapp.go)
	s.handle(app, fiber.MethodHead, "/*", Public, s.webApp())
}
