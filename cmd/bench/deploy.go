package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"time"

	"github.com/forgeai/platform/internal/devstack"
	"github.com/forgeai/platform/internal/eventsclient"
	"github.com/forgeai/platform/internal/loadgen"
	"github.com/forgeai/platform/models"
)

// deployStack is the Temporal dev server and a `platform worker` process the
// deploy bench runs against.
type deployStack struct {
	temporal *devstack.Server
	worker   *exec.Cmd
	env      []string
}

func startDeployStack(ctx context.Context, temporalCLI, dbURL string) (*deployStack, error) {
	srv, err := devstack.Start(ctx, devstack.Options{
		CLIPath: temporalCLI, Namespace: "default", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(1)
	if err != nil {
		_ = srv.Stop()
		return nil, err
	}
	arts, err := os.MkdirTemp("", "bench-artifacts-")
	if err != nil {
		_ = srv.Stop()
		return nil, err
	}
	s := &deployStack{temporal: srv, env: []string{
		"TEMPORAL_ADDRESS=" + srv.Address(), "ARTIFACTS_DIR=" + arts,
		"APPS_ADDR=127.0.0.1:" + ports[0], "APPS_BASE_URL=http://localhost:" + ports[0], // apps at <slug>.localhost
		"METRICS_ADDR=127.0.0.1:0",
	}}
	return s, nil
}

// startWorker runs `platform worker` on both queues, logging to a temp file.
func (s *deployStack) startWorker(platform, dbURL string) error {
	logf, err := os.CreateTemp("", "bench-worker-*.log")
	if err != nil {
		return err
	}
	defer logf.Close()
	s.worker = exec.Command(platform, "worker")
	s.worker.Env = append(append(os.Environ(), s.env...), "DATABASE_URL="+dbURL, "LOG_LEVEL=warn", "WORKER_QUEUES=platform,deploy")
	s.worker.Stdout, s.worker.Stderr = logf, logf
	return s.worker.Start()
}

// stopWorker stops the long-lived worker (startWorker starts it again): the
// store comparison runs workers of its own on the same queues.
func (s *deployStack) stopWorker() {
	stopProc(s.worker)
	s.worker = nil
}

func (s *deployStack) stop() {
	s.stopWorker()
	_ = s.temporal.Stop()
	for _, kv := range s.env {
		if len(kv) > len("ARTIFACTS_DIR=") && kv[:len("ARTIFACTS_DIR=")] == "ARTIFACTS_DIR=" {
			_ = os.RemoveAll(kv[len("ARTIFACTS_DIR="):])
		}
	}
}

// deployRun measures deployments from POST to `deployed`, polling every 20 ms.
type deployRun struct {
	Name        string  `json:"name"`
	Count       int     `json:"count"`
	Concurrency int     `json:"concurrency"`
	Failed      int     `json:"failed"`
	P50Ms       float64 `json:"p50Ms"`
	P95Ms       float64 `json:"p95Ms"`
	MaxMs       float64 `json:"maxMs"`
	WallS       float64 `json:"wallSeconds"`
	PerSecond   float64 `json:"perSecond"`
	// CPU is the CPU milliseconds per deployment, by process role.
	CPU cpuUse `json:"cpuMsPerDeployment,omitempty"`
}

func summarize(name string, concurrency int, lat []time.Duration, failed int, wall time.Duration) deployRun {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := deployRun{Name: name, Count: len(lat) + failed, Concurrency: concurrency, Failed: failed, WallS: wall.Seconds()}
	if len(lat) > 0 {
		r.P50Ms, r.P95Ms, r.MaxMs = ms(loadgen.Percentile(lat, 50)), ms(loadgen.Percentile(lat, 95)), ms(lat[len(lat)-1])
		r.PerSecond = float64(len(lat)) / wall.Seconds()
	}
	return r
}

func (r deployRun) line() string {
	return fmt.Sprintf("%-34s n=%-3d conc=%-3d failed=%d  p50=%.0fms p95=%.0fms max=%.0fms  %.2f/s\n      CPU ms per deployment: %s",
		r.Name, r.Count, r.Concurrency, r.Failed, r.P50Ms, r.P95Ms, r.MaxMs, r.PerSecond, r.CPU)
}

// deployAll deploys the projects. One at a time, each deployment is polled;
// all at once, the user's notification stream over WebSocket says when each
// one finished, so the measuring does not load the machine it measures (the
// no-op baseline likewise long-polls for its results).
func (c *apiClient) deployAll(ctx context.Context, projects []string, concurrency int) ([]time.Duration, int, time.Duration, error) {
	start := time.Now()
	if concurrency == 1 {
		var lat []time.Duration
		failed := 0
		for _, p := range projects {
			d, ok, err := c.deployOnce(ctx, p)
			if err != nil {
				return nil, 0, 0, err
			}
			if ok {
				lat = append(lat, d)
			} else {
				failed++
			}
		}
		return lat, failed, time.Since(start), nil
	}
	ws, err := eventsclient.Dial(ctx, eventsclient.Options{URL: c.base, Token: c.token, Buffer: 4 * len(projects)})
	if err != nil {
		return nil, 0, 0, err
	}
	defer ws.Close()
	// The stream's backlog (earlier deployments) replays first and is ignored:
	// only notifications about the deployments posted here count.
	stream := models.UserStream(c.userID)
	if err := ws.Subscribe(ctx, stream, 0); err != nil {
		return nil, 0, 0, err
	}
	start = time.Now()
	results := make(chan posted, len(projects))
	for _, p := range projects {
		go func() {
			t0 := time.Now()
			var d struct{ ID string }
			err := c.call(ctx, http.MethodPost, "/api/projects/"+p+"/deployments", nil, &d, http.StatusAccepted)
			results <- posted{d.ID, t0, err}
		}()
	}
	return waitFinished(ctx, ws, stream, results, len(projects), start)
}

// waitFinished collects the posted deployments and their deployment_finished
// notifications, in whichever order they arrive.
func waitFinished(ctx context.Context, ws *eventsclient.Client, stream string, results <-chan posted, n int, start time.Time) ([]time.Duration, int, time.Duration, error) {
	began := make(map[string]time.Time, n)
	ended := make(map[string]finished) // notifications that beat their POST's answer
	var lat []time.Duration
	failed, pending := 0, n
	record := func(id string, t0 time.Time, f finished) {
		pending--
		if f.status == "deployed" {
			lat = append(lat, f.at.Sub(t0))
			return
		}
		failed++
		logf("deployment %s ended %s: %s", id, f.status, f.err)
	}
	deadline := time.After(5 * time.Minute)
	for posts := n; pending > 0; {
		select {
		case r := <-results:
			posts--
			if r.err != nil {
				return nil, 0, 0, r.err
			}
			if f, ok := ended[r.deployment]; ok {
				record(r.deployment, r.at, f)
			} else {
				began[r.deployment] = r.at
			}
		case ev, ok := <-ws.Events():
			if !ok {
				return nil, 0, 0, fmt.Errorf("event stream closed: %v", ws.Err())
			}
			var n struct{ Kind, DeploymentID, Status, Error string }
			if ev.Stream != stream || ev.Type != "notification" || json.Unmarshal(ev.Data, &n) != nil || n.Kind != "deployment_finished" {
				continue
			}
			f := finished{status: n.Status, err: n.Error, at: time.Now()}
			if t0, ok := began[n.DeploymentID]; ok {
				delete(began, n.DeploymentID)
				record(n.DeploymentID, t0, f)
			} else if posts > 0 {
				ended[n.DeploymentID] = f
			}
		case <-deadline:
			return nil, 0, 0, fmt.Errorf("%d deployments still running after 5 minutes", pending)
		case <-ctx.Done():
			return nil, 0, 0, ctx.Err()
		}
	}
	return lat, failed, time.Since(start), nil
}

// posted is a deployment request's answer; finished is its final notification.
type (
	posted struct {
		deployment string
		at         time.Time
		err        error
	}
	finished struct {
		status, err string
		at          time.Time
	}
)

func (c *apiClient) deployOnce(ctx context.Context, projectID string) (time.Duration, bool, error) {
	start := time.Now()
	var d struct{ ID, Status, Error string }
	if err := c.call(ctx, http.MethodPost, "/api/projects/"+projectID+"/deployments", nil, &d, http.StatusAccepted); err != nil {
		return 0, false, err
	}
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if err := c.call(ctx, http.MethodGet, "/api/deployments/"+d.ID, nil, &d, http.StatusOK); err != nil {
			return 0, false, err
		}
		switch d.Status {
		case "deployed":
			return time.Since(start), true, nil
		case "failed", "cancelled":
			logf("deployment %s %s: %s", d.ID, d.Status, d.Error)
			return 0, false, nil
		}
		if err := sleep(ctx, 20*time.Millisecond); err != nil {
			return 0, false, err
		}
	}
	return 0, false, fmt.Errorf("deployment %s still %s after 3 minutes", d.ID, d.Status)
}

// projectsFor creates n projects for deployments.
func (c *apiClient) projectsFor(ctx context.Context, prefix string, n int, templates []string) ([]string, error) {
	ids := make([]string, n)
	for i := range n {
		var p struct{ ID string }
		body := map[string]any{"name": fmt.Sprintf("%s %d", prefix, i+1), "templateId": templates[i%len(templates)]}
		if err := c.call(ctx, http.MethodPost, "/api/projects", body, &p, http.StatusCreated); err != nil {
			return nil, err
		}
		ids[i] = p.ID
	}
	return ids, nil
}
