package api_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/api"
	"github.com/forgeai/platform/internal/devstack"
	"github.com/forgeai/platform/workflows"
)

var backlogLine = regexp.MustCompile(`(?m)^platform_task_queue_backlog\{queue="([^"]*)",type="([^"]*)"\} (\S+)$`)
var backlogErrorsLine = regexp.MustCompile(`(?m)^platform_task_queue_backlog_errors_total\{queue="([^"]*)"\} (\S+)$`)

// scrape reads reg through the metrics handler the API serves and returns
// the backlog gauge by queue/type and the error counter by queue.
func scrape(t *testing.T, reg *prometheus.Registry) (backlog map[string]float64, errs map[string]float64) {
	t.Helper()
	rec := httptest.NewRecorder()
	api.MetricsHandler(reg).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("/metrics answered %d: %s", rec.Code, rec.Body)
	}
	backlog, errs = map[string]float64{}, map[string]float64{}
	for _, m := range backlogLine.FindAllStringSubmatch(rec.Body.String(), -1) {
		v, _ := strconv.ParseFloat(m[3], 64)
		backlog[m[1]+"/"+m[2]] = v
	}
	for _, m := range backlogErrorsLine.FindAllStringSubmatch(rec.Body.String(), -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		errs[m[1]] = v
	}
	return backlog, errs
}

// flakyBacklogs answers from a table, or fails while down is set.
type flakyBacklogs struct {
	mu   sync.Mutex
	down bool
	by   map[string]workflows.Backlog
}

func (f *flakyBacklogs) Backlog(_ context.Context, q string) (workflows.Backlog, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return workflows.Backlog{}, errors.New("temporal unavailable")
	}
	return f.by[q], nil
}

// TestBacklogGaugeKeepsLastValueOnError: a failed read leaves the gauge at
// its last value, counts an error per queue, and /metrics still answers.
func TestBacklogGaugeKeepsLastValueOnError(t *testing.T) {
	src := &flakyBacklogs{by: map[string]workflows.Backlog{"platform": {Workflow: 3, Activity: 1}, "deploy": {Activity: 7}}}
	reg := prometheus.NewRegistry()
	g := api.NewBacklogGauge(reg, src, []string{"platform", "deploy"}, slog.New(slog.NewTextHandler(io.Discard, nil)))

	_, errs := scrape(t, reg)
	if errs["platform"] != 0 || errs["deploy"] != 0 || len(errs) != 2 {
		t.Fatalf("before any read, the error counter must show 0 per queue, got %v", errs)
	}
	g.Refresh(t.Context())
	want := map[string]float64{"platform/workflow": 3, "platform/activity": 1, "deploy/workflow": 0, "deploy/activity": 7}
	if got, _ := scrape(t, reg); !equalFloats(got, want) {
		t.Fatalf("backlog = %v, want %v", got, want)
	}

	src.mu.Lock()
	src.down = true
	src.mu.Unlock()
	g.Refresh(t.Context())
	g.Refresh(t.Context())
	got, errs := scrape(t, reg)
	if !equalFloats(got, want) {
		t.Errorf("after failed reads, backlog = %v, want the last values %v", got, want)
	}
	if errs["platform"] != 2 || errs["deploy"] != 2 {
		t.Errorf("errors = %v, want 2 per queue", errs)
	}
}

func equalFloats(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// temporalDevServer starts bin/temporal for a test; it skips locally, and
// fails in CI, when the CLI is missing.
func temporalDevServer(t *testing.T) client.Client {
	t.Helper()
	cli := filepath.Join("..", "bin", "temporal")
	if _, err := os.Stat(cli); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("bin/temporal is required in CI (make bin/temporal): %v", err)
		}
		t.Skipf("SKIPPING: %s missing; run `make bin/temporal`", cli)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	startCtx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	srv, err := devstack.Start(startCtx, devstack.Options{CLIPath: cli, Namespace: "default", Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	c, err := client.Dial(client.Options{HostPort: srv.Address(), Namespace: "default", Logger: tlog.NewStructuredLogger(quiet)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// TestBacklogGaugeShowsWaitingTasks runs against the Temporal dev server:
// workflows started on the platform queue and activities scheduled on the
// deploy queue, with no worker on either, show on the gauge the API serves.
func TestBacklogGaugeShowsWaitingTasks(t *testing.T) {
	c := temporalDevServer(t)
	const workflowsWaiting, activitiesWaiting = 3, 4

	// A worker on a queue of its own schedules activities on the deploy
	// queue, where nothing polls.
	const starterQueue = "backlog-test-starter"
	fanOut := func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{TaskQueue: workflows.DeployQueue, StartToCloseTimeout: time.Minute})
		var fs []workflow.Future
		for range activitiesWaiting {
			fs = append(fs, workflow.ExecuteActivity(ctx, "Build"))
		}
		for _, f := range fs {
			_ = f.Get(ctx, nil)
		}
		return nil
	}
	w := sdkworker.New(c, starterQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(fanOut, workflow.RegisterOptions{Name: "fanOut"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	if _, err := c.ExecuteWorkflow(t.Context(), client.StartWorkflowOptions{TaskQueue: starterQueue}, "fanOut"); err != nil {
		t.Fatal(err)
	}
	for range workflowsWaiting {
		if _, err := c.ExecuteWorkflow(t.Context(), client.StartWorkflowOptions{TaskQueue: workflows.PlatformQueue}, workflows.DeploymentWorkflowName); err != nil {
			t.Fatal(err)
		}
	}

	reg := prometheus.NewRegistry()
	g := api.NewBacklogGauge(reg, workflows.NewBacklogs(c, "default"), workflows.Queues, slog.New(slog.NewTextHandler(io.Discard, nil)))
	want := map[string]float64{
		"platform/workflow": workflowsWaiting, "platform/activity": 0,
		"deploy/workflow": 0, "deploy/activity": activitiesWaiting,
	}
	var got, errs map[string]float64
	// The server's counts are approximate and may lag the starts a little.
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		g.Refresh(t.Context())
		if got, errs = scrape(t, reg); equalFloats(got, want) {
			break
		}
	}
	if !equalFloats(got, want) {
		t.Fatalf("backlog = %v, want %v", got, want)
	}
	if errs["platform"] != 0 || errs["deploy"] != 0 {
		t.Errorf("errors = %v, want none", errs)
	}
}
