package api

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// Workflows starts and cancels workflows; handlers never wait for them.
type Workflows interface {
	StartDeployment(ctx context.Context, in workflows.DeploymentInput) error
	CancelDeployment(ctx context.Context, deploymentID string) error
}

type stepResponse struct {
	Name       string     `json:"name"`
	Status     string     `json:"status"`
	StartedAt  *time.Time `json:"startedAt"`
	FinishedAt *time.Time `json:"finishedAt"`
	Error      string     `json:"error,omitempty"`
}

type deploymentResponse struct {
	ID             string         `json:"id"`
	ProjectID      string         `json:"projectId"`
	Seq            int            `json:"seq"`
	Kind           string         `json:"kind"`
	RollbackOf     *string        `json:"rollbackOf"`
	Status         string         `json:"status"`
	RequestedBy    string         `json:"requestedBy"`
	WorkflowID     string         `json:"workflowId"`
	SourceDigest   string         `json:"sourceDigest"`
	ArtifactDigest string         `json:"artifactDigest"`
	URL            string         `json:"url"`
	ApprovalID     *string        `json:"approvalId"`
	PreviewURL     string         `json:"previewUrl"`
	Error          string         `json:"error"`
	Steps          []stepResponse `json:"steps"`
	CreatedAt      time.Time      `json:"createdAt"`
	UpdatedAt      time.Time      `json:"updatedAt"`
	FinishedAt     *time.Time     `json:"finishedAt"`
	// WaitingFor names the task queue an active deployment waits for a
	// worker on (GET only; null otherwise).
	WaitingFor *workerWait `json:"waitingFor"`
}

func (s *Server) toDeployment(d models.Deployment) deploymentResponse {
	steps := make([]stepResponse, len(d.Steps.V))
	for i, st := range d.Steps.V {
		steps[i] = stepResponse{Name: st.Name, Status: st.Status, StartedAt: st.StartedAt, FinishedAt: st.FinishedAt, Error: st.Error}
	}
	r := deploymentResponse{
		ID: d.ID, ProjectID: d.ProjectID, Seq: d.Seq, Kind: d.Kind, RollbackOf: d.RollbackOf, Status: d.Status,
		RequestedBy: d.RequestedBy, WorkflowID: d.WorkflowID, SourceDigest: d.SourceDigest,
		ArtifactDigest: d.ArtifactDigest, URL: d.URL, ApprovalID: d.ApprovalID, Error: d.Error, Steps: steps,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, FinishedAt: d.FinishedAt,
	}
	if d.ArtifactDigest != "" {
		r.PreviewURL = strings.TrimRight(s.appsBaseURL, "/") + "/_d/" + d.ID + "/"
	}
	return r
}

var idempotencyKeyPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func idempotencyKey(c *fiber.Ctx) (string, error) {
	k := c.Get("Idempotency-Key")
	if k == "" {
		return "", nil
	}
	if !idempotencyKeyPattern.MatchString(k) {
		return "", badRequest("invalid Idempotency-Key", FieldError{Field: "Idempotency-Key", Message: "must be 1-128 letters, digits or ._:-"})
	}
	return strings.Clone(k), nil
}

// requireDeployPermission guards rollbacks, which need deploy:project.
func requireDeployPermission(c *fiber.Ctx) error {
	if !auth.Can(currentUser(c).Role, auth.DeployProject) {
		return &Error{Status: fiber.StatusForbidden, Code: "forbidden",
			Message: "deploying needs the deploy:project permission (technical users and admins)"}
	}
	return nil
}

// deployTarget reads the project id and the optional Idempotency-Key.
func deployTarget(c *fiber.Ctx) (projectID, key string, err error) {
	if projectID, err = uuidParam(c, "id"); err != nil {
		return "", "", err
	}
	if key, err = idempotencyKey(c); err != nil {
		return "", "", err
	}
	return projectID, key, nil
}

func (s *Server) deployProject(c *fiber.Ctx) error {
	projectID, key, err := deployTarget(c)
	if err != nil {
		return err
	}
	ctx, user := c.UserContext(), currentUser(c)
	p, err := s.store.GetProject(ctx, user.ID, projectID)
	if err != nil {
		return err
	}
	t, err := s.store.TemplateForProject(ctx, p.TemplateID)
	if isNotFound(err) {
		return unprocessable("the project's template is no longer published")
	}
	if err != nil {
		return err
	}
	if _, err := s.checkConfiguration(t, p.Configuration.V); err != nil {
		return err
	}
	// Without deploy:project the deployment waits for an approval by a
	// technical user or an admin.
	needsApproval := !auth.Can(user.Role, auth.DeployProject)
	d, _, err := s.store.CreateDeployment(ctx, models.NewDeployment{
		ProjectID: p.ID, OwnerID: user.ID, RequestedBy: user.ID, IdempotencyKey: key, Kind: models.KindDeploy,
		NeedsApproval: needsApproval, ApprovalDeadline: time.Now().Add(s.approvalTimeout),
	})
	if err != nil {
		return deploymentConflict(err)
	}
	return s.startDeployment(c, d, workflows.NewDeploymentInput(d, user.ID, s.approvalTimers()))
}

type rollbackRequest struct {
	DeploymentID string `json:"deploymentId" validate:"required,uuid"`
}

func (s *Server) rollbackProject(c *fiber.Ctx) error {
	projectID, key, err := deployTarget(c)
	if err != nil {
		return err
	}
	var req rollbackRequest
	if err := s.decodeBody(c, &req); err != nil {
		return err
	}
	ctx, user := c.UserContext(), currentUser(c)
	if _, err := s.store.GetProject(ctx, user.ID, projectID); err != nil {
		return err
	}
	if err := requireDeployPermission(c); err != nil {
		return err
	}
	target, err := s.store.GetDeployment(ctx, user.ID, strings.ToLower(req.DeploymentID))
	if err != nil || target.ProjectID != projectID {
		return &Error{Status: fiber.StatusNotFound, Code: "not_found", Message: "no deployment with this id in this project",
			Details: []FieldError{{Field: "deploymentId", Message: "unknown deployment"}}}
	}
	if target.ArtifactDigest == "" || (target.Status != models.DeployDeployed && target.Status != models.DeployRolledBack) {
		return &Error{Status: fiber.StatusConflict, Code: "not_deployable", Message: "that deployment never went live, so there is nothing to roll back to",
			Details: []FieldError{{Field: "deploymentId", Message: "status " + target.Status}}}
	}
	d, _, err := s.store.CreateDeployment(ctx, models.NewDeployment{
		ProjectID: projectID, OwnerID: user.ID, RequestedBy: user.ID, IdempotencyKey: key, Kind: models.KindRollback,
		RollbackOf: target.ID, SourceDigest: target.SourceDigest, ArtifactDigest: target.ArtifactDigest,
	})
	if err != nil {
		return deploymentConflict(err)
	}
	return s.startDeployment(c, d, workflows.NewDeploymentInput(d, user.ID, s.approvalTimers()))
}

// startDeployment starts (or, for a repeated request, re-attaches to) the
// workflow and answers 202 at once. If Temporal cannot be reached the
// deployment is marked failed so the project is not left blocked.
func (s *Server) startDeployment(c *fiber.Ctx, d models.Deployment, in workflows.DeploymentInput) error {
	ctx := c.UserContext()
	if d.WithoutItsApproval() {
		if _, err := s.store.FinishDeployment(ctx, d.ID, models.DeployFailed, "", models.ReasonApprovalLost); err != nil {
			return err
		}
		return &Error{Status: fiber.StatusConflict, Code: "approval_lost", Message: "this deployment's " + models.ReasonApprovalLost,
			Context: map[string]string{"deploymentId": d.ID}}
	}
	if err := s.workflows.StartDeployment(ctx, in); err != nil {
		s.log.ErrorContext(ctx, "start deployment failed", "deployment_id", d.ID, "error", err.Error())
		if _, ferr := s.store.FinishDeployment(context.WithoutCancel(ctx), d.ID, models.DeployFailed, "", "the workflow service was unavailable; try again"); ferr != nil {
			s.log.ErrorContext(ctx, "marking deployment failed", "deployment_id", d.ID, "error", ferr.Error())
		}
		return &Error{Status: fiber.StatusServiceUnavailable, Code: "unavailable", Message: "the workflow service is unavailable; try again"}
	}
	c.Location("/api/deployments/" + d.ID)
	return ok(c, fiber.StatusAccepted, s.toDeployment(d))
}

func deploymentConflict(err error) error {
	var active *models.ActiveDeploymentError
	if errors.As(err, &active) {
		return &Error{Status: fiber.StatusConflict, Code: "deployment_in_progress", Message: active.Error(),
			Context: map[string]string{"deploymentId": active.DeploymentID}}
	}
	return err
}

func (s *Server) listDeployments(c *fiber.Ctx) error {
	projectID, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	rows, total, err := s.store.ListDeployments(c.UserContext(), currentUserID(c), projectID, page)
	if err != nil {
		return err
	}
	out := make([]deploymentResponse, len(rows))
	for i, d := range rows {
		out[i] = s.toDeployment(d)
		out[i].WaitingFor = s.waitingFor(c.UserContext(), d)
	}
	return okList(c, out, listMeta{Page: page.Number, PageSize: page.Size, Total: total})
}

func (s *Server) getDeployment(c *fiber.Ctx) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	d, err := s.store.GetDeployment(c.UserContext(), currentUserID(c), id)
	if err != nil {
		return err
	}
	r := s.toDeployment(d)
	r.WaitingFor = s.waitingFor(c.UserContext(), d)
	return ok(c, fiber.StatusOK, r)
}

func (s *Server) cancelDeployment(c *fiber.Ctx) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	d, err := s.store.GetDeployment(ctx, currentUserID(c), id)
	if err != nil {
		return err
	}
	if !slicesContains(models.ActiveStatuses, d.Status) {
		return &Error{Status: fiber.StatusConflict, Code: "already_finished", Message: "the deployment already finished as " + d.Status}
	}
	if err := s.workflows.CancelDeployment(ctx, d.ID); err != nil {
		return err
	}
	return ok(c, fiber.StatusAccepted, s.toDeployment(d))
}

// approvalTimers are the timers of the approval a deployment waits for.
func (s *Server) approvalTimers() workflows.ApprovalTimers {
	return workflows.ApprovalTimers{EscalateAfter: s.approvalEscalate, Timeout: s.approvalTimeout}
}
