package e2e_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
)

// devEnv is the environment of a zero-setup `platform dev` in its own folder:
// no DATABASE_URL, no TEMPORAL_ADDRESS, so SQLite and the embedded dev server.
func devEnv(t *testing.T, temporalPort, uiPort int) []string {
	t.Helper()
	return []string{
		"DATABASE_URL=", "TEMPORAL_ADDRESS=", "HTTP_ADDR=127.0.0.1:0", "APPS_ADDR=127.0.0.1:0", "METRICS_ADDR=127.0.0.1:0",
		fmt.Sprintf("TEMPORAL_DEV_PORT=%d", temporalPort), fmt.Sprintf("TEMPORAL_UI_PORT=%d", uiPort),
		"TEMPORAL_CLI_PATH=" + temporalBin, "JWT_SECRET=", "LOG_LEVEL=info", "WORKER_QUEUES=",
	}
}

var (
	apiURLRe  = regexp.MustCompile(`API:\s+(http://localhost:\d+)/api`)
	appsURLRe = regexp.MustCompile(`Apps host:\s+(http://localhost:\d+)/`)
	uiURLRe   = regexp.MustCompile(`Temporal UI:\s+(http://localhost:\d+)`)
)

func startDevIn(t *testing.T, dir string, temporalPort, uiPort int) (*proc, string, string, string) {
	t.Helper()
	p := startIn(t, dir, devEnv(t, temporalPort, uiPort), "dev")
	api := p.waitOutput(apiURLRe, 90*time.Second)
	apps := p.waitOutput(appsURLRe, time.Second)
	ui := p.waitOutput(uiURLRe, time.Second)
	return p, api, apps, ui
}

func TestDevZeroSetupServesAndSurvivesRestart(t *testing.T) {
	requireTemporalCLI(t)
	dir := t.TempDir()
	temporalPort, uiPort := freePort(t), freePort(t)

	p, api, apps, ui := startDevIn(t, dir, temporalPort, uiPort)
	waitReady(t, api, 30*time.Second)

	// The Temporal Web UI answers, and the search attributes are registered.
	resp, err := http.Get(ui + "/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Temporal UI at %s: %v %v", ui, err, resp)
	}
	resp.Body.Close()
	tc, err := client.Dial(client.Options{HostPort: fmt.Sprintf("127.0.0.1:%d", temporalPort)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	attrs, err := tc.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ProjectId", "OwnerId", "DeploymentStatus", "ApprovalType", "ApprovalStatus", "Requester"} {
		if _, ok := attrs.GetCustomAttributes()[name]; !ok {
			t.Errorf("search attribute %s not registered", name)
		}
	}
	// A marker only a persistent Temporal database remembers across restarts.
	_, err = tc.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: "default", SearchAttributes: map[string]enums.IndexedValueType{"E2EMarker": enums.INDEXED_VALUE_TYPE_KEYWORD},
	})
	if err != nil {
		t.Fatal(err)
	}
	tc.Close()

	// The apps host is its own origin with a strict policy; each app has
	// its own origin under it (<slug>.localhost).
	resp, err = appsClient.Get(strings.Replace(apps, "://", "://no-such-app.", 1) + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Set-Cookie") != "" {
		t.Fatalf("apps host: %d %v", resp.StatusCode, resp.Header)
	}

	// A user's tour: login (first user is admin), templates, a project.
	c := &apiClient{t: t, base: api}
	var login struct {
		Token string                `json:"token"`
		User  struct{ Role string } `json:"user"`
	}
	c.call("POST", "/api/auth/dev-login", map[string]string{"email": "dana@example.com", "name": "Dana"}, 200, &login)
	if login.User.Role != "admin" {
		t.Fatalf("first user role %q", login.User.Role)
	}
	c.token = login.Token
	var templates []struct{ ID, Slug string }
	c.call("GET", "/api/templates?industry=finance", nil, 200, &templates)
	if len(templates) != 4 {
		t.Fatalf("finance templates: %d", len(templates))
	}
	var project struct{ ID, Slug string }
	c.call("POST", "/api/projects", map[string]any{"name": "Loan Desk", "templateId": templates[0].ID}, 201, &project)

	// Ctrl-C stops everything, the dev server included.
	p.stop(syscall.SIGINT, 45*time.Second)
	if !strings.Contains(p.out(), "platform dev stopped") {
		t.Fatalf("no clean stop message: %s", p.out())
	}
	if conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", temporalPort), time.Second); err == nil {
		conn.Close()
		t.Fatal("temporal dev server still listening after stop")
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "platform.db")); err != nil {
		t.Fatalf("sqlite database not under data/: %v", err)
	}

	// Restart: same data folder, state is still there.
	p2, api2, _, _ := startDevIn(t, dir, temporalPort, uiPort)
	waitReady(t, api2, 30*time.Second)
	c2 := &apiClient{t: t, base: api2, token: login.Token}
	var got struct{ Slug string }
	c2.call("GET", "/api/projects/"+project.ID, nil, 200, &got)
	if got.Slug != project.Slug {
		t.Fatalf("project after restart: %+v", got)
	}
	c2.call("GET", "/api/templates?pageSize=100", nil, 200, &templates)
	if len(templates) < 12 {
		t.Fatalf("catalog after restart: %d templates", len(templates))
	}
	tc, err = client.Dial(client.Options{HostPort: fmt.Sprintf("127.0.0.1:%d", temporalPort)})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err = tc.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
	tc.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := attrs.GetCustomAttributes()["E2EMarker"]; !ok {
		t.Fatal("Temporal state did not survive the restart")
	}
	p2.stop(syscall.SIGTERM, 45*time.Second)
}
