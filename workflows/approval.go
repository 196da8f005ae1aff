package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/models"
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

// Outcomes the deployment workflow reads from its approval child; they are
// the statuses of models.
const (
	ApprovalApproved = models.ApprovalApproved
	ApprovalExpired  = models.ApprovalExpired
)

// Error types of refused decisions and steps; the API maps them to 403, 409 and 400.
const (
	ErrTypeNotEligible = "NotEligible"
	ErrTypeConflict    = "Conflict"
	ErrTypeBadDecision = "BadDecision"
)

// ApprovalWorkflowID is the deterministic workflow id of an approval.
func ApprovalWorkflowID(approvalID string) string { return "approval-" + approvalID }

// IDs names the workflows of the rows the store creates.
var IDs = models.WorkflowIDs{Deployment: DeploymentWorkflowID, Approval: ApprovalWorkflowID}

// ApprovalInput describes what needs approving and by whom.
type ApprovalInput struct {
	ApprovalID    string
	Type          string // one of models.ApprovalTypes
	SubjectID     string
	RequesterID   string
	EligibleRoles []string
	EligibleUsers []string
	Required      int           // approvals needed (N of M); at least 1
	EscalateAfter time.Duration // then admins become eligible too; 0 never
	Timeout       time.Duration // then the request expires
	// About says it in words for the Temporal UI (what is asked, by whom,
	// who may decide, durations as text and when they fall); the client
	// fills it in, the deployment workflow for its approval.
	About *About `json:"about,omitempty"`
}

// NewApprovalInput is the workflow input of a stored approval, started at
// now: its deadline stays the stored one, and it escalates escalateAfter
// after it was created (at once if that is past).
func NewApprovalInput(a models.Approval, escalateAfter time.Duration, now time.Time) ApprovalInput {
	in := ApprovalInput{ApprovalID: a.ID, Type: a.Type, SubjectID: a.SubjectID, RequesterID: a.RequesterID,
		EligibleRoles: a.EligibleRoles.V, EligibleUsers: a.EligibleUsers.V, Required: a.Required,
		Timeout: max(a.Deadline.Sub(now), time.Second)}
	if escalateAfter > 0 {
		in.EscalateAfter = max(a.CreatedAt.Add(escalateAfter).Sub(now), time.Second)
	}
	return in
}

// ApprovalState is ApprovalWorkflow's result, the state it shares with its
// activities; the deployment workflow reads its child's outcome from it.
type ApprovalState = activities.ApprovalState

// DecideRequest is the argument of the decide update (sent by the API, which
// looked the approver up).
type DecideRequest struct {
	Approver activities.Approver
	Approve  bool
	Comment  string
}

// SignalInput is what an approver sends with the approve or reject signal
// from the Temporal UI or CLI: the decision token from
// POST /api/approvals/:id/decision-token and a comment. ApproverEmail and
// ApproverID are what signals carried before decision tokens; they prove
// nothing and are recorded only to say who a refused signal claimed to be.
type SignalInput struct {
	Token         string `json:"token,omitempty"`
	ApproverEmail string `json:"approverEmail,omitempty"`
	ApproverID    string `json:"approverId,omitempty"`
	Comment       string `json:"comment"`
}

// checkDecision says why approver a may not decide now, as an application
// error whose type the API maps to a status code; nil means the decision is
// accepted.
func checkDecision(st *activities.ApprovalState, in ApprovalInput, a activities.Approver, approve bool, comment string) error {
	switch {
	case st.Status != models.ApprovalPending:
		return temporal.NewApplicationError("the request is already "+st.Status, ErrTypeConflict)
	case a.ID == "":
		return temporal.NewApplicationError("unknown approver", ErrTypeNotEligible)
	case a.ID == in.RequesterID:
		return temporal.NewApplicationError("no one approves their own request", ErrTypeNotEligible)
	case !eligible(st, a):
		return temporal.NewApplicationError(fmt.Sprintf("not eligible: this request needs a %s", strings.Join(st.EligibleRoles, " or ")), ErrTypeNotEligible)
	case slices.ContainsFunc(st.Decisions, func(d activities.Decision) bool { return d.ApproverID == a.ID }):
		return temporal.NewApplicationError("you already decided on this request", ErrTypeConflict)
	case !approve && strings.TrimSpace(comment) == "":
		return temporal.NewApplicationError("a reason is required to reject", ErrTypeBadDecision)
	}
	return nil
}

func eligible(st *activities.ApprovalState, a activities.Approver) bool {
	return slices.Contains(st.EligibleUsers, a.ID) || slices.Contains(st.EligibleRoles, a.Role) ||
		(st.Escalated && a.Role == models.RoleAdmin)
}

// recordDecision applies an accepted decision and resolves the request when it can.
func recordDecision(st *activities.ApprovalState, d activities.Decision, required int) {
	st.Decisions = append(st.Decisions, d)
	if !d.Approve {
		st.Status, st.Reason = models.ApprovalRejected, d.Comment
		return
	}
	approvals := 0
	for _, x := range st.Decisions {
		if x.Approve {
			approvals++
		}
	}
	if approvals >= required {
		st.Status = models.ApprovalApproved
	}
}

var approvalActs *activities.Approvals

var approvalBookkeeping = workflow.ActivityOptions{TaskQueue: PlatformQueue, StartToCloseTimeout: 10 * time.Second, RetryPolicy: retry(10)}
