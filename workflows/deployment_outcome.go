package workflows

import (
	"context"
	"errors"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/forgeai/platform/models"
)

// RunState is where a deployment's workflow stands.
type RunState int

// The states of a deployment's workflow.
const (
	// RunMissing: there is no workflow under the deployment's id (it never
	// started, or the server lost it).
	RunMissing RunState = iota
	// RunOpen: the workflow is running; it records its own outcome.
	RunOpen
	// RunClosed: the workflow ended; Status says as what.
	RunClosed
)

// DeploymentOutcome is how a deployment's workflow stands and, once it has
// closed, the deployment status and reason its end stands for.
type DeploymentOutcome struct {
	State  RunState
	Status string // a terminal deployment status, when closed
	URL    string // the live URL of a deployed one
	Reason string // why it did not deploy
}

// Reasons of deployments ended from their closed workflow.
const (
	ReasonWorkflowTerminated  = "its workflow was terminated"
	ReasonWorkflowTimedOut    = "its workflow timed out"
	ReasonNoOutcome           = "its workflow ended without an outcome"
	ReasonDeploymentCancelled = "cancelled"
)

// DeploymentOutcome describes the deployment's workflow and, if it closed,
// reads how: a completed one from its result (deployed, rejected, expired),
// a failed one with its failure's message, a cancelled one as cancelled,
// and a terminated or timed out one as failed.
func (w *Client) DeploymentOutcome(ctx context.Context, deploymentID string) (DeploymentOutcome, error) {
	id := DeploymentWorkflowID(deploymentID)
	desc, err := w.c.DescribeWorkflowExecution(ctx, id, "")
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return DeploymentOutcome{State: RunMissing}, nil
	}
	if err != nil {
		return DeploymentOutcome{}, fmt.Errorf("describe deployment workflow: %w", err)
	}
	info := desc.GetWorkflowExecutionInfo()
	closed := DeploymentOutcome{State: RunClosed, Status: models.DeployFailed}
	switch info.GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return DeploymentOutcome{State: RunOpen}, nil
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		var res DeploymentResult
		if err := w.c.GetWorkflow(ctx, id, info.GetExecution().GetRunId()).Get(ctx, &res); err != nil || res.Status == "" {
			closed.Reason = ReasonNoOutcome
			return closed, nil
		}
		closed.Status, closed.URL = res.Status, res.URL
		if res.Status != models.DeployDeployed {
			closed.Reason = "its approval was not given (" + res.Status + ")"
		}
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		err := w.c.GetWorkflow(ctx, id, info.GetExecution().GetRunId()).Get(ctx, nil)
		closed.Reason = ReasonNoOutcome
		if err != nil {
			closed.Reason = "its workflow failed: " + failureReason(err)
		}
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		closed.Status, closed.Reason = models.DeployCancelled, ReasonDeploymentCancelled
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		closed.Reason = ReasonWorkflowTimedOut
	default: // terminated
		closed.Reason = ReasonWorkflowTerminated
	}
	return closed, nil
}
