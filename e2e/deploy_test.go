package e2e_test

import (
	"context"
	"fmt"
	"go.temporal.io/sdk/client"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/appshost"
	"github.com/forgeai/platform/internal/devstack"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/workflows"
)

// stack is a production-shaped deployment of the platform for a test: an
// external Temporal dev server, Postgres, one api process, worker processes.
type stack struct {
	t        *testing.T
	env      []string
	api      *proc
	base     string
	apps     string
	temporal *devstack.Server
}

func newStack(t *testing.T) *stack {
	t.Helper()
	return newStackWith(t)
}

// newStackWith starts the stack with extra environment for every process.
func newStackWith(t *testing.T, extra ...string) *stack {
	t.Helper()
	requireTemporalCLI(t)
	srv, err := devstack.Start(context.Background(), devstack.Options{
		CLIPath: temporalBin, Namespace: "default", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		// Registered when the server starts, as platform dev does: the api
		// registers them in the background too, but a test's first request
		// can start a workflow before that is visible (CI saw "no mapping
		// defined for search attribute RequesterEmail").
		Attrs: workflows.SearchAttributes(),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	appsPort := freePort(t)
	// Each app is served on its own origin under the apps host's domain:
	// http://<slug>.localhost:<port>/ (appsClient resolves *.localhost).
	s := &stack{t: t, temporal: srv, apps: fmt.Sprintf("http://localhost:%d", appsPort)}
	s.env = []string{
		"DATABASE_URL=" + testdb.PostgresURL(t), "TEMPORAL_ADDRESS=" + srv.Address(), "DEV_MODE=true", "PLATFORM_ENV=development",
		"JWT_SECRET=e2e-secret-0123456789-0123456789-0123456789", "HTTP_ADDR=127.0.0.1:0",
		fmt.Sprintf("APPS_ADDR=127.0.0.1:%d", appsPort), "APPS_BASE_URL=" + s.apps,
		"METRICS_ADDR=127.0.0.1:0", "ARTIFACTS_DIR=" + t.TempDir(), "LOG_LEVEL=info",
	}
	s.env = append(append(s.env, quotasOff...), extra...)
	if out, err := runPlatform(s.env, "migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	s.api = start(t, s.env, "api")
	s.base = "http://" + s.api.waitLog(regexp.MustCompile(`"msg":"api listening","api":"([0-9.:]+)"`), 30*time.Second)
	waitReady(t, s.base, 30*time.Second)
	return s
}

// worker starts a worker process and waits until it polls its queues.
func (s *stack) worker(queues string) *proc {
	s.t.Helper()
	w := start(s.t, s.env, "worker", "-queues", queues)
	w.waitLog(regexp.MustCompile(`"msg":"worker polling"`), 30*time.Second)
	return w
}

// login returns a client signed in as a new user; the first is admin.
func (s *stack) login(email string) *apiClient {
	s.t.Helper()
	return devLogin(s.t, s.base, email)
}

// devLogin signs email in at the API at base through the dev login.
func devLogin(t *testing.T, base, email string) *apiClient {
	t.Helper()
	c := &apiClient{t: t, base: base}
	var out struct{ Token string }
	c.call("POST", "/api/auth/dev-login", map[string]string{"email": email}, 200, &out)
	c.token = out.Token
	return c
}

type deployment struct {
	ID, Status, URL, PreviewURL, Error, ArtifactDigest, Kind string
	Steps                                                    []struct {
		Name, Status          string
		StartedAt, FinishedAt *time.Time
	}
}

func (c *apiClient) project(name, slug string, config map[string]any) string {
	c.t.Helper()
	var tpl struct{ ID string }
	c.call("GET", "/api/templates/"+slug, nil, 200, &tpl)
	var p struct{ ID string }
	c.call("POST", "/api/projects", map[string]any{"name": name, "templateId": tpl.ID, "configuration": config}, 201, &p)
	return p.ID
}

func (c *apiClient) deploy(projectID string) deployment {
	c.t.Helper()
	var d deployment
	c.call("POST", "/api/projects/"+projectID+"/deployments", nil, 202, &d)
	return d
}

// waitStatus polls the deployment until it reaches one of the statuses.
func (c *apiClient) waitStatus(id string, timeout time.Duration, statuses ...string) deployment {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	var d deployment
	for time.Now().Before(deadline) {
		c.call("GET", "/api/deployments/"+id, nil, 200, &d)
		for _, s := range statuses {
			if d.Status == s {
				return d
			}
		}
		time.Sleep(150 * time.Millisecond)
	}
	c.t.Fatalf("deployment %s is %q after %s, want %v (error %q)", id, d.Status, timeout, statuses, d.Error)
	return d
}

// waitPendingActivity waits until the workflow has scheduled an activity of
// the type that has not completed yet (e.g. one waiting for a worker).
func waitPendingActivity(t *testing.T, address, workflowID, activityType string, timeout time.Duration) {
	t.Helper()
	tc, err := client.Dial(client.Options{HostPort: address})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	deadline := time.Now().Add(timeout)
	for {
		desc, err := tc.DescribeWorkflowExecution(t.Context(), workflowID, "")
		if err == nil {
			for _, pa := range desc.GetPendingActivities() {
				if pa.GetActivityType().GetName() == activityType {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s has no pending %s after %s (describe error %v)", workflowID, activityType, timeout, err)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// appURL is the address of a project's live app on the stack's apps host.
func (s *stack) appURL(slug string) string {
	return strings.Replace(s.apps, "://", "://"+slug+".", 1) + "/"
}

// appsClient reaches the apps' origins (<slug>.localhost) on the loopback
// address, as browsers do.
var appsClient = &http.Client{Transport: appshost.ResolveLocalhost(http.DefaultTransport.(*http.Transport).Clone())}

func fetch(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := appsClient.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

func TestDeployRollbackAndCancelEndToEnd(t *testing.T) {
	s := newStack(t)
	w := s.worker("platform,deploy")
	admin := s.login("admin@example.com")
	projectID := admin.project("Riverside Intake", "patient-intake", map[string]any{"appName": "Zebra Clinic 42"})

	first := admin.deploy(projectID)
	first = admin.waitStatus(first.ID, 60*time.Second, "deployed", "failed")
	if first.Status != "deployed" || first.URL != s.appURL("riverside-intake") || first.PreviewURL != s.appURL("d--"+first.ID) {
		t.Fatalf("first deployment: %+v", first)
	}
	for _, st := range first.Steps {
		if st.Status != "succeeded" || st.StartedAt == nil || st.FinishedAt == nil {
			t.Fatalf("step %+v", st)
		}
	}
	if len(first.Steps) != 4 {
		t.Fatalf("steps: %+v", first.Steps)
	}
	recordHistory(t, s.temporal.Address(), "deployment-"+first.ID, "deployment_deployed")
	code, hdr, body := fetch(t, first.URL)
	if code != 200 || !strings.Contains(body, "Zebra Clinic 42") || hdr.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(hdr.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("live page: %d %v\n%s", code, hdr, body)
	}
	var project struct{ Status, DeploymentURL string }
	admin.call("GET", "/api/projects/"+projectID, nil, 200, &project)
	if project.Status != "deployed" || project.DeploymentURL != first.URL {
		t.Fatalf("project after deploy: %+v", project)
	}
	// The path-based address of earlier versions only redirects to the
	// app's origin; the apps host's own origin serves no app.
	if code, hdr, _ := fetchNoRedirect(t, s.apps+"/riverside-intake/"); code != 308 || hdr.Get("Location") != first.URL {
		t.Fatalf("path-based address: %d %v", code, hdr)
	}
	// The API's port serves no metrics; METRICS_ADDR does.
	if code, _, body := fetch(t, s.base+"/metrics"); code != 404 || strings.Contains(body, "go_goroutines") {
		t.Fatalf("GET /metrics on the API port: %d", code)
	}
	metrics := s.api.waitLog(regexp.MustCompile(`"msg":"metrics listening","addr":"([0-9.:]+)"`), 5*time.Second)
	if code, _, body := fetch(t, "http://"+metrics+"/metrics"); code != 200 || !strings.Contains(body, "platform_http_request_duration_seconds") {
		t.Fatalf("METRICS_ADDR %s: %d", metrics, code)
	}

	// A second version goes live; the first stays reachable by its preview URL.
	admin.call("PATCH", "/api/projects/"+projectID, map[string]any{"configuration": map[string]any{"appName": "Okapi Health 7"}}, 200, nil)
	second := admin.waitStatus(admin.deploy(projectID).ID, 60*time.Second, "deployed", "failed")
	if second.Status != "deployed" {
		t.Fatalf("second deployment: %+v", second)
	}
	if _, _, body := fetch(t, first.URL); !strings.Contains(body, "Okapi Health 7") {
		t.Fatalf("live page after second deploy:\n%s", body)
	}
	if _, hdr, body := fetch(t, first.PreviewURL); !strings.Contains(body, "Zebra Clinic 42") || !strings.Contains(hdr.Get("Cache-Control"), "immutable") {
		t.Fatalf("preview of first deployment: %v\n%s", hdr, body)
	}

	// Roll back to the first: re-published without regenerating.
	var rb deployment
	admin.call("POST", "/api/projects/"+projectID+"/rollback", map[string]string{"deploymentId": first.ID}, 202, &rb)
	rb = admin.waitStatus(rb.ID, 60*time.Second, "deployed", "failed")
	if rb.Status != "deployed" || rb.Kind != "rollback" || rb.ArtifactDigest != first.ArtifactDigest || len(rb.Steps) != 2 {
		t.Fatalf("rollback: %+v", rb)
	}
	recordHistory(t, s.temporal.Address(), "deployment-"+rb.ID, "deployment_rollback")
	if _, _, body := fetch(t, first.URL); !strings.Contains(body, "Zebra Clinic 42") {
		t.Fatalf("live page after rollback:\n%s", body)
	}
	admin.call("GET", "/api/deployments/"+second.ID, nil, 200, &second)
	if second.Status != "rolled_back" {
		t.Fatalf("replaced deployment status %q, want rolled_back", second.Status)
	}

	// Cancel: with no worker on the deploy queue, generation waits; cancel it.
	w.stop(syscall.SIGTERM, 30*time.Second)
	platformOnly := s.worker("platform")
	admin.call("PATCH", "/api/projects/"+projectID, map[string]any{"configuration": map[string]any{"appName": "Never Published"}}, 200, nil)
	pending := admin.deploy(projectID)
	// It stays queued: its generate step, which records itself, waits for a deploy worker.
	waitPendingActivity(t, s.temporal.Address(), "deployment-"+pending.ID, "GenerateSource", 30*time.Second)
	admin.call("POST", "/api/deployments/"+pending.ID+"/cancel", nil, 202, nil)
	cancelled := admin.waitStatus(pending.ID, 30*time.Second, "cancelled")
	recordHistory(t, s.temporal.Address(), "deployment-"+pending.ID, "deployment_cancelled")
	if cancelled.URL != "" || cancelled.PreviewURL != "" {
		t.Fatalf("cancelled deployment has a URL: %+v", cancelled)
	}
	if _, _, body := fetch(t, first.URL); !strings.Contains(body, "Zebra Clinic 42") {
		t.Fatalf("live page changed by a cancelled deployment:\n%s", body)
	}
	admin.call("GET", "/api/projects/"+projectID, nil, 200, &project)
	if project.Status != "deployed" {
		t.Fatalf("project after cancel: %+v", project)
	}

	// A worker whose verify fetch cannot reach the apps host (a wrong
	// APPS_INTERNAL_URL): the deployment fails with a stable message and
	// code, never the internal address or the transport error, and the
	// previous release stays live.
	platformOnly.stop(syscall.SIGTERM, 30*time.Second)
	broken := start(t, append(append([]string{}, s.env...), "APPS_INTERNAL_URL=http://127.0.0.1:1"), "worker", "-queues", "platform,deploy")
	broken.waitLog(regexp.MustCompile(`"msg":"worker polling"`), 30*time.Second)
	admin.call("PATCH", "/api/projects/"+projectID, map[string]any{"configuration": map[string]any{"appName": "Unverified 9"}}, 200, nil)
	unverified := admin.waitStatus(admin.deploy(projectID).ID, 90*time.Second, "failed", "deployed")
	if unverified.Status != "failed" || !strings.Contains(unverified.Error, "(code verify_unreachable)") {
		t.Fatalf("deployment with an unreachable apps host: %+v", unverified)
	}
	for _, internal := range []string{"127.0.0.1", ":1", "dial", "connection refused", "http://"} {
		if strings.Contains(unverified.Error, internal) {
			t.Fatalf("the deployment's error shows %q: %q", internal, unverified.Error)
		}
	}
	if _, _, body := fetch(t, first.URL); !strings.Contains(body, "Zebra Clinic 42") {
		t.Fatalf("live page after a failed verification:\n%s", body)
	}
	if unverified.PreviewURL != "" {
		t.Fatalf("a failed deployment offers its artifact: %+v", unverified)
	}
	if code, _, _ := fetch(t, s.appURL("d--"+unverified.ID)); code != 404 {
		t.Fatalf("a failed deployment's artifact answers %d", code)
	}
}

// fetchNoRedirect is fetch without following redirects.
func fetchNoRedirect(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	c := *appsClient
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}
