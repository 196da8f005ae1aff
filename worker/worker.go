// Package worker runs Temporal workers: one per task queue this process
// polls, each with the workflows and activities that belong on that queue.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/workflows"
)

// Options configure the workers of one process.
type Options struct {
	Queues      []string
	Concurrency int           // max concurrent activities per queue; workflow tasks too, but at least 2 (the SDK's minimum)
	StopTimeout time.Duration // how long running activities may finish on stop
	Log         *slog.Logger
}

// Registration puts a queue's workflows and activities on a worker.
type Registration func(r sdkworker.Registry)

// Queues maps each known task queue to its registrations: workflows and the
// light activities on the platform queue; code generation, build and publish
// on the deploy queue, so operators can scale them separately.
func Queues(deploy *activities.Deployment, approvals *activities.Approvals, onboarding *activities.Onboarding) map[string][]Registration {
	return map[string][]Registration{
		workflows.PlatformQueue: {func(r sdkworker.Registry) {
			r.RegisterWorkflowWithOptions(workflows.DeploymentWorkflow, workflow.RegisterOptions{Name: workflows.DeploymentWorkflowName})
			r.RegisterWorkflowWithOptions(workflows.ApprovalWorkflow, workflow.RegisterOptions{Name: workflows.ApprovalWorkflowName})
			r.RegisterActivity(approvals)
			r.RegisterWorkflowWithOptions(workflows.OnboardingWorkflow, workflow.RegisterOptions{Name: workflows.OnboardingWorkflowName})
			r.RegisterActivity(onboarding)
			r.RegisterActivity(deploy.StartStep)
			r.RegisterActivity(deploy.EndStep)
			r.RegisterActivity(deploy.Finish)
			r.RegisterActivity(deploy.RestoreRelease)
			r.RegisterActivity(deploy.Verify)
		}},
		workflows.DeployQueue: {func(r sdkworker.Registry) {
			r.RegisterActivity(deploy.GenerateSource)
			r.RegisterActivity(deploy.Build)
			r.RegisterActivity(deploy.Publish)
		}},
	}
}

// QueueNames lists the known task queues.
func QueueNames() []string { return slices.Clone(workflows.Queues) }

// minWorkflowTaskSlots is the fewest workflow task slots the Temporal SDK
// accepts: with one, the worker would poll only its sticky queue and never
// the normal task queue, so sdkworker.New panics on 1
// (internal/internal_worker.go, "cannot set MaxConcurrentWorkflowTaskExecutionSize to 1").
const minWorkflowTaskSlots = 2

// workflowTaskSlots lets Concurrency 1 mean one activity at a time while the
// worker still gets the workflow task slots the SDK needs.
func workflowTaskSlots(concurrency int) int { return max(concurrency, minWorkflowTaskSlots) }

// Run starts one worker per queue and blocks until ctx is done, then stops
// them, letting running activities finish within StopTimeout.
func Run(ctx context.Context, c client.Client, o Options, regs map[string][]Registration) error {
	var started []sdkworker.Worker
	// Stop every queue's worker at once: each stops polling, then waits up
	// to StopTimeout for its running activities, so the whole drain takes
	// StopTimeout at most (one after the other, a queue would keep taking
	// work while another drained, and the drain could take StopTimeout per
	// queue).
	defer func() {
		var wg sync.WaitGroup
		for _, w := range started {
			wg.Go(w.Stop)
		}
		wg.Wait()
	}()
	for _, q := range o.Queues {
		queueRegs, known := regs[q]
		if !known {
			return fmt.Errorf("worker: unknown task queue %q", q)
		}
		w := sdkworker.New(c, q, sdkworker.Options{
			MaxConcurrentActivityExecutionSize:     o.Concurrency,
			MaxConcurrentWorkflowTaskExecutionSize: workflowTaskSlots(o.Concurrency),
			WorkerStopTimeout:                      o.StopTimeout,
			// The pipeline's errors are what users read: stable messages
			// with a code, the detail in the logs (activities/public_errors.go).
			Interceptors: []interceptor.WorkerInterceptor{&activities.PublicErrors{}},
		})
		for _, reg := range queueRegs {
			reg(w)
		}
		if err := w.Start(); err != nil {
			return fmt.Errorf("worker: start queue %s: %w", q, err)
		}
		started = append(started, w)
		o.Log.InfoContext(ctx, "worker polling", "queue", q, "concurrency", o.Concurrency)
	}
	<-ctx.Done()
	o.Log.Info("worker stopping", "timeout", o.StopTimeout.String())
	if errors.Is(context.Cause(ctx), context.Canceled) {
		return nil
	}
	return context.Cause(ctx)
}
