package worker_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/internal/devstack"
	"github.com/forgeai/platform/worker"
)

// startTemporal runs the Temporal dev server (bin/temporal) for a test; it
// skips locally, and fails in CI, when the CLI is missing.
func startTemporal(t *testing.T) client.Client {
	t.Helper()
	cli, err := filepath.Abs("../bin/temporal")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cli); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("bin/temporal is required in CI (make bin/temporal): %v", err)
		}
		t.Skipf("SKIPPING: %s missing; run `make bin/temporal`", cli)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := devstack.Start(t.Context(), devstack.Options{CLIPath: cli, Namespace: "default", Log: quiet})
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

// TestConcurrencyOneRunsOneActivityAtATime: WORKER_CONCURRENCY=1 passes
// validation, so a worker must start with it (the SDK refuses one workflow
// task slot) and then run one activity at a time.
func TestConcurrencyOneRunsOneActivityAtATime(t *testing.T) {
	c := startTemporal(t)
	const queue = "concurrency-one"
	var running, peak atomic.Int32
	slow := func(ctx context.Context) error {
		n := running.Add(1)
		defer running.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(300 * time.Millisecond)
		return nil
	}
	fanOut := func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
		var fs []workflow.Future
		for range 3 {
			fs = append(fs, workflow.ExecuteActivity(ctx, "slow"))
		}
		for _, f := range fs {
			if err := f.Get(ctx, nil); err != nil {
				return err
			}
		}
		return nil
	}
	regs := map[string][]worker.Registration{queue: {func(r sdkworker.Registry) {
		r.RegisterWorkflowWithOptions(fanOut, workflow.RegisterOptions{Name: "fanOut"})
		r.RegisterActivityWithOptions(slow, activity.RegisterOptions{Name: "slow"})
	}}}

	ctx, stop := context.WithCancel(t.Context())
	ran := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				ran <- fmt.Errorf("worker panicked: %v", p)
			}
		}()
		ran <- worker.Run(ctx, c, worker.Options{Queues: []string{queue}, Concurrency: 1, StopTimeout: 5 * time.Second,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, regs)
	}()
	run, err := c.ExecuteWorkflow(t.Context(), client.StartWorkflowOptions{TaskQueue: queue}, "fanOut")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- run.Get(t.Context(), nil) }()
	select {
	case err := <-ran:
		t.Fatalf("worker with concurrency 1 stopped before the workflow ran: %v", err)
	case err := <-done:
		if err != nil {
			t.Fatalf("workflow: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("workflow did not finish within 60s with concurrency 1")
	}
	if p := peak.Load(); p != 1 {
		t.Errorf("with concurrency 1, %d activities ran at once", p)
	}
	stop()
	if err := <-ran; err != nil {
		t.Errorf("worker stop: %v", err)
	}
}
