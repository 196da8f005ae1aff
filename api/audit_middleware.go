package api

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/models"
)

// AuditStore is what the audit trail needs from persistence.
type AuditStore interface {
	FinishAudit(ctx context.Context, p *models.PendingAudit, outcome string, status int) (bool, error)
	AppendAudit(ctx context.Context, events ...models.AuditEvent) error
	ListAudit(ctx context.Context, f models.AuditFilter) ([]models.AuditEvent, int64, error)
	VerifyAudit(ctx context.Context) (models.AuditVerification, error)
	AuditReport(ctx context.Context, from, to time.Time) ([]models.AuditDay, error)
}

var _ AuditStore = (*models.Store)(nil)

const (
	keyAuditActor ctxKey = 200
	// keyAuditReason says why a request was refused (e.g. a reused refresh
	// token), for the event's metadata.
	keyAuditReason ctxKey = 201
)

// auditActions names the requests the compliance report counts; any other
// mutating request is models.AuditRequest with its route in the metadata.
var auditActions = map[string]string{
	"POST /api/auth/dev-login":           models.AuditSignIn,
	"GET /api/auth/callback":             models.AuditSignIn,
	"POST /api/auth/refresh":             models.AuditRefresh,
	"POST /api/auth/logout":              models.AuditLogout,
	"POST /api/projects/:id/deployments": models.AuditDeploy,
	"POST /api/projects/:id/deploy":      models.AuditDeploy,
	"POST /api/projects/:id/rollback":    models.AuditRollback,
}

// auditTrail records one audit event per mutating request under /api,
// allowed or not. The event rides in the request's context: the first store
// transaction of the handler that commits writes it with the change (one
// more insert in a transaction that exists anyway); if none does (a denial,
// invalid input, a rollback, a write outside such a transaction) it is
// written here after the handler, with the answer's status. Reads are not
// recorded and cost nothing. It runs the rest of the chain (c.Next) itself:
// accessLog calls it, so the event's request id is the one logged.
func (s *Server) auditTrail(c *fiber.Ctx) error {
	store, ok := s.store.(AuditStore)
	if !ok || !audited(c) {
		return c.Next()
	}
	p := models.NewPendingAudit(models.AuditEvent{
		RequestID: requestID(c), IP: strings.Clone(c.IP()), UserAgent: strings.Clone(c.Get(fiber.HeaderUserAgent)),
	}, func(e *models.AuditEvent) { describeRequest(c, e) })
	c.SetUserContext(models.WithPendingAudit(c.UserContext(), p))
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		status = toAPIError(err).Status // the error handler has not run yet
	}
	outcome := auditOutcome(status)
	if _, refused := c.Locals(keyAuditReason).(string); refused {
		outcome = models.AuditDenied // e.g. a sign-in sent back to the sign-in page
	}
	if _, aerr := store.FinishAudit(context.WithoutCancel(c.UserContext()), p, outcome, status); aerr != nil {
		s.log.LogAttrs(c.UserContext(), slog.LevelError, "audit event not written",
			slog.String("request_id", requestID(c)), slog.String("error", aerr.Error()))
	}
	return err
}

// audited reports whether the request writes an audit event: every
// mutating request under /api, and the OIDC callback (a GET that signs in).
func audited(c *fiber.Ctx) bool {
	path := c.Path()
	return (mutating(c.Method()) && strings.HasPrefix(path, "/api/")) || path == oidcCallbackPath
}

func mutating(method string) bool {
	switch method {
	case fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete:
		return true
	}
	return false
}

// auditOutcome classifies an answer: refused for want of a sign-in or a
// permission is denied, any other error failed.
func auditOutcome(status int) string {
	switch {
	case status == fiber.StatusUnauthorized || status == fiber.StatusForbidden:
		return models.AuditDenied
	case status >= 400:
		return models.AuditFailed
	default:
		return models.AuditAllowed
	}
}

// describeRequest fills in what is known once the route matched and the
// handler ran: actor, action and resource (the route's first segment after
// /api and its :id).
func describeRequest(c *fiber.Ctx, e *models.AuditEvent) {
	u := currentUser(c)
	if u.ID == "" {
		u, _ = c.Locals(keyAuditActor).(models.User)
	}
	e.ActorID, e.ActorEmail = u.ID, u.Email
	method, route := methodOf(c), routeOf(c)
	e.Action = auditActions[method+" "+route]
	if e.Action == "" {
		e.Action = models.AuditRequest
	}
	if rest, ok := strings.CutPrefix(route, "/api/"); ok {
		e.ResourceType, _, _ = strings.Cut(rest, "/")
		if strings.Contains(route, "/:id") {
			e.ResourceID = strings.Clone(c.Params("id"))
		}
	}
	meta := map[string]any{"method": method, "route": route}
	if reason, ok := c.Locals(keyAuditReason).(string); ok {
		meta["reason"] = reason
	}
	e.Metadata = models.AuditMetadata(meta)
}

// recordSignIn names u as the actor of the request's audit event (dev login,
// OIDC callback), which the new session's transaction writes.
func (s *Server) recordSignIn(c *fiber.Ctx, u models.User) {
	c.Locals(keyAuditActor, u)
}
