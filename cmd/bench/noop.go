package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// The baseline: a workflow that runs as many sequential activities as a
// deployment does (start and end of four steps, the four steps, finish),
// each doing nothing. Our pipeline's latency over this one is our overhead.
const (
	noopQueue      = "bench-noop"
	noopActivities = 13
)

func noopActivity(context.Context, int) error { return nil }

func noopPipeline(ctx workflow.Context, n int) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{TaskQueue: noopQueue, StartToCloseTimeout: 10 * time.Second})
	for i := range n {
		if err := workflow.ExecuteActivity(ctx, noopActivity, i).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// runNoop starts count no-op pipelines, at most concurrency at a time, on an
// in-process worker with the platform worker's default concurrency.
func runNoop(ctx context.Context, address string, count, concurrency int) (deployRun, error) {
	tc, err := client.DialContext(ctx, client.Options{HostPort: address, Logger: tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))})
	if err != nil {
		return deployRun{}, err
	}
	defer tc.Close()
	w := sdkworker.New(tc, noopQueue, sdkworker.Options{MaxConcurrentActivityExecutionSize: 16, MaxConcurrentWorkflowTaskExecutionSize: 16})
	w.RegisterWorkflow(noopPipeline)
	w.RegisterActivity(noopActivity)
	if err := w.Start(); err != nil {
		return deployRun{}, err
	}
	defer w.Stop()

	var mu sync.Mutex
	var lat []time.Duration
	failed := 0
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range count {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			t0 := time.Now()
			run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
				ID: fmt.Sprintf("bench-noop-%d-%d", start.UnixNano(), i), TaskQueue: noopQueue,
			}, noopPipeline, noopActivities)
			if err == nil {
				err = run.Get(ctx, nil)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				return
			}
			lat = append(lat, time.Since(t0))
		}()
	}
	wg.Wait()
	name := fmt.Sprintf("no-op workflow (%d activities)", noopActivities)
	return summarize(name, concurrency, lat, failed, time.Since(start)), nil
}
