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
// deployment does (start and end of four steps, the four steps, finish), on
// the same two task queues (generate, build and publish on a second queue,
// like the deploy queue), each doing nothing. Our pipeline's latency over
// this one is our own overhead, not the queue layout's.
const (
	noopQueue       = "bench-noop"
	noopDeployQueue = "bench-noop-deploy"
	noopActivities  = 13
)

// onDeployQueue marks the activities that the pipeline runs on the deploy queue.
var onDeployQueue = map[int]bool{1: true, 4: true, 7: true}

func noopActivity(context.Context, int) error { return nil }

func noopPipeline(ctx workflow.Context, n int) error {
	for i := range n {
		queue := noopQueue
		if onDeployQueue[i] {
			queue = noopDeployQueue
		}
		actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{TaskQueue: queue, StartToCloseTimeout: 10 * time.Second})
		if err := workflow.ExecuteActivity(actx, noopActivity, i).Get(ctx, nil); err != nil {
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
	opts := sdkworker.Options{MaxConcurrentActivityExecutionSize: 16, MaxConcurrentWorkflowTaskExecutionSize: 16}
	w := sdkworker.New(tc, noopQueue, opts)
	w.RegisterWorkflow(noopPipeline)
	w.RegisterActivity(noopActivity)
	dw := sdkworker.New(tc, noopDeployQueue, opts)
	dw.RegisterActivity(noopActivity)
	for _, worker := range []sdkworker.Worker{w, dw} {
		if err := worker.Start(); err != nil {
			return deployRun{}, err
		}
		defer worker.Stop()
	}

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
	name := fmt.Sprintf("no-op workflow (%d activities, 2 queues)", noopActivities)
	return summarize(name, concurrency, lat, failed, time.Since(start)), nil
}
