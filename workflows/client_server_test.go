package workflows_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/devstack"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// devServer starts a Temporal dev server (bin/temporal) and returns a client
// of it; neither its start nor its stop may hang the package.
func devServer(t *testing.T) client.Client {
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
	srv, err := devstack.Start(startCtx, devstack.Options{CLIPath: cli, Namespace: "default", Attrs: workflows.SearchAttributes(), Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopped := make(chan struct{})
		go func() { _ = srv.Stop(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(30 * time.Second):
			t.Log("the dev server did not stop within 30s")
		}
	})
	c, err := client.Dial(client.Options{HostPort: srv.Address(), Logger: tlog.NewStructuredLogger(quiet)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// onboardingWorker runs OnboardingWorkflow with activities that only succeed.
func onboardingWorker(t *testing.T, c client.Client) {
	t.Helper()
	w := worker.New(c, workflows.PlatformQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(workflows.OnboardingWorkflow, workflow.RegisterOptions{Name: workflows.OnboardingWorkflowName})
	for name, fn := range map[string]any{
		"Save":        func(context.Context, activities.OnboardingSave) error { return nil },
		"Remind":      func(context.Context, activities.ReminderInput) error { return nil },
		"RequestRole": func(_ context.Context, in activities.RoleRequest) (string, error) { return in.ApprovalID, nil },
		"Recommend":   func(context.Context, activities.RecommendInput) ([]activities.Recommendation, error) { return nil, nil },
	} {
		w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
}

// Once a user's onboarding completed, a step (as a lagging API would send
// it) is ErrOnboardingComplete and starts no second run.
func TestStepAfterCompletionStartsNothing(t *testing.T) {
	c := devServer(t)
	onboardingWorker(t, c)
	wf := workflows.NewClient(c)
	wf.UpdateTimeout = 30 * time.Second // a slow machine is not what this test is about
	ctx := t.Context()
	in := workflows.OnboardingInput{UserID: "u-1", ReminderAfter: time.Hour}
	for _, req := range []workflows.StepRequest{
		{Step: workflows.StepRole, Value: models.RoleBusinessUser},
		{Step: workflows.StepIndustry, Value: "finance"},
		{Step: workflows.StepFirstProject, Value: "p-1"},
	} {
		if _, err := wf.Step(ctx, in, req); err != nil {
			t.Fatalf("step %s: %v", req.Step, err)
		}
	}
	id := workflows.OnboardingWorkflowID(in.UserID)
	var first string
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := c.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			t.Fatal(err)
		}
		if d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			first = d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("onboarding did not complete: %v", d.GetWorkflowExecutionInfo().GetStatus())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := wf.Step(ctx, in, workflows.StepRequest{Step: workflows.StepRole, Value: models.RoleBusinessUser}); !errors.Is(err, workflows.ErrOnboardingComplete) {
		t.Fatalf("a step after completion: %v, want ErrOnboardingComplete", err)
	}
	d, err := c.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	if run := d.GetWorkflowExecutionInfo().GetExecution().GetRunId(); run != first {
		t.Fatalf("a step after completion started run %s (the completed one is %s)", run, first)
	}
	runs, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf("WorkflowId = '%s'", id)})
	if err != nil || len(runs.GetExecutions()) != 1 {
		t.Fatalf("%d runs of %s (%v), want 1", len(runs.GetExecutions()), id, err)
	}
}

// Without a worker, a decision and an onboarding step give up after the
// client's UpdateTimeout with ErrWorkerUnavailable instead of waiting for as
// long as the caller does.
func TestUpdatesWithoutAWorkerGiveUp(t *testing.T) {
	c := devServer(t)
	wf := workflows.NewClient(c)
	wf.UpdateTimeout = 2 * time.Second
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := wf.StartApproval(ctx, workflows.ApprovalInput{ApprovalID: "a-1", Type: models.ApprovalTypeRoleChange,
		RequesterID: "u-1", EligibleRoles: []string{models.RoleAdmin}, Required: 1, Timeout: time.Hour}); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"decide": func() error {
			_, err := wf.Decide(ctx, "a-1", workflows.DecideRequest{Approver: activities.Approver{ID: "u-2", Role: models.RoleAdmin}, Approve: true})
			return err
		},
		"step": func() error {
			_, err := wf.Step(ctx, workflows.OnboardingInput{UserID: "u-1", ReminderAfter: time.Hour},
				workflows.StepRequest{Step: workflows.StepRole, Value: models.RoleBusinessUser})
			return err
		},
	}
	for name, call := range calls {
		started := time.Now()
		err := call()
		if took := time.Since(started); !errors.Is(err, workflows.ErrWorkerUnavailable) || took > 20*time.Second {
			t.Errorf("%s without a worker: %v after %s, want ErrWorkerUnavailable after about 2s", name, err, took)
		}
	}
}
