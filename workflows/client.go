package workflows

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/forgeai/platform/models"
)

// Client starts and cancels the platform's workflows for the API.
type Client struct{ c client.Client }

// NewClient wraps a Temporal client.
func NewClient(c client.Client) *Client { return &Client{c: c} }

// StartDeployment starts DeploymentWorkflow under the deployment's
// deterministic workflow id. Starting it again (a retried request) attaches to
// the running workflow or, if it already finished, does nothing.
func (w *Client) StartDeployment(ctx context.Context, in DeploymentInput) error {
	_, err := w.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       models.DeploymentWorkflowID(in.DeploymentID),
		TaskQueue:                PlatformQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			ProjectIDKey.ValueSet(in.ProjectID), OwnerIDKey.ValueSet(in.OwnerID),
			DeploymentStatusKey.ValueSet(models.DeployQueued),
		),
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
	err := w.c.CancelWorkflow(ctx, models.DeploymentWorkflowID(deploymentID), "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil // already finished
	}
	if err != nil {
		return fmt.Errorf("cancel deployment workflow: %w", err)
	}
	return nil
}

// StartApproval starts the approval's workflow under approval-<id>.
func (w *Client) StartApproval(ctx context.Context, in ApprovalInput) error {
	_, err := w.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       ApprovalWorkflowID(in.ApprovalID),
		TaskQueue:                PlatformQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			ApprovalTypeKey.ValueSet(in.Type), ApprovalStatusKey.ValueSet(ApprovalPending), RequesterKey.ValueSet(in.RequesterID),
		),
	}, ApprovalWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		return fmt.Errorf("start approval workflow: %w", err)
	}
	return nil
}

// Decide sends the decide update and waits for it to complete. A refused
// decision comes back as a *temporal.ApplicationError whose type says why
// (ErrTypeNotEligible, ErrTypeConflict, ErrTypeBadDecision).
func (w *Client) Decide(ctx context.Context, approvalID string, req DecideRequest) (ApprovalState, error) {
	h, err := w.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: ApprovalWorkflowID(approvalID), UpdateName: UpdateDecide,
		Args: []any{req}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return ApprovalState{}, fmt.Errorf("decide: %w", err)
	}
	var st ApprovalState
	if err := h.Get(ctx, &st); err != nil {
		return ApprovalState{}, fmt.Errorf("decide: %w", err)
	}
	return st, nil
}

// Step sends an onboarding step as an update, starting the user's onboarding
// workflow first if it is not running (update-with-start), and waits for it.
func (w *Client) Step(ctx context.Context, in OnboardingInput, req StepRequest) (OnboardingState, error) {
	start := w.c.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID: OnboardingWorkflowID(in.UserID), TaskQueue: PlatformQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, OnboardingWorkflowName, in)
	update := client.UpdateWorkflowOptions{
		WorkflowID: OnboardingWorkflowID(in.UserID), UpdateName: UpdateStep, Args: []any{req},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	if req.Step == UpdateBegin {
		update.UpdateName, update.Args = UpdateBegin, nil
	}
	h, err := w.c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start, UpdateOptions: update,
	})
	if err != nil {
		return OnboardingState{}, fmt.Errorf("onboarding step: %w", err)
	}
	var st OnboardingState
	if err := h.Get(ctx, &st); err != nil {
		return OnboardingState{}, fmt.Errorf("onboarding step: %w", err)
	}
	return st, nil
}

// StartOnboarding starts the user's onboarding at first login with
// update-with-start (the begin update), so repeating it is harmless.
func (w *Client) StartOnboarding(ctx context.Context, in OnboardingInput) error {
	_, err := w.Step(ctx, in, StepRequest{Step: UpdateBegin})
	return err
}
