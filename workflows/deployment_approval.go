package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/models"
)

// notApproved ends a deployment whose approval was rejected or expired.
type notApproved struct{ status, reason string }

func (e *notApproved) Error() string { return e.status + ": " + e.reason }

// deployApprovers may approve a deployment.
var deployApprovers = []string{models.RoleTechnicalUser, models.RoleAdmin}

// awaitApproval runs the deployment's ApprovalWorkflow as a child and waits
// for its outcome; only an approval lets the pipeline go on.
func (p *pipeline) awaitApproval(ctx workflow.Context) error {
	p.step = StepApproval
	setStatus(ctx, models.DeployPendingApproval)
	p.show(models.DeployPendingApproval, "", "")
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, bookkeeping), a.StartStep,
		activities.StepInput{DeploymentID: p.in.DeploymentID, Step: StepApproval, Status: models.DeployPendingApproval}).Get(ctx, nil)
	if err != nil {
		return err
	}
	in := ApprovalInput{
		ApprovalID: p.in.ApprovalID, Type: models.ApprovalTypeDeployment, SubjectID: p.in.DeploymentID, RequesterID: p.in.OwnerID,
		EligibleRoles: deployApprovers, Required: 1, EscalateAfter: p.in.ApprovalEscalateAfter, Timeout: p.in.ApprovalTimeout,
		About: childApprovalAbout(p.in, workflow.Now(ctx)),
	}
	// From version 3 a cancellation waits for the approval to end, so it
	// records itself cancelled before the deployment finishes cancelled.
	// The summary, details and search attributes may change without a
	// version: replay matches a child by its workflow type only.
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: ApprovalWorkflowID(p.in.ApprovalID), TaskQueue: PlatformQueue,
		TypedSearchAttributes: approvalSearch(in),
		StaticSummary:         ApprovalSummary(in), StaticDetails: ApprovalDetails(in),
		WaitForCancellation: p.awaitsCancellation,
	})
	var st ApprovalState
	err = workflow.ExecuteChildWorkflow(cctx, ApprovalWorkflowName, in).Get(ctx, &st)
	if err != nil {
		return err
	}
	if p.awaitsCancellation && ctx.Err() != nil {
		return temporal.NewCanceledError() // the approval ended with the cancellation, whatever it answered
	}
	switch st.Status {
	case ApprovalApproved:
		p.endStep(ctx, StepApproval, models.StepSucceeded, "")
		p.step = ""
		return nil
	case ApprovalExpired:
		return &notApproved{status: models.DeployExpired, reason: "the approval expired: " + st.Reason}
	default:
		return &notApproved{status: models.DeployRejected, reason: "rejected: " + st.Reason}
	}
}
