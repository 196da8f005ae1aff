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
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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
	// ChatPerMinute caps chat messages per user and minute on this instance (0: 30).
	ChatPerMinute int
	// TaskQueues tells which task queues no worker polls, so an active
	// deployment shows what it waits for; nil leaves that out. One look
	// serves all requests for WorkerCheckEvery (0: 5s).
	TaskQueues       TaskQueues
	WorkerCheckEvery time.Duration
}

// Server holds the handlers' dependencies.
type Server struct {
	store    Store
	tokens   *auth.Tokens
	checks   map[string]Checker
	log      *slog.Logger
	metrics  *httpMetrics
	validate *validator.Validate
	devMode  bool
	version  string
	schemas  sync.Map // template content digest → *catalog.Schema

	workflows   Workflows
	appsBaseURL string

	hub    Hub
	limits StreamLimits
	conns  connCounter
	ctx    context.Context

	ai         ai.Provider
	chatBudget int

	approvals        Approvals
	approvalEscalate time.Duration
	approvalTimeout  time.Duration
	onboarding       Onboarding
	reminderAfter    time.Duration
	workers          *workerWatch
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
	}
	if o.WorkerCheckEvery <= 0 {
		o.WorkerCheckEvery = workerCheckTTL
	}
	s.workers = newWorkerWatch(o.TaskQueues, o.WorkerCheckEvery, o.Logger)
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
		ErrorHandler:          errorHandler(o.Logger),
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
	})
	app.Use(requestIDs())
	app.Use(s.accessLog())
	app.Use(recover.New())

	s.routes(app, o)
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
	return app
}

// perUserLimit bounds a costly route (AI calls) per user and minute, in this
// instance's memory: with N instances a user gets at most N times the limit.
func perUserLimit(perMinute int) fiber.Handler {
	if perMinute <= 0 {
		perMinute = 30
	}
	return limiter.New(limiter.Config{
		Max: perMinute, Expiration: time.Minute,
		// The limiter keeps each key in its map after the request ends. The
		// user id was loaded from the database, so it is not a view of Fiber's
		// reused buffers; a key from c.Get, c.Params or c.Query would need
		// strings.Clone.
		KeyGenerator: func(c *fiber.Ctx) string { return currentUserID(c) },
		LimitReached: func(*fiber.Ctx) error {
			return &Error{Status: fiber.StatusTooManyRequests, Code: "rate_limited", Message: "too many messages; try again in a minute"}
		},
	})
}

// routes registers every endpoint. Authentication is per route, not a group
// middleware, so unknown paths stay 404.
func (s *Server) routes(app *fiber.App, o Options) {
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(o.Registry, promhttp.HandlerOpts{})))

	authed := func(h fiber.Handler) []fiber.Handler { return []fiber.Handler{s.requireAuth, h} }
	r := app.Group("/api")
	if s.devMode {
		r.Post("/auth/dev-login", s.devLogin)
	}
	r.Get("/openapi.json", s.openAPISpec)
	r.Get("/ws", s.wsUpgrade, websocket.New(s.wsHandler, websocket.Config{ReadBufferSize: 4096, WriteBufferSize: 4096}))
	r.Get("/events", authed(s.sse)...)
	r.Get("/templates", s.optionalAuth, s.listTemplates)
	r.Post("/templates", authed(s.submitTemplate)...)
	r.Get("/templates/:id", s.optionalAuth, s.getTemplate)

	r.Get("/user/profile", authed(s.getProfile)...)
	r.Patch("/user/profile", authed(s.updateProfile)...)
	r.Put("/templates/:id/rating", authed(s.rateTemplate)...)
	r.Put("/templates/:id/favorite", authed(s.favoriteTemplate)...)
	r.Delete("/templates/:id/favorite", authed(s.unfavoriteTemplate)...)
	r.Post("/projects", authed(s.createProject)...)
	r.Get("/projects", authed(s.listProjects)...)
	r.Get("/projects/:id", authed(s.getProject)...)
	r.Patch("/projects/:id", authed(s.updateProject)...)
	r.Delete("/projects/:id", authed(s.deleteProject)...)
	r.Post("/projects/:id/deployments", authed(s.deployProject)...)
	r.Post("/projects/:id/deploy", authed(s.deployProject)...)
	r.Get("/projects/:id/deployments", authed(s.listDeployments)...)
	r.Post("/projects/:id/rollback", authed(s.rollbackProject)...)
	r.Get("/deployments/:id", authed(s.getDeployment)...)
	r.Post("/deployments/:id/cancel", authed(s.cancelDeployment)...)
	r.Post("/user/role-requests", authed(s.requestRole)...)
	r.Get("/onboarding", authed(s.getOnboarding)...)
	r.Post("/onboarding/steps/:step", authed(s.postOnboardingStep)...)
	r.Get("/approvals", authed(s.listApprovals)...)
	r.Get("/approvals/:id", authed(s.getApproval)...)
	r.Post("/approvals/:id/approve", authed(s.approveApproval)...)
	r.Post("/approvals/:id/reject", authed(s.rejectApproval)...)
	r.Post("/chat/sessions", authed(s.createChatSession)...)
	r.Get("/chat/sessions", authed(s.listChatSessions)...)
	r.Get("/chat/sessions/:id", authed(s.getChatSession)...)
	r.Delete("/chat/sessions/:id", authed(s.deleteChatSession)...)
	r.Post("/chat/sessions/:id/messages", s.requireAuth, perUserLimit(o.ChatPerMinute), s.postChatMessage)
	r.Post("/chat/sessions/:id/proposals/:pid/apply", authed(s.applyProposal)...)
}
