package models

import (
	"context"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/forgeai/platform/internal/config"
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
	return status == DeployDeployed || status == DeployFailed || status == DeployCancelled || status == DeployRolledBack ||
		status == DeployRejected || status == DeployExpired
}

// StartStep moves an unfinished deployment to status and marks step running.
// Repeating it (an activity retry) changes nothing further, also once the
// step has finished: a step's activity that recorded its success and is run
// again (its worker died before reporting) neither restarts the step nor
// moves the deployment back.
func (s *Store) StartStep(ctx context.Context, id, step, status string) (Deployment, error) {
	return s.updateDeployment(ctx, "start step", id, func(d *Deployment) []eventOut {
		if isTerminal(d.Status) {
			return nil
		}
		i := stepIndex(d.Steps.V, step)
		if i >= 0 && (d.Steps.V[i].Status == StepRunning || d.Steps.V[i].FinishedAt != nil) {
			return nil // a retry of the same start, or of a step that ended
		}
		d.Status = status
		now := time.Now().UTC()
		if i < 0 {
			d.Steps.V = append(d.Steps.V, Step{Name: step, Status: StepRunning, StartedAt: &now})
		} else {
			d.Steps.V[i] = Step{Name: step, Status: StepRunning, StartedAt: &now}
		}
		return []eventOut{{"deployment.step_started", map[string]any{"step": step, "status": status, "at": now}}}
	})
}

// EndStep records a step's outcome; the first outcome recorded wins.
func (s *Store) EndStep(ctx context.Context, id, step, outcome, errMsg string) (Deployment, error) {
	return s.updateDeployment(ctx, "end step", id, func(d *Deployment) []eventOut {
		now := time.Now().UTC()
		i := stepIndex(d.Steps.V, step)
		if i < 0 {
			d.Steps.V = append(d.Steps.V, Step{Name: step, StartedAt: &now})
			i = len(d.Steps.V) - 1
		}
		if d.Steps.V[i].FinishedAt != nil {
			return nil
		}
		d.Steps.V[i].Status, d.Steps.V[i].Error, d.Steps.V[i].FinishedAt = outcome, errMsg, &now
		data := map[string]any{"step": step, "outcome": outcome, "at": now}
		if errMsg != "" {
			data["error"] = errMsg
		}
		return []eventOut{{"deployment.step_finished", data}}
	})
}

// SetSourceDigest records the generated source tree.
func (s *Store) SetSourceDigest(ctx context.Context, id, digest string) error {
	_, err := s.updateDeployment(ctx, "set source digest", id, func(d *Deployment) []eventOut {
		d.SourceDigest = digest
		return nil
	})
	return err
}

// SetArtifactDigest records the built artifact.
func (s *Store) SetArtifactDigest(ctx context.Context, id, digest string) error {
	_, err := s.updateDeployment(ctx, "set artifact digest", id, func(d *Deployment) []eventOut {
		d.ArtifactDigest = digest
		return nil
	})
	return err
}

// eventOut is an event a change wants appended to a deployment's streams.
type eventOut struct {
	typ  string
	data map[string]any
}

// updateDeployment applies change to the deployment and appends the events
// it returns to the deployment's and its project's streams, atomically. On
// Postgres it is an optimistic update (see updateDeploymentCAS); on SQLite,
// one writer at a time, a transaction.
func (s *Store) updateDeployment(ctx context.Context, op, id string, change func(d *Deployment) []eventOut) (Deployment, error) {
	if s.dialect == config.Postgres {
		d, done, err := s.updateDeploymentCAS(ctx, op, id, change)
		if done || err != nil {
			return d, err
		}
		// Writers kept getting there first: queue behind them on the row lock.
	}
	return s.updateDeploymentLocked(ctx, op, id, change)
}

// updateDeploymentLocked applies change under a row lock, with its events,
// in one transaction.
func (s *Store) updateDeploymentLocked(ctx context.Context, op, id string, change func(d *Deployment) []eventOut) (Deployment, error) {
	var d Deployment
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		if err := lockRow(tx, s.dialect).Where("id = ?", id).Take(&d).Error; err != nil {
			return err
		}
		events := change(&d)
		if err := tx.Model(&d).Select("status", "steps", "source_digest", "artifact_digest", "updated_at").Updates(&d).Error; err != nil {
			return err
		}
		for _, e := range events {
			if err := s.appendDeploymentEvent(tx, ev, d, e.typ, e.data); err != nil {
				return err
			}
		}
		return nil
	})
	return d, translate(op, err)
}

// appendDeploymentEvent writes the event to deployment:<id> and project:<id>.
func (s *Store) appendDeploymentEvent(tx *gorm.DB, ev *pending, d Deployment, typ string, data map[string]any) error {
	data["deploymentId"], data["projectId"] = d.ID, d.ProjectID
	if err := s.emit(tx, ev, DeploymentStream(d.ID), typ, data); err != nil {
		return err
	}
	return s.emit(tx, ev, ProjectStream(d.ProjectID), typ, data)
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

// Publication is a release and where it is served.
type Publication struct {
	Release
	Slug string // the project's
	URL  string // its live URL
}

// FinishedDeploymentError refuses to publish a deployment that already
// finished: a cancelled or failed one (even one marked failed while its
// workflow in fact started) must never go live.
type FinishedDeploymentError struct{ DeploymentID, Status string }

func (e *FinishedDeploymentError) Error() string {
	return "deployment " + e.DeploymentID + " already finished as " + e.Status + "; a finished deployment never goes live"
}

// Unwrap makes the error an ErrConflict.
func (e *FinishedDeploymentError) Unwrap() error { return ErrConflict }

// lockForRelease locks the deployment's project, then the deployment: the
// order PublishRelease, RestoreRelease and FinishDeployment all take, so a
// publication and a deployment's end never interleave (and never deadlock).
func (s *Store) lockForRelease(tx *gorm.DB, deploymentID string) (Deployment, Project, error) {
	var d Deployment
	if err := tx.Select("project_id").Where("id = ?", deploymentID).Take(&d).Error; err != nil {
		return Deployment{}, Project{}, err // a deployment never changes project, so this read needs no lock
	}
	var p Project
	if err := lockRow(tx, s.dialect).Where("id = ?", d.ProjectID).Take(&p).Error; err != nil {
		return Deployment{}, Project{}, err
	}
	if err := lockRow(tx, s.dialect).Where("id = ?", deploymentID).Take(&d).Error; err != nil {
		return Deployment{}, Project{}, err
	}
	return d, p, nil
}

// PublishRelease points the project's live release at the deployment's
// artifact, atomically, remembering the release it replaces; urlFor gives
// the live URL of the project's slug. Publishing the same deployment again
// changes nothing (idempotent per deployment). A deployment that already
// finished is refused with *FinishedDeploymentError; the check runs under
// the project's lock, which FinishDeployment takes too, so a deployment
// cannot finish between the check and the publication.
func (s *Store) PublishRelease(ctx context.Context, deploymentID string, urlFor func(slug string) string) (Publication, error) {
	var pub Publication
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		d, p, err := s.lockForRelease(tx, deploymentID)
		if err != nil {
			return err
		}
		if isTerminal(d.Status) {
			return &FinishedDeploymentError{DeploymentID: d.ID, Status: d.Status}
		}
		pub.Slug, pub.URL = p.Slug, urlFor(p.Slug)
		err = tx.Where("deployment_id = ?", deploymentID).Take(&pub.Release).Error
		if err == nil {
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		if d.ArtifactDigest == "" {
			return errors.New("deployment has no artifact")
		}
		pub.Release = Release{DeploymentID: d.ID, ProjectID: p.ID, ArtifactDigest: d.ArtifactDigest, PreviousDeploymentID: p.LiveDeploymentID}
		if err := tx.Create(&pub.Release).Error; err != nil {
			return err
		}
		if err := tx.Model(&Project{}).Where("id = ?", p.ID).Updates(map[string]any{
			"live_deployment_id": d.ID, "deployment_url": pub.URL, "updated_at": time.Now().UTC(),
		}).Error; err != nil {
			return err
		}
		return s.appendDeploymentEvent(tx, ev, d, "deployment.published", map[string]any{
			"url": pub.URL, "artifactDigest": d.ArtifactDigest, "previousDeploymentId": p.LiveDeploymentID,
		})
	})
	if err != nil {
		return Publication{}, translate("publish release", err)
	}
	return pub, nil
}

// RestoreRelease undoes PublishRelease: if the deployment is live, the
// project's previous release (or none) becomes live again. Idempotent.
func (s *Store) RestoreRelease(ctx context.Context, deploymentID string) error {
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		d, p, err := s.lockForRelease(tx, deploymentID)
		if err != nil {
			return err
		}
		return s.restoreRelease(tx, ev, d, &p)
	})
	return translate("restore release", err)
}

// restoreRelease puts back the release d replaced if d is live, and forgets
// d's release; p (locked) is updated to what is live afterwards.
func (s *Store) restoreRelease(tx *gorm.DB, ev *pending, d Deployment, p *Project) error {
	var rel Release
	err := tx.Where("deployment_id = ?", d.ID).Take(&rel).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil // never published
	}
	if err != nil {
		return err
	}
	if p.LiveDeploymentID == nil || *p.LiveDeploymentID != d.ID {
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
	if err := tx.Delete(&rel).Error; err != nil {
		return err
	}
	p.LiveDeploymentID, p.DeploymentURL = rel.PreviousDeploymentID, url
	return s.appendDeploymentEvent(tx, ev, Deployment{ID: d.ID, ProjectID: p.ID}, "deployment.release_restored", map[string]any{
		"liveDeploymentId": rel.PreviousDeploymentID, "url": url,
	})
}

// FinishDeployment records the final status once (later calls are no-ops)
// and moves the project's status with it. A deployment that ends as
// anything but deployed takes its release with it if it is live (a late
// Publish attempt may have committed after the workflow's restore): what
// did not deploy is never left live.
func (s *Store) FinishDeployment(ctx context.Context, id, status, url, errMsg string) (Deployment, error) {
	var d Deployment
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		var p Project
		var err error
		if d, p, err = s.lockForRelease(tx, id); err != nil {
			return err
		}
		if isTerminal(d.Status) {
			return nil
		}
		if status != DeployDeployed {
			if err := s.restoreRelease(tx, ev, d, &p); err != nil {
				return err
			}
		}
		now := time.Now().UTC()
		d.Status, d.URL, d.Error, d.FinishedAt = status, url, errMsg, &now
		if err := tx.Model(&d).Select("status", "url", "error", "finished_at", "updated_at").Updates(&d).Error; err != nil {
			return err
		}
		if err := s.followDeployment(tx, ev, d, p); err != nil {
			return err
		}
		data := map[string]any{"status": status, "url": url, "error": errMsg, "at": now}
		if err := s.appendDeploymentEvent(tx, ev, d, "deployment.finished", data); err != nil {
			return err
		}
		return s.emit(tx, ev, UserStream(d.RequestedBy), EventNotification, map[string]any{
			"kind": NoticeDeploymentFinished, "deploymentId": d.ID, "projectId": d.ProjectID, "status": status, "url": url, "error": errMsg,
		})
	})
	return d, translate("finish deployment", err)
}

// followDeployment sets the project's status (p, locked) from its
// deployment's outcome.
func (s *Store) followDeployment(tx *gorm.DB, ev *pending, d Deployment, p Project) error {
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
	default: // cancelled, rejected, expired: back to what is live
		upd["status"], upd["status_message"] = ProjectDraft, d.Error
		if p.LiveDeploymentID != nil {
			upd["status"] = ProjectDeployed
		}
	}
	if err := tx.Model(&Project{}).Where("id = ?", p.ID).Updates(upd).Error; err != nil {
		return err
	}
	return s.emit(tx, ev, ProjectStream(p.ID), "project.status", map[string]any{
		"status": upd["status"], "message": upd["status_message"], "deploymentId": d.ID,
	})
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
