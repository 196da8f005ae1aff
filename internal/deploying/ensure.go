package deploying

import (
	"context"
	"time"

	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// ReasonWorkflowLost is the error of a deployment whose workflow had
// recorded steps and then could not be found.
const ReasonWorkflowLost = "its workflow was lost; deploy again"

// EnsureReport counts what one Ensure pass did.
type EnsureReport struct {
	Started  int // workflows (re)started for deployments that had none
	Finished int // deployments ended: their workflow had closed, was lost, or their approval was
}

// ensureBatch bounds the deployments one pass looks at.
const ensureBatch = 100

// Ensure makes each deployment left in flight and not updated since
// olderThan agree with its workflow:
//   - no workflow and no step recorded (the API stopped between storing it
//     and starting it): its workflow is started, waiting for its approval if
//     it has one; starting is idempotent;
//   - its workflow closed without recording the end (a database outage that
//     outlasted the workflow's retries, a terminated workflow): it is ended
//     with the workflow's outcome, and a live release of one that did not
//     deploy is put back (FinishDeployment does);
//   - pending approval without its approval, or with steps but no workflow:
//     it is ended failed with the reason, so its project is not blocked.
//
// A running workflow is left alone: it records its own end.
func (s *Service) Ensure(ctx context.Context, olderThan time.Time) (EnsureReport, error) {
	var r EnsureReport
	stale, err := s.Store.StaleActiveDeployments(ctx, olderThan, ensureBatch)
	if err != nil {
		return r, err
	}
	for _, d := range stale {
		if ctx.Err() != nil {
			return r, ctx.Err()
		}
		out, err := s.Outcomes.DeploymentOutcome(ctx, d.ID)
		if err != nil {
			s.log().Warn("describing a deployment's workflow failed", "deployment_id", d.ID, "error", err.Error())
			continue
		}
		switch {
		case out.State == workflows.RunOpen:
		case out.State == workflows.RunClosed:
			s.finish(ctx, d, out.Status, out.URL, out.Reason, &r)
		case d.WithoutItsApproval():
			s.finish(ctx, d, models.DeployFailed, "", models.ReasonApprovalLost, &r)
		case len(d.Steps.V) > 0:
			s.finish(ctx, d, models.DeployFailed, "", ReasonWorkflowLost, &r)
		default:
			p, err := s.Store.ProjectByID(ctx, d.ProjectID)
			if err != nil {
				continue // deleted meanwhile
			}
			if err := s.Workflows.StartDeployment(ctx, workflows.NewDeploymentInput(d, p.OwnerID, s.Timers)); err != nil {
				s.log().Warn("starting an unstarted deployment failed", "deployment_id", d.ID, "status", d.Status, "error", err.Error())
				continue
			}
			r.Started++
			s.log().Info("started the workflow of a deployment that had none", "deployment_id", d.ID, "status", d.Status)
		}
	}
	return r, nil
}

func (s *Service) finish(ctx context.Context, d models.Deployment, status, url, reason string, r *EnsureReport) {
	if _, err := s.Store.FinishDeployment(ctx, d.ID, status, url, reason); err != nil {
		s.log().Warn("ending a deployment from its workflow failed", "deployment_id", d.ID, "error", err.Error())
		return
	}
	r.Finished++
	s.log().Info("ended a deployment its workflow left in flight", "deployment_id", d.ID, "was", d.Status, "status", status, "reason", reason)
}
