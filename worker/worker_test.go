package worker_test

import (
	"context"
	"errors"
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

// TestStopLetsRunningActivitiesFinish is what SIGTERM does to `platform
// worker`: its context ends, every queue's worker stops polling at once,
// and activities already running on any queue finish (their context is not
// cancelled) before Run returns, all within one StopTimeout.
func TestStopLetsRunningActivitiesFinish(t *testing.T) {
	c := startTemporal(t)
	const queueA, queueB, hold, stopTimeout = "drain-a", "drain-b", 2 * time.Second, 10 * time.Second
	started := make(chan string, 2)
	type result struct {
		name     string
		canceled bool
		at       time.Time
	}
	finished := make(chan result, 2)
	holdFor := func(name string) func(ctx context.Context) error {
		return func(ctx context.Context) error {
			started <- name
			select {
			case <-time.After(hold):
				finished <- result{name, false, time.Now()}
				return nil
			case <-ctx.Done():
				finished <- result{name, true, time.Now()}
				return ctx.Err()
			}
		}
	}
	both := func(ctx workflow.Context) error {
		a := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, workflow.ActivityOptions{TaskQueue: queueA, StartToCloseTimeout: time.Minute}), "holdA")
		b := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, workflow.ActivityOptions{TaskQueue: queueB, StartToCloseTimeout: time.Minute}), "holdB")
		return errors.Join(a.Get(ctx, nil), b.Get(ctx, nil))
	}
	regs := map[string][]worker.Registration{
		queueA: {func(r sdkworker.Registry) {
			r.RegisterWorkflowWithOptions(both, workflow.RegisterOptions{Name: "both"})
			r.RegisterActivityWithOptions(holdFor("holdA"), activity.RegisterOptions{Name: "holdA"})
		}},
		queueB: {func(r sdkworker.Registry) {
			r.RegisterActivityWithOptions(holdFor("holdB"), activity.RegisterOptions{Name: "holdB"})
		}},
	}
	ctx, stop := context.WithCancel(t.Context())
	ran := make(chan error, 1)
	go func() {
		ran <- worker.Run(ctx, c, worker.Options{Queues: []string{queueA, queueB}, Concurrency: 4, StopTimeout: stopTimeout,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, regs)
	}()
	if _, err := c.ExecuteWorkflow(t.Context(), client.StartWorkflowOptions{TaskQueue: queueA}, "both"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case <-started:
		case <-time.After(60 * time.Second):
			t.Fatal("the activities did not start within 60s")
		}
	}
	stopAt := time.Now()
	stop() // SIGTERM
	var err error
	select {
	case err = <-ran:
	case <-time.After(stopTimeout + 10*time.Second):
		t.Fatalf("Run did not return within StopTimeout (%s) after its context ended", stopTimeout)
	}
	returned := time.Now()
	if err != nil {
		t.Errorf("Run: %v", err)
	}
	for range 2 {
		select {
		case r := <-finished:
			if r.canceled {
				t.Errorf("%s was cancelled by the stop instead of finishing", r.name)
			}
			if r.at.After(returned) {
				t.Errorf("Run returned before %s finished", r.name)
			}
		default:
			t.Fatal("Run returned while an activity was still running")
		}
	}
	if d := returned.Sub(stopAt); d > stopTimeout {
		t.Errorf("the drain took %s, more than StopTimeout %s", d, stopTimeout)
	}
}
