package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// Approvals starts approval workflows and sends them decisions.
type Approvals interface {
	StartApproval(ctx context.Context, in workflows.ApprovalInput) error
	Decide(ctx context.Context, approvalID string, req workflows.DecideRequest) (workflows.ApprovalState, error)
}

type approvalResponse struct {
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	SubjectID     string          `json:"subjectId"`
	RequesterID   string          `json:"requesterId"`
	Status        string          `json:"status"`
	Reason        string          `json:"reason"`
	Required      int             `json:"required"`
	EligibleRoles []string        `json:"eligibleRoles"`
	Escalated     bool            `json:"escalated"`
	Decisions     json.RawMessage `json:"decisions"`
	Ignored       json.RawMessage `json:"ignoredSignals"`
	Payload       map[string]any  `json:"payload"`
	WorkflowID    string          `json:"workflowId"`
	Stream        string          `json:"stream"`
	Deadline      time.Time       `json:"deadline"`
	CreatedAt     time.Time       `json:"createdAt"`
	ResolvedAt    *time.Time      `json:"resolvedAt"`
}

func toApproval(a models.Approval) approvalResponse {
	return approvalResponse{ID: a.ID, Type: a.Type, SubjectID: a.SubjectID, RequesterID: a.RequesterID, Status: a.Status,
		Reason: a.Reason, Required: a.Required, EligibleRoles: a.EligibleRoles.V, Escalated: a.Escalated,
		Decisions: a.Decisions.V, Ignored: a.Ignored.V, Payload: a.Payload.V, WorkflowID: a.WorkflowID,
		Stream: models.ApprovalStream(a.ID), Deadline: a.Deadline, CreatedAt: a.CreatedAt, ResolvedAt: a.ResolvedAt}
}

// mayDecide reports whether u is among who may decide on a (the requester never is).
func mayDecide(u models.User, a models.Approval) bool {
	if u.ID == a.RequesterID {
		return false
	}
	return slices.Contains(a.EligibleUsers.V, u.ID) || slices.Contains(a.EligibleRoles.V, u.Role) ||
		(a.Escalated && u.Role == models.RoleAdmin)
}

type roleRequest struct {
	Role   string `json:"role" validate:"required,oneof=business_user technical_user admin"`
	Reason string `json:"reason" validate:"required,max=500"`
}

func (r *roleRequest) normalize() { r.Reason = strings.TrimSpace(r.Reason) }

// requestRole opens a user_role_change approval; only an admin's approval
// changes the role.
func (s *Server) requestRole(c *fiber.Ctx) error {
	var req roleRequest
	if err := s.decodeBody(c, &req); err != nil {
		return err
	}
	u := currentUser(c)
	if req.Role == u.Role {
		return invalid("invalid request", FieldError{Field: "role", Message: "is already your role"})
	}
	return s.openApproval(c, models.Approval{
		Type: models.ApprovalTypeRoleChange, SubjectID: u.ID, RequesterID: u.ID, EligibleRoles: models.NewJSON([]string{models.RoleAdmin}),
		Required: 1, Payload: models.NewJSON(map[string]any{"role": req.Role, "reason": req.Reason, "from": u.Role}),
	})
}

func (s *Server) openApproval(c *fiber.Ctx, a models.Approval) error {
	ctx := c.UserContext()
	a.Deadline = time.Now().UTC().Add(s.approvalTimeout)
	a, err := s.createApproval(ctx, a)
	if err != nil {
		return err
	}
	err = s.approvals.StartApproval(ctx, workflows.NewApprovalInput(a, s.approvalEscalate, time.Now()))
	if err != nil {
		s.log.ErrorContext(ctx, "start approval failed", "approval_id", a.ID, "error", err.Error())
		return &Error{Status: fiber.StatusServiceUnavailable, Code: "unavailable", Message: "the workflow service is unavailable; try again"}
	}
	c.Location("/api/approvals/" + a.ID)
	return ok(c, fiber.StatusAccepted, toApproval(a))
}

// Values of the mine filter of GET /api/approvals.
const (
	mineRequested = "requested" // the approvals the user asked for
	mineDecidable = "decidable" // the pending approvals the user may decide
	mineDecided   = "decided"   // the approvals the user decided (the newest 500 with a decision)
)

// decidedBy reports whether a's decisions include one by userID.
func decidedBy(a models.Approval, userID string) bool {
	var ds []activities.Decision
	if err := json.Unmarshal(a.Decisions.V, &ds); err != nil {
		return false
	}
	return slices.ContainsFunc(ds, func(d activities.Decision) bool { return d.ApproverID == userID })
}

func (s *Server) listApprovals(c *fiber.Ctx) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	f := models.ApprovalFilter{Status: c.Query("status"), Type: c.Query("type"), Page: page}
	var details []FieldError
	if f.Status != "" && !slices.Contains(models.ApprovalStatuses, f.Status) {
		details = append(details, FieldError{Field: "status", Message: "must be one of: " + strings.Join(models.ApprovalStatuses, ", ")})
	}
	if f.Type != "" && !slices.Contains(models.ApprovalTypes, f.Type) {
		details = append(details, FieldError{Field: "type", Message: "must be one of: " + strings.Join(models.ApprovalTypes, ", ")})
	}
	mine := c.Query("mine", mineRequested)
	switch mine {
	case mineRequested:
		f.RequesterID = u.ID
	case mineDecidable:
		f.Status, f.NotFrom, f.Page = models.ApprovalPending, u.ID, models.Page{Number: 1, Size: 500}
	case mineDecided:
		f.NotFrom, f.Page = u.ID, models.Page{Number: 1, Size: 500}
	default:
		details = append(details, FieldError{Field: "mine", Message: "must be " + mineRequested + ", " + mineDecidable + " or " + mineDecided})
	}
	if len(details) > 0 {
		return invalid("invalid query", details...)
	}
	rows, total, err := s.store.ListApprovals(c.UserContext(), f)
	if err != nil {
		return err
	}
	if mine == mineDecidable || mine == mineDecided {
		keep := func(a models.Approval) bool { return mayDecide(u, a) }
		if mine == mineDecided {
			keep = func(a models.Approval) bool { return decidedBy(a, u.ID) }
		}
		rows = slices.DeleteFunc(rows, func(a models.Approval) bool { return !keep(a) })
		total = int64(len(rows))
		from := min((page.Number-1)*page.Size, len(rows))
		rows = rows[from:min(from+page.Size, len(rows))]
	}
	out := make([]approvalResponse, len(rows))
	for i, a := range rows {
		out[i] = toApproval(a)
	}
	return okList(c, out, listMeta{Page: page.Number, PageSize: page.Size, Total: total})
}

// visibleApproval returns the approval if the user requested it, may decide
// it, or is an admin; otherwise not found.
func (s *Server) visibleApproval(c *fiber.Ctx) (models.Approval, error) {
	id, err := uuidParam(c, "id")
	if err != nil {
		return models.Approval{}, err
	}
	a, err := s.store.GetApproval(c.UserContext(), id)
	if err != nil {
		return models.Approval{}, err
	}
	u := currentUser(c)
	if a.RequesterID != u.ID && !mayDecide(u, a) && u.Role != models.RoleAdmin {
		return models.Approval{}, &Error{Status: fiber.StatusNotFound, Code: "not_found", Message: "not found"}
	}
	return a, nil
}

func (s *Server) getApproval(c *fiber.Ctx) error {
	a, err := s.visibleApproval(c)
	if err != nil {
		return err
	}
	subject, err := s.approvalSubject(c.UserContext(), a)
	if err != nil {
		return err
	}
	requester, err := s.approvalRequesterOf(c.UserContext(), a)
	if err != nil {
		return err
	}
	out := approvalDetail{approvalResponse: toApproval(a), Subject: subject, Requester: requester}
	if subject != nil {
		out.SubjectDigest = subject.digest
	}
	return ok(c, fiber.StatusOK, out)
}

type approveRequest struct {
	Comment string `json:"comment" validate:"max=1000"`
	// Digest, when sent, is the subjectDigest the approver read: the
	// approval counts only if what is under review still has it.
	Digest string `json:"digest" validate:"max=100"`
}

type rejectRequest struct {
	Reason string `json:"reason" validate:"required,max=1000"`
}

func (s *Server) approveApproval(c *fiber.Ctx) error {
	var req approveRequest
	if len(c.Body()) > 0 {
		if err := s.decodeBody(c, &req); err != nil {
			return err
		}
	}
	if req.Digest != "" {
		if err := s.checkSubjectDigest(c, req.Digest); err != nil {
			return err
		}
	}
	return s.decide(c, true, req.Comment)
}

// checkSubjectDigest refuses an approval sent for content other than what
// is under review now (409 subject_changed, naming digest).
func (s *Server) checkSubjectDigest(c *fiber.Ctx, digest string) error {
	a, err := s.visibleApproval(c)
	if err != nil {
		return err
	}
	subject, err := s.approvalSubject(c.UserContext(), a)
	if err != nil {
		return err
	}
	now := ""
	if subject != nil {
		now = subject.digest
	}
	if now != digest {
		return &Error{Status: fiber.StatusConflict, Code: "subject_changed",
			Message: "what is under review changed since you read it (its digest is now " + now + "); read it again before deciding",
			Details: []FieldError{{Field: "digest", Message: "is not the digest of what is under review"}}}
	}
	return nil
}

func (s *Server) rejectApproval(c *fiber.Ctx) error {
	var req rejectRequest
	if err := s.decodeBody(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Reason) == "" {
		return invalid("invalid request", FieldError{Field: "reason", Message: "is required"})
	}
	return s.decide(c, false, req.Reason)
}

// decide sends the decision as the workflow's decide update, whose validator
// answers at once; its refusals become 403/409/400 with the reason.
func (s *Server) decide(c *fiber.Ctx, approve bool, comment string) error {
	a, err := s.visibleApproval(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	_, err = s.approvals.Decide(c.UserContext(), a.ID, workflows.DecideRequest{
		Approver: activities.Approver{ID: u.ID, Email: u.Email, Role: u.Role}, Approve: approve, Comment: strings.TrimSpace(comment),
	})
	if err != nil {
		return decisionError(err, a)
	}
	a, err = s.store.GetApproval(c.UserContext(), a.ID)
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, toApproval(a))
}

func decisionError(err error, a models.Approval) error {
	var appErr *temporal.ApplicationError
	var notFound *serviceerror.NotFound
	switch {
	case errors.As(err, &appErr):
		status := map[string]int{workflows.ErrTypeNotEligible: fiber.StatusForbidden, workflows.ErrTypeConflict: fiber.StatusConflict,
			workflows.ErrTypeBadDecision: fiber.StatusBadRequest}[appErr.Type()]
		if status == 0 {
			return err
		}
		code := map[int]string{fiber.StatusForbidden: "forbidden", fiber.StatusConflict: "conflict", fiber.StatusBadRequest: "bad_request"}[status]
		return &Error{Status: status, Code: code, Message: appErr.Message()}
	case a.Status != models.ApprovalPending:
		return &Error{Status: fiber.StatusConflict, Code: "conflict", Message: "the request is already " + a.Status}
	case errors.As(err, &notFound):
		// The workflow has not started yet (a deployment starts it a moment after the request).
		return &Error{Status: fiber.StatusConflict, Code: "not_ready", Message: "the approval is not open for decisions yet; try again in a moment"}
	}
	return err
}

type decisionTokenRequest struct {
	// Decision limits the token to approve or reject; empty allows either.
	Decision string `json:"decision"`
	// Comment fills the comment of the commands and of uiInput.
	Comment string `json:"comment" validate:"max=1000"`
}

type decisionTokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
	Decision  string    `json:"decision"`
	// Command is the ready-to-paste `temporal workflow signal` command (approve,
	// unless the token allows only reject); RejectCommand its reject variant.
	Command       string `json:"command"`
	RejectCommand string `json:"rejectCommand,omitempty"`
	// UIInput is the JSON for the Temporal UI's signal form.
	UIInput string `json:"uiInput"`
}

// decisionToken issues a short-lived, single-use token that lets the caller
// decide this approval with a signal from the Temporal UI or CLI. Only who
// may decide it now gets one (403 otherwise, the requester included).
func (s *Server) decisionToken(c *fiber.Ctx) error {
	var req decisionTokenRequest
	if len(c.Body()) > 0 {
		if err := s.decodeBody(c, &req); err != nil {
			return err
		}
	}
	if !slices.Contains([]string{auth.DecisionEither, auth.DecisionApprove, auth.DecisionReject}, req.Decision) {
		return invalid("invalid request", FieldError{Field: "decision", Message: "must be " + auth.DecisionApprove + ", " + auth.DecisionReject + " or empty"})
	}
	a, err := s.visibleApproval(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	if !mayDecide(u, a) {
		return &Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: "you may not decide this request"}
	}
	if a.Status != models.ApprovalPending {
		return &Error{Status: fiber.StatusConflict, Code: "conflict", Message: "the request is already " + a.Status}
	}
	token, claims, err := s.tokens.Decisions().Issue(a.ID, u.ID, req.Decision, time.Now())
	if err != nil {
		return err
	}
	input, err := json.Marshal(workflows.SignalInput{Token: token, Comment: strings.TrimSpace(req.Comment)})
	if err != nil {
		return fmt.Errorf("encode signal input: %w", err)
	}
	// The decision kinds are the signals' names.
	id := workflows.ApprovalWorkflowID(a.ID)
	out := decisionTokenResponse{Token: token, ExpiresAt: claims.ExpiresAt.Time, Decision: req.Decision, UIInput: string(input)}
	switch req.Decision {
	case auth.DecisionReject:
		out.Command = signalCommand(id, workflows.SignalReject, input)
	case auth.DecisionApprove:
		out.Command = signalCommand(id, workflows.SignalApprove, input)
	default:
		out.Command = signalCommand(id, workflows.SignalApprove, input)
		out.RejectCommand = signalCommand(id, workflows.SignalReject, input)
	}
	return ok(c, fiber.StatusOK, out)
}

// signalCommand is the `temporal workflow signal` command line, its input
// quoted for a POSIX shell.
func signalCommand(workflowID, signal string, input []byte) string {
	return fmt.Sprintf("temporal workflow signal --workflow-id %s --name %s --input '%s'",
		workflowID, signal, strings.ReplaceAll(string(input), "'", `'\''`))
}
