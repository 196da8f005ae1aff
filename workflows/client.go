package workflows

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/forgeai/platform/activities"
)

// DefaultUpdateTimeout bounds how long an update (a decision, an onboarding
// step) waits for a worker to run it.
const DefaultUpdateTimeout = 10 * time.Second

// ErrWorkerUnavailable: no worker ran an update within the client's
// UpdateTimeout (none polls the queue, or it is stuck); the API answers 503.
var ErrWorkerUnavailable = errors.New("no worker answered in time")

// ErrOnboardingComplete: the user's onboarding workflow completed, so there
// is no step left to take; the API answers 409.
var ErrOnboardingComplete = errors.New(MsgOnboardingComplete)

// Client starts and cancels the platform's workflows for the API.
type Client struct {
	c client.Client
	// UpdateTimeout bounds each update's wait for a worker.
	UpdateTimeout time.Duration
	// dir and platformURL describe the workflows it starts (Describe).
	dir         Directory
	platformURL string
}

// NewClient wraps a Temporal client.
func NewClient(c client.Client) *Client { return &Client{c: c, UpdateTimeout: DefaultUpdateTimeout} }

// bounded runs an update under UpdateTimeout: an update waits for a worker
// to run it, and without one it would wait for as long as the caller does.
func (w *Client) bounded(ctx context.Context, update func(context.Context) error) error {
	uctx, cancel := context.WithTimeout(ctx, w.UpdateTimeout)
	defer cancel()
	err := update(uctx)
	if err != nil && ctx.Err() == nil && (uctx.Err() != nil || timedOut(err)) {
		return fmt.Errorf("%w (within %s): %w", ErrWorkerUnavailable, w.UpdateTimeout, err)
	}
	return err
}

// timedOut reports an update that ran out of time; the server may answer
// so a moment before the client's own deadline fires.
func timedOut(err error) bool {
	var updateTimeout *client.WorkflowUpdateServiceTimeoutOrCanceledError
	var deadline *serviceerror.DeadlineExceeded
	return errors.As(err, &updateTimeout) || errors.As(err, &deadline) || errors.Is(err, context.DeadlineExceeded)
}

// StartDeployment starts DeploymentWorkflow under the deployment's
// deterministic workflow id. Starting it again (a retried request) attaches to
// the running workflow or, if it already finished, does nothing.
//
// It starts with a summary and details for the Temporal UI (the project,
// its owner, the kind) and the search attributes that go with them.
func (w *Client) StartDeployment(ctx context.Context, in DeploymentInput) error {
	if in.About == nil {
		in.About = w.aboutDeployment(ctx, in)
	}
	_, err := w.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       DeploymentWorkflowID(in.DeploymentID),
		TaskQueue:                PlatformQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    deploymentSearch(in),
		StaticSummary:            DeploymentSummary(in),
		StaticDetails:            DeploymentDetails(in),
	}, DeploymentWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("start deployment workflow: %w", err)
	}
	return nil
}

// CancelDeployment asks the deployment's workflow to cancel; the running
// activity learns of it through its heartbeat.
func (w *Client) CancelDeployment(ctx context.Context, deploymentID string) error {
	err := w.c.CancelWorkflow(ctx, DeploymentWorkflowID(deploymentID), "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil // already finished
	}
	if err != nil {
		return fmt.Errorf("cancel deployment workflow: %w", err)
	}
	return nil
}

// StartApproval starts the approval's workflow under approval-<id>;
// idempotent: a running workflow is left as it is, a closed one is not started again.
// It starts with a summary and details for the Temporal UI (what is asked,
// by whom, who may decide, by when, how) and the search attributes an
// approver filters on.
func (w *Client) StartApproval(ctx context.Context, in ApprovalInput) error {
	if in.About == nil {
		in.About = w.aboutApproval(ctx, in, time.Now())
	}
	_, err := w.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       ApprovalWorkflowID(in.ApprovalID),
		TaskQueue:                PlatformQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    approvalSearch(in),
		StaticSummary:            ApprovalSummary(in),
		StaticDetails:            ApprovalDetails(in),
	}, ApprovalWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		return fmt.Errorf("start approval workflow: %w", err)
	}
	return nil
}

// ApprovalRunning reports whether the approval's workflow exists and is running.
func (w *Client) ApprovalRunning(ctx context.Context, approvalID string) (bool, error) {
	d, err := w.c.DescribeWorkflowExecution(ctx, ApprovalWorkflowID(approvalID), "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("describe approval workflow: %w", err)
	}
	return d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, nil
}

// Decide sends the decide update and waits for it to complete, at most
// UpdateTimeout (then ErrWorkerUnavailable). A refused decision comes back
// as a *temporal.ApplicationError whose type says why (ErrTypeNotEligible,
// ErrTypeConflict, ErrTypeBadDecision).
func (w *Client) Decide(ctx context.Context, approvalID string, req DecideRequest) (ApprovalState, error) {
	var st ApprovalState
	err := w.bounded(ctx, func(ctx context.Context) error {
		h, err := w.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: ApprovalWorkflowID(approvalID), UpdateName: UpdateDecide,
			Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err != nil {
			return err
		}
		return h.Get(ctx, &st)
	})
	if err != nil {
		return ApprovalState{}, fmt.Errorf("decide: %w", err)
	}
	return st, nil
}

// Step sends an onboarding step as an update, starting the user's onboarding
// workflow first if it is not running (update-with-start, from in.State),
// and waits for it, at most UpdateTimeout (then ErrWorkerUnavailable). A
// completed onboarding is never started again (ErrOnboardingComplete); one
// that failed or was terminated is, from the state in the input.
func (w *Client) Step(ctx context.Context, in OnboardingInput, req StepRequest) (activities.OnboardingState, error) {
	if in.About == nil {
		in.About = w.aboutOnboarding(ctx, in)
	}
	opts := client.StartWorkflowOptions{
		ID: OnboardingWorkflowID(in.UserID), TaskQueue: PlatformQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            OnboardingSummary(in), StaticDetails: OnboardingDetails(in),
	}
	if email := in.About.RequesterEmail; email != "" {
		opts.TypedSearchAttributes = temporal.NewSearchAttributes(RequesterEmailKey.ValueSet(email))
	}
	start := w.c.NewWithStartWorkflowOperation(opts, OnboardingWorkflowName, in)
	update := client.UpdateWorkflowOptions{
		WorkflowID: OnboardingWorkflowID(in.UserID), UpdateName: UpdateStep, Args: []any{req},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	if req.Step == UpdateBegin {
		update.UpdateName, update.Args = UpdateBegin, nil
	}
	var st activities.OnboardingState
	err := w.bounded(ctx, func(ctx context.Context) error {
		h, err := w.c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
			StartWorkflowOperation: start, UpdateOptions: update,
		})
		if err != nil {
			return err
		}
		return h.Get(ctx, &st)
	})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return activities.OnboardingState{}, ErrOnboardingComplete
	}
	if err != nil {
		return activities.OnboardingState{}, fmt.Errorf("onboarding step: %w", err)
	}
	return st, nil
}

// StartOnboarding starts the user's onboarding at first login with
// update-with-start (the begin update), so repeating it is harmless.
func (w *Client) StartOnboarding(ctx context.Context, in OnboardingInput) error {
	_, err := w.Step(ctx, in, StepRequest{Step: UpdateBegin})
	return err
}
