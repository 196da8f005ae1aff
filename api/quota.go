package api

import (
	"context"
	"errors"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/internal/quota"
	"github.com/forgeai/platform/models"
)

// Quotas bound what each user and each client address may do (README
// "Quotas"). Refusals are 429 with Retry-After and the limit named.
type Quotas struct {
	// Limiter counts; nil counts in this instance's memory. One over Redis
	// makes each limit hold across every instance that shares it.
	Limiter *quota.Limiter
	// Limits to enforce; a zero limit is off. A zero ChatPerMinute takes
	// Options.ChatPerMinute (default 30).
	Limits quota.Limits
	// TrustedProxies are the peers whose X-Forwarded-For names the client
	// for the per-address limits; none: the peer is the client.
	TrustedProxies []netip.Prefix
	// OnboardingBrowsedMax bounds the templates an onboarding remembers as
	// browsed, the newest kept (0: workflows.DefaultBrowsedMax).
	OnboardingBrowsedMax int
}

// quotaState is the server's quotas: the limiter, the limits and the
// daily AI token budget over the store.
type quotaState struct {
	limiter *quota.Limiter
	limits  quota.Limits
	budget  quota.Budget
	proxies []netip.Prefix
	// browsedMax bounds an onboarding's browsing history (0: the workflow's default).
	browsedMax int
}

func (s *Server) setupQuotas(o Options) {
	q := o.Quotas
	if q.Limiter == nil {
		q.Limiter = quota.New(quota.NewMemory(), quota.Options{Logger: o.Logger})
	}
	if q.Limits.ChatPerMinute.Off() {
		n := o.ChatPerMinute
		if n <= 0 {
			n = 30
		}
		q.Limits.ChatPerMinute = quota.PerMinute(quota.NameChat, n)
	}
	s.quotas = quotaState{limiter: q.Limiter, limits: q.Limits, proxies: q.TrustedProxies, browsedMax: q.OnboardingBrowsedMax,
		budget: quota.Budget{Usage: o.Store, PerDay: q.Limits.AITokensPerDay}}
}

// limitUser takes one event from the signed-in user's bucket of each limit,
// in order, stopping at the first refusal.
func (s *Server) limitUser(limits ...quota.Limit) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.takeUser(c, limits...); err != nil {
			return err
		}
		return c.Next()
	}
}

func (s *Server) takeUser(c *fiber.Ctx, limits ...quota.Limit) error {
	subject := "user:" + currentUserID(c)
	for _, l := range limits {
		if d := s.quotas.limiter.Allow(c.UserContext(), l, subject); !d.Allowed {
			return refuse(c, d, "rate_limited")
		}
	}
	return nil
}

// limitAddress takes one event from the client address's bucket of l.
func (s *Server) limitAddress(l quota.Limit) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if d := s.quotas.limiter.Allow(c.UserContext(), l, "ip:"+s.clientAddress(c)); !d.Allowed {
			return refuse(c, d, "rate_limited")
		}
		return c.Next()
	}
}

// limitAnonymous bounds a public route per client address, unless the
// request came signed in (Personalised routes authenticate first).
func (s *Server) limitAnonymous(c *fiber.Ctx) error {
	if currentUserID(c) != "" {
		return c.Next()
	}
	l := s.quotas.limits.AnonymousPerMinute
	if l.Off() {
		return c.Next() // no address to work out for a limit that is off
	}
	if d := s.quotas.limiter.Allow(c.UserContext(), l, "ip:"+s.clientAddress(c)); !d.Allowed {
		return refuse(c, d, "rate_limited")
	}
	return c.Next()
}

// limitSignIn bounds sign-in routes per client address.
func (s *Server) limitSignIn(c *fiber.Ctx) error {
	return s.limitAddress(s.quotas.limits.SignInPerMinute)(c)
}

// limitChat bounds chat messages per user and refuses them once the user's
// AI tokens for today are spent; the turn charges what it used.
func (s *Server) limitChat(c *fiber.Ctx) error {
	if err := s.takeUser(c, s.quotas.limits.ChatPerMinute); err != nil {
		return err
	}
	if err := s.checkTokenBudget(c); err != nil {
		return err
	}
	return c.Next()
}

// limitDeploy bounds deployments per user, and, since each deploy generates
// the app's code with the AI provider, code generations and the token budget.
func (s *Server) limitDeploy(c *fiber.Ctx) error {
	if err := s.checkTokenBudget(c); err != nil {
		return err
	}
	l := s.quotas.limits
	if err := s.takeUser(c, l.DeploymentsPerHour, l.DeploymentsPerDay, l.CodegenPerHour, l.CodegenPerDay); err != nil {
		return err
	}
	return c.Next()
}

// limitRollback bounds rollbacks as deployments; they generate nothing.
func (s *Server) limitRollback(c *fiber.Ctx) error {
	l := s.quotas.limits
	if err := s.takeUser(c, l.DeploymentsPerHour, l.DeploymentsPerDay); err != nil {
		return err
	}
	return c.Next()
}

func (s *Server) checkTokenBudget(c *fiber.Ctx) error {
	d, err := s.quotas.budget.Check(c.UserContext(), currentUserID(c))
	if err != nil {
		return err
	}
	if !d.Allowed {
		s.quotas.limiter.Refused(d.Limit.Name)
		return refuse(c, d, "quota_exceeded")
	}
	return nil
}

// chargeTokens adds a finished AI call's tokens to the user's day; a failure
// is logged, the answer already went out.
func (s *Server) chargeTokens(ctx context.Context, userID string, tokens int, reqID string) {
	if err := s.quotas.budget.Charge(ctx, userID, tokens); err != nil {
		s.log.Error("charging ai tokens failed", "user_id", userID, "tokens", tokens, "request_id", reqID, "error", err.Error())
	}
}

// refuse answers 429 with Retry-After (whole seconds, at least 1) and an
// error naming the limit, its size and when it allows again.
func refuse(c *fiber.Ctx, d quota.Decision, code string) error {
	retry := max(1, int(math.Ceil(d.RetryAfter.Seconds())))
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(retry))
	now := time.Now().UTC()
	msg := "too many requests: the limit " + d.Limit.Name + " (" + strconv.Itoa(d.Limit.Max) + ") is reached; try again in " + (time.Duration(retry) * time.Second).String()
	if code == "quota_exceeded" {
		msg = "today's AI token budget (" + strconv.Itoa(d.Limit.Max) + " tokens) is spent; it renews at midnight UTC"
	}
	return &Error{Status: fiber.StatusTooManyRequests, Code: code, Message: msg, Context: map[string]string{
		"limit": d.Limit.Name, "max": strconv.Itoa(d.Limit.Max), "period": d.Limit.Period.String(),
		"retryAfterSeconds": strconv.Itoa(retry),
		"retryAt":           now.Add(time.Duration(retry) * time.Second).Format(time.RFC3339),
		"resetAt":           now.Add(max(d.ResetAfter, time.Duration(retry)*time.Second)).Format(time.RFC3339),
	}}
}

// clientAddress is whom the per-address limits count: the peer, or, when
// the peer is a trusted proxy, the nearest address in X-Forwarded-For that
// is not one (read from the right, so a client cannot choose it by sending
// its own header). IPv6 clients are counted by their /64, which one
// subscriber usually holds whole.
func (s *Server) clientAddress(c *fiber.Ctx) string {
	addr, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return strings.Clone(c.IP())
	}
	addr = addr.Unmap()
	if s.trustedProxy(addr) {
		hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			addr = hop.Unmap()
			if !s.trustedProxy(addr) {
				break
			}
		}
	}
	if addr.Is6() {
		return netip.PrefixFrom(addr, 64).Masked().String()
	}
	return addr.String()
}

func (s *Server) trustedProxy(a netip.Addr) bool {
	for _, p := range s.quotas.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// createApproval stores a request; a role change is refused while the
// requester has one open (409 naming it).
func (s *Server) createApproval(ctx context.Context, a models.Approval) (models.Approval, error) {
	if a.Type != models.ApprovalTypeRoleChange {
		return s.store.CreateApproval(ctx, a)
	}
	created, err := s.store.CreateRoleRequest(ctx, a)
	var open *models.OpenRoleRequestError
	if errors.As(err, &open) {
		return models.Approval{}, &Error{Status: fiber.StatusConflict, Code: "role_request_open", Message: open.Error(),
			Context: map[string]string{"approvalId": open.ApprovalID}}
	}
	return created, err
}
