package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/forgeai/platform/models"
)

// ApprovalStore is what the approval activities need from persistence.
type ApprovalStore interface {
	SyncApproval(ctx context.Context, id string, u models.ApprovalUpdate) error
	FindUser(ctx context.Context, email, id string) (models.User, error)
	ApplyApproval(ctx context.Context, approvalID string) error
}

var _ ApprovalStore = (*models.Store)(nil)

// Approvals holds the dependencies of the approval workflow's activities.
type Approvals struct{ Store ApprovalStore }

// DecisionRecord is a recorded vote.
type DecisionRecord struct {
	ApproverID string    `json:"approverId"`
	Email      string    `json:"email"`
	Approve    bool      `json:"approve"`
	Comment    string    `json:"comment"`
	Via        string    `json:"via"`
	At         time.Time `json:"at"`
}

// IgnoredRecord is a signal that failed the checks.
type IgnoredRecord struct {
	Signal string    `json:"signal"`
	From   string    `json:"from"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// ApprovalRecord is the approval's state as stored.
type ApprovalRecord struct {
	Status    string
	Reason    string
	Escalated bool
	Decisions []DecisionRecord
	Ignored   []IgnoredRecord
}

// ApprovalSync stores the state and appends the event that describes the change.
type ApprovalSync struct {
	ApprovalID  string
	RequesterID string
	Event       string
	State       ApprovalRecord
}

// Sync writes the approval's state to its row and its event to approval:<id>
// (and, when resolved, a notification to the requester). Idempotent: it
// writes the full state, not a delta.
func (a *Approvals) Sync(ctx context.Context, in ApprovalSync) error {
	decisions, err := json.Marshal(orEmpty(in.State.Decisions))
	if err != nil {
		return fmt.Errorf("encode decisions: %w", err)
	}
	ignored, err := json.Marshal(orEmpty(in.State.Ignored))
	if err != nil {
		return fmt.Errorf("encode ignored signals: %w", err)
	}
	return storeError("sync approval", a.Store.SyncApproval(ctx, in.ApprovalID, models.ApprovalUpdate{
		Status: in.State.Status, Reason: in.State.Reason, Escalated: in.State.Escalated,
		Decisions: decisions, Ignored: ignored, Event: in.Event,
	}))
}

func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// LookupInput names the approver a signal claims to come from.
type LookupInput struct {
	Email string
	ID    string
}

// ApproverRecord is an approver as the platform knows them.
type ApproverRecord struct {
	ID    string
	Email string
	Role  string
}

// LookupApprover resolves a signal's approver by email or id; unknown
// approvers come back empty, so the workflow records the signal as ignored.
func (a *Approvals) LookupApprover(ctx context.Context, in LookupInput) (ApproverRecord, error) {
	u, err := a.Store.FindUser(ctx, in.Email, in.ID)
	if errors.Is(err, models.ErrNotFound) {
		return ApproverRecord{}, nil // an unknown approver is an answer, not a failure
	}
	if err != nil {
		return ApproverRecord{}, fmt.Errorf("look up approver: %w", err)
	}
	return ApproverRecord{ID: u.ID, Email: u.Email, Role: u.Role}, nil
}

// ApplyInput names an approved request to carry out.
type ApplyInput struct {
	ApprovalID string
	Type       string
	SubjectID  string
}

// Apply carries out an approved request (for a role change: the new role).
// Idempotent: applying twice sets the same value.
func (a *Approvals) Apply(ctx context.Context, in ApplyInput) error {
	return storeError("apply approval", a.Store.ApplyApproval(ctx, in.ApprovalID))
}
