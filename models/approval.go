package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Approval is a row of approvals.
type Approval struct {
	ID            string
	Type          string
	SubjectID     string
	RequesterID   string
	EligibleRoles JSON[[]string]
	EligibleUsers JSON[[]string]
	Required      int
	Decisions     JSON[json.RawMessage]
	Ignored       JSON[json.RawMessage]
	Status        string
	Reason        string
	Escalated     bool
	WorkflowID    string
	Payload       JSON[map[string]any]
	Deadline      time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ResolvedAt    *time.Time
	// Version is the number of the approval workflow's last stored report; 0
	// until its workflow first reports.
	Version int
}

// ApprovalStream names an approval's stream.
func ApprovalStream(id string) string { return "approval:" + id }

// Approval statuses: pending until enough approvals, a rejection, the
// deadline or a cancellation resolves it.
const (
	ApprovalPending   = "pending"
	ApprovalApproved  = "approved"
	ApprovalRejected  = "rejected"
	ApprovalExpired   = "expired"
	ApprovalCancelled = "cancelled"
)

// ApprovalStatuses lists every approval status.
var ApprovalStatuses = []string{ApprovalPending, ApprovalApproved, ApprovalRejected, ApprovalExpired, ApprovalCancelled}

// Approval types: what is being approved.
const (
	// ApprovalTypeDeployment is the type of the approval a deployment by a
	// user without deploy:project waits for.
	ApprovalTypeDeployment = "project_deployment"
	// ApprovalTypeTemplate publishes a submitted template in the gallery.
	ApprovalTypeTemplate = "template_publication"
	// ApprovalTypeRoleChange gives a user another role.
	ApprovalTypeRoleChange = "user_role_change"
)

// ApprovalTypes lists every approval type.
var ApprovalTypes = []string{ApprovalTypeDeployment, ApprovalTypeTemplate, ApprovalTypeRoleChange}

// Events on approval:<id>, one per change the approval workflow reports.
const (
	EventApprovalRequested     = "approval.requested"
	EventApprovalDecided       = "approval.decided"
	EventApprovalEscalated     = "approval.escalated"
	EventApprovalSignalIgnored = "approval.signal_ignored"
	EventApprovalResolved      = "approval.resolved"
)

// Notification kinds about approvals, on user:<id>.
const (
	NoticeAwaitingDecision  = "approval.awaiting_decision"
	NoticeTemplatePublished = "template_published"
)

// CreateApproval stores a pending approval with its workflow's id.
// An approval that comes with its id (chosen by a workflow, so that a retried
// activity asks with the same one) is inserted once: asking again returns
// the stored approval.
//
// A template publication is pinned to the template's content as it is now
// (its TemplateDigest, in the payload): only that content can be published
// by it.
func (s *Store) CreateApproval(ctx context.Context, a Approval) (Approval, error) {
	if err := s.pinTemplate(ctx, &a); err != nil {
		return Approval{}, err
	}
	if a.ID == "" {
		a = s.newApproval(a)
		return a, translate("create approval", s.db.WithContext(ctx).Create(&a).Error)
	}
	a = s.newApproval(a)
	db := s.db.WithContext(ctx)
	if err := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoNothing: true}).Create(&a).Error; err != nil {
		return Approval{}, translate("create approval", err)
	}
	var stored Approval
	if err := db.Where("id = ?", a.ID).Take(&stored).Error; err != nil {
		return Approval{}, translate("create approval", err)
	}
	if stored.Type != a.Type || stored.SubjectID != a.SubjectID || stored.RequesterID != a.RequesterID {
		return Approval{}, fmt.Errorf("create approval %s: another request has this id: %w", a.ID, ErrConflict)
	}
	return stored, nil
}

// pinTemplate records the digest of the template a publication request is
// about, unless the request names one already.
func (s *Store) pinTemplate(ctx context.Context, a *Approval) error {
	if a.Type != ApprovalTypeTemplate || a.PinnedDigest() != "" {
		return nil
	}
	var t Template
	if err := s.db.WithContext(ctx).Where("id = ?", a.SubjectID).Take(&t).Error; err != nil {
		return translate("create approval: read its template", err)
	}
	payload := map[string]any{}
	for k, v := range a.Payload.V {
		payload[k] = v
	}
	payload[PayloadTemplateDigest] = TemplateDigest(t)
	a.Payload = NewJSON(payload)
	return nil
}

// SubjectChangedError refuses to carry out an approval whose subject no
// longer is what was approved: its digest differs from the pinned one.
type SubjectChangedError struct{ ApprovalID, Approved, Now string }

func (e *SubjectChangedError) Error() string {
	return "approval " + e.ApprovalID + " approved content with digest " + e.Approved + ", but it now has digest " + e.Now +
		"; it changed after the request, so it is not carried out (submit it again)"
}

// Unwrap makes the error an ErrConflict.
func (e *SubjectChangedError) Unwrap() error { return ErrConflict }

// newApproval fills in what every new request has: an id (unless it comes
// with one), its workflow's id, status pending, no decisions yet.
func (s *Store) newApproval(a Approval) Approval {
	if a.ID == "" {
		a.ID = newID()
	}
	a.WorkflowID = s.ids.Approval(a.ID)
	a.Status = ApprovalPending
	a.Decisions, a.Ignored = NewJSON(json.RawMessage("[]")), NewJSON(json.RawMessage("[]"))
	if a.EligibleUsers.V == nil {
		a.EligibleUsers = NewJSON([]string{})
	}
	return a
}

// newDeploymentApproval is the request a deployment waits for: one approval
// by a technical user or an admin before the deadline. Its payload names the
// digests of the deployment's snapshot: what is approved is what is built.
func (s *Store) newDeploymentApproval(d Deployment, deadline time.Time) Approval {
	payload := map[string]any{"projectId": d.ProjectID, "deploymentId": d.ID}
	if d.HasSnapshot() {
		payload[PayloadConfigurationDigest] = d.ConfigurationDigest
		payload[PayloadTemplateDigest] = d.TemplateDigest
		payload["templateVersion"] = d.TemplateVersion
	}
	return s.newApproval(Approval{
		Type: ApprovalTypeDeployment, SubjectID: d.ID, RequesterID: d.RequestedBy,
		EligibleRoles: NewJSON([]string{RoleTechnicalUser, RoleAdmin}), Required: 1,
		Payload:  NewJSON(payload),
		Deadline: deadline.UTC(),
	})
}

// Payload keys of the digests an approval is bound to.
const (
	// PayloadConfigurationDigest: a deployment's configuration (its snapshot).
	PayloadConfigurationDigest = "configurationDigest"
	// PayloadTemplateDigest: the template a deployment builds from, or the
	// template a publication puts in the gallery (TemplateDigest).
	PayloadTemplateDigest = "templateDigest"
)

// PinnedDigest is the digest the approval's subject must still have for the
// approval to be carried out: a deployment's configuration, a template's
// content; "" when none was recorded (a role change, or a request from
// before digests were pinned).
func (a Approval) PinnedDigest() string {
	key := ""
	switch a.Type {
	case ApprovalTypeDeployment:
		key = PayloadConfigurationDigest
	case ApprovalTypeTemplate:
		key = PayloadTemplateDigest
	}
	v, _ := a.Payload.V[key].(string)
	return v
}

// GetApproval returns an approval by id.
func (s *Store) GetApproval(ctx context.Context, id string) (Approval, error) {
	var a Approval
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&a).Error
	return a, translate("get approval", err)
}

// ApprovalFilter narrows ListApprovals.
type ApprovalFilter struct {
	Status      string
	Type        string
	RequesterID string // only requests of this user
	NotFrom     string // exclude requests of this user
	Page        Page
}

// ListApprovals returns a page of approvals, newest first, and the total.
func (s *Store) ListApprovals(ctx context.Context, f ApprovalFilter) ([]Approval, int64, error) {
	q := s.db.WithContext(ctx).Model(&Approval{})
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Type != "" {
		q = q.Where("type = ?", f.Type)
	}
	if f.RequesterID != "" {
		q = q.Where("requester_id = ?", f.RequesterID)
	}
	if f.NotFrom != "" {
		q = q.Where("requester_id <> ?", f.NotFrom)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count approvals: %w", err)
	}
	var rows []Approval
	err := q.Order("created_at DESC, id DESC").Limit(f.Page.Size).Offset(f.Page.offset()).Find(&rows).Error
	return rows, total, translate("list approvals", err)
}

// ApprovalUpdate is the state the approval workflow reports.
type ApprovalUpdate struct {
	Status    string
	Reason    string
	Escalated bool
	Decisions json.RawMessage
	Ignored   json.RawMessage
	Event     string
	// Version numbers the workflow's reports of this approval (1, 2, …): a
	// retried report carries the version it had, so it is stored once.
	Version int
}

// SyncApproval stores the workflow's view of the approval and appends the
// event to approval:<id>; a request and a resolution also notify the
// requester, a request and an escalation the approvers. Idempotent: a report
// whose version is not newer than the stored one (a retry, or a report that
// a newer one overtook, whose event carries the full state) changes nothing.
func (s *Store) SyncApproval(ctx context.Context, id string, u ApprovalUpdate) error {
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		var a Approval
		if err := lockRow(tx, s.dialect).Where("id = ?", id).Take(&a).Error; err != nil {
			return err
		}
		if u.Version > 0 && u.Version <= a.Version {
			return nil
		}
		return s.storeApprovalUpdate(tx, ev, a, u)
	})
	return translate("sync approval", err)
}

// storeApprovalUpdate writes u to the locked row a and appends its events.
func (s *Store) storeApprovalUpdate(tx *gorm.DB, ev *pending, a Approval, u ApprovalUpdate) error {
	now := time.Now().UTC()
	upd := map[string]any{"status": u.Status, "reason": u.Reason, "escalated": u.Escalated,
		"decisions": string(u.Decisions), "ignored": string(u.Ignored), "updated_at": now}
	if u.Version > 0 {
		upd["version"] = u.Version
	}
	if u.Status != ApprovalPending && a.ResolvedAt == nil {
		upd["resolved_at"] = now
	}
	if err := tx.Model(&Approval{}).Where("id = ?", a.ID).Updates(upd).Error; err != nil {
		return err
	}
	data := map[string]any{"approvalId": a.ID, "type": a.Type, "status": u.Status, "reason": u.Reason,
		"escalated": u.Escalated, "decisions": u.Decisions, "ignored": u.Ignored}
	if err := s.emit(tx, ev, ApprovalStream(a.ID), u.Event, data); err != nil {
		return err
	}
	auditNewDecisions(ev, a, u.Decisions)
	if u.Event == EventApprovalResolved || u.Event == EventApprovalRequested {
		if err := s.emit(tx, ev, UserStream(a.RequesterID), EventNotification, map[string]any{
			"kind": u.Event, "approvalId": a.ID, "type": a.Type, "status": u.Status, "reason": u.Reason,
		}); err != nil {
			return err
		}
	}
	if u.Event == EventApprovalRequested || u.Event == EventApprovalEscalated {
		return s.notifyApprovers(tx, ev, a, u)
	}
	return nil
}

// CancelApproval resolves a pending approval as cancelled with the reason,
// as its workflow would: for an approval whose workflow is gone or never
// ran, so nobody waits for it any more. An approval already resolved is left
// as it is.
func (s *Store) CancelApproval(ctx context.Context, id, reason string) error {
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		var a Approval
		if err := lockRow(tx, s.dialect).Where("id = ?", id).Take(&a).Error; err != nil {
			return err
		}
		if a.Status != ApprovalPending {
			return nil
		}
		return s.storeApprovalUpdate(tx, ev, a, ApprovalUpdate{Status: ApprovalCancelled, Reason: reason, Escalated: a.Escalated,
			Decisions: a.Decisions.V, Ignored: a.Ignored.V, Event: EventApprovalResolved, Version: a.Version + 1})
	})
	return translate("cancel approval", err)
}

// UnstartedApprovals returns up to limit approvals created before olderThan,
// oldest first, that are still pending and whose workflow never reported
// (version 0): the API or a worker stopped between storing the request and
// starting its workflow. A deployment's approval is left out: its
// deployment's workflow starts it.
func (s *Store) UnstartedApprovals(ctx context.Context, olderThan time.Time, limit int) ([]Approval, error) {
	var rows []Approval
	err := s.db.WithContext(ctx).
		Where("status = ? AND version = 0 AND created_at < ? AND type <> ?", ApprovalPending, olderThan, ApprovalTypeDeployment).
		Order("created_at").Limit(limit).Find(&rows).Error
	return rows, translate("unstarted approvals", err)
}

// AbandonedDeploymentApprovals returns up to limit deployment approvals
// created before olderThan, oldest first, still pending although no
// deployment in flight waits for them (it ended, e.g. cancelled before its
// workflow started the approval).
func (s *Store) AbandonedDeploymentApprovals(ctx context.Context, olderThan time.Time, limit int) ([]Approval, error) {
	var rows []Approval
	err := s.db.WithContext(ctx).
		Where("status = ? AND created_at < ? AND type = ?", ApprovalPending, olderThan, ApprovalTypeDeployment).
		Where("NOT EXISTS (SELECT 1 FROM deployments d WHERE d.approval_id = approvals.id AND d.status IN ?)", ActiveStatuses).
		Order("created_at").Limit(limit).Find(&rows).Error
	return rows, translate("abandoned deployment approvals", err)
}

// notifyApprovers tells every user who may now decide (by role or by name,
// admins once escalated; never the requester) that a decision is waiting.
func (s *Store) notifyApprovers(tx *gorm.DB, ev *pending, a Approval, u ApprovalUpdate) error {
	roles := append([]string{}, a.EligibleRoles.V...)
	if u.Escalated {
		roles = append(roles, RoleAdmin)
	}
	var ids []string
	q := tx.Model(&User{}).Where("id <> ?", a.RequesterID)
	if len(a.EligibleUsers.V) > 0 {
		q = q.Where("role IN ? OR id IN ?", roles, a.EligibleUsers.V)
	} else {
		q = q.Where("role IN ?", roles)
	}
	if err := q.Limit(500).Pluck("id", &ids).Error; err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.emit(tx, ev, UserStream(id), EventNotification, map[string]any{
			"kind": NoticeAwaitingDecision, "approvalId": a.ID, "type": a.Type, "escalated": u.Escalated,
		}); err != nil {
			return err
		}
	}
	return nil
}

// FindUser finds a user by email (case-insensitive) or id.
func (s *Store) FindUser(ctx context.Context, email, id string) (User, error) {
	var u User
	q := s.db.WithContext(ctx)
	switch {
	case email != "":
		q = q.Where("email = ?", strings.ToLower(strings.TrimSpace(email)))
	case isUUID(id):
		q = q.Where("id = ?", id)
	default:
		return User{}, fmt.Errorf("find user: %w", ErrNotFound)
	}
	err := q.Take(&u).Error
	return u, translate("find user", err)
}

// ApplyApproval carries out an approved request. For a role change it sets
// the requested role (idempotent). Other types are applied by their owners.
func (s *Store) ApplyApproval(ctx context.Context, approvalID string) error {
	var published bool
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		var a Approval
		if err := tx.Where("id = ?", approvalID).Take(&a).Error; err != nil {
			return err
		}
		if a.Type == ApprovalTypeTemplate {
			published = true
			// Publish exactly what was approved: the template, locked, must
			// still have the digest the request pinned.
			var t Template
			if err := lockRow(tx, s.dialect).Where("id = ?", a.SubjectID).Take(&t).Error; err != nil {
				return err
			}
			digest := TemplateDigest(t)
			if pinned := a.PinnedDigest(); pinned != "" && pinned != digest {
				return &SubjectChangedError{ApprovalID: a.ID, Approved: pinned, Now: digest}
			}
			queueAudit(ev, auditApplied(a, AuditTemplatePublish, "templates", map[string]any{"templateDigest": digest}))
			if err := tx.Model(&Template{}).Where("id = ?", a.SubjectID).Updates(map[string]any{
				"status": TemplatePublished, "updated_at": time.Now().UTC()}).Error; err != nil {
				return err
			}
			return s.emit(tx, ev, UserStream(a.RequesterID), EventNotification, map[string]any{
				"kind": NoticeTemplatePublished, "templateId": a.SubjectID, "approvalId": a.ID})
		}
		if a.Type != ApprovalTypeRoleChange {
			return nil
		}
		role, _ := a.Payload.V["role"].(string)
		if role != RoleBusinessUser && role != RoleTechnicalUser && role != RoleAdmin {
			return errors.New("role change without a valid role")
		}
		queueAudit(ev, auditApplied(a, AuditRoleChange, "users", map[string]any{"role": role}))
		if err := tx.Model(&User{}).Where("id = ?", a.SubjectID).Updates(map[string]any{"role": role, "updated_at": time.Now().UTC()}).Error; err != nil {
			return err
		}
		return s.emit(tx, ev, UserStream(a.SubjectID), EventRoleChanged, map[string]any{"role": role, "approvalId": a.ID})
	})
	if published {
		s.templatesChanged()
	}
	return translate("apply approval", err)
}
