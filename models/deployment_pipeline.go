package models

import (
	"context"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Step outcomes.
const (
	StepRunning   = "running"
	StepSucceeded = "succeeded"
	StepFailed    = "failed"
	StepSkipped   = "skipped"
	StepCancelled = "cancelled"
)

func isTerminal(status string) bool {
	return status == DeployDeployed || status == DeployFailed || status == DeployCancelled || status == DeployRolledBack
}

// StartStep moves an unfinished deployment to status and marks step running.
// Repeating it (an activity retry) changes nothing further.
func (s *Store) StartStep(ctx context.Context, id, step, status string) (Deployment, error) {
	return s.updateDeployment(ctx, "start step", id, func(d *Deployment) {
		if isTerminal(d.Status) {
			return
		}
		d.Status = status
		now := time.Now().UTC()
		i := stepIndex(d.Steps.V, step)
		if i < 0 {
			d.Steps.V = append(d.Steps.V, Step{Name: step, Status: StepRunning, StartedAt: &now})
			return
		}
		if d.Steps.V[i].Status != StepRunning {
			d.Steps.V[i] = Step{Name: step, Status: StepRunning, StartedAt: &now}
		}
	})
}

// EndStep records a step's outcome; the first outcome recorded wins.
func (s *Store) EndStep(ctx context.Context, id, step, outcome, errMsg string) (Deployment, error) {
	return s.updateDeployment(ctx, "end step", id, func(d *Deployment) {
		now := time.Now().UTC()
		i := stepIndex(d.Steps.V, step)
		if i < 0 {
			d.Steps.V = append(d.Steps.V, Step{Name: step, StartedAt: &now})
			i = len(d.Steps.V) - 1
		}
		if d.Steps.V[i].FinishedAt != nil {
			return
		}
		d.Steps.V[i].Status, d.Steps.V[i].Error, d.Steps.V[i].FinishedAt = outcome, errMsg, &now
	})
}

// SetSourceDigest records the generated source tree.
func (s *Store) SetSourceDigest(ctx context.Context, id, digest string) error {
	_, err := s.updateDeployment(ctx, "set source digest", id, func(d *Deployment) { d.SourceDigest = digest })
	return err
}

// SetArtifactDigest records the built artifact.
func (s *Store) SetArtifactDigest(ctx context.Context, id, digest string) error {
	_, err := s.updateDeployment(ctx, "set artifact digest", id, func(d *Deployment) { d.ArtifactDigest = digest })
	return err
}

func (s *Store) updateDeployment(ctx context.Context, op, id string, change func(d *Deployment)) (Deployment, error) {
	var d Deployment
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockRow(tx, s.dialect).Where("id = ?", id).Take(&d).Error; err != nil {
			return err
		}
		change(&d)
		return tx.Model(&d).Select("status", "steps", "source_digest", "artifact_digest", "updated_at").Updates(&d).Error
	})
	return d, translate(op, err)
}

func stepIndex(steps []Step, name string) int {
	return slices.IndexFunc(steps, func(s Step) bool { return s.Name == name })
}

// Release is one publication of a project.
type Release struct {
	DeploymentID         string `gorm:"primaryKey"`
	ProjectID            string
	ArtifactDigest       string
	PreviousDeploymentID *string
	CreatedAt            time.Time
}

// PublishRelease points the project's live release at the deployment's
// artifact, atomically, remembering the release it replaces. Publishing the
// same deployment again changes nothing (idempotent per deployment).
func (s *Store) PublishRelease(ctx context.Context, deploymentID, url string) (Release, error) {
	var rel Release
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var d Deployment
		if err := tx.Where("id = ?", deploymentID).Take(&d).Error; err != nil {
			return err
		}
		var p Project
		if err := lockRow(tx, s.dialect).Where("id = ?", d.ProjectID).Take(&p).Error; err != nil {
			return err
		}
		err := tx.Where("deployment_id = ?", deploymentID).Take(&rel).Error
		if err == nil {
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		if d.ArtifactDigest == "" {
			return errors.New("deployment has no artifact")
		}
		rel = Release{DeploymentID: d.ID, ProjectID: p.ID, ArtifactDigest: d.ArtifactDigest, PreviousDeploymentID: p.LiveDeploymentID}
		if err := tx.Create(&rel).Error; err != nil {
			return err
		}
		return tx.Model(&Project{}).Where("id = ?", p.ID).Updates(map[string]any{
			"live_deployment_id": d.ID, "deployment_url": url, "updated_at": time.Now().UTC(),
		}).Error
	})
	return rel, translate("publish release", err)
}

// RestoreRelease undoes PublishRelease: if the deployment is live, the
// project's previous release (or none) becomes live again. Idempotent.
func (s *Store) RestoreRelease(ctx context.Context, deploymentID string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rel Release
		err := tx.Where("deployment_id = ?", deploymentID).Take(&rel).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil // never published
		}
		if err != nil {
			return err
		}
		var p Project
		if err := lockRow(tx, s.dialect).Where("id = ?", rel.ProjectID).Take(&p).Error; err != nil {
			return err
		}
		if p.LiveDeploymentID == nil || *p.LiveDeploymentID != deploymentID {
			return tx.Delete(&rel).Error
		}
		url := ""
		if rel.PreviousDeploymentID != nil {
			var prev Deployment
			if err := tx.Select("url").Where("id = ?", *rel.PreviousDeploymentID).Take(&prev).Error; err == nil {
				url = prev.URL
			}
		}
		if err := tx.Model(&Project{}).Where("id = ?", p.ID).Updates(map[string]any{
			"live_deployment_id": rel.PreviousDeploymentID, "deployment_url": url, "updated_at": time.Now().UTC(),
		}).Error; err != nil {
			return err
		}
		return tx.Delete(&rel).Error
	})
	return translate("restore release", err)
}

// FinishDeployment records the final status once (later calls are no-ops)
// and moves the project's status with it.
func (s *Store) FinishDeployment(ctx context.Context, id, status, url, errMsg string) (Deployment, error) {
	var d Deployment
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockRow(tx, s.dialect).Where("id = ?", id).Take(&d).Error; err != nil {
			return err
		}
		if isTerminal(d.Status) {
			return nil
		}
		now := time.Now().UTC()
		d.Status, d.URL, d.Error, d.FinishedAt = status, url, errMsg, &now
		if err := tx.Model(&d).Select("status", "url", "error", "finished_at", "updated_at").Updates(&d).Error; err != nil {
			return err
		}
		return s.followDeployment(tx, d)
	})
	return d, translate("finish deployment", err)
}

// followDeployment sets the project's status from its deployment's outcome.
func (s *Store) followDeployment(tx *gorm.DB, d Deployment) error {
	var p Project
	if err := lockRow(tx, s.dialect).Where("id = ?", d.ProjectID).Take(&p).Error; err != nil {
		return err
	}
	upd := map[string]any{"updated_at": time.Now().UTC()}
	switch d.Status {
	case DeployDeployed:
		upd["status"], upd["status_message"] = ProjectDeployed, ""
		if d.Kind == KindRollback {
			var rel Release
			if err := tx.Where("deployment_id = ?", d.ID).Take(&rel).Error; err == nil && rel.PreviousDeploymentID != nil {
				if err := tx.Model(&Deployment{}).Where("id = ? AND status = ?", *rel.PreviousDeploymentID, DeployDeployed).
					Update("status", DeployRolledBack).Error; err != nil {
					return err
				}
			}
		}
	case DeployFailed:
		upd["status"], upd["status_message"] = ProjectError, d.Error
	default: // cancelled: back to what is live
		upd["status"], upd["status_message"] = ProjectDraft, ""
		if p.LiveDeploymentID != nil {
			upd["status"] = ProjectDeployed
		}
	}
	return tx.Model(&Project{}).Where("id = ?", p.ID).Updates(upd).Error
}

// LiveArtifact returns the artifact digest of the project's live release.
func (s *Store) LiveArtifact(ctx context.Context, slug string) (string, error) {
	var rel Release
	err := s.db.WithContext(ctx).Model(&Release{}).
		Joins("JOIN projects ON projects.live_deployment_id = releases.deployment_id").
		Where("projects.slug = ?", slug).Select("releases.artifact_digest").Take(&rel).Error
	return rel.ArtifactDigest, translate("live artifact", err)
}

// DeploymentArtifact returns the artifact digest a deployment built or re-published.
func (s *Store) DeploymentArtifact(ctx context.Context, deploymentID string) (string, error) {
	var d Deployment
	err := s.db.WithContext(ctx).Select("artifact_digest").Where("id = ? AND artifact_digest <> ''", deploymentID).Take(&d).Error
	return d.ArtifactDigest, translate("deployment artifact", err)
}
