package e2e_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/forgeai/platform/internal/devstack"
	"github.com/forgeai/platform/internal/testdb"
)

// TestProductionProcesses runs migrate, api and worker as separate processes
// against Postgres and an external Temporal server, as operators do.
func TestProductionProcesses(t *testing.T) {
	requireTemporalCLI(t)
	ctx := context.Background()
	srv, err := devstack.Start(ctx, devstack.Options{
		CLIPath: temporalBin, Namespace: "default", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })

	dbURL := testdb.PostgresURL(t)
	env := []string{
		"DATABASE_URL=" + dbURL, "TEMPORAL_ADDRESS=" + srv.Address(), "DEV_MODE=false",
		"JWT_SECRET=e2e-secret-0123456789-0123456789-0123456789", "HTTP_ADDR=127.0.0.1:0", "APPS_ADDR=127.0.0.1:0",
		"METRICS_ADDR=127.0.0.1:0",
	}

	for i := 0; i < 2; i++ { // twice: migrations are idempotent
		out, err := runPlatform(env, "migrate")
		if err != nil || !strings.Contains(out, "database postgres is at schema version") {
			t.Fatalf("migrate run %d: %v\n%s", i+1, err, out)
		}
	}

	metricsAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	w := start(t, append(env, "WORKER_METRICS_ADDR="+metricsAddr), "worker", "-queues", "platform,deploy", "-concurrency", "4")
	api := start(t, env, "api")
	base := "http://" + api.waitLog(regexp.MustCompile(`"msg":"api listening","api":"([0-9.:]+)"`), 30*time.Second)
	waitReady(t, base, 30*time.Second)

	c := &apiClient{t: t, base: base}
	var templates []struct{ ID string }
	c.call("GET", "/api/templates?pageSize=100", nil, 200, &templates)
	if len(templates) < 12 {
		t.Fatalf("%d templates", len(templates))
	}
	c.call("POST", "/api/auth/dev-login", map[string]string{"email": "x@example.com"}, 404, nil)
	c.call("GET", "/api/user/profile", nil, 401, nil)

	// The worker registered the search attributes on a server that had none.
	tc, err := client.Dial(client.Options{HostPort: srv.Address()})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		attrs, err := tc.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: "default"})
		if err == nil {
			if _, ok := attrs.GetCustomAttributes()["DeploymentStatus"]; ok {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker did not register search attributes: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}

	w.waitLog(regexp.MustCompile(`"msg":"worker metrics listening"`), 10*time.Second)
	if code, _, body := fetch(t, "http://"+metricsAddr+"/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("worker metrics: %d", code)
	}

	api.stop(syscall.SIGTERM, 30*time.Second)
	w.stop(syscall.SIGTERM, 30*time.Second)
}

func TestBadConfigurationIsReportedClearly(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		args  []string
		wants []string
	}{
		{"short secret", []string{"JWT_SECRET=short", "TEMPORAL_ADDRESS=127.0.0.1:1"}, []string{"api"}, []string{"JWT_SECRET", "at least 32"}},
		{"bad database url", []string{"DATABASE_URL=mysql://x"}, []string{"migrate"}, []string{"DATABASE_URL"}},
		{"bad duration", []string{"SHUTDOWN_TIMEOUT=soon"}, []string{"migrate"}, []string{"SHUTDOWN_TIMEOUT"}},
		{"bad concurrency flag", []string{"TEMPORAL_ADDRESS=127.0.0.1:1"}, []string{"worker", "-concurrency", "0"}, []string{"WORKER_CONCURRENCY"}},
		{"several at once", []string{"LOG_LEVEL=loud", "BODY_LIMIT_BYTES=1"}, []string{"migrate"}, []string{"LOG_LEVEL", "BODY_LIMIT_BYTES"}},
		{"unknown command", nil, []string{"serve"}, []string{"unknown command", "usage"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runPlatform(tc.env, tc.args...)
			if err == nil {
				t.Fatalf("platform %v succeeded; output:\n%s", tc.args, out)
			}
			for _, w := range tc.wants {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "panic") {
				t.Errorf("panicked:\n%s", out)
			}
		})
	}
	out, err := runPlatform(nil, "version")
	if err != nil || !strings.HasPrefix(out, "platform ") {
		t.Fatalf("version: %v %q", err, out)
	}
}

func runPlatform(env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, platformBin, args...)
	cmd.Env = append(cmd.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}
