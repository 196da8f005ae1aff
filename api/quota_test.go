package api_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/api"
	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/events"
	"github.com/forgeai/platform/internal/quota"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// roleApprovals accepts every approval workflow start.
type roleApprovals struct {
	mu      sync.Mutex
	started []string
}

func (f *roleApprovals) StartApproval(_ context.Context, in workflows.ApprovalInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, in.ApprovalID)
	return nil
}

func (f *roleApprovals) Decide(context.Context, string, workflows.DecideRequest) (workflows.ApprovalState, error) {
	return workflows.ApprovalState{}, errors.New("not in this test")
}

// recordingOnboarding keeps the input of each step.
type recordingOnboarding struct {
	mu sync.Mutex
	in []workflows.OnboardingInput
}

func (f *recordingOnboarding) StartOnboarding(context.Context, workflows.OnboardingInput) error {
	return nil
}

func (f *recordingOnboarding) Step(_ context.Context, in workflows.OnboardingInput, _ workflows.StepRequest) (activities.OnboardingState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.in = append(f.in, in)
	return activities.OnboardingState{}, nil
}

// quotaApps builds n API instances on one store (as n processes on one
// database), each with its own quotas from newQuotas: give each its own
// Redis client on one server to share the limits, or memory to keep them apart.
func quotaApps(t *testing.T, d config.Dialect, n int, newQuotas func() api.Quotas, configure ...func(*api.Options)) []*harness {
	t.Helper()
	store := testdb.Open(t, d)
	tokens, err := auth.NewTokens(testSecret, "forgeai-platform", "forgeai-api", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))
	hub := events.NewHub(ctx, store, 0, quiet)
	store.SetNotifier(hub)
	wf := &fakeWorkflows{}
	var out []*harness
	for range n {
		o := api.Options{
			Workflows: wf, Approvals: &roleApprovals{}, Onboarding: &recordingOnboarding{}, AppsBaseURL: "http://apps.test", Hub: hub, Context: ctx,
			Limits: api.StreamLimits{ConnectionsPerUser: 3, SubscriptionsPerConn: 2, AllowedOrigins: []string{"https://app.example.com"}},
			Store:  store, Tokens: tokens, Logger: quiet, Registry: prometheus.NewRegistry(), DevMode: true,
			BodyLimit: 64 << 10, Version: "test", Quotas: newQuotas(),
			Checks: map[string]api.Checker{"database": fakeCheck{}, "temporal": fakeCheck{}},
		}
		for _, f := range configure {
			f(&o)
		}
		out = append(out, &harness{t: t, app: api.New(o), store: store, workflows: wf, spec: specOf(t, o)})
	}
	return out
}

func inMemory(l quota.Limits, proxies ...string) func() api.Quotas {
	return func() api.Quotas {
		q := api.Quotas{Limits: l}
		for _, p := range proxies {
			q.TrustedProxies = append(q.TrustedProxies, netip.MustParsePrefix(p))
		}
		return q
	}
}

// quotaError is the error envelope of a refusal, with its context.
type quotaError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Context map[string]string `json:"context"`
	} `json:"error"`
}

// expectRefused asserts a 429 naming limit with code and a Retry-After
// between minSeconds and maxSeconds, which the body repeats.
func expectRefused(t *testing.T, r response, code, limit string, minSeconds, maxSeconds int) {
	t.Helper()
	r.expect(t, 429)
	var e quotaError
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("body %s: %v", r.Body, err)
	}
	retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || retry < minSeconds || retry > maxSeconds {
		t.Fatalf("Retry-After = %q, want %d..%d seconds; body %s", r.Header.Get("Retry-After"), minSeconds, maxSeconds, r.Body)
	}
	c := e.Error.Context
	if e.Error.Code != code || c["limit"] != limit || c["retryAfterSeconds"] != strconv.Itoa(retry) || c["resetAt"] == "" || c["retryAt"] == "" {
		t.Fatalf("error = %+v, want code %s naming %s", e.Error, code, limit)
	}
	if _, err := time.Parse(time.RFC3339, c["resetAt"]); err != nil {
		t.Fatalf("resetAt %q: %v", c["resetAt"], err)
	}
}

// newProjects creates n projects of the signed-in user.
func (h *harness) newProjects(token string, n int) []projectOut {
	h.t.Helper()
	tpl := h.templateBySlug("patient-intake")
	out := make([]projectOut, n)
	for i := range out {
		h.do("POST", "/api/projects", token, map[string]any{"name": "Project " + strconv.Itoa(i), "templateId": tpl.ID}).expect(h.t, 201).data(h.t, &out[i])
	}
	return out
}

// N+1 deployments in an hour: the last is 429 with Retry-After, on both
// deploy routes; another user deploys on; a rollback counts as a deployment
// but generates no code, so it is not held by the code generation limit.
func TestDeploymentsPerUserAreLimited(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := quotaApps(t, d, 1, inMemory(quota.NewLimits(quota.Counts{DeploymentsPerHour: 3, DeploymentsPerDay: 100})))[0]
		admin, _, _ := h.login("admin@example.com")
		other, _, _ := h.login("other@example.com")
		ps := h.newProjects(admin, 4)
		for i, path := range []string{"/deployments", "/deploy", "/deployments"} {
			h.do("POST", "/api/projects/"+ps[i].ID+path, admin, nil).expect(t, 202)
		}
		r := h.do("POST", "/api/projects/"+ps[3].ID+"/deploy", admin, nil)
		// One deployment refills every 20 minutes.
		expectRefused(t, r, "rate_limited", quota.NameDeploymentsPerHour, 1190, 1200)
		if n := len(h.workflows.starts()); n != 3 {
			t.Fatalf("%d deployments started, want 3", n)
		}
		expectRefused(t, h.do("POST", "/api/projects/"+ps[0].ID+"/rollback", admin, map[string]string{"deploymentId": ps[0].ID}),
			"rate_limited", quota.NameDeploymentsPerHour, 1, 1200)
		theirs := h.newProjects(other, 1)
		h.do("POST", "/api/projects/"+theirs[0].ID+"/deployments", other, nil).expect(t, 202)
	})
}

func TestCodeGenerationPerUserIsLimited(t *testing.T) {
	h := quotaApps(t, config.SQLite, 1, inMemory(quota.NewLimits(quota.Counts{DeploymentsPerHour: 10, CodegenPerHour: 2, CodegenPerDay: 50})))[0]
	admin, _, _ := h.login("admin@example.com")
	ps := h.newProjects(admin, 3)
	var first deploymentOut
	h.do("POST", "/api/projects/"+ps[0].ID+"/deployments", admin, nil).expect(t, 202).data(t, &first)
	h.do("POST", "/api/projects/"+ps[1].ID+"/deployments", admin, nil).expect(t, 202)
	expectRefused(t, h.do("POST", "/api/projects/"+ps[2].ID+"/deployments", admin, nil), "rate_limited", quota.NameCodegenPerHour, 1790, 1800)
	// A rollback generates nothing: refused for what it targets, not 429.
	h.do("POST", "/api/projects/"+ps[0].ID+"/rollback", admin, map[string]string{"deploymentId": first.ID}).expect(t, 409)
}

// The daily AI token budget: a chat turn charges what it used (kept in the
// database); once spent, chat and deployments (code generation) are 429
// quota_exceeded until midnight UTC, also on a fresh instance (a restart).
func TestAITokenBudgetRefusesChatAndCodeGeneration(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		limits := quota.NewLimits(quota.Counts{ChatPerMinute: 100, AITokensPerDay: 50})
		apps := quotaApps(t, d, 2, inMemory(limits))
		h := apps[0]
		admin, id, _ := h.login("admin@example.com")
		other, _, _ := h.login("other@example.com")
		var cs struct{ ID string }
		h.do("POST", "/api/chat/sessions", admin, map[string]any{"sessionType": "onboarding"}).expect(t, 201).data(t, &cs)
		path := "/api/chat/sessions/" + cs.ID + "/messages"
		h.do("POST", path, admin, map[string]string{"content": "hello"}).expect(t, 200)
		used, err := h.store.AIUsage(t.Context(), id, time.Now())
		if err != nil || used < 50 {
			t.Fatalf("usage after one turn = %d (%v); the offline provider's turn uses more than the budget of 50", used, err)
		}
		now := time.Now().UTC()
		toMidnight := int(time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC).Sub(now).Seconds())
		expectRefused(t, h.do("POST", path, admin, map[string]string{"content": "hello again"}), "quota_exceeded", quota.BudgetName, toMidnight-60, toMidnight+1)
		ps := h.newProjects(admin, 1)
		// The other instance reads the same usage.
		expectRefused(t, apps[1].do("POST", "/api/projects/"+ps[0].ID+"/deployments", admin, nil), "quota_exceeded", quota.BudgetName, toMidnight-60, toMidnight+1)
		if n := len(h.workflows.starts()); n != 0 {
			t.Fatalf("%d deployments started over budget", n)
		}
		// Another user's budget is untouched.
		var cs2 struct{ ID string }
		h.do("POST", "/api/chat/sessions", other, map[string]any{"sessionType": "onboarding"}).expect(t, 201).data(t, &cs2)
		h.do("POST", "/api/chat/sessions/"+cs2.ID+"/messages", other, map[string]string{"content": "hello"}).expect(t, 200)
	})
}

// A sign-in flood from one address is 429 on every sign-in route; the
// limit counts the address, not the account.
func TestSignInFloodFromOneAddressIsLimited(t *testing.T) {
	withSSO := func(o *api.Options) { o.OIDC = stubOIDC{} } // single sign-on's routes exist only with a provider
	h := quotaApps(t, config.SQLite, 1, inMemory(quota.NewLimits(quota.Counts{SignInPerMinute: 5})), withSSO)[0]
	for i := range 5 {
		h.login("user" + strconv.Itoa(i) + "@example.com")
	}
	expectRefused(t, h.do("POST", "/api/auth/dev-login", "", map[string]string{"email": "user9@example.com", "name": "T"}),
		"rate_limited", quota.NameSignIn, 11, 12)
	expectRefused(t, h.do("POST", "/api/auth/refresh", "", map[string]string{"refreshToken": "x"}), "rate_limited", quota.NameSignIn, 1, 12)
	expectRefused(t, h.do("GET", "/api/auth/oidc/login", "", nil), "rate_limited", quota.NameSignIn, 1, 12)
	expectRefused(t, h.do("GET", "/api/auth/callback?code=x&state=y", "", nil), "rate_limited", quota.NameSignIn, 1, 12)
	// A forged X-Forwarded-For does not buy a fresh bucket: no proxy is trusted.
	expectRefused(t, h.do("POST", "/api/auth/dev-login", "", map[string]string{"email": "user9@example.com", "name": "T"},
		"X-Forwarded-For", "198.51.100.99"), "rate_limited", quota.NameSignIn, 1, 12)
}

// Behind a trusted proxy each client has its own bucket, found from the
// right of X-Forwarded-For, so a client's own entries change nothing.
func TestSignInLimitBehindATrustedProxy(t *testing.T) {
	// Requests through app.Test come from 0.0.0.0: that is "the proxy".
	h := quotaApps(t, config.SQLite, 1, inMemory(quota.NewLimits(quota.Counts{SignInPerMinute: 2}), "0.0.0.0/32"))[0]
	login := func(xff string) response {
		return h.do("POST", "/api/auth/dev-login", "", map[string]string{"email": "a@example.com", "name": "A"}, "X-Forwarded-For", xff)
	}
	login("203.0.113.7").expect(t, 200)
	login("198.51.100.1, 203.0.113.7").expect(t, 200) // the client prepends a made-up hop
	expectRefused(t, login("192.0.2.55, 203.0.113.7"), "rate_limited", quota.NameSignIn, 1, 30)
	login("203.0.113.8").expect(t, 200) // another client
	// IPv6 clients are counted by /64.
	login("2001:db8:1:2::1").expect(t, 200)
	login("2001:db8:1:2::ffff").expect(t, 200)
	expectRefused(t, login("2001:db8:1:2:aaaa::1"), "rate_limited", quota.NameSignIn, 1, 30)
}

// Anonymous use of public routes is limited per address; signed in, the
// same route is not held by it.
func TestAnonymousRoutesAreLimitedPerAddress(t *testing.T) {
	h := quotaApps(t, config.SQLite, 1, inMemory(quota.NewLimits(quota.Counts{AnonymousPerMinute: 3})))[0]
	token, _, _ := h.login("admin@example.com")
	h.do("GET", "/api/templates", "", nil).expect(t, 200)
	h.do("GET", "/api/auth/config", "", nil).expect(t, 200)
	h.do("GET", "/api/openapi.json", "", nil).expect(t, 200)
	expectRefused(t, h.do("GET", "/api/templates", "", nil), "rate_limited", quota.NameAnonymous, 1, 20)
	expectRefused(t, h.do("GET", "/api/templates/patient-intake", "", nil), "rate_limited", quota.NameAnonymous, 1, 20)
	h.do("GET", "/api/templates", token, nil).expect(t, 200)
	h.do("GET", "/healthz", "", nil).expect(t, 200) // probes are not limited
}

// A second open role change request is 409 naming the open one; the first
// started one approval workflow.
func TestDuplicateRoleRequestIsRefused(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := quotaApps(t, d, 1, inMemory(quota.Limits{}))[0]
		h.login("admin@example.com")
		token, _, _ := h.login("biz@example.com")
		var first struct{ ID string }
		h.do("POST", "/api/user/role-requests", token, map[string]string{"role": "technical_user", "reason": "I build apps"}).expect(t, 202).data(t, &first)
		r := h.do("POST", "/api/user/role-requests", token, map[string]string{"role": "admin", "reason": "or this"}).expect(t, 409)
		var e quotaError
		if err := json.Unmarshal(r.Body, &e); err != nil || e.Error.Code != "role_request_open" || e.Error.Context["approvalId"] != first.ID {
			t.Fatalf("409 body %s, want role_request_open naming %s", r.Body, first.ID)
		}
		rows, total, err := h.store.ListApprovals(t.Context(), models.ApprovalFilter{Type: models.ApprovalTypeRoleChange, Page: models.Page{Number: 1, Size: 10}})
		if err != nil || total != 1 || rows[0].ID != first.ID {
			t.Fatalf("stored role requests: %d (%v)", total, err)
		}
	})
}

// The onboarding workflow is told how many browsed templates to keep.
func TestOnboardingIsToldTheBrowsingBound(t *testing.T) {
	ob := &recordingOnboarding{}
	h := quotaApps(t, config.SQLite, 1, func() api.Quotas { return api.Quotas{OnboardingBrowsedMax: 7} },
		func(o *api.Options) { o.Onboarding = ob })[0]
	token, _, _ := h.login("admin@example.com")
	h.do("POST", "/api/onboarding/steps/template_browsing", token, map[string]string{"value": "kyc-onboarding"}).expect(t, 200)
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if len(ob.in) != 1 || ob.in[0].BrowsedMax != 7 {
		t.Fatalf("onboarding inputs %+v, want BrowsedMax 7", ob.in)
	}
}

// testRedis is the Redis at REDIS_URL or 127.0.0.1:6379; without one the
// test skips, unless CI is set.
func testRedis(t *testing.T) *redis.Options {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis at %s is unreachable and CI is set: %v", opts.Addr, err)
		}
		t.Skipf("SKIPPING: redis at %s is unreachable: %v", opts.Addr, err)
	}
	return opts
}

// sharedRedis gives each instance its own client of one Redis, under one
// random prefix whose keys the test deletes at the end.
func sharedRedis(t *testing.T, l quota.Limits) func() api.Quotas {
	opts := testRedis(t)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := "platform-test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		rdb := redis.NewClient(opts)
		defer rdb.Close()
		if keys, err := rdb.Keys(context.Background(), "rate:"+prefix+"*").Result(); err == nil && len(keys) > 0 {
			rdb.Del(context.Background(), keys...)
		}
	})
	return func() api.Quotas {
		rdb := redis.NewClient(opts)
		t.Cleanup(func() { _ = rdb.Close() })
		return api.Quotas{Limits: l, Limiter: quota.New(quota.NewRedis(rdb, prefix), quota.Options{})}
	}
}

// Two API instances sharing one Redis: a user's limits and an address's
// limits hold across both, wherever each request lands. The same two
// instances counting in memory would allow twice as much.
func TestLimitsHoldAcrossInstancesWithRedis(t *testing.T) {
	limits := quota.NewLimits(quota.Counts{DeploymentsPerHour: 3, SignInPerMinute: 4})
	for _, tc := range []struct {
		name        string
		quotas      func() api.Quotas
		deployments int
		signIns     int
	}{
		{"redis", sharedRedis(t, limits), 3, 4},
		{"memory", inMemory(limits), 6, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			apps := quotaApps(t, config.SQLite, 2, tc.quotas)
			admin, _, _ := apps[0].login("admin@example.com") // one sign-in on instance 0
			ps := apps[0].newProjects(admin, 7)
			deployed := 0
			for i, p := range ps {
				r := apps[i%2].do("POST", "/api/projects/"+p.ID+"/deployments", admin, nil)
				if r.Status == 202 {
					deployed++
					continue
				}
				expectRefused(t, r, "rate_limited", quota.NameDeploymentsPerHour, 1, 1200)
			}
			if deployed != tc.deployments {
				t.Fatalf("%d deployments accepted across two instances, want %d", deployed, tc.deployments)
			}
			signedIn := 1
			for i := range 9 {
				r := apps[(i+1)%2].do("POST", "/api/auth/dev-login", "", map[string]string{"email": "admin@example.com", "name": "A"})
				if r.Status == 200 {
					signedIn++
					continue
				}
				expectRefused(t, r, "rate_limited", quota.NameSignIn, 1, 15)
			}
			if signedIn != tc.signIns {
				t.Fatalf("%d sign-ins accepted across two instances, want %d", signedIn, tc.signIns)
			}
		})
	}
}
