package workflows_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// serverRecord is what the fake activities saw, with the order of the
// moments that matter.
type serverRecord struct {
	mu               sync.Mutex
	publishStarted   chan struct{}
	approvalWaits    chan struct{}
	publishEnded     bool
	restoreEarly     bool // RestoreRelease ran while Publish was still running
	restores         int
	approvalRecorded bool
	finishEarly      bool // Finish ran before the approval recorded its cancellation
	finish           activities.FinishInput
	ended            map[string]string // step → outcome
}

func (r *serverRecord) do(fn func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn()
}

// onServer runs DeploymentWorkflow on a real Temporal dev server (bin/temporal)
// with fake activities, and a fake approval that records its cancellation
// slowly; the test environment cannot show what waits for what on cancellation.
func onServer(t *testing.T) (client.Client, *serverRecord) {
	t.Helper()
	c := devServer(t)
	rec := &serverRecord{publishStarted: make(chan struct{}), approvalWaits: make(chan struct{}), ended: map[string]string{}}
	var startedOnce, waitsOnce sync.Once
	fakes := map[string]any{
		"StartStep": func(context.Context, activities.StepInput) error { return nil },
		"EndStep": func(_ context.Context, in activities.StepInput) error {
			rec.do(func() { rec.ended[in.Step] = in.Outcome })
			return nil
		},
		"Finish": func(_ context.Context, in activities.FinishInput) error {
			rec.do(func() { rec.finish, rec.finishEarly = in, !rec.approvalRecorded })
			return nil
		},
		"RestoreRelease": func(context.Context, activities.RestoreInput) error {
			rec.do(func() { rec.restores++; rec.restoreEarly = rec.restoreEarly || !rec.publishEnded })
			return nil
		},
		"GenerateSource": func(context.Context, activities.GenerateInput) (activities.GenerateOutput, error) {
			return activities.GenerateOutput{SourceDigest: source}, nil
		},
		"Build": func(context.Context, activities.BuildInput) (activities.BuildOutput, error) {
			return activities.BuildOutput{ArtifactDigest: artifact}, nil
		},
		// Publish is committing when the cancellation comes: it ends
		// (successfully) two seconds later, whatever the cancellation.
		"Publish": func(ctx context.Context, _ activities.PublishInput) (activities.PublishOutput, error) {
			startedOnce.Do(func() { close(rec.publishStarted) })
			activity.RecordHeartbeat(ctx)
			time.Sleep(2 * time.Second)
			rec.do(func() { rec.publishEnded = true })
			return activities.PublishOutput{URL: liveURL}, nil
		},
		"Verify":       func(context.Context, activities.VerifyInput) error { return nil },
		"OpenApproval": func(context.Context) error { waitsOnce.Do(func() { close(rec.approvalWaits) }); return nil },
		"RecordApproval": func(context.Context) error {
			time.Sleep(2 * time.Second)
			rec.do(func() { rec.approvalRecorded = true })
			return nil
		},
	}
	for _, queue := range []string{workflows.PlatformQueue, workflows.DeployQueue} {
		w := worker.New(c, queue, worker.Options{})
		w.RegisterWorkflowWithOptions(workflows.DeploymentWorkflow, workflow.RegisterOptions{Name: workflows.DeploymentWorkflowName})
		w.RegisterWorkflowWithOptions(fakeApproval, workflow.RegisterOptions{Name: workflows.ApprovalWorkflowName})
		for name, fn := range fakes {
			w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
		}
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Stop)
	}
	return c, rec
}

// fakeApproval waits for a decision that never comes; cancelled, it records
// its cancellation (slowly) and ends cancelled, as ApprovalWorkflow does.
func fakeApproval(ctx workflow.Context, _ workflows.ApprovalInput) (workflows.ApprovalState, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	if err := workflow.ExecuteActivity(ctx, "OpenApproval").Get(ctx, nil); err != nil {
		return workflows.ApprovalState{}, err
	}
	ctx.Done().Receive(ctx, nil)
	record, _ := workflow.NewDisconnectedContext(ctx)
	if err := workflow.ExecuteActivity(record, "RecordApproval").Get(record, nil); err != nil {
		return workflows.ApprovalState{}, err
	}
	return workflows.ApprovalState{Status: models.ApprovalCancelled}, temporal.NewCanceledError()
}

// cancelWhen starts a deployment, cancels it once ready is closed, and
// waits for it to end cancelled.
func cancelWhen(t *testing.T, c client.Client, in workflows.DeploymentInput, ready <-chan struct{}) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.DeploymentWorkflowID(in.DeploymentID), TaskQueue: workflows.PlatformQueue},
		workflows.DeploymentWorkflowName, in)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-ready:
	case <-ctx.Done():
		t.Fatal("the deployment never reached the step to cancel")
	}
	if err := c.CancelWorkflow(ctx, run.GetID(), ""); err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); !temporal.IsCanceledError(err) {
		t.Fatalf("deployment ended with %v, want cancelled", err)
	}
}

func TestCancellationOnAServer(t *testing.T) {
	c, rec := onServer(t)

	// The previous release is restored only once Publish has ended: a
	// publication committing while the cancellation arrives is undone.
	t.Run("during publish", func(t *testing.T) {
		in := input()
		in.DeploymentID = "d-publish"
		cancelWhen(t, c, in, rec.publishStarted)
		rec.do(func() {
			if rec.restores != 1 || rec.restoreEarly || !rec.publishEnded {
				t.Errorf("restores %d, one while Publish ran: %v (Publish ended: %v)", rec.restores, rec.restoreEarly, rec.publishEnded)
			}
			if rec.finish.Status != models.DeployCancelled || rec.ended[workflows.StepPublish] != models.StepCancelled {
				t.Errorf("finish %+v, publish step %q", rec.finish, rec.ended[workflows.StepPublish])
			}
		})
	})

	// The deployment ends only once its approval recorded the cancellation.
	t.Run("during approval", func(t *testing.T) {
		in := input()
		in.DeploymentID, in.ApprovalID, in.ApprovalTimeout = "d-approval", "a-approval", time.Hour
		cancelWhen(t, c, in, rec.approvalWaits)
		rec.do(func() {
			if !rec.approvalRecorded || rec.finishEarly {
				t.Errorf("approval recorded: %v; the deployment finished before it: %v", rec.approvalRecorded, rec.finishEarly)
			}
			if rec.finish.Status != models.DeployCancelled || rec.ended[workflows.StepApproval] != models.StepCancelled {
				t.Errorf("finish %+v, approval step %q", rec.finish, rec.ended[workflows.StepApproval])
			}
		})
	})

	// The reconciler reads how a deployment's workflow stands.
	t.Run("outcomes", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		wf := workflows.NewClient(c)
		in := input()
		in.DeploymentID = "d-deployed"
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.DeploymentWorkflowID(in.DeploymentID), TaskQueue: workflows.PlatformQueue},
			workflows.DeploymentWorkflowName, in)
		if err != nil || run.Get(ctx, nil) != nil {
			t.Fatalf("deployment: %v", err)
		}
		waiting := input()
		waiting.DeploymentID, waiting.ApprovalID, waiting.ApprovalTimeout = "d-terminated", "a-terminated", time.Hour
		if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.DeploymentWorkflowID(waiting.DeploymentID), TaskQueue: workflows.PlatformQueue},
			workflows.DeploymentWorkflowName, waiting); err != nil {
			t.Fatal(err)
		}
		if got, err := wf.DeploymentOutcome(ctx, waiting.DeploymentID); err != nil || got.State != workflows.RunOpen {
			t.Errorf("a waiting deployment: %+v %v", got, err)
		}
		if err := c.TerminateWorkflow(ctx, workflows.DeploymentWorkflowID(waiting.DeploymentID), "", "by the test"); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]workflows.DeploymentOutcome{
			"d-deployed":   {State: workflows.RunClosed, Status: models.DeployDeployed, URL: liveURL},
			"d-publish":    {State: workflows.RunClosed, Status: models.DeployCancelled, Reason: workflows.ReasonDeploymentCancelled},
			"d-terminated": {State: workflows.RunClosed, Status: models.DeployFailed, Reason: workflows.ReasonWorkflowTerminated},
			"d-never":      {State: workflows.RunMissing},
		} {
			if got, err := wf.DeploymentOutcome(ctx, id); err != nil || got != want {
				t.Errorf("%s: %+v (%v), want %+v", id, got, err, want)
			}
		}
	})
}
