package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Deployment statuses.
const (
	DeployPendingApproval = "pending_approval"
	DeployQueued          = "queued"
	DeployGenerating      = "generating"
	DeployBuilding        = "building"
	DeployPublishing      = "publishing"
	DeployVerifying       = "verifying"
	DeployDeployed        = "deployed"
	DeployFailed          = "failed"
	DeployCancelled       = "cancelled"
	DeployRolledBack      = "rolled_back"
	DeployRejected        = "rejected"
	DeployExpired         = "expired"
)

// Deployment kinds.
const (
	KindDeploy   = "deploy"
	KindRollback = "rollback"
)

// ActiveStatuses are the statuses of a deployment still in flight.
var ActiveStatuses = []string{DeployPendingApproval, DeployQueued, DeployGenerating, DeployBuilding, DeployPublishing, DeployVerifying}

// Deployment is a row of deployments.
type Deployment struct {
	ID             string
	ProjectID      string
	Seq            int
	RequestedBy    string
	Kind           string
	RollbackOf     *string
	Status         string
	WorkflowID     string
	IdempotencyKey *string
	SourceDigest   string
	ArtifactDigest string
	URL            string
	Error          string
	Steps          JSON[[]Step]
	CreatedAt      time.Time
	UpdatedAt      time.Time
	FinishedAt     *time.Time
	ApprovalID     *string
	// The snapshot (deployment_snapshot.go): what the deployment was
	// requested with and builds. Empty on deployments made before migration
	// 00015 (ConfigurationDigest == "").
	Configuration       JSON[map[string]any]
	ConfigurationDigest string
	ProjectName         string
	TemplateID          *string
	TemplateVersion     int
	TemplateDigest      string
}

// WithoutItsApproval reports a deployment pending approval that has no
// approval to wait for: one left by a crash of a version that stored the
// approval after the deployment. Nobody can approve it, so it must be
// failed, never started (its workflow would skip the approval gate).
func (d Deployment) WithoutItsApproval() bool {
	return d.Status == DeployPendingApproval && d.ApprovalID == nil
}

// ReasonApprovalLost is the error of a deployment failed for WithoutItsApproval.
const ReasonApprovalLost = "its approval request was lost; deploy again"

// Step is one pipeline step of a deployment as users see it.
type Step struct {
	Name       string     `json:"name"`
	Status     string     `json:"status"` // running, succeeded, failed, skipped, cancelled
	StartedAt  *time.Time `json:"startedAt,omitempty"`
	FinishedAt *time.Time `json:"finishedAt,omitempty"`
	Error      string     `json:"error,omitempty"`
}

// ActiveDeploymentError is returned when a project already has a deployment in flight.
type ActiveDeploymentError struct{ DeploymentID string }

func (e *ActiveDeploymentError) Error() string {
	return "deployment " + e.DeploymentID + " of this project is still running"
}

// Unwrap makes the error an ErrConflict.
func (e *ActiveDeploymentError) Unwrap() error { return ErrConflict }

// NewDeployment is a request to deploy (or roll back) a project.
type NewDeployment struct {
	ProjectID      string
	OwnerID        string // the project must belong to this user
	RequestedBy    string
	IdempotencyKey string // optional
	Kind           string
	RollbackOf     string // rollback: the deployment whose artifact is re-published
	SourceDigest   string // rollback: copied from RollbackOf
	ArtifactDigest string // rollback: copied from RollbackOf
	// NeedsApproval: the requester may not deploy alone. The deployment
	// starts pending_approval, with its approval request (open until
	// ApprovalDeadline) created in the same transaction.
	NeedsApproval    bool
	ApprovalDeadline time.Time
}

// CreateDeployment inserts a queued deployment with the project's next
// sequence number and marks the project deploying, in one transaction. The
// deployment records what it is requested with (takeSnapshot), read under
// the project's lock, so its approval and its build cover the same. With
// an idempotency key already used by this requester on this project, it
// returns that deployment and created=false. A project with a deployment in
// flight answers *ActiveDeploymentError.
func (s *Store) CreateDeployment(ctx context.Context, in NewDeployment) (d Deployment, created bool, err error) {
	err = s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		var p Project
		if err := lockRow(tx, s.dialect).Where("id = ? AND owner_id = ?", in.ProjectID, in.OwnerID).Take(&p).Error; err != nil {
			return err
		}
		if in.IdempotencyKey != "" {
			err := tx.Where("project_id = ? AND requested_by = ? AND idempotency_key = ?", in.ProjectID, in.RequestedBy, in.IdempotencyKey).Take(&d).Error
			if err == nil {
				return nil
			}
			if !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
		}
		var active Deployment
		err := tx.Select("id").Where("project_id = ? AND status IN ?", in.ProjectID, ActiveStatuses).Take(&active).Error
		if err == nil {
			return &ActiveDeploymentError{DeploymentID: active.ID}
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		p.DeploySeq++
		if err := tx.Model(&Project{}).Where("id = ?", p.ID).Updates(map[string]any{
			"deploy_seq": p.DeploySeq, "status": ProjectDeploying, "status_message": "", "updated_at": time.Now().UTC(),
		}).Error; err != nil {
			return err
		}
		d = Deployment{
			ID: newID(), ProjectID: in.ProjectID, Seq: p.DeploySeq, RequestedBy: in.RequestedBy, Kind: in.Kind,
			Status: DeployQueued, Steps: NewJSON([]Step{}), SourceDigest: in.SourceDigest, ArtifactDigest: in.ArtifactDigest,
		}
		d.WorkflowID = s.ids.Deployment(d.ID)
		if in.IdempotencyKey != "" {
			d.IdempotencyKey = &in.IdempotencyKey
		}
		if in.RollbackOf != "" {
			d.RollbackOf = &in.RollbackOf
		}
		if err := takeSnapshot(tx, &d, p, in.RollbackOf); err != nil {
			return err
		}
		if in.NeedsApproval {
			if in.ApprovalDeadline.IsZero() {
				return errors.New("a deployment that needs approval needs an approval deadline")
			}
			a := s.newDeploymentApproval(d, in.ApprovalDeadline)
			if err := tx.Create(&a).Error; err != nil {
				return err
			}
			d.Status, d.ApprovalID = DeployPendingApproval, &a.ID
		}
		created = true
		if err := tx.Create(&d).Error; err != nil {
			return err
		}
		if err := s.appendDeploymentEvent(tx, ev, d, "deployment.queued", map[string]any{
			"seq": d.Seq, "kind": d.Kind, "requestedBy": d.RequestedBy, "status": d.Status,
			"configurationDigest": d.ConfigurationDigest, "templateDigest": d.TemplateDigest,
		}); err != nil {
			return err
		}
		return s.emit(tx, ev, ProjectStream(p.ID), "project.status", map[string]any{"status": ProjectDeploying, "message": "", "deploymentId": d.ID})
	})
	if err != nil {
		var active *ActiveDeploymentError
		if errors.As(err, &active) {
			return Deployment{}, false, err
		}
		return Deployment{}, false, translate("create deployment", err)
	}
	return d, created, nil
}

// GetDeployment returns a deployment of one of the owner's projects.
func (s *Store) GetDeployment(ctx context.Context, ownerID, id string) (Deployment, error) {
	var d Deployment
	err := s.db.WithContext(ctx).
		Where("id = ? AND project_id IN (?)", id, s.db.Model(&Project{}).Select("id").Where("owner_id = ?", ownerID)).
		Take(&d).Error
	return d, translate("get deployment", err)
}

// ListDeployments returns a page of a project's deployments, newest first.
func (s *Store) ListDeployments(ctx context.Context, ownerID, projectID string, page Page) ([]Deployment, int64, error) {
	if _, err := s.GetProject(ctx, ownerID, projectID); err != nil {
		return nil, 0, err
	}
	q := s.db.WithContext(ctx).Model(&Deployment{}).Where("project_id = ?", projectID)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count deployments: %w", err)
	}
	var rows []Deployment
	if err := q.Order("seq DESC").Limit(page.Size).Offset(page.offset()).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list deployments: %w", err)
	}
	return rows, total, nil
}

// DeploymentByID returns a deployment without an owner check, for the pipeline.
func (s *Store) DeploymentByID(ctx context.Context, id string) (Deployment, error) {
	var d Deployment
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&d).Error
	return d, translate("get deployment", err)
}

// ProjectByID returns a project without an owner check, for the pipeline.
func (s *Store) ProjectByID(ctx context.Context, id string) (Project, error) {
	var p Project
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&p).Error
	return p, translate("get project", err)
}

// TemplateByID returns a template in any status, scaffold included, for the pipeline.
func (s *Store) TemplateByID(ctx context.Context, id string) (Template, error) {
	var t Template
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&t).Error
	return t, translate("get template", err)
}

// StaleActiveDeployments returns deployments still in flight (ActiveStatuses)
// that nothing updated since olderThan, least recently updated first: those
// whose workflow may never have started (the API stopped between the insert
// and the start) or may have closed without recording its end. The
// reconciler compares each with its workflow.
func (s *Store) StaleActiveDeployments(ctx context.Context, olderThan time.Time, limit int) ([]Deployment, error) {
	var rows []Deployment
	err := s.db.WithContext(ctx).
		Where("status IN ? AND updated_at < ?", ActiveStatuses, olderThan).
		Order("updated_at").Limit(limit).Find(&rows).Error
	return rows, translate("stale deployments", err)
}
