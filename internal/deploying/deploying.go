// Package deploying is the one use case of deployments: deploy a project,
// roll it back, cancel a deployment, and make a deployment left in flight
// agree with its workflow (the reconciler). The HTTP handlers and the
// reconciler both call it, so the rules live in one place: who may deploy
// alone, that a deployment's approval comes with it, that a deployment
// whose workflow cannot start does not block its project.
package deploying

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/internal/faults"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// Store is what deploying needs from persistence.
type Store interface {
	GetProject(ctx context.Context, ownerID, id string) (models.Project, error)
	ProjectByID(ctx context.Context, id string) (models.Project, error)
	TemplateForProject(ctx context.Context, id string) (models.Template, error)
	CreateDeployment(ctx context.Context, in models.NewDeployment) (models.Deployment, bool, error)
	GetDeployment(ctx context.Context, ownerID, id string) (models.Deployment, error)
	FinishDeployment(ctx context.Context, id, status, url, errMsg string) (models.Deployment, error)
	StaleActiveDeployments(ctx context.Context, olderThan time.Time, limit int) ([]models.Deployment, error)
}

// Workflows starts and cancels deployment workflows; starting is idempotent.
type Workflows interface {
	StartDeployment(ctx context.Context, in workflows.DeploymentInput) error
	CancelDeployment(ctx context.Context, deploymentID string) error
}

// Outcomes tells how a deployment's workflow stands, for Ensure.
type Outcomes interface {
	DeploymentOutcome(ctx context.Context, deploymentID string) (workflows.DeploymentOutcome, error)
}

// Service runs the use case. Outcomes is needed by Ensure only.
type Service struct {
	Store     Store
	Workflows Workflows
	Outcomes  Outcomes
	// Timers are those of the approval a deployment without deploy:project
	// waits for; Timers.Timeout is also its stored deadline.
	Timers workflows.ApprovalTimers
	// CheckConfiguration, when set, refuses a project whose configuration no
	// longer validates against its template; its error is returned as is.
	CheckConfiguration func(t models.Template, configuration map[string]any) error
	Log                *slog.Logger
}

// Requester is who asks: the owner of the project, with their role.
type Requester struct{ ID, Role string }

// Refusals and failures callers map to answers.
var (
	// ErrTemplateUnpublished: the project's template left the gallery.
	ErrTemplateUnpublished = errors.New("the project's template is no longer published")
	// ErrRollbackForbidden: rolling back needs deploy:project.
	ErrRollbackForbidden = errors.New("deploying needs the deploy:project permission (technical users and admins)")
	// ErrUnknownTarget: no deployment with that id in that project.
	ErrUnknownTarget = errors.New("no deployment with this id in this project")
	// ErrWorkflowUnavailable: the workflow could not be started; the
	// deployment was ended failed, so its project is not blocked.
	ErrWorkflowUnavailable = errors.New("the workflow service is unavailable; try again")
)

// ReasonStartFailed is the error of a deployment ended failed because its
// workflow could not be started.
const ReasonStartFailed = "the workflow service was unavailable; try again"

// NotDeployableError refuses a rollback to a deployment that never went live.
type NotDeployableError struct{ Status string }

func (e *NotDeployableError) Error() string {
	return "that deployment never went live, so there is nothing to roll back to"
}

// ApprovalLostError: a retried request found its deployment pending approval
// without its approval (left by an older version's crash); it was failed.
type ApprovalLostError struct{ DeploymentID string }

func (e *ApprovalLostError) Error() string { return "this deployment's " + models.ReasonApprovalLost }

// AlreadyFinishedError refuses to cancel a deployment that already finished.
type AlreadyFinishedError struct{ Status string }

func (e *AlreadyFinishedError) Error() string {
	return "the deployment already finished as " + e.Status
}

// Deploy creates a deployment of the requester's project (the same one again
// for a repeated idempotency key) and starts its workflow. Without
// deploy:project it waits for an approval, created with it. A project with a
// deployment in flight answers *models.ActiveDeploymentError.
func (s *Service) Deploy(ctx context.Context, who Requester, projectID, idempotencyKey string) (models.Deployment, error) {
	p, err := s.Store.GetProject(ctx, who.ID, projectID)
	if err != nil {
		return models.Deployment{}, err
	}
	t, err := s.Store.TemplateForProject(ctx, p.TemplateID)
	if errors.Is(err, models.ErrNotFound) {
		return models.Deployment{}, ErrTemplateUnpublished
	}
	if err != nil {
		return models.Deployment{}, err
	}
	if s.CheckConfiguration != nil {
		if err := s.CheckConfiguration(t, p.Configuration.V); err != nil {
			return models.Deployment{}, err
		}
	}
	d, _, err := s.Store.CreateDeployment(ctx, models.NewDeployment{
		ProjectID: p.ID, OwnerID: who.ID, RequestedBy: who.ID, IdempotencyKey: idempotencyKey, Kind: models.KindDeploy,
		NeedsApproval: !auth.Can(who.Role, auth.DeployProject), ApprovalDeadline: time.Now().Add(s.Timers.Timeout),
	})
	if err != nil {
		return models.Deployment{}, err
	}
	return d, s.start(ctx, d, who.ID)
}

// Rollback creates a deployment that re-publishes the artifact of an earlier
// deployment of the project that went live, and starts its workflow.
func (s *Service) Rollback(ctx context.Context, who Requester, projectID, targetID, idempotencyKey string) (models.Deployment, error) {
	if _, err := s.Store.GetProject(ctx, who.ID, projectID); err != nil {
		return models.Deployment{}, err
	}
	if !auth.Can(who.Role, auth.DeployProject) {
		return models.Deployment{}, ErrRollbackForbidden
	}
	target, err := s.Store.GetDeployment(ctx, who.ID, targetID)
	if err != nil || target.ProjectID != projectID {
		return models.Deployment{}, ErrUnknownTarget
	}
	if target.ArtifactDigest == "" || (target.Status != models.DeployDeployed && target.Status != models.DeployRolledBack) {
		return models.Deployment{}, &NotDeployableError{Status: target.Status}
	}
	d, _, err := s.Store.CreateDeployment(ctx, models.NewDeployment{
		ProjectID: projectID, OwnerID: who.ID, RequestedBy: who.ID, IdempotencyKey: idempotencyKey, Kind: models.KindRollback,
		RollbackOf: target.ID, SourceDigest: target.SourceDigest, ArtifactDigest: target.ArtifactDigest,
	})
	if err != nil {
		return models.Deployment{}, err
	}
	return d, s.start(ctx, d, who.ID)
}

// Cancel asks the workflow of the owner's deployment to cancel; it returns
// the deployment as it was. The workflow records the cancellation.
func (s *Service) Cancel(ctx context.Context, ownerID, deploymentID string) (models.Deployment, error) {
	d, err := s.Store.GetDeployment(ctx, ownerID, deploymentID)
	if err != nil {
		return models.Deployment{}, err
	}
	if !slices.Contains(models.ActiveStatuses, d.Status) {
		return models.Deployment{}, &AlreadyFinishedError{Status: d.Status}
	}
	if err := s.Workflows.CancelDeployment(ctx, d.ID); err != nil {
		return models.Deployment{}, err
	}
	return d, nil
}

// start starts (or, for a repeated request, re-attaches to) the workflow of
// d, a deployment of ownerID's project. If the workflow service cannot be
// reached the deployment is ended failed so its project is not blocked;
// should its workflow have started after all, it can never go live (a
// finished deployment is not published).
func (s *Service) start(ctx context.Context, d models.Deployment, ownerID string) error {
	faults.Kill(faults.APIAfterInsert) // the fault matrix dies here: the reconciler must recover
	if d.WithoutItsApproval() {
		if _, err := s.Store.FinishDeployment(ctx, d.ID, models.DeployFailed, "", models.ReasonApprovalLost); err != nil {
			return err
		}
		return &ApprovalLostError{DeploymentID: d.ID}
	}
	if err := s.Workflows.StartDeployment(ctx, workflows.NewDeploymentInput(d, ownerID, s.Timers)); err != nil {
		s.log().ErrorContext(ctx, "start deployment failed", "deployment_id", d.ID, "error", err.Error())
		if _, ferr := s.Store.FinishDeployment(context.WithoutCancel(ctx), d.ID, models.DeployFailed, "", ReasonStartFailed); ferr != nil {
			s.log().ErrorContext(ctx, "marking deployment failed", "deployment_id", d.ID, "error", ferr.Error())
		}
		return fmt.Errorf("%w: %w", ErrWorkflowUnavailable, err)
	}
	return nil
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}
