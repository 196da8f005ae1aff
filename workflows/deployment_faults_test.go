package workflows_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// optionsSpy records the options each activity and child workflow was
// scheduled with.
type optionsSpy struct {
	interceptor.WorkerInterceptorBase
	mu         sync.Mutex
	activities map[string]workflow.ActivityOptions
	children   map[string]workflow.ChildWorkflowOptions
}

func spyOn(env *testsuite.TestWorkflowEnvironment) *optionsSpy {
	s := &optionsSpy{activities: map[string]workflow.ActivityOptions{}, children: map[string]workflow.ChildWorkflowOptions{}}
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{s}})
	return s
}

func (s *optionsSpy) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	return &spyInbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}, spy: s}
}

func (s *optionsSpy) activity(name string) workflow.ActivityOptions {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.activities[name]
}

func (s *optionsSpy) child(name string) workflow.ChildWorkflowOptions {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.children[name]
}

type spyInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	spy *optionsSpy
}

func (i *spyInbound) Init(out interceptor.WorkflowOutboundInterceptor) error {
	return i.Next.Init(&spyOutbound{WorkflowOutboundInterceptorBase: interceptor.WorkflowOutboundInterceptorBase{Next: out}, spy: i.spy})
}

type spyOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	spy *optionsSpy
}

func (o *spyOutbound) ExecuteActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	o.spy.mu.Lock()
	o.spy.activities[activityType] = workflow.GetActivityOptions(ctx)
	o.spy.mu.Unlock()
	return o.Next.ExecuteActivity(ctx, activityType, args...)
}

func (o *spyOutbound) ExecuteChildWorkflow(ctx workflow.Context, childWorkflowType string, args ...any) workflow.ChildWorkflowFuture {
	o.spy.mu.Lock()
	o.spy.children[childWorkflowType] = workflow.GetChildWorkflowOptions(ctx)
	o.spy.mu.Unlock()
	return o.Next.ExecuteChildWorkflow(ctx, childWorkflowType, args...)
}

// An AI provider down for minutes (its breaker open, each attempt failing
// fast with the delay it asks for) delays generation; it does not fail the
// deployment after three attempts.
func TestGenerationOutlastsAnAIOutage(t *testing.T) {
	env, rec := newEnv(t)
	var calls atomic.Int32
	env.OnActivity(a.GenerateSource, mock.Anything, mock.Anything).Return(func(context.Context, activities.GenerateInput) (activities.GenerateOutput, error) {
		if calls.Add(1) <= 8 { // four minutes of 30 s breaker delays
			return activities.GenerateOutput{}, temporal.NewApplicationErrorWithOptions("AI provider unavailable: circuit breaker open",
				activities.ErrTypeAIUnavailable, temporal.ApplicationErrorOptions{NextRetryDelay: 30 * time.Second})
		}
		return activities.GenerateOutput{SourceDigest: source}, nil
	})
	env.OnActivity(a.Build, mock.Anything, mock.Anything).Return(activities.BuildOutput{ArtifactDigest: artifact}, nil)
	env.OnActivity(a.Publish, mock.Anything, mock.Anything).Return(activities.PublishOutput{URL: liveURL}, nil)
	env.OnActivity(a.Verify, mock.Anything, mock.Anything).Return(nil)
	env.ExecuteWorkflow(workflows.DeploymentWorkflowName, input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("an AI outage of four minutes failed the deployment: %v", err)
	}
	if f := rec.finished(t); f.Status != models.DeployDeployed || calls.Load() != 9 {
		t.Fatalf("finish = %+v after %d generate attempts", f, calls.Load())
	}
}

// A database down for minutes delays the deployment's bookkeeping; every
// write still happens, so the deployment ends instead of staying active.
// (The test environment caps unlimited retries at 10 attempts, so the
// policies are checked too: the writes retry until they succeed, for a day.)
func TestBookkeepingOutlastsADatabaseOutage(t *testing.T) {
	env, rec := newEnv(t)
	spy := spyOn(env)
	happyActivities(env)
	var verifies atomic.Int32
	env.OnActivity(a.Verify, mock.Anything, mock.Anything).Return(func(context.Context, activities.VerifyInput) error {
		if verifies.Add(1) <= 3 { // a failed verification: the release is restored
			return temporal.NewApplicationError("verify: answered 502", activities.ErrTypeVerifyFailed)
		}
		return nil
	})
	rec.failFinishes.Store(9)
	env.ExecuteWorkflow(workflows.DeploymentWorkflowName, input())
	if err := env.GetWorkflowError(); err == nil || temporal.IsCanceledError(err) {
		t.Fatalf("workflow error %v, want the verification's failure", err)
	}
	if f := rec.finished(t); f.Status != models.DeployFailed || rec.restored.Load() != 1 {
		t.Fatalf("finish = %+v, restores %d", f, rec.restored.Load())
	}
	// From workflow version 4 a step's start and success are written by the
	// step's own activity, which retries the write itself (activities'
	// tests); what the workflow still writes retries for a day.
	for _, name := range []string{"EndStep", "Finish", "RestoreRelease"} {
		opts := spy.activity(name)
		if p := opts.RetryPolicy; p == nil || p.MaximumAttempts != 0 || p.MaximumInterval > 30*time.Second || opts.ScheduleToCloseTimeout < time.Hour {
			t.Errorf("%s: retry policy %+v, schedule-to-close %s: want retries until it succeeds", name, p, opts.ScheduleToCloseTimeout)
		}
	}
}

// Cancelling while Publish runs waits for Publish to end (it heartbeats, so
// the cancellation reaches it) and then restores the previous release: a
// publication that committed meanwhile does not stay live. (The test
// environment does not hold the cancelled activity's result back; the
// options are what make a real server wait, and a real server proves it in
// TestCancellingDuringPublishOnAServerRestoresAfterPublishEnds.)
func TestCancellationDuringPublishRestoresAfterIt(t *testing.T) {
	env, rec := newEnv(t)
	spy := spyOn(env)
	env.OnActivity(a.GenerateSource, mock.Anything, mock.Anything).Return(activities.GenerateOutput{SourceDigest: source}, nil)
	env.OnActivity(a.Build, mock.Anything, mock.Anything).Return(activities.BuildOutput{ArtifactDigest: artifact}, nil)
	env.OnActivity(a.Publish, mock.Anything, mock.Anything).After(time.Minute).Return(activities.PublishOutput{URL: liveURL}, nil)
	env.RegisterDelayedCallback(env.CancelWorkflow, 10*time.Second)
	env.ExecuteWorkflow(workflows.DeploymentWorkflowName, input())
	if err := env.GetWorkflowError(); !temporal.IsCanceledError(err) {
		t.Fatalf("workflow error = %v, want canceled", err)
	}
	if opts := spy.activity("Publish"); !opts.WaitForCancellation || opts.HeartbeatTimeout <= 0 {
		t.Errorf("Publish runs with WaitForCancellation %v, heartbeat timeout %s: a cancellation would not wait for it",
			opts.WaitForCancellation, opts.HeartbeatTimeout)
	}
	if rec.restored.Load() != 1 {
		t.Errorf("restores = %d, want 1", rec.restored.Load())
	}
	if got := rec.endOf(workflows.StepPublish); got != models.StepCancelled {
		t.Errorf("publish step ended %q, want cancelled", got)
	}
	if f := rec.finished(t); f.Status != models.DeployCancelled {
		t.Fatalf("finish = %+v", f)
	}
	env.AssertNotCalled(t, "Verify", mock.Anything, mock.Anything)
}

// Cancelling a deployment that waits for its approval lets the approval
// record its cancellation before the deployment ends cancelled, with its
// approval step cancelled, whether the approval ends cancelled or returns
// its cancelled state. (The test environment always waits for a cancelled
// child; the option is what makes a real server wait, and a real server
// proves it in TestCancellingDuringApprovalOnAServerWaitsForTheApproval.)
func TestCancellationDuringApprovalWaitsForTheApprovalToRecordIt(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"the approval ends cancelled", temporal.NewCanceledError("the request was cancelled before a decision")},
		{"the approval returns its state", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, rec := newEnv(t)
			spy := spyOn(env)
			var recorded atomic.Bool
			env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.ApprovalInput) (workflows.ApprovalState, error) {
				ctx.Done().Receive(ctx, nil)
				record, _ := workflow.NewDisconnectedContext(ctx)
				_ = workflow.Sleep(record, 30*time.Second) // its bookkeeping takes a while
				recorded.Store(true)
				return workflows.ApprovalState{Status: models.ApprovalCancelled}, tc.err
			}, workflow.RegisterOptions{Name: workflows.ApprovalWorkflowName})
			var finishedBeforeRecorded atomic.Bool
			rec.onFinish = func(activities.FinishInput) { finishedBeforeRecorded.Store(!recorded.Load()) }
			env.RegisterDelayedCallback(env.CancelWorkflow, time.Minute)
			in := input()
			in.ApprovalID, in.ApprovalTimeout = "a1", 72*time.Hour
			env.ExecuteWorkflow(workflows.DeploymentWorkflowName, in)
			if err := env.GetWorkflowError(); !temporal.IsCanceledError(err) {
				t.Fatalf("workflow error = %v, want canceled", err)
			}
			if f := rec.finished(t); f.Status != models.DeployCancelled {
				t.Fatalf("finish = %+v", f)
			}
			if !spy.child(workflows.ApprovalWorkflowName).WaitForCancellation {
				t.Error("the approval runs without WaitForCancellation: a cancellation would not wait for it")
			}
			if finishedBeforeRecorded.Load() {
				t.Error("the deployment finished before its approval recorded the cancellation")
			}
			if got := rec.endOf(workflows.StepApproval); got != models.StepCancelled {
				t.Errorf("approval step ended %q, want cancelled", got)
			}
			env.AssertNotCalled(t, "GenerateSource", mock.Anything, mock.Anything)
		})
	}
}
