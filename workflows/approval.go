package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
)

// Approval workflow names: the update the API sends, the signals the
// Temporal UI and CLI send, and the query.
const (
	ApprovalWorkflowName = "ApprovalWorkflow"
	UpdateDecide         = "decide"
	SignalApprove        = "approve"
	SignalReject         = "reject"
	QueryState           = "state"
)

// Approval statuses.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalRejected = "rejected"
	ApprovalExpired  = "expired"
)

// Error types of refused decisions; the API maps them to 403 and 409.
const (
	ErrTypeNotEligible = "NotEligible"
	ErrTypeConflict    = "Conflict"
	ErrTypeBadDecision = "BadDecision"
)

// ApprovalWorkflowID is the deterministic workflow id of an approval.
func ApprovalWorkflowID(approvalID string) string { return "approval-" + approvalID }

// ApprovalInput describes what needs approving and by whom.
type ApprovalInput struct {
	ApprovalID    string
	Type          string // project_deployment, template_publication, user_role_change
	SubjectID     string
	RequesterID   string
	EligibleRoles []string
	EligibleUsers []string
	Required      int           // approvals needed (N of M); at least 1
	EscalateAfter time.Duration // then admins become eligible too; 0 never
	Timeout       time.Duration // then the request expires
}

// Approver is who decides, as the platform knows them.
type Approver struct {
	ID    string
	Email string
	Role  string
}

// DecideRequest is the argument of the decide update (sent by the API, which
// looked the approver up).
type DecideRequest struct {
	Approver Approver
	Approve  bool
	Comment  string
}

// SignalInput is what an approver sends with the approve or reject signal
// from the Temporal UI or CLI.
type SignalInput struct {
	ApproverEmail string `json:"approverEmail"`
	ApproverID    string `json:"approverId"`
	Comment       string `json:"comment"`
}

// Decision is one recorded vote.
type Decision struct {
	ApproverID string
	Email      string
	Approve    bool
	Comment    string
	Via        string // api or signal
	At         time.Time
}

// IgnoredSignal records a signal that failed the checks.
type IgnoredSignal struct {
	Signal string
	From   string
	Reason string
	At     time.Time
}

// ApprovalState is what the state query returns and what is stored.
type ApprovalState struct {
	Status        string
	Decisions     []Decision
	Ignored       []IgnoredSignal
	Required      int
	EligibleRoles []string
	EligibleUsers []string
	Escalated     bool
	Deadline      time.Time
	Reason        string
}

// check says why approver may not decide now, as an application error whose
// type the API maps to a status code; nil means the decision is accepted.
func (st *ApprovalState) check(in ApprovalInput, a Approver, approve bool, comment string) error {
	switch {
	case st.Status != ApprovalPending:
		return temporal.NewApplicationError("the request is already "+st.Status, ErrTypeConflict)
	case a.ID == "":
		return temporal.NewApplicationError("unknown approver", ErrTypeNotEligible)
	case a.ID == in.RequesterID:
		return temporal.NewApplicationError("no one approves their own request", ErrTypeNotEligible)
	case !st.eligible(a):
		return temporal.NewApplicationError(fmt.Sprintf("not eligible: this request needs a %s", strings.Join(st.EligibleRoles, " or ")), ErrTypeNotEligible)
	case slices.ContainsFunc(st.Decisions, func(d Decision) bool { return d.ApproverID == a.ID }):
		return temporal.NewApplicationError("you already decided on this request", ErrTypeConflict)
	case !approve && strings.TrimSpace(comment) == "":
		return temporal.NewApplicationError("a reason is required to reject", ErrTypeBadDecision)
	}
	return nil
}

func (st *ApprovalState) eligible(a Approver) bool {
	return slices.Contains(st.EligibleUsers, a.ID) || slices.Contains(st.EligibleRoles, a.Role) ||
		(st.Escalated && a.Role == "admin")
}

// record applies an accepted decision and resolves the request when it can.
func (st *ApprovalState) record(d Decision, required int) {
	st.Decisions = append(st.Decisions, d)
	if !d.Approve {
		st.Status, st.Reason = ApprovalRejected, d.Comment
		return
	}
	approvals := 0
	for _, x := range st.Decisions {
		if x.Approve {
			approvals++
		}
	}
	if approvals >= required {
		st.Status = ApprovalApproved
	}
}

var approvalActs *activities.Approvals

var approvalBookkeeping = workflow.ActivityOptions{TaskQueue: PlatformQueue, StartToCloseTimeout: 10 * time.Second, RetryPolicy: retry(10)}
