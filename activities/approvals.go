package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/forgeai/platform/internal/auth"
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
// Decisions verifies decision tokens; nil (a worker without JWT_SECRET)
// refuses every token.
type Approvals struct {
	Store     ApprovalStore
	Decisions *auth.DecisionTokens
}

// How a decision arrived.
const (
	// ViaAPI is a decision sent as the decide update by the API.
	ViaAPI = "api"
	// ViaSignal is a decision sent as a signal from the Temporal UI or CLI.
	ViaSignal = "signal"
)

// Approver is who decides, as the platform knows them.
type Approver struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// Decision is one recorded vote, as stored in approvals.decisions.
type Decision struct {
	ApproverID string    `json:"approverId"`
	Email      string    `json:"email"`
	Approve    bool      `json:"approve"`
	Comment    string    `json:"comment"`
	Via        string    `json:"via"` // ViaAPI or ViaSignal
	At         time.Time `json:"at"`
}

// IgnoredSignal is a signal that failed the checks, as stored in approvals.ignored.
type IgnoredSignal struct {
	Signal string    `json:"signal"`
	From   string    `json:"from"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// ApprovalState is the approval workflow's state: what its state query
// answers and what Sync stores.
type ApprovalState struct {
	Status        string          `json:"status"`
	Decisions     []Decision      `json:"decisions"`
	Ignored       []IgnoredSignal `json:"ignored"`
	Required      int             `json:"required"`
	EligibleRoles []string        `json:"eligibleRoles"`
	EligibleUsers []string        `json:"eligibleUsers"`
	Escalated     bool            `json:"escalated"`
	Deadline      time.Time       `json:"deadline"`
	Reason        string          `json:"reason"`
	// Version numbers the workflow's reports to Sync (1, 2, …), so a
	// retried report is stored once.
	Version int `json:"version"`
}

// ApprovalSync stores the state and appends the event that describes the change.
type ApprovalSync struct {
	ApprovalID  string
	RequesterID string
	Event       string
	State       ApprovalState
}

// Sync writes the approval's state to its row and its event to approval:<id>
// (and notifications to the requester and approvers). Idempotent: it writes
// the full state, and the store ignores a report whose version it already has.
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
		Decisions: decisions, Ignored: ignored, Event: in.Event, Version: in.State.Version,
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

// LookupApprover resolves a signal's approver by email or id; unknown
// approvers come back empty, so the workflow records the signal as ignored.
func (a *Approvals) LookupApprover(ctx context.Context, in LookupInput) (Approver, error) {
	u, err := a.Store.FindUser(ctx, in.Email, in.ID)
	if errors.Is(err, models.ErrNotFound) {
		return Approver{}, nil // an unknown approver is an answer, not a failure
	}
	if err != nil {
		return Approver{}, fmt.Errorf("look up approver: %w", err)
	}
	return Approver{ID: u.ID, Email: u.Email, Role: u.Role}, nil
}

// VerifyDecisionInput is a signal's decision token and what it must prove.
type VerifyDecisionInput struct {
	Token      string
	ApprovalID string
	Decision   string // auth.DecisionApprove or auth.DecisionReject: the signal's name
}

// VerifiedDecision is who a valid token proves the sender to be, and the
// token's id (the workflow accepts each once); Reason says why the token
// does not count when it does not (then Approver is empty).
type VerifiedDecision struct {
	Approver Approver
	TokenID  string
	Reason   string
}

// VerifyDecision checks a decision token against the worker's clock: its
// signature, expiry, approval and decision kind, and looks its approver up
// by id (with today's role, so the workflow's eligibility check sees a
// demotion). A bad token is an answer (Reason), not a failure. Idempotent:
// it only reads.
func (a *Approvals) VerifyDecision(ctx context.Context, in VerifyDecisionInput) (VerifiedDecision, error) {
	if a.Decisions == nil {
		return VerifiedDecision{Reason: "this worker cannot verify decision tokens (it has no JWT_SECRET)"}, nil
	}
	claims, err := a.Decisions.Verify(in.Token, time.Now())
	switch {
	case errors.Is(err, auth.ErrDecisionExpired):
		return VerifiedDecision{Reason: err.Error()}, nil
	case err != nil:
		return VerifiedDecision{Reason: "the decision token is not valid (not signed by this platform, or damaged)"}, nil
	case claims.ApprovalID != in.ApprovalID:
		return VerifiedDecision{TokenID: claims.ID, Reason: "the decision token is for another approval"}, nil
	case !claims.Allows(in.Decision):
		return VerifiedDecision{TokenID: claims.ID, Reason: "the decision token does not allow " + in.Decision}, nil
	}
	u, err := a.Store.FindUser(ctx, "", claims.ApproverID)
	if errors.Is(err, models.ErrNotFound) {
		return VerifiedDecision{TokenID: claims.ID, Reason: "the decision token's approver no longer exists"}, nil
	}
	if err != nil {
		return VerifiedDecision{}, fmt.Errorf("look up approver: %w", err)
	}
	return VerifiedDecision{Approver: Approver{ID: u.ID, Email: u.Email, Role: u.Role}, TokenID: claims.ID}, nil
}

// ApplyInput names an approved request to carry out.
type ApplyInput struct {
	ApprovalID string
	Type       string
	SubjectID  string
}

// Apply carries out an approved request (for a role change: the new role).
// Idempotent: applying twice sets the same value. A subject that changed
// since it was approved is refused for good (no retry makes it the same).
func (a *Approvals) Apply(ctx context.Context, in ApplyInput) error {
	err := a.Store.ApplyApproval(ctx, in.ApprovalID)
	var changed *models.SubjectChangedError
	if errors.As(err, &changed) {
		return temporal.NewNonRetryableApplicationError(changed.Error(), ErrTypeSnapshotChanged, err)
	}
	return storeError("apply approval", err)
}
