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
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, bookkeeping), a.StartStep,
		activities.StepInput{DeploymentID: p.in.DeploymentID, Step: StepApproval, Status: models.DeployPendingApproval}).Get(ctx, nil)
	if err != nil {
		return err
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: ApprovalWorkflowID(p.in.ApprovalID), TaskQueue: PlatformQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(ApprovalTypeKey.ValueSet("project_deployment"),
			ApprovalStatusKey.ValueSet(ApprovalPending), RequesterKey.ValueSet(p.in.OwnerID)),
	})
	var st ApprovalState
	err = workflow.ExecuteChildWorkflow(cctx, ApprovalWorkflowName, ApprovalInput{
		ApprovalID: p.in.ApprovalID, Type: "project_deployment", SubjectID: p.in.DeploymentID, RequesterID: p.in.OwnerID,
		EligibleRoles: deployApprovers, Required: 1, EscalateAfter: p.in.ApprovalEscalateAfter, Timeout: p.in.ApprovalTimeout,
	}).Get(ctx, &st)
	if err != nil {
		return err
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
