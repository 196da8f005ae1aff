package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"sync"
	"time"

	"github.com/forgeai/platform/internal/devstack"
	"github.com/forgeai/platform/internal/loadgen"
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
		"APPS_ADDR=127.0.0.1:" + ports[0], "APPS_BASE_URL=http://127.0.0.1:" + ports[0],
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

func (s *deployStack) stop() {
	if s.worker != nil && s.worker.Process != nil {
		_ = s.worker.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = s.worker.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = s.worker.Process.Kill()
		}
	}
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
	return fmt.Sprintf("%-34s n=%-3d conc=%-3d failed=%d  p50=%.0fms p95=%.0fms max=%.0fms  %.2f/s",
		r.Name, r.Count, r.Concurrency, r.Failed, r.P50Ms, r.P95Ms, r.MaxMs, r.PerSecond)
}

// deployAll deploys the projects. One at a time, each deployment is polled;
// all at once, the project list is polled instead (one request per tick for
// all of them), so the measuring does not load the machine it measures.
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
	began := make(map[string]time.Time, len(projects))
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, len(projects))
	for _, p := range projects {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			if err := c.call(ctx, http.MethodPost, "/api/projects/"+p+"/deployments", nil, nil, http.StatusAccepted); err != nil {
				errs <- err
				return
			}
			mu.Lock()
			began[p] = t0
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, 0, 0, err
	}
	return c.waitProjects(ctx, began, start)
}

// waitProjects polls the project list until every project has left deploying.
func (c *apiClient) waitProjects(ctx context.Context, began map[string]time.Time, start time.Time) ([]time.Duration, int, time.Duration, error) {
	var lat []time.Duration
	failed := 0
	deadline := time.Now().Add(5 * time.Minute)
	for len(began) > 0 {
		if time.Now().After(deadline) {
			return nil, 0, 0, fmt.Errorf("%d deployments still running after 5 minutes", len(began))
		}
		var list []struct{ ID, Status, StatusMessage string }
		if err := c.call(ctx, http.MethodGet, "/api/projects?pageSize=100", nil, &list, http.StatusOK); err != nil {
			return nil, 0, 0, err
		}
		now := time.Now()
		for _, p := range list {
			t0, waiting := began[p.ID]
			if !waiting || p.Status == "deploying" {
				continue
			}
			delete(began, p.ID)
			if p.Status == "deployed" {
				lat = append(lat, now.Sub(t0))
			} else {
				failed++
				logf("project %s ended %s: %s", p.ID, p.Status, p.StatusMessage)
			}
		}
		if err := sleep(ctx, 25*time.Millisecond); err != nil {
			return nil, 0, 0, err
		}
	}
	return lat, failed, time.Since(start), nil
}

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
