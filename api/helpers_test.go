package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/forgeai/platform/api"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/apispec"
	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/events"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

const testSecret = "test-secret-0123456789-0123456789-abcdef"

type fakeCheck struct{ err error }

func (f fakeCheck) Check(context.Context) error { return f.err }

type harness struct {
	t         *testing.T
	app       *fiber.App
	store     *models.Store
	workflows *fakeWorkflows
	registry  *prometheus.Registry // what METRICS_ADDR serves (api.MetricsHandler)
	hub       *events.Hub
	log       *logView // the hub's view of the event log (ws_test.go)
	// spec is the OpenAPI document the app serves: do holds every answer to it.
	spec *apispec.Validator
}

// fakeWorkflows records what the API asked Temporal to do.
type fakeWorkflows struct {
	mu        sync.Mutex
	started   []workflows.DeploymentInput
	cancelled []string
	down      bool
}

func (f *fakeWorkflows) StartDeployment(_ context.Context, in workflows.DeploymentInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return errors.New("temporal unavailable")
	}
	f.started = append(f.started, in)
	return nil
}

func (f *fakeWorkflows) CancelDeployment(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancelled = append(f.cancelled, id)
	return nil
}

func (f *fakeWorkflows) starts() []workflows.DeploymentInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]workflows.DeploymentInput(nil), f.started...)
}

type options struct {
	devMode      bool
	temporalDown bool
	bodyLimit    int
	provider     ai.Provider
	chatLimit    int
	// taskQueues reports queues without workers; workerCheckEvery caches it.
	taskQueues       api.TaskQueues
	workerCheckEvery time.Duration
	onboarding       api.Onboarding
	// refreshGrace and sessionCheckEvery shorten the session timings (0: defaults).
	refreshGrace      time.Duration
	sessionCheckEvery time.Duration
	// oidc signs users in with an OpenID Connect provider (nil: off).
	oidc api.OIDCProvider
	// corsOrigins is CORS_ALLOWED_ORIGINS; https is PUBLIC_URL on https (HSTS, Secure cookies).
	corsOrigins []string
	https       bool
	// approvals starts approval workflows (nil: none configured).
	approvals api.Approvals
	// wsWriteWait is StreamLimits.WriteWait (0: the default).
	wsWriteWait time.Duration
}

func newHarness(t *testing.T, d config.Dialect, o options) *harness {
	t.Helper()
	store := testdb.Open(t, d)
	tokens, err := auth.NewTokens(testSecret, "forgeai-platform", "forgeai-api", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var temporalErr error
	if o.temporalDown {
		temporalErr = errors.New("connection refused")
	}
	if o.bodyLimit == 0 {
		o.bodyLimit = 64 << 10
	}
	wf := &fakeWorkflows{}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := &logView{Reader: store}
	hub := events.NewHub(ctx, log, 0, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	store.SetNotifier(hub)
	reg := prometheus.NewRegistry()
	opts := api.Options{
		Workflows: wf, Onboarding: o.onboarding, AppsBaseURL: "http://apps.test", Hub: hub, Context: ctx, AI: o.provider, ChatPerMinute: o.chatLimit,
		TaskQueues: o.taskQueues, WorkerCheckEvery: o.workerCheckEvery,
		RefreshReuseGrace: o.refreshGrace, SessionCheckEvery: o.sessionCheckEvery, OIDC: o.oidc, Approvals: o.approvals,
		CORSAllowedOrigins: o.corsOrigins, SecureCookies: o.https,
		Limits: api.StreamLimits{ConnectionsPerUser: 3, SubscriptionsPerConn: 2, AllowedOrigins: []string{"https://app.example.com"}, WriteWait: o.wsWriteWait},
		Store:  store, Tokens: tokens, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Registry: reg, DevMode: o.devMode, BodyLimit: o.bodyLimit, Version: "test",
		Checks: map[string]api.Checker{"database": fakeCheck{}, "temporal": fakeCheck{temporalErr}},
	}
	return &harness{t: t, app: api.New(opts), store: store, workflows: wf, registry: reg, hub: hub, log: log, spec: specOf(t, opts)}
}

// specOf loads the OpenAPI document a server built with o serves.
func specOf(t *testing.T, o api.Options) *apispec.Validator {
	t.Helper()
	v, err := apispec.Load(api.OpenAPI(o))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// envelope decodes {"data":…,"meta":…} or {"error":…}.
type envelope struct {
	Data  json.RawMessage `json:"data"`
	Meta  map[string]any  `json:"meta"`
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"details"`
	} `json:"error"`
}

func (r response) env(t *testing.T) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(r.Body, &e); err != nil {
		t.Fatalf("response is not a JSON envelope (%d): %s", r.Status, r.Body)
	}
	return e
}

func (r response) data(t *testing.T, v any) {
	t.Helper()
	e := r.env(t)
	if err := json.Unmarshal(e.Data, v); err != nil {
		t.Fatalf("decode data: %v in %s", err, r.Body)
	}
}

func (r response) expect(t *testing.T, status int) response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Body)
	}
	return r
}

// expectField asserts an error response naming field.
func (r response) expectField(t *testing.T, status int, field string) {
	t.Helper()
	r.expect(t, status)
	e := r.env(t)
	if e.Error == nil {
		t.Fatalf("no error in body %s", r.Body)
	}
	for _, d := range e.Error.Details {
		if d.Field == field {
			return
		}
	}
	t.Fatalf("error does not name field %q: %s", field, r.Body)
}

func (h *harness) do(method, path, token string, body any, header ...string) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := h.app.Test(req, 10_000)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if h.spec != nil {
		if err := h.spec.Check(req, resp.StatusCode, resp.Header, raw); err != nil {
			h.t.Errorf("the answer does not match the OpenAPI document (api/openapi.json): %v", err)
		}
	}
	return response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// login signs in through the dev login and returns the token and user id.
func (h *harness) login(email string) (token, id, role string) {
	h.t.Helper()
	var out struct {
		Token string `json:"token"`
		User  struct {
			ID   string `json:"id"`
			Role string `json:"role"`
		} `json:"user"`
	}
	h.do("POST", "/api/auth/dev-login", "", map[string]string{"email": email, "name": "Test"}).expect(h.t, 200).data(h.t, &out)
	return out.Token, out.User.ID, out.User.Role
}

// forEachDialect runs the test against Postgres and SQLite.
func forEachDialect(t *testing.T, fn func(t *testing.T, d config.Dialect)) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) { fn(t, d) })
	}
}
