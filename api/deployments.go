package api

import (
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/internal/deploying"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// Workflows starts and cancels deployment workflows; handlers never wait for them.
type Workflows = deploying.Workflows

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
	// The apps host serves a deployment's artifact only once it went live
	// (internal/appshost): the artifacts of failed, cancelled or running
	// deployments are never public.
	if apps, ok := s.appsOrigins(); ok && d.ArtifactDigest != "" && (d.Status == models.DeployDeployed || d.Status == models.DeployRolledBack) {
		r.PreviewURL = apps.DeploymentURL(d.ID)
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

// deployments is the deployment use case over this server's store and
// workflows (the reconciler runs the same one).
func (s *Server) deployments() *deploying.Service {
	return &deploying.Service{
		Store: s.store, Workflows: s.workflows, Log: s.log,
		Timers: workflows.ApprovalTimers{EscalateAfter: s.approvalEscalate, Timeout: s.approvalTimeout},
		CheckConfiguration: func(t models.Template, cfg map[string]any) error {
			_, err := s.checkConfiguration(t, cfg)
			return err
		},
	}
}

func requester(c *fiber.Ctx) deploying.Requester {
	u := currentUser(c)
	return deploying.Requester{ID: u.ID, Role: u.Role}
}

// deployProject deploys the project; without deploy:project the deployment
// waits for an approval by a technical user or an admin.
func (s *Server) deployProject(c *fiber.Ctx) error {
	projectID, key, err := deployTarget(c)
	if err != nil {
		return err
	}
	d, err := s.deployments().Deploy(c.UserContext(), requester(c), projectID, key)
	if err != nil {
		return deploymentError(err)
	}
	return s.accepted(c, d)
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
	d, err := s.deployments().Rollback(c.UserContext(), requester(c), projectID, strings.ToLower(req.DeploymentID), key)
	if err != nil {
		return deploymentError(err)
	}
	return s.accepted(c, d)
}

// accepted answers 202 with the deployment: its workflow runs on.
func (s *Server) accepted(c *fiber.Ctx, d models.Deployment) error {
	c.Location("/api/deployments/" + d.ID)
	return ok(c, fiber.StatusAccepted, s.toDeployment(d))
}

// deploymentError maps the use case's refusals onto answers.
func deploymentError(err error) error {
	var notDeployable *deploying.NotDeployableError
	var lost *deploying.ApprovalLostError
	var finished *deploying.AlreadyFinishedError
	switch {
	case errors.Is(err, deploying.ErrTemplateUnpublished):
		return unprocessable(err.Error())
	case errors.Is(err, deploying.ErrRollbackForbidden):
		return &Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: err.Error()}
	case errors.Is(err, deploying.ErrUnknownTarget):
		return &Error{Status: fiber.StatusNotFound, Code: "not_found", Message: err.Error(),
			Details: []FieldError{{Field: "deploymentId", Message: "unknown deployment"}}}
	case errors.As(err, &notDeployable):
		return &Error{Status: fiber.StatusConflict, Code: "not_deployable", Message: err.Error(),
			Details: []FieldError{{Field: "deploymentId", Message: "status " + notDeployable.Status}}}
	case errors.As(err, &lost):
		return &Error{Status: fiber.StatusConflict, Code: "approval_lost", Message: err.Error(),
			Context: map[string]string{"deploymentId": lost.DeploymentID}}
	case errors.As(err, &finished):
		return &Error{Status: fiber.StatusConflict, Code: "already_finished", Message: err.Error()}
	case errors.Is(err, deploying.ErrWorkflowUnavailable):
		return &Error{Status: fiber.StatusServiceUnavailable, Code: "unavailable", Message: deploying.ErrWorkflowUnavailable.Error()}
	}
	return deploymentConflict(err)
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
	d, err := s.deployments().Cancel(c.UserContext(), currentUserID(c), id)
	if err != nil {
		return deploymentError(err)
	}
	return ok(c, fiber.StatusAccepted, s.toDeployment(d))
}
